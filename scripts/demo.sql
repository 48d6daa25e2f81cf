-- scripts/demo.sql: print what was loaded, the five metrics for the latest
-- six periods and the alignment matrix of the latest complete period.
--
--   psql -X -v ON_ERROR_STOP=1 -d DB -f scripts/demo.sql
--
-- Run by "scripts/cluster.sh demo" after loading a data set. Each metric
-- shows its all-teams row first, then one row per team. A number the data
-- cannot support is printed as NULL and the note column says why.

\set QUIET on
\pset null 'NULL'
\pset footer off
\pset border 1

\echo
\echo '== Rows loaded per table'
SELECT t.name AS "table", t.n AS "rows"
FROM (VALUES
    ('team', (SELECT count(*) FROM alignment.team)),
    ('account', (SELECT count(*) FROM alignment.account)),
    ('lead', (SELECT count(*) FROM alignment.lead)),
    ('touch', (SELECT count(*) FROM alignment.touch)),
    ('stage_event', (SELECT count(*) FROM alignment.stage_event)),
    ('activity', (SELECT count(*) FROM alignment.activity)),
    ('deal', (SELECT count(*) FROM alignment.deal)),
    ('icp_version', (SELECT count(*) FROM alignment.icp_version)),
    ('sla', (SELECT count(*) FROM alignment.sla)),
    ('fx_rate', (SELECT count(*) FROM alignment.fx_rate))) AS t (name, n);

\echo
\echo '== Settings'
SELECT alignment.as_of() AS as_of,
       alignment.setting('period') AS period,
       alignment.setting('business_timezone') AS business_timezone,
       alignment.setting('conversion_window_days') AS window_days,
       alignment.setting('base_currency') AS base_currency,
       alignment.setting('min_sample') AS min_sample;

-- Each metric below shows the latest six periods that view has rows for,
-- computing the view once (a window rank, not a second query of it).
-- A view without any row says what the data lacks.
SELECT NOT EXISTS (SELECT FROM alignment.stage_event AS e
                   JOIN alignment.stage AS s USING (stage)
                   WHERE s.role = 'handoff') AS no_mql,
       NOT EXISTS (SELECT FROM alignment.deal WHERE status = 'won')
           AS no_won \gset
\echo
\echo '== 1. MQL-to-SQL conversion, by cohort of first mql entry'
\if :no_mql
\echo '(no rows: the data has no mql (handoff) entries)'
\else
SELECT c.period_start AS period, COALESCE(c.team_id, 'all teams') AS team,
       c.cohort, c.decided, c.converted, c.pending,
       round(c.rate::numeric, 3) AS rate,
       round(c.ci_low::numeric, 3) AS ci_low,
       round(c.ci_high::numeric, 3) AS ci_high,
       c.cohort_decided AS final, c.skipped_handoff AS skipped,
       COALESCE(c.note, '') AS note
FROM (SELECT v.*, dense_rank() OVER (ORDER BY v.period_start DESC)
          AS recent
      FROM alignment.mql_conversion AS v) AS c
WHERE c.recent <= 6
ORDER BY c.period_start, c.all_teams DESC, c.team_id;
\endif

\echo
\echo '== 2. Pipeline attribution accuracy, by period of close'
\if :no_won
\echo '(no rows: the data has no won deals)'
\else
SELECT a.period_start AS period, COALESCE(a.team_id, 'all teams') AS team,
       a.won_deals AS won, a.attributed_deals AS attributed,
       a.no_lead_deals AS no_lead, a.no_touch_deals AS no_touch,
       a.after_creation_deals AS touched_after,
       a.unknown_creation_deals AS unknown_creation,
       round(a.won_amount) AS won_amount,
       round(a.attributed_amount) AS attributed_amount, a.base_currency AS cur,
       round(a.accuracy::numeric, 3) AS accuracy,
       round(a.deal_accuracy::numeric, 3) AS deal_accuracy,
       COALESCE(a.note, '') AS note
FROM (SELECT v.*, dense_rank() OVER (ORDER BY v.period_start DESC)
          AS recent
      FROM alignment.pipeline_attribution AS v) AS a
WHERE a.recent <= 6
ORDER BY a.period_start, a.all_teams DESC, a.team_id;
\endif

