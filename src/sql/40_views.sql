-- src/sql/40_views.sql: the five metric views and the alignment matrix.
--
-- Layout. Row-level views hold every rule that more than one metric needs,
-- so each rule is written once:
--
--   lifecycle_entry  every stage entry up to as_of, with the lead's team and
--                    persona, the stage's role flags and, from one pass of
--                    window functions per lead, whether it is the lead's
--                    first handoff (mql) entry, whether it is the lead's
--                    first entry into sql-or-later, whether an mql entry
--                    came at or before it, and the next sql-or-later and
--                    next disposition entries at or after it;
--   handoff_entry    the mql entries among them, with the frozen ICP fit,
--                    the gate, the team's SLA and the first sales follow-up;
--   won_deal         won deals closed up to as_of, with the amount in the
--                    base currency and the days to close;
--   won_deal_attribution  the same deals with the attribution verdict;
--   persona_mix      per team, period and persona, the period's mql entries
--                    and the deals won in the persona lookback up to the
--                    period's end (the matrix and persona_reconciliation).
--
-- The metric views aggregate those rows with GROUPING SETS: one row per
-- team and period, and an all-teams row (team_id NULL, all_teams true).
-- Nothing that happened after alignment.as_of() is counted, so setting
-- alignment.as_of replays the metrics as they stood at that time.
--
-- Functions here have SQL-standard bodies (RETURN ...): they are parsed
-- once, when created, so the caller's search_path cannot change what they
-- call, and the simple ones are inlined into the views by the planner.
-- Every name is qualified all the same.

-- Helpers -----------------------------------------------------------------

CREATE FUNCTION alignment.as_of()
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN COALESCE(CAST(NULLIF(alignment.setting('as_of'), '')
                     AS pg_catalog.timestamptz),
                pg_catalog.now());
COMMENT ON FUNCTION alignment.as_of() IS
'The time the metrics are computed at: the setting alignment.as_of when set, otherwise now(). Events after it are not counted.';

CREATE FUNCTION alignment.period_start(ts timestamptz)
RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN CAST(pg_catalog.date_trunc(alignment.setting('period'),
                pg_catalog.timezone(alignment.setting('business_timezone'), ts))
            AS pg_catalog.date);
COMMENT ON FUNCTION alignment.period_start(timestamptz) IS
'First day of the reporting period (alignment.period: week starting Monday, month, quarter or year) that contains ts, in the business time zone (alignment.business_timezone).';

-- Not declared STRICT, so that the planner inlines it (a CASE is not
-- strict); a NULL ts still gives NULL.
CREATE FUNCTION alignment.period_end(ts timestamptz)
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CAST(alignment.period_start(ts)
            + CASE alignment.setting('period')
                WHEN 'week' THEN CAST('7 days' AS pg_catalog.interval)
                WHEN 'month' THEN CAST('1 month' AS pg_catalog.interval)
                WHEN 'quarter' THEN CAST('3 months' AS pg_catalog.interval)
                ELSE CAST('1 year' AS pg_catalog.interval)
              END
            AS pg_catalog.date) - 1;
COMMENT ON FUNCTION alignment.period_end(timestamptz) IS
'Last day (inclusive) of the reporting period that contains ts, in the business time zone.';

CREATE FUNCTION alignment.persona_lookback()
RETURNS interval
LANGUAGE sql STABLE PARALLEL SAFE
RETURN pg_catalog.make_interval(months =>
           CAST(alignment.setting('persona_lookback_months')
                AS pg_catalog.int4));
COMMENT ON FUNCTION alignment.persona_lookback() IS
'The closed-won lookback: alignment.persona_lookback_months months, as an interval. The persona mix compares a period''s mql entries with the deals won in the lookback up to the period''s end; the ICP evidence views take the deals and leads of the lookback up to as_of.';

CREATE FUNCTION alignment.in_base_currency(amount numeric, currency text,
                                           ts timestamptz)
RETURNS numeric
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN CASE
    WHEN currency = alignment.setting('base_currency') THEN amount
    ELSE amount * (
        SELECT r.rate
        FROM alignment.fx_rate AS r
        WHERE r.currency = in_base_currency.currency
          AND r.rate_date <= CAST(pg_catalog.timezone(
                  alignment.setting('business_timezone'), ts)
                  AS pg_catalog.date)
        ORDER BY r.rate_date DESC
        LIMIT 1)
END;
COMMENT ON FUNCTION alignment.in_base_currency(numeric, text, timestamptz) IS
'An amount in currency converted to the base currency (alignment.base_currency) at the latest rate of alignment.fx_rate on or before the date of ts in the business time zone; NULL when there is no such rate.';

CREATE FUNCTION alignment.mean_of_known(VARIADIC parts double precision[])
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT pg_catalog.avg(p) FROM pg_catalog.unnest(parts) AS p);
COMMENT ON FUNCTION alignment.mean_of_known(double precision[]) IS
'Mean of the arguments that are not NULL; NULL when all are. Combines the components of persona agreement and lifecycle clarity.';

