-- src/sql/0.2.0/06_views.sql: the row-level views, rebuilt for speed.
--
-- In 0.1.0, lifecycle_entry placed every stage entry in its lead's history
-- with window functions over all the stage events, joined to the leads
-- first. Every metric paid for that: a sort of every event by lead, three
-- window passes, and the period computed for every event, even when it
-- needed a few columns of the mql entries only. The same columns now come
-- from lookups of the lead's other entries in the index on (lead_id, stage,
-- entered_at), each written as a subquery in the column that needs it: the
-- planner leaves out the columns a query does not read, so a metric pays
-- only for the history it uses, and a filter on a stage flag reads only
-- that stage's events.
--
-- The stage sets come from alignment.stage_set() (C, src/stages.c), which
-- reads the stage table once per query and which the planner evaluates
-- when it estimates how many events a set matches. The views keep their
-- columns and results. mql_conversion and the matrix's handoff discipline
-- need one row per lead (its first mql entry, its first sql-or-later
-- entry): they group the events of those stages by lead rather than test
-- every entry for an earlier one. won_deal converts currencies itself, and
-- won_deal_attribution asks, per won deal, whether a touch exists before
-- the deal's creation instead of grouping all the touches.

CREATE FUNCTION alignment.stage_set(kind text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'alignment_stage_set'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.stage_set(text) IS
'The stages of a set, from alignment.stage: handoff (the stage with role handoff, mql by default), accepted (the acceptance stage and every stage with a higher position: "sql-or-later") or disposition (accepted, plus the disqualified and recycled stages).';

-- The lookups of the lead's other entries read stage_event_unique (lead_id,
-- stage, entered_at); entries after as_of are never counted, and an entry
-- is at most as_of, so "before it" needs no as_of test.
CREATE OR REPLACE VIEW alignment.lifecycle_entry AS
SELECT
    e.event_id,
    e.lead_id,
    l.team_id,
    l.persona,
    e.stage,
    e.entered_at,
    alignment.period_start(e.entered_at) AS period_start,
    alignment.period_end(e.entered_at) AS period_end,
    e.stage = ANY (alignment.stage_set('handoff')) AS is_handoff,
    e.stage = ANY (alignment.stage_set('accepted')) AS is_accepted,
    e.stage = ANY (alignment.stage_set('disposition')) AS is_disposition,
    e.stage = ANY (alignment.stage_set('handoff'))
        AND NOT EXISTS (
            SELECT FROM alignment.stage_event AS p
            WHERE p.lead_id = e.lead_id
              AND p.stage = ANY (alignment.stage_set('handoff'))
              AND p.entered_at < e.entered_at)
        AS first_handoff,
    -- ties at the same time go by event_id
    e.stage = ANY (alignment.stage_set('accepted'))
        AND NOT EXISTS (
            SELECT FROM alignment.stage_event AS p
            WHERE p.lead_id = e.lead_id
              AND p.stage = ANY (alignment.stage_set('accepted'))
              AND p.entered_at <= e.entered_at
              AND (p.entered_at < e.entered_at OR p.event_id < e.event_id))
        AS first_accepted,
    EXISTS (
        SELECT FROM alignment.stage_event AS p
        WHERE p.lead_id = e.lead_id
          AND p.stage = ANY (alignment.stage_set('handoff'))
          AND p.entered_at <= e.entered_at)
        AS through_handoff,
    (SELECT pg_catalog.min(n.entered_at)
     FROM alignment.stage_event AS n
     WHERE n.lead_id = e.lead_id
       AND n.stage = ANY (alignment.stage_set('accepted'))
       AND n.entered_at >= e.entered_at
       AND n.entered_at <= alignment.as_of())
        AS next_accepted_at,
    (SELECT pg_catalog.min(n.entered_at)
     FROM alignment.stage_event AS n
     WHERE n.lead_id = e.lead_id
       AND n.stage = ANY (alignment.stage_set('disposition'))
       AND n.entered_at >= e.entered_at
       AND n.entered_at <= alignment.as_of())
        AS next_disposition_at,
    e.fit_score,
    e.icp_version_id,
    e.gate_passed
