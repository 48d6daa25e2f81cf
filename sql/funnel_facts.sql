-- funnel_facts: the stored funnel facts (alignment.handoff_fact and
-- alignment.lead_funnel, src/sql/0.2.0/06_facts.sql) that statement
-- triggers keep up to date. After every kind of change to stage_event,
-- activity, lead, team and stage, the stored facts are compared with an
-- independent computation written from the definitions (not from
-- 06_facts.sql), and now and then with what alignment.rebuild_facts()
-- computes from scratch. Then a named lead by hand, as_of through the
-- views, and the facts under team security.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla,
         alignment.team_member, alignment.team_security CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
UPDATE alignment.stage
SET min_fit_score = NULL, required_attributes = '{}', gate_mode = 'off';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.as_of = '2024-06-01 00:00+00';
\set SHOW_CONTEXT never

-- Emptied tables leave no fact behind.
SELECT (SELECT count(*) FROM alignment.handoff_fact) AS handoff_facts,
       (SELECT count(*) FROM alignment.lead_funnel) AS lead_funnels;

-- The independent computation ------------------------------------------------
--
-- The stage sets, from their definitions (20_schema.sql, stages.c): the
-- handoff stage is the one with role handoff; sql-or-later is the stage
-- with role acceptance and every stage whose position is at least its
-- position (no stage at all when no stage has that role); the disposition
-- stages are sql-or-later plus the stages whose role is disqualified or
-- recycled.
CREATE SCHEMA regress_facts;
-- the stage table as the extension ships it, restored at the end
CREATE TABLE regress_facts.stage_saved AS SELECT * FROM alignment.stage;

CREATE VIEW regress_facts.stage_kind AS
SELECT s.stage,
       s.role IS NOT DISTINCT FROM 'handoff' AS is_handoff,
       EXISTS (SELECT FROM alignment.stage AS a
               WHERE a.role = 'acceptance' AND s.position >= a.position)
           AS is_accepted,
       EXISTS (SELECT FROM alignment.stage AS a
               WHERE a.role = 'acceptance' AND s.position >= a.position)
       OR s.role IS NOT DISTINCT FROM 'disqualified'
       OR s.role IS NOT DISTINCT FROM 'recycled' AS is_disposition
FROM alignment.stage AS s;

-- Every lead's history on one time line: its stage events, with the sets
-- their stage is in, and its sales activities.
CREATE VIEW regress_facts.timeline AS
SELECT e.lead_id, e.event_id, e.entered_at AS at, k.is_handoff,
       k.is_accepted, k.is_disposition, false AS is_sales
FROM alignment.stage_event AS e
JOIN regress_facts.stage_kind AS k ON k.stage = e.stage
UNION ALL
SELECT a.lead_id, NULL, a.occurred_at, false, false, false, true
FROM alignment.activity AS a
WHERE a.side = 'sales';

-- One row per handoff entry. Walking the time line backwards, the frame
-- "unbounded preceding to the current row" (RANGE: its peers at the same
-- time included) holds exactly the rows at or after the entry, so the
-- earliest accepted, disposition and sales time in it is the first at or
-- after the entry. The first entry is the one at the lead's earliest
-- handoff time.
CREATE VIEW regress_facts.expected_handoff_fact AS
SELECT t.event_id, t.lead_id COLLATE "C" AS lead_id, l.team_id,
       t.at AS entered_at, t.first_entry, t.accepted_at, t.disposed_at,
       t.first_sales_activity_at, e.fit_score, e.icp_version_id,
       e.gate_passed