CREATE FUNCTION alignment.amount_note(deals bigint, without_amount bigint,
                                      not_converted bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE
    WHEN without_amount = deals THEN 'deals carry no amount'
    WHEN without_amount + not_converted = deals
        THEN 'no exchange rate to ' || alignment.setting('base_currency')
             || ' for the deals'' currencies'
    ELSE NULLIF(pg_catalog.concat_ws('; ',
        CASE WHEN without_amount > 0
            THEN 'deals without an amount left out: ' || without_amount END,
        CASE WHEN not_converted > 0
            THEN 'deals with no exchange rate to '
                 || alignment.setting('base_currency') || ' left out: '
                 || not_converted END),
        '')
END;
COMMENT ON FUNCTION alignment.amount_note(bigint, bigint, bigint) IS
'Explains a missing or partial won amount: why the amounts of some or all of the deals could not be summed in the base currency.';

-- Row-level views -----------------------------------------------------------

CREATE VIEW alignment.lifecycle_entry AS
SELECT
    e.event_id,
    e.lead_id,
    l.team_id,
    l.persona,
    e.stage,
    e.entered_at,
    alignment.period_start(e.entered_at) AS period_start,
    alignment.period_end(e.entered_at) AS period_end,
    f.is_handoff,
    f.is_accepted,
    f.is_disposition,
    f.is_handoff
        AND pg_catalog.count(*) FILTER (WHERE f.is_handoff) OVER past = 1
        AS first_handoff,
    f.is_accepted
        AND pg_catalog.count(*) FILTER (WHERE f.is_accepted) OVER seq = 1
        AS first_accepted,
    pg_catalog.count(*) FILTER (WHERE f.is_handoff) OVER past > 0
        AS through_handoff,
    pg_catalog.min(e.entered_at) FILTER (WHERE f.is_accepted) OVER future
        AS next_accepted_at,
    pg_catalog.min(e.entered_at) FILTER (WHERE f.is_disposition) OVER future
        AS next_disposition_at,
    e.fit_score,
    e.icp_version_id,
    e.gate_passed
FROM alignment.stage_event AS e
JOIN alignment.lead AS l ON l.lead_id = e.lead_id
JOIN alignment.stage AS s ON s.stage = e.stage
LEFT JOIN alignment.stage AS a ON a.role = 'acceptance'
CROSS JOIN LATERAL (VALUES (
    COALESCE(s.role = 'handoff', false),
    COALESCE(s.position >= a.position, false),
    COALESCE(s.position >= a.position
             OR s.role IN ('disqualified', 'recycled'), false)
)) AS f (is_handoff, is_accepted, is_disposition)
WHERE e.entered_at <= alignment.as_of()
WINDOW past AS (PARTITION BY e.lead_id ORDER BY e.entered_at
                RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
       future AS (PARTITION BY e.lead_id ORDER BY e.entered_at
                  RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING),
       seq AS (PARTITION BY e.lead_id ORDER BY e.entered_at, e.event_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

COMMENT ON VIEW alignment.lifecycle_entry IS
'Every lifecycle stage entry up to as_of, with what the metrics need to know about its place in the lead''s history. Stage roles come from alignment.stage: "sql-or-later" is the acceptance stage and every stage with a higher position.';
COMMENT ON COLUMN alignment.lifecycle_entry.event_id IS 'Stage event id (alignment.stage_event).';
COMMENT ON COLUMN alignment.lifecycle_entry.lead_id IS 'Lead that entered the stage.';
COMMENT ON COLUMN alignment.lifecycle_entry.team_id IS 'Team of the lead.';
COMMENT ON COLUMN alignment.lifecycle_entry.persona IS 'Persona marketing tagged the lead with.';
COMMENT ON COLUMN alignment.lifecycle_entry.stage IS 'Stage entered.';
COMMENT ON COLUMN alignment.lifecycle_entry.entered_at IS 'When the lead entered the stage.';
COMMENT ON COLUMN alignment.lifecycle_entry.period_start IS 'First day of the reporting period of entered_at (business time zone).';
COMMENT ON COLUMN alignment.lifecycle_entry.period_end IS 'Last day of the reporting period of entered_at (business time zone).';
COMMENT ON COLUMN alignment.lifecycle_entry.is_handoff IS 'True for an entry into the handoff stage (role handoff, mql by default).';
COMMENT ON COLUMN alignment.lifecycle_entry.is_accepted IS 'True for an entry into sql-or-later: the acceptance stage or a stage with a higher position.';
COMMENT ON COLUMN alignment.lifecycle_entry.is_disposition IS 'True for an entry into a sales disposition: sql-or-later, disqualified or recycled.';
COMMENT ON COLUMN alignment.lifecycle_entry.first_handoff IS 'True for the lead''s first entry into the handoff stage: the entry that puts it in an MQL cohort.';
COMMENT ON COLUMN alignment.lifecycle_entry.first_accepted IS 'True for the lead''s first entry into sql-or-later.';
COMMENT ON COLUMN alignment.lifecycle_entry.through_handoff IS 'True when the lead had entered the handoff stage at or before this entry.';
COMMENT ON COLUMN alignment.lifecycle_entry.next_accepted_at IS 'First entry of the lead into sql-or-later at or after this entry, up to as_of.';
COMMENT ON COLUMN alignment.lifecycle_entry.next_disposition_at IS 'First entry of the lead into a sales disposition (sql-or-later, disqualified, recycled) at or after this entry, up to as_of.';
COMMENT ON COLUMN alignment.lifecycle_entry.fit_score IS 'ICP fit score frozen when the entry was recorded, for the handoff stage and any stage with a minimum fit score; NULL otherwise and when no ICP was in force.';
COMMENT ON COLUMN alignment.lifecycle_entry.icp_version_id IS 'ICP version in force at the entry, frozen with the score.';
COMMENT ON COLUMN alignment.lifecycle_entry.gate_passed IS 'Whether the entry met the stage''s documented entry criteria; NULL when the stage documents none.';

CREATE VIEW alignment.handoff_entry AS
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
    d.follow_up_due,
    CASE WHEN d.follow_up_due
        THEN COALESCE(r.first_sales_activity_at <= d.sla_deadline, false)
    END AS within_sla
FROM alignment.lifecycle_entry AS h
LEFT JOIN alignment.icp_version AS v ON v.icp_version_id = h.icp_version_id
LEFT JOIN alignment.sla AS sla ON sla.team_id = h.team_id
CROSS JOIN LATERAL (
    SELECT pg_catalog.min(act.occurred_at) AS first_sales_activity_at
    FROM alignment.activity AS act
    WHERE act.lead_id = h.lead_id
      AND act.side = 'sales'
      AND act.occurred_at >= h.entered_at
      AND act.occurred_at <= alignment.as_of()
) AS r
CROSS JOIN LATERAL (
    SELECT
        dl.sla_deadline,
        dl.sla_deadline IS NOT NULL
            AND (r.first_sales_activity_at IS NOT NULL
                 OR dl.sla_deadline <= alignment.as_of()) AS follow_up_due
    FROM (VALUES (h.entered_at
                  + pg_catalog.make_interval(
                        secs => CAST(sla.follow_up_hours * 3600
                                     AS double precision))))
        AS dl (sla_deadline)
) AS d
WHERE h.is_handoff;

COMMENT ON VIEW alignment.handoff_entry IS
'One row per entry into the handoff stage (mql) up to as_of: the frozen ICP fit, the gate, the team''s SLA and the first sales follow-up. Drill-down for metrics 1, 3 and 4 and the matrix.';
COMMENT ON COLUMN alignment.handoff_entry.event_id IS 'Stage event id of the mql entry.';
COMMENT ON COLUMN alignment.handoff_entry.lead_id IS 'Lead handed off.';
COMMENT ON COLUMN alignment.handoff_entry.team_id IS 'Team of the lead.';
COMMENT ON COLUMN alignment.handoff_entry.persona IS 'Persona marketing tagged the lead with.';
COMMENT ON COLUMN alignment.handoff_entry.entered_at IS 'When the lead entered mql.';
COMMENT ON COLUMN alignment.handoff_entry.period_start IS 'First day of the reporting period of entered_at (business time zone).';
COMMENT ON COLUMN alignment.handoff_entry.period_end IS 'Last day of the reporting period of entered_at (business time zone).';
COMMENT ON COLUMN alignment.handoff_entry.first_entry IS 'True for the lead''s first mql entry (a regressed lead entering mql again is not a new cohort member).';
COMMENT ON COLUMN alignment.handoff_entry.accepted_at IS 'First entry into sql-or-later at or after this mql entry, up to as_of.';
COMMENT ON COLUMN alignment.handoff_entry.disposed_at IS 'First entry into a sales disposition (sql-or-later, disqualified or recycled) at or after this mql entry, up to as_of.';
COMMENT ON COLUMN alignment.handoff_entry.fit_score IS 'ICP fit score (0 to 100) frozen at the handoff; NULL when no ICP was in force or no criterion could be scored.';
COMMENT ON COLUMN alignment.handoff_entry.icp_version_id IS 'ICP version in force at the handoff; NULL when none was.';
COMMENT ON COLUMN alignment.handoff_entry.fit_threshold IS 'Fit threshold of that ICP version.';
COMMENT ON COLUMN alignment.handoff_entry.meets_fit_threshold IS 'fit_score >= fit_threshold; NULL when not scored.';
COMMENT ON COLUMN alignment.handoff_entry.gate_passed IS 'Whether the entry met the mql stage''s documented entry criteria; NULL when the stage documents none.';
COMMENT ON COLUMN alignment.handoff_entry.sla_hours IS 'Follow-up hours of the team''s SLA; NULL when the team has no SLA.';
COMMENT ON COLUMN alignment.handoff_entry.sla_deadline IS 'entered_at plus the SLA hours; NULL when the team has no SLA.';
COMMENT ON COLUMN alignment.handoff_entry.first_sales_activity_at IS 'First sales activity on the lead at or after the entry, up to as_of.';
COMMENT ON COLUMN alignment.handoff_entry.response_hours IS 'Hours from the entry to the first sales activity; NULL when not followed up yet.';
COMMENT ON COLUMN alignment.handoff_entry.follow_up_due IS 'True when the team has an SLA and the entry was followed up or its deadline passed by as_of: the entries follow-up compliance counts.';
COMMENT ON COLUMN alignment.handoff_entry.within_sla IS 'For a due entry, whether the first sales activity came at or before the deadline; NULL when not due.';

CREATE VIEW alignment.won_deal AS
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
    alignment.in_base_currency(d.amount, d.currency, d.closed_at)
        AS amount_base,
    pg_catalog.date_part('epoch', d.closed_at - d.created_at) / 86400
        AS days_to_close
FROM alignment.deal AS d
WHERE d.status = 'won'
  AND d.closed_at <= alignment.as_of();

COMMENT ON VIEW alignment.won_deal IS
'One row per deal won up to as_of, with its amount in the base currency and its days to close. Drill-down for metric 5 and the matrix''s persona mix.';
COMMENT ON COLUMN alignment.won_deal.deal_id IS 'Deal id.';
COMMENT ON COLUMN alignment.won_deal.team_id IS 'Team that owns the deal.';
COMMENT ON COLUMN alignment.won_deal.lead_id IS 'Lead the deal came from, when linked.';
COMMENT ON COLUMN alignment.won_deal.account_id IS 'Account of the deal, when known.';
COMMENT ON COLUMN alignment.won_deal.persona IS 'Persona sales tagged the buyer with.';
COMMENT ON COLUMN alignment.won_deal.created_at IS 'When the deal was created; NULL when the export does not say.';
COMMENT ON COLUMN alignment.won_deal.closed_at IS 'When the deal was won.';
COMMENT ON COLUMN alignment.won_deal.period_start IS 'First day of the reporting period of closed_at (business time zone).';
COMMENT ON COLUMN alignment.won_deal.period_end IS 'Last day of the reporting period of closed_at (business time zone).';
COMMENT ON COLUMN alignment.won_deal.amount IS 'Deal amount in its own currency.';
COMMENT ON COLUMN alignment.won_deal.currency IS 'Currency of amount.';
COMMENT ON COLUMN alignment.won_deal.amount_base IS 'Amount in the base currency at the rate of the close date; NULL when the deal has no amount or there is no rate on or before that date.';
COMMENT ON COLUMN alignment.won_deal.days_to_close IS 'Days from creation to close (fractional); NULL when the creation time is unknown.';

-- Set-based rather than a lookup per deal: the first qualifying touch of
-- every lead, then of every account, each computed in one pass.
CREATE VIEW alignment.won_deal_attribution AS
WITH lead_touch AS (
    SELECT t.lead_id, pg_catalog.min(t.touched_at) AS first_touch_at
    FROM alignment.touch AS t
    WHERE (pg_catalog.btrim(t.campaign) <> ''
           OR pg_catalog.btrim(t.channel) <> '')
      AND t.touched_at <= alignment.as_of()
    GROUP BY t.lead_id
),
account_touch AS (
    SELECT l.account_id, pg_catalog.min(lt.first_touch_at) AS first_touch_at
    FROM alignment.lead AS l
    LEFT JOIN lead_touch AS lt ON lt.lead_id = l.lead_id
    WHERE l.account_id IS NOT NULL
    GROUP BY l.account_id
)
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
LEFT JOIN lead_touch AS lt ON lt.lead_id = w.lead_id
LEFT JOIN account_touch AS act ON act.account_id = w.account_id
CROSS JOIN LATERAL (VALUES (
    w.lead_id IS NOT NULL OR act.account_id IS NOT NULL,
    LEAST(lt.first_touch_at, act.first_touch_at)
)) AS k (has_linked_lead, first_touch_at);

COMMENT ON VIEW alignment.won_deal_attribution IS
'One row per deal won up to as_of and why it is or is not attributed to marketing: a touch naming a campaign or a channel, on the deal''s lead or on any lead of its account, at or before the deal was created. Drill-down for metric 2.';
COMMENT ON COLUMN alignment.won_deal_attribution.deal_id IS 'Deal id.';
COMMENT ON COLUMN alignment.won_deal_attribution.team_id IS 'Team that owns the deal.';
COMMENT ON COLUMN alignment.won_deal_attribution.lead_id IS 'Lead the deal came from, when linked.';
COMMENT ON COLUMN alignment.won_deal_attribution.account_id IS 'Account of the deal, when known.';
COMMENT ON COLUMN alignment.won_deal_attribution.created_at IS 'When the deal was created; NULL when the export does not say.';
COMMENT ON COLUMN alignment.won_deal_attribution.closed_at IS 'When the deal was won.';
COMMENT ON COLUMN alignment.won_deal_attribution.period_start IS 'First day of the reporting period of closed_at (business time zone).';
COMMENT ON COLUMN alignment.won_deal_attribution.period_end IS 'Last day of the reporting period of closed_at (business time zone).';
COMMENT ON COLUMN alignment.won_deal_attribution.amount IS 'Deal amount in its own currency.';
COMMENT ON COLUMN alignment.won_deal_attribution.currency IS 'Currency of amount.';
COMMENT ON COLUMN alignment.won_deal_attribution.amount_base IS 'Amount in the base currency at the rate of the close date; NULL when it cannot be converted.';
COMMENT ON COLUMN alignment.won_deal_attribution.has_linked_lead IS 'Whether the deal has a lead of its own or its account has leads.';
COMMENT ON COLUMN alignment.won_deal_attribution.first_touch_at IS 'Earliest touch naming a campaign or a channel on any linked lead, up to as_of.';
COMMENT ON COLUMN alignment.won_deal_attribution.attribution IS 'attributed (a touch at or before creation), or why not: no linked lead, no touch, touches only after creation, creation time unknown (touches exist but cannot be placed against creation).';

-- The persona mix: per team and period (and all teams) and per persona,
-- the period's mql entries (the persona marketing tagged the lead with)
-- and the deals won in the persona lookback up to the period's end (the
-- persona sales tagged the buyer with). Read by the matrix's persona mix
-- similarity and by alignment.persona_reconciliation.
CREATE VIEW alignment.persona_mix AS
WITH entry AS (
    -- Reads only the columns lifecycle_entry computes without its window
    -- functions, which the planner then leaves out.
    SELECT e.period_start, e.period_end, e.team_id,
           GROUPING(e.team_id) = 1 AS all_teams, e.persona,
           pg_catalog.count(*) AS n
    FROM alignment.lifecycle_entry AS e
    WHERE e.is_handoff
    GROUP BY GROUPING SETS (
        (e.period_start, e.period_end, e.team_id, e.persona),
        (e.period_start, e.period_end, e.persona))
),
spine AS (
    -- every team and period with mql entries, the all-teams rows, and the
    -- first day of each one's lookback
    SELECT DISTINCT x.period_start, x.period_end, x.team_id, x.all_teams,
           CAST((x.period_end + 1) - alignment.persona_lookback()
                AS pg_catalog.date) AS lookback_start
    FROM entry AS x
),
-- Won deals counted per team, persona and local close day, so that each
-- period's lookback sums a few rows.
won_day AS MATERIALIZED (
    SELECT d.team_id, d.persona,
           CAST(pg_catalog.timezone(alignment.setting('business_timezone'),
                                    d.closed_at) AS pg_catalog.date) AS day,
           pg_catalog.count(*) AS n
    FROM alignment.won_deal AS d
    GROUP BY 1, 2, 3
),
won AS (
    SELECT s.period_start, s.period_end, s.team_id, s.all_teams, w.persona,
           w.n
    FROM spine AS s
    CROSS JOIN LATERAL (
        SELECT d.persona, pg_catalog.sum(d.n) AS n
        FROM won_day AS d
        WHERE (s.all_teams OR d.team_id = s.team_id)
          AND d.day >= s.lookback_start
          AND d.day <= s.period_end
        GROUP BY d.persona
    ) AS w
)
SELECT
    t.period_start,
    t.period_end,
    t.team_id,
    t.all_teams,
    t.persona,
    CAST(pg_catalog.sum(t.mql_n) AS pg_catalog.int8) AS mql_entries,
    CAST(pg_catalog.sum(t.won_n) AS pg_catalog.int8) AS won_deals
FROM (
    SELECT x.period_start, x.period_end, x.team_id, x.all_teams, x.persona,
           x.n AS mql_n, 0 AS won_n
    FROM entry AS x
    UNION ALL
    SELECT w.period_start, w.period_end, w.team_id, w.all_teams, w.persona,
           0, w.n
    FROM won AS w
) AS t
GROUP BY t.period_start, t.period_end, t.team_id, t.all_teams, t.persona;

COMMENT ON VIEW alignment.persona_mix IS
'The persona mix per team and period with mql entries (and all teams): one row per persona (and one with a NULL persona for the untagged) counting the period''s mql entries whose lead marketing tagged with it and the deals won in the alignment.persona_lookback_months months up to the period''s end that sales tagged with it. Drill-down for the matrix''s persona mix similarity and the rows of alignment.persona_reconciliation.';
COMMENT ON COLUMN alignment.persona_mix.period_start IS 'First day of the period of the mql entries (business time zone).';
COMMENT ON COLUMN alignment.persona_mix.period_end IS 'Last day of the period (inclusive); the lookback ends with it.';
COMMENT ON COLUMN alignment.persona_mix.team_id IS 'Team; NULL on the all-teams rows.';
COMMENT ON COLUMN alignment.persona_mix.all_teams IS 'True on the rows that count every team together.';
COMMENT ON COLUMN alignment.persona_mix.persona IS 'Persona, as marketing tags leads and sales tags buyers; NULL on the row of the untagged entries and deals.';
COMMENT ON COLUMN alignment.persona_mix.mql_entries IS 'mql entries of the period whose lead carries the persona (every entry, re-entries included).';
COMMENT ON COLUMN alignment.persona_mix.won_deals IS 'Deals won in the lookback months up to the period''s end (local close day from the first day of the lookback to period_end) that carry the persona.';

-- Metric 1: MQL-to-SQL conversion ----------------------------------------

CREATE VIEW alignment.mql_conversion AS
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
            alignment.as_of()) FILTER (WHERE e.first_handoff) AS c,
        pg_catalog.count(*) FILTER (WHERE e.first_accepted
                                    AND NOT e.through_handoff)
            AS skipped_handoff
    FROM alignment.lifecycle_entry AS e
    WHERE e.first_handoff OR (e.first_accepted AND NOT e.through_handoff)
    GROUP BY GROUPING SETS ((e.period_start, e.period_end, e.team_id),
                            (e.period_start, e.period_end))
) AS g;

