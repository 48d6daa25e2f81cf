-- core_settings: the alignment.* settings and alignment.setting().
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
RESET client_min_messages;

-- Defaults, as documented.
SELECT name, alignment.setting(name) AS value
FROM pg_catalog.unnest(ARRAY['period', 'conversion_window_days',
    'business_timezone', 'persona_agreement_threshold',
    'lifecycle_clarity_threshold', 'min_sample', 'persona_lookback_months',
    'as_of', 'base_currency']) AS name;

-- Valid values are taken and read back.
SET alignment.period = 'quarter';
SET alignment.conversion_window_days = 30;
SET alignment.business_timezone = 'America/Sao_Paulo';
SET alignment.persona_agreement_threshold = 0.75;
SET alignment.lifecycle_clarity_threshold = 0;
SET alignment.min_sample = 0;
SET alignment.persona_lookback_months = 6;
SET alignment.as_of = '2024-06-30 23:59:59+00';
SET alignment.base_currency = 'BRL';
SELECT name, alignment.setting(name) AS value
FROM pg_catalog.unnest(ARRAY['period', 'conversion_window_days',
    'business_timezone', 'persona_agreement_threshold',
    'lifecycle_clarity_threshold', 'min_sample', 'persona_lookback_months',
    'as_of', 'base_currency']) AS name;
-- The as-of string reads back as the instant it names.
SELECT alignment.setting('as_of')::timestamptz
    = '2024-06-30 23:59:59+00'::timestamptz AS as_of_instant;
-- An empty as-of means now.
SET alignment.as_of = '';
SELECT alignment.setting('as_of') = '' AS as_of_is_now;

-- Bad values, one per statement; each leaves the setting unchanged.
SET alignment.period = 'day';
SET alignment.conversion_window_days = 0;
SET alignment.business_timezone = 'Mars/Olympus_Mons';
SET alignment.business_timezone = '';
SET alignment.persona_agreement_threshold = 1.5;
SET alignment.lifecycle_clarity_threshold = -0.1;
SET alignment.min_sample = -1;
SET alignment.persona_lookback_months = 0;
SET alignment.as_of = 'last tuesday';
SET alignment.base_currency = 'usd';
SET alignment.base_currency = 'EURO';
SET alignment.no_such_setting = 'x';
SELECT alignment.setting('period') AS period_unchanged,
    alignment.setting('base_currency') AS currency_unchanged;

-- Unknown names are errors; NULL gives NULL.
SELECT alignment.setting('window');
SELECT alignment.setting('alignment.period');
SELECT alignment.setting(NULL) IS NULL AS null_name;

RESET alignment.period;
RESET alignment.conversion_window_days;
RESET alignment.business_timezone;
RESET alignment.persona_agreement_threshold;
RESET alignment.lifecycle_clarity_threshold;
RESET alignment.min_sample;
RESET alignment.persona_lookback_months;
RESET alignment.as_of;
RESET alignment.base_currency;

-- A value SET before the library is loaded waits in a placeholder, and
-- PostgreSQL only warns when the library rejects it: the functions then
-- refuse to compute with the default instead, until the setting is set
-- again (or reset). A new connection has not loaded the library yet.
\c
SET DateStyle = 'ISO, YMD';
SET client_min_messages = error;
SET alignment.period = 'weeks';
SET alignment.min_sample = 5;
SELECT alignment.period_start('2024-02-29 12:00+00');
SELECT alignment.setting('min_sample');
SET alignment.period = 'week';
SELECT alignment.period_start('2024-02-29 12:00+00') AS week_start,
       alignment.setting('min_sample') AS min_sample;
RESET alignment.period;
RESET alignment.min_sample;