FROM (SELECT x.*,
             x.at = min(x.at) FILTER (WHERE x.is_handoff)
                 OVER (PARTITION BY x.lead_id) AS first_entry,
             min(x.at) FILTER (WHERE x.is_accepted) OVER later
                 AS accepted_at,
             min(x.at) FILTER (WHERE x.is_disposition) OVER later
                 AS disposed_at,
             min(x.at) FILTER (WHERE x.is_sales) OVER later
                 AS first_sales_activity_at
      FROM regress_facts.timeline AS x
      WINDOW later AS (PARTITION BY x.lead_id ORDER BY x.at DESC
                       RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
     AS t
JOIN alignment.stage_event AS e ON e.event_id = t.event_id
JOIN alignment.lead AS l ON l.lead_id = t.lead_id
WHERE t.is_handoff;

-- One row per lead with a handoff or sql-or-later entry.
CREATE VIEW regress_facts.expected_lead_funnel AS
SELECT l.lead_id COLLATE "C" AS lead_id, l.team_id,
       min(x.at) FILTER (WHERE x.is_handoff) AS handoff_at,
       min(x.at) FILTER (WHERE x.is_accepted) AS accepted_at
FROM alignment.lead AS l
JOIN regress_facts.timeline AS x ON x.lead_id = l.lead_id
GROUP BY l.lead_id, l.team_id
HAVING count(*) FILTER (WHERE x.is_handoff OR x.is_accepted) > 0;

-- The rows that differ, each side EXCEPT ALL the other, both tables. A
-- row is shown without its generated ids (event_id, icp_version_id), which
-- depend on the tests run before this one.
CREATE VIEW regress_facts.difference AS
SELECT 'handoff_fact' AS tab, d.side,
       ROW(d.lead_id, d.team_id, d.entered_at, d.first_entry, d.accepted_at,
           d.disposed_at, d.first_sales_activity_at, d.fit_score,
           d.gate_passed)::text AS r
FROM ((SELECT 'stored only' AS side, event_id, lead_id, team_id, entered_at,
              first_entry, accepted_at, disposed_at, first_sales_activity_at,
              fit_score, icp_version_id, gate_passed
       FROM alignment.handoff_fact
       EXCEPT ALL
       SELECT 'stored only', * FROM regress_facts.expected_handoff_fact)
      UNION ALL
      (SELECT 'expected only', * FROM regress_facts.expected_handoff_fact
       EXCEPT ALL
       SELECT 'expected only', event_id, lead_id, team_id, entered_at,
              first_entry, accepted_at, disposed_at, first_sales_activity_at,
              fit_score, icp_version_id, gate_passed
       FROM alignment.handoff_fact)) AS d
UNION ALL
SELECT 'lead_funnel', d.side,
       ROW(d.lead_id, d.team_id, d.handoff_at, d.accepted_at)::text
FROM ((SELECT 'stored only' AS side, lead_id, team_id, handoff_at,
              accepted_at
       FROM alignment.lead_funnel
       EXCEPT ALL
       SELECT 'stored only', * FROM regress_facts.expected_lead_funnel)
      UNION ALL
      (SELECT 'expected only', * FROM regress_facts.expected_lead_funnel
       EXCEPT ALL
       SELECT 'expected only', lead_id, team_id, handoff_at, accepted_at
       FROM alignment.lead_funnel)) AS d;

-- The check run after every step: how many facts are stored, and how many
-- rows differ from the independent computation (must be 0). Each differing
-- row is also raised as a warning, so a failure shows which rows and how.
CREATE FUNCTION regress_facts.check()
RETURNS TABLE (handoff_facts bigint, lead_funnels bigint, differing bigint)
LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT * FROM regress_facts.difference
             ORDER BY tab, r, side
    LOOP
        RAISE WARNING '% %: %', d.tab, d.side, d.r;
    END LOOP;
    RETURN QUERY
    SELECT (SELECT count(*) FROM alignment.handoff_fact),
           (SELECT count(*) FROM alignment.lead_funnel),
           (SELECT count(*) FROM regress_facts.difference);
END
$$;

-- The rebuild check: the stored facts are saved, rebuilt from scratch by
-- alignment.rebuild_facts(), and compared (EXCEPT ALL both ways, both
-- tables; must be 0). The rebuilt facts stay, and the next steps go on
-- from them.
CREATE FUNCTION regress_facts.rebuild_check()
RETURNS TABLE (rebuilt bigint, differing bigint)
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    CREATE TEMP TABLE saved_handoff_fact AS
    SELECT * FROM alignment.handoff_fact;
    CREATE TEMP TABLE saved_lead_funnel AS
    SELECT * FROM alignment.lead_funnel;
    n := alignment.rebuild_facts();
    RETURN QUERY
    SELECT n, (SELECT count(*) FROM (
        (TABLE saved_handoff_fact EXCEPT ALL TABLE alignment.handoff_fact)
        UNION ALL
        (TABLE alignment.handoff_fact EXCEPT ALL TABLE saved_handoff_fact))
        AS d)
      + (SELECT count(*) FROM (
        (TABLE saved_lead_funnel EXCEPT ALL TABLE alignment.lead_funnel)
        UNION ALL
        (TABLE alignment.lead_funnel EXCEPT ALL TABLE saved_lead_funnel))
        AS d);
    DROP TABLE saved_handoff_fact, saved_lead_funnel;
END
$$;

-- The stored facts, for reading by hand.
CREATE VIEW regress_facts.stored AS
SELECT h.lead_id, h.team_id, h.entered_at, h.first_entry, h.accepted_at,
       h.disposed_at, h.first_sales_activity_at, h.fit_score
FROM alignment.handoff_fact AS h;
CREATE VIEW regress_facts.funnel AS
SELECT f.lead_id, f.team_id, f.handoff_at, f.accepted_at
FROM alignment.lead_funnel AS f;

-- Fixture ----------------------------------------------------------------------
--
-- Three teams. ICP v1 (in force from Dec 1) gives pet leads 100 and the
-- others 0, so the frozen fit scores the facts copy are not all NULL.
-- Leads: x, a (east), b, c (west), d, e, m (default).
INSERT INTO alignment.team (team_id, name) VALUES
    ('east', 'East'), ('west', 'West');
INSERT INTO alignment.icp_version (note, definition, marketing_approved_at,
    sales_approved_at, effective_from) VALUES
    ('v1', '{"criteria": [{"attribute": "segment", "equals": "pet"}]}',
     '2023-11-20', '2023-11-25', '2023-12-01');
INSERT INTO alignment.lead (lead_id, team_id, attributes, created_at) VALUES
    ('x', 'east', '{"segment": "pet"}', '2023-12-01'),
    ('a', 'east', '{"segment": "toys"}', '2023-12-01'),
    ('b', 'west', '{"segment": "pet"}', '2023-12-01'),
    ('c', 'west', '{}', '2023-12-01'),
    ('d', 'default', '{"segment": "pet"}', '2023-12-01'),
    ('e', 'default', '{}', '2023-12-01'),
    ('m', 'default', '{"segment": "toys"}', '2023-12-01');

-- Stage events ----------------------------------------------------------------

-- Multi-row INSERT, several leads in one statement:
--   x  mql Jan 1, sql Jan 5
--   a  mql twice (Jan 3, Jan 10), sql Jan 12
--   b  mql Jan 2, recycled Jan 4, back to mql Jan 8, opportunity Jan 20
--   c  sql Jan 6 without mql, customer Jan 9
--   d  mql Jan 3, disqualified Jan 7
--   e  lead Jan 2 only: no fact
-- By hand: b's first entry is disposed by the recycle (Jan 4) but accepted
-- only on Jan 20; a's second entry is not its first; d is disposed and
-- never accepted; c has a funnel row (accepted Jan 6) and no handoff.
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('x', 'mql', '2024-01-01 09:00+00'), ('x', 'sql', '2024-01-05 09:00+00'),
    ('a', 'mql', '2024-01-03 00:00+00'), ('a', 'mql', '2024-01-10 00:00+00'),
    ('a', 'sql', '2024-01-12 00:00+00'),
    ('b', 'mql', '2024-01-02 00:00+00'),
    ('b', 'recycled', '2024-01-04 00:00+00'),
    ('b', 'mql', '2024-01-08 00:00+00'),
    ('b', 'opportunity', '2024-01-20 00:00+00'),
    ('c', 'sql', '2024-01-06 00:00+00'),
    ('c', 'customer', '2024-01-09 00:00+00'),
    ('d', 'mql', '2024-01-03 00:00+00'),
    ('d', 'disqualified', '2024-01-07 00:00+00'),
    ('e', 'lead', '2024-01-02 00:00+00');
SELECT * FROM regress_facts.stored ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.funnel ORDER BY lead_id;
SELECT * FROM regress_facts.check();
SELECT * FROM regress_facts.rebuild_check();

-- Single-row INSERT: m enters mql on Jan 15.
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('m', 'mql', '2024-01-15 00:00+00');
SELECT * FROM regress_facts.check();

-- COPY: e enters mql (Jan 4) and sql (Jan 6), m sql (Jan 16).
COPY alignment.stage_event (lead_id, stage, entered_at) FROM STDIN;
e	mql	2024-01-04 00:00+00
e	sql	2024-01-06 00:00+00
m	sql	2024-01-16 00:00+00
\.
SELECT * FROM regress_facts.stored WHERE lead_id IN ('e', 'm')
ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();

-- UPDATE entered_at: a's second mql entry (Jan 10) moves to Jan 1, before
-- the Jan 3 one, and becomes a's first; a's funnel starts on Jan 1.
UPDATE alignment.stage_event SET entered_at = '2024-01-01 00:00+00'
WHERE lead_id = 'a' AND stage = 'mql' AND entered_at = '2024-01-10 00:00+00';
SELECT * FROM regress_facts.stored WHERE lead_id = 'a' ORDER BY entered_at;
SELECT * FROM regress_facts.funnel WHERE lead_id = 'a';
SELECT * FROM regress_facts.check();

-- UPDATE lead_id: c's sql entry (Jan 6) moves to d. c is then first
-- accepted on Jan 9 (customer); d is accepted on Jan 6, which also
-- disposes it before the Jan 7 disqualification.
UPDATE alignment.stage_event SET lead_id = 'd'
WHERE lead_id = 'c' AND stage = 'sql';
SELECT * FROM regress_facts.funnel WHERE lead_id IN ('c', 'd')
ORDER BY lead_id;
SELECT * FROM regress_facts.check();
-- An mql entry moving to another lead: d's Jan 3 entry moves to m, where it
-- comes before m's Jan 15 entry and becomes m's first; d is left with no
-- handoff (only its sql-or-later entry). Then it moves back.
UPDATE alignment.stage_event SET lead_id = 'm'
WHERE lead_id = 'd' AND stage = 'mql';
SELECT * FROM regress_facts.stored WHERE lead_id IN ('d', 'm')
ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.funnel WHERE lead_id IN ('d', 'm')
ORDER BY lead_id;
SELECT * FROM regress_facts.check();
UPDATE alignment.stage_event SET lead_id = 'd'
WHERE lead_id = 'm' AND stage = 'mql' AND entered_at = '2024-01-03 00:00+00';
SELECT * FROM regress_facts.check();

-- UPDATE stage, two rows in one statement: b's recycle (Jan 4) becomes an
-- mql entry (a new fact) and a's Jan 3 mql entry becomes a lead entry (its
-- fact goes).
UPDATE alignment.stage_event
SET stage = CASE lead_id WHEN 'b' THEN 'mql' ELSE 'lead' END
WHERE (lead_id, entered_at) IN (('b', '2024-01-04 00:00+00'),
                                ('a', '2024-01-03 00:00+00'));
SELECT * FROM regress_facts.stored WHERE lead_id IN ('a', 'b')
ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();

-- DELETE: m's sql entry and all of e's entries (e's funnel row goes).
DELETE FROM alignment.stage_event
WHERE (lead_id = 'm' AND stage = 'sql') OR lead_id = 'e';
SELECT * FROM regress_facts.funnel WHERE lead_id IN ('e', 'm')
ORDER BY lead_id;
SELECT * FROM regress_facts.check();

-- INSERT ... ON CONFLICT DO UPDATE fires the insert and the update
-- triggers: m's mql entry exists (moved to Jan 14), e's is new.
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('m', 'mql', '2024-01-15 00:00+00'), ('e', 'mql', '2024-01-05 00:00+00')
ON CONFLICT ON CONSTRAINT stage_event_unique
DO UPDATE SET entered_at = '2024-01-14 00:00+00';
SELECT * FROM regress_facts.stored WHERE lead_id IN ('e', 'm')
ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();

-- MERGE: e's mql entry moves to Jan 6, m's goes, m enters sql on Jan 18.
MERGE INTO alignment.stage_event AS t
USING (VALUES ('e', 'mql', '2024-01-05 00:00+00'::timestamptz),
              ('m', 'mql', '2024-01-14 00:00+00'),
              ('m', 'sql', '2024-01-18 00:00+00')) AS s (lead_id, stage, at)
ON t.lead_id = s.lead_id AND t.stage = s.stage AND t.entered_at = s.at
WHEN MATCHED AND t.lead_id = 'e' THEN
    UPDATE SET entered_at = '2024-01-06 00:00+00'
WHEN MATCHED THEN DELETE
WHEN NOT MATCHED THEN
    INSERT (lead_id, stage, entered_at) VALUES (s.lead_id, s.stage, s.at);
SELECT * FROM regress_facts.funnel WHERE lead_id IN ('e', 'm')
ORDER BY lead_id;
SELECT * FROM regress_facts.check();
SELECT * FROM regress_facts.rebuild_check();

-- Activities -------------------------------------------------------------------

-- INSERT, sales and marketing: x is called on Jan 2 (after its Jan 1 mql);
-- the email to x does not count (marketing). a is called on Dec 31 (before
-- every entry: no follow-up) and on Jan 11. d is called at the very time of
-- its mql entry (at the entry counts). b gets a marketing email on Jan 3.
INSERT INTO alignment.activity (lead_id, side, kind, occurred_at) VALUES
    ('x', 'sales', 'call', '2024-01-02 09:00+00'),
    ('x', 'marketing', 'email', '2024-01-01 10:00+00'),
    ('a', 'sales', 'call', '2023-12-31 00:00+00'),
    ('a', 'sales', 'call', '2024-01-11 00:00+00'),
    ('d', 'sales', 'call', '2024-01-03 00:00+00'),
    ('b', 'marketing', 'email', '2024-01-03 00:00+00');
SELECT lead_id, entered_at, first_sales_activity_at
FROM regress_facts.stored ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();

-- The named lead x by hand: mql Jan 1, sql Jan 5, sales call Jan 2. Its one
-- handoff fact: first entry, accepted and disposed Jan 5, followed up Jan 2,
-- team east, fit score 100 (a pet lead under v1).
SELECT lead_id, team_id, entered_at, first_entry, accepted_at, disposed_at,
       first_sales_activity_at, fit_score, icp_version_id IS NOT NULL AS scored
FROM alignment.handoff_fact WHERE lead_id = 'x';
SELECT lead_id, team_id, handoff_at, accepted_at
FROM alignment.lead_funnel WHERE lead_id = 'x';

-- The stored times are not cut at as_of; the views cut them. On Jan 2 at
-- 8:00 x's call (9:00) is not seen yet; on Jan 3 it is, but x's entry is
-- not accepted yet (the Jan 5 sql entry is after as_of) and x has no
-- sql-or-later entry; from Jan 5 9:00 on the acceptance is seen. The
-- stored fact keeps Jan 5 throughout.
SET alignment.as_of = '2024-01-02 08:00+00';
SELECT lead_id, accepted_at, disposed_at, first_sales_activity_at
FROM alignment.handoff_entry WHERE lead_id = 'x';
SET alignment.as_of = '2024-01-03 00:00+00';
SELECT lead_id, accepted_at, disposed_at, first_sales_activity_at
FROM alignment.handoff_entry WHERE lead_id = 'x';
SELECT count(*) AS x_accepted_entries
FROM alignment.first_accepted_entry WHERE lead_id = 'x';
SELECT accepted_at AS stored_accepted_at
FROM alignment.handoff_fact WHERE lead_id = 'x';
SET alignment.as_of = '2024-01-05 09:00+00';
SELECT lead_id, accepted_at, disposed_at, first_sales_activity_at
FROM alignment.handoff_entry WHERE lead_id = 'x';
SELECT lead_id, entered_at, through_handoff
FROM alignment.first_accepted_entry WHERE lead_id = 'x';
SET alignment.as_of = '2024-06-01 00:00+00';

-- A missing trigger would show: with the activity insert trigger off, a
-- sales call on b (Jan 2 12:00, after b's first mql entry) is missed by the
-- stored facts, and the check reports both versions of that entry's fact,
-- 2 differing rows (rolled back: the trigger is on again after this).
BEGIN;
ALTER TABLE alignment.activity DISABLE TRIGGER activity_facts_insert;
INSERT INTO alignment.activity (lead_id, side, kind, occurred_at) VALUES
    ('b', 'sales', 'call', '2024-01-02 12:00+00');
SELECT * FROM regress_facts.check();
ROLLBACK;
SELECT * FROM regress_facts.check();

-- UPDATE side: b's marketing email (Jan 3) becomes a sales activity, so
-- b's Jan 2 entry is followed up on Jan 3 (its Jan 4 and Jan 8 entries are
-- not: the email came before them); and back again (no follow-up).
UPDATE alignment.activity SET side = 'sales' WHERE lead_id = 'b';
SELECT lead_id, entered_at, first_sales_activity_at
FROM regress_facts.stored WHERE lead_id = 'b' ORDER BY entered_at;
SELECT * FROM regress_facts.check();
UPDATE alignment.activity SET side = 'marketing' WHERE lead_id = 'b';
SELECT lead_id, entered_at, first_sales_activity_at
FROM regress_facts.stored WHERE lead_id = 'b' ORDER BY entered_at;
SELECT * FROM regress_facts.check();

-- UPDATE occurred_at: x's call moves to Dec 31, before its entry (no
-- follow-up); a's Jan 11 call to Jan 2 (a's Jan 1 entry followed up then).
UPDATE alignment.activity
SET occurred_at = CASE lead_id WHEN 'x' THEN timestamptz '2023-12-31 00:00+00'
                               ELSE timestamptz '2024-01-02 00:00+00' END
