-- src/sql/0.3.0/06_views.sql: the views that read the stored facts.
--
-- Same columns and results as in 0.2.0. handoff_entry, first_accepted_entry
-- and mql_conversion read handoff_fact and lead_funnel instead of looking
-- up each lead's other events; won_deal_attribution reads deal_fact instead
-- of looking up each won deal's touches. won_deal finds the exchange rate
-- of each (currency, local close date) once per query: the date is
-- computed in a subquery of its own, so that the planner can cache the
-- rate lookup by it (Memoize) rather than repeat it for every deal.
-- Replacing a view resets its options, so security_invoker is set again at
-- the end, and the facts of the data already loaded are built.

-- The handoff entries come from handoff_fact (05_facts.sql), where the
-- rest of each lead's history is stored with them; the stored times are
-- the first at or after the entry, kept here only when they are at most
-- as_of. The team is the fact's (the lead's, kept in step by a trigger);
-- the lead is joined for the persona only, and left out when no column of
-- it is read.
CREATE OR REPLACE VIEW alignment.handoff_entry AS
SELECT
    h.event_id,
    h.lead_id COLLATE pg_catalog."default" AS lead_id,
    h.team_id,
    l.persona,
    h.entered_at,
    alignment.period_start(h.entered_at) AS period_start,
    alignment.period_end(h.entered_at) AS period_end,
    h.first_entry,
    CASE WHEN h.accepted_at <= alignment.as_of() THEN h.accepted_at END
        AS accepted_at,
    CASE WHEN h.disposed_at <= alignment.as_of() THEN h.disposed_at END
        AS disposed_at,
    h.fit_score,
    h.icp_version_id,
    v.fit_threshold,
    h.fit_score >= v.fit_threshold AS meets_fit_threshold,
    h.gate_passed,
    sla.follow_up_hours AS sla_hours,
    x.sla_deadline,
    x.first_sales_activity_at,
    pg_catalog.date_part('epoch', x.first_sales_activity_at - h.entered_at)
        / 3600 AS response_hours,
    x.sla_deadline IS NOT NULL
        AND (x.first_sales_activity_at IS NOT NULL
             OR x.sla_deadline <= alignment.as_of()) AS follow_up_due,
    CASE WHEN x.sla_deadline IS NOT NULL
              AND (x.first_sales_activity_at IS NOT NULL
                   OR x.sla_deadline <= alignment.as_of())
        THEN COALESCE(x.first_sales_activity_at <= x.sla_deadline, false)
    END AS within_sla
FROM alignment.handoff_fact AS h
LEFT JOIN alignment.lead AS l ON l.lead_id = h.lead_id
LEFT JOIN alignment.icp_version AS v ON v.icp_version_id = h.icp_version_id
LEFT JOIN alignment.sla AS sla ON sla.team_id = h.team_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN h.first_sales_activity_at <= alignment.as_of()
               THEN h.first_sales_activity_at END
               AS first_sales_activity_at,
           h.entered_at
           + pg_catalog.make_interval(
                 secs => CAST(sla.follow_up_hours * 3600
                              AS double precision)) AS sla_deadline
) AS x
WHERE h.entered_at <= alignment.as_of();

-- Each lead's first entry into sql-or-later, and whether an mql entry came
-- at or before it: the skipped handoffs of mql_conversion and the handoff
-- discipline of the matrix. One row per lead, from lead_funnel
-- (05_facts.sql).
CREATE OR REPLACE VIEW alignment.first_accepted_entry AS
SELECT
    f.lead_id COLLATE pg_catalog."default" AS lead_id,
    f.team_id,
    f.accepted_at AS entered_at,
    alignment.period_start(f.accepted_at) AS period_start,
    alignment.period_end(f.accepted_at) AS period_end,
    COALESCE(f.handoff_at <= f.accepted_at, false) AS through_handoff
FROM alignment.lead_funnel AS f
WHERE f.accepted_at <= alignment.as_of();


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
        -- into sql-or-later at or after it
        SELECT h.period_start, h.period_end, h.team_id, h.entered_at,
               h.accepted_at AS next_accepted_at, true AS in_cohort
        FROM alignment.handoff_entry AS h
        WHERE h.first_entry
        UNION ALL
        -- the skipped handoffs
        SELECT s.period_start, s.period_end, s.team_id, NULL, NULL, false
        FROM alignment.first_accepted_entry AS s
        WHERE NOT s.through_handoff
    ) AS e
    GROUP BY GROUPING SETS ((e.period_start, e.period_end, e.team_id),
                            (e.period_start, e.period_end))
) AS g;

-- The rate in force at the local close date, looked up once per currency
-- and date.
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
        ELSE d.amount * r.rate
    END AS amount_base,
    pg_catalog.date_part('epoch', d.closed_at - d.created_at) / 86400
        AS days_to_close
FROM alignment.deal AS d
CROSS JOIN LATERAL (
    SELECT CAST(pg_catalog.timezone(alignment.setting('business_timezone'),
                                    d.closed_at) AS pg_catalog.date)
               AS close_date
    OFFSET 0) AS c
LEFT JOIN LATERAL (
    SELECT r.rate
    FROM alignment.fx_rate AS r
    WHERE r.currency = d.currency
      AND d.currency <> alignment.setting('base_currency')
      AND r.rate_date <= c.close_date
    ORDER BY r.rate_date DESC
    LIMIT 1) AS r ON true
WHERE d.status = 'won'
  AND d.closed_at <= alignment.as_of();

-- The verdict from the stored first touches of the deal's lead and of its
-- account's leads, each cut at as_of: "a touch up to as_of at or before
-- the creation" is "the first touch up to as_of is at or before it".
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
    k.has_linked_lead,
    k.first_touch_at,
    CASE
        WHEN NOT k.has_linked_lead THEN 'no linked lead'
        WHEN k.first_touch_at IS NULL THEN 'no touch'
        WHEN w.created_at IS NULL THEN 'creation time unknown'
        WHEN k.first_touch_at <= w.created_at THEN 'attributed'
        ELSE 'touches only after creation'
    END AS attribution
FROM alignment.won_deal AS w
JOIN alignment.deal_fact AS f ON f.deal_id = w.deal_id
CROSS JOIN LATERAL (
    SELECT w.lead_id IS NOT NULL OR f.account_has_lead AS has_linked_lead,
           LEAST(CASE WHEN f.lead_touch_at <= alignment.as_of()
                     THEN f.lead_touch_at END,
                 CASE WHEN f.account_touch_at <= alignment.as_of()
                     THEN f.account_touch_at END) AS first_touch_at) AS k;

ALTER VIEW alignment.handoff_entry SET (security_invoker = true);
ALTER VIEW alignment.first_accepted_entry SET (security_invoker = true);
ALTER VIEW alignment.mql_conversion SET (security_invoker = true);
ALTER VIEW alignment.won_deal SET (security_invoker = true);
ALTER VIEW alignment.won_deal_attribution SET (security_invoker = true);

-- The facts of the data already loaded (an update from 0.2.0).
SELECT alignment.rebuild_facts();
