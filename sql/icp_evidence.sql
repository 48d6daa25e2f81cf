-- icp_evidence: which attribute values go with winning (win rate, lift,
-- weight of evidence, information value) and the ICP suggested from them.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version RESTART IDENTITY CASCADE;
DROP TABLE IF EXISTS icp_fixture, icp_big, icp_numeric;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\set SHOW_CONTEXT never

-- Ten decided records, W = 4 wins and L = 6 losses (base win rate 0.4),
-- and one undecided (won NULL), which every count skips.
CREATE TABLE icp_fixture (id integer, attributes jsonb, won boolean);
INSERT INTO icp_fixture VALUES
    (1,  '{"sector": "retail", "employees": 200, "segment": "a"}', true),
    (2,  '{"sector": "retail", "employees": 300, "segment": "a"}', true),
    (3,  '{"sector": "retail", "employees": 20,  "segment": "b"}', true),
    (4,  '{"sector": "pet",    "employees": 400, "segment": "b"}', true),
    (5,  '{"sector": "retail", "employees": 15}',  false),
    (6,  '{"sector": "tech",   "employees": 12}',  false),
    (7,  '{"sector": "tech",   "employees": 250}', false),
    (8,  '{"sector": "tech"}',                     false),
    (9,  '{"sector": "food",   "employees": null}', false),
    (10, '{"sector": "food",   "employees": 10}',  false),
    (11, '{"sector": "retail", "employees": 10}',  NULL);

-- Formulas, for w wins and l losses carrying a value (natural logs):
--   win rate = w / (w + l), lift = win rate / 0.4,
--   WoE = ln(((w + 0.5) / 4) / ((l + 0.5) / 6)),
--   IV  = ((w + 0.5) / 4 - (l + 0.5) / 6) * WoE.
-- retail w=3 l=1: 0.875 / 0.25 = 3.5, WoE ln 3.5 = 1.252763,
--   IV 0.625 * 1.252763 = 0.782977; win rate 0.75, lift 1.875.
-- pet (only in wins) w=1 l=0: 0.375 / 0.083333 = 4.5, WoE ln 4.5 = 1.504077,
--   IV 0.291667 * 1.504077 = 0.438689; win rate 1, lift 2.5.
-- tech (only in losses) w=0 l=3: 0.125 / 0.583333 = 0.214286,
--   WoE -1.540445, IV 0.458333 * 1.540445 = 0.706037; win rate 0, lift 0.
-- food w=0 l=2: 0.125 / 0.416667 = 0.3, WoE ln 0.3 = -1.203973,
--   IV 0.291667 * 1.203973 = 0.351159.
SELECT records, wins, win_rate, lift, round(woe::numeric, 6) AS woe,
       round(iv::numeric, 6) AS iv
FROM (VALUES (3, 1), (1, 0), (0, 3), (0, 2)) AS c (w, l),
     alignment.icp_evidence_stats(w, l, 4, 6);
-- No losses at all (or no wins): nothing to compare, WoE and IV NULL.  No
-- record carries the value: no win rate, lift, WoE or IV.
SELECT * FROM alignment.icp_evidence_stats(2, 0, 2, 0);
SELECT * FROM alignment.icp_evidence_stats(0, 0, 4, 6);
-- Counts that cannot be, one per statement.
SELECT * FROM alignment.icp_evidence_stats(-1, 0, 4, 6);
SELECT * FROM alignment.icp_evidence_stats(5, 0, 4, 6);
SELECT * FROM alignment.icp_evidence_stats(0, 7, 4, 6);

-- Per attribute and value, every value kept (min_records 1), numeric
-- attributes cut at the median (bands 2).
-- sector: the four values above; IV 0.782977 + 0.438689 + 0.706037
--   + 0.351159 = 2.278862.
-- employees: 8 records carry it: 10 12 15 20 | 200 250 300 400, median
--   (percentile_disc 0.5) 20.  10..20: w=1 l=3, WoE ln(0.375 / 0.583333)
--   = -0.441833, IV 0.208333 * 0.441833 = 0.092048.  200..400: w=3 l=1 as
--   retail.  (missing): records 8 and 9 (JSON null is missing), w=0 l=2 as
--   food.  IV 0.092048 + 0.782977 + 0.351159 = 1.226184.
-- segment: recorded only on won records, flagged.  a, b: w=2 l=0,
--   0.625 / 0.083333 = 7.5, WoE 2.014903, IV 0.541667 * 2.014903
--   = 1.091406.  (missing) w=0 l=6: 0.125 / 1.083333, WoE -2.159484,
--   IV 0.958333 * 2.159484 = 2.069506.  IV 4.252317.
SELECT attribute, value, kind, criterion, records, wins, win_rate, lift,
       round(woe::numeric, 6) AS woe, round(iv::numeric, 6) AS iv,
       round(attribute_iv::numeric, 6) AS attribute_iv, note
