-- snapshots: the materialized snapshots of the metric views,
-- alignment.refresh(), alignment.snapshot_status and the matrix history.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla,
         alignment.matrix_history, alignment.snapshot_status CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
UPDATE alignment.stage SET min_fit_score = NULL, required_attributes = '{}';
-- Back to empty snapshots, as after CREATE EXTENSION.
DO $$
DECLARE
    snap text;
BEGIN
    FOR snap IN SELECT c.relname FROM pg_catalog.pg_class AS c
                WHERE c.relnamespace = 'alignment'::regnamespace
                  AND c.relkind = 'm'
    LOOP
        EXECUTE pg_catalog.format(
            'REFRESH MATERIALIZED VIEW alignment.%I WITH NO DATA', snap);
    END LOOP;
END
$$;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.conversion_window_days = 30;

-- One snapshot per metric view and one for the matrix, each with a unique
-- index on plain columns (what REFRESH ... CONCURRENTLY needs), NULLS NOT
-- DISTINCT because team_id (and persona) is NULL on the rollup rows.
SELECT c.relname AS snapshot, i.indexrelid::regclass AS unique_index,
       i.indisunique AND i.indnullsnotdistinct AS nulls_not_distinct,
       i.indexprs IS NULL AND i.indpred IS NULL AS plain_columns,
       (SELECT pg_catalog.string_agg(a.attname, ', ' ORDER BY k.n)
        FROM pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)
        JOIN pg_catalog.pg_attribute AS a
          ON a.attrelid = c.oid AND a.attnum = k.attnum) AS key
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_index AS i ON i.indrelid = c.oid
WHERE c.relnamespace = 'alignment'::regnamespace AND c.relkind = 'm'
ORDER BY 1;

-- Until the first refresh a snapshot is empty and cannot be read.
SELECT * FROM alignment.snapshot_matrix;

-- Fixture. ICP: segment pet, threshold 60, in force all along; the mql
-- stage's gate is a fit score of 50. Both teams follow up within 24 hours.
INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');
INSERT INTO alignment.sla (team_id, follow_up_hours)
VALUES ('default', 24), ('east', 24);
UPDATE alignment.stage SET min_fit_score = 50 WHERE stage = 'mql';
INSERT INTO alignment.icp_version (definition, fit_threshold,
    marketing_approved_at, sales_approved_at, effective_from) VALUES
    ('{"criteria": [{"attribute": "segment", "in": ["pet"]}]}', 60,
     '2023-12-01 00:00+00', '2023-12-01 00:00+00', '2023-12-01 00:00+00');
INSERT INTO alignment.lead (lead_id, team_id, persona, attributes,
                            created_at) VALUES
    ('d1', 'default', 'cfo', '{"segment": "pet"}', '2024-01-01'),
    ('d2', 'default', 'cfo', '{"segment": "pet"}', '2024-01-01'),
    ('e1', 'east', 'cfo', '{"segment": "pet"}', '2024-01-01');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('d1', 'mql', '2024-01-10 00:00+00'),
    ('d1', 'sql', '2024-01-12 00:00+00'),
    ('d2', 'mql', '2024-01-10 00:00+00'),          -- never followed up
    ('e1', 'mql', '2024-01-05 00:00+00'),
    ('e1', 'sql', '2024-01-06 00:00+00');
INSERT INTO alignment.activity (lead_id, side, occurred_at) VALUES
    ('d1', 'sales', '2024-01-10 02:00+00'),
    ('e1', 'sales', '2024-01-05 01:00+00');
INSERT INTO alignment.touch (lead_id, channel, touched_at)
VALUES ('d1', 'webinar', '2024-01-02 00:00+00');
INSERT INTO alignment.deal (deal_id, lead_id, team_id, amount, currency,
                            created_at, closed_at, status)
VALUES ('w1', 'd1', 'default', 1000, 'USD', '2024-01-12 00:00+00',
        '2024-01-30 00:00+00', 'won');

