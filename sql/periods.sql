-- Periods, the business time zone, as_of and currency conversion: the
-- helpers every metric view uses.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';

-- Thursday 2024-02-29 12:00 UTC in each period length: weeks start on
-- Monday (Feb 26) and end on Sunday (Mar 3); period_end is inclusive.
SET alignment.period = 'week';
SELECT alignment.period_start('2024-02-29 12:00+00') AS week_start,
       alignment.period_end('2024-02-29 12:00+00') AS week_end;
SET alignment.period = 'month';
SELECT alignment.period_start('2024-02-29 12:00+00') AS month_start,
       alignment.period_end('2024-02-29 12:00+00') AS month_end;
SET alignment.period = 'quarter';
SELECT alignment.period_start('2024-02-29 12:00+00') AS quarter_start,
       alignment.period_end('2024-02-29 12:00+00') AS quarter_end;
SET alignment.period = 'year';
SELECT alignment.period_start('2024-02-29 12:00+00') AS year_start,
       alignment.period_end('2024-02-29 12:00+00') AS year_end;
SET alignment.period = 'month';

-- 2024-02-01 02:30 UTC is still January 31 (23:30) in Sao Paulo (UTC-3).
SELECT alignment.period_start('2024-02-01 02:30+00') AS utc_month;
SET alignment.business_timezone = 'America/Sao_Paulo';
SELECT alignment.period_start('2024-02-01 02:30+00') AS sao_paulo_month,
       alignment.period_end('2024-02-01 02:30+00') AS sao_paulo_end,
       alignment.period_start('2024-03-01 00:00-03') AS local_midnight;

-- The views follow: an mql entry at 2024-02-01 02:30 UTC belongs to the
-- January cohort in Sao Paulo and to February in UTC. A date-only CRM
-- value is loaded as local midnight (Mar 1 00:00 -03) and stays on its
-- date: March.
SET alignment.as_of = '2024-06-01 00:00+00';
INSERT INTO alignment.lead (lead_id, created_at) VALUES
    ('n1', '2024-01-01 00:00+00'), ('n2', '2024-01-01 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('n1', 'mql', '2024-02-01 02:30+00'),
    ('n2', 'mql', '2024-03-01 00:00-03');
SELECT period_start, period_end, team_id, cohort
FROM alignment.mql_conversion WHERE NOT all_teams ORDER BY period_start;
SET alignment.business_timezone = 'UTC';
SELECT period_start, period_end, team_id, cohort
FROM alignment.mql_conversion WHERE NOT all_teams ORDER BY period_start;

-- as_of: the setting when set, else now(); events after it are not seen.
SELECT alignment.as_of() AS as_of;
SET alignment.as_of = '2024-02-15 00:00+00';
SELECT period_start, cohort FROM alignment.mql_conversion WHERE all_teams;
RESET alignment.as_of;
SELECT alignment.as_of() = now() AS as_of_is_now;

-- Currency: the latest rate on or before the close date in the business
-- time zone. 2024-03-01 01:00 UTC is Feb 29 in Sao Paulo: 100 EUR at 1.10;
-- in UTC it is Mar 1: at 1.20. The base currency converts to itself; a
-- currency without a rate (or a close before the first rate) gives NULL.
SET alignment.base_currency = 'USD';
INSERT INTO alignment.fx_rate (currency, rate_date, rate) VALUES
    ('EUR', '2024-02-29', 1.10),
    ('EUR', '2024-03-01', 1.20);
SELECT alignment.in_base_currency(100, 'EUR', '2024-03-01 01:00+00') AS utc;
SET alignment.business_timezone = 'America/Sao_Paulo';
SELECT alignment.in_base_currency(100, 'EUR', '2024-03-01 01:00+00')
       AS sao_paulo;
SELECT alignment.in_base_currency(100, 'USD', '2024-03-01 01:00+00') AS usd,
       alignment.in_base_currency(100, 'JPY', '2024-03-01 01:00+00') AS jpy,
       alignment.in_base_currency(100, 'EUR', '2024-02-01 00:00+00')
           AS before_first_rate;
SET alignment.base_currency = 'EUR';
SELECT alignment.in_base_currency(100, 'EUR', '2024-03-01 01:00+00') AS eur;
RESET alignment.base_currency;

-- period_start and period_end give the dates of date_trunc in the business
-- time zone (cast to date; the end is the next period's start minus a day)
-- for every period length, across daylight-saving changes, half-hour and
-- 45-minute offsets, the year 44 BC and infinity: no row differs.
CREATE FUNCTION pg_temp.period_mismatches(p text, z text) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('alignment.period', p, true),
            set_config('alignment.business_timezone', z, true);
    RETURN (
        SELECT count(*)
        FROM (SELECT timestamptz '2023-12-25 00:00+00'
                     + g * interval '7 hours 13 minutes' AS ts
              FROM generate_series(0, 5000) AS g
              UNION ALL
              VALUES (timestamptz 'infinity'), ('-infinity'),
                     ('0044-03-15 12:00+00 BC')) AS t,
             LATERAL (SELECT date_trunc(p, t.ts AT TIME ZONE z) AS s) AS d
        WHERE alignment.period_start(t.ts) IS DISTINCT FROM CAST(d.s AS date)
           OR alignment.period_end(t.ts) IS DISTINCT FROM
              CAST(d.s + CASE p WHEN 'week' THEN interval '7 days'
                                WHEN 'month' THEN interval '1 month'
                                WHEN 'quarter' THEN interval '3 months'
                                ELSE interval '1 year' END AS date) - 1);
END;
$$;
BEGIN;
SELECT p, z, pg_temp.period_mismatches(p, z) AS mismatches
FROM unnest(ARRAY['week', 'month', 'quarter', 'year']) AS p,
     unnest(ARRAY['UTC', 'America/Sao_Paulo', 'Asia/Kathmandu',
                  'America/St_Johns']) AS z
ORDER BY 1, 2;
ROLLBACK;

-- A period that would begin before the first date PostgreSQL knows is an
-- error, as it is for date_trunc.
SET alignment.period = 'year';
SET alignment.business_timezone = 'UTC';
SELECT alignment.period_start('4714-11-25 12:00+00 BC');
SET alignment.period = 'month';

-- as_of follows the setting row by row, and a time without a zone is read
-- in the session's time zone.
SELECT v.t, set_config('alignment.as_of', v.t, false) = v.t
            AND alignment.as_of() = CAST(v.t AS timestamptz) AS follows
FROM (VALUES ('2024-01-01 00:00+00'), ('2024-02-01 00:00+00'),
             ('2024-02-01 00:00+00')) AS v (t);
SET alignment.as_of = '2024-02-01 00:00';
SELECT alignment.as_of() AS utc_midnight;
SET TimeZone = 'Asia/Tokyo';
SELECT alignment.as_of() AS tokyo_midnight;
SET TimeZone = 'UTC';
-- ... and DateStyle decides how 01/02 reads, within one query too.
SET DateStyle = 'ISO, MDY';
SET alignment.as_of = '01/02/2026 00:00+00';
SELECT set_config('DateStyle', d, false) AS datestyle, alignment.as_of()
FROM (VALUES ('ISO, MDY'), ('ISO, DMY')) AS v (d);
-- A value that no longer reads under the date style of the moment is an
-- error that names the setting.
SET DateStyle = 'ISO, DMY';
SET alignment.as_of = '13/01/2026 00:00+00';
SET DateStyle = 'ISO, MDY';
SELECT alignment.as_of();
SET DateStyle = 'ISO, YMD';
RESET alignment.as_of;

TRUNCATE alignment.lead, alignment.fx_rate CASCADE;
