-- Roles and team security: alignment_reader reads and cannot write,
-- alignment_loader writes, and under team security a team's user sees only
-- its team's rows in every table, view and snapshot, all-teams rows
-- included. Then the search_path audit and a hijack attempt.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;

-- The roles exist (made by CREATE EXTENSION, or kept from an earlier one)
-- and cannot log in.
SELECT rolname, rolcanlogin, rolsuper, rolbypassrls
FROM pg_roles WHERE rolname IN ('alignment_reader', 'alignment_loader')
ORDER BY rolname;

-- Installing where the roles exist already (another database, a reinstall,
-- an update) reuses them, and grants them the same privileges.
SELECT current_database() AS home \gset
CREATE DATABASE regress_alignment_reinstall TEMPLATE template0;
\c regress_alignment_reinstall
SET client_min_messages = warning;
CREATE EXTENSION alignment;
DROP EXTENSION alignment;
CREATE EXTENSION alignment VERSION '0.1.0';
ALTER EXTENSION alignment UPDATE;
SELECT has_table_privilege('alignment_reader', 'alignment.mql_conversion',
                           'SELECT') AS reader_reads,
       has_table_privilege('alignment_reader', 'alignment.lead', 'INSERT')
           AS reader_writes,
       has_table_privilege('alignment_loader', 'alignment.lead', 'INSERT')
           AS loader_writes;
\c :home
DROP DATABASE regress_alignment_reinstall;

SET client_min_messages = warning;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla,
         alignment.team_member, alignment.team_security,
         alignment.matrix_history, alignment.snapshot_status CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
UPDATE alignment.stage
SET min_fit_score = NULL, required_attributes = '{}', gate_mode = 'off';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.conversion_window_days = 30;
SET alignment.persona_lookback_months = 12;
SET alignment.as_of = '2024-06-01 00:00+00';

-- Test roles (dropped at the end): a reader of each team, south's through
-- a group role, a reader mapped to no team, a loader.
CREATE ROLE regress_alignment_north IN ROLE alignment_reader;
CREATE ROLE regress_alignment_south_team;
CREATE ROLE regress_alignment_south IN ROLE alignment_reader,
    regress_alignment_south_team;
CREATE ROLE regress_alignment_nobody IN ROLE alignment_reader;
CREATE ROLE regress_alignment_etl IN ROLE alignment_loader;

-- Fixture: two teams, January and February 2024 ------------------------------
--
--   north: account a1; leads n1 (cfo) and n2 (cto), both mql Jan 10, n1
--          sql Jan 12 and won Jan 20 (100 USD), n2 lost Feb 5; SLA 24 h,
--          sales follow-up 2 h after each mql; touches before the deals.
--   south: account b1; leads s1, s2, s3 (cfo), mql Jan 11; s1 sql Jan 13
--          and won Jan 25 (300 USD); s2 sql Feb 2; s3 mql again Feb 8.
-- So for January the all-teams rows count 5 mql entries (north 2, south 3)
-- and 2 won deals (400 USD); north's own rows 2 and 1 (100 USD).
INSERT INTO alignment.team (team_id, name) VALUES
    ('north', 'North'), ('south', 'South');
INSERT INTO alignment.sla (team_id, follow_up_hours) VALUES
    ('north', 24), ('south', 48);
INSERT INTO alignment.account (account_id, name, attributes) VALUES
    ('a1', 'Acme', '{"segment": "pet"}'),
    ('b1', 'Bolt', '{"segment": "toys"}');
