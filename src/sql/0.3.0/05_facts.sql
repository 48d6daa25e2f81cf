-- src/sql/0.3.0/05_facts.sql: the stored funnel facts, kept up to date as
-- the data changes: each lead's handoff history, and what attribution
-- needs of each deal.
--
-- Every metric of a handoff needs more than the handoff's own row: whether
-- it was the lead's first, the lead's next entry into sql-or-later and into
-- a disposition stage, the first sales activity after it. Computing those
-- at query time means one lookup per handoff into stage_event and activity
-- (or a join of those tables by lead), every time a view is read. They
-- depend only on the lead's own rows, so they are computed when the lead's
-- rows change and stored:
--
--   handoff_fact  one row per entry into the handoff stage (mql), with the
--                 lead's team and the first later accepted, disposition and
--                 sales-activity times;
--   lead_funnel   one row per lead that entered the handoff stage or
--                 sql-or-later: its first entry into each;
--   deal_fact     one row per deal: the first attributable touch of its
--                 lead and of its account's leads (see below).
--
-- The stored times are not cut at as_of: they are the earliest times at or
-- after the entry, so "the first one up to as_of" is the stored time when
-- it is at most as_of, and none otherwise. The views apply that rule, so
-- as_of keeps working as before.
--
-- Statement-level triggers on stage_event, activity and lead recompute the
-- facts of the leads a statement touched (from the transition tables), and
-- any change to alignment.stage, which decides which stages are the
-- handoff, accepted and disposition sets, rebuilds them all. A bulk load
-- can disable the triggers and call alignment.rebuild_facts() once at the
-- end instead.
--
-- Concurrent loads: every recomputation (of lead facts, of deal facts, or
-- all of them) first updates the one row of alignment.fact_lock, so they
-- take turns. A second transaction waits there until the first commits;
-- in READ COMMITTED its next statements then see the first's rows, and in
-- REPEATABLE READ or SERIALIZABLE the update fails with a serialization
-- error (retry the transaction) instead of computing facts from a snapshot
-- that misses the other transaction's rows. One row for everything rather
-- than a row per lead: a deal's facts depend on every lead of its account,
-- a lead's row may not exist yet, and two transactions that each wait for
-- a row the other holds would deadlock.

CREATE TABLE alignment.fact_lock (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    refreshes  bigint NOT NULL DEFAULT 0
);
INSERT INTO alignment.fact_lock DEFAULT VALUES;
COMMENT ON TABLE alignment.fact_lock IS
'Maintained by the extension: its one row is updated by every recomputation of the stored facts (alignment.handoff_fact, lead_funnel, deal_fact), so that two never run at once. Do not write it.';
COMMENT ON COLUMN alignment.fact_lock.only_row IS 'Always true: the table has one row.';
COMMENT ON COLUMN alignment.fact_lock.refreshes IS 'How many recomputations of stored facts have run.';

-- lead_id is compared byte by byte ("C"): the keys are only ever matched
-- for equality, which is the same in every deterministic collation, and
-- building the indexes is then much cheaper.
CREATE TABLE alignment.lead_funnel (
    lead_id      text COLLATE "C" PRIMARY KEY,
    team_id      text,
    handoff_at   timestamptz,
    accepted_at  timestamptz
);
COMMENT ON TABLE alignment.lead_funnel IS
'Maintained by the extension (triggers on stage_event, activity, lead and stage; alignment.rebuild_facts()): one row per lead that entered the handoff stage or sql-or-later, with its first entry into each. Do not write it.';
COMMENT ON COLUMN alignment.lead_funnel.lead_id IS 'Lead.';
COMMENT ON COLUMN alignment.lead_funnel.team_id IS 'Team of the lead.';
COMMENT ON COLUMN alignment.lead_funnel.handoff_at IS 'The lead''s first entry into the handoff stage (mql); NULL when none.';
COMMENT ON COLUMN alignment.lead_funnel.accepted_at IS 'The lead''s first entry into the acceptance stage or a later one (sql-or-later); NULL when none.';