WHERE side = 'sales' AND (lead_id = 'x' OR occurred_at = '2024-01-11 00:00+00');
SELECT lead_id, entered_at, first_sales_activity_at
FROM regress_facts.stored WHERE lead_id IN ('a', 'x')
ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();

-- UPDATE lead_id of an activity: a's Jan 2 call moves to b.
UPDATE alignment.activity SET lead_id = 'b'
WHERE lead_id = 'a' AND occurred_at = '2024-01-02 00:00+00';
SELECT * FROM regress_facts.check();

-- DELETE: d's call and x's calls.
DELETE FROM alignment.activity
WHERE side = 'sales' AND lead_id IN ('d', 'x');
SELECT * FROM regress_facts.check();

-- One statement writing both tables (a writable CTE): a call on c and an
-- mql entry of c before it, Jan 8 and Jan 7.
WITH call AS (
    INSERT INTO alignment.activity (lead_id, side, kind, occurred_at)
    VALUES ('c', 'sales', 'call', '2024-01-08 00:00+00'))
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('c', 'mql', '2024-01-07 00:00+00');
SELECT lead_id, entered_at, accepted_at, first_sales_activity_at
FROM regress_facts.stored WHERE lead_id = 'c';
SELECT * FROM regress_facts.check();
SELECT * FROM regress_facts.rebuild_check();

