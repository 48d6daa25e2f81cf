-- Metric 3: ICP fit score at the point of handoff
-- (alignment.icp_fit_at_handoff). Scores are frozen by the stage_event
-- trigger when the mql entry is inserted.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.as_of = '2024-03-15 00:00+00';

-- The mql stage documents a minimum fit score of 50.
UPDATE alignment.stage SET min_fit_score = 50 WHERE stage = 'mql';
INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');

-- v1 is agreed and in force from Feb 1: segment pet weighs 3, country BR 1.
-- v2 was never approved by sales, so it is never in force.
INSERT INTO alignment.icp_version (definition, fit_threshold,
    marketing_approved_at, sales_approved_at, effective_from, note) VALUES
    ('{"criteria": [{"attribute": "segment", "in": ["pet"], "weight": 3},
                    {"attribute": "country", "equals": "BR"}]}',
     60, '2024-01-15 00:00+00', '2024-01-20 00:00+00',
     '2024-02-01 00:00+00', 'v1'),
    ('{"criteria": [{"attribute": "country", "equals": "US"}]}',
     60, '2024-01-15 00:00+00', NULL, '2024-02-10 00:00+00', 'v2');

INSERT INTO alignment.lead (lead_id, team_id, attributes, created_at) VALUES
    ('h1', 'default', '{"segment": "pet", "country": "BR"}', '2024-01-01'),
    ('h2', 'default', '{"segment": "pet", "country": "BR"}', '2024-01-01'),
    ('h3', 'default', '{"segment": "pet", "country": "US"}', '2024-01-01'),
    ('h4', 'default', '{"segment": "toys", "country": "BR"}', '2024-01-01'),
    ('h5', 'default', '{}', '2024-01-01'),
    ('h6', 'east', '{"segment": "pet", "country": "BR"}', '2024-01-01');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('h1', 'mql', '2024-01-20 00:00+00'),   -- before v1: no ICP in force
    ('h2', 'mql', '2024-02-05 00:00+00'),   -- 4/4 = 100
    ('h2', 'sql', '2024-02-08 00:00+00'),
    ('h2', 'mql', '2024-02-20 00:00+00'),   -- back to mql: scored again, 100
    ('h3', 'mql', '2024-02-06 00:00+00'),   -- 3/4 = 75
    ('h4', 'mql', '2024-02-07 00:00+00'),   -- 1/4 = 25
    ('h5', 'mql', '2024-02-08 00:00+00'),   -- nothing matches: 0
    ('h6', 'mql', '2024-02-09 00:00+00');   -- 100

-- January: h1 alone, not scored, counted in no_icp_handoffs.
-- February default: every entry counts (h2 twice): 100 75 25 0 100,
--   mean 60, median 75, p25 25 (sorted 0 25 75 100 100, position 1);
--   at or above 50: 100 75 100 = 3/5.
-- February east: h6, 100.
-- February all teams: 0 25 75 100 100 100: mean 66.6667, median 87.5,
--   p25 at position 1.25: 25 + 0.25 * (75 - 25) = 37.5; 4/6 at or above.
SELECT period_start, period_end, team_id, all_teams, handoffs, scored,
       round(mean_fit_score::numeric, 4) AS mean_fit_score,
       median_fit_score, p25_fit_score, min_fit_score,
       round(share_at_or_above_min::numeric, 4) AS share_at_or_above_min,
       no_icp_handoffs, note
FROM alignment.icp_fit_at_handoff
ORDER BY period_start, all_teams, team_id;

-- Frozen: a new agreed version in force from Feb 1 and a change of h4's
-- attributes rewrite nothing. The drill-down keeps v1's scores.
INSERT INTO alignment.icp_version (definition, fit_threshold,
    marketing_approved_at, sales_approved_at, effective_from, note) VALUES
    ('{"criteria": [{"attribute": "segment", "in": ["toys"]}]}',
     90, '2024-02-01 00:00+00', '2024-02-01 00:00+00',
     '2024-02-01 00:00+00', 'v3');
UPDATE alignment.lead SET attributes = '{"segment": "toys"}'
WHERE lead_id = 'h4';
SELECT h.lead_id, h.entered_at, h.fit_score, v.note AS icp_version,
       h.fit_threshold, h.meets_fit_threshold, h.gate_passed
FROM alignment.handoff_entry AS h
LEFT JOIN alignment.icp_version AS v USING (icp_version_id)
ORDER BY h.entered_at;
SELECT handoffs, scored, mean_fit_score, median_fit_score
FROM alignment.icp_fit_at_handoff
WHERE period_start = '2024-02-01' AND team_id = 'default';

-- Without a documented minimum there is no share, and the note says why.
UPDATE alignment.stage SET min_fit_score = NULL WHERE stage = 'mql';
SELECT period_start, team_id, min_fit_score, share_at_or_above_min, note
FROM alignment.icp_fit_at_handoff
ORDER BY period_start, all_teams, team_id;

TRUNCATE alignment.lead, alignment.icp_version CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