CREATE TABLE alignment.handoff_fact (
    event_id        bigint PRIMARY KEY,
    lead_id         text COLLATE "C" NOT NULL,
    team_id         text NOT NULL,
    entered_at      timestamptz NOT NULL,
    first_entry     boolean NOT NULL,
    accepted_at     timestamptz,
    disposed_at     timestamptz,
    first_sales_activity_at timestamptz,
    fit_score       double precision,
    icp_version_id  integer,
    gate_passed     boolean
);
CREATE INDEX handoff_fact_lead_idx ON alignment.handoff_fact (lead_id);
COMMENT ON TABLE alignment.handoff_fact IS
'Maintained by the extension (triggers on stage_event, activity, lead and stage; alignment.rebuild_facts()): one row per entry into the handoff stage, with what the metrics need from the rest of the lead''s history. Read it through alignment.handoff_entry, which applies as_of. Do not write it.';
COMMENT ON COLUMN alignment.handoff_fact.event_id IS 'The stage event (alignment.stage_event.event_id).';
COMMENT ON COLUMN alignment.handoff_fact.lead_id IS 'Lead.';
COMMENT ON COLUMN alignment.handoff_fact.team_id IS 'Team of the lead.';
COMMENT ON COLUMN alignment.handoff_fact.entered_at IS 'When the lead entered the handoff stage.';
COMMENT ON COLUMN alignment.handoff_fact.first_entry IS 'True for the lead''s first entry into the handoff stage.';
COMMENT ON COLUMN alignment.handoff_fact.accepted_at IS 'The lead''s first entry into sql-or-later at or after this one, whenever it came (not cut at as_of).';
COMMENT ON COLUMN alignment.handoff_fact.disposed_at IS 'The lead''s first entry into a disposition stage (sql-or-later, disqualified, recycled) at or after this one, whenever it came.';
COMMENT ON COLUMN alignment.handoff_fact.first_sales_activity_at IS 'The first sales activity on the lead at or after this entry, whenever it came.';
COMMENT ON COLUMN alignment.handoff_fact.fit_score IS 'Frozen fit score of the entry (from stage_event).';
COMMENT ON COLUMN alignment.handoff_fact.icp_version_id IS 'ICP version the entry was scored against (from stage_event).';
COMMENT ON COLUMN alignment.handoff_fact.gate_passed IS 'Whether the entry met the stage''s entry criterion (from stage_event).';

-- The recomputation. SECURITY DEFINER: the facts are computed from every
-- row of the lead, whatever the rows the role that changed the data may
-- see under team security, and only the extension writes them.
CREATE FUNCTION alignment.refresh_facts(leads text[])
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF leads IS NULL OR pg_catalog.cardinality(leads) = 0 THEN
        RETURN;
    END IF;

    -- One recomputation at a time (see fact_lock above); the statements
    -- after this one see what a transaction that held it committed.
    UPDATE alignment.fact_lock SET refreshes = refreshes + 1;

    DELETE FROM alignment.lead_funnel AS f
    WHERE f.lead_id = ANY (leads);

    INSERT INTO alignment.lead_funnel (lead_id, team_id, handoff_at,
                                       accepted_at)
    SELECT l.lead_id, l.team_id, s.handoff_at, s.accepted_at
    FROM alignment.lead AS l
    CROSS JOIN LATERAL (
        SELECT pg_catalog.min(e.entered_at) FILTER (
                   WHERE e.stage = ANY (alignment.stage_set('handoff')))
                   AS handoff_at,
               pg_catalog.min(e.entered_at) FILTER (
                   WHERE e.stage = ANY (alignment.stage_set('accepted')))
                   AS accepted_at
        FROM alignment.stage_event AS e
        WHERE e.lead_id = l.lead_id) AS s
    WHERE l.lead_id = ANY (leads)
      AND (s.handoff_at IS NOT NULL OR s.accepted_at IS NOT NULL);

    DELETE FROM alignment.handoff_fact AS h
    WHERE h.lead_id = ANY (leads);

    INSERT INTO alignment.handoff_fact
        (event_id, lead_id, team_id, entered_at, first_entry, accepted_at,
         disposed_at, first_sales_activity_at, fit_score, icp_version_id,
         gate_passed)
    SELECT
        e.event_id,
        e.lead_id,
        l.team_id,
        e.entered_at,
        NOT EXISTS (
            SELECT FROM alignment.stage_event AS p
            WHERE p.lead_id = e.lead_id
              AND p.stage = ANY (alignment.stage_set('handoff'))
              AND p.entered_at < e.entered_at),
        (SELECT pg_catalog.min(n.entered_at)
         FROM alignment.stage_event AS n
         WHERE n.lead_id = e.lead_id
           AND n.stage = ANY (alignment.stage_set('accepted'))
           AND n.entered_at >= e.entered_at),
        (SELECT pg_catalog.min(n.entered_at)
         FROM alignment.stage_event AS n
         WHERE n.lead_id = e.lead_id
           AND n.stage = ANY (alignment.stage_set('disposition'))
           AND n.entered_at >= e.entered_at),
        (SELECT pg_catalog.min(a.occurred_at)
         FROM alignment.activity AS a
         WHERE a.lead_id = e.lead_id
           AND a.side = 'sales'
           AND a.occurred_at >= e.entered_at),
        e.fit_score,
        e.icp_version_id,
        e.gate_passed
    FROM alignment.stage_event AS e
    JOIN alignment.lead AS l ON l.lead_id = e.lead_id
    WHERE e.lead_id = ANY (leads)
      AND e.stage = ANY (alignment.stage_set('handoff'));