-- Refresh 1, as of January 20 (the deal is not closed yet, so the deal
-- snapshots are empty): every snapshot is filled, not refreshed
-- concurrently (it cannot be while empty).
SET alignment.as_of = '2024-01-20 00:00+00';
SELECT * FROM alignment.refresh();

-- January, as of the 20th. ICP fit 100 for all three entries (share 1,
-- gate 1); no won deal with a persona, so persona agreement = fit share =
-- 1: high.
--   default: follow-up d1 within, d2 breach (deadline Jan 11) = 0.5;
--     disposition: d1 converted, d2 pending (window to Feb 9) = 1/1;
--     discipline d1 through mql = 1. Clarity (1 + .5 + 1 + 1) / 4 = .875.
--   east: every component 1. Clarity 1.
--   all: follow-up 2/3, disposition 2/2, discipline 2/2: clarity
--     (1 + .6667 + 1 + 1) / 4 = .9167.
-- All high: cell 4.
SELECT period_start, team_id, mql_entries,
       round(persona_agreement::numeric, 4) AS persona,
       round(lifecycle_clarity::numeric, 4) AS clarity, cell
FROM alignment.snapshot_matrix
ORDER BY period_start, all_teams, team_id;

SELECT snapshot, as_of, period_unit, row_count, concurrent
FROM alignment.snapshot_status
ORDER BY snapshot;

-- A backdated import: d3 (segment toys: fit 0, below the gate) entered mql
-- on January 15 and was never followed up; d4 (toys) on February 5.
INSERT INTO alignment.lead (lead_id, team_id, persona, attributes,
                            created_at) VALUES
    ('d3', 'default', 'cfo', '{"segment": "toys"}', '2024-01-01'),
    ('d4', 'default', 'cfo', '{"segment": "toys"}', '2024-02-01');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('d3', 'mql', '2024-01-15 00:00+00'),
    ('d4', 'mql', '2024-02-05 00:00+00');

-- Refresh 2, as of February 20, in a transaction: the refresh is
-- concurrent, so the snapshots hold an EXCLUSIVE lock (and ROW EXCLUSIVE,
-- to apply the changes), neither of which conflicts with the ACCESS SHARE
-- lock of a reader, and never an ACCESS EXCLUSIVE one. Readers see the new
-- rows of every snapshot at once, at COMMIT.
SET alignment.as_of = '2024-02-20 00:00+00';
BEGIN;
SELECT * FROM alignment.refresh();
SELECT c.relname AS snapshot,
       pg_catalog.string_agg(l.mode, ', ' ORDER BY l.mode) AS locks
FROM pg_catalog.pg_locks AS l
JOIN pg_catalog.pg_class AS c ON c.oid = l.relation
WHERE l.pid = pg_catalog.pg_backend_pid()
  AND c.relnamespace = 'alignment'::regnamespace AND c.relkind = 'm'
GROUP BY c.relname
ORDER BY 1;
COMMIT;

-- January, as of February 20.
--   default: d1 d2 d3. Fit share 2/3: persona .6667, high. Gate 2/3,
--     follow-up 1/3, disposition d1 converted, d2 and d3 windows closed
--     (Feb 9, Feb 14) = 1/3, discipline 1. Clarity (.6667 + .3333 + .3333
--     + 1) / 4 = .5833: low. Cell 2 (was 4: a revision).
--   east: unchanged, cell 4.
--   all: fit 3/4 = .75; gate 3/4, follow-up 2/4, disposition 2/4,
--     discipline 1: clarity .6875. Cell 4, unchanged.
-- February: d4 alone. Fit 0: persona 0. Gate 0, follow-up 0 (deadline
--   Feb 6 passed), disposition pending (left out), no sql entry (left
--   out): clarity 0. Cell 1, for default and for all teams.
SELECT period_start, team_id, mql_entries,
       round(persona_agreement::numeric, 4) AS persona,
       round(lifecycle_clarity::numeric, 4) AS clarity, cell
FROM alignment.snapshot_matrix
ORDER BY period_start, all_teams, team_id;

