-- The stored attribution facts (alignment.deal_fact) follow every change
-- to deals, touches and leads, and equal what a from-scratch computation
-- gives.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.as_of = '2024-06-30 00:00+00';

-- The facts from their definition, written independently of the
-- extension: per deal, the earliest touch naming a campaign or a channel
-- of its own lead, the earliest of any lead of its account (ranked with a
-- window, not aggregated), and whether its account has a lead.
CREATE SCHEMA regress_deal_facts;
CREATE VIEW regress_deal_facts.expected AS
WITH named AS (
    SELECT t.lead_id, t.touched_at
    FROM alignment.touch AS t
    WHERE coalesce(trim(t.campaign), '') <> ''
       OR coalesce(trim(t.channel), '') <> ''
),
account_first AS (
    SELECT DISTINCT ON (l.account_id) l.account_id, n.touched_at
    FROM alignment.lead AS l
    JOIN named AS n ON n.lead_id = l.lead_id
    WHERE l.account_id IS NOT NULL
    ORDER BY l.account_id, n.touched_at
)
SELECT d.deal_id, d.team_id,
       (SELECT n.touched_at FROM named AS n WHERE n.lead_id = d.lead_id
        ORDER BY n.touched_at LIMIT 1) AS lead_touch_at,
       (SELECT a.touched_at FROM account_first AS a
        WHERE a.account_id = d.account_id) AS account_touch_at,
       d.account_id IN (SELECT l.account_id FROM alignment.lead AS l
                        WHERE l.account_id IS NOT NULL)
           IS TRUE AS account_has_lead
FROM alignment.deal AS d;
-- Rows that differ between the stored facts and the expected ones (0 when
-- they agree).
CREATE FUNCTION regress_deal_facts.differences() RETURNS bigint
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM (
                SELECT deal_id, team_id, lead_touch_at, account_touch_at,
                       account_has_lead FROM alignment.deal_fact
                EXCEPT ALL SELECT * FROM regress_deal_facts.expected) AS a)
         + (SELECT count(*) FROM (
                SELECT * FROM regress_deal_facts.expected
                EXCEPT ALL
                SELECT deal_id, team_id, lead_touch_at, account_touch_at,
                       account_has_lead FROM alignment.deal_fact) AS b)
$$;

-- Fixture: account acc1 with leads a1, a2; account acc2 with lead b1;
-- account acc3 with no lead; lead p1 with no account.
INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');
INSERT INTO alignment.account (account_id, name) VALUES
    ('acc1', 'Acme'), ('acc2', 'Bolt'), ('acc3', 'Crux');
INSERT INTO alignment.lead (lead_id, account_id, created_at) VALUES
    ('a1', 'acc1', '2024-01-01 00:00+00'),
    ('a2', 'acc1', '2024-01-01 00:00+00'),
    ('b1', 'acc2', '2024-01-01 00:00+00'),
    ('p1', NULL, '2024-01-01 00:00+00');
INSERT INTO alignment.touch (lead_id, campaign, channel, touched_at) VALUES
    ('a1', 'webinar', NULL, '2024-01-03 00:00+00'),
    ('a1', NULL, NULL, '2024-01-01 00:00+00'),      -- names nothing
    ('a2', NULL, 'social', '2024-01-02 00:00+00'),
    ('b1', ' ', '', '2024-01-02 00:00+00'),          -- names nothing
    ('p1', NULL, 'email', '2024-02-01 00:00+00');
INSERT INTO alignment.deal (deal_id, lead_id, account_id, team_id, status,
                            created_at, closed_at) VALUES
    ('d1', 'a1', 'acc1', 'default', 'won', '2024-01-10 00:00+00',
     '2024-02-01 00:00+00'),
    ('d2', NULL, 'acc1', 'east', 'won', '2024-01-10 00:00+00',
     '2024-02-01 00:00+00'),
    ('d3', 'b1', 'acc2', 'default', 'won', '2024-01-10 00:00+00',
     '2024-02-01 00:00+00'),
    ('d4', NULL, 'acc3', 'default', 'won', '2024-01-10 00:00+00',
     '2024-02-01 00:00+00'),
    ('d5', 'p1', NULL, 'default', 'open', '2024-01-10 00:00+00', NULL);

-- Worked out by hand: d1's lead a1 was first touched on Jan 3 (the Jan 1
-- touch names nothing), its account first on Jan 2 (a2); d2 has no lead
-- but the same account; b1's only touch names nothing, so d3 has none;
-- acc3 has no lead; d5's lead p1 on Feb 1, no account.
SELECT deal_id, team_id, lead_touch_at, account_touch_at, account_has_lead
FROM alignment.deal_fact ORDER BY deal_id;
SELECT regress_deal_facts.differences() AS differences;

-- Through the view, which cuts the stored times at as_of: as of Jan 2
-- noon d1 and d2 see only a2's touch, as of Jan 1 none.
SET alignment.as_of = '2024-01-02 12:00+00';
UPDATE alignment.deal SET closed_at = '2024-01-02 06:00+00',
                          created_at = '2024-01-01 00:00+00'
