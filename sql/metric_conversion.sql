-- Metric 1: MQL-to-SQL conversion (alignment.mql_conversion).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.conversion_window_days = 30;
SET alignment.as_of = '2024-03-15 00:00+00';

INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');
INSERT INTO alignment.lead (lead_id, team_id, created_at)
SELECT id, CASE WHEN id LIKE 'e%' THEN 'east' ELSE 'default' END,
       '2024-01-01 00:00+00'
FROM unnest(ARRAY['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8', 'l9',
                  'l10', 'l11', 'l12', 'e1', 'e2']) AS id;

INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    -- January, team default
    ('l1', 'mql', '2024-01-05 00:00+00'),   -- converts after 5 days
    ('l1', 'sql', '2024-01-10 00:00+00'),
    ('l2', 'mql', '2024-01-10 00:00+00'),   -- converts exactly 30 days on:
    ('l2', 'sql', '2024-02-09 00:00+00'),   --   at the window's edge, counts
    ('l3', 'mql', '2024-01-10 00:00+00'),   -- one second past the edge:
    ('l3', 'sql', '2024-02-09 00:00:01+00'), --  decided, not converted
    ('l4', 'mql', '2024-01-20 00:00+00'),   -- never converts (window closed)
    ('l5', 'mql', '2024-01-25 00:00+00'),   -- regressed: mql -> sql -> mql;
    ('l5', 'sql', '2024-01-28 00:00+00'),   --   one January cohort member,
    ('l5', 'mql', '2024-02-05 00:00+00'),   --   not a February one
    ('l6', 'sql', '2024-01-15 00:00+00'),   -- skipped the handoff
    ('l7', 'opportunity', '2024-01-18 00:00+00'), -- skipped the handoff,
    ('l7', 'mql', '2024-02-01 00:00+00'),   --   then mql in February: the
                                            --   earlier opportunity is no
                                            --   conversion
    ('l8', 'mql', '2024-01-12 00:00+00'),   -- mql and sql at the same
    ('l8', 'sql', '2024-01-12 00:00+00'),   --   instant: converted, no skip
    -- February, team default
    ('l9', 'mql', '2024-02-20 00:00+00'),   -- window open until Mar 21: pending
    ('l10', 'mql', '2024-02-25 00:00+00'),  -- converts via a later stage
    ('l10', 'customer', '2024-03-01 00:00+00'),
    -- March: only a pending lead; its sql and l12 come after as_of
    ('l11', 'mql', '2024-03-10 00:00+00'),
    ('l11', 'sql', '2024-03-16 00:00+00'),
    ('l12', 'mql', '2024-03-20 00:00+00'),
    -- team east
    ('e1', 'mql', '2024-01-08 00:00+00'),
    ('e1', 'sql', '2024-01-09 00:00+00'),
    ('e2', 'sql', '2024-02-14 00:00+00');   -- a skip in a period without mql

-- January default: cohort l1 l2 l3 l4 l5 l8, all decided (the latest window,
--   l5's, closed Feb 24); converted l1 l2 l5 l8 = 4/6; skipped l6 l7.
--   Wilson 95 % for 4/6: centre (4/6 + z^2/12) / (1 + z^2/6) = 0.6016,
--   half-width z sqrt(4/6*2/6/6 + z^2/144) / (1 + z^2/6) = 0.3016:
--   [0.3000, 0.9032].
-- January all teams: + e1 converted = 5/7, Wilson [0.3589, 0.9178].
-- February default: cohort l7 (decided, Mar 2 <= as_of), l9 (pending),
--   l10 (converted): decided 2, converted 1, pending 1, not final.
--   l5's second mql entry is not a cohort member.
-- February east: no cohort, one skip (e2).
-- March: l11 pending (its sql is after as_of), l12 after as_of: not seen.
SELECT period_start, period_end, period_unit, team_id, all_teams,
       cohort, decided, converted, pending,
       round(rate::numeric, 4) AS rate,
       round(ci_low::numeric, 4) AS ci_low,
       round(ci_high::numeric, 4) AS ci_high,
       cohort_decided, skipped_handoff, note
FROM alignment.mql_conversion
ORDER BY period_start, all_teams, team_id;

-- A 31-day window turns l3 (30 days and 1 second) into a conversion:
-- January default 5/6.
SET alignment.conversion_window_days = 31;
SELECT decided, converted, pending
FROM alignment.mql_conversion
WHERE period_start = '2024-01-01' AND team_id = 'default';
RESET alignment.conversion_window_days;

-- Quarterly, with the default 90-day window: Q1 default cohort l1 l2 l3 l4
-- l5 l7 l8 l9 l10 l11 = 10. Converted l1 l2 l3 (now inside the window) l5
-- l8 l10 = 6; the others have windows still open on Mar 15 (l4's closes
-- Apr 19): pending 4, decided 6. Skipped l6 l7 (l7's first sql-or-later
-- entry, Jan 18, has no mql before it). East: e1 converted, e2 skipped.
SET alignment.period = 'quarter';
SELECT period_start, period_end, team_id, cohort, decided, converted,
       pending, skipped_handoff
FROM alignment.mql_conversion
ORDER BY period_start, all_teams, team_id;

-- Stage order is data: a stage added after customer counts as sql-or-later.
-- March, default: l11 pending as before; x1 converts through the new stage;
-- x2 reaches it without mql, a skipped handoff.
SET alignment.period = 'month';
BEGIN;
INSERT INTO alignment.stage (stage, position, side)
VALUES ('expansion', 7, 'sales');
INSERT INTO alignment.lead (lead_id, created_at) VALUES
    ('x1', '2024-01-01 00:00+00'), ('x2', '2024-01-01 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('x1', 'mql', '2024-03-01 00:00+00'),
    ('x1', 'expansion', '2024-03-05 00:00+00'),
    ('x2', 'expansion', '2024-03-02 00:00+00');
SELECT team_id, cohort, decided, converted, pending, skipped_handoff
FROM alignment.mql_conversion
WHERE period_start = '2024-03-01' AND NOT all_teams;
ROLLBACK;

-- Without an acceptance stage nothing can convert, and the note says why.
BEGIN;
UPDATE alignment.stage SET role = NULL WHERE role = 'acceptance';
SELECT cohort, decided, converted, rate, note
FROM alignment.mql_conversion
WHERE period_start = '2024-01-01' AND team_id = 'default';
ROLLBACK;

-- The stage sets the views read, and a name that is none of them.
SELECT alignment.stage_set('handoff') AS handoff,
       alignment.stage_set('accepted') AS accepted,
       alignment.stage_set('disposition') AS disposition;
SELECT alignment.stage_set('won');
-- One call site, several kinds; and a change of the stages seen by the
-- next statement of the same transaction (the set is kept per command).
SELECT k, alignment.stage_set(k)
FROM (VALUES ('handoff'), ('accepted'), ('disposition'), ('handoff'))
    AS v (k);
BEGIN;
CREATE FUNCTION pg_temp.handoff_sets() RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    i integer;
BEGIN
    FOR i IN 1..2 LOOP
        RETURN NEXT CAST(alignment.stage_set('handoff') AS text);
        UPDATE alignment.stage SET role = NULL WHERE stage = 'mql';
        UPDATE alignment.stage SET role = 'handoff' WHERE stage = 'lead';
    END LOOP;
END;
$$;
SELECT * FROM pg_temp.handoff_sets();
ROLLBACK;

TRUNCATE alignment.lead CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
