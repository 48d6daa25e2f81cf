-- src/sql/10_core.sql: the functions, type and aggregate written in C.

-- Settings ---------------------------------------------------------------

CREATE FUNCTION alignment.setting(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'alignment_setting'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.setting(text) IS
'Current value of the setting alignment.<name> as text (period, conversion_window_days, business_timezone, persona_agreement_threshold, lifecycle_clarity_threshold, min_sample, persona_lookback_months, as_of, base_currency); an error for any other name.';

-- ICP definitions --------------------------------------------------------

CREATE FUNCTION alignment.icp_validate(definition jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'icp_validate'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.icp_validate(jsonb) IS
'True when definition is a valid ICP definition; otherwise raises an error naming the criterion, its attribute and the problem.';

CREATE FUNCTION alignment.icp_score(definition jsonb, attributes jsonb)
RETURNS double precision
AS 'MODULE_PATHNAME', 'icp_score'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.icp_score(jsonb, jsonb) IS
'ICP fit score, 0 to 100, of a lead or account with these attributes: the weight of the matched scoring criteria over the weight of those considered; 0 when a disqualifying criterion matches; NULL when no criterion could be considered.';

CREATE FUNCTION alignment.icp_explain(definition jsonb, attributes jsonb,
    OUT criterion integer,
    OUT attribute text,
    OUT operator text,
    OUT matched boolean,
    OUT value_seen jsonb,
    OUT weight double precision,
    OUT contribution double precision,
    OUT disqualifying boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'icp_explain'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION alignment.icp_explain(jsonb, jsonb) IS
'One row per ICP criterion showing how it scored these attributes: matched is NULL when the attribute is missing; contribution is the points the criterion adds to the 0 to 100 score (NULL when the criterion was left out because its attribute is missing and the definition says "missing": "exclude"). The contributions add up to icp_score.';

CREATE FUNCTION alignment.icp_explain_json(definition jsonb, attributes jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'icp_explain_json'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.icp_explain_json(jsonb, jsonb) IS
'The ICP score and the per-criterion breakdown of icp_explain as one JSON document, for writing back to a CRM: {"score": ..., "disqualified": ..., "criteria": [...]}.';

-- MQL-to-SQL conversion --------------------------------------------------

CREATE TYPE alignment.conversion_result AS (
    decided        bigint,
    converted    bigint,
    pending        bigint,
    rate        double precision,
    ci_low        double precision,
    ci_high        double precision
);
COMMENT ON TYPE alignment.conversion_result IS
'Result of the conversion aggregate: decided leads (converted or whose window closed), converted leads, pending leads, the rate converted/decided and its 95 % Wilson score interval.';

CREATE FUNCTION alignment.conversion_sfunc(state bigint[],
    from_time timestamptz, to_time timestamptz, window_days integer,
    as_of timestamptz)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'conversion_sfunc'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION alignment.conversion_sfunc(bigint[], timestamptz,
    timestamptz, integer, timestamptz) IS
'Transition function of the conversion aggregate: counts one lead into the state {decided, converted, pending}.';

CREATE FUNCTION alignment.conversion_minvfunc(state bigint[],
    from_time timestamptz, to_time timestamptz, window_days integer,
    as_of timestamptz)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'conversion_minvfunc'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION alignment.conversion_minvfunc(bigint[], timestamptz,
    timestamptz, integer, timestamptz) IS
'Inverse transition function of the conversion aggregate: removes one lead from the state when a moving window frame drops it.';

CREATE FUNCTION alignment.conversion_combine(state1 bigint[], state2 bigint[])
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'conversion_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.conversion_combine(bigint[], bigint[]) IS
'Combine function of the conversion aggregate: adds two partial states.';

CREATE FUNCTION alignment.conversion_final(state bigint[])
RETURNS alignment.conversion_result
AS 'MODULE_PATHNAME', 'conversion_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.conversion_final(bigint[]) IS
'Final function of the conversion aggregate: the counts, the rate and its 95 % Wilson score interval.';

CREATE AGGREGATE alignment.conversion(from_time timestamptz,
    to_time timestamptz, window_days integer, as_of timestamptz) (
    SFUNC = alignment.conversion_sfunc,
    STYPE = bigint[],
    INITCOND = '{0,0,0}',
    COMBINEFUNC = alignment.conversion_combine,
    FINALFUNC = alignment.conversion_final,
    MSFUNC = alignment.conversion_sfunc,
    MINVFUNC = alignment.conversion_minvfunc,
    MSTYPE = bigint[],
    MINITCOND = '{0,0,0}',
    MFINALFUNC = alignment.conversion_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE alignment.conversion(timestamptz, timestamptz, integer,
    timestamptz) IS
'MQL-to-SQL conversion of a cohort: one row per lead with its handoff time, its first conversion time (or NULL), the window in days and the as-of time. Converted: from_time <= to_time <= from_time + window_days days and to_time <= as_of; otherwise decided when the window closed by as_of, else pending. Rows with a NULL from_time are ignored.';

-- Persona agreement and the alignment matrix -----------------------------

CREATE FUNCTION alignment.persona_similarity(mix_a jsonb, mix_b jsonb)
RETURNS double precision
AS 'MODULE_PATHNAME', 'persona_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.persona_similarity(jsonb, jsonb) IS
'Similarity of two persona mixes given as {"persona": count, ...}: 1 minus the Jensen-Shannon distance (base 2) of the normalised mixes, from 0 (disjoint) to 1 (same proportions); NULL when either mix sums to 0.';

CREATE FUNCTION alignment.matrix_cell(persona_agreement double precision,
    lifecycle_clarity double precision)
RETURNS integer
AS 'MODULE_PATHNAME', 'matrix_cell'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.matrix_cell(double precision, double precision) IS
'Cell of the alignment matrix: 1 low persona agreement and low lifecycle clarity, 2 high/low, 3 low/high, 4 high/high; high means at or above alignment.persona_agreement_threshold or alignment.lifecycle_clarity_threshold.';

CREATE FUNCTION alignment.matrix_next_step(cell integer)
RETURNS text
AS 'MODULE_PATHNAME', 'matrix_next_step'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.matrix_next_step(integer) IS
'Recommended next step for a cell (1 to 4) of the alignment matrix.';
