-- src/sql/0.2.0/05_periods.sql: the period and as-of functions in C.
--
-- alignment.period_start and alignment.period_end run once for every row a
-- metric view groups. In 0.1.0 they were SQL expressions that read the
-- settings as text and parsed the field name and the time zone on every
-- call; the C versions (src/period.c) give the same dates, reading the
-- settings directly.

CREATE OR REPLACE FUNCTION alignment.period_start(ts timestamptz)
RETURNS date
AS 'MODULE_PATHNAME', 'alignment_period_start'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION alignment.period_end(ts timestamptz)
RETURNS date
AS 'MODULE_PATHNAME', 'alignment_period_end'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- The as-of time: every view compares each event it reads with it, so the
-- C version keeps the parsed setting instead of parsing it on every call.
CREATE OR REPLACE FUNCTION alignment.as_of()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'alignment_as_of_time'
LANGUAGE C STABLE PARALLEL SAFE;
