-- The alignment matrix as SVG (alignment.matrix_svg): cells, thresholds,
-- one dot per team at its two indices, XML escaping, insufficient data.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
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
SET alignment.min_sample = 3;

-- Escaping -------------------------------------------------------------------

SELECT alignment.xml_escape(E'R&D <"north"> it''s\x01 ok');
SELECT alignment.xml_escape(NULL) IS NULL AS null_stays_null;
SELECT c, alignment.matrix_cell_name(c) FROM generate_series(1, 4) AS c;
SELECT alignment.matrix_cell_name(0);
SELECT alignment.matrix_cell_name(5);

-- Fixture: five teams in January 2024 ----------------------------------------
--
-- ICP: segment pet, threshold 60, agreed by both sides before January, so
-- a pet lead scores 100 (fits) and any other 0. No stage documents an
-- entry criterion, so gate compliance is 0 everywhere. Conversion window 30
-- days: every January mql entry is decided by as_of (June).
--
--                 leads (persona, segment)       sql  SLA 24 h, follow-up
--   north         cfo pet, cfo pet, cto pet      2/3  3 of 3 within
--   south         cto toys, cto toys             2/2  2 of 2 within
--   east          cfo pet x 3                    0/3  no SLA
--   west (long)   untagged toys x 2              1/2  no SLA
--   skip          one lead straight to sql, no mql
--   quiet         one lead, in March
--   default       nothing (left out of the picture of every team)
-- Won deals (persona sales tagged): north cfo x 2, south cfo, east cfo.
--
-- By hand (persona agreement = mean of mix similarity and ICP fit share;
-- lifecycle clarity = mean of gate, follow-up, disposition coverage and
-- handoff discipline):
--   north: mixes {cfo 2, cto 1} and {cfo 2}; M = {5/6, 1/6};
--          JS = (2/3 log2(4/5) + 1/3 log2 2 + log2(6/5)) / 2 = 0.190874,
--          similarity 1 - sqrt(0.190874) = 0.563108, fit 1:
--          agreement 0.781554; clarity (0 + 1 + 2/3 + 1) / 4 = 0.666667
--          -> cell 4 (both at or above 0.6)
--   south: mixes {cto} and {cfo}: similarity 0, fit 0: agreement 0;
--          clarity (0 + 1 + 1 + 1) / 4 = 0.75 -> cell 3; 2 decided < 3:
--          low confidence (hollow dot)
--   east:  similarity 1, fit 1: agreement 1; clarity (0 + 0 + 0) / 3 = 0
--          (no sql entry: no handoff discipline) -> cell 2
--   west:  no persona: agreement = fit share 0; clarity
--          (0 + 0 + 1/2 + 1) / 4 = 0.375 -> cell 1, low confidence
--   skip:  no mql entry: agreement NULL -> insufficient data
--   quiet: no row for January -> insufficient data (no data in the period)

INSERT INTO alignment.team (team_id, name) VALUES
    ('north', 'North & Co <"A">'),
    ('south', 'South'),
    ('east', 'East'),
    ('west', 'Western Europe, Middle East and Africa'),
    ('skip', 'Skipper'),
    ('quiet', 'Quiet');
INSERT INTO alignment.sla (team_id, follow_up_hours) VALUES
    ('north', 24), ('south', 24);
SELECT alignment.icp_approve(v, side, '2023-12-01 00:00+00')
FROM alignment.icp_propose('{"criteria": [{"attribute": "segment",
                                          "equals": "pet"}]}',
                           '2023-12-01 00:00+00', 60) AS v,
     unnest(ARRAY['marketing', 'sales']) AS side;

INSERT INTO alignment.lead (lead_id, team_id, persona, attributes,
                            created_at)
SELECT l.lead_id, l.team_id, l.persona,
       jsonb_build_object('segment', l.segment), '2024-01-02 00:00+00'
