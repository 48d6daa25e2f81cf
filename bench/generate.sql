-- bench/generate.sql: a deterministic synthetic funnel for alignment.
--
--   psql -1 -X -v ON_ERROR_STOP=1 -v leads=1000000 -v seed=42 \
--        -d DB -f bench/generate.sql
--
-- Fills every table of the alignment schema of a database whose lead table
-- is still empty (CREATE EXTENSION alignment, then this script), in one
-- transaction: when it fails, the database is left as it was.
-- bench/generate.sh runs the same steps with the leads split between two
-- sessions, one per core, about twice as fast. Variables, all optional:
--   leads   number of leads (default 100000)
--   seed    integer below 10^15; the same seed gives the same rows
--           (default 42)
--   start   first day of the data (default 2024-01-01, UTC)
--   days    length of the data in days (default 730); nothing happens after
--           start + days, so compute the metrics with
--           SET alignment.as_of = start + days
--   step    all (default), or one of prepare, leads, index, fk, validate,
--           finish (generate.sh)
--   lo, hi  the leads of a leads step (default 1 and leads)
--   job, jobs  the share of an index or validate step: the tables whose
--           rank by size, modulo jobs, is job (default 0 and 1)
--
-- Design: every random choice is a pure function of (seed, row number,
-- salt) through hashint8extended, never random(), and every id is given
-- (lead number times 16 or 8, plus a slot): the rows do not depend on the
-- plan, the session, how many sessions wrote them or in which order. One
-- pass over generate_series(lo, hi) computes each lead's whole story
-- (attributes, stage path, follow-up, deal) into a temporary table, then one
-- set-based INSERT ... SELECT per table fans it out. Times are float8 epoch
-- seconds until the final to_timestamp(), so no session time zone can shift
-- them.
--
-- The funnel it draws (per lead; q is a 0..1 quality from the attributes,
-- so that leads that look like the ICP convert and win more often):
--   4 teams: na, emea, latam with SLAs of 24, 48 and 8 hours; apac none.
--   marketing personas on leads differ from sales personas on won deals,
--   agreeing with probability 0.85 (na), 0.55 (emea), 0.25 (latam), 0.60
--   (apac), so the teams land in different matrix cells.
--   subscriber (25 %) -> lead -> mql (35 % + 40 % q) -> sql (20 % + 40 % q
--   of mql, 15 % of them after the 90-day window) | disqualified (20 %) |
--   recycled (10 %, 40 % of them back to mql later) | nothing (fell through
--   the gaps); 8 % of the leads without mql reach sql directly (skipped
--   handoff); 5 % of sql entries regress to mql; sql -> opportunity (50 % +
--   20 % q) -> deal won (30 % + 30 % q), lost or still open.
--   touches: 0 to 4 per lead before the handoff, some without campaign or
--   channel; 30 % of the leads with a deal get a touch after the deal.
--   activities: a first sales follow-up after 88 % of mql entries, with a
--   team-specific response time (breaching the SLA for 15 to 55 % of them),
--   meetings after sql, marketing nurture emails.
--   deals: linked to the lead (85 %), only to the lead's account (10 %) or
--   to nothing (5 %); amounts in USD, EUR, GBP and BRL with daily fx rates.
--   ICP: version 1 agreed (effective after 45 days: the first handoffs have
--   no ICP in force), version 2 a marketing-only draft, version 3 agreed
--   after a year; the mql stage documents a minimum fit of 50 and requires
--   segment and country.

\if :{?leads}
\else
\set leads 100000
\endif
\if :{?seed}
\else
\set seed 42
\endif
\if :{?start}
\else
\set start 2024-01-01
\endif
\if :{?days}
\else
\set days 730
\endif
\if :{?step}
\else
\set step all
\endif
\if :{?lo}
\else
\set lo 1
\endif
\if :{?hi}
\else
\set hi :leads
\endif
\if :{?job}
\else
\set job 0
\endif
\if :{?jobs}
\else
\set jobs 1
\endif

SELECT :'step' IN ('all', 'prepare') AS gen_prepare,
       :'step' IN ('all', 'leads') AS gen_leads,
       :'step' IN ('index', 'fk', 'validate') AS gen_ddl,
       :'step' IN ('all', 'finish') AS gen_finish \gset
SELECT pg_catalog.set_config('alignment_generate.step', :'step', true),
       pg_catalog.set_config('alignment_generate.leads', :'leads', true),
       pg_catalog.set_config('alignment_generate.seed', :'seed', true),
       pg_catalog.set_config('alignment_generate.days', :'days', true)
\gset gen_
DO $$
DECLARE
    v text;
BEGIN
    v := current_setting('alignment_generate.leads');
    IF v !~ '^[0-9]+$' OR CAST(v AS numeric) < 1 THEN
        RAISE EXCEPTION 'leads must be a positive integer, not "%"', v
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v := current_setting('alignment_generate.seed');
    IF v !~ '^-?[0-9]+$' OR abs(CAST(v AS numeric)) >= 1e15 THEN
        RAISE EXCEPTION 'seed must be an integer between -10^15 and 10^15, not "%"', v
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v := current_setting('alignment_generate.days');
    IF v !~ '^[0-9]+$' OR CAST(v AS numeric) < 1 THEN
        RAISE EXCEPTION 'days must be a positive integer, not "%"', v
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF current_setting('alignment_generate.step')
       NOT IN ('all', 'prepare', 'leads', 'index', 'fk', 'validate',
               'finish') THEN
        RAISE EXCEPTION 'unknown generator step "%"',
            current_setting('alignment_generate.step')
            USING HINT = 'Use all (the default), prepare, leads, index, fk, '
                         'validate or finish.';
    END IF;