END;
$$;
COMMENT ON FUNCTION alignment.refresh_facts(text[]) IS
'Recomputes the stored funnel facts (alignment.handoff_fact, alignment.lead_funnel) of the given leads from their stage events, sales activities and team. Called by the extension''s triggers; a bulk load that disabled them calls alignment.rebuild_facts() instead.';

-- The same facts for every lead at once, by joins over whole tables instead
-- of lookups per lead. The tables are emptied with DELETE, not TRUNCATE:
-- readers go on reading the old facts until the rebuild commits, without
-- waiting for it or seeing the tables empty.
CREATE FUNCTION alignment.rebuild_facts()
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '256MB'
AS $$
DECLARE
    n bigint;
BEGIN
    -- after any recomputation under way (fact_lock)
    UPDATE alignment.fact_lock SET refreshes = refreshes + 1;
    DELETE FROM alignment.handoff_fact;
    DELETE FROM alignment.lead_funnel;
    DELETE FROM alignment.deal_fact;

    INSERT INTO alignment.lead_funnel (lead_id, team_id, handoff_at,
                                       accepted_at)
    SELECT l.lead_id, l.team_id, s.handoff_at, s.accepted_at
    FROM (SELECT e.lead_id,
                 pg_catalog.min(e.entered_at) FILTER (
                     WHERE e.stage = ANY (alignment.stage_set('handoff')))
                     AS handoff_at,
                 pg_catalog.min(e.entered_at) FILTER (
                     WHERE e.stage = ANY (alignment.stage_set('accepted')))
                     AS accepted_at
          FROM alignment.stage_event AS e
          WHERE e.stage = ANY (alignment.stage_set('handoff'))
             OR e.stage = ANY (alignment.stage_set('accepted'))
          GROUP BY e.lead_id) AS s
    JOIN alignment.lead AS l ON l.lead_id = s.lead_id;

    -- the lead's first handoff and team from lead_funnel; the next
    -- disposition and accepted entries, and the first sales activity, by
    -- joining each handoff to the lead's later rows
    INSERT INTO alignment.handoff_fact
        (event_id, lead_id, team_id, entered_at, first_entry, accepted_at,
         disposed_at, first_sales_activity_at, fit_score, icp_version_id,
         gate_passed)
    SELECT e.event_id, e.lead_id, f.team_id, e.entered_at,
           e.entered_at = f.handoff_at,
           n.accepted_at, n.disposed_at, a.first_at,
           e.fit_score, e.icp_version_id, e.gate_passed
    FROM alignment.stage_event AS e
    JOIN alignment.lead_funnel AS f ON f.lead_id = e.lead_id
    LEFT JOIN (
        SELECT h.event_id,
               pg_catalog.min(d.entered_at) FILTER (
                   WHERE d.stage = ANY (alignment.stage_set('accepted')))
                   AS accepted_at,
               pg_catalog.min(d.entered_at) AS disposed_at
        FROM alignment.stage_event AS h
        JOIN alignment.stage_event AS d
            ON d.lead_id = h.lead_id
           AND d.stage = ANY (alignment.stage_set('disposition'))
           AND d.entered_at >= h.entered_at
        WHERE h.stage = ANY (alignment.stage_set('handoff'))
        GROUP BY h.event_id) AS n ON n.event_id = e.event_id
    LEFT JOIN (
        SELECT h.event_id, pg_catalog.min(v.occurred_at) AS first_at
        FROM alignment.stage_event AS h
        JOIN alignment.activity AS v
            ON v.lead_id = h.lead_id
           AND v.side = 'sales'
           AND v.occurred_at >= h.entered_at
        WHERE h.stage = ANY (alignment.stage_set('handoff'))
        GROUP BY h.event_id) AS a ON a.event_id = e.event_id
    WHERE e.stage = ANY (alignment.stage_set('handoff'));
    GET DIAGNOSTICS n = ROW_COUNT;

    -- the first attributable touch of every lead, then of every account,
    -- each in one pass, joined to the deals
    INSERT INTO alignment.deal_fact
        (deal_id, team_id, lead_touch_at, account_touch_at, account_has_lead)
    WITH lead_touch AS (
        SELECT t.lead_id, pg_catalog.min(t.touched_at) AS first_at
        FROM alignment.touch AS t
        WHERE pg_catalog.btrim(t.campaign) <> ''
           OR pg_catalog.btrim(t.channel) <> ''
        GROUP BY t.lead_id
    ),
    account_touch AS (
        SELECT l.account_id, pg_catalog.min(lt.first_at) AS first_at
        FROM alignment.lead AS l
        LEFT JOIN lead_touch AS lt ON lt.lead_id = l.lead_id
        WHERE l.account_id IS NOT NULL
        GROUP BY l.account_id
    )
    SELECT d.deal_id, d.team_id, lt.first_at, a.first_at,
           a.account_id IS NOT NULL
    FROM alignment.deal AS d
    LEFT JOIN lead_touch AS lt ON lt.lead_id = d.lead_id
    LEFT JOIN account_touch AS a ON a.account_id = d.account_id;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION alignment.rebuild_facts() IS