WHERE deal_id IN ('d1', 'd2');
SELECT deal_id, first_touch_at, attribution
FROM alignment.won_deal_attribution ORDER BY deal_id;
SET alignment.as_of = '2024-01-01 12:00+00';
UPDATE alignment.deal SET closed_at = '2024-01-01 06:00+00'
WHERE deal_id IN ('d1', 'd2');
SELECT deal_id, first_touch_at, attribution
FROM alignment.won_deal_attribution ORDER BY deal_id;
SET alignment.as_of = '2024-06-30 00:00+00';
UPDATE alignment.deal SET closed_at = '2024-02-01 00:00+00',
                          created_at = '2024-01-10 00:00+00'
WHERE deal_id IN ('d1', 'd2');

-- A missing trigger would show: with the touch triggers off, a new touch
-- leaves the facts behind.
BEGIN;
ALTER TABLE alignment.touch DISABLE TRIGGER touch_deal_facts_insert;
INSERT INTO alignment.touch (lead_id, channel, touched_at)
VALUES ('b1', 'ads', '2024-01-05 00:00+00');
SELECT regress_deal_facts.differences() AS differences_without_trigger;
ROLLBACK;

-- Touches: a new one (d3 now has one), one that stops naming anything and
-- one moved earlier, one deleted; COPY goes through the same triggers.
INSERT INTO alignment.touch (lead_id, channel, touched_at)
VALUES ('b1', 'ads', '2024-01-05 00:00+00');
SELECT deal_id, lead_touch_at, account_touch_at
FROM alignment.deal_fact WHERE deal_id = 'd3';
UPDATE alignment.touch SET channel = '  ' WHERE lead_id = 'a2';
UPDATE alignment.touch SET touched_at = '2023-12-31 00:00+00'
WHERE lead_id = 'a1' AND campaign = 'webinar';
SELECT deal_id, lead_touch_at, account_touch_at
FROM alignment.deal_fact WHERE deal_id IN ('d1', 'd2') ORDER BY deal_id;
DELETE FROM alignment.touch WHERE lead_id = 'p1';
COPY alignment.touch (lead_id, campaign, channel, touched_at) FROM STDIN;
p1	spring	\N	2024-03-01 00:00+00
b1	\N	seo	2024-01-04 00:00+00
\.
SELECT regress_deal_facts.differences() AS differences;

-- Leads: a lead joins acc3 (d4 gets a linked lead, and its touch), a1
-- moves to acc2, a lead is deleted (its touches with it), a lead's key is
-- renamed (cascades to its touches and deals).
INSERT INTO alignment.lead (lead_id, account_id, created_at)
VALUES ('c1', 'acc3', '2024-01-01 00:00+00');
INSERT INTO alignment.touch (lead_id, campaign, touched_at)
VALUES ('c1', 'fair', '2024-01-07 00:00+00');
SELECT deal_id, lead_touch_at, account_touch_at, account_has_lead
FROM alignment.deal_fact WHERE deal_id = 'd4';
UPDATE alignment.lead SET account_id = 'acc2' WHERE lead_id = 'a1';
SELECT regress_deal_facts.differences() AS differences;
UPDATE alignment.lead SET attributes = '{"size": 1}';  -- reaches no deal
DELETE FROM alignment.lead WHERE lead_id = 'c1';
SELECT deal_id, lead_touch_at, account_touch_at, account_has_lead
FROM alignment.deal_fact WHERE deal_id = 'd4';
UPDATE alignment.lead SET lead_id = 'b1-renamed' WHERE lead_id = 'b1';
SELECT regress_deal_facts.differences() AS differences;

-- Accounts renamed (cascades to leads and deals), deals moved between
-- leads and accounts, a team renamed, deals deleted.
UPDATE alignment.account SET account_id = 'acc1-new' WHERE account_id = 'acc1';
UPDATE alignment.deal SET lead_id = 'p1', account_id = 'acc2'
WHERE deal_id = 'd2';
UPDATE alignment.team SET team_id = 'east-new' WHERE team_id = 'east';
SELECT regress_deal_facts.differences() AS differences;
DELETE FROM alignment.deal WHERE deal_id = 'd4';
SELECT count(*) AS facts, count(*) FILTER (WHERE deal_id = 'd4') AS d4_facts
FROM alignment.deal_fact;
SELECT regress_deal_facts.differences() AS differences;

-- A rebuild from scratch gives the same rows as the triggers did.
CREATE TABLE regress_deal_facts.kept AS SELECT * FROM alignment.deal_fact;
SELECT alignment.rebuild_facts() >= 0 AS rebuilt;
SELECT count(*) AS differ_from_rebuild FROM (
    (SELECT * FROM regress_deal_facts.kept
     EXCEPT ALL SELECT * FROM alignment.deal_fact)
    UNION ALL
    (SELECT * FROM alignment.deal_fact
     EXCEPT ALL SELECT * FROM regress_deal_facts.kept)) AS x;

-- TRUNCATE empties them with the table.
TRUNCATE alignment.touch;
SELECT count(*) FILTER (WHERE lead_touch_at IS NOT NULL
                           OR account_touch_at IS NOT NULL) AS touched_facts,
       regress_deal_facts.differences() AS differences
FROM alignment.deal_fact;
TRUNCATE alignment.deal;
SELECT count(*) AS facts FROM alignment.deal_fact;

-- Clean up.
DROP SCHEMA regress_deal_facts CASCADE;
TRUNCATE alignment.lead, alignment.deal, alignment.account CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
RESET alignment.as_of;