FROM alignment.stage_event AS e
JOIN alignment.lead AS l ON l.lead_id = e.lead_id
WHERE e.entered_at <= alignment.as_of();

CREATE OR REPLACE VIEW alignment.handoff_entry AS
SELECT
    h.event_id,
    h.lead_id,
    h.team_id,
    h.persona,
    h.entered_at,
    h.period_start,
    h.period_end,
    h.first_handoff AS first_entry,
    h.next_accepted_at AS accepted_at,
    h.next_disposition_at AS disposed_at,
    h.fit_score,
    h.icp_version_id,
    v.fit_threshold,
    h.fit_score >= v.fit_threshold AS meets_fit_threshold,
    h.gate_passed,
    sla.follow_up_hours AS sla_hours,
    d.sla_deadline,
    r.first_sales_activity_at,
    pg_catalog.date_part('epoch', r.first_sales_activity_at - h.entered_at)
        / 3600 AS response_hours,
    d.sla_deadline IS NOT NULL
        AND (r.first_sales_activity_at IS NOT NULL
             OR d.sla_deadline <= alignment.as_of()) AS follow_up_due,
    CASE WHEN d.sla_deadline IS NOT NULL
              AND (r.first_sales_activity_at IS NOT NULL
                   OR d.sla_deadline <= alignment.as_of())
        THEN COALESCE(r.first_sales_activity_at <= d.sla_deadline, false)
    END AS within_sla
FROM alignment.lifecycle_entry AS h
LEFT JOIN alignment.icp_version AS v ON v.icp_version_id = h.icp_version_id
LEFT JOIN alignment.sla AS sla ON sla.team_id = h.team_id
-- LEFT JOIN LATERAL of an aggregate: left out when no column of it is read
LEFT JOIN LATERAL (
    SELECT pg_catalog.min(act.occurred_at) AS first_sales_activity_at
    FROM alignment.activity AS act
    WHERE act.lead_id = h.lead_id
      AND act.side = 'sales'
      AND act.occurred_at >= h.entered_at
      AND act.occurred_at <= alignment.as_of()
) AS r ON true
CROSS JOIN LATERAL (
    SELECT h.entered_at
           + pg_catalog.make_interval(
                 secs => CAST(sla.follow_up_hours * 3600
                              AS double precision)) AS sla_deadline
) AS d
WHERE h.is_handoff;

-- Each lead's first entry into sql-or-later, and whether an mql entry came
-- at or before it: the skipped handoffs of mql_conversion and the handoff
-- discipline of the matrix. One row per lead, from the events of the
-- sql-or-later stages only, each lead's first mql entry joined to it.
CREATE VIEW alignment.first_accepted_entry AS
SELECT
    a.lead_id,
    l.team_id,
    a.entered_at,
    alignment.period_start(a.entered_at) AS period_start,
    alignment.period_end(a.entered_at) AS period_end,
    COALESCE(h.entered_at <= a.entered_at, false) AS through_handoff
FROM (SELECT s.lead_id, pg_catalog.min(s.entered_at) AS entered_at
      FROM alignment.stage_event AS s
      WHERE s.stage = ANY (alignment.stage_set('accepted'))
        AND s.entered_at <= alignment.as_of()
      GROUP BY s.lead_id) AS a
JOIN alignment.lead AS l ON l.lead_id = a.lead_id
-- the lead's first mql entry: one at or before a means "through mql"
LEFT JOIN (SELECT m.lead_id, pg_catalog.min(m.entered_at) AS entered_at
           FROM alignment.stage_event AS m
           WHERE m.stage = ANY (alignment.stage_set('handoff'))
             AND m.entered_at <= alignment.as_of()
           GROUP BY m.lead_id) AS h ON h.lead_id = a.lead_id;