'Recomputes every stored funnel fact (alignment.handoff_fact, alignment.lead_funnel, alignment.deal_fact) from the data; returns the number of handoff entries. Empties them first (TRUNCATE: readers wait until it commits). Runs by itself when alignment.stage changes or an input table is truncated; call it after a bulk load that ran with the triggers *_facts_* of stage_event, activity, lead, touch and deal disabled.';

-- The triggers -------------------------------------------------------------

-- The leads of the rows a statement inserted, updated (old and new lead)
-- or deleted; for activities only sales ones count, for leads only those
-- that have stage events.
CREATE FUNCTION alignment.refresh_facts_trigger()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' OR TG_TABLE_NAME = 'stage' THEN
        PERFORM alignment.rebuild_facts();
    ELSIF TG_TABLE_NAME = 'activity' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM alignment.refresh_facts(ARRAY(
                SELECT DISTINCT n.lead_id FROM new_rows AS n
                WHERE n.side = 'sales'));
        ELSIF TG_OP = 'UPDATE' THEN
            PERFORM alignment.refresh_facts(ARRAY(
                SELECT n.lead_id FROM new_rows AS n WHERE n.side = 'sales'
                UNION
                SELECT o.lead_id FROM old_rows AS o WHERE o.side = 'sales'));
        ELSE
            PERFORM alignment.refresh_facts(ARRAY(
                SELECT DISTINCT o.lead_id FROM old_rows AS o
                WHERE o.side = 'sales'));
        END IF;
    ELSIF TG_TABLE_NAME = 'lead' AND TG_OP = 'INSERT' THEN
        -- new leads have no events unless they were loaded before the lead
        -- (pg_restore loads the tables in any order)
        PERFORM alignment.refresh_facts(ARRAY(
            SELECT n.lead_id FROM new_rows AS n
            WHERE EXISTS (SELECT FROM alignment.stage_event AS e
                          WHERE e.lead_id = n.lead_id)));
    ELSIF TG_TABLE_NAME = 'lead' THEN
        -- a new team; a new lead_id reaches stage_event and activity by
        -- ON UPDATE CASCADE, whose own triggers recompute both leads
        PERFORM alignment.refresh_facts(ARRAY(
            SELECT n.lead_id
            FROM new_rows AS n
            JOIN old_rows AS o ON o.lead_id = n.lead_id
            WHERE n.team_id IS DISTINCT FROM o.team_id));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM alignment.refresh_facts(ARRAY(
            SELECT DISTINCT n.lead_id FROM new_rows AS n));
    ELSIF TG_OP = 'UPDATE' THEN
        -- the old and new leads in one call: an event moved to another
        -- lead leaves the old one's facts in the same recomputation
        PERFORM alignment.refresh_facts(ARRAY(
            SELECT n.lead_id FROM new_rows AS n
            UNION SELECT o.lead_id FROM old_rows AS o));
    ELSE
        PERFORM alignment.refresh_facts(ARRAY(
            SELECT DISTINCT o.lead_id FROM old_rows AS o));
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION alignment.refresh_facts_trigger() IS
'Trigger function: recomputes the stored funnel facts of the leads whose stage events, sales activities or team a statement changed (alignment.refresh_facts), or all of them when alignment.stage changed or a table was truncated (alignment.rebuild_facts).';