-- Rescoring on purpose (an UPDATE of the frozen scores): v2, in force from
-- Jan 5, wants toys. Rescoring from Jan 5 on changes the three mql entries
-- since then: b's Jan 8 (pet: 100 under v1, 0 under v2), c's Jan 7 and e's
-- Jan 6 (no segment: 0 under both, the version changes). The facts copy
-- the new scores and versions.
INSERT INTO alignment.icp_version (note, definition, marketing_approved_at,
    sales_approved_at, effective_from) VALUES
    ('v2', '{"criteria": [{"attribute": "segment", "equals": "toys"}]}',
     '2023-12-20', '2023-12-21', '2024-01-05');
SELECT alignment.rescore_handoffs('2024-01-05', '2024-02-01') AS rescored;
SELECT h.lead_id, h.entered_at, h.fit_score, v.note AS icp
FROM alignment.handoff_fact AS h
LEFT JOIN alignment.icp_version AS v USING (icp_version_id)
ORDER BY h.lead_id, h.entered_at;
SELECT * FROM regress_facts.check();

-- Leads and teams --------------------------------------------------------------

-- UPDATE lead SET team_id: a moves from east to west.
UPDATE alignment.lead SET team_id = 'west' WHERE lead_id = 'a';
SELECT DISTINCT lead_id, team_id FROM regress_facts.stored
WHERE lead_id = 'a';
SELECT * FROM regress_facts.check();

