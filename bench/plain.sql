-- bench/plain.sql: what an analyst would write without the extension.
--
--   psql -v as_of='2025-12-31 00:00:00+00' -d DB -f bench/plain.sql
--
-- Creates the schema bench in a benchmark database: the ICP of the
-- benchmark as a PL/pgSQL interpreter of ICP definitions, and one plain-SQL
-- view per metric view of the extension (and the matrix), reading the tables
-- directly with FILTER, window functions and EXISTS, with the settings
-- bench.sh uses written in: month periods, business time zone UTC, a 90-day
-- conversion window, base currency USD, 12 months of persona lookback,
-- thresholds 0.6, minimum sample 30, as of :as_of. bench.sh checks that each
-- returns exactly the rows of the extension's view (EXCEPT ALL both ways,
-- floating-point columns rounded to 9 decimals) before it times them.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
COMMENT ON SCHEMA bench IS
'Plain SQL and PL/pgSQL equivalents of the alignment extension, for bench/bench.sh.';

-- For the comparisons: floating-point values rounded to 9 decimals.
CREATE FUNCTION bench.r(x double precision) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN round(x::numeric, 9);
COMMENT ON FUNCTION bench.r(double precision) IS
'x rounded to 9 decimals: how bench.sh compares floating-point results.';

-- ICP fit score, PL/pgSQL --------------------------------------------------

-- The same rules as alignment.icp_score, interpreted criterion by criterion.
CREATE FUNCTION bench.icp_score_plpgsql(definition jsonb, attributes jsonb)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog
AS $$
DECLARE
    c jsonb;
    v jsonb;
    w double precision;
    num double precision;
    matched boolean;
    got double precision := 0;
    total double precision := 0;
    exclude boolean := coalesce(definition ->> 'missing', 'no_match')
                       = 'exclude';
    disqualify boolean;