CREATE TRIGGER stage_facts
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON alignment.stage
    FOR EACH STATEMENT EXECUTE FUNCTION alignment.refresh_facts_trigger();
COMMENT ON TRIGGER stage_facts ON alignment.stage IS
'Rebuilds the stored facts (alignment.rebuild_facts): the stage table decides which stages are the handoff, accepted and disposition sets.';

-- Deal facts ---------------------------------------------------------------
--
-- A won deal is attributed when a marketing touch (one that names a
-- campaign or a channel) of its lead, or of any lead of its account, came
-- at or before the deal's creation. Asking that at query time costs a few
-- index lookups per deal into touch and lead, every time the view is read.
-- The answer depends only on the deal's lead and account and on their
-- leads' touches, so it is stored per deal (deal_fact): the first such
-- touch of the deal's lead, the first of the account's leads, and whether
-- the account has leads at all. The first touch "up to as_of" is the
-- stored one when it is at most as_of, so as_of keeps working.
--
-- Statement-level triggers on deal, touch and lead recompute the facts of
-- the deals whose lead or account a statement touched, one recomputation
-- at a time like the lead facts (fact_lock).

CREATE TABLE alignment.deal_fact (
    deal_id          text PRIMARY KEY,
    team_id          text NOT NULL,
    lead_touch_at    timestamptz,
    account_touch_at timestamptz,
    account_has_lead boolean NOT NULL
);
COMMENT ON TABLE alignment.deal_fact IS
'Maintained by the extension (triggers on deal, touch and lead; alignment.rebuild_facts()): one row per deal, with what pipeline attribution needs from the touches of its lead and of its account''s leads. Read it through alignment.won_deal_attribution, which applies as_of. Do not write it.';
COMMENT ON COLUMN alignment.deal_fact.deal_id IS 'The deal (alignment.deal.deal_id).';
COMMENT ON COLUMN alignment.deal_fact.team_id IS 'Team of the deal.';
COMMENT ON COLUMN alignment.deal_fact.lead_touch_at IS 'The first marketing touch naming a campaign or a channel of the deal''s own lead, whenever it came (not cut at as_of); NULL when none.';
COMMENT ON COLUMN alignment.deal_fact.account_touch_at IS 'The first such touch of any lead of the deal''s account, whenever it came; NULL when none.';
COMMENT ON COLUMN alignment.deal_fact.account_has_lead IS 'Whether any lead belongs to the deal''s account.';