COMMENT ON VIEW alignment.mql_conversion IS
'Metric 1, MQL-to-SQL conversion per team and period (and all teams). Cohort: leads whose first mql entry falls in the period. Converted: entered sql or a later stage at or after that entry, within alignment.conversion_window_days days. The rate counts decided leads only; pending leads are reported apart.';
COMMENT ON COLUMN alignment.mql_conversion.cohort IS 'Leads whose first mql entry falls in the period (decided + pending).';
COMMENT ON COLUMN alignment.mql_conversion.decided IS 'Cohort leads that converted or whose conversion window closed by as_of.';
COMMENT ON COLUMN alignment.mql_conversion.converted IS 'Cohort leads that entered sql-or-later within the window.';
COMMENT ON COLUMN alignment.mql_conversion.pending IS 'Cohort leads not converted whose window is still open at as_of.';
COMMENT ON COLUMN alignment.mql_conversion.rate IS 'converted / decided; NULL when no lead is decided.';
COMMENT ON COLUMN alignment.mql_conversion.ci_low IS 'Lower bound of the 95 % Wilson score interval of rate.';
COMMENT ON COLUMN alignment.mql_conversion.ci_high IS 'Upper bound of the 95 % Wilson score interval of rate.';
COMMENT ON COLUMN alignment.mql_conversion.cohort_decided IS 'True when no cohort lead is pending: the rate of the period is final.';
COMMENT ON COLUMN alignment.mql_conversion.skipped_handoff IS 'Leads whose first sql-or-later entry falls in the period without any mql entry at or before it: they skipped the handoff and are never counted as conversions.';