END
$$;

SET LOCAL client_min_messages = warning;
SET LOCAL synchronous_commit = off;
-- The per-lead table (a few hundred MB at a million leads) stays in memory.
SET LOCAL temp_buffers = '2GB';
SET LOCAL work_mem = '256MB';
-- Rows go in in lead order, the order gen_lead was written (a temporary
-- table is never scanned in parallel or from the middle), which keeps most
-- b-tree inserts at the right edge without sorting millions of rows.
-- JIT would spend seconds compiling the big expressions below for nothing.
SET LOCAL jit = off;
-- Memoize cannot help (every lateral key is new) and only adds hashing.
SET LOCAL enable_memoize = off;

-- Prepare: empty check, the scratch schema, foreign keys and indexes off,
-- the small tables ----------------------------------------------------------
\if :gen_prepare

-- Refuse to mix generated rows with real ones.
DO $$
BEGIN
    IF EXISTS (SELECT FROM alignment.lead) THEN
        RAISE EXCEPTION 'the generator needs an empty database'
            USING DETAIL = 'alignment.lead already holds rows.',
                  HINT = 'Create a new database and CREATE EXTENSION alignment in it.';
    END IF;
END
$$;

-- Bulk-load the way pg_restore does: foreign keys and plain indexes of the
-- five big tables, and the primary keys and unique constraints of the
-- three event tables (stage_event, touch, activity), come off now and go
-- back at the end, where each foreign key is validated by one join over all
-- rows instead of one lookup per row and each index is built by one sort.
-- The keys of lead, account, team and stage stay (the freezing trigger
-- looks leads up by key), and so do CHECK constraints and triggers (the
-- stage_event trigger that freezes fit scores). Same names, same
-- definitions; all in the caller's transaction, so a failure leaves the
-- database as it was.
-- The steps of a parallel run share what they need through this schema;
-- finish drops it.
CREATE SCHEMA alignment_generate;

CREATE TABLE alignment_generate.ddl AS
SELECT c.conrelid::regclass AS tab,
       pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I',
                         c.conrelid::regclass, c.conname) AS drop_ddl,
       pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s',
                         c.conrelid::regclass, c.conname,
                         pg_catalog.pg_get_constraintdef(c.oid)) AS add_ddl,
       2 AS pass,
       pg_catalog.format('ALTER TABLE %s VALIDATE CONSTRAINT %I',
                         c.conrelid::regclass, c.conname) AS validate_ddl
FROM pg_catalog.pg_constraint c
WHERE c.contype = 'f'
  AND c.conrelid = ANY ('{alignment.lead, alignment.stage_event, alignment.activity,
                        alignment.touch, alignment.deal}'::regclass[])
UNION ALL
SELECT i.indrelid::regclass,
       pg_catalog.format('DROP INDEX %s', i.indexrelid::regclass),
       pg_catalog.pg_get_indexdef(i.indexrelid),
       1,
       NULL
FROM pg_catalog.pg_index i
WHERE i.indrelid = ANY ('{alignment.lead, alignment.stage_event, alignment.activity,
                        alignment.touch, alignment.deal}'::regclass[])
  AND NOT i.indisunique
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c
                  WHERE c.conindid = i.indexrelid)
UNION ALL
SELECT c.conrelid::regclass,
       pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I',
                         c.conrelid::regclass, c.conname),
       pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s',
                         c.conrelid::regclass, c.conname,
                         pg_catalog.pg_get_constraintdef(c.oid)),
       1,
       NULL
FROM pg_catalog.pg_constraint c
WHERE c.contype IN ('p', 'u')
  AND c.conrelid = ANY ('{alignment.stage_event, alignment.activity,
                        alignment.touch}'::regclass[]);
-- what the end steps have put back: dropped, added (a foreign key added
-- NOT VALID, still to validate) or done
ALTER TABLE alignment_generate.ddl
    ADD COLUMN state text NOT NULL DEFAULT 'dropped';

DO $$
DECLARE
    ddl text;
BEGIN
    FOR ddl IN SELECT drop_ddl FROM alignment_generate.ddl
               ORDER BY pass DESC, drop_ddl LOOP
        EXECUTE ddl;
    END LOOP;
END
$$;

-- The stored facts (handoff_fact, lead_funnel, deal_fact) are built once
-- at the end, by joins over all the rows (alignment.rebuild_facts()),
-- instead of by the triggers of each insert, which look every lead up
-- again; the finish step turns the triggers back on.
ALTER TABLE alignment.stage_event
    DISABLE TRIGGER stage_event_facts_insert;
ALTER TABLE alignment.activity
    DISABLE TRIGGER activity_facts_insert;
ALTER TABLE alignment.lead
    DISABLE TRIGGER lead_facts_insert;
ALTER TABLE alignment.lead
    DISABLE TRIGGER lead_deal_facts_insert;
ALTER TABLE alignment.touch
    DISABLE TRIGGER touch_deal_facts_insert;
ALTER TABLE alignment.deal
    DISABLE TRIGGER deal_deal_facts_insert;

-- Uniform double in [0, 1) from (seed, n, salt): the top 53 bits of a
-- seeded 64-bit hash. Inlined by the planner (one SQL expression).
CREATE FUNCTION alignment_generate.u(seed bigint, n bigint, salt integer)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ((pg_catalog.hashint8extended(n, seed * 1000 + salt) >> 11)
            & 9007199254740991)::double precision / 9007199254740992.0