-- A team renamed (UPDATE alignment.team SET team_id, cascading to its
-- leads): east becomes north; x is in it.
UPDATE alignment.team SET team_id = 'north' WHERE team_id = 'east';
SELECT lead_id, team_id FROM regress_facts.funnel ORDER BY lead_id;
SELECT * FROM regress_facts.check();

-- A lead renamed (UPDATE lead SET lead_id, cascading to its events and
-- activities): b becomes b2, and back. Then c is renamed and moved to
-- another team in the same statement, and back; d and m are renamed by one
-- statement, and back.
UPDATE alignment.lead SET lead_id = 'b2' WHERE lead_id = 'b';
SELECT lead_id, entered_at, first_sales_activity_at FROM regress_facts.stored
WHERE lead_id LIKE 'b%' ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();
UPDATE alignment.lead SET lead_id = 'b' WHERE lead_id = 'b2';
SELECT * FROM regress_facts.check();
UPDATE alignment.lead SET lead_id = 'c2', team_id = 'north'
WHERE lead_id = 'c';
SELECT * FROM regress_facts.funnel WHERE lead_id LIKE 'c%';
SELECT * FROM regress_facts.check();
UPDATE alignment.lead SET lead_id = 'c', team_id = 'west'
WHERE lead_id = 'c2';
SELECT * FROM regress_facts.check();
UPDATE alignment.lead SET lead_id = lead_id || '2' WHERE lead_id IN ('d', 'm');
SELECT lead_id, team_id FROM regress_facts.funnel ORDER BY lead_id;
SELECT * FROM regress_facts.check();
UPDATE alignment.lead SET lead_id = left(lead_id, 1)
WHERE lead_id IN ('d2', 'm2');
SELECT lead_id, team_id FROM regress_facts.funnel ORDER BY lead_id;
SELECT * FROM regress_facts.check();

