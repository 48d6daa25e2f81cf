-- The alignment matrix (alignment.alignment_matrix): the components of
-- persona agreement and lifecycle clarity, the cell and the next step.
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
SET alignment.persona_lookback_months = 12;
SET alignment.as_of = '2024-06-01 00:00+00';

-- The mql stage documents a minimum fit score of 50 (its gate); team
-- default follows up within 24 hours, team east has no SLA; ICP v1 (segment
-- pet weighs 3, country BR 1, threshold 60) is in force from Jan 15.
UPDATE alignment.stage SET min_fit_score = 50 WHERE stage = 'mql';
INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');
INSERT INTO alignment.sla (team_id, follow_up_hours) VALUES ('default', 24);
INSERT INTO alignment.icp_version (definition, fit_threshold,
    marketing_approved_at, sales_approved_at, effective_from) VALUES
    ('{"criteria": [{"attribute": "segment", "in": ["pet"], "weight": 3},
                    {"attribute": "country", "equals": "BR"}]}',
     60, '2024-01-01 00:00+00', '2024-01-01 00:00+00',
     '2024-01-15 00:00+00');

INSERT INTO alignment.lead (lead_id, team_id, persona, attributes,
                            created_at) VALUES
    ('m0', 'default', 'cfo', '{"segment": "pet", "country": "BR"}',
     '2024-01-01 00:00+00'),
    ('m1', 'default', 'cfo', '{"segment": "pet", "country": "BR"}',
     '2024-01-01 00:00+00'),
    ('m2', 'default', 'cfo', '{"segment": "pet", "country": "US"}',
     '2024-01-01 00:00+00'),
    ('m3', 'default', 'cto', '{"segment": "toys", "country": "BR"}',
     '2024-01-01 00:00+00'),
    ('m4', 'default', 'cto', '{}', '2024-01-01 00:00+00'),
    ('m5', 'default', NULL, '{}', '2024-01-01 00:00+00'),
    ('m6', 'default', NULL, '{}', '2024-01-01 00:00+00'),
    ('e1', 'east', 'cfo', '{"segment": "pet", "country": "BR"}',
     '2024-01-01 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('m0', 'mql', '2024-01-10 00:00+00'),           -- before v1: no score
    ('m1', 'mql', '2024-02-01 00:00+00'),           -- 100
    ('m1', 'sql', '2024-02-05 00:00+00'),
    ('m2', 'mql', '2024-02-02 00:00+00'),           -- 75
    ('m2', 'disqualified', '2024-02-10 00:00+00'),
    ('m3', 'mql', '2024-02-03 00:00+00'),           -- 25, never disposed
    ('m4', 'mql', '2024-02-04 00:00+00'),           -- 0
    ('m4', 'recycled', '2024-03-20 00:00+00'),      -- 45 days: too late
    ('m5', 'sql', '2024-02-06 00:00+00'),           -- skipped mql
    ('e1', 'mql', '2024-02-10 00:00+00'),           -- 100
    ('e1', 'sql', '2024-02-11 00:00+00'),
    ('m6', 'sql', '2024-03-05 00:00+00');           -- skipped mql
INSERT INTO alignment.activity (lead_id, side, occurred_at) VALUES
    ('m1', 'sales', '2024-02-01 05:00+00'),         -- within 24 h
    ('m2', 'sales', '2024-02-04 00:00+00'),         -- 48 h: breach
    ('m4', 'sales', '2024-02-04 01:00+00');         -- within 24 h
-- Won deals (team default) by the persona sales tagged.
INSERT INTO alignment.deal (deal_id, persona, closed_at, status) VALUES
    ('w1', 'cfo', '2023-03-01 00:00+00', 'won'),    -- first instant of
                                                    --   February's lookback
    ('w2', 'cfo', '2023-12-01 00:00+00', 'won'),
    ('w3', 'cfo', '2024-02-15 00:00+00', 'won'),
    ('w4', 'cto', '2024-01-10 00:00+00', 'won'),
    ('w5', 'cfo', '2023-02-28 23:59:59+00', 'won'), -- January's only
    ('w6', 'cto', '2024-03-01 00:00+00', 'won'),    -- after February
    ('w7', NULL, '2024-01-20 00:00+00', 'won'),     -- untagged: left out
    ('x1', 'cto', '2024-01-05 00:00+00', 'lost');   -- not won

-- January (default = all teams): m0 alone, cfo, no ICP in force.
--   Won mix Feb 1 2023 .. Jan 31 2024: w5 w1 w2 cfo, w4 cto = {cfo 3, cto 1}
--   against {cfo 1}: P = (1, 0), Q = (.75, .25), M = (.875, .125);
--   JS = (log2(1/.875) + .75 log2(.75/.875) + .25 log2(2)) / 2 = 0.13793,
--   similarity 1 - sqrt(JS) = 0.6286. ICP share 0 (no ICP in force).
--   Agreement (0.6286 + 0) / 2 = 0.3143. Gate 0 (no score to compare),
--   follow-up 0 (breach), disposition 0/1, no sql entry: clarity 0. Cell 1.
-- February default: mql m1 m2 cfo, m3 m4 cto = {cfo 2, cto 2}; won mix
--   Mar 1 2023 .. Feb 29 2024: w1 w2 w3 cfo, w4 cto = {cfo 3, cto 1};
--   P = (.5, .5), Q = (.75, .25), M = (.625, .375): similarity 0.7791.
--   Fit 100 75 25 0 against 60: 2/4. Agreement (0.7791 + 0.5) / 2 =
--   0.6396: high. Gate (>= 50) 2/4; follow-up m1 m4 within, m2 m3 breach:
--   2/4; disposition m1 (sql) m2 (disqualified) within 30 days, m3 none,
--   m4 too late: 2/4; sql entries m1 (through mql) m5 (skipped): 1/2.
--   Clarity 0.5: low. Cell 2. 4 decided < 30: low confidence.
-- February east: e1 cfo, no won deal of east: no similarity; fit 1/1:
--   agreement 1. Gate 1, follow-up 0 (no SLA), disposition 1, discipline
--   1: clarity 0.75. Cell 4.
-- February all: {cfo 3, cto 2} vs {cfo 3, cto 1}: similarity 0.8635; fit
--   3/5; agreement 0.7318. Gate 3/5, follow-up 2 within of 4 due + e1
--   without SLA = 2/5, disposition 3/5, discipline 2/3: clarity 0.5667.
--   Cell 2.
-- March: no mql entry, m6 skipped: discipline 0, no persona agreement, no
--   cell.
SELECT period_start, period_end, team_id, all_teams, mql_entries,
       round(persona_mix_similarity::numeric, 4) AS similarity,
       round(icp_fit_share::numeric, 4) AS icp_fit,
       round(persona_agreement::numeric, 4) AS persona,
       round(gate_compliance::numeric, 4) AS gate,
       round(follow_up_compliance::numeric, 4) AS follow_up,
       round(disposition_coverage::numeric, 4) AS disposition,
       round(handoff_discipline::numeric, 4) AS discipline,
       round(lifecycle_clarity::numeric, 4) AS clarity,
       cell, decided_mql_entries AS decided, low_confidence
FROM alignment.alignment_matrix
ORDER BY period_start, all_teams, team_id;

SELECT period_start, team_id, cell, next_step, note
FROM alignment.alignment_matrix
ORDER BY period_start, all_teams, team_id;

-- The thresholds move the cell: "high" is at or above. With persona 0.7
-- and clarity 0.5, February default (0.6396, 0.5) is cell 3; a minimum
-- sample of 4 makes its 4 decided entries enough.
SET alignment.persona_agreement_threshold = 0.7;
SET alignment.lifecycle_clarity_threshold = 0.5;
SET alignment.min_sample = 4;
SELECT team_id, cell, next_step, low_confidence
FROM alignment.alignment_matrix
WHERE period_start = '2024-02-01'
ORDER BY all_teams, team_id;
RESET alignment.persona_agreement_threshold;
RESET alignment.lifecycle_clarity_threshold;
RESET alignment.min_sample;

UPDATE alignment.stage SET min_fit_score = NULL WHERE stage = 'mql';
TRUNCATE alignment.lead, alignment.deal, alignment.icp_version,
         alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
