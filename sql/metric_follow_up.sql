-- Metric 4: sales follow-up compliance (alignment.follow_up_compliance).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.as_of = '2024-03-10 00:00+00';

-- Team default follows up within 24 hours; team east has no SLA.
INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');
INSERT INTO alignment.sla (team_id, follow_up_hours) VALUES ('default', 24);
INSERT INTO alignment.lead (lead_id, team_id, created_at)
SELECT id, CASE WHEN id LIKE 'g%' THEN 'east' ELSE 'default' END,
       '2024-01-01 00:00+00'
FROM unnest(ARRAY['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'g1']) AS id;
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('f1', 'mql', '2024-02-01 09:00+00'),
    ('f2', 'mql', '2024-02-02 09:00+00'),
    ('f3', 'mql', '2024-02-03 09:00+00'),
    ('f4', 'mql', '2024-02-04 09:00+00'),
    ('f5', 'mql', '2024-02-05 09:00+00'),
    ('f6', 'mql', '2024-03-09 12:00+00'),
    ('f7', 'mql', '2024-03-09 18:00+00'),
    ('g1', 'mql', '2024-02-10 09:00+00');
INSERT INTO alignment.activity (lead_id, side, kind, occurred_at) VALUES
    ('f1', 'sales', 'call', '2024-02-01 15:00+00'),      -- 6 h: within
    ('f2', 'sales', 'call', '2024-02-03 09:00+00'),      -- 24 h: at the edge
    ('f2', 'sales', 'email', '2024-02-02 08:00+00'),     -- before the entry
    ('f3', 'sales', 'call', '2024-02-05 09:00+00'),      -- 48 h: breach
    ('f5', 'sales', 'call', '2024-02-04 09:00+00'),      -- before the entry
    ('f5', 'marketing', 'email', '2024-02-05 10:00+00'), -- not sales
    ('f6', 'sales', 'call', '2024-03-10 06:00+00'),      -- after as_of
    ('f7', 'sales', 'call', '2024-03-09 20:00+00'),      -- 2 h: within
    ('g1', 'sales', 'call', '2024-02-10 13:00+00');      -- 4 h, no SLA

-- February, default: f1..f5 all due (deadlines passed). Within: f1 (6 h),
-- f2 (24 h, the deadline itself counts); breaches: f3 (late), f4 (never),
-- f5 (its only sales activity came before the entry): 2/5 = 0.4.
-- Median response over the followed-up entries f1 f2 f3: 6 24 48 -> 24.
-- February, east: no SLA, so no compliance; its response time (4 h) is
-- still reported.
-- February, all teams: the compliance of the teams with an SLA (2/5), g1
-- left out of it; median response over 4 6 24 48 -> 15.
-- March, default: f6's deadline (Mar 10 12:00) is after as_of and its call
-- after as_of is not seen: pending. f7 was followed up in 2 h: due and
-- within, 1/1.
SELECT period_start, period_end, team_id, all_teams, has_sla, sla_hours,
       mql_entries, due, within_sla, breaches, pending, compliance,
       median_response_hours, no_sla_entries, note
FROM alignment.follow_up_compliance
ORDER BY period_start, all_teams, team_id;

-- The drill-down, entry by entry.
SELECT lead_id, sla_deadline, first_sales_activity_at, response_hours,
       follow_up_due, within_sla
FROM alignment.handoff_entry
ORDER BY entered_at;

-- With a 48-hour SLA f3 (48 h) is within too: 3/5, breaches f4 and f5.
UPDATE alignment.sla SET follow_up_hours = 48;
SELECT team_id, due, within_sla, breaches, compliance
FROM alignment.follow_up_compliance
WHERE period_start = '2024-02-01' AND team_id = 'default';

TRUNCATE alignment.lead, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