-- DELETE of a lead (its events and activities go by cascade): a.
DELETE FROM alignment.lead WHERE lead_id = 'a';
SELECT * FROM regress_facts.check();
SELECT * FROM regress_facts.rebuild_check();

-- The stage sets -----------------------------------------------------------------
--
-- Any change to alignment.stage rebuilds the facts. The funnel before:
SELECT * FROM regress_facts.funnel ORDER BY lead_id;

-- sql loses the role acceptance: no stage is sql-or-later, nothing is
-- accepted, only the disqualified and recycled stages dispose.
UPDATE alignment.stage SET role = NULL WHERE role = 'acceptance';
SELECT alignment.stage_set('accepted') AS accepted,
       alignment.stage_set('disposition') AS disposition;
SELECT * FROM regress_facts.funnel ORDER BY lead_id;
SELECT * FROM regress_facts.check();

-- opportunity becomes the acceptance stage: sql is no longer sql-or-later.
UPDATE alignment.stage SET role = 'acceptance' WHERE stage = 'opportunity';
SELECT alignment.stage_set('accepted') AS accepted;
SELECT * FROM regress_facts.funnel ORDER BY lead_id;
SELECT * FROM regress_facts.check();

-- Back to sql.
UPDATE alignment.stage SET role = NULL WHERE stage = 'opportunity';
UPDATE alignment.stage SET role = 'acceptance' WHERE stage = 'sql';
SELECT * FROM regress_facts.check();