\echo
\echo '== 3. ICP fit score at handoff, by period of mql entry'
\if :no_mql
\echo '(no rows: the data has no mql (handoff) entries)'
\else
SELECT f.period_start AS period, COALESCE(f.team_id, 'all teams') AS team,
       f.handoffs, f.scored,
       round(f.mean_fit_score::numeric, 1) AS mean,
       round(f.median_fit_score::numeric, 1) AS median,
       round(f.p25_fit_score::numeric, 1) AS p25,
       f.min_fit_score AS minimum,
       round(f.share_at_or_above_min::numeric, 3) AS share_at_min,
       f.no_icp_handoffs AS no_icp,
       COALESCE(f.note, '') AS note
FROM (SELECT v.*, dense_rank() OVER (ORDER BY v.period_start DESC)
          AS recent
      FROM alignment.icp_fit_at_handoff AS v) AS f
WHERE f.recent <= 6
ORDER BY f.period_start, f.all_teams DESC, f.team_id;
\endif

\echo
\echo '== 4. Sales follow-up compliance, by period of mql entry'
\if :no_mql
\echo '(no rows: the data has no mql (handoff) entries)'
\else
SELECT u.period_start AS period, COALESCE(u.team_id, 'all teams') AS team,
       u.has_sla, u.sla_hours, u.mql_entries AS entries, u.due,
       u.within_sla, u.breaches, u.pending,
       round(u.compliance::numeric, 3) AS compliance,
       round(u.median_response_hours::numeric, 1) AS median_hours,
       COALESCE(u.note, '') AS note
FROM (SELECT v.*, dense_rank() OVER (ORDER BY v.period_start DESC)
          AS recent
      FROM alignment.follow_up_compliance AS v) AS u
WHERE u.recent <= 6
ORDER BY u.period_start, u.all_teams DESC, u.team_id;
\endif

-- Per persona for all teams together; per team, every persona together.
\echo
\echo '== 5. Time to close by persona, by period of close'
\if :no_won
\echo '(no rows: the data has no won deals)'
\else
SELECT t.period_start AS period, COALESCE(t.team_id, 'all teams') AS team,
       CASE WHEN t.all_personas THEN 'all personas'
            ELSE COALESCE(t.persona, '(untagged)') END AS persona,
       t.won_deals AS won, t.known_creation_deals AS known_creation,
       round(t.median_days_to_close::numeric, 1) AS median_days,
       round(t.mean_days_to_close::numeric, 1) AS mean_days,
       round(t.won_amount) AS won_amount, t.base_currency AS cur,
       COALESCE(t.note, '') AS note
FROM (SELECT v.*, dense_rank() OVER (ORDER BY v.period_start DESC)
          AS recent
      FROM alignment.time_to_close AS v) AS t
WHERE (t.all_teams OR t.all_personas) AND t.recent <= 6
ORDER BY t.period_start, t.all_teams DESC, t.team_id, t.all_personas DESC,
         t.won_deals DESC, t.persona;
\endif

-- The latest period that has ended by as_of and had mql entries.
SELECT max(period_start) AS matrix_period,
       max(period_start) IS NOT NULL AS has_matrix
FROM alignment.alignment_matrix
WHERE period_end < CAST(pg_catalog.timezone(
          alignment.setting('business_timezone'), alignment.as_of())
          AS date)
  AND mql_entries > 0 \gset

\echo
\if :has_matrix
\echo '== The alignment matrix of' :matrix_period
\echo '   (the latest complete period with mql entries)'
\x on
SELECT m.period_start AS period, m.period_end,
       COALESCE(m.team_id, 'all teams') AS team, m.mql_entries,
       round(m.persona_mix_similarity::numeric, 3) AS persona_mix_similarity,
       round(m.icp_fit_share::numeric, 3) AS icp_fit_share,
       round(m.persona_agreement::numeric, 3) AS persona_agreement,
       round(m.gate_compliance::numeric, 3) AS gate_compliance,
       round(m.follow_up_compliance::numeric, 3) AS follow_up_compliance,
       round(m.disposition_coverage::numeric, 3) AS disposition_coverage,
       round(m.handoff_discipline::numeric, 3) AS handoff_discipline,
       round(m.lifecycle_clarity::numeric, 3) AS lifecycle_clarity,
       m.cell, m.next_step, m.decided_mql_entries, m.low_confidence,
       COALESCE(m.note, '') AS note
FROM alignment.alignment_matrix AS m
WHERE m.period_start = :'matrix_period'
ORDER BY m.all_teams DESC, m.team_id;
\x off
\else
\echo '== The alignment matrix: no complete period with mql entries, so no cell'
\endif