BEGIN
    FOR c IN SELECT jsonb_array_elements(definition -> 'criteria') LOOP
        v := attributes -> (c ->> 'attribute');
        w := coalesce((c ->> 'weight')::double precision, 1);
        disqualify := coalesce((c ->> 'disqualify')::boolean, false);
        IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
            IF NOT disqualify AND NOT exclude THEN
                total := total + w;
            END IF;
            CONTINUE;
        END IF;
        num := CASE jsonb_typeof(v)
            WHEN 'number' THEN (v #>> '{}')::double precision
            WHEN 'string' THEN
                CASE WHEN (v #>> '{}')
                          ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                     THEN (v #>> '{}')::double precision END
            END;
        matched := CASE
            WHEN c ? 'equals' THEN v = c -> 'equals'
            WHEN c ? 'in' THEN EXISTS (
                SELECT FROM jsonb_array_elements(c -> 'in') AS e(x)
                WHERE e.x = v)
            WHEN c ? 'between' THEN
                num BETWEEN (c -> 'between' ->> 0)::double precision
                        AND (c -> 'between' ->> 1)::double precision
            WHEN c ? 'min' THEN num >= (c ->> 'min')::double precision
            WHEN c ? 'max' THEN num <= (c ->> 'max')::double precision
            WHEN c ? 'contains' THEN CASE jsonb_typeof(v)
                WHEN 'array' THEN v @> jsonb_build_array(c -> 'contains')
                WHEN 'string' THEN
                    strpos(v #>> '{}', c ->> 'contains') > 0
                ELSE false END
        END;
        IF disqualify THEN
            IF matched THEN
                RETURN 0;
            END IF;
        ELSE
            total := total + w;
            IF coalesce(matched, false) THEN
                got := got + w;
            END IF;
        END IF;
    END LOOP;
    RETURN CASE WHEN total > 0 THEN 100 * got / total END;
END;
$$;
COMMENT ON FUNCTION bench.icp_score_plpgsql(jsonb, jsonb) IS
'alignment.icp_score written in PL/pgSQL: the definition is interpreted for every row.';

-- The benchmark's ICP (bench.sh passes the same definition to icp_score and
-- to icp_score_plpgsql) written as one SQL expression over attributes a.
CREATE FUNCTION bench.icp_score_case(a jsonb)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN a -> 'lead_type' = '"student"' THEN 0
    ELSE 100 * (
        CASE WHEN a -> 'segment' IN ('"health_beauty"', '"electronics"',
                                     '"home_decor"') THEN 3 ELSE 0 END
        + CASE WHEN CASE jsonb_typeof(a -> 'employees')
                    WHEN 'number' THEN (a ->> 'employees')::double precision
                    WHEN 'string' THEN CASE WHEN a ->> 'employees'
                        ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                        THEN (a ->> 'employees')::double precision END
                    END BETWEEN 50 AND 1000 THEN 2 ELSE 0 END
        + CASE WHEN CASE jsonb_typeof(a -> 'revenue')
                    WHEN 'number' THEN (a ->> 'revenue')::double precision
                    WHEN 'string' THEN CASE WHEN a ->> 'revenue'
                        ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                        THEN (a ->> 'revenue')::double precision END
                    END >= 5 THEN 1 ELSE 0 END
        + CASE jsonb_typeof(a -> 'tags')
            WHEN 'array' THEN CASE WHEN a -> 'tags' @> '["saas"]' THEN 1
                                   ELSE 0 END
            WHEN 'string' THEN CASE WHEN strpos(a ->> 'tags', 'saas') > 0
                                    THEN 1 ELSE 0 END
            ELSE 0 END
        )::double precision / 7
END;
COMMENT ON FUNCTION bench.icp_score_case(jsonb) IS
'The benchmark ICP as a plain CASE over jsonb (inlined into the query by the planner).';

-- Metric 1: MQL-to-SQL conversion ------------------------------------------

CREATE VIEW bench.plain_mql_conversion AS
WITH first_mql AS (
    SELECT e.lead_id, l.team_id, min(e.entered_at) AS mql_at
    FROM alignment.stage_event AS e
    JOIN alignment.lead AS l ON l.lead_id = e.lead_id
    WHERE e.stage = 'mql' AND e.entered_at <= :'as_of'
    GROUP BY e.lead_id, l.team_id
),
cohort AS (
    SELECT f.team_id, f.mql_at, true AS in_cohort,
           EXISTS (SELECT FROM alignment.stage_event AS a
                   WHERE a.lead_id = f.lead_id
                     AND a.stage IN ('sql', 'opportunity', 'customer')
                     AND a.entered_at >= f.mql_at
                     AND a.entered_at <= f.mql_at + interval '2160 hours'
                     AND a.entered_at <= :'as_of') AS converted,
           f.mql_at + interval '2160 hours' <= :'as_of' AS window_closed
    FROM first_mql AS f
),
first_sql AS (
    SELECT e.lead_id, l.team_id, min(e.entered_at) AS sql_at
    FROM alignment.stage_event AS e
    JOIN alignment.lead AS l ON l.lead_id = e.lead_id
    WHERE e.stage IN ('sql', 'opportunity', 'customer')
      AND e.entered_at <= :'as_of'
    GROUP BY e.lead_id, l.team_id
),
skipped AS (
    SELECT f.team_id, f.sql_at, false, false, false
    FROM first_sql AS f
    WHERE NOT EXISTS (SELECT FROM alignment.stage_event AS m
                      WHERE m.lead_id = f.lead_id AND m.stage = 'mql'
                        AND m.entered_at <= f.sql_at)
),
g AS (
    SELECT date_trunc('month', x.at AT TIME ZONE 'UTC')::date AS period_start,
           (date_trunc('month', x.at AT TIME ZONE 'UTC')
            + interval '1 month')::date - 1 AS period_end,
           x.team_id, grouping(x.team_id) = 1 AS all_teams,
           count(*) FILTER (WHERE x.in_cohort) AS cohort,
           count(*) FILTER (WHERE x.converted OR x.window_closed) AS decided,
           count(*) FILTER (WHERE x.converted) AS converted,
           count(*) FILTER (WHERE x.in_cohort AND NOT x.converted
                              AND NOT x.window_closed) AS pending,
           count(*) FILTER (WHERE NOT x.in_cohort) AS skipped_handoff
    FROM (SELECT * FROM cohort UNION ALL SELECT * FROM skipped)
        AS x (team_id, at, in_cohort, converted, window_closed)
    GROUP BY GROUPING SETS ((1, 2, x.team_id), (1, 2))
)
SELECT g.period_start, g.period_end, g.team_id, g.all_teams, g.cohort,
       g.decided, g.converted, g.pending, w.rate,
       -- Wilson score interval, z = 1.959963984540054
       (w.rate + z.z2 / (2 * g.decided)
        - z.z * sqrt(w.rate * (1 - w.rate) / g.decided
                     + z.z2 / (4 * g.decided ^ 2)))
       / (1 + z.z2 / g.decided) AS ci_low,
       (w.rate + z.z2 / (2 * g.decided)
        + z.z * sqrt(w.rate * (1 - w.rate) / g.decided
                     + z.z2 / (4 * g.decided ^ 2)))
       / (1 + z.z2 / g.decided) AS ci_high,
       g.pending = 0 AS cohort_decided, g.skipped_handoff
FROM g
CROSS JOIN (SELECT 1.959963984540054::double precision AS z,
                   1.959963984540054::double precision ^ 2 AS z2) AS z
CROSS JOIN LATERAL (SELECT g.converted::double precision
                           / nullif(g.decided, 0) AS rate) AS w;

-- Metric 2: pipeline attribution ---------------------------------------------

CREATE VIEW bench.plain_pipeline_attribution AS
WITH won AS (
    SELECT d.*,
           CASE WHEN d.currency = 'USD' THEN d.amount
                ELSE d.amount * (SELECT r.rate FROM alignment.fx_rate AS r
                                 WHERE r.currency = d.currency
                                   AND r.rate_date
                                       <= (d.closed_at AT TIME ZONE 'UTC')::date
                                 ORDER BY r.rate_date DESC LIMIT 1)
           END AS amount_base
    FROM alignment.deal AS d
    WHERE d.status = 'won' AND d.closed_at <= :'as_of'
),
verdict AS (
    SELECT w.*,
        CASE
            WHEN w.lead_id IS NULL
                 AND NOT EXISTS (SELECT FROM alignment.lead AS l
                                 WHERE l.account_id = w.account_id)
                THEN 'no linked lead'
            WHEN NOT EXISTS (SELECT FROM alignment.touch AS t
                             WHERE t.lead_id = w.lead_id
                               AND (btrim(t.campaign) <> ''
                                    OR btrim(t.channel) <> '')
                               AND t.touched_at <= :'as_of')
                 AND NOT EXISTS (SELECT FROM alignment.touch AS t
                                 JOIN alignment.lead AS l
                                   ON l.lead_id = t.lead_id
                                 WHERE l.account_id = w.account_id
                                   AND (btrim(t.campaign) <> ''
                                        OR btrim(t.channel) <> '')
                                   AND t.touched_at <= :'as_of')
                THEN 'no touch'
            WHEN w.created_at IS NULL THEN 'creation time unknown'
            WHEN EXISTS (SELECT FROM alignment.touch AS t
                         WHERE t.lead_id = w.lead_id
                           AND (btrim(t.campaign) <> ''
                                OR btrim(t.channel) <> '')
                           AND t.touched_at <= w.created_at
                           AND t.touched_at <= :'as_of')
                 OR EXISTS (SELECT FROM alignment.touch AS t
                            JOIN alignment.lead AS l ON l.lead_id = t.lead_id
                            WHERE l.account_id = w.account_id
                              AND (btrim(t.campaign) <> ''
                                   OR btrim(t.channel) <> '')
                              AND t.touched_at <= w.created_at
                              AND t.touched_at <= :'as_of')
                THEN 'attributed'
            ELSE 'touches only after creation'
        END AS attribution
    FROM won AS w
),
g AS (
    SELECT date_trunc('month', v.closed_at AT TIME ZONE 'UTC')::date
               AS period_start,
           (date_trunc('month', v.closed_at AT TIME ZONE 'UTC')
            + interval '1 month')::date - 1 AS period_end,
           v.team_id, grouping(v.team_id) = 1 AS all_teams,
           count(v.amount_base) > 0 AS amounted,
           count(*) AS won_deals,
           sum(v.amount_base) AS won_amount,
           count(*) FILTER (WHERE v.attribution = 'attributed') AS a_n,
           sum(v.amount_base) FILTER (WHERE v.attribution = 'attributed')
               AS a_amt,
           count(*) FILTER (WHERE v.attribution = 'no linked lead') AS l_n,
           sum(v.amount_base) FILTER (WHERE v.attribution = 'no linked lead')
               AS l_amt,
           count(*) FILTER (WHERE v.attribution = 'no touch') AS t_n,
           sum(v.amount_base) FILTER (WHERE v.attribution = 'no touch')
               AS t_amt,
           count(*) FILTER (WHERE v.attribution
                                  = 'touches only after creation') AS c_n,
           sum(v.amount_base) FILTER (WHERE v.attribution
                                            = 'touches only after creation')
               AS c_amt,
           count(*) FILTER (WHERE v.attribution = 'creation time unknown')
               AS u_n,
           sum(v.amount_base) FILTER (WHERE v.attribution
                                            = 'creation time unknown')
               AS u_amt,
           count(*) FILTER (WHERE v.amount IS NULL) AS deals_without_amount,
           count(*) FILTER (WHERE v.amount IS NOT NULL
                              AND v.amount_base IS NULL)
               AS deals_not_converted
    FROM verdict AS v
    GROUP BY GROUPING SETS ((1, 2, v.team_id), (1, 2))
)
SELECT g.period_start, g.period_end, g.team_id, g.all_teams, g.won_deals,
       g.won_amount,
       g.a_n AS attributed_deals,
       CASE WHEN g.amounted THEN coalesce(g.a_amt, 0) END
           AS attributed_amount,
       g.l_n AS no_lead_deals,
       CASE WHEN g.amounted THEN coalesce(g.l_amt, 0) END AS no_lead_amount,
       g.t_n AS no_touch_deals,
       CASE WHEN g.amounted THEN coalesce(g.t_amt, 0) END AS no_touch_amount,
       g.c_n AS after_creation_deals,
       CASE WHEN g.amounted THEN coalesce(g.c_amt, 0) END
           AS after_creation_amount,
       g.u_n AS unknown_creation_deals,
       CASE WHEN g.amounted THEN coalesce(g.u_amt, 0) END
           AS unknown_creation_amount,
       g.deals_without_amount, g.deals_not_converted,
       (coalesce(g.a_amt, 0)
        / nullif(g.won_amount - coalesce(g.u_amt, 0), 0))::double precision
           AS accuracy,
       g.a_n::double precision / nullif(g.won_deals - g.u_n, 0)
           AS deal_accuracy
FROM g;

-- Metric 3: ICP fit at handoff -----------------------------------------------

CREATE VIEW bench.plain_icp_fit_at_handoff AS
SELECT date_trunc('month', e.entered_at AT TIME ZONE 'UTC')::date
           AS period_start,
       (date_trunc('month', e.entered_at AT TIME ZONE 'UTC')
        + interval '1 month')::date - 1 AS period_end,
       l.team_id, grouping(l.team_id) = 1 AS all_teams,
       count(*) AS handoffs,
       count(e.fit_score) AS scored,
       avg(e.fit_score) AS mean_fit_score,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.fit_score)
           AS median_fit_score,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY e.fit_score)
           AS p25_fit_score,
       m.min_fit_score,
       CASE WHEN m.min_fit_score IS NOT NULL THEN
           count(*) FILTER (WHERE e.fit_score >= m.min_fit_score)
               ::double precision / nullif(count(e.fit_score), 0)
       END AS share_at_or_above_min,
       count(*) FILTER (WHERE e.icp_version_id IS NULL) AS no_icp_handoffs
FROM alignment.stage_event AS e
JOIN alignment.lead AS l ON l.lead_id = e.lead_id
LEFT JOIN alignment.stage AS m ON m.stage = 'mql'
WHERE e.stage = 'mql' AND e.entered_at <= :'as_of'
GROUP BY GROUPING SETS ((1, 2, m.min_fit_score, l.team_id),
                        (1, 2, m.min_fit_score));

-- Metric 4: follow-up compliance ---------------------------------------------

CREATE VIEW bench.plain_follow_up_compliance AS
WITH h AS (
    SELECT e.entered_at, l.team_id, s.follow_up_hours AS sla_hours,
           f.first_at,
           extract(epoch FROM f.first_at - e.entered_at) / 3600
               AS response_hours,
           s.follow_up_hours IS NOT NULL
               AND (f.first_at IS NOT NULL
                    OR e.entered_at + s.follow_up_hours * interval '1 hour'
                       <= :'as_of') AS due,
           f.first_at <= e.entered_at + s.follow_up_hours * interval '1 hour'
               AS in_time
    FROM alignment.stage_event AS e
    JOIN alignment.lead AS l ON l.lead_id = e.lead_id
    LEFT JOIN alignment.sla AS s ON s.team_id = l.team_id
    LEFT JOIN LATERAL (
        SELECT min(a.occurred_at) AS first_at
        FROM alignment.activity AS a
        WHERE a.lead_id = e.lead_id AND a.side = 'sales'
          AND a.occurred_at >= e.entered_at AND a.occurred_at <= :'as_of'
    ) AS f ON true
    WHERE e.stage = 'mql' AND e.entered_at <= :'as_of'
),
g AS (
    SELECT date_trunc('month', h.entered_at AT TIME ZONE 'UTC')::date
               AS period_start,
           (date_trunc('month', h.entered_at AT TIME ZONE 'UTC')
            + interval '1 month')::date - 1 AS period_end,
           h.team_id, grouping(h.team_id) = 1 AS all_teams,
           bool_or(h.sla_hours IS NOT NULL) AS has_sla,
           CASE WHEN grouping(h.team_id) = 0 THEN max(h.sla_hours) END
               AS sla_hours,
           count(*) AS mql_entries,
           count(*) FILTER (WHERE h.due) AS due,
           count(*) FILTER (WHERE h.due AND h.in_time) AS within_sla,
           count(*) FILTER (WHERE h.sla_hours IS NOT NULL AND NOT h.due)
               AS pending,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY h.response_hours)
               AS median_response_hours,
           count(*) FILTER (WHERE h.sla_hours IS NULL) AS no_sla_entries
    FROM h
    GROUP BY GROUPING SETS ((1, 2, h.team_id), (1, 2))
)
SELECT g.period_start, g.period_end, g.team_id, g.all_teams, g.has_sla,
       g.sla_hours, g.mql_entries,
       CASE WHEN g.has_sla THEN g.due END AS due,
       CASE WHEN g.has_sla THEN g.within_sla END AS within_sla,
       CASE WHEN g.has_sla THEN g.due - g.within_sla END AS breaches,
       CASE WHEN g.has_sla THEN g.pending END AS pending,
       CASE WHEN g.has_sla
            THEN g.within_sla::double precision / nullif(g.due, 0) END
           AS compliance,
       g.median_response_hours, g.no_sla_entries
