-- upgrade: install release 0.1.0, build user objects on it, update to
-- the current release (through every update script: 0.2.0, then 0.3.0)
-- and check that they survive with the same results, that the new objects
-- work, and that the update leaves the same extension as a fresh
-- install. All in one transaction, rolled back at the end, so the
-- database keeps the extension as the other tests left it.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
BEGIN;
DROP EXTENSION alignment CASCADE;
CREATE EXTENSION alignment VERSION '0.1.0';
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.conversion_window_days = 30;
SET alignment.as_of = '2024-03-01 00:00+00';
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'alignment';

-- What an extension is made of: each member object with its definition
-- (columns, function body and properties, view query), privileges and
-- description.
CREATE FUNCTION pg_temp.extension_catalog()
RETURNS TABLE (object text, definition text)
LANGUAGE sql AS $$
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid),
       pg_catalog.concat_ws(' | ',
           (SELECT pg_catalog.string_agg(a.attname || ' '
                       || pg_catalog.format_type(a.atttypid, a.atttypmod)
                       || COALESCE(' -- ' || pg_catalog.col_description(
                                                 a.attrelid, a.attnum), ''),
                       ', ' ORDER BY a.attnum)
            FROM pg_catalog.pg_attribute AS a
            WHERE d.classid = 'pg_catalog.pg_class'::regclass
              AND a.attrelid = d.objid AND a.attnum > 0
              AND NOT a.attisdropped),
           (SELECT c.relacl::text FROM pg_catalog.pg_class AS c
            WHERE d.classid = 'pg_catalog.pg_class'::regclass
              AND c.oid = d.objid),
           (SELECT pg_catalog.pg_get_viewdef(c.oid)
            FROM pg_catalog.pg_class AS c
            WHERE d.classid = 'pg_catalog.pg_class'::regclass
              AND c.oid = d.objid AND c.relkind IN ('v', 'm')),
           (SELECT pg_catalog.concat_ws(' ', pg_catalog.md5(COALESCE(
                       pg_catalog.pg_get_function_sqlbody(p.oid), p.prosrc)),
                   pg_catalog.pg_get_function_result(p.oid), p.provolatile,
                   p.proisstrict, p.proparallel, p.prosecdef, p.proconfig,
                   p.proacl)
            FROM pg_catalog.pg_proc AS p
            WHERE d.classid = 'pg_catalog.pg_proc'::regclass
              AND p.oid = d.objid),
           pg_catalog.obj_description(d.objid,
               CAST(CAST(d.classid AS regclass) AS text)))
FROM pg_catalog.pg_depend AS d
WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
  AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension AS e
                    WHERE e.extname = 'alignment')
  AND d.deptype = 'e'
UNION ALL
SELECT 'tables pg_dump keeps',
       (SELECT pg_catalog.string_agg(pg_catalog.concat(c::regclass, ' ', w),
                                     ', ' ORDER BY c::regclass::text)
        FROM pg_catalog.pg_extension AS e,
             ROWS FROM (pg_catalog.unnest(e.extconfig),
                       pg_catalog.unnest(e.extcondition)) AS u (c, w)
        WHERE e.extname = 'alignment')
$$;
CREATE TEMP TABLE catalog_010 AS SELECT * FROM pg_temp.extension_catalog();

-- A small fixture. January: a1 converts in 4 days, a2 never (its window
-- closed on Feb 2); east's b1 reaches sql after 41 days, too late.
INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');
INSERT INTO alignment.lead (lead_id, team_id, persona, attributes,
                            created_at) VALUES
    ('a1', 'default', 'cfo', '{"segment": "pet"}', '2024-01-01'),
    ('a2', 'default', 'cto', '{"segment": "toys"}', '2024-01-01'),
    ('b1', 'east', 'cfo', '{"segment": "pet"}', '2024-01-01');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('a1', 'mql', '2024-01-01 00:00+00'),
    ('a1', 'sql', '2024-01-05 00:00+00'),
    ('a2', 'mql', '2024-01-03 00:00+00'),
    ('b1', 'mql', '2024-01-10 00:00+00'),
    ('b1', 'sql', '2024-02-20 00:00+00');
