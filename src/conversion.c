/*-------------------------------------------------------------------------
 *
 * conversion.c
 *	  The conversion aggregate: MQL-to-SQL conversion of a cohort of leads
 *	  within a conversion window, with a Wilson score interval.
 *
 * The state is a bigint[] of three counts {decided, converted, pending}
 * rather than an internal type, so the aggregate runs in parallel without
 * serialisation functions and the state can be inspected in SQL.  As in
 * core's float8_accum, the transition functions update the array in place
 * when they are called as an aggregate (the array then lives in the
 * aggregate's memory context and belongs to it); called directly, they
 * return a new array.  The same functions serve the moving-aggregate mode
 * of window functions, with an inverse transition function that takes a
 * lead back out of the state.
 *
 * src/conversion.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* Positions of the counts in the state array */
#define CONV_DECIDED	0
#define CONV_CONVERTED	1
#define CONV_PENDING	2
#define CONV_NCOUNTS	3

/* z for a two-sided 95 % interval: the 0.975 quantile of the normal */
#define WILSON_Z_95		1.959963984540054

/* How one lead counts */
typedef enum ConversionOutcome
{
	CONVERSION_IGNORED,			/* no handoff time */
	CONVERSION_CONVERTED,
	CONVERSION_NOT_CONVERTED,	/* decided: window closed without one */
	CONVERSION_PENDING
} ConversionOutcome;

/*
 * Check that a state array is what the aggregate builds, and return its
 * counts.  what names the function, for the error message.
 */
static int64 *
CheckState(ArrayType *state, const char *what)
{
	int64	   *counts;

	if (ARR_NDIM(state) != 1 ||
		ARR_DIMS(state)[0] != CONV_NCOUNTS ||
		ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid conversion state passed to %s", what),
				 errdetail("The state must be a bigint array of three counts without NULLs: decided, converted, pending.")));

	counts = (int64 *) ARR_DATA_PTR(state);
	if (counts[CONV_DECIDED] < 0 || counts[CONV_CONVERTED] < 0 ||
		counts[CONV_PENDING] < 0 ||
		counts[CONV_CONVERTED] > counts[CONV_DECIDED])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid conversion state {" INT64_FORMAT "," INT64_FORMAT "," INT64_FORMAT "} passed to %s",
						counts[CONV_DECIDED], counts[CONV_CONVERTED],
						counts[CONV_PENDING], what),
				 errdetail("Counts must not be negative and converted leads cannot outnumber decided ones.")));
	return counts;
}

/*
 * The state to update: the argument itself when called as an aggregate
 * (the aggregate owns it), otherwise a copy.
 */
static ArrayType *
WritableState(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

/*
 * Classify one lead from the transition function's arguments 1 to 4.
 */
static ConversionOutcome
ClassifyLead(FunctionCallInfo fcinfo)
{
	TimestampTz from_time;
	TimestampTz to_time;
	TimestampTz as_of;
	TimestampTz window_end;
	int32		window_days;
	int64		window_usecs;

	if (PG_ARGISNULL(1))
		return CONVERSION_IGNORED;
	from_time = PG_GETARG_TIMESTAMPTZ(1);

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("conversion window must not be NULL"),
				 errhint("Pass the window in days, for example alignment.setting('conversion_window_days')::integer.")));
	window_days = PG_GETARG_INT32(3);
	if (window_days < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conversion window of %d days is not positive",
						window_days),
				 errdetail("A lead needs at least one day to convert.")));

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as-of time of a conversion must not be NULL"),
				 errhint("Pass the time the metrics are computed at, for example now().")));
	as_of = PG_GETARG_TIMESTAMPTZ(4);

	if (TIMESTAMP_NOT_FINITE(from_time))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("handoff time of a lead must be finite, not %s",
						timestamptz_to_str(from_time))));

	/* from_time + window_days * 24 h, saturating at +infinity */
	window_usecs = (int64) window_days * USECS_PER_DAY;
	if (pg_add_s64_overflow(from_time, window_usecs, &window_end) ||
		!IS_VALID_TIMESTAMP(window_end))
		window_end = DT_NOEND;

	if (!PG_ARGISNULL(2))
	{
		to_time = PG_GETARG_TIMESTAMPTZ(2);
		if (to_time >= from_time && to_time <= window_end &&
			to_time <= as_of)
			return CONVERSION_CONVERTED;
	}

	if (window_end <= as_of)
		return CONVERSION_NOT_CONVERTED;
	return CONVERSION_PENDING;
}