-- The facts of the given deals and of the deals of the given leads, of
-- their accounts and of the given accounts.
CREATE FUNCTION alignment.refresh_deal_facts(deals text[], leads text[],
                                             accounts text[])
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF COALESCE(pg_catalog.cardinality(deals), 0)
       + COALESCE(pg_catalog.cardinality(leads), 0)
       + COALESCE(pg_catalog.cardinality(accounts), 0) = 0 THEN
        RETURN;
    END IF;

    -- One recomputation at a time (fact_lock).
    UPDATE alignment.fact_lock SET refreshes = refreshes + 1;

    -- The accounts of the given leads are read after the lock, so that a
    -- lead that a transaction moved to another account while this one
    -- waited is found in its new account (READ COMMITTED reads each
    -- statement afresh).
    accounts := accounts || ARRAY(SELECT DISTINCT l.account_id
                                  FROM alignment.lead AS l
                                  WHERE l.lead_id = ANY (leads)
                                    AND l.account_id IS NOT NULL);

    DELETE FROM alignment.deal_fact AS f
    WHERE f.deal_id = ANY (deals)
       OR f.deal_id IN (SELECT d.deal_id FROM alignment.deal AS d
                        WHERE d.lead_id = ANY (leads)
                           OR d.account_id = ANY (accounts));

    INSERT INTO alignment.deal_fact
        (deal_id, team_id, lead_touch_at, account_touch_at, account_has_lead)
    SELECT
        d.deal_id,
        d.team_id,
        (SELECT pg_catalog.min(t.touched_at)
         FROM alignment.touch AS t
         WHERE t.lead_id = d.lead_id
           AND (pg_catalog.btrim(t.campaign) <> ''
                OR pg_catalog.btrim(t.channel) <> '')),
        (SELECT pg_catalog.min(t.touched_at)
         FROM alignment.lead AS l
         JOIN alignment.touch AS t ON t.lead_id = l.lead_id
         WHERE l.account_id = d.account_id
           AND (pg_catalog.btrim(t.campaign) <> ''
                OR pg_catalog.btrim(t.channel) <> '')),
        EXISTS (SELECT FROM alignment.lead AS l
                WHERE l.account_id = d.account_id)
    FROM alignment.deal AS d
    WHERE d.deal_id = ANY (deals)
       OR d.lead_id = ANY (leads)
       OR d.account_id = ANY (accounts);
END;
$$;
COMMENT ON FUNCTION alignment.refresh_deal_facts(text[], text[], text[]) IS
'Recomputes the stored attribution facts (alignment.deal_fact) of the given deals and of every deal of the given leads, of their accounts and of the given accounts. Called by the extension''s triggers; a bulk load that disabled them calls alignment.rebuild_facts() instead.';