FROM g;

-- Metric 5: time to close by persona ---------------------------------------

CREATE VIEW bench.plain_time_to_close AS
WITH won AS (
    SELECT d.*,
           extract(epoch FROM d.closed_at - d.created_at) / 86400
               AS days_to_close,
           CASE WHEN d.currency = 'USD' THEN d.amount
                ELSE d.amount * (SELECT r.rate FROM alignment.fx_rate AS r
                                 WHERE r.currency = d.currency
                                   AND r.rate_date
                                       <= (d.closed_at AT TIME ZONE 'UTC')::date
                                 ORDER BY r.rate_date DESC LIMIT 1)
           END AS amount_base
    FROM alignment.deal AS d
    WHERE d.status = 'won' AND d.closed_at <= :'as_of'
)
SELECT date_trunc('month', w.closed_at AT TIME ZONE 'UTC')::date
           AS period_start,
       (date_trunc('month', w.closed_at AT TIME ZONE 'UTC')
        + interval '1 month')::date - 1 AS period_end,
       w.team_id, grouping(w.team_id) = 1 AS all_teams,
       w.persona, grouping(w.persona) = 1 AS all_personas,
       count(*) AS won_deals,
       count(w.created_at) AS known_creation_deals,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY w.days_to_close)
           AS median_days_to_close,
       avg(w.days_to_close)::double precision AS mean_days_to_close,
       sum(w.amount_base) AS won_amount,
       count(*) FILTER (WHERE w.amount IS NULL) AS deals_without_amount,
       count(*) FILTER (WHERE w.amount IS NOT NULL AND w.amount_base IS NULL)
           AS deals_not_converted