-- Two won deals without a persona (the matrix's persona mix ignores them):
-- w1's lead a1 was touched by a campaign before its creation (attributed),
-- w2's lead a2 only by a touch naming nothing (no touch).
INSERT INTO alignment.touch (lead_id, campaign, channel, touched_at) VALUES
    ('a1', 'spring', NULL, '2024-01-02 00:00+00'),
    ('a2', NULL, NULL, '2024-01-02 00:00+00');
INSERT INTO alignment.deal (deal_id, lead_id, team_id, amount, currency,
                            status, created_at, closed_at) VALUES
    ('w1', 'a1', 'default', 100, 'USD', 'won', '2024-01-05', '2024-01-20'),
    ('w2', 'a2', 'default', 50, 'USD', 'won', '2024-01-05', '2024-01-25');

-- User objects on 0.1.0: a view calling the conversion aggregate (and its
-- result type), a function calling icp_score, a view over the matrix and a
-- materialized view over mql_conversion.
CREATE VIEW public.upgrade_cohort AS
SELECT l.team_id,
       (alignment.conversion(m.entered_at, s.entered_at, 30,
                             '2024-03-01 00:00+00')).*
FROM alignment.lead AS l
JOIN alignment.stage_event AS m ON m.lead_id = l.lead_id AND m.stage = 'mql'
LEFT JOIN alignment.stage_event AS s
    ON s.lead_id = l.lead_id AND s.stage = 'sql'
GROUP BY l.team_id;
CREATE FUNCTION public.upgrade_fit(attributes jsonb)
RETURNS double precision
LANGUAGE sql IMMUTABLE
RETURN alignment.icp_score('{"criteria": [{"attribute": "segment",
                                            "in": ["pet"]}]}', attributes);
CREATE VIEW public.upgrade_cells AS
SELECT period_start, team_id, mql_entries, cell
FROM alignment.alignment_matrix;
CREATE MATERIALIZED VIEW public.upgrade_monthly AS
SELECT period_start, team_id, all_teams, cohort, decided, converted, rate
FROM alignment.mql_conversion;
CREATE VIEW public.upgrade_attribution AS
SELECT period_start, team_id, all_teams, won_deals, attributed_deals,
       no_touch_deals, accuracy
FROM alignment.pipeline_attribution;

-- Their results on 0.1.0. default: decided 2, converted 1, rate 0.5
-- (Wilson 0.0945 to 0.9055); east: decided 1, converted 0, rate 0; all
-- teams 3 and 1. Fit: pet 100, toys 0. January cells: no ICP (fit share
-- 0) and no won deal with a persona: persona agreement 0; no gate, no
-- SLA: both 0; so clarity at most (0 + 0 + 1/2 + 1) / 4 = .375 (default):
-- cell 1. February: only b1's late sql entry, no mql entry: no cell.
-- Attribution, January, default and all teams: 2 won deals, 1 attributed,
-- 1 without a touch, accuracy 100 / 150.
CREATE TEMP TABLE result_010 AS
SELECT 'cohort' AS source, pg_catalog.to_jsonb(c) AS value
FROM public.upgrade_cohort AS c
UNION ALL
SELECT 'fit', pg_catalog.to_jsonb(f)
FROM (SELECT l.lead_id, public.upgrade_fit(l.attributes) AS fit
      FROM alignment.lead AS l) AS f
UNION ALL
SELECT 'cells', pg_catalog.to_jsonb(m) FROM public.upgrade_cells AS m
UNION ALL
SELECT 'monthly', pg_catalog.to_jsonb(m) FROM public.upgrade_monthly AS m
UNION ALL
SELECT 'attribution', pg_catalog.to_jsonb(a) FROM public.upgrade_attribution AS a;
SELECT source, value FROM result_010 ORDER BY source, value::text;

ALTER EXTENSION alignment UPDATE;
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'alignment';

-- The user objects are still there and give the same results (rows in one
-- result and not the other: none), before and after refreshing the
-- materialized view.
SELECT pg_catalog.to_regclass('public.upgrade_cohort') IS NOT NULL AS cohort,
       pg_catalog.to_regprocedure('public.upgrade_fit(jsonb)') IS NOT NULL
           AS fit,
       pg_catalog.to_regclass('public.upgrade_cells') IS NOT NULL AS cells,
       pg_catalog.to_regclass('public.upgrade_monthly') IS NOT NULL
           AS monthly,
       pg_catalog.to_regclass('public.upgrade_attribution') IS NOT NULL
           AS attribution;
