-- The metric views on the real Olist marketing funnel, checked against
-- plain queries over the CSV files as copied (olist_mql_raw,
-- olist_closed_deal_raw). Every check prints no rows or true.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.conversion_window_days = 90;
-- Every 90-day window of the data (MQLs up to May 2018) has closed.
SET alignment.as_of = '2019-01-01 00:00+00';

\getenv data ALIGNMENT_DATA
\set data :data '/olist-marketing-funnel'
\set ECHO none
\o /dev/null
\i load/olist.psql
\o
\set ECHO all

SELECT (SELECT count(*) FROM alignment.lead) AS leads,
       (SELECT count(*) FROM alignment.deal) AS deals,
       (SELECT count(*) FROM alignment.olist_mql_raw) AS raw_mqls,
       (SELECT count(*) FROM alignment.olist_closed_deal_raw) AS raw_deals;

-- MQLs per month: the cohorts of mql_conversion, the handoffs of
-- icp_fit_at_handoff and the mql entries of the matrix all match the
-- first_contact_date counts (each Olist lead enters mql once).
CREATE TEMP VIEW raw_mql_month AS
SELECT date_trunc('month', first_contact_date::date)::date AS period_start,
       count(*) AS mqls
FROM alignment.olist_mql_raw
GROUP BY 1;
(SELECT period_start, cohort FROM alignment.mql_conversion WHERE all_teams
 EXCEPT SELECT * FROM raw_mql_month)
UNION ALL
(SELECT * FROM raw_mql_month
 EXCEPT SELECT period_start, cohort FROM alignment.mql_conversion
        WHERE all_teams);
SELECT bool_and(c.cohort = f.handoffs AND c.cohort = m.mql_entries)
       AS same_mql_counts
FROM alignment.mql_conversion AS c
JOIN alignment.icp_fit_at_handoff AS f USING (period_start, all_teams)
JOIN alignment.alignment_matrix AS m USING (period_start, all_teams)
WHERE c.all_teams;

-- 90-day conversions per cohort: a lead converts when its deal was won
-- between its first contact (midnight) and 90 days later.
CREATE TEMP VIEW raw_conversion AS
SELECT date_trunc('month', m.first_contact_date::date)::date AS period_start,
       count(*) AS decided,
       count(*) FILTER (WHERE c.won_date::timestamp
                              BETWEEN m.first_contact_date::date
                              AND m.first_contact_date::date
                                  + interval '90 days') AS converted
FROM alignment.olist_mql_raw AS m
LEFT JOIN alignment.olist_closed_deal_raw AS c USING (mql_id)
GROUP BY 1;
(SELECT period_start, decided, converted FROM alignment.mql_conversion
 WHERE all_teams
 EXCEPT SELECT * FROM raw_conversion)
UNION ALL
(SELECT * FROM raw_conversion
 EXCEPT SELECT period_start, decided, converted FROM alignment.mql_conversion
        WHERE all_teams);
SELECT sum(converted) AS converted_in_90_days,
       bool_and(pending = 0 AND cohort_decided) AS all_decided
FROM alignment.mql_conversion WHERE all_teams;

-- A deal won before its lead's first contact skipped the handoff.
SELECT (SELECT sum(skipped_handoff) FROM alignment.mql_conversion
        WHERE all_teams)
     = (SELECT count(*)
        FROM alignment.olist_closed_deal_raw AS c
        JOIN alignment.olist_mql_raw AS m USING (mql_id)
        WHERE c.won_date::timestamp < m.first_contact_date::date)
       AS skipped_handoff_matches;

-- Won deals per month, in time_to_close and pipeline_attribution.
CREATE TEMP VIEW raw_won_month AS
SELECT date_trunc('month', won_date::timestamp)::date AS period_start,
       count(*) AS won_deals
FROM alignment.olist_closed_deal_raw
GROUP BY 1;
(SELECT period_start, won_deals FROM alignment.time_to_close
 WHERE all_teams AND all_personas
 EXCEPT SELECT * FROM raw_won_month)
UNION ALL
(SELECT * FROM raw_won_month
 EXCEPT SELECT period_start, won_deals FROM alignment.time_to_close
        WHERE all_teams AND all_personas);
(SELECT period_start, won_deals FROM alignment.pipeline_attribution
 WHERE all_teams
 EXCEPT SELECT * FROM raw_won_month)
UNION ALL
(SELECT * FROM raw_won_month
 EXCEPT SELECT period_start, won_deals FROM alignment.pipeline_attribution
        WHERE all_teams);

-- Won deals per persona (lead_behaviour_profile, empty = untagged).
SELECT bool_and(t.won_deals = r.n) AND count(*) = (
           SELECT count(DISTINCT (date_trunc('month', won_date::timestamp),
                                  nullif(lead_behaviour_profile, '')))
           FROM alignment.olist_closed_deal_raw)
       AS persona_counts_match
FROM alignment.time_to_close AS t
JOIN (SELECT date_trunc('month', won_date::timestamp)::date AS period_start,
             nullif(lead_behaviour_profile, '') AS persona, count(*) AS n
      FROM alignment.olist_closed_deal_raw GROUP BY 1, 2) AS r
  ON r.period_start = t.period_start
 AND r.persona IS NOT DISTINCT FROM t.persona
WHERE t.all_teams AND NOT t.all_personas;

-- With one mql entry per lead and no other disposition than the won
-- deal's customer stage, disposition coverage is the conversion rate.
SELECT bool_and(m.disposition_coverage = c.rate) AS coverage_is_conversion
FROM alignment.alignment_matrix AS m
JOIN alignment.mql_conversion AS c USING (period_start, all_teams)
WHERE m.all_teams;

-- What the export cannot support shows NULL with the reason.
SELECT DISTINCT 'pipeline_attribution' AS view, note,
       accuracy IS NULL AND won_amount IS NULL AS nulls
FROM alignment.pipeline_attribution
UNION ALL
SELECT DISTINCT 'time_to_close', note,
       median_days_to_close IS NULL AND won_amount IS NULL
FROM alignment.time_to_close
UNION ALL
SELECT DISTINCT 'follow_up_compliance', note, compliance IS NULL
FROM alignment.follow_up_compliance
UNION ALL
SELECT DISTINCT 'icp_fit_at_handoff', note, mean_fit_score IS NULL
FROM alignment.icp_fit_at_handoff
ORDER BY 1, 2;

TRUNCATE alignment.lead, alignment.deal, alignment.olist_mql_raw,
         alignment.olist_closed_deal_raw CASCADE;