FROM won AS w
GROUP BY GROUPING SETS ((1, 2, w.team_id, w.persona), (1, 2, w.persona),
                        (1, 2, w.team_id), (1, 2));

-- The alignment matrix -------------------------------------------------------

CREATE VIEW bench.plain_alignment_matrix AS
WITH handoff AS MATERIALIZED (
    SELECT date_trunc('month', e.entered_at AT TIME ZONE 'UTC')::date
               AS period_start,
           (date_trunc('month', e.entered_at AT TIME ZONE 'UTC')
            + interval '1 month')::date - 1 AS period_end,
           l.team_id, l.persona, e.icp_version_id, e.gate_passed,
           e.fit_score >= v.fit_threshold AS fit,
           s.follow_up_hours IS NULL AS no_sla,
           -- the first sales activity at or after the entry
           f.first_at,
           s.follow_up_hours IS NOT NULL
               AND (f.first_at IS NOT NULL
                    OR e.entered_at + s.follow_up_hours * interval '1 hour'
                       <= :'as_of') AS due,
           f.first_at <= e.entered_at + s.follow_up_hours * interval '1 hour'
               AS in_time,
           -- a sales disposition within the window, or the window closed
           EXISTS (SELECT FROM alignment.stage_event AS d
                   WHERE d.lead_id = e.lead_id
                     AND d.stage IN ('sql', 'opportunity', 'customer',
                                     'disqualified', 'recycled')
                     AND d.entered_at >= e.entered_at
                     AND d.entered_at <= e.entered_at + interval '2160 hours'
                     AND d.entered_at <= :'as_of') AS disposed,
           e.entered_at + interval '2160 hours' <= :'as_of' AS window_closed
    FROM alignment.stage_event AS e
    JOIN alignment.lead AS l ON l.lead_id = e.lead_id
    LEFT JOIN alignment.icp_version AS v
        ON v.icp_version_id = e.icp_version_id
    LEFT JOIN alignment.sla AS s ON s.team_id = l.team_id
    LEFT JOIN LATERAL (
        SELECT min(a.occurred_at) AS first_at
        FROM alignment.activity AS a
        WHERE a.lead_id = e.lead_id AND a.side = 'sales'
          AND a.occurred_at >= e.entered_at AND a.occurred_at <= :'as_of'
    ) AS f ON true
    WHERE e.stage = 'mql' AND e.entered_at <= :'as_of'
),
entry AS (
    SELECT h.period_start, h.period_end, h.team_id,
           grouping(h.team_id) = 1 AS all_teams,
           count(*) AS mql_entries,
           count(*) FILTER (WHERE h.icp_version_id IS NOT NULL)
               AS icp_entries,
           count(*) FILTER (WHERE h.fit) AS fit_entries,
           count(*) FILTER (WHERE h.gate_passed) AS passed_entries,
           count(*) FILTER (WHERE h.no_sla) AS no_sla_entries,
           count(*) FILTER (WHERE h.due) AS due_entries,
           count(*) FILTER (WHERE h.due AND h.in_time) AS within_entries,
           count(*) FILTER (WHERE h.disposed OR h.window_closed) AS decided,
           count(*) FILTER (WHERE h.disposed) AS disposed
    FROM handoff AS h
    GROUP BY GROUPING SETS ((h.period_start, h.period_end, h.team_id),
                            (h.period_start, h.period_end))
),
-- persona counts of the period's mql entries, per team and all teams
entry_persona AS (
    SELECT h.period_start, h.team_id, grouping(h.team_id) = 1 AS all_teams,
           h.persona, count(*) AS n
    FROM handoff AS h
    WHERE h.persona IS NOT NULL
    GROUP BY GROUPING SETS ((h.period_start, h.team_id, h.persona),
                            (h.period_start, h.persona))
),
-- each lead's first entry into sql or later, and whether mql came first
acceptance AS (
    SELECT date_trunc('month', f.sql_at AT TIME ZONE 'UTC')::date
               AS period_start,
           (date_trunc('month', f.sql_at AT TIME ZONE 'UTC')
            + interval '1 month')::date - 1 AS period_end,
           f.team_id, grouping(f.team_id) = 1 AS all_teams,
           count(*) AS sql_entries,
           count(*) FILTER (WHERE EXISTS (
               SELECT FROM alignment.stage_event AS m
               WHERE m.lead_id = f.lead_id AND m.stage = 'mql'
                 AND m.entered_at <= f.sql_at)) AS through_mql
    FROM (SELECT e.lead_id, l.team_id, min(e.entered_at) AS sql_at
          FROM alignment.stage_event AS e
          JOIN alignment.lead AS l ON l.lead_id = e.lead_id
          WHERE e.stage IN ('sql', 'opportunity', 'customer')
            AND e.entered_at <= :'as_of'
          GROUP BY e.lead_id, l.team_id) AS f
    GROUP BY GROUPING SETS ((1, 2, f.team_id), (1, 2))
),
spine AS (
    SELECT period_start, period_end, team_id, all_teams FROM entry
    UNION
    SELECT period_start, period_end, team_id, all_teams FROM acceptance
),
-- persona counts of the deals won in the 12 months up to each period's end
won_persona AS (
    SELECT s.period_start, s.team_id, s.all_teams, d.persona,
           count(*) AS n
    FROM spine AS s
    JOIN alignment.deal AS d
      ON (s.all_teams OR d.team_id = s.team_id)
     AND (d.closed_at AT TIME ZONE 'UTC')::date <= s.period_end
     AND (d.closed_at AT TIME ZONE 'UTC')::date
         >= (s.period_end + 1) - interval '12 months'
    WHERE d.status = 'won' AND d.closed_at <= :'as_of'
      AND d.persona IS NOT NULL
    GROUP BY s.period_start, s.team_id, s.all_teams, d.persona
),
-- Jensen-Shannon distance (base 2) between the two persona mixes
mix AS (
    SELECT coalesce(p.period_start, q.period_start) AS period_start,
           coalesce(p.team_id, q.team_id) AS team_id,
           coalesce(p.all_teams, q.all_teams) AS all_teams,
           coalesce(p.n, 0)::double precision
               / nullif(sum(coalesce(p.n, 0)) OVER w, 0) AS p,
           coalesce(q.n, 0)::double precision
               / nullif(sum(coalesce(q.n, 0)) OVER w, 0) AS q
    FROM entry_persona AS p
    FULL JOIN won_persona AS q
      ON q.period_start = p.period_start AND q.all_teams = p.all_teams
     AND q.team_id IS NOT DISTINCT FROM p.team_id AND q.persona = p.persona
    WINDOW w AS (PARTITION BY coalesce(p.period_start, q.period_start),
                              coalesce(p.team_id, q.team_id),
                              coalesce(p.all_teams, q.all_teams))
),
similarity AS (
    SELECT m.period_start, m.team_id, m.all_teams,
           1 - sqrt(greatest(
               0.5 * sum(CASE WHEN m.p > 0
                              THEN m.p * ln(m.p / ((m.p + m.q) / 2)) / ln(2)
                              ELSE 0 END)
               + 0.5 * sum(CASE WHEN m.q > 0
                                THEN m.q * ln(m.q / ((m.p + m.q) / 2)) / ln(2)
                                ELSE 0 END), 0))::double precision
               AS persona_mix_similarity
    FROM mix AS m
    GROUP BY m.period_start, m.team_id, m.all_teams
    -- both mixes must have something
    HAVING sum(m.p) IS NOT NULL AND sum(m.q) IS NOT NULL
),
component AS (
    SELECT s.period_start, s.period_end, s.team_id, s.all_teams,
           coalesce(e.mql_entries, 0) AS mql_entries,
           sim.persona_mix_similarity,
           e.fit_entries::double precision / e.mql_entries AS icp_fit_share,
           e.passed_entries::double precision / e.mql_entries
               AS gate_compliance,
           e.within_entries::double precision
               / nullif(e.due_entries + e.no_sla_entries, 0)
               AS follow_up_compliance,
           e.disposed::double precision / nullif(e.decided, 0)
               AS disposition_coverage,
           coalesce(e.decided, 0) AS decided_mql_entries,
           a.through_mql::double precision / a.sql_entries
               AS handoff_discipline
    FROM spine AS s
    LEFT JOIN entry AS e
      ON e.period_start = s.period_start AND e.all_teams = s.all_teams
     AND e.team_id IS NOT DISTINCT FROM s.team_id
    LEFT JOIN acceptance AS a
      ON a.period_start = s.period_start AND a.all_teams = s.all_teams
     AND a.team_id IS NOT DISTINCT FROM s.team_id
    LEFT JOIN similarity AS sim
      ON sim.period_start = s.period_start AND sim.all_teams = s.all_teams
     AND sim.team_id IS NOT DISTINCT FROM s.team_id
),
indexed AS (
    SELECT c.*,
           (coalesce(c.persona_mix_similarity, 0) + coalesce(c.icp_fit_share, 0))
           / nullif((c.persona_mix_similarity IS NOT NULL)::int
                    + (c.icp_fit_share IS NOT NULL)::int, 0)
               AS persona_agreement,
           (coalesce(c.gate_compliance, 0) + coalesce(c.follow_up_compliance, 0)
            + coalesce(c.disposition_coverage, 0)
            + coalesce(c.handoff_discipline, 0))
           / nullif((c.gate_compliance IS NOT NULL)::int
                    + (c.follow_up_compliance IS NOT NULL)::int
                    + (c.disposition_coverage IS NOT NULL)::int
                    + (c.handoff_discipline IS NOT NULL)::int, 0)
               AS lifecycle_clarity
    FROM component AS c
)
SELECT i.period_start, i.period_end, i.team_id, i.all_teams, i.mql_entries,
       i.persona_mix_similarity, i.icp_fit_share, i.persona_agreement,
       i.gate_compliance, i.follow_up_compliance, i.disposition_coverage,
       i.handoff_discipline, i.lifecycle_clarity,
       CASE WHEN i.persona_agreement IS NULL OR i.lifecycle_clarity IS NULL
                THEN NULL
            WHEN i.persona_agreement >= 0.6
                THEN CASE WHEN i.lifecycle_clarity >= 0.6 THEN 4 ELSE 2 END
            ELSE CASE WHEN i.lifecycle_clarity >= 0.6 THEN 3 ELSE 1 END
       END AS cell,
       i.decided_mql_entries,
       i.decided_mql_entries < 30 AS low_confidence
FROM indexed AS i;