-- Metric 2: pipeline attribution accuracy --------------------------------

CREATE VIEW alignment.pipeline_attribution AS
SELECT
    g.period_start,
    g.period_end,
    alignment.setting('period') AS period_unit,
    g.team_id,
    g.all_teams,
    alignment.setting('base_currency') AS base_currency,
    g.won_deals,
    g.won_amount,
    g.attributed_deals,
    CASE WHEN g.amounted THEN COALESCE(g.attributed_amount, 0)
        END AS attributed_amount,
    g.no_lead_deals,
    CASE WHEN g.amounted THEN COALESCE(g.no_lead_amount, 0)
        END AS no_lead_amount,
    g.no_touch_deals,
    CASE WHEN g.amounted THEN COALESCE(g.no_touch_amount, 0)
        END AS no_touch_amount,
    g.after_creation_deals,
    CASE WHEN g.amounted THEN COALESCE(g.after_creation_amount, 0)
        END AS after_creation_amount,
    g.unknown_creation_deals,
    CASE WHEN g.amounted THEN COALESCE(g.unknown_creation_amount, 0)
        END AS unknown_creation_amount,
    g.deals_without_amount,
    g.deals_not_converted,
    CAST(COALESCE(g.attributed_amount, 0)
         / NULLIF(g.won_amount - COALESCE(g.unknown_creation_amount, 0), 0)
         AS double precision) AS accuracy,
    CAST(g.attributed_deals AS double precision)
        / NULLIF(g.won_deals - g.unknown_creation_deals, 0) AS deal_accuracy,
    NULLIF(pg_catalog.concat_ws('; ',
        CASE WHEN g.won_deals = g.no_lead_deals
                THEN 'no deal has a linked lead'
             WHEN g.won_deals = g.unknown_creation_deals
                THEN 'deal creation time unknown'
             WHEN g.unknown_creation_deals > 0
                THEN 'touched deals of unknown creation time left out of '
                     || 'accuracy: '
                     || g.unknown_creation_deals
        END,
        alignment.amount_note(g.won_deals, g.deals_without_amount,
                              g.deals_not_converted)),
        '') AS note