FROM (VALUES
    ('n1', 'north', 'cfo', 'pet'), ('n2', 'north', 'cfo', 'pet'),
    ('n3', 'north', 'cto', 'pet'),
    ('s1', 'south', 'cto', 'toys'), ('s2', 'south', 'cto', 'toys'),
    ('e1', 'east', 'cfo', 'pet'), ('e2', 'east', 'cfo', 'pet'),
    ('e3', 'east', 'cfo', 'pet'),
    ('w1', 'west', NULL, 'toys'), ('w2', 'west', NULL, 'toys'),
    ('k1', 'skip', 'cfo', 'pet'), ('q1', 'quiet', 'cfo', 'pet'))
    AS l (lead_id, team_id, persona, segment);
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
SELECT l.lead_id, 'mql', '2024-01-10 00:00+00'
FROM alignment.lead AS l WHERE l.lead_id NOT IN ('k1', 'q1');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('q1', 'mql', '2024-03-10 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
SELECT l, 'sql', '2024-01-12 00:00+00'
FROM unnest(ARRAY['n1', 'n2', 's1', 's2', 'w1', 'k1']) AS l;
INSERT INTO alignment.activity (lead_id, side, occurred_at)
SELECT l, 'sales', '2024-01-10 05:00+00'
FROM unnest(ARRAY['n1', 'n2', 'n3', 's1', 's2']) AS l;
INSERT INTO alignment.deal (deal_id, lead_id, team_id, persona, status,
                            created_at, closed_at) VALUES
    ('dn1', 'n1', 'north', 'cfo', 'won', '2024-01-12 00:00+00',
     '2024-01-20 00:00+00'),
    ('dn2', 'n2', 'north', 'cfo', 'won', '2024-01-12 00:00+00',
     '2024-01-25 00:00+00'),
    ('ds1', 's1', 'south', 'cfo', 'won', '2024-01-12 00:00+00',
     '2024-01-22 00:00+00'),
    ('de1', NULL, 'east', 'cfo', 'won', '2023-11-01 00:00+00',
     '2023-12-15 00:00+00');

-- The indices the picture places, as the view computes them.
SELECT team_id, round(persona_agreement::numeric, 6) AS persona_agreement,
       round(lifecycle_clarity::numeric, 6) AS lifecycle_clarity, cell,
       low_confidence
FROM alignment.alignment_matrix
WHERE period_start = '2024-01-01' AND NOT all_teams
ORDER BY team_id;

-- Every team -----------------------------------------------------------------
--
-- The square is 380 px from (64, 44): a dot sits at x = 64 + 380 *
-- lifecycle clarity and y = 424 - 380 * persona agreement; the default
-- thresholds 0.6 draw the dashed lines at x = 292 and y = 196. Any day of
-- January draws January.
\pset tuples_only on
\pset format unaligned
SELECT alignment.matrix_svg('2024-01-17');
\pset tuples_only off
\pset format aligned

SELECT alignment.matrix_svg('2024-01-17') = alignment.matrix_svg('2024-01-01')
    AS any_day_draws_its_period,
       xml_is_well_formed_document(alignment.matrix_svg('2024-01-01'))
    AS well_formed;

-- Each dot against the view (an independent query of the same indices).
WITH dot AS (
    SELECT m[1] AS label, m[2]::numeric AS cx, m[3]::numeric AS cy
    FROM regexp_matches(alignment.matrix_svg('2024-01-01'),
        '<g><title>([^:]*): [^<]*</title><circle cx="([0-9.]+)" cy="([0-9.]+)"',
        'g') AS m
)
SELECT t.team_id, d.cx, d.cy,
       d.cx = round((64 + 380 * a.lifecycle_clarity)::numeric, 1) AS x_right,
       d.cy = round((424 - 380 * a.persona_agreement)::numeric, 1) AS y_right
FROM dot AS d
JOIN alignment.team AS t ON alignment.xml_escape(t.name) = d.label
JOIN alignment.alignment_matrix AS a
    ON a.team_id = t.team_id AND a.period_start = '2024-01-01'
ORDER BY t.team_id;

-- One team -------------------------------------------------------------------
--
-- Thresholds come from the settings: 0.5 moves the lines to x = 254 and
-- y = 234; north stays in cell 4, west (clarity 0.375) is listed with it
-- only when asked for.
SET alignment.lifecycle_clarity_threshold = 0.5;
SET alignment.persona_agreement_threshold = 0.5;
\pset tuples_only on
\pset format unaligned
SELECT alignment.matrix_svg('north', '2024-01-01');
SELECT alignment.matrix_svg('skip', '2024-01-01');
\pset tuples_only off
\pset format aligned
RESET alignment.lifecycle_clarity_threshold;
RESET alignment.persona_agreement_threshold;

-- A period without data lists every team that has leads or deals as
-- insufficient data (six: all but default).
SELECT regexp_count(alignment.matrix_svg('2023-06-01'),
                    'no data in the period') AS teams_without_data,
       regexp_count(alignment.matrix_svg('2023-06-01'), '<circle')
           AS dots;

-- Bad and missing inputs.
SELECT alignment.matrix_svg('nowhere', '2024-01-01');
SELECT alignment.matrix_svg('north', NULL) IS NULL AS no_period_no_picture;
SELECT alignment.matrix_svg(NULL, '2024-01-01') IS NULL AS no_team_no_picture;
SELECT alignment.matrix_svg(NULL::date) IS NULL AS no_period_no_picture;

-- Clean up.
RESET alignment.min_sample;
RESET alignment.as_of;
TRUNCATE alignment.lead, alignment.deal, alignment.icp_version,
         alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