/*
 * Add delta (1 or -1) to the counts for one lead's outcome.
 */
static void
CountLead(int64 *counts, ConversionOutcome outcome, int delta)
{
	switch (outcome)
	{
		case CONVERSION_IGNORED:
			break;
		case CONVERSION_CONVERTED:
			counts[CONV_DECIDED] += delta;
			counts[CONV_CONVERTED] += delta;
			break;
		case CONVERSION_NOT_CONVERTED:
			counts[CONV_DECIDED] += delta;
			break;
		case CONVERSION_PENDING:
			counts[CONV_PENDING] += delta;
			break;
	}
}

/*
 * Transition function: count one lead into the state.
 */
PG_FUNCTION_INFO_V1(conversion_sfunc);
Datum
conversion_sfunc(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	ConversionOutcome outcome;
	int64	   *counts;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("conversion state must not be NULL")));

	outcome = ClassifyLead(fcinfo);
	if (outcome == CONVERSION_IGNORED)
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));

	state = WritableState(fcinfo, 0);
	counts = CheckState(state, "the conversion transition function");
	CountLead(counts, outcome, 1);

	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * Inverse transition function: take one lead back out of the state, for
 * moving window frames.
 */
PG_FUNCTION_INFO_V1(conversion_minvfunc);
Datum
conversion_minvfunc(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	ConversionOutcome outcome;
	int64	   *counts;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("conversion state must not be NULL")));

	outcome = ClassifyLead(fcinfo);
	if (outcome == CONVERSION_IGNORED)
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));

	state = WritableState(fcinfo, 0);
	counts = CheckState(state, "the conversion inverse transition function");
	CountLead(counts, outcome, -1);
	(void) CheckState(state, "the conversion inverse transition function");

	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * Combine function: add the counts of two partial states.
 */
PG_FUNCTION_INFO_V1(conversion_combine);
Datum
conversion_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1 = WritableState(fcinfo, 0);
	ArrayType  *state2 = PG_GETARG_ARRAYTYPE_P(1);
	int64	   *counts1;
	int64	   *counts2;
	int			i;

	counts1 = CheckState(state1, "the conversion combine function");
	counts2 = CheckState(state2, "the conversion combine function");

	for (i = 0; i < CONV_NCOUNTS; i++)
	{
		if (pg_add_s64_overflow(counts1[i], counts2[i], &counts1[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("conversion count out of range")));
	}

	PG_RETURN_ARRAYTYPE_P(state1);
}

/*
 * Final function: the counts, the rate and its 95 % Wilson score interval
 * as an alignment.conversion_result.
 */
PG_FUNCTION_INFO_V1(conversion_final);
Datum
conversion_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int64	   *counts;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};
	int64		decided;
	int64		converted;

	counts = CheckState(state, "the conversion final function");
	decided = counts[CONV_DECIDED];
	converted = counts[CONV_CONVERTED];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	values[0] = Int64GetDatum(decided);
	values[1] = Int64GetDatum(converted);
	values[2] = Int64GetDatum(counts[CONV_PENDING]);

	if (decided == 0)
		nulls[3] = nulls[4] = nulls[5] = true;
	else
	{
		double		n = (double) decided;
		double		p = (double) converted / n;
		double		z2 = WILSON_Z_95 * WILSON_Z_95;
		double		denom = 1.0 + z2 / n;
		double		centre = (p + z2 / (2.0 * n)) / denom;
		double		half;

		half = WILSON_Z_95 *
			sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;

		/*
		 * At p = 0 (p = 1) the lower (upper) bound is exactly 0 (1);
		 * computed, it would carry rounding noise such as 5e-17.
		 */
		values[3] = Float8GetDatum(p);
		values[4] = Float8GetDatum(converted == 0 ? 0.0 :
								   Max(0.0, centre - half));
		values[5] = Float8GetDatum(converted == decided ? 1.0 :
								   Min(1.0, centre + half));
	}

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values,
													  nulls)));
}