FROM (
    SELECT
        w.period_start,
        w.period_end,
        w.team_id,
        GROUPING(w.team_id) = 1 AS all_teams,
        pg_catalog.count(w.amount_base) > 0 AS amounted,
        pg_catalog.count(*) AS won_deals,
        pg_catalog.sum(w.amount_base) AS won_amount,
        pg_catalog.count(*) FILTER (WHERE w.attribution = 'attributed')
            AS attributed_deals,
        pg_catalog.sum(w.amount_base)
            FILTER (WHERE w.attribution = 'attributed') AS attributed_amount,
        pg_catalog.count(*) FILTER (WHERE w.attribution = 'no linked lead')
            AS no_lead_deals,
        pg_catalog.sum(w.amount_base)
            FILTER (WHERE w.attribution = 'no linked lead') AS no_lead_amount,
        pg_catalog.count(*) FILTER (WHERE w.attribution = 'no touch')
            AS no_touch_deals,
        pg_catalog.sum(w.amount_base) FILTER (WHERE w.attribution = 'no touch')
            AS no_touch_amount,
        pg_catalog.count(*)
            FILTER (WHERE w.attribution = 'touches only after creation')
            AS after_creation_deals,
        pg_catalog.sum(w.amount_base)
            FILTER (WHERE w.attribution = 'touches only after creation')
            AS after_creation_amount,
        pg_catalog.count(*)
            FILTER (WHERE w.attribution = 'creation time unknown')
            AS unknown_creation_deals,
        pg_catalog.sum(w.amount_base)
            FILTER (WHERE w.attribution = 'creation time unknown')
            AS unknown_creation_amount,
        pg_catalog.count(*) FILTER (WHERE w.amount IS NULL)
            AS deals_without_amount,
        pg_catalog.count(*)
            FILTER (WHERE w.amount IS NOT NULL AND w.amount_base IS NULL)
            AS deals_not_converted
    FROM alignment.won_deal_attribution AS w
    GROUP BY GROUPING SETS ((w.period_start, w.period_end, w.team_id),
                            (w.period_start, w.period_end))
) AS g;