COMMENT ON VIEW alignment.first_accepted_entry IS
'One row per lead that entered sql-or-later up to as_of: its first such entry, and whether it came through the handoff (an mql entry at or before it). Drill-down for the skipped handoffs of mql_conversion and the handoff discipline of the matrix.';
COMMENT ON COLUMN alignment.first_accepted_entry.lead_id IS 'Lead.';
COMMENT ON COLUMN alignment.first_accepted_entry.team_id IS 'Team of the lead.';
COMMENT ON COLUMN alignment.first_accepted_entry.entered_at IS 'When the lead first entered sql or a later stage.';
COMMENT ON COLUMN alignment.first_accepted_entry.period_start IS 'First day of the reporting period of entered_at (business time zone).';
COMMENT ON COLUMN alignment.first_accepted_entry.period_end IS 'Last day of the reporting period of entered_at (business time zone).';
COMMENT ON COLUMN alignment.first_accepted_entry.through_handoff IS 'True when the lead had entered mql at or before that entry; false for a skipped handoff.';

CREATE OR REPLACE VIEW alignment.mql_conversion AS
SELECT
    g.period_start,
    g.period_end,
    alignment.setting('period') AS period_unit,
    g.team_id,
    g.all_teams,
    (g.c).decided + (g.c).pending AS cohort,
    (g.c).decided,
    (g.c).converted,
    (g.c).pending,
    (g.c).rate,
    (g.c).ci_low,
    (g.c).ci_high,
    (g.c).pending = 0 AS cohort_decided,
    g.skipped_handoff,
    CASE
        WHEN (g.c).decided + (g.c).pending = 0
            THEN 'no lead entered mql for the first time in the period'
        WHEN pg_catalog.cardinality(alignment.stage_set('accepted')) = 0
            THEN 'no stage has the role acceptance, so no lead can convert'
        WHEN (g.c).decided = 0
            THEN 'every lead of the cohort is still pending'
    END AS note
FROM (
    SELECT
        e.period_start,
        e.period_end,
        e.team_id,
        GROUPING(e.team_id) = 1 AS all_teams,
        alignment.conversion(e.entered_at, e.next_accepted_at,
            CAST(alignment.setting('conversion_window_days')
                 AS pg_catalog.int4),
            alignment.as_of()) FILTER (WHERE e.in_cohort) AS c,
        pg_catalog.count(*) FILTER (WHERE NOT e.in_cohort)
            AS skipped_handoff
    FROM (
        -- the cohorts: each lead's first mql entry, and its first entry
        -- into sql-or-later at or after it (one join of the two sets of
        -- events by lead, not one lookup per lead)
        SELECT alignment.period_start(c.mql_at) AS period_start,
               alignment.period_end(c.mql_at) AS period_end,
               l.team_id,
               c.mql_at AS entered_at,
               c.accepted_at AS next_accepted_at,
               true AS in_cohort
        FROM (SELECT m.lead_id, m.mql_at,
                     pg_catalog.min(n.entered_at) AS accepted_at
              FROM (SELECT f.lead_id, pg_catalog.min(f.entered_at) AS mql_at
                    FROM alignment.stage_event AS f
                    WHERE f.stage = ANY (alignment.stage_set('handoff'))
                      AND f.entered_at <= alignment.as_of()
                    GROUP BY f.lead_id) AS m
              LEFT JOIN alignment.stage_event AS n
                  ON n.lead_id = m.lead_id
                 AND n.stage = ANY (alignment.stage_set('accepted'))
                 AND n.entered_at >= m.mql_at
                 AND n.entered_at <= alignment.as_of()
              GROUP BY m.lead_id, m.mql_at) AS c
        JOIN alignment.lead AS l ON l.lead_id = c.lead_id
        UNION ALL
        -- the skipped handoffs
        SELECT s.period_start, s.period_end, s.team_id, NULL, NULL, false
        FROM alignment.first_accepted_entry AS s
        WHERE NOT s.through_handoff
    ) AS e
    GROUP BY GROUPING SETS ((e.period_start, e.period_end, e.team_id),
                            (e.period_start, e.period_end))
) AS g;