FROM alignment.icp_attribute_evidence('icp_fixture', min_records => 1,
                                      bands => 2);

-- Small-count guard at 3 records: pet (1) and food (2) merge into
-- "(other)", w=1 l=2: 0.375 / 0.416667 = 0.9, WoE ln 0.9 = -0.105361,
-- IV 0.041667 * 0.105361 = 0.004390.  Quartiles of employees (cuts at the
-- 2nd, 4th and 6th of the 8 values): 10..12 w=0 l=2 (as food); 15..20 and
-- 200..250 w=1 l=1, 0.375 / 0.25 = 1.5, WoE 0.405465, IV 0.125 * 0.405465
-- = 0.050683; 300..400 w=2 l=0 (as segment a).  Each band has fewer than
-- 3 records.
SELECT attribute, value, kind, criterion, records, wins,
       round(woe::numeric, 6) AS woe, round(iv::numeric, 6) AS iv, note
FROM alignment.icp_attribute_evidence('icp_fixture', min_records => 3)
WHERE attribute <> 'segment';

-- The aggregate counts the same in one pass, for any condition.  A NULL
-- condition (employees missing) does not match; a NULL outcome is skipped.
-- retail: as above.  employees >= 200: records 1 2 4 (won) and 7 (lost),
-- as retail.
SELECT (alignment.icp_evidence(attributes ->> 'sector' = 'retail', won)).*
FROM icp_fixture;
SELECT (alignment.icp_evidence((attributes ->> 'employees')::numeric >= 200,
                               won)).*
FROM icp_fixture;
-- Nothing counted: zero records, nothing to compare.
SELECT (alignment.icp_evidence(true, won)).* FROM icp_fixture WHERE false;
-- The combine function adds partial states; bad states are refused.
SELECT alignment.icp_evidence_combine('{1,2,3,4}', '{10,20,30,40}');
SELECT alignment.icp_evidence_combine('{1,2,3}', '{10,20,30,40}');
SELECT alignment.icp_evidence_final('{1,-2,3,4}');

-- In parallel: partial aggregates combined, same counts as count(*).
-- i % 3 = 0 matches 33333 of 100000; won (i % 4 = 0) 25000, of which
-- i % 12 = 0 match: 8333.
CREATE TABLE icp_big AS
SELECT i % 3 = 0 AS matches, i % 4 = 0 AS won
FROM generate_series(1, 100000) AS i;
ANALYZE icp_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT alignment.icp_evidence(matches, won) FROM icp_big;
SELECT e.records = c.records AS same_records, e.wins = c.wins AS same_wins,
       e.records, e.wins
FROM (SELECT (alignment.icp_evidence(matches, won)).* FROM icp_big) AS e,
     (SELECT count(*) FILTER (WHERE matches) AS records,
             count(*) FILTER (WHERE matches AND won) AS wins
      FROM icp_big) AS c;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Suggested ICP.  segment (IV 4.25) is left out: recorded only for wins.
-- sector (IV 2.28): the values with a positive WoE, strongest first: pet,
-- retail; weight 10.  employees (IV 1.23): the upper band alone is
-- positive, so min 200; weight round(10 * 1.226184 / 2.278862) = 5.
SELECT alignment.icp_suggest('icp_fixture', min_records => 1, bands => 2)
    AS suggestion \gset
SELECT :'suggestion'::jsonb AS suggestion,
       alignment.icp_validate(:'suggestion') AS valid;
SELECT alignment.icp_suggest('icp_fixture', max_criteria => 1,
                             min_records => 1, bands => 2) AS strongest_only;
-- Ready to propose.  Its evidence: score >= 60 needs the sector (10 of 15
-- points): records 1 to 4 (won) and 5 (lost), w=4 l=1: win rate 0.8,
-- lift 2, WoE ln((4.5 / 4) / (1.5 / 6)) = ln 4.5 = 1.504077.
SELECT alignment.icp_propose(:'suggestion', '2024-01-01 00:00+00',
                             note => 'suggested from icp_fixture') AS version;