$$;

-- The parameters, once, as a row every statement can join.
CREATE TABLE alignment_generate.param AS
SELECT :'seed'::bigint AS seed,
       :'leads'::bigint AS leads,
       greatest(:'leads'::bigint / 10, 1) AS accounts,
       extract(epoch FROM (:'start'::date)::timestamp)::double precision
           AS t0,
       extract(epoch FROM (:'start'::date)::timestamp)::double precision
           + :'days'::double precision * 86400 AS t1,
       :'days'::double precision * 86400 AS span;

-- Teams, SLAs, stage criteria, ICP versions, exchange rates ------------

INSERT INTO alignment.team (team_id, name, created_at)
SELECT t.team_id, t.name, pg_catalog.to_timestamp(p.t0)
FROM alignment_generate.param p,
     (VALUES ('na', 'North America'), ('emea', 'Europe, Middle East, Africa'),
             ('latam', 'Latin America'), ('apac', 'Asia Pacific'))
         AS t(team_id, name);

INSERT INTO alignment.sla (team_id, follow_up_hours)
VALUES ('na', 24), ('emea', 48), ('latam', 8);

UPDATE alignment.stage
SET min_fit_score = 50, required_attributes = '{segment,country}'
WHERE role = 'handoff';

INSERT INTO alignment.icp_version (definition, fit_threshold,
    marketing_approved_at, sales_approved_at, effective_from, note,
    created_at)
SELECT v.definition::jsonb, v.threshold,
       pg_catalog.to_timestamp(p.t0 + v.mkt * 86400),
       pg_catalog.to_timestamp(p.t0 + v.sales * 86400),
       pg_catalog.to_timestamp(p.t0 + v.eff * 86400), v.note,
       pg_catalog.to_timestamp(p.t0 + v.made * 86400)
FROM alignment_generate.param p,
     (VALUES
        (1, $icp$
{"criteria": [
  {"attribute": "segment", "in": ["health_beauty", "electronics", "home_decor"], "weight": 3},
  {"attribute": "employees", "between": [50, 1000], "weight": 2},
  {"attribute": "revenue", "min": 5},
  {"attribute": "country", "in": ["US", "DE", "GB", "BR"]},
  {"attribute": "lead_type", "equals": "student", "disqualify": true}]}
$icp$, 60, 20, 40, 45, 'first ICP, agreed at the kick-off', 10),
        (2, $icp$
{"criteria": [
  {"attribute": "segment", "in": ["pet", "toys"], "weight": 3},
  {"attribute": "employees", "max": 50},
  {"attribute": "lead_type", "equals": "online_small"}]}
$icp$, 50, 190, NULL, 200, 'marketing draft, never signed by sales', 180),
        (3, $icp$
{"criteria": [
  {"attribute": "segment", "in": ["health_beauty", "electronics", "home_decor"], "weight": 3},
  {"attribute": "employees", "between": [50, 1000], "weight": 2},
  {"attribute": "revenue", "min": 5},
  {"attribute": "tags", "contains": "saas"},
  {"attribute": "lead_type", "equals": "student", "disqualify": true}],
 "missing": "exclude"}
$icp$, 60, 355, 360, 365, 'second ICP, after the yearly review', 350))
        AS v(n, definition, threshold, mkt, sales, eff, note, made)
ORDER BY v.n;

-- One unit of currency in USD, day by day (a smooth wave plus noise).
INSERT INTO alignment.fx_rate (currency, rate_date, rate)
SELECT c.currency,
       (p.t0 / 86400 + d)::integer + date '1970-01-01',
       round((c.base * (1 + 0.06 * sin(d / 45.0 + c.phase)
                        + 0.01 * (alignment_generate.u(p.seed, d, 900 + c.k) - 0.5)))
             ::numeric, 6)
FROM alignment_generate.param p,
     (VALUES (1, 'EUR', 1.08, 0.0), (2, 'GBP', 1.27, 1.0),
             (3, 'BRL', 0.19, 2.0)) AS c(k, currency, base, phase),
     generate_series(-1, :'days'::integer + 1) AS d;

-- Accounts --------------------------------------------------------------

\echo generate: account
INSERT INTO alignment.account (account_id, name, attributes)
SELECT 'A' || lpad(a::text, 7, '0'), 'Account ' || a,
       pg_catalog.jsonb_build_object(
           'sector', (ARRAY['retail', 'manufacturing', 'software', 'health',
                            'services', 'logistics'])
                     [1 + floor(alignment_generate.u(p.seed, a, 100) * 6)::int],
           'employees', floor(exp(alignment_generate.u(p.seed, a, 101)
                                  * ln(20000)))::int + 1,
           'year_established', 1960 + floor(alignment_generate.u(p.seed, a, 102)
                                            * 64)::int)
FROM alignment_generate.param p, generate_series(1, p.accounts) AS a;

\endif

-- Leads lo..hi: their stories, then every table's rows -----------------------
\if :gen_leads

-- Each lead's whole story -------------------------------------------------
--
-- One row per lead. Each LATERAL level ends in OFFSET 0 so that the
-- planner does not pull it up and copy its expressions into every place
-- that refers to them (which would compute them many times over).