CREATE FUNCTION pg_temp.results_now()
RETURNS TABLE (source text, value jsonb)
LANGUAGE sql AS $$
SELECT 'cohort', pg_catalog.to_jsonb(c) FROM public.upgrade_cohort AS c
UNION ALL
SELECT 'fit', pg_catalog.to_jsonb(f)
FROM (SELECT l.lead_id, public.upgrade_fit(l.attributes) AS fit
      FROM alignment.lead AS l) AS f
UNION ALL
SELECT 'cells', pg_catalog.to_jsonb(m) FROM public.upgrade_cells AS m
UNION ALL
SELECT 'monthly', pg_catalog.to_jsonb(m) FROM public.upgrade_monthly AS m
UNION ALL
SELECT 'attribution', pg_catalog.to_jsonb(a) FROM public.upgrade_attribution AS a
$$;
SELECT * FROM ((TABLE result_010
                EXCEPT ALL SELECT * FROM pg_temp.results_now())
               UNION ALL
               (SELECT * FROM pg_temp.results_now()
                EXCEPT ALL TABLE result_010)) AS differences;
REFRESH MATERIALIZED VIEW public.upgrade_monthly;
SELECT * FROM ((TABLE result_010
                EXCEPT ALL SELECT * FROM pg_temp.results_now())
               UNION ALL
               (SELECT * FROM pg_temp.results_now()
                EXCEPT ALL TABLE result_010)) AS differences;

-- Nothing of 0.1.0 is gone.
SELECT object FROM catalog_010
EXCEPT
SELECT object FROM pg_temp.extension_catalog();

-- The new objects work on the data that was there: the update stored the
-- facts of the leads and deals already loaded (as many handoff facts as mql
-- entries, a deal fact per deal), and the snapshots fill and hold what the
-- user's materialized view holds.
SELECT (SELECT count(*) FROM alignment.handoff_fact)
     = (SELECT count(*) FROM alignment.stage_event WHERE stage = 'mql')
           AS handoff_facts,
       (SELECT count(*) FROM alignment.deal_fact)
     = (SELECT count(*) FROM alignment.deal) AS deal_facts,
       (SELECT count(*) FROM alignment.deal) AS deals;
SELECT * FROM alignment.refresh();
SELECT s.period_start, s.team_id, s.cohort, s.decided, s.converted, s.rate
FROM alignment.snapshot_mql_conversion AS s
EXCEPT ALL
SELECT m.period_start, m.team_id, m.cohort, m.decided, m.converted, m.rate
FROM public.upgrade_monthly AS m;
SELECT team_id, period_start, cell, first_cell
FROM alignment.matrix_path
ORDER BY all_teams, team_id, period_start;
SELECT alignment.refresh_job_name(pg_catalog.current_database())
    = 'alignment-refresh-' || pg_catalog.current_database() AS job_name;

-- A fresh install (base script, then the same updates) has the same
-- members, with the same definitions, privileges and descriptions: rows
-- in one catalog and not in the other, none.
CREATE TEMP TABLE catalog_upgraded AS
SELECT * FROM pg_temp.extension_catalog();
SET client_min_messages = warning;
DROP EXTENSION alignment CASCADE;
CREATE EXTENSION alignment;
RESET client_min_messages;
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'alignment';
SELECT (SELECT pg_catalog.count(*) FROM catalog_upgraded)
     = (SELECT pg_catalog.count(*) FROM pg_temp.extension_catalog())
    AS same_count,
       (SELECT pg_catalog.count(*) FROM catalog_upgraded)
     > (SELECT pg_catalog.count(*) FROM catalog_010) AS more_than_010;
(TABLE catalog_upgraded EXCEPT SELECT * FROM pg_temp.extension_catalog())
UNION ALL
(SELECT * FROM pg_temp.extension_catalog() EXCEPT TABLE catalog_upgraded);

ROLLBACK;
SELECT extversion = (SELECT default_version
                     FROM pg_catalog.pg_available_extensions
                     WHERE name = 'alignment') AS back_to_default
FROM pg_catalog.pg_extension WHERE extname = 'alignment';