COMMENT ON VIEW alignment.pipeline_attribution IS
'Metric 2, pipeline attribution accuracy per team and period of close (and all teams): of the deals won in the period, those traceable to a marketing touch (campaign or channel) of the deal''s lead or of any lead of its account at or before the deal was created, and why the rest is not. Amounts are in the base currency at the rate of the close date; deals that cannot be converted are counted, never summed raw.';
COMMENT ON COLUMN alignment.pipeline_attribution.base_currency IS 'Currency of every amount column (alignment.base_currency).';
COMMENT ON COLUMN alignment.pipeline_attribution.won_deals IS 'Deals won in the period.';
COMMENT ON COLUMN alignment.pipeline_attribution.won_amount IS 'Their amount in the base currency (deals without an amount or a rate left out); NULL when none has one.';
COMMENT ON COLUMN alignment.pipeline_attribution.attributed_deals IS 'Won deals with a touch at or before their creation.';
COMMENT ON COLUMN alignment.pipeline_attribution.attributed_amount IS 'Amount of the attributed deals.';
COMMENT ON COLUMN alignment.pipeline_attribution.no_lead_deals IS 'Won deals with no linked lead (none of their own, none on their account).';
COMMENT ON COLUMN alignment.pipeline_attribution.no_lead_amount IS 'Amount of the deals with no linked lead.';
COMMENT ON COLUMN alignment.pipeline_attribution.no_touch_deals IS 'Won deals whose linked leads have no touch naming a campaign or channel.';
COMMENT ON COLUMN alignment.pipeline_attribution.no_touch_amount IS 'Amount of the deals with no touch.';
COMMENT ON COLUMN alignment.pipeline_attribution.after_creation_deals IS 'Won deals whose touches all came after the deal was created.';
COMMENT ON COLUMN alignment.pipeline_attribution.after_creation_amount IS 'Amount of the deals touched only after creation.';
COMMENT ON COLUMN alignment.pipeline_attribution.unknown_creation_deals IS 'Won deals with touches but no creation time: attribution cannot be decided, so they are left out of accuracy.';
COMMENT ON COLUMN alignment.pipeline_attribution.unknown_creation_amount IS 'Amount of the deals whose creation time is unknown.';
COMMENT ON COLUMN alignment.pipeline_attribution.deals_without_amount IS 'Won deals that carry no amount.';
COMMENT ON COLUMN alignment.pipeline_attribution.deals_not_converted IS 'Won deals with an amount but no exchange rate to the base currency on or before the close date.';
COMMENT ON COLUMN alignment.pipeline_attribution.accuracy IS 'attributed_amount / (won_amount - unknown_creation_amount): the attributed share of the won revenue whose attribution can be decided; NULL when there is none.';
COMMENT ON COLUMN alignment.pipeline_attribution.deal_accuracy IS 'attributed_deals / (won_deals - unknown_creation_deals): the same share by deal count.';

-- Metric 3: ICP fit at handoff --------------------------------------------

CREATE VIEW alignment.icp_fit_at_handoff AS
SELECT
    g.period_start,
    g.period_end,
    alignment.setting('period') AS period_unit,
    g.team_id,
    g.all_teams,
    g.handoffs,
    g.scored,
    g.mean_fit_score,
    g.median_fit_score,
    g.p25_fit_score,
    g.min_fit_score,
    CASE WHEN g.min_fit_score IS NOT NULL
        THEN CAST(g.scored_at_or_above AS double precision)
             / NULLIF(g.scored, 0)
    END AS share_at_or_above_min,
    g.no_icp_handoffs,
    NULLIF(pg_catalog.concat_ws('; ',
        CASE WHEN g.no_icp_handoffs = g.handoffs THEN 'no ICP in force'
             WHEN g.scored = 0 THEN 'no handoff could be scored'
        END,
        CASE WHEN g.min_fit_score IS NULL
            THEN 'mql stage documents no minimum fit score' END),
        '') AS note
FROM (
    SELECT
        h.period_start,
        h.period_end,
        h.team_id,
        GROUPING(h.team_id) = 1 AS all_teams,
        pg_catalog.count(*) AS handoffs,
        pg_catalog.count(h.fit_score) AS scored,
        pg_catalog.avg(h.fit_score) AS mean_fit_score,
        pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.fit_score)
            AS median_fit_score,
        pg_catalog.percentile_cont(0.25) WITHIN GROUP (ORDER BY h.fit_score)
            AS p25_fit_score,
        m.min_fit_score,
        pg_catalog.count(*) FILTER (WHERE h.fit_score >= m.min_fit_score)
            AS scored_at_or_above,
        pg_catalog.count(*) FILTER (WHERE h.icp_version_id IS NULL)
            AS no_icp_handoffs
    FROM alignment.handoff_entry AS h
    LEFT JOIN alignment.stage AS m ON m.role = 'handoff'
    GROUP BY GROUPING SETS (
        (h.period_start, h.period_end, m.min_fit_score, h.team_id),
        (h.period_start, h.period_end, m.min_fit_score))
) AS g;

COMMENT ON VIEW alignment.icp_fit_at_handoff IS
'Metric 3, ICP fit score at the point of handoff per team and period of the mql entry (and all teams): every mql entry, scored against the ICP version in force at that moment and frozen then.';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.handoffs IS 'mql entries in the period (every entry, re-entries included).';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.scored IS 'Entries with a frozen fit score.';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.mean_fit_score IS 'Mean fit score (0 to 100) of the scored entries.';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.median_fit_score IS 'Median fit score of the scored entries (interpolated).';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.p25_fit_score IS '25th percentile of the fit scores of the scored entries (interpolated).';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.min_fit_score IS 'Minimum fit score the mql stage documents as its entry criterion; NULL when none.';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.share_at_or_above_min IS 'Share of the scored entries whose score is at or above min_fit_score; NULL when no minimum is documented or nothing was scored.';
COMMENT ON COLUMN alignment.icp_fit_at_handoff.no_icp_handoffs IS 'Entries with no agreed ICP version in force at the handoff.';

-- Metric 4: sales follow-up compliance -------------------------------------