\echo generate: lead stories
CREATE TEMP TABLE gen_lead ON COMMIT DROP AS
SELECT g.i, 'L' || lpad(g.i::text, 8, '0') AS lead_id,
       x.team, x0.ti, x0.account_id, x0.persona, x0.channel, x.attributes,
       x.q, x0.t_created, m1.t_sub, m1.t_lead,
       CASE WHEN m1.t_mql <= p.t1 THEN m1.t_mql END AS t_mql,
       CASE WHEN m2.t_sql <= p.t1 THEN m2.t_sql END AS t_sql,
       m1.t_skip <= p.t1 AS skipped,
       CASE WHEN m2.t_disq <= p.t1 THEN m2.t_disq END AS t_disq,
       CASE WHEN m2.t_recy <= p.t1 THEN m2.t_recy END AS t_recy,
       CASE WHEN m3.t_remql <= p.t1 THEN m3.t_remql END AS t_remql,
       CASE WHEN m3.t_regress <= p.t1 THEN m3.t_regress END AS t_regress,
       CASE WHEN m3.t_opp <= p.t1 THEN m3.t_opp END AS t_opp,
       CASE WHEN m3.t_close <= p.t1 THEN m3.t_close END AS t_close,
       r.u_close < 0.3 + 0.3 * x.q AS wins,
       -- hours from the (first) mql entry to the first sales follow-up
       CASE WHEN r.u_resp2 < 0.88 THEN
           (ARRAY[6, 20, 10, 30])[x0.ti] * exp((r.u_resp - 0.5) * 4) END
           AS resp_hours,
       r.u_ntouch, r.u_posttouch, r.u_link, r.u_dpersona, r.u_dpersona2,
       r.u_amount, r.u_cur, r.u_nurture
FROM alignment_generate.param p,
     generate_series(:'lo'::bigint, :'hi'::bigint) AS g(i)
CROSS JOIN LATERAL (
    SELECT alignment_generate.u(p.seed, g.i, 1) AS u_team,
           alignment_generate.u(p.seed, g.i, 2) AS u_acct,
           alignment_generate.u(p.seed, g.i, 3) AS u_acct2,
           alignment_generate.u(p.seed, g.i, 4) AS u_time,
           alignment_generate.u(p.seed, g.i, 5) AS u_persona,
           alignment_generate.u(p.seed, g.i, 6) AS u_channel,
           alignment_generate.u(p.seed, g.i, 7) AS u_seg,
           alignment_generate.u(p.seed, g.i, 8) AS u_country,
           alignment_generate.u(p.seed, g.i, 9) AS u_emp,
           alignment_generate.u(p.seed, g.i, 10) AS u_rev,
           alignment_generate.u(p.seed, g.i, 11) AS u_revform,
           alignment_generate.u(p.seed, g.i, 12) AS u_type,
           alignment_generate.u(p.seed, g.i, 13) AS u_tags,
           alignment_generate.u(p.seed, g.i, 14) AS u_sub,
           alignment_generate.u(p.seed, g.i, 15) AS u_sublag,
           alignment_generate.u(p.seed, g.i, 16) AS u_mql,
           alignment_generate.u(p.seed, g.i, 17) AS u_mqllag,
           alignment_generate.u(p.seed, g.i, 18) AS u_out,
           alignment_generate.u(p.seed, g.i, 19) AS u_outlag,
           alignment_generate.u(p.seed, g.i, 20) AS u_reg,
           alignment_generate.u(p.seed, g.i, 21) AS u_reglag,
           alignment_generate.u(p.seed, g.i, 22) AS u_remql,
           alignment_generate.u(p.seed, g.i, 23) AS u_remqllag,
           alignment_generate.u(p.seed, g.i, 24) AS u_opp,
           alignment_generate.u(p.seed, g.i, 25) AS u_opplag,
           alignment_generate.u(p.seed, g.i, 26) AS u_close,
           alignment_generate.u(p.seed, g.i, 27) AS u_closelag,
           alignment_generate.u(p.seed, g.i, 28) AS u_resp,
           alignment_generate.u(p.seed, g.i, 29) AS u_resp2,
           alignment_generate.u(p.seed, g.i, 30) AS u_ntouch,
           alignment_generate.u(p.seed, g.i, 31) AS u_posttouch,
           alignment_generate.u(p.seed, g.i, 32) AS u_link,
           alignment_generate.u(p.seed, g.i, 33) AS u_dpersona,
           alignment_generate.u(p.seed, g.i, 34) AS u_dpersona2,
           alignment_generate.u(p.seed, g.i, 35) AS u_amount,
           alignment_generate.u(p.seed, g.i, 36) AS u_cur,
           alignment_generate.u(p.seed, g.i, 37) AS u_skip,
           alignment_generate.u(p.seed, g.i, 38) AS u_skiplag,
           alignment_generate.u(p.seed, g.i, 39) AS u_nurture
    OFFSET 0) AS r
