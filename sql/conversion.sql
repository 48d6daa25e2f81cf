-- conversion: the MQL-to-SQL conversion aggregate.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
RESET client_min_messages;

-- One row per lead: handoff (mql) time, first conversion (sql) time.
-- Window 90 days, as of 2024-06-01 00:00 UTC.
CREATE TEMP TABLE cohort (lead text, from_time timestamptz,
    to_time timestamptz, expect text);
INSERT INTO cohort VALUES
    -- exactly from + 90 days (2024-01-01 + 90 d = 2024-03-31): converted
    ('l01', '2024-01-01 00:00+00', '2024-03-31 00:00+00', 'converted'),
    -- one microsecond past the window, which has closed: decided, lost
    ('l02', '2024-01-01 00:00+00', '2024-03-31 00:00:00.000001+00', 'lost'),
    -- to_time before from_time is not a conversion; window closed: lost
    ('l03', '2024-01-01 00:00+00', '2023-12-31 00:00+00', 'lost'),
    -- never converted, window closed: lost
    ('l04', '2024-01-01 00:00+00', NULL, 'lost'),
    -- never converted, window open until 2024-07-30: pending
    ('l05', '2024-05-01 00:00+00', NULL, 'pending'),
    -- converted after 9 days: converted
    ('l06', '2024-05-01 00:00+00', '2024-05-10 00:00+00', 'converted'),
    -- converts after the as-of time (inside the window): pending as of now
    ('l07', '2024-05-01 00:00+00', '2024-06-02 00:00+00', 'pending'),
    -- no handoff time: ignored
    ('l08', NULL, '2024-05-10 00:00+00', 'ignored'),
    -- window ends exactly at the as-of time (2024-03-03 + 90 d =
    -- 2024-06-01): decided, lost
    ('l09', '2024-03-03 00:00+00', NULL, 'lost'),
    -- converted the same instant it was handed off: converted
    ('l10', '2024-02-01 00:00+00', '2024-02-01 00:00+00', 'converted');

-- converted: l01 l06 l10 = 3; lost: l02 l03 l04 l09 = 4; decided 3 + 4 = 7;
-- pending: l05 l07 = 2.  rate = 3 / 7 = 0.428571...
-- Wilson, n = 7, p = 3/7, z = 1.959963984540054, z^2 = 3.841458820694124:
--   centre = (p + z^2 / 14) / (1 + z^2 / 7) = 0.702961 / 1.548780 = 0.453881
--   half   = z * sqrt(p (1 - p) / 7 + z^2 / 196) / (1 + z^2 / 7)
--          = 1.959964 * sqrt(0.034985 + 0.019599) / 1.548780 = 0.295661
--   ci = [0.158220, 0.749542]
SELECT (alignment.conversion(from_time, to_time, 90,
    '2024-06-01 00:00+00')).*
FROM cohort;

-- The same interval from the textbook formula, computed in SQL.
WITH r AS (
    SELECT (alignment.conversion(from_time, to_time, 90,
        '2024-06-01 00:00+00')).*
    FROM cohort),
w AS (
    SELECT r.*, 1.959963984540054::float8 AS z, decided::float8 AS n
    FROM r)
SELECT pg_catalog.abs(ci_low - ((rate + z * z / (2 * n))
        - z * pg_catalog.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)))
        / (1 + z * z / n)) < 1e-12 AS low_ok,
    pg_catalog.abs(ci_high - ((rate + z * z / (2 * n))
        + z * pg_catalog.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)))
        / (1 + z * z / n)) < 1e-12 AS high_ok
FROM w;

-- Each lead on its own agrees with the expected class.
SELECT lead, expect, (alignment.conversion(from_time, to_time, 90,
    '2024-06-01 00:00+00')).*
FROM cohort GROUP BY lead, expect ORDER BY lead;

-- A later as-of: l05's window closes (lost) and l07 converts, so
-- converted 4, decided 9, pending 0.
SELECT (alignment.conversion(from_time, to_time, 90,
    '2024-08-01 00:00+00')).*