INSERT INTO alignment.lead (lead_id, team_id, account_id, persona, channel,
                            attributes, created_at) VALUES
    ('n1', 'north', 'a1', 'cfo', 'ads', '{"size": 10}', '2024-01-02 00:00+00'),
    ('n2', 'north', 'a1', 'cto', 'ads', '{"size": 20}', '2024-01-02 00:00+00'),
    ('s1', 'south', 'b1', 'cfo', 'seo', '{"size": 30}', '2024-01-03 00:00+00'),
    ('s2', 'south', 'b1', 'cfo', 'seo', '{"size": 40}', '2024-01-03 00:00+00'),
    ('s3', 'south', 'b1', 'cfo', 'seo', '{"size": 50}', '2024-01-03 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('n1', 'mql', '2024-01-10 00:00+00'), ('n1', 'sql', '2024-01-12 00:00+00'),
    ('n2', 'mql', '2024-01-10 00:00+00'),
    ('s1', 'mql', '2024-01-11 00:00+00'), ('s1', 'sql', '2024-01-13 00:00+00'),
    ('s2', 'mql', '2024-01-11 00:00+00'), ('s2', 'sql', '2024-02-02 00:00+00'),
    ('s3', 'mql', '2024-01-11 00:00+00'), ('s3', 'mql', '2024-02-08 00:00+00');
INSERT INTO alignment.activity (lead_id, side, kind, occurred_at) VALUES
    ('n1', 'sales', 'call', '2024-01-10 02:00+00'),
    ('n2', 'sales', 'call', '2024-01-10 02:00+00'),
    ('s1', 'sales', 'call', '2024-01-14 00:00+00');
INSERT INTO alignment.touch (lead_id, campaign, channel, touched_at) VALUES
    ('n1', 'spring', 'ads', '2024-01-05 00:00+00'),
    ('s1', 'launch', 'seo', '2024-01-06 00:00+00');
INSERT INTO alignment.deal (deal_id, lead_id, account_id, team_id, persona,
                            amount, currency, status, created_at,
                            closed_at) VALUES
    ('dn1', 'n1', 'a1', 'north', 'cfo', 100, 'USD', 'won',
     '2024-01-12 00:00+00', '2024-01-20 00:00+00'),
    ('dn2', 'n2', 'a1', 'north', 'cto', 50, 'USD', 'lost',
     '2024-01-12 00:00+00', '2024-02-05 00:00+00'),
    ('ds1', 's1', 'b1', 'south', 'cfo', 300, 'USD', 'won',
     '2024-01-13 00:00+00', '2024-01-25 00:00+00');
INSERT INTO alignment.team_member (role_name, team_id) VALUES
    ('regress_alignment_north', 'north'),
    ('regress_alignment_south_team', 'south');
-- Snapshots and matrix history, computed by their owner (six snapshots,
-- two lines of history).
SELECT count(*) AS refreshed FROM alignment.refresh();

-- A reader reads and writes nothing ------------------------------------------
--
-- Team security is off: a reader mapped to no team still sees every team.

SET ROLE regress_alignment_nobody;
SELECT count(*) AS conversion_rows FROM alignment.mql_conversion;
SELECT count(*) AS snapshot_rows FROM alignment.snapshot_mql_conversion;
SELECT count(*) AS teams FROM alignment.team;
INSERT INTO alignment.team (team_id, name) VALUES ('x', 'X');
UPDATE alignment.deal SET amount = 0;
DELETE FROM alignment.stage_event;
TRUNCATE alignment.touch;
INSERT INTO alignment.team_member VALUES ('regress_alignment_nobody', 'south');
INSERT INTO alignment.olist_mql_raw DEFAULT VALUES;
SELECT count(*) FROM alignment.stored_matrix;
REFRESH MATERIALIZED VIEW alignment.stored_matrix;
SELECT alignment.refresh();
SELECT alignment.load_olist();
SELECT alignment.icp_approve(1, 'sales');
SELECT alignment.enable_team_security();
SELECT alignment.disable_team_security();
RESET ROLE;

-- A loader writes the data tables, and reads no snapshot.
SET ROLE regress_alignment_etl;
INSERT INTO alignment.lead (lead_id, team_id, created_at)
VALUES ('tmp', 'south', '2024-01-04 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('tmp', 'mql', '2024-01-04 00:00+00');
UPDATE alignment.lead SET channel = 'web' WHERE lead_id = 'tmp';
DELETE FROM alignment.lead WHERE lead_id = 'tmp';
SELECT count(*) FROM alignment.snapshot_matrix;
SELECT count(*) FROM alignment.stored_matrix;
SELECT alignment.refresh();
RESET ROLE;

-- Team security --------------------------------------------------------------
--
-- Every table and view of the schema with a team_id column that the
-- current role may read (not the stored snapshots: see above), row
-- by row: relation, team, whether it is an all-teams row, and the row as
-- JSON without the columns that name or describe the grouping (team_id,
-- all_teams, and note and sla_hours, which say "team" or "all teams" in
-- words).
CREATE SCHEMA regress_alignment;
GRANT USAGE ON SCHEMA regress_alignment TO PUBLIC;
CREATE FUNCTION regress_alignment.rows_seen()
RETURNS TABLE (relation name, team_id text, all_teams boolean, r jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT cl.relname,
               EXISTS (SELECT FROM pg_attribute AS b
                       WHERE b.attrelid = cl.oid AND b.attname = 'all_teams')
                   AS has_all
        FROM pg_class AS cl
        JOIN pg_attribute AS a ON a.attrelid = cl.oid AND a.attname = 'team_id'
        WHERE cl.relnamespace = 'alignment'::regnamespace
          AND cl.relkind IN ('r', 'v')
          AND has_table_privilege(cl.oid, 'SELECT')
    LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::name, x.team_id, %s, to_jsonb(x) - %L - %L - %L - %L
             FROM alignment.%I AS x',
            c.relname, CASE WHEN c.has_all THEN 'x.all_teams' ELSE 'false' END,
            'team_id', 'all_teams', 'note', 'sla_hours', c.relname);
    END LOOP;
END
$$;
-- What the owner sees, for comparison.
CREATE TABLE regress_alignment.truth AS
SELECT * FROM regress_alignment.rows_seen();
GRANT SELECT ON regress_alignment.truth TO PUBLIC;

-- Per relation, what a team's user sees: rows of its team (and whether they
-- are exactly the owner's rows of that team), rows of any other team, and
-- all-teams rows (and whether they equal the owner's rows of its team: the
-- rollup computed over its team only).
CREATE FUNCTION regress_alignment.team_view(team text)
RETURNS TABLE (relation name, own_rows bigint, own_rows_exact boolean,
               other_team_rows bigint, all_team_rows bigint,
               all_teams_are_own boolean)
LANGUAGE sql AS $$
    WITH seen AS (SELECT * FROM regress_alignment.rows_seen())
    SELECT rel,
           (SELECT count(*) FROM seen AS s
            WHERE s.relation = rel AND s.team_id = team),
           ARRAY(SELECT s.r FROM seen AS s
                 WHERE s.relation = rel AND s.team_id = team
                 ORDER BY s.r::text)
           = ARRAY(SELECT t.r FROM regress_alignment.truth AS t
                   WHERE t.relation = rel AND t.team_id = team
                     AND NOT t.all_teams
                   ORDER BY t.r::text),
           (SELECT count(*) FROM seen AS s
            WHERE s.relation = rel AND s.team_id <> team),
           (SELECT count(*) FROM seen AS s
            WHERE s.relation = rel AND s.all_teams),
           CASE WHEN EXISTS (SELECT FROM seen AS s
                             WHERE s.relation = rel AND s.all_teams)
               THEN ARRAY(SELECT s.r FROM seen AS s
                          WHERE s.relation = rel AND s.all_teams
                          ORDER BY s.r::text)
                    = ARRAY(SELECT t.r FROM regress_alignment.truth AS t
                            WHERE t.relation = rel AND t.team_id = team
                              AND NOT t.all_teams
                            ORDER BY t.r::text)
           END
    FROM (SELECT DISTINCT t.relation FROM regress_alignment.truth AS t)
        AS x (rel)
    ORDER BY rel
$$;

-- The owner's all-teams rows differ from north's: the check below is not
-- vacuous (January: 5 mql entries and 400 USD won for all teams, 2 and 100
-- for north).
SELECT team_id, all_teams, cohort
FROM alignment.mql_conversion WHERE period_start = '2024-01-01'
ORDER BY all_teams, team_id;
SELECT team_id, all_teams, won_amount
FROM alignment.pipeline_attribution WHERE period_start = '2024-01-01'
ORDER BY all_teams, team_id;

SELECT alignment.enable_team_security();
SELECT alignment.team_security_enabled();

-- north: its own rows, exactly as the owner sees them; no row of south; the
-- live views' all-teams rows hold north's figures; the snapshots and the
-- matrix history show no all-teams row (stored, they count south).
SET ROLE regress_alignment_north;
SELECT * FROM regress_alignment.team_view('north');
SELECT team_id, all_teams, cohort
FROM alignment.mql_conversion WHERE period_start = '2024-01-01'
ORDER BY all_teams, team_id;
SELECT team_id, all_teams, won_amount
FROM alignment.pipeline_attribution WHERE period_start = '2024-01-01'
ORDER BY all_teams, team_id;
-- Tables without a team follow their leads: north has 3 of the 9 stage
-- events, 2 of the 3 activities, 1 of the 2 touches, account a1 only.
SELECT (SELECT count(*) FROM alignment.stage_event) AS stage_events,
       (SELECT count(*) FROM alignment.activity) AS activities,
       (SELECT count(*) FROM alignment.touch) AS touches,
       (SELECT string_agg(account_id, ',') FROM alignment.account)
           AS accounts,
       (SELECT string_agg(team_id, ',') FROM alignment.team_member)
           AS mapped_teams;
-- The matrix picture shows north alone; south does not exist for north.
SELECT regexp_count(alignment.matrix_svg('2024-01-01'), '<circle') AS dots,
       strpos(alignment.matrix_svg('2024-01-01'), 'South') = 0 AS no_south;
SELECT alignment.matrix_svg('south', '2024-01-01');
RESET ROLE;

-- south, mapped through its group role: the same, for south.
SET ROLE regress_alignment_south;
SELECT * FROM regress_alignment.team_view('south');
RESET ROLE;

-- A reader mapped to no team sees no row of any team.
SET ROLE regress_alignment_nobody;
SELECT count(*) AS rows_seen FROM regress_alignment.rows_seen();
RESET ROLE;

-- The loader still sees and writes every team.
SET ROLE regress_alignment_etl;
SELECT count(*) AS leads FROM alignment.lead;
INSERT INTO alignment.lead (lead_id, team_id, created_at)
VALUES ('tmp', 'north', '2024-01-04 00:00+00');
DELETE FROM alignment.lead WHERE lead_id = 'tmp';
RESET ROLE;

-- Enabling again changes nothing; a mapping naming no role is reported.
INSERT INTO alignment.team_member VALUES ('regress_alignment_ghost', 'north');
SELECT alignment.enable_team_security();
DELETE FROM alignment.team_member
WHERE role_name = 'regress_alignment_ghost';

-- Off again: north's reader sees both teams.
SELECT alignment.disable_team_security();
SET ROLE regress_alignment_north;
SELECT count(DISTINCT team_id) AS teams_seen, count(*) FILTER (WHERE all_teams)
    AS all_team_rows
FROM regress_alignment.rows_seen()
WHERE relation = 'snapshot_mql_conversion';
RESET ROLE;

-- search_path ----------------------------------------------------------------
--
-- Every SQL or PL/pgSQL function of the extension pins its search_path to
-- pg_catalog first, or has a SQL-standard body (names resolved once, when it
-- was created): that list must be empty. The only SECURITY DEFINER
-- functions are the two that write the stored funnel facts (which must
-- see every row of a lead, whatever team security lets the writer see);
-- a reader may not call them.
SELECT p.oid::regprocedure AS unpinned
FROM pg_proc AS p
JOIN pg_language AS l ON l.oid = p.prolang
JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                   AND d.deptype = 'e'
JOIN pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'alignment'
WHERE l.lanname IN ('sql', 'plpgsql')
  AND p.prosqlbody IS NULL
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c
                  WHERE c LIKE 'search\_path=pg\_catalog%')
ORDER BY 1::text;
SELECT p.oid::regprocedure AS security_definer
FROM pg_proc AS p
JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                   AND d.deptype = 'e'
JOIN pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'alignment'
WHERE p.prosecdef
ORDER BY 1::text;
SET ROLE regress_alignment_north;
SELECT alignment.rebuild_facts();
SELECT alignment.refresh_facts(ARRAY['n1']);
RESET ROLE;

-- A schema put before pg_catalog, holding functions and an operator with
-- the names the extension's functions call, changes none of their results.
SELECT alignment.matrix_svg('2024-01-01') AS svg_before,
       alignment.xml_escape('a<b') AS escaped_before \gset
CREATE SCHEMA regress_alignment_evil;
CREATE FUNCTION regress_alignment_evil.replace(text, text, text)
RETURNS text LANGUAGE sql RETURN 'hijacked';
CREATE FUNCTION regress_alignment_evil.length(text)
RETURNS integer LANGUAGE sql RETURN 1000;
CREATE FUNCTION regress_alignment_evil.round(numeric, integer)
RETURNS numeric LANGUAGE sql RETURN -1;
CREATE FUNCTION regress_alignment_evil.pg_has_role(oid, text)
RETURNS boolean LANGUAGE sql RETURN true;
CREATE FUNCTION regress_alignment_evil.setting(text)
RETURNS text LANGUAGE sql RETURN '0.01';
CREATE FUNCTION regress_alignment_evil.concat_text(text, text)
RETURNS text LANGUAGE sql RETURN 'hijacked';
CREATE OPERATOR regress_alignment_evil.|| (LEFTARG = text, RIGHTARG = text,
    FUNCTION = regress_alignment_evil.concat_text);
SET search_path = regress_alignment_evil, pg_catalog, alignment;
SELECT alignment.matrix_svg('2024-01-01') = :'svg_before' AS svg_unchanged,
       alignment.xml_escape('a<b') = :'escaped_before' AS escape_unchanged;
SET ROLE regress_alignment_north;
SELECT alignment.member_teams() AS north_teams;
RESET ROLE;
RESET search_path;
DROP SCHEMA regress_alignment_evil CASCADE;

-- Clean up.
DROP SCHEMA regress_alignment CASCADE;
TRUNCATE alignment.lead, alignment.deal, alignment.account, alignment.sla,
         alignment.team_member, alignment.team_security,
         alignment.matrix_history, alignment.snapshot_status CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SELECT count(*) AS refreshed FROM alignment.refresh();
DROP ROLE regress_alignment_north, regress_alignment_south,
    regress_alignment_south_team, regress_alignment_nobody,
    regress_alignment_etl;
RESET alignment.as_of;
