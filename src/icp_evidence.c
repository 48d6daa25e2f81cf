/*-------------------------------------------------------------------------
 *
 * icp_evidence.c
 *	  Evidence that an attribute value goes with winning: win rate, lift,
 *	  weight of evidence (WoE) and information value (IV).
 *
 * The records compared are won (w of them carry the value, W in all) and
 * not won (l carry the value, L in all: lost deals, or every other record
 * when the comparison is "won versus all").  With n = w + l and N = W + L:
 *
 *	  win rate = w / n
 *	  lift	   = (w / n) / (W / N)
 *	  WoE	   = ln(((w + 0.5) / W) / ((l + 0.5) / L))
 *	  IV	   = ((w + 0.5) / W - (l + 0.5) / L) * WoE
 *
 * The 0.5 added to both counts keeps the WoE finite for a value seen only
 * in wins or only in losses, and because the same smoothed shares appear
 * in both factors of IV, each value's IV is never negative.  The IV of an
 * attribute is the sum over its values.  Win rate and lift are NULL
 * without records carrying the value (and lift without wins at all); WoE
 * and IV are NULL without such records too, and when either side is empty
 * (there is nothing to compare).
 *
 * Two ways in share EvidenceResult():
 *	- icp_evidence_stats() takes the four counts, for callers that counted
 *	  by GROUP BY (alignment.icp_attribute_evidence does);
 *	- the aggregate alignment.icp_evidence(matches, won) counts them in one
 *	  pass for any predicate: an attribute value, a criterion or a whole
 *	  ICP.  Its state is a bigint[] of four counts {w, l, W - w, L - l}, so
 *	  it needs no serialisation to run in parallel or on distributed
 *	  tables; the transition and combine functions update it in place when
 *	  called as an aggregate, so a row costs no allocation.
 *
 * src/icp_evidence.c
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

/* Positions of the counts in the aggregate's state */
#define EV_MATCH_WON	0
#define EV_MATCH_LOST	1
#define EV_OTHER_WON	2
#define EV_OTHER_LOST	3
#define EV_NCOUNTS		4

/* Smoothing added to each count in the weight of evidence */
#define EV_SMOOTHING	0.5

/*
 * Return the counts of a state array after checking that it is what the
 * aggregate builds.  what names the function for the error message.
 */
static int64 *
EvidenceCounts(ArrayType *state, const char *what)
{
	int64	   *counts;
	int			i;

	if (ARR_NDIM(state) != 1 ||
		ARR_DIMS(state)[0] != EV_NCOUNTS ||
		ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid ICP evidence state passed to %s", what),
				 errdetail("The state must be a bigint array of four counts without NULLs: matching wins, matching losses, other wins, other losses.")));

	counts = (int64 *) ARR_DATA_PTR(state);
	for (i = 0; i < EV_NCOUNTS; i++)
		if (counts[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid ICP evidence state passed to %s: count " INT64_FORMAT " is negative",
							what, counts[i])));
	return counts;
}

/*
 * The state array to update: the argument itself when called as an
 * aggregate (the aggregate owns it), otherwise a copy.
 */
static ArrayType *
EvidenceStateForUpdate(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

/*
 * Build the alignment.icp_evidence_result row for w wins and l losses
 * among the records carrying a value, out of total_wins and total_losses.
 */
static Datum
EvidenceResult(FunctionCallInfo fcinfo, int64 w, int64 l,
			   int64 total_wins, int64 total_losses)
{
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};
	int64		n;
	int64		total;

	if (pg_add_s64_overflow(w, l, &n) ||
		pg_add_s64_overflow(total_wins, total_losses, &total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("ICP evidence count out of range")));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	values[0] = Int64GetDatum(n);
	values[1] = Int64GetDatum(w);

	/* win rate and lift */
	if (n == 0)
		nulls[2] = nulls[3] = true;
	else
	{
		double		win_rate = (double) w / (double) n;

		values[2] = Float8GetDatum(win_rate);
		if (total_wins == 0)
			nulls[3] = true;
		else
			values[3] = Float8GetDatum(win_rate /
									   ((double) total_wins / (double) total));
	}

	/* weight of evidence and the value's share of the information value */
	if (n == 0 || total_wins == 0 || total_losses == 0)
		nulls[4] = nulls[5] = true;
	else
	{
		double		share_won = ((double) w + EV_SMOOTHING) /
			(double) total_wins;
		double		share_lost = ((double) l + EV_SMOOTHING) /
			(double) total_losses;
		double		woe = log(share_won / share_lost);

		values[4] = Float8GetDatum(woe);
		values[5] = Float8GetDatum((share_won - share_lost) * woe);
	}

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values,
													  nulls)));
}