CREATE VIEW alignment.follow_up_compliance AS
SELECT
    g.period_start,
    g.period_end,
    alignment.setting('period') AS period_unit,
    g.team_id,
    g.all_teams,
    g.has_sla,
    g.sla_hours,
    g.mql_entries,
    CASE WHEN g.has_sla THEN g.due END AS due,
    CASE WHEN g.has_sla THEN g.within_sla END AS within_sla,
    CASE WHEN g.has_sla THEN g.due - g.within_sla END AS breaches,
    CASE WHEN g.has_sla THEN g.pending END AS pending,
    CASE WHEN g.has_sla
        THEN CAST(g.within_sla AS double precision) / NULLIF(g.due, 0)
    END AS compliance,
    g.median_response_hours,
    g.no_sla_entries,
    NULLIF(pg_catalog.concat_ws('; ',
        CASE WHEN NOT g.has_sla AND g.all_teams THEN 'no team has an SLA'
             WHEN NOT g.has_sla THEN 'team has no SLA'
             WHEN g.no_sla_entries > 0
                 THEN 'entries of teams without an SLA left out: '
                      || g.no_sla_entries
        END,
        CASE WHEN g.has_sla AND g.due = 0
            THEN 'no entry due for follow-up yet' END,
        CASE WHEN g.median_response_hours IS NULL
            THEN 'no entry followed up yet' END),
        '') AS note
FROM (
    SELECT
        h.period_start,
        h.period_end,
        h.team_id,
        GROUPING(h.team_id) = 1 AS all_teams,
        pg_catalog.bool_or(h.sla_hours IS NOT NULL) AS has_sla,
        CASE WHEN GROUPING(h.team_id) = 0
            THEN pg_catalog.max(h.sla_hours) END AS sla_hours,
        pg_catalog.count(*) AS mql_entries,
        pg_catalog.count(*) FILTER (WHERE h.follow_up_due) AS due,
        pg_catalog.count(*) FILTER (WHERE h.within_sla) AS within_sla,
        pg_catalog.count(*) FILTER (WHERE h.sla_hours IS NOT NULL
                                    AND NOT h.follow_up_due) AS pending,
        pg_catalog.percentile_cont(0.5)
            WITHIN GROUP (ORDER BY h.response_hours) AS median_response_hours,
        pg_catalog.count(*) FILTER (WHERE h.sla_hours IS NULL)
            AS no_sla_entries
    FROM alignment.handoff_entry AS h
    GROUP BY GROUPING SETS ((h.period_start, h.period_end, h.team_id),
                            (h.period_start, h.period_end))
) AS g;

COMMENT ON VIEW alignment.follow_up_compliance IS
'Metric 4, sales follow-up compliance per team and period of the mql entry (and all teams): of the mql entries whose SLA deadline passed by as_of or that were followed up, the share whose first sales activity came within the SLA hours. A team without an SLA reports has_sla false, not a number; the all-teams row counts the teams that have one.';
COMMENT ON COLUMN alignment.follow_up_compliance.has_sla IS 'Whether the team has an SLA (all-teams row: whether any team of the period has one).';
COMMENT ON COLUMN alignment.follow_up_compliance.sla_hours IS 'Follow-up hours of the team''s SLA; NULL without an SLA and on the all-teams row.';
COMMENT ON COLUMN alignment.follow_up_compliance.mql_entries IS 'mql entries in the period.';
COMMENT ON COLUMN alignment.follow_up_compliance.due IS 'Entries followed up or whose deadline passed by as_of (teams with an SLA).';
COMMENT ON COLUMN alignment.follow_up_compliance.within_sla IS 'Due entries whose first sales activity came at or before the deadline.';
COMMENT ON COLUMN alignment.follow_up_compliance.breaches IS 'Due entries followed up late or not at all: due - within_sla.';
COMMENT ON COLUMN alignment.follow_up_compliance.pending IS 'Entries not yet followed up whose deadline is still ahead at as_of.';
COMMENT ON COLUMN alignment.follow_up_compliance.compliance IS 'within_sla / due; NULL without an SLA or with no due entry.';
COMMENT ON COLUMN alignment.follow_up_compliance.median_response_hours IS 'Median hours from the entry to the first sales activity, over the entries followed up (also reported for teams without an SLA).';
COMMENT ON COLUMN alignment.follow_up_compliance.no_sla_entries IS 'Entries of teams without an SLA (left out of due and compliance).';

-- Metric 5: time to close by persona --------------------------------------

CREATE VIEW alignment.time_to_close AS
SELECT
    g.period_start,
    g.period_end,
    alignment.setting('period') AS period_unit,
    g.team_id,
    g.all_teams,
    g.persona,
    g.all_personas,
    g.won_deals,
    g.known_creation_deals,
    g.median_days_to_close,
    g.mean_days_to_close,
    alignment.setting('base_currency') AS base_currency,
    g.won_amount,
    g.deals_without_amount,
    g.deals_not_converted,
    NULLIF(pg_catalog.concat_ws('; ',
        CASE WHEN g.known_creation_deals = 0
                THEN 'deal creation time unknown'
             WHEN g.known_creation_deals < g.won_deals
                THEN 'deals with unknown creation time left out of the days: '
                     || (g.won_deals - g.known_creation_deals)
        END,
        alignment.amount_note(g.won_deals, g.deals_without_amount,
                              g.deals_not_converted)),
        '') AS note
FROM (
    SELECT
        w.period_start,
        w.period_end,
        w.team_id,
        GROUPING(w.team_id) = 1 AS all_teams,
        w.persona,
        GROUPING(w.persona) = 1 AS all_personas,
        pg_catalog.count(*) AS won_deals,
        pg_catalog.count(w.created_at) AS known_creation_deals,
        pg_catalog.percentile_cont(0.5)
            WITHIN GROUP (ORDER BY w.days_to_close) AS median_days_to_close,
        pg_catalog.avg(w.days_to_close) AS mean_days_to_close,
        pg_catalog.sum(w.amount_base) AS won_amount,
        pg_catalog.count(*) FILTER (WHERE w.amount IS NULL)
            AS deals_without_amount,
        pg_catalog.count(*)
            FILTER (WHERE w.amount IS NOT NULL AND w.amount_base IS NULL)
            AS deals_not_converted
    FROM alignment.won_deal AS w
    GROUP BY GROUPING SETS (
        (w.period_start, w.period_end, w.team_id, w.persona),
        (w.period_start, w.period_end, w.persona),
        (w.period_start, w.period_end, w.team_id),
        (w.period_start, w.period_end))
) AS g;