FROM cohort;

-- Nothing decided yet: rate and interval are NULL.  No rows at all: zeros.
SELECT (alignment.conversion(from_time, to_time, 90,
    '2024-06-01 00:00+00')).*
FROM cohort WHERE lead IN ('l05', 'l07');
SELECT (alignment.conversion(from_time, to_time, 90,
    '2024-06-01 00:00+00')).*
FROM cohort WHERE false;
-- All decided, none converted: the interval starts at 0.
-- n = 4, p = 0: high = z^2 / 4 / (1 + z^2 / 4) = 0.960365 / 1.960365
--   = 0.489891
SELECT (alignment.conversion(from_time, to_time, 90,
    '2024-06-01 00:00+00')).*
FROM cohort WHERE expect = 'lost';

-- Per cohort month, with GROUP BY: 2024-01 is l01-l04 (1 of 4), 2024-02
-- l10, 2024-03 l09, 2024-05 l05-l07 (l06 decided, two pending).
SELECT pg_catalog.to_char(from_time AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
    (alignment.conversion(from_time, to_time, 90,
        '2024-06-01 00:00+00')).*
FROM cohort WHERE from_time IS NOT NULL
GROUP BY 1 ORDER BY 1;

-- Moving windows: a ROWS frame and a RANGE frame, each equal to
-- recomputing the aggregate over the frame's rows.
SELECT c.lead,
    alignment.conversion(c.from_time, c.to_time, 90, '2024-06-01 00:00+00')
        OVER (ORDER BY c.lead ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
        AS moving,
    alignment.conversion(c.from_time, c.to_time, 90, '2024-06-01 00:00+00')
        OVER (ORDER BY c.lead ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
    = (SELECT alignment.conversion(p.from_time, p.to_time, 90,
            '2024-06-01 00:00+00')
       FROM cohort p
       WHERE p.lead IN (SELECT q.lead FROM cohort q WHERE q.lead <= c.lead
                        ORDER BY q.lead DESC LIMIT 3)) AS same
FROM cohort c ORDER BY c.lead;

SELECT c.lead,
    alignment.conversion(c.from_time, c.to_time, 90, '2024-06-01 00:00+00')
        OVER (ORDER BY c.from_time
              RANGE BETWEEN '31 days' PRECEDING AND CURRENT ROW)
    = (SELECT alignment.conversion(p.from_time, p.to_time, 90,
            '2024-06-01 00:00+00')
       FROM cohort p
       WHERE p.from_time BETWEEN c.from_time - interval '31 days'
                             AND c.from_time) AS same
FROM cohort c WHERE c.from_time IS NOT NULL ORDER BY c.lead;

-- The transition functions called directly return new states.
SELECT alignment.conversion_sfunc('{0,0,0}', '2024-01-01', '2024-01-02', 90,
    '2024-06-01') AS converted,
    alignment.conversion_minvfunc('{1,1,0}', '2024-01-01', '2024-01-02', 90,
    '2024-06-01') AS removed,
    alignment.conversion_combine('{3,1,2}', '{4,2,0}') AS combined;

-- Bad arguments, one per statement.
SELECT alignment.conversion(from_time, to_time, 0, '2024-06-01 00:00+00')
FROM cohort;
SELECT alignment.conversion(from_time, to_time, NULL, '2024-06-01 00:00+00')
FROM cohort;
SELECT alignment.conversion(from_time, to_time, 90, NULL) FROM cohort;
SELECT alignment.conversion('infinity', NULL, 90, '2024-06-01 00:00+00');
-- The final function checks the state it is given.
SELECT alignment.conversion_final('{1,2,0}');
SELECT alignment.conversion_final('{-1,0,0}');
SELECT alignment.conversion_final('{1,1}');
SELECT alignment.conversion_final('{1,NULL,0}');
SELECT alignment.conversion_final('{{1,1,0}}');
SELECT alignment.conversion_minvfunc('{0,0,0}', '2024-01-01', NULL, 90,
    '2024-06-01');

DROP TABLE cohort;