/*
 * Evidence of a value from its counts: wins and losses among the records
 * carrying it, and the wins and losses of all records compared.
 */
PG_FUNCTION_INFO_V1(icp_evidence_stats);
Datum
icp_evidence_stats(PG_FUNCTION_ARGS)
{
	int64		wins = PG_GETARG_INT64(0);
	int64		losses = PG_GETARG_INT64(1);
	int64		total_wins = PG_GETARG_INT64(2);
	int64		total_losses = PG_GETARG_INT64(3);

	if (wins < 0 || losses < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ICP evidence counts must not be negative: " INT64_FORMAT " wins, " INT64_FORMAT " losses",
						wins, losses)));
	if (wins > total_wins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value has " INT64_FORMAT " wins but all records have only " INT64_FORMAT,
						wins, total_wins),
				 errdetail("The totals count every record compared, including those carrying the value.")));
	if (losses > total_losses)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value has " INT64_FORMAT " losses but all records have only " INT64_FORMAT,
						losses, total_losses),
				 errdetail("The totals count every record compared, including those carrying the value.")));

	return EvidenceResult(fcinfo, wins, losses, total_wins, total_losses);
}

/*
 * Transition function of the icp_evidence aggregate: count one record.
 * A record whose outcome (won) is NULL is not decided and is skipped; a
 * NULL match counts as not matching, as a missing attribute does not
 * carry the value.
 */
PG_FUNCTION_INFO_V1(icp_evidence_sfunc);
Datum
icp_evidence_sfunc(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	int64	   *counts;
	bool		matches;
	bool		won;
	int			cell;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ICP evidence state must not be NULL")));
	if (PG_ARGISNULL(2))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));

	matches = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	won = PG_GETARG_BOOL(2);
	if (matches)
		cell = won ? EV_MATCH_WON : EV_MATCH_LOST;
	else
		cell = won ? EV_OTHER_WON : EV_OTHER_LOST;

	state = EvidenceStateForUpdate(fcinfo, 0);
	counts = EvidenceCounts(state, "the ICP evidence transition function");
	if (pg_add_s64_overflow(counts[cell], 1, &counts[cell]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("ICP evidence count out of range")));

	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * Combine function of the icp_evidence aggregate: add two partial states.
 */
PG_FUNCTION_INFO_V1(icp_evidence_combine);
Datum
icp_evidence_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1 = EvidenceStateForUpdate(fcinfo, 0);
	ArrayType  *state2 = PG_GETARG_ARRAYTYPE_P(1);
	int64	   *counts1;
	int64	   *counts2;
	int			i;

	counts1 = EvidenceCounts(state1, "the ICP evidence combine function");
	counts2 = EvidenceCounts(state2, "the ICP evidence combine function");

	for (i = 0; i < EV_NCOUNTS; i++)
		if (pg_add_s64_overflow(counts1[i], counts2[i], &counts1[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("ICP evidence count out of range")));

	PG_RETURN_ARRAYTYPE_P(state1);
}

/*
 * Final function of the icp_evidence aggregate: the evidence of the
 * records that matched, against all records counted.
 */
PG_FUNCTION_INFO_V1(icp_evidence_final);
Datum
icp_evidence_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int64	   *counts;
	int64		total_wins;
	int64		total_losses;

	counts = EvidenceCounts(state, "the ICP evidence final function");
	if (pg_add_s64_overflow(counts[EV_MATCH_WON], counts[EV_OTHER_WON],
							&total_wins) ||
		pg_add_s64_overflow(counts[EV_MATCH_LOST], counts[EV_OTHER_LOST],
							&total_losses))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("ICP evidence count out of range")));

	return EvidenceResult(fcinfo, counts[EV_MATCH_WON], counts[EV_MATCH_LOST],
						  total_wins, total_losses);
}
