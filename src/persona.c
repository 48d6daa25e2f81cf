/*-------------------------------------------------------------------------
 *
 * persona.c
 *	  Persona mix similarity and the 4-cell alignment matrix.
 *
 * src/persona.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "alignment.h"

/*
 * A JSON number as double precision (huge values become infinity).
 */
static double
NumberValue(Numeric n)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(n)));
}

/*
 * A JSON number as text, for error messages.
 */
static char *
NumberText(Numeric n)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out,
											   NumericGetDatum(n)));
}

/*
 * Any JSON value as text, for error messages.
 */
static char *
ValueText(JsonbValue *v)
{
	Jsonb	   *j = JsonbValueToJsonb(v);

	return JsonbToCString(NULL, &j->root, VARSIZE(j));
}

/*
 * Check that mix is an object of non-negative numbers and return their sum.
 * which is "first" or "second", for the error message.
 */
static double
MixTotal(Jsonb *mix, const char *which)
{
	JsonbIterator *it;
	JsonbValue	key;
	JsonbValue	val;
	JsonbIteratorToken tok;
	double		total = 0;

	if (!JB_ROOT_IS_OBJECT(mix))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s persona mix must be a JSON object", which),
				 errdetail("A persona mix looks like {\"founder\": 12, \"marketing manager\": 30}.")));

	it = JsonbIteratorInit(&mix->root);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		double		count;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &val, true);
		Assert(tok == WJB_VALUE);

		if (val.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("persona \"%s\" in the %s mix has the non-numeric count %s",
							pnstrdup(key.val.string.val, key.val.string.len),
							which, ValueText(&val)),
					 errdetail("Counts or weights must be JSON numbers.")));
		count = NumberValue(val.val.numeric);
		if (count < 0 || isinf(count))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("persona \"%s\" in the %s mix has count %s",
							pnstrdup(key.val.string.val, key.val.string.len),
							which, NumberText(val.val.numeric)),
					 errdetail("Counts or weights must be finite and not negative.")));
		total += count;
	}
	return total;
}

/*
 * Half the Kullback-Leibler terms, base 2, of the persona of this mix
 * whose share is p against the other mix's share q: 0.5 * p * log2(p / m)
 * with m = (p + q) / 2.
 */
static double
HalfKLTerm(double p, double q)
{
	if (p <= 0)
		return 0;
	return 0.5 * p * log2(p / ((p + q) / 2.0));
}

/*
 * Sum of the divergence terms of the personas of mix, the other mix's
 * shares looked up by key.  Without from_other_side, a persona both mixes
 * have contributes its terms for both sides; with it, such personas are
 * skipped (they were counted from the other side already) and only the
 * personas the other mix lacks are counted.
 */
static double
MixTerms(Jsonb *mix, double total, Jsonb *other, double other_total,
		 bool from_other_side)
{
	JsonbIterator *it;
	JsonbValue	key;
	JsonbValue	val;
	JsonbIteratorToken tok;
	double		sum = 0;

	it = JsonbIteratorInit(&mix->root);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		JsonbValue	obuf;
		JsonbValue *ov;
		double		p;
		double		q = 0;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &val, true);
		Assert(tok == WJB_VALUE);

		p = NumberValue(val.val.numeric) / total;
		ov = getKeyJsonValueFromContainer(&other->root, key.val.string.val,
										  key.val.string.len, &obuf);
		if (ov != NULL)
		{
			if (from_other_side)
				continue;
			q = NumberValue(ov->val.numeric) / other_total;
			sum += HalfKLTerm(q, p);
		}
		sum += HalfKLTerm(p, q);
	}
	return sum;
}

/*
 * alignment.persona_similarity(mix_a, mix_b): 1 minus the Jensen-Shannon
 * distance (base 2) between two persona mixes.
 */
PG_FUNCTION_INFO_V1(persona_similarity);
Datum
persona_similarity(PG_FUNCTION_ARGS)
{
	Jsonb	   *mix_a = PG_GETARG_JSONB_P(0);
	Jsonb	   *mix_b = PG_GETARG_JSONB_P(1);
	double		total_a;
	double		total_b;
	double		divergence;

	total_a = MixTotal(mix_a, "first");
	total_b = MixTotal(mix_b, "second");
	if (total_a <= 0 || total_b <= 0)
		PG_RETURN_NULL();

	/*
	 * JSD = 1/2 KL(A || M) + 1/2 KL(B || M): personas of A (with their B
	 * share, when B has them) and then personas only B has.
	 */
	divergence = MixTerms(mix_a, total_a, mix_b, total_b, false) +
		MixTerms(mix_b, total_b, mix_a, total_a, true);

	/* Rounding can push the divergence a hair outside [0, 1]. */
	divergence = Max(0.0, Min(1.0, divergence));

	PG_RETURN_FLOAT8(1.0 - sqrt(divergence));
}

/*
 * Check that an index lies in [0, 1].
 */
static void
CheckIndex(double value, const char *name)
{
	if (isnan(value) || value < 0 || value > 1)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %g is outside [0, 1]", name, value)));
}

/*
 * alignment.matrix_cell(persona_agreement, lifecycle_clarity): the cell of
 * the alignment matrix, 1 to 4.
 */
PG_FUNCTION_INFO_V1(matrix_cell);
Datum
matrix_cell(PG_FUNCTION_ARGS)
{
	double		persona = PG_GETARG_FLOAT8(0);
	double		clarity = PG_GETARG_FLOAT8(1);
	bool		high_persona;
	bool		high_clarity;

	CheckIndex(persona, "persona agreement");
	CheckIndex(clarity, "lifecycle clarity");

	AlignmentCheckSettings();
	high_persona = persona >= alignment_persona_agreement_threshold;
	high_clarity = clarity >= alignment_lifecycle_clarity_threshold;

	if (high_persona)
		PG_RETURN_INT32(high_clarity ? 4 : 2);
	PG_RETURN_INT32(high_clarity ? 3 : 1);
}

/*
 * alignment.matrix_next_step(cell): the recommended next step of a cell.
 */
PG_FUNCTION_INFO_V1(matrix_next_step);
Datum
matrix_next_step(PG_FUNCTION_ARGS)
{
	int32		cell = PG_GETARG_INT32(0);
	const char *step;

	switch (cell)
	{
		case 1:
			step = "joint ICP session and stage definitions";
			break;
		case 2:
			step = "define lifecycle stages and write the SLA";
			break;
		case 3:
			step = "reconcile personas against closed-won data";
			break;
		case 4:
			step = "keep the monthly review running";
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("alignment matrix cell %d does not exist", cell),
					 errdetail("Cells are numbered 1 to 4.")));
			step = NULL;		/* keep the compiler quiet */
	}

	PG_RETURN_TEXT_P(cstring_to_text(step));
}