-- The amount in the base currency is the rule of alignment.in_base_currency
-- written into the view: a SQL function whose body has a subquery is never
-- inlined, and calling it ran a new query per deal.
CREATE OR REPLACE VIEW alignment.won_deal AS
SELECT
    d.deal_id,
    d.team_id,
    d.lead_id,
    d.account_id,
    d.persona,
    d.created_at,
    d.closed_at,
    alignment.period_start(d.closed_at) AS period_start,
    alignment.period_end(d.closed_at) AS period_end,
    d.amount,
    d.currency,
    CASE
        WHEN d.currency = alignment.setting('base_currency') THEN d.amount
        ELSE d.amount * (
            SELECT r.rate
            FROM alignment.fx_rate AS r
            WHERE r.currency = d.currency
              AND r.rate_date <= CAST(pg_catalog.timezone(
                      alignment.setting('business_timezone'), d.closed_at)
                      AS pg_catalog.date)
            ORDER BY r.rate_date DESC
            LIMIT 1)
    END AS amount_base,
    pg_catalog.date_part('epoch', d.closed_at - d.created_at) / 86400
        AS days_to_close
FROM alignment.deal AS d
WHERE d.status = 'won'
  AND d.closed_at <= alignment.as_of();

-- Per won deal, the touches of its lead and of the leads of its account,
-- looked up through touch_lead_idx and lead_account_idx (won deals are few
-- next to the touches). The verdict asks only whether a qualifying touch
-- exists before the deal's creation, which stops at the first one found;
-- first_touch_at, the earliest, is computed only when it is read.
CREATE OR REPLACE VIEW alignment.won_deal_attribution AS
SELECT
    w.deal_id,
    w.team_id,
    w.lead_id,
    w.account_id,
    w.created_at,
    w.closed_at,
    w.period_start,
    w.period_end,
    w.amount,
    w.currency,
    w.amount_base,
    w.lead_id IS NOT NULL
        OR EXISTS (SELECT FROM alignment.lead AS l
                   WHERE l.account_id = w.account_id) AS has_linked_lead,
    LEAST(
        (SELECT pg_catalog.min(t.touched_at)
         FROM alignment.touch AS t
         WHERE t.lead_id = w.lead_id
           AND (pg_catalog.btrim(t.campaign) <> ''
                OR pg_catalog.btrim(t.channel) <> '')
           AND t.touched_at <= alignment.as_of()),
        (SELECT pg_catalog.min(t.touched_at)
         FROM alignment.lead AS l
         JOIN alignment.touch AS t ON t.lead_id = l.lead_id
         WHERE l.account_id = w.account_id
           AND (pg_catalog.btrim(t.campaign) <> ''
                OR pg_catalog.btrim(t.channel) <> '')
           AND t.touched_at <= alignment.as_of())) AS first_touch_at,
    CASE
        WHEN w.lead_id IS NULL
             AND NOT EXISTS (SELECT FROM alignment.lead AS l
                             WHERE l.account_id = w.account_id)
            THEN 'no linked lead'
        WHEN NOT EXISTS (
                SELECT FROM alignment.touch AS t
                WHERE t.lead_id = w.lead_id
                  AND (pg_catalog.btrim(t.campaign) <> ''
                       OR pg_catalog.btrim(t.channel) <> '')
                  AND t.touched_at <= alignment.as_of())
             AND NOT EXISTS (
                SELECT FROM alignment.lead AS l
                JOIN alignment.touch AS t ON t.lead_id = l.lead_id
                WHERE l.account_id = w.account_id
                  AND (pg_catalog.btrim(t.campaign) <> ''
                       OR pg_catalog.btrim(t.channel) <> '')
                  AND t.touched_at <= alignment.as_of())
            THEN 'no touch'
        WHEN w.created_at IS NULL THEN 'creation time unknown'
        WHEN EXISTS (
                SELECT FROM alignment.touch AS t
                WHERE t.lead_id = w.lead_id
                  AND (pg_catalog.btrim(t.campaign) <> ''
                       OR pg_catalog.btrim(t.channel) <> '')
                  AND t.touched_at <= w.created_at
                  AND t.touched_at <= alignment.as_of())
             OR EXISTS (
                SELECT FROM alignment.lead AS l
                JOIN alignment.touch AS t ON t.lead_id = l.lead_id
                WHERE l.account_id = w.account_id
                  AND (pg_catalog.btrim(t.campaign) <> ''
                       OR pg_catalog.btrim(t.channel) <> '')
                  AND t.touched_at <= w.created_at
                  AND t.touched_at <= alignment.as_of())
            THEN 'attributed'
        ELSE 'touches only after creation'
    END AS attribution