-- Each snapshot holds exactly what its view computes with the same
-- settings (rows in one and not the other: none).
SELECT 'mql_conversion' AS snapshot, pg_catalog.count(*) AS differences
FROM ((TABLE alignment.mql_conversion
       EXCEPT ALL TABLE alignment.snapshot_mql_conversion)
      UNION ALL (TABLE alignment.snapshot_mql_conversion
                 EXCEPT ALL TABLE alignment.mql_conversion)) AS d
UNION ALL
SELECT 'pipeline_attribution', pg_catalog.count(*)
FROM ((TABLE alignment.pipeline_attribution
       EXCEPT ALL TABLE alignment.snapshot_pipeline_attribution)
      UNION ALL (TABLE alignment.snapshot_pipeline_attribution
                 EXCEPT ALL TABLE alignment.pipeline_attribution)) AS d
UNION ALL
SELECT 'icp_fit_at_handoff', pg_catalog.count(*)
FROM ((TABLE alignment.icp_fit_at_handoff
       EXCEPT ALL TABLE alignment.snapshot_icp_fit_at_handoff)
      UNION ALL (TABLE alignment.snapshot_icp_fit_at_handoff
                 EXCEPT ALL TABLE alignment.icp_fit_at_handoff)) AS d
UNION ALL
SELECT 'follow_up_compliance', pg_catalog.count(*)
FROM ((TABLE alignment.follow_up_compliance
       EXCEPT ALL TABLE alignment.snapshot_follow_up_compliance)
      UNION ALL (TABLE alignment.snapshot_follow_up_compliance
                 EXCEPT ALL TABLE alignment.follow_up_compliance)) AS d
UNION ALL
SELECT 'time_to_close', pg_catalog.count(*)
FROM ((TABLE alignment.time_to_close
       EXCEPT ALL TABLE alignment.snapshot_time_to_close)
      UNION ALL (TABLE alignment.snapshot_time_to_close
                 EXCEPT ALL TABLE alignment.time_to_close)) AS d
UNION ALL
SELECT 'matrix', pg_catalog.count(*)
FROM ((TABLE alignment.alignment_matrix
       EXCEPT ALL TABLE alignment.snapshot_matrix)
      UNION ALL (TABLE alignment.snapshot_matrix
                 EXCEPT ALL TABLE alignment.alignment_matrix)) AS d;

-- The deal closed on January 30 is in now: won 1000 USD, attributed to
-- d1's webinar touch before its creation; 18 days to close, untagged.
SELECT period_start, team_id, won_deals, won_amount, attributed_deals,
       accuracy
FROM alignment.snapshot_pipeline_attribution
ORDER BY period_start, all_teams, team_id;
SELECT period_start, team_id, persona, all_personas, won_deals,
       median_days_to_close
FROM alignment.snapshot_time_to_close
ORDER BY period_start, all_teams, team_id, all_personas, persona;

-- The history: January default first reported in cell 4 (as of Jan 20),
-- revised to 2 (as of Feb 20); the others as first reported.
SELECT period_start, team_id, all_teams, first_cell, first_reported_at,
       last_cell, last_revised_at, last_reported_at, revisions
FROM alignment.matrix_history
ORDER BY period_start, all_teams, team_id;

-- Refreshing again at the same as_of changes nothing, and a refresh as of
-- an earlier date (January 25: no February yet) does not rewrite history
-- reported later; the snapshots follow it, though.
SELECT * FROM alignment.refresh() WHERE relation = 'alignment.matrix_history';
SET alignment.as_of = '2024-01-25 00:00+00';
SELECT * FROM alignment.refresh() WHERE relation = 'alignment.matrix_history';
SELECT period_start, team_id, cell FROM alignment.snapshot_matrix
ORDER BY period_start, all_teams, team_id;
SELECT pg_catalog.count(*) AS rows, pg_catalog.max(last_reported_at) AS last
FROM alignment.matrix_history;

-- Each team's path month by month.
SELECT team_id, period_start, cell, previous_cell, moved, first_cell,
       revisions, next_step
FROM alignment.matrix_path
ORDER BY all_teams, team_id, period_start;