-- A position: lead moves after customer (position 7), so lead entries are
-- sql-or-later (only a had one, and a is gone: the set changes, the facts
-- do not). Then back to 2.
UPDATE alignment.stage SET position = 7 WHERE stage = 'lead';
SELECT alignment.stage_set('accepted') AS accepted;
SELECT * FROM regress_facts.check();
UPDATE alignment.stage SET position = 2 WHERE stage = 'lead';
SELECT * FROM regress_facts.check();

-- The handoff stage renamed (cascading to the stage events) and back.
UPDATE alignment.stage SET stage = 'marketing qualified' WHERE stage = 'mql';
SELECT alignment.stage_set('handoff') AS handoff;
SELECT * FROM regress_facts.check();
UPDATE alignment.stage SET stage = 'mql' WHERE stage = 'marketing qualified';
SELECT * FROM regress_facts.check();

-- The stage table is as it was.
SELECT count(*) AS stage_rows_changed FROM (
    (TABLE alignment.stage EXCEPT ALL TABLE regress_facts.stage_saved)
    UNION ALL
    (TABLE regress_facts.stage_saved EXCEPT ALL TABLE alignment.stage)) AS d;
SELECT * FROM regress_facts.rebuild_check();

-- TRUNCATE ---------------------------------------------------------------------