CROSS JOIN LATERAL (
    -- plain values; ti: 1 na (35 %), 2 emea (30 %), 3 latam (20 %), 4 apac
    SELECT 1 + (r.u_team >= 0.35)::int + (r.u_team >= 0.65)::int
             + (r.u_team >= 0.85)::int AS ti,
           CASE WHEN r.u_acct < 0.7 THEN
               'A' || lpad((1 + floor(r.u_acct2 * p.accounts))::bigint::text,
                           7, '0') END AS account_id,
           CASE WHEN r.u_persona < 0.10 THEN NULL
                WHEN r.u_persona < 0.40 THEN 'marketing_manager'
                WHEN r.u_persona < 0.60 THEN 'founder'
                WHEN r.u_persona < 0.75 THEN 'developer'
                WHEN r.u_persona < 0.90 THEN 'operations_manager'
                ELSE 'finance_director' END AS persona,
           CASE WHEN r.u_channel < 0.05 THEN NULL
                WHEN r.u_channel < 0.30 THEN 'paid_search'
                WHEN r.u_channel < 0.50 THEN 'organic_search'
                WHEN r.u_channel < 0.65 THEN 'social'
                WHEN r.u_channel < 0.80 THEN 'email'
                WHEN r.u_channel < 0.92 THEN 'referral'
                ELSE 'events' END AS channel,
           CASE WHEN r.u_seg < 0.02 THEN NULL
                WHEN r.u_seg < 0.22 THEN 'health_beauty'
                WHEN r.u_seg < 0.37 THEN 'electronics'
                WHEN r.u_seg < 0.50 THEN 'home_decor'
                WHEN r.u_seg < 0.65 THEN 'pet'
                WHEN r.u_seg < 0.78 THEN 'toys'
                WHEN r.u_seg < 0.90 THEN 'car_accessories'
                ELSE 'sports' END AS segment,
           -- log-uniform 1..5000, absent for 8 %
           CASE WHEN r.u_emp >= 0.08 THEN
               floor(exp((r.u_emp - 0.08) / 0.92 * ln(5000)))::int + 1
               END AS employees,
           CASE WHEN r.u_type < 0.03 THEN 'student'
                WHEN r.u_type < 0.25 THEN 'online_small'
                WHEN r.u_type < 0.55 THEN 'online_medium'
                WHEN r.u_type < 0.70 THEN 'online_big'
                WHEN r.u_type < 0.85 THEN 'industry'
                ELSE 'offline' END AS lead_type,
           CASE WHEN r.u_tags < 0.60 THEN NULL
                WHEN r.u_tags < 0.75 THEN '["saas"]'
                WHEN r.u_tags < 0.85 THEN '["b2b", "saas"]'
                WHEN r.u_tags < 0.95 THEN '["ecommerce"]'
                ELSE '["b2b"]' END AS tags,
           -- millions, two decimals
           round(CASE WHEN r.u_emp >= 0.08
                      THEN (floor(exp((r.u_emp - 0.08) / 0.92 * ln(5000))) + 1)
                           * (0.02 + r.u_rev * 0.2)
                      ELSE r.u_rev * 50 END * 100) / 100 AS revenue,
           floor(p.t0 + ((g.i - 1) + r.u_time) / p.leads * p.span)
               AS t_created
    OFFSET 0) AS x0
CROSS JOIN LATERAL (
    -- team, attributes and the quality q that drives the funnel. The
    -- attributes are written as JSON text and parsed once: several times
    -- cheaper than jsonb_build_object, which looks up the output function
    -- of every argument on every call. Absent keys: segment 2 %, employees
    -- 8 %, tags 60 %; revenue (millions) is a JSON null for 5 % and a
    -- numeric string for 5 %.
    SELECT (ARRAY['na', 'emea', 'latam', 'apac'])[x0.ti] AS team,
           ('{' || coalesce('"segment": "' || x0.segment || '", ', '')
            || '"country": "'
            || (ARRAY['US', 'US', 'US', 'CA', 'DE', 'GB', 'FR', 'NL',
                      'BR', 'BR', 'MX', 'AR', 'IN', 'AU', 'SG', 'JP'])
               [4 * x0.ti - 3 + floor(r.u_country * 4)::int]
            || '", ' || coalesce('"employees": ' || x0.employees || ', ', '')
            || '"revenue": '
            || CASE WHEN r.u_revform < 0.05 THEN 'null'
                    WHEN r.u_revform < 0.10 THEN '"' || x0.revenue || '"'
                    ELSE x0.revenue::text END
            || ', "lead_type": "' || x0.lead_type || '"'
            || coalesce(', "tags": ' || x0.tags, '') || '}')::jsonb
               AS attributes,
           -- float8 throughout: numeric here would be cast back to float8
           -- (through text) at every comparison with a uniform below
           ((CASE WHEN x0.segment IN ('health_beauty', 'electronics',
                                      'home_decor') THEN 40 ELSE 0 END)
            + (CASE WHEN x0.employees BETWEEN 50 AND 1000 THEN 35 ELSE 0 END)
            + (CASE WHEN x0.lead_type IN ('online_big', 'industry') THEN 25
                    ELSE 0 END))::double precision / 100 AS q
    OFFSET 0) AS x
CROSS JOIN LATERAL (
    -- subscriber, lead, mql; or sql without mql (skipped handoff)
    SELECT v.t_sub, v.t_lead,
           CASE WHEN r.u_mql < 0.35 + 0.4 * x.q THEN
               v.t_lead + floor((0.1 + r.u_mqllag ^ 2 * 40) * 86400) END
               AS t_mql,
           CASE WHEN r.u_mql >= 0.35 + 0.4 * x.q AND r.u_skip < 0.08 THEN
               v.t_lead + floor((1 + r.u_skiplag * 20) * 86400) END AS t_skip
    FROM (SELECT CASE WHEN r.u_sub < 0.25 THEN x0.t_created END AS t_sub,
                 x0.t_created + CASE WHEN r.u_sub < 0.25
                     THEN floor((1 + r.u_sublag * 14) * 86400)
                     ELSE 0 END AS t_lead) AS v
    OFFSET 0) AS m1