COMMENT ON VIEW alignment.time_to_close IS
'Metric 5, time to close by persona: deals won in the period per team (and all teams) and per persona sales tagged (a NULL persona with all_personas false is the untagged deals; all_personas true is every persona together).';
COMMENT ON COLUMN alignment.time_to_close.persona IS 'Persona sales tagged the buyer with; NULL for untagged deals (all_personas false) or for the all-personas row.';
COMMENT ON COLUMN alignment.time_to_close.all_personas IS 'True on the row that counts every persona together.';
COMMENT ON COLUMN alignment.time_to_close.won_deals IS 'Deals won in the period.';
COMMENT ON COLUMN alignment.time_to_close.known_creation_deals IS 'Won deals whose creation time is known.';
COMMENT ON COLUMN alignment.time_to_close.median_days_to_close IS 'Median days from creation to close (fractional, interpolated) of the deals whose creation time is known; NULL when none is.';
COMMENT ON COLUMN alignment.time_to_close.mean_days_to_close IS 'Mean days from creation to close of the deals whose creation time is known; NULL when none is.';
COMMENT ON COLUMN alignment.time_to_close.base_currency IS 'Currency of won_amount (alignment.base_currency).';
COMMENT ON COLUMN alignment.time_to_close.won_amount IS 'Won amount in the base currency at the rate of each close date; NULL when no deal has a convertible amount.';
COMMENT ON COLUMN alignment.time_to_close.deals_without_amount IS 'Won deals that carry no amount.';
COMMENT ON COLUMN alignment.time_to_close.deals_not_converted IS 'Won deals with an amount but no exchange rate to the base currency.';

-- The alignment matrix -----------------------------------------------------

CREATE VIEW alignment.alignment_matrix AS
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
        e.period_start,
        e.period_end,
        e.team_id,
        GROUPING(e.team_id) = 1 AS all_teams,
        pg_catalog.count(*) AS sql_entries,
        pg_catalog.count(*) FILTER (WHERE e.through_handoff) AS through_mql
    FROM alignment.lifecycle_entry AS e
    WHERE e.first_accepted
    GROUP BY GROUPING SETS ((e.period_start, e.period_end, e.team_id),
                            (e.period_start, e.period_end))
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

COMMENT ON VIEW alignment.alignment_matrix IS
'The 4-cell alignment matrix per team and period (and all teams): persona agreement and lifecycle clarity, each the mean of its components that have data, the cell they place the team in and the recommended next step.';
COMMENT ON COLUMN alignment.alignment_matrix.mql_entries IS 'mql entries in the period.';
COMMENT ON COLUMN alignment.alignment_matrix.persona_mix_similarity IS '1 minus the Jensen-Shannon distance (base 2) between the persona mix of the period''s mql entries (lead persona) and that of the deals won in the alignment.persona_lookback_months months up to the period''s end (deal persona); untagged leads and deals are left out; NULL when either mix is empty.';
COMMENT ON COLUMN alignment.alignment_matrix.icp_fit_share IS 'Share of the period''s mql entries whose frozen fit score meets the fit threshold of the ICP version used; entries with no agreed ICP in force count as 0.';
COMMENT ON COLUMN alignment.alignment_matrix.persona_agreement IS 'Mean of persona_mix_similarity and icp_fit_share, over those that have data; NULL when neither has.';
COMMENT ON COLUMN alignment.alignment_matrix.gate_compliance IS 'Share of the period''s mql entries that met the mql stage''s documented entry criteria; 0 when it documents none.';
COMMENT ON COLUMN alignment.alignment_matrix.follow_up_compliance IS 'Follow-up compliance (metric 4), with the entries of teams without an SLA counted as not followed up (0 for such a team); NULL when no entry is due yet.';
COMMENT ON COLUMN alignment.alignment_matrix.disposition_coverage IS 'Share of the decided mql entries that reached sql-or-later, disqualified or recycled within the conversion window; NULL when none is decided.';
COMMENT ON COLUMN alignment.alignment_matrix.handoff_discipline IS 'Share of the leads whose first sql-or-later entry falls in the period that had entered mql at or before it; NULL when there is none.';
COMMENT ON COLUMN alignment.alignment_matrix.lifecycle_clarity IS 'Mean of gate_compliance, follow_up_compliance, disposition_coverage and handoff_discipline, over those that have data; NULL when none has.';
COMMENT ON COLUMN alignment.alignment_matrix.cell IS 'Matrix cell: 1 low persona agreement and low lifecycle clarity, 2 high/low, 3 low/high, 4 high/high (thresholds alignment.persona_agreement_threshold and alignment.lifecycle_clarity_threshold); NULL when either index is NULL.';
COMMENT ON COLUMN alignment.alignment_matrix.next_step IS 'Recommended next step for the cell.';
COMMENT ON COLUMN alignment.alignment_matrix.decided_mql_entries IS 'mql entries of the period whose disposition is decided (reached one, or the window closed by as_of).';
COMMENT ON COLUMN alignment.alignment_matrix.low_confidence IS 'True when decided_mql_entries is below alignment.min_sample.';

-- The columns every metric view shares.
DO $$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['mql_conversion', 'pipeline_attribution',
                             'icp_fit_at_handoff', 'follow_up_compliance',
                             'time_to_close', 'alignment_matrix']
    LOOP
        EXECUTE pg_catalog.format($c$
            COMMENT ON COLUMN alignment.%1$I.period_start IS
                'First day of the period (business time zone).';
            COMMENT ON COLUMN alignment.%1$I.period_end IS
                'Last day of the period (inclusive).';
            COMMENT ON COLUMN alignment.%1$I.period_unit IS
                'Length of the period: week, month, quarter or year (alignment.period).';
            COMMENT ON COLUMN alignment.%1$I.team_id IS
                'Team; NULL on the all-teams row.';
            COMMENT ON COLUMN alignment.%1$I.all_teams IS
                'True on the row that counts every team together.';
            COMMENT ON COLUMN alignment.%1$I.note IS
                'Why a value is NULL (or counted as 0), when one is.';
            $c$, v);
    END LOOP;
END
$$;