FROM alignment.won_deal AS w;

-- The matrix reads the handoff discipline from first_accepted_entry.
CREATE OR REPLACE VIEW alignment.alignment_matrix AS
WITH entry AS (
    SELECT
        h.period_start,
        h.period_end,
        h.team_id,
        GROUPING(h.team_id) = 1 AS all_teams,
        pg_catalog.count(*) AS mql_entries,
        pg_catalog.count(*) FILTER (WHERE h.icp_version_id IS NOT NULL)
            AS icp_entries,
        pg_catalog.count(*) FILTER (WHERE h.meets_fit_threshold) AS fit_entries,
        pg_catalog.count(*) FILTER (WHERE h.gate_passed IS NOT NULL)
            AS gated_entries,
        pg_catalog.count(*) FILTER (WHERE h.gate_passed) AS passed_entries,
        pg_catalog.count(*) FILTER (WHERE h.sla_hours IS NULL)
            AS no_sla_entries,
        pg_catalog.count(*) FILTER (WHERE h.follow_up_due) AS due_entries,
        pg_catalog.count(*) FILTER (WHERE h.within_sla) AS within_sla_entries,
        alignment.conversion(h.entered_at, h.disposed_at,
            CAST(alignment.setting('conversion_window_days')
                 AS pg_catalog.int4),
            alignment.as_of()) AS disposition
    FROM alignment.handoff_entry AS h
    GROUP BY GROUPING SETS ((h.period_start, h.period_end, h.team_id),
                            (h.period_start, h.period_end))
),
-- The two persona mixes as JSON objects {persona: count}, untagged entries
-- and deals left out; NULL when a side has none.
mix AS (
    SELECT p.period_start, p.team_id, p.all_teams,
           pg_catalog.jsonb_object_agg(p.persona, p.mql_entries)
               FILTER (WHERE p.persona IS NOT NULL AND p.mql_entries > 0)
               AS entry_mix,
           pg_catalog.jsonb_object_agg(p.persona, p.won_deals)
               FILTER (WHERE p.persona IS NOT NULL AND p.won_deals > 0)
               AS won_mix
    FROM alignment.persona_mix AS p
    GROUP BY p.period_start, p.team_id, p.all_teams
),
acceptance AS (
    SELECT
        f.period_start,
        f.period_end,
        f.team_id,
        GROUPING(f.team_id) = 1 AS all_teams,
        pg_catalog.count(*) AS sql_entries,
        pg_catalog.count(*) FILTER (WHERE f.through_handoff) AS through_mql
    FROM alignment.first_accepted_entry AS f
    GROUP BY GROUPING SETS ((f.period_start, f.period_end, f.team_id),
                            (f.period_start, f.period_end))
),
spine AS (
    SELECT period_start, period_end, team_id, all_teams FROM entry
    UNION
    SELECT period_start, period_end, team_id, all_teams FROM acceptance
),
component AS (
    SELECT
        s.period_start,
        s.period_end,
        s.team_id,
        s.all_teams,
        COALESCE(e.mql_entries, 0) AS mql_entries,
        x.entry_mix,
        x.won_mix,
        alignment.persona_similarity(x.entry_mix, x.won_mix)
            AS persona_mix_similarity,
        CAST(e.fit_entries AS double precision) / e.mql_entries
            AS icp_fit_share,
        e.icp_entries,
        CAST(e.passed_entries AS double precision) / e.mql_entries
            AS gate_compliance,
        e.gated_entries,
        CAST(e.within_sla_entries AS double precision)
            / NULLIF(e.due_entries + e.no_sla_entries, 0)
            AS follow_up_compliance,
        e.no_sla_entries,
        (e.disposition).rate AS disposition_coverage,
        COALESCE((e.disposition).decided, 0) AS decided_mql_entries,
        CAST(a.through_mql AS double precision) / a.sql_entries
            AS handoff_discipline
    FROM spine AS s
    LEFT JOIN entry AS e
        ON e.period_start = s.period_start AND e.all_teams = s.all_teams
       AND e.team_id IS NOT DISTINCT FROM s.team_id
    LEFT JOIN mix AS x
        ON x.period_start = s.period_start AND x.all_teams = s.all_teams
       AND x.team_id IS NOT DISTINCT FROM s.team_id
    LEFT JOIN acceptance AS a
        ON a.period_start = s.period_start AND a.all_teams = s.all_teams
       AND a.team_id IS NOT DISTINCT FROM s.team_id
),
indexed AS (
    SELECT
        c.*,
        alignment.mean_of_known(c.persona_mix_similarity, c.icp_fit_share)
            AS persona_agreement,
        alignment.mean_of_known(c.gate_compliance, c.follow_up_compliance,
                                c.disposition_coverage, c.handoff_discipline)
            AS lifecycle_clarity
    FROM component AS c
)
SELECT
    i.period_start,
    i.period_end,
    alignment.setting('period') AS period_unit,
    i.team_id,
    i.all_teams,
    i.mql_entries,
    i.persona_mix_similarity,
    i.icp_fit_share,
    i.persona_agreement,
    i.gate_compliance,
    i.follow_up_compliance,
    i.disposition_coverage,
    i.handoff_discipline,
    i.lifecycle_clarity,
    m.cell,
    alignment.matrix_next_step(m.cell) AS next_step,
    i.decided_mql_entries,
    i.decided_mql_entries
        < CAST(alignment.setting('min_sample') AS pg_catalog.int4)
        AS low_confidence,
    NULLIF(pg_catalog.concat_ws('; ',
        CASE WHEN i.mql_entries = 0 THEN 'no mql entries in the period'
             WHEN i.entry_mix IS NULL THEN 'mql entries carry no persona'
        END,
        CASE WHEN i.mql_entries > 0 AND i.won_mix IS NULL
            THEN 'no won deal with a persona in the lookback' END,
        CASE WHEN i.mql_entries > 0 AND i.icp_entries = 0
            THEN 'no ICP in force (fit share counted as 0)' END,
        CASE WHEN i.mql_entries > 0 AND i.gated_entries = 0
            THEN 'mql stage documents no entry criterion (gate counted as 0)'
        END,
        CASE WHEN i.mql_entries > 0 AND i.no_sla_entries = i.mql_entries
                THEN CASE WHEN i.all_teams THEN 'no team has an SLA'
                          ELSE 'team has no SLA' END
                     || ' (follow-up counted as 0)'
             WHEN i.no_sla_entries > 0
                THEN 'entries of teams without an SLA counted as not '
                     || 'followed up'
             WHEN i.mql_entries > 0 AND i.follow_up_compliance IS NULL
                THEN 'no entry due for follow-up yet'
        END,
        CASE WHEN i.mql_entries > 0 AND i.disposition_coverage IS NULL
            THEN 'no decided mql entries' END,
        CASE WHEN i.handoff_discipline IS NULL
            THEN 'no sql entries in the period' END,
        CASE WHEN m.cell IS NULL
            THEN 'no cell without both indexes' END),
        '') AS note
FROM indexed AS i
CROSS JOIN LATERAL (SELECT alignment.matrix_cell(i.persona_agreement,
                                                 i.lifecycle_clarity) AS cell)
    AS m;