-- The deals a statement's rows reach: for deal, the deals themselves; for
-- touch, the deals of the touched leads and of their accounts (a lead
-- deleted with its touches is the lead trigger's); for lead, the deals of
-- the leads whose key or account changed, and of both accounts.
CREATE FUNCTION alignment.refresh_deal_facts_trigger()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    deals text[];
    leads text[];
    accounts text[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM alignment.rebuild_facts();
        RETURN NULL;
    END IF;

    IF TG_TABLE_NAME = 'deal' THEN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            deals := ARRAY(SELECT n.deal_id FROM new_rows AS n);
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            deals := deals || ARRAY(SELECT o.deal_id FROM old_rows AS o);
        END IF;
    ELSIF TG_TABLE_NAME = 'touch' THEN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            leads := ARRAY(SELECT DISTINCT n.lead_id FROM new_rows AS n);
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            leads := leads
                || ARRAY(SELECT DISTINCT o.lead_id FROM old_rows AS o);
        END IF;
        -- refresh_deal_facts adds the accounts of these leads
    ELSIF TG_OP = 'INSERT' THEN
        leads := ARRAY(SELECT n.lead_id FROM new_rows AS n);
        accounts := ARRAY(SELECT DISTINCT n.account_id FROM new_rows AS n
                          WHERE n.account_id IS NOT NULL);
    ELSIF TG_OP = 'DELETE' THEN
        leads := ARRAY(SELECT o.lead_id FROM old_rows AS o);
        accounts := ARRAY(SELECT DISTINCT o.account_id FROM old_rows AS o
                          WHERE o.account_id IS NOT NULL);
    ELSE
        -- an update that changed neither a key nor an account reaches no
        -- deal: only the pairs (lead, account) found on one side count
        WITH changed AS (
            (SELECT n.lead_id, n.account_id FROM new_rows AS n
             EXCEPT SELECT o.lead_id, o.account_id FROM old_rows AS o)
            UNION
            (SELECT o.lead_id, o.account_id FROM old_rows AS o
             EXCEPT SELECT n.lead_id, n.account_id FROM new_rows AS n))
        SELECT ARRAY(SELECT DISTINCT c.lead_id FROM changed AS c),
               ARRAY(SELECT DISTINCT c.account_id FROM changed AS c
                     WHERE c.account_id IS NOT NULL)
        INTO leads, accounts;
    END IF;

    PERFORM alignment.refresh_deal_facts(deals, leads, accounts);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION alignment.refresh_deal_facts_trigger() IS
'Trigger function: recomputes the stored attribution facts of the deals a statement on deal, touch or lead reached (alignment.refresh_deal_facts), or all of them after a TRUNCATE (alignment.rebuild_facts).';

-- Creating the triggers --------------------------------------------------------
--
-- One AFTER ... FOR EACH STATEMENT trigger per table and operation, named
-- <table>_facts_<operation> (lead and funnel facts) or
-- <table>_deal_facts_<operation> (deal facts), with the transition tables
-- the operation has: new_rows for INSERT, old_rows for DELETE, both for
-- UPDATE, none for TRUNCATE (which rebuilds everything). Disabling the
-- triggers whose name contains "_facts_" turns the upkeep off (see
-- rebuild_facts()).
DO $$
DECLARE
    t record;
    name text;
BEGIN
    FOR t IN
        SELECT v.tab, o.op, v.kind
        FROM (VALUES ('stage_event', 'facts'), ('activity', 'facts'),
                     ('lead', 'facts'), ('deal', 'deal_facts'),
                     ('touch', 'deal_facts'), ('lead', 'deal_facts'))
                 AS v (tab, kind)
        CROSS JOIN (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'))
                 AS o (op)
        -- a lead's own row matters to its funnel facts only when it is
        -- inserted or changes team (its events cascade on delete and on a
        -- new key); a lead cannot be truncated without its events, touches
        -- and deals
        WHERE NOT (v.tab = 'lead' AND o.op = 'TRUNCATE')
          AND NOT (v.tab = 'lead' AND v.kind = 'facts' AND o.op = 'DELETE')
    LOOP
        name := t.tab || '_' || t.kind || '_' || pg_catalog.lower(t.op);
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER %s ON alignment.%I %s '
            'FOR EACH STATEMENT EXECUTE FUNCTION alignment.%I()',
            name, t.op, t.tab,
            CASE t.op
                WHEN 'INSERT' THEN 'REFERENCING NEW TABLE AS new_rows'
                WHEN 'UPDATE' THEN
                    'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                WHEN 'DELETE' THEN 'REFERENCING OLD TABLE AS old_rows'
                ELSE ''
            END,
            CASE t.kind WHEN 'facts' THEN 'refresh_facts_trigger'
                        ELSE 'refresh_deal_facts_trigger' END);
        EXECUTE pg_catalog.format(
            'COMMENT ON TRIGGER %I ON alignment.%I IS %L', name, t.tab,
            CASE
                WHEN t.op = 'TRUNCATE' THEN
                    'Rebuilds the stored facts (alignment.rebuild_facts) after a TRUNCATE.'
                WHEN t.kind = 'facts' THEN
                    'Keeps alignment.handoff_fact and alignment.lead_funnel up to date for the leads the statement touched.'
                ELSE
                    'Keeps alignment.deal_fact up to date for the deals the statement reached.'
            END);
    END LOOP;
END
$$;