CROSS JOIN LATERAL (
    -- what sales did with the mql: accept (15 % of them after 60 days),
    -- disqualify, recycle, or nothing
    SELECT coalesce(
               CASE WHEN r.u_out < 0.2 + 0.4 * x.q THEN
                   m1.t_mql + floor(86400 * (0.05 + CASE
                       WHEN r.u_outlag < 0.85
                       THEN (r.u_outlag / 0.85) ^ 2 * 60
                       ELSE 60 + (r.u_outlag - 0.85) / 0.15 * 120 END))
               END,
               m1.t_skip) AS t_sql,
           CASE WHEN r.u_out >= 0.2 + 0.4 * x.q
                     AND r.u_out < 0.4 + 0.4 * x.q THEN
               m1.t_mql + floor((0.5 + r.u_outlag * 30) * 86400) END
               AS t_disq,
           CASE WHEN r.u_out >= 0.4 + 0.4 * x.q
                     AND r.u_out < 0.5 + 0.4 * x.q THEN
               m1.t_mql + floor((5 + r.u_outlag * 40) * 86400) END AS t_recy
    OFFSET 0) AS m2
CROSS JOIN LATERAL (
    -- regression to mql, opportunity, back to mql after recycling, close
    SELECT o.*,
           CASE WHEN o.t_opp IS NOT NULL AND r.u_close < 0.85 THEN
               o.t_opp + floor((7 + r.u_closelag ^ 1.5 * 150) * 86400) END
               AS t_close
    FROM (SELECT
        CASE WHEN m2.t_sql IS NOT NULL AND r.u_reg < 0.05 THEN
            m2.t_sql + floor((3 + r.u_reglag * 30) * 86400) END AS t_regress,
        CASE WHEN m2.t_sql IS NOT NULL AND r.u_reg >= 0.05
                  AND r.u_opp < 0.5 + 0.2 * x.q THEN
            m2.t_sql + floor((2 + r.u_opplag * 30) * 86400) END AS t_opp,
        CASE WHEN m2.t_recy IS NOT NULL AND r.u_remql < 0.4 THEN
            m2.t_recy + floor((30 + r.u_remqllag * 90) * 86400) END
            AS t_remql) AS o
    OFFSET 0) AS m3;

-- Leads -----------------------------------------------------------------

\echo generate: lead
INSERT INTO alignment.lead (lead_id, team_id, account_id, persona, channel,
                            attributes, created_at)
SELECT lead_id, team, account_id, persona, channel, attributes,
       pg_catalog.to_timestamp(t_created)
FROM gen_lead;

-- Stage events ------------------------------------------------------------
--
-- Each lead's entries together, in lead order. The BEFORE INSERT trigger on
-- stage_event freezes the fit score of every mql entry, row by row.

CREATE TEMP VIEW gen_event AS
SELECT l.i * 16 + e.k AS event_id, l.lead_id, e.stage,
       pg_catalog.to_timestamp(e.t) AS entered_at
FROM gen_lead l
CROSS JOIN LATERAL (VALUES (1, 'subscriber', l.t_sub),
                           (2, 'lead', l.t_lead),
                           (3, 'mql', l.t_mql),
                           (4, 'sql', l.t_sql),
                           (5, 'disqualified', l.t_disq),
                           (6, 'recycled', l.t_recy),
                           (7, 'mql', l.t_regress),
                           (8, 'mql', l.t_remql),
                           (9, 'opportunity', l.t_opp),
                           (10, 'customer',
                            CASE WHEN l.wins THEN l.t_close END))
    AS e(k, stage, t)
WHERE e.t IS NOT NULL;

-- bench.sh measures here what the freezing trigger costs (see the file).
\if :{?measure_trigger}
\set trigger_cost_after false
\ir trigger_cost.sql
\endif

\echo generate: stage_event
INSERT INTO alignment.stage_event (event_id, lead_id, stage, entered_at)
OVERRIDING SYSTEM VALUE
SELECT event_id, lead_id, stage, entered_at FROM gen_event;

\if :{?measure_trigger}
\set trigger_cost_after true
\ir trigger_cost.sql
\endif

-- Marketing touches -------------------------------------------------------
--
-- 0 to 4 touches between 30 days before the lead was created and its
-- handoff (or 30 days after creation); the first on the lead's channel, the
-- others on a channel of their own, 5 % with neither campaign nor channel.
-- Campaigns are named after channel and four-week wave. 30 % of the
-- leads with a deal get one more touch after the deal was created.

\echo generate: touch
INSERT INTO alignment.touch (touch_id, lead_id, campaign, channel,
                             touched_at)
OVERRIDING SYSTEM VALUE
SELECT l.i * 8 + j, l.lead_id,
       CASE WHEN u.u_kind >= 0.05 THEN
           coalesce(c.channel, 'direct') || '-wave-'
           || (floor((t.t - p.t0) / (28 * 86400)) + 2)::int END,
       CASE WHEN u.u_kind >= 0.05 THEN c.channel END,
       pg_catalog.to_timestamp(t.t)
FROM alignment_generate.param p, gen_lead l
CROSS JOIN LATERAL generate_series(1,
    CASE WHEN l.u_ntouch < 0.15 THEN 0 WHEN l.u_ntouch < 0.50 THEN 1
         WHEN l.u_ntouch < 0.75 THEN 2 WHEN l.u_ntouch < 0.90 THEN 3
         ELSE 4 END
    + (l.t_opp IS NOT NULL AND l.u_posttouch < 0.3)::int) AS j