-- Another period unit is another history: weeks do not revise months.
SET alignment.period = 'week';
SET alignment.as_of = '2024-02-20 00:00+00';
SELECT * FROM alignment.refresh() WHERE relation = 'alignment.matrix_history';
SELECT period_unit, pg_catalog.count(*) AS rows,
       pg_catalog.sum(revisions) AS revisions
FROM alignment.matrix_history
GROUP BY period_unit
ORDER BY 1;
SELECT DISTINCT period_unit FROM alignment.snapshot_mql_conversion;
RESET alignment.period;

-- History rows keep to the matrix: bad rows, one problem each.
INSERT INTO alignment.matrix_history (period_unit, period_start, period_end,
    team_id, all_teams, first_cell, first_reported_at, last_cell,
    last_revised_at, last_reported_at)
VALUES ('month', '2024-03-01', '2024-03-31', 'east', false, 5, '2024-03-01', 1,
        '2024-03-01', '2024-03-01');
INSERT INTO alignment.matrix_history (period_unit, period_start, period_end,
    team_id, all_teams, first_cell, first_reported_at, last_cell,
    last_revised_at, last_reported_at)
VALUES ('month', '2024-03-01', '2024-03-31', NULL, false, 1, '2024-03-01', 1,
        '2024-03-01', '2024-03-01');
INSERT INTO alignment.matrix_history (period_unit, period_start, period_end,
    team_id, all_teams, first_cell, first_reported_at, last_cell,
    last_revised_at, last_reported_at)
VALUES ('month', '2024-01-01', '2024-01-31', NULL, true, 1, '2024-03-01', 1,
        '2024-03-01', '2024-03-01');
INSERT INTO alignment.matrix_history (period_unit, period_start, period_end,
    team_id, all_teams, first_cell, first_reported_at, last_cell,
    last_revised_at, last_reported_at)
VALUES ('month', '2024-03-01', '2024-03-31', 'west', false, 1, '2024-03-01', 1,
        '2024-03-01', '2024-03-01');

-- Scheduling: the schedule is checked before pg_cron is looked for (the
-- pgTAP test test/cron.sql covers pg_cron itself).
SELECT alignment.schedule_refresh(NULL);
SELECT alignment.schedule_refresh('0 * * * *', '');
SELECT alignment.refresh_job_name('sales');

-- Every new object, column and function has a description (Metabase shows
-- them): none is missing.
SELECT c.relname, a.attname
FROM pg_catalog.pg_class AS c
LEFT JOIN pg_catalog.pg_attribute AS a
  ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'alignment'::regnamespace
  AND (c.relname LIKE 'snapshot%' OR c.relname LIKE 'stored\_%'
       OR c.relname LIKE 'matrix_%')
  AND c.relkind IN ('r', 'v', 'm')
  AND (pg_catalog.obj_description(c.oid, 'pg_class') IS NULL
       OR pg_catalog.col_description(c.oid, a.attnum) IS NULL);
SELECT p.oid::regprocedure
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace = 'alignment'::regnamespace
  AND p.proname IN ('refresh', 'schedule_refresh', 'unschedule_refresh',
                    'run_in_cron_database', 'libpq_quote', 'refresh_job_name')
  AND pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL;

-- The functions pin their search_path.
SELECT p.proname, p.proconfig, p.prosecdef
FROM pg_catalog.pg_proc AS p
WHERE p.oid IN ('alignment.refresh()'::regprocedure,
                'alignment.schedule_refresh(text, text)'::regprocedure,
                'alignment.unschedule_refresh(text)'::regprocedure,
                'alignment.run_in_cron_database(text)'::regprocedure)
ORDER BY 1;

-- Clean up.
SET client_min_messages = warning;
RESET alignment.as_of;
TRUNCATE alignment.lead, alignment.deal, alignment.icp_version,
         alignment.sla, alignment.matrix_history, alignment.snapshot_status
         CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
UPDATE alignment.stage SET min_fit_score = NULL WHERE stage = 'mql';