-- TRUNCATE alignment.activity: no entry is followed up any more.
SELECT count(*) FILTER (WHERE first_sales_activity_at IS NOT NULL)
    AS followed_up
FROM alignment.handoff_fact;
TRUNCATE alignment.activity;
SELECT count(*) FILTER (WHERE first_sales_activity_at IS NOT NULL)
    AS followed_up
FROM alignment.handoff_fact;
SELECT * FROM regress_facts.check();

-- TRUNCATE alignment.stage_event: no fact at all; then some rows again.
TRUNCATE alignment.stage_event;
SELECT * FROM regress_facts.check();
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('x', 'mql', '2024-02-01 00:00+00'), ('x', 'sql', '2024-02-03 00:00+00'),
    ('b', 'mql', '2024-02-02 00:00+00'), ('e', 'sql', '2024-02-04 00:00+00');
INSERT INTO alignment.activity (lead_id, side, kind, occurred_at) VALUES
    ('x', 'sales', 'call', '2024-02-01 00:00+00');
SELECT * FROM regress_facts.stored ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();
SELECT * FROM regress_facts.rebuild_check();

-- Team security ------------------------------------------------------------------
--
-- A loader mapped to team north moves lead x to west and enters b into
-- sql; a reader mapped to west. The facts are written by the extension
-- (refresh_facts is SECURITY DEFINER), so they stay right; the reader sees
-- west's facts only, and may not rebuild or refresh them.
CREATE ROLE regress_facts_loader IN ROLE alignment_loader;
CREATE ROLE regress_facts_reader IN ROLE alignment_reader;
INSERT INTO alignment.team_member (role_name, team_id) VALUES
    ('regress_facts_loader', 'north'), ('regress_facts_reader', 'west');
SELECT alignment.enable_team_security();

-- Before: the reader sees b's fact only.
SET ROLE regress_facts_reader;
SELECT lead_id, team_id, entered_at FROM alignment.handoff_fact
ORDER BY lead_id, entered_at;
RESET ROLE;

SET ROLE regress_facts_loader;
UPDATE alignment.lead SET team_id = 'west' WHERE lead_id = 'x';
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('b', 'sql', '2024-02-05 00:00+00');
INSERT INTO alignment.activity (lead_id, side, kind, occurred_at)
VALUES ('b', 'sales', 'call', '2024-02-03 00:00+00');
-- a stage change by the loader rebuilds too (and is undone)
UPDATE alignment.stage SET position = 7 WHERE stage = 'lead';
UPDATE alignment.stage SET position = 2 WHERE stage = 'lead';
RESET ROLE;
-- x's fact is in west now; b's is accepted Feb 5 and followed up Feb 3.
SELECT * FROM regress_facts.stored ORDER BY lead_id, entered_at;
SELECT * FROM regress_facts.check();

-- After: the reader sees both facts, and may not write them.
SET ROLE regress_facts_reader;
SELECT lead_id, team_id, entered_at FROM alignment.handoff_fact
ORDER BY lead_id, entered_at;
SELECT lead_id, team_id, handoff_at, accepted_at FROM alignment.lead_funnel
ORDER BY lead_id;
SELECT alignment.rebuild_facts();
SELECT alignment.refresh_facts(ARRAY['x']);
RESET ROLE;

SELECT alignment.disable_team_security();
SELECT * FROM regress_facts.rebuild_check();

-- Clean up ---------------------------------------------------------------------
DROP SCHEMA regress_facts CASCADE;
TRUNCATE alignment.lead, alignment.icp_version, alignment.team_member,
         alignment.team_security CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
DROP ROLE regress_facts_loader, regress_facts_reader;
SELECT (SELECT count(*) FROM alignment.handoff_fact) AS handoff_facts,
       (SELECT count(*) FROM alignment.lead_funnel) AS lead_funnels;
RESET alignment.as_of;