CROSS JOIN LATERAL (
    SELECT alignment_generate.u(p.seed, l.i * 8 + j, 200) AS u_time,
           alignment_generate.u(p.seed, l.i * 8 + j, 201) AS u_channel,
           alignment_generate.u(p.seed, l.i * 8 + j, 202) AS u_kind
    OFFSET 0) AS u
CROSS JOIN LATERAL (
    SELECT CASE WHEN l.t_opp IS NOT NULL AND l.u_posttouch < 0.3
                     AND j = 1 + CASE WHEN l.u_ntouch < 0.15 THEN 0
                                      WHEN l.u_ntouch < 0.50 THEN 1
                                      WHEN l.u_ntouch < 0.75 THEN 2
                                      WHEN l.u_ntouch < 0.90 THEN 3
                                      ELSE 4 END
                -- the touch after the deal
                THEN least(l.t_opp + floor((1 + u.u_time * 30) * 86400),
                           p.t1)
                ELSE l.t_created - 30 * 86400
                     + floor(u.u_time * (coalesce(l.t_mql, l.t_sql,
                                                  l.t_created + 30 * 86400)
                                         - l.t_created + 30 * 86400))
                END AS t
    OFFSET 0) AS t
CROSS JOIN LATERAL (
    SELECT CASE WHEN j = 1 THEN l.channel
                ELSE (ARRAY['paid_search', 'organic_search', 'social',
                            'email', 'referral', 'events'])
                     [1 + floor(u.u_channel * 6)::int] END AS channel) AS c;

-- Activities ----------------------------------------------------------------
--
-- The first sales follow-up after the first mql entry (88 % of them, after
-- a team-specific response time), one after a recycled lead came back to
-- mql, a meeting after sql, a call before a skipped handoff's sql, and a
-- marketing nurture email for 30 % of the leads. Nothing after the end.
-- One filtered scan per kind: cheaper than a VALUES list per lead.

\echo generate: activity
INSERT INTO alignment.activity (activity_id, lead_id, side, kind,
                                occurred_at)
OVERRIDING SYSTEM VALUE
SELECT a.id, a.lead_id, a.side, a.kind, pg_catalog.to_timestamp(a.t)
FROM alignment_generate.param p,
     (SELECT i * 8 + 1 AS id, lead_id, 'marketing' AS side,
             'nurture_email' AS kind,
             t_created + floor((1 + u_nurture * 60) * 86400) AS t
      FROM gen_lead WHERE u_nurture < 0.3
      UNION ALL
      SELECT i * 8 + 2, lead_id, 'sales',
             CASE WHEN u_nurture < 0.5 THEN 'call' ELSE 'email' END,
             t_mql + floor(resp_hours * 3600)
      FROM gen_lead WHERE t_mql IS NOT NULL AND resp_hours IS NOT NULL
      UNION ALL
      SELECT i * 8 + 3, lead_id, 'sales', 'call',
             t_remql + floor(resp_hours * 1800)
      FROM gen_lead
      WHERE t_remql IS NOT NULL AND resp_hours IS NOT NULL
        AND u_nurture < 0.7
      UNION ALL
      SELECT i * 8 + 4, lead_id, 'sales', 'call', t_sql - 3600
      FROM gen_lead WHERE skipped AND t_sql IS NOT NULL
      UNION ALL
      SELECT i * 8 + 5, lead_id, 'sales', 'meeting',
             t_sql + floor((1 + u_nurture * 10) * 86400)
      FROM gen_lead WHERE t_sql IS NOT NULL) AS a
WHERE a.t <= p.t1;

-- Deals ---------------------------------------------------------------------
--
-- One per lead that reached opportunity: created then, won (with a customer
-- stage entry), lost, or still open at the end. Sales tags the buyer's
-- persona: the lead's own with a team-specific probability, else from
-- sales' own mix. 85 % linked to the lead, 10 % only to its account, 5 % to
-- nothing. Amounts in the team's currencies; 2 % of open deals have none.

\echo generate: deal
INSERT INTO alignment.deal (deal_id, lead_id, account_id, team_id, persona,
                            amount, currency, created_at, closed_at, status)
SELECT 'D' || lpad(l.i::text, 8, '0'),
       CASE WHEN l.u_link >= 0.15
                 OR (l.u_link >= 0.05 AND l.account_id IS NULL)
            THEN l.lead_id END,
       CASE WHEN l.u_link >= 0.05 THEN l.account_id END,
       l.team,
       CASE WHEN l.u_dpersona < (ARRAY[0.85, 0.55, 0.25, 0.60])[l.ti]
                 AND l.persona IS NOT NULL THEN l.persona
            WHEN l.u_dpersona2 < 0.35 THEN 'finance_director'
            WHEN l.u_dpersona2 < 0.60 THEN 'operations_manager'
            WHEN l.u_dpersona2 < 0.80 THEN 'it_director'
            WHEN l.u_dpersona2 < 0.92 THEN 'founder'
            WHEN l.u_dpersona2 < 0.97 THEN 'marketing_manager'
            END,
       CASE WHEN l.t_close IS NULL AND l.u_amount >= 0.98 THEN NULL
            ELSE round((exp(ln(2000) + l.u_amount * ln(200))
                        * CASE c.currency WHEN 'BRL' THEN 5 ELSE 1 END)
                       ::numeric, 2) END,
       c.currency,
       pg_catalog.to_timestamp(l.t_opp),
       pg_catalog.to_timestamp(l.t_close),
       CASE WHEN l.t_close IS NULL THEN 'open'
            WHEN l.wins THEN 'won' ELSE 'lost' END