SELECT records, wins, win_rate, lift, round(woe::numeric, 6) AS woe
FROM (SELECT (alignment.icp_evidence(
                  alignment.icp_score(v.definition, f.attributes) >= 60,
                  f.won)).*
      FROM icp_fixture AS f, alignment.icp_version AS v) AS e;

-- Numeric attributes give the run of adjacent positive bands around the
-- strongest.  Eight records, won when x is 3, 4 or 5 (W = 3, L = 5);
-- quartile cuts at 2, 4, 6.  x: 1..2 w=0 l=2, 3..4 w=2 l=0, 5..6 w=1 l=1
-- ((1.5 / 3) / (1.5 / 5) = 1.67, positive), 7..8 w=0 l=2: the run is the
-- middle two bands, between 3 and 6.  y puts the same wins at 1, 2, 3 and
-- the losses at 4 to 8: the same counts per band, the run starts at the
-- lowest band, so max 4.  Equal IVs: both weigh 10, x first by name.
CREATE TABLE icp_numeric AS
SELECT jsonb_build_object('x', x, 'y', CASE x WHEN 3 THEN 1 WHEN 4 THEN 2
                                              WHEN 5 THEN 3 WHEN 1 THEN 4
                                              WHEN 2 THEN 5 ELSE x END)
           AS attributes,
       x IN (3, 4, 5) AS won
FROM generate_series(1, 8) AS x;
SELECT alignment.icp_suggest('icp_numeric', min_records => 1) AS suggestion
    \gset
SELECT :'suggestion'::jsonb AS suggestion,
       alignment.icp_validate(:'suggestion') AS valid;

-- No suggestion, and bad arguments, one per statement.
SELECT alignment.icp_suggest('icp_fixture', min_iv => 3,
                             min_records => 1, bands => 2);
SELECT alignment.icp_suggest('icp_fixture', candidates => '{segment}',
                             min_records => 1, bands => 2);
SELECT alignment.icp_suggest('icp_fixture', max_criteria => 0);
SELECT alignment.icp_suggest('icp_fixture', min_iv => -0.1);
SELECT * FROM alignment.icp_attribute_evidence('icp_fixture', min_records => 0);
SELECT * FROM alignment.icp_attribute_evidence('icp_fixture', bands => 0);
SELECT * FROM alignment.icp_attribute_evidence(NULL);
SELECT * FROM alignment.icp_attribute_evidence('alignment.team');
SELECT * FROM alignment.icp_attribute_evidence('alignment.account');
SELECT * FROM alignment.icp_attribute_evidence('no_such_table');

-- The ready-made inputs.  As of 2024-06-30 with the default 12-month
-- lookback: deals closed after 2023-06-30 and up to as_of, with the
-- account's attributes overlaid by the lead's; leads created in the same
-- window, won when a deal of theirs was won by as_of.
SET alignment.as_of = '2024-06-30 00:00+00';
INSERT INTO alignment.account (account_id, attributes) VALUES
    ('acme', '{"sector": "retail", "employees": 120}');
INSERT INTO alignment.lead (lead_id, account_id, attributes, created_at)
VALUES
    ('l1', 'acme', '{"sector": "pet", "origin": "email"}',
     '2024-01-10 00:00+00'),
    ('l2', NULL, '{"origin": "social"}', '2024-02-10 00:00+00'),
    ('l3', NULL, '{"origin": "email"}', '2023-05-01 00:00+00');
INSERT INTO alignment.deal (deal_id, lead_id, account_id, status,
                            created_at, closed_at) VALUES
    ('d1', 'l1', 'acme', 'won', '2024-02-01 00:00+00', '2024-03-01 00:00+00'),
    ('d2', NULL, 'acme', 'lost', '2024-02-01 00:00+00', '2024-05-01 00:00+00'),
    ('d3', 'l3', NULL, 'won', '2023-05-02 00:00+00', '2023-06-01 00:00+00'),
    ('d4', 'l2', NULL, 'won', '2024-06-01 00:00+00', '2024-07-01 00:00+00'),
    ('d5', NULL, 'acme', 'open', '2024-06-01 00:00+00', NULL);
SELECT deal_id, team_id, closed_at, attributes, won
FROM alignment.icp_evidence_deals ORDER BY deal_id;
SELECT lead_id, team_id, created_at, attributes, won
FROM alignment.icp_evidence_leads ORDER BY lead_id;

RESET alignment.as_of;
SET client_min_messages = warning;
DROP TABLE icp_fixture, icp_big, icp_numeric;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version RESTART IDENTITY CASCADE;
