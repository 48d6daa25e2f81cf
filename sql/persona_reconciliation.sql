-- persona_reconciliation: marketing's persona mix at the handoff versus
-- sales' closed-won persona mix, per team, period and persona.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version RESTART IDENTITY CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.as_of = '2024-04-01 00:00+00';
-- Three months of won deals behind each period: for March, deals closed in
-- [2024-01-01, 2024-04-01); for February, in [2023-12-01, 2024-03-01).
SET alignment.persona_lookback_months = 3;

INSERT INTO alignment.team (team_id, name) VALUES
    ('east', 'East'), ('west', 'West');
-- Personas as marketing tags the leads; each enters mql once.
INSERT INTO alignment.lead (lead_id, team_id, persona, created_at) VALUES
    ('l1', 'default', 'cfo', '2024-03-01 00:00+00'),
    ('l2', 'default', 'cfo', '2024-03-01 00:00+00'),
    ('l3', 'default', 'cto', '2024-03-01 00:00+00'),
    ('l4', 'default', NULL,  '2024-03-01 00:00+00'),
    ('l5', 'east',    'cto', '2024-03-01 00:00+00'),
    ('l6', 'default', 'cfo', '2024-02-01 00:00+00'),
    ('l7', 'west',    NULL,  '2024-03-01 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
SELECT lead_id, 'mql', created_at + interval '2 days' FROM alignment.lead;
-- Personas as sales tags the buyers of won deals.
INSERT INTO alignment.deal (deal_id, team_id, persona, status, created_at,
                            closed_at) VALUES
    ('d1', 'default', 'cfo', 'won', NULL, '2024-03-10 00:00+00'),
    ('d2', 'default', 'cto', 'won', NULL, '2024-02-05 00:00+00'),
    ('d3', 'default', 'cto', 'won', NULL, '2024-01-15 00:00+00'),
    ('d4', 'default', NULL,  'won', NULL, '2024-03-01 00:00+00'),
    ('d5', 'default', 'cfo', 'won', NULL, '2023-12-15 00:00+00'),
    ('d6', 'east',    'ceo', 'won', NULL, '2024-03-20 00:00+00'),
    -- never counted: lost, and won after as_of
    ('d7', 'default', 'cfo', 'lost', NULL, '2024-03-10 00:00+00'),
    ('d8', 'default', 'cfo', 'won', NULL, '2024-04-02 00:00+00');

-- Similarity = 1 - sqrt(JSD), JSD in base 2, M the mean of the two mixes.
-- February, default and all teams alike: mql cfo 1 (l6); won d5 cfo,
--   d2 d3 cto (d4 closed at Mar 1 00:00, the window's end, is out).
--   cfo: 1/1 vs 1/3, gap 0.666667; cto: 0 vs 2/3, gap -0.666667.
--   P = (1, 0), Q = (1/3, 2/3), M = (2/3, 1/3): KL(P||M) = log2 1.5
--   = 0.584963, KL(Q||M) = -1/3 + 2/3 = 0.333333, JSD 0.459148,
--   similarity 1 - 0.677605 = 0.322395.
-- March, default: mql cfo 2, cto 1, untagged 1 (l4); won d1 cfo, d2 d3
--   cto, untagged d4 (d5 is out).  cfo 2/3 vs 1/3, gap 0.333333; cto the
--   mirror.  P = (2/3, 1/3), Q = (1/3, 2/3), M = (1/2, 1/2): KL = 2/3 *
--   0.415037 - 1/3 * 0.584963 = 0.081704 each, similarity 1 - 0.285839
--   = 0.714161.
-- March, east: mql cto 1, won ceo 1: disjoint, similarity 0.
-- March, west: one untagged entry, no won deal: a row without a persona.
-- March, all teams: mql cfo 2, cto 2 (untagged 2); won ceo 1, cfo 1,
--   cto 2 (untagged 1).  ceo 0 vs 0.25, cfo 0.5 vs 0.25, cto 0.5 vs 0.5.
--   M = (0.125, 0.375, 0.5): KL(P||M) = 0.5 * 0.415037 = 0.207519,
--   KL(Q||M) = 0.25 - 0.25 * 0.584963 = 0.103759, JSD 0.155639,
--   similarity 1 - 0.394511 = 0.605489.
SELECT period_start, period_end, period_unit, team_id, all_teams, persona,
       mql_entries, round(mql_share::numeric, 6) AS mql_share,
       won_deals, round(won_share::numeric, 6) AS won_share,
       round(share_gap::numeric, 6) AS share_gap,
       round(persona_mix_similarity::numeric, 6) AS similarity,
       untagged_mql_entries, untagged_won_deals, note
FROM alignment.persona_reconciliation
ORDER BY period_start, all_teams, team_id, persona;

-- The similarity is the persona_mix_similarity of the alignment matrix.
SELECT count(*) AS team_periods,
       count(*) FILTER (WHERE r.persona_mix_similarity
                        IS NOT DISTINCT FROM m.persona_mix_similarity)
           AS same_similarity
FROM (SELECT DISTINCT period_start, team_id, all_teams,
             persona_mix_similarity
      FROM alignment.persona_reconciliation) AS r
JOIN alignment.alignment_matrix AS m
    ON m.period_start = r.period_start AND m.all_teams = r.all_teams
   AND m.team_id IS NOT DISTINCT FROM r.team_id;

-- Every column is described for BI tools.
SELECT count(*) AS columns, count(d.description) AS described
FROM pg_catalog.pg_attribute AS a
LEFT JOIN pg_catalog.pg_description AS d
    ON d.objoid = a.attrelid AND d.objsubid = a.attnum
WHERE a.attrelid = 'alignment.persona_reconciliation'::regclass
  AND a.attnum > 0;

RESET alignment.as_of;
RESET alignment.persona_lookback_months;
SET client_min_messages = warning;
TRUNCATE alignment.lead, alignment.deal RESTART IDENTITY CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