FROM gen_lead l
CROSS JOIN LATERAL (
    SELECT CASE l.ti
           WHEN 2 THEN CASE WHEN l.u_cur < 0.7 THEN 'EUR'
                            WHEN l.u_cur < 0.9 THEN 'GBP' ELSE 'USD' END
           WHEN 3 THEN CASE WHEN l.u_cur < 0.8 THEN 'BRL' ELSE 'USD' END
           ELSE 'USD' END AS currency) AS c
WHERE l.t_opp IS NOT NULL;

\endif

-- The end: indexes, keys and foreign keys back ---------------------------
--
-- generate.sh runs this part as steps of their own, so that both cores
-- work: index (one session per job, each building the indexes and keys of
-- its own tables, so that no two sessions lock the same table), fk (every
-- foreign key added NOT VALID, which takes a moment), validate (one session
-- per job, each validating the foreign keys of its own tables: validation
-- takes no lock that another validation waits for), then finish. Whatever
-- is not done by then (all of it, when the script runs in one go), finish
-- does itself, in the same order.

\if :gen_ddl

SET LOCAL maintenance_work_mem = '256MB';
\echo generate: indexes and foreign keys

SELECT pg_catalog.set_config('alignment_generate.job', :'job', true),
       pg_catalog.set_config('alignment_generate.jobs', :'jobs', true)
\gset gen_
DO $$
DECLARE
    step text := current_setting('alignment_generate.step');
    my_job integer := current_setting('alignment_generate.job');
    jobs integer := current_setting('alignment_generate.jobs');
    d record;
BEGIN
    FOR d IN
        SELECT x.ctid, x.add_ddl, x.validate_ddl
        FROM alignment_generate.ddl AS x
        JOIN (SELECT t.tab,
                     (pg_catalog.rank() OVER (
                          ORDER BY pg_catalog.pg_relation_size(t.tab) DESC,
                                   t.tab::text) - 1) % jobs AS job
              FROM (SELECT DISTINCT y.tab FROM alignment_generate.ddl AS y)
                   AS t) AS r ON r.tab = x.tab
        WHERE CASE step
                WHEN 'index' THEN x.pass = 1 AND x.state = 'dropped'
                                  AND r.job = my_job
                WHEN 'fk' THEN x.pass = 2 AND x.state = 'dropped'
                ELSE x.pass = 2 AND x.state = 'added' AND r.job = my_job
              END
        ORDER BY x.add_ddl
    LOOP
        IF step = 'index' THEN
            EXECUTE d.add_ddl;
            UPDATE alignment_generate.ddl SET state = 'done'
            WHERE ctid = d.ctid;
        ELSIF step = 'fk' THEN
            EXECUTE d.add_ddl || ' NOT VALID';
            UPDATE alignment_generate.ddl SET state = 'added'
            WHERE ctid = d.ctid;
        ELSE
            EXECUTE d.validate_ddl;
            UPDATE alignment_generate.ddl SET state = 'done'
            WHERE ctid = d.ctid;
        END IF;
    END LOOP;
END
$$;

\endif

-- Finish: what is left of the above, identities, statistics
\if :gen_finish

SET LOCAL maintenance_work_mem = '256MB';

\echo generate: indexes and foreign keys

DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT add_ddl, validate_ddl, state
             FROM alignment_generate.ddl
             WHERE state <> 'done'
             ORDER BY pass, add_ddl LOOP
        IF d.state = 'added' THEN
            EXECUTE d.validate_ddl;
        ELSE
            EXECUTE d.add_ddl;
        END IF;
    END LOOP;
END
$$;

-- The identities go on after the largest id given here.
SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(
           'alignment.stage_event', 'event_id'),
       (SELECT coalesce(max(event_id), 0) + 1 FROM alignment.stage_event),
       false),
       pg_catalog.setval(pg_catalog.pg_get_serial_sequence(
           'alignment.touch', 'touch_id'),
       (SELECT coalesce(max(touch_id), 0) + 1 FROM alignment.touch), false),
       pg_catalog.setval(pg_catalog.pg_get_serial_sequence(
           'alignment.activity', 'activity_id'),
       (SELECT coalesce(max(activity_id), 0) + 1 FROM alignment.activity),
       false) \gset gen_

\echo generate: analyze
ANALYZE alignment.team, alignment.sla, alignment.stage, alignment.icp_version,
    alignment.fx_rate, alignment.account, alignment.lead,
    alignment.stage_event, alignment.touch, alignment.activity,
    alignment.deal;

-- The stored facts, by one rebuild over all the rows (planned from
-- the statistics just gathered), and the triggers back on.
\echo generate: stored facts
SELECT alignment.rebuild_facts() AS gen_handoff_facts \gset
ALTER TABLE alignment.stage_event
    ENABLE TRIGGER stage_event_facts_insert;
ALTER TABLE alignment.activity
    ENABLE TRIGGER activity_facts_insert;
ALTER TABLE alignment.lead
    ENABLE TRIGGER lead_facts_insert;
ALTER TABLE alignment.lead
    ENABLE TRIGGER lead_deal_facts_insert;
ALTER TABLE alignment.touch
    ENABLE TRIGGER touch_deal_facts_insert;
ALTER TABLE alignment.deal
    ENABLE TRIGGER deal_deal_facts_insert;
ANALYZE alignment.lead_funnel, alignment.handoff_fact, alignment.deal_fact;

DROP SCHEMA alignment_generate CASCADE;

\endif
