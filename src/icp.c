/*-------------------------------------------------------------------------
 *
 * icp.c
 *	  Ideal customer profile (ICP) definitions: validation, scoring and
 *	  the per-criterion explanation of a score.
 *
 * An ICP definition is a JSON document
 *
 *	  {"criteria": [{"attribute": "segment", "in": ["pet", "toys"],
 *					 "weight": 3}, ...],
 *	   "missing": "no_match"}
 *
 * Each criterion names one attribute, exactly one operator (in, equals,
 * between, min, max, contains), an optional weight (default 1) and an
 * optional disqualify flag.  The score of a set of attributes is
 *
 *	  100 * sum(weight of matched scoring criteria)
 *		  / sum(weight of scoring criteria considered)
 *
 * forced to 0 when a disqualifying criterion matches.  A criterion whose
 * attribute is missing (absent or JSON null) is considered and not matched
 * under "missing": "no_match", and left out under "missing": "exclude".
 *
 * Scoring is called once per lead, typically over a whole table with the
 * same definition, so the definition is compiled once into an IcpDefinition
 * and cached in fn_extra, keyed by the bytes of the definition: a row only
 * costs one attribute lookup and one comparison per criterion.  Validation,
 * scoring and the explanation all share CompileIcp() and EvaluateIcp(), so
 * the matching rules exist once.
 *
 * src/icp.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

typedef enum IcpOperator
{
	ICP_IN,
	ICP_EQUALS,
	ICP_BETWEEN,
	ICP_MIN,
	ICP_MAX,
	ICP_CONTAINS
} IcpOperator;

static const char *const icp_operator_names[] = {
	"in", "equals", "between", "min", "max", "contains"
};

#define ICP_NOPERATORS	((int) lengthof(icp_operator_names))

/* One compiled criterion; strings point into the cached definition */
typedef struct IcpCriterion
{
	const char *attribute;		/* attribute name, not NUL-terminated */
	int			attrlen;
	char	   *attrname;		/* NUL-terminated copy, for output */
	IcpOperator op;
	JsonbValue *values;			/* operands of in, equals and contains */
	int			nvalues;
	double		low;			/* between, min, max: inclusive bounds */
	double		high;
	double		weight;
	bool		disqualify;
} IcpCriterion;

/* A compiled definition */
typedef struct IcpDefinition
{
	int			ncriteria;
	IcpCriterion *criteria;
	bool		exclude_missing;	/* "missing": "exclude" */
} IcpDefinition;

/* The compiled definition cached in fn_extra */
typedef struct IcpCache
{
	MemoryContext cxt;			/* holds everything below */
	Jsonb	   *source;			/* copy of the definition compiled */
	IcpDefinition *def;
} IcpCache;

/* How one criterion judged one set of attributes */
typedef struct IcpOutcome
{
	bool		present;		/* attribute present and not JSON null */
	bool		null_value;		/* attribute present as JSON null */
	bool		matched;
	JsonbValue	value;			/* the attribute's value, when present */
} IcpOutcome;

/* The score of one set of attributes */
typedef struct IcpResult
{
	bool		isnull;			/* nothing was left to consider */
	bool		disqualified;
	double		score;
	double		considered_weight;	/* the denominator */
} IcpResult;

/*
 * Raise the error for a definition-level problem.
 */
static void
IcpDefinitionError(const char *problem, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid ICP definition: %s", problem),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("An ICP definition looks like {\"criteria\": "
					 "[{\"attribute\": \"segment\", \"in\": [\"pet\"], "
					 "\"weight\": 2}], \"missing\": \"no_match\"}.")));
}

/*
 * Raise the error for a problem in criterion number index (1-based).
 * attrname is NULL when the criterion's attribute is itself the problem.
 */
static void
IcpCriterionError(int index, const char *attrname, const char *problem,
				  const char *detail)
{
	if (attrname)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid ICP criterion %d (attribute \"%s\"): %s",
						index, attrname, problem),
				 detail ? errdetail("%s", detail) : 0));
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid ICP criterion %d: %s", index, problem),
				 detail ? errdetail("%s", detail) : 0));
}

/*
 * Render a JSON value as text, for error details.
 */
static char *
JsonbValueText(JsonbValue *v)
{
	Jsonb	   *j = JsonbValueToJsonb(v);

	return JsonbToCString(NULL, &j->root, VARSIZE(j));
}

/*
 * Key name of a JsonbValue (a string) as a NUL-terminated string.
 */
static char *
KeyName(JsonbValue *k)
{
	return pnstrdup(k->val.string.val, k->val.string.len);
}

/*
 * Convert a JSON number to double precision.
 */
static double
NumericToDouble(Numeric n)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(n)));
}

/*
 * Parse a string attribute as a number: optional blanks, an optional sign,
 * digits with an optional decimal point and exponent, optional blanks.
 * Anything else (including "NaN", "Infinity" and hexadecimal) is not a
 * number.  Returns false when the string does not parse.
 */
static bool
ParseNumber(const char *s, int len, double *result)
{
	char		buf[64];
	int			start = 0;
	int			end = len;
	int			i;
	bool		digits = false;

	while (start < end && isspace((unsigned char) s[start]))
		start++;
	while (end > start && isspace((unsigned char) s[end - 1]))
		end--;
	if (end - start <= 0 || end - start >= (int) sizeof(buf))
		return false;

	i = start;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < end && isdigit((unsigned char) s[i]))
		i++, digits = true;
	if (i < end && s[i] == '.')
	{
		i++;
		while (i < end && isdigit((unsigned char) s[i]))
			i++, digits = true;
	}
	if (!digits)
		return false;
	if (i < end && (s[i] == 'e' || s[i] == 'E'))
	{
		bool		expdigits = false;

		i++;
		if (i < end && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < end && isdigit((unsigned char) s[i]))
			i++, expdigits = true;
		if (!expdigits)
			return false;
	}
	if (i != end)
		return false;

	memcpy(buf, s + start, end - start);
	buf[end - start] = '\0';
	*result = strtod(buf, NULL);
	return true;
}

/*
 * The numeric value of an attribute for between/min/max: a JSON number, or
 * a string that parses as a number.  Returns false for anything else.
 */
static bool
AttributeNumber(JsonbValue *v, double *result)
{
	if (v->type == jbvNumeric)
	{
		*result = NumericToDouble(v->val.numeric);
		return true;
	}
	if (v->type == jbvString)
		return ParseNumber(v->val.string.val, v->val.string.len, result);
	return false;
}

/*
 * Exact equality of a JSON value and a scalar operand: same JSON type and
 * same value (so the string "5" differs from the number 5).
 */
static bool
ScalarEquals(JsonbValue *a, JsonbValue *b)
{
	if (a->type != b->type)
		return false;

	switch (a->type)
	{
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val,
					   a->val.string.len) == 0;
		case jbvNumeric:
			{
				Datum		na = NumericGetDatum(a->val.numeric);
				Datum		nb = NumericGetDatum(b->val.numeric);

				return DatumGetBool(DirectFunctionCall2(numeric_eq, na, nb));
			}
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		default:
			return false;
	}
}

/*
 * Whether haystack (of length hlen) contains needle (of length nlen).
 */
static bool
ContainsSubstring(const char *haystack, int hlen, const char *needle,
				  int nlen)
{
	int			i;

	for (i = 0; i + nlen <= hlen; i++)
	{
		if (memcmp(haystack + i, needle, nlen) == 0)
			return true;
	}
	return false;
}

/*
 * Whether a JSON value is a scalar an operand may be: string, number or
 * boolean.
 */
static bool
IsOperandScalar(JsonbValue *v)
{
	return v->type == jbvString || v->type == jbvNumeric ||
		v->type == jbvBool;
}

/*
 * A bound of between/min/max: a finite JSON number.
 */
static bool
OperandNumber(JsonbValue *v, double *result)
{
	if (v->type != jbvNumeric)
		return false;
	*result = NumericToDouble(v->val.numeric);
	return !isinf(*result);
}

/*
 * Compile the operand of criterion c (operator op, JSON value v).
 */
static void
CompileOperand(IcpCriterion *c, int index, IcpOperator op, JsonbValue *v)
{
	c->op = op;
	switch (op)
	{
		case ICP_EQUALS:
		case ICP_CONTAINS:
			if (!IsOperandScalar(v))
				IcpCriterionError(index, c->attrname,
								  psprintf("\"%s\" must be a string, number or boolean, not %s",
										   icp_operator_names[op],
										   JsonbValueText(v)),
								  NULL);
			c->values = palloc(sizeof(JsonbValue));
			c->values[0] = *v;
			c->nvalues = 1;
			break;

		case ICP_IN:
			{
				int			n;
				int			i;

				if (v->type != jbvBinary ||
					!JsonContainerIsArray(v->val.binary.data) ||
					JsonContainerIsScalar(v->val.binary.data) ||
					JsonContainerSize(v->val.binary.data) == 0)
					IcpCriterionError(index, c->attrname,
									  psprintf("\"in\" must be a non-empty array, not %s",
											   JsonbValueText(v)),
									  "List the accepted values, for example [\"pet\", \"toys\"].");
				n = JsonContainerSize(v->val.binary.data);
				c->values = palloc(sizeof(JsonbValue) * n);
				c->nvalues = n;
				for (i = 0; i < n; i++)
				{
					JsonbValue *e;

					e = getIthJsonbValueFromContainer(v->val.binary.data, i);
					if (!IsOperandScalar(e))
						IcpCriterionError(index, c->attrname,
										  psprintf("element %d of \"in\" must be a string, number or boolean, not %s",
												   i + 1, JsonbValueText(e)),
										  NULL);
					c->values[i] = *e;
				}
				break;
			}

		case ICP_BETWEEN:
			{
				JsonbValue *lo;
				JsonbValue *hi;

				if (v->type != jbvBinary ||
					!JsonContainerIsArray(v->val.binary.data) ||
					JsonContainerIsScalar(v->val.binary.data) ||
					JsonContainerSize(v->val.binary.data) != 2)
					IcpCriterionError(index, c->attrname,
									  psprintf("\"between\" must be an array of two numbers, not %s",
											   JsonbValueText(v)),
									  "Give the inclusive bounds, lower first, for example [50, 500].");
				lo = getIthJsonbValueFromContainer(v->val.binary.data, 0);
				hi = getIthJsonbValueFromContainer(v->val.binary.data, 1);
				if (!OperandNumber(lo, &c->low) ||
					!OperandNumber(hi, &c->high))
					IcpCriterionError(index, c->attrname,
									  psprintf("\"between\" must be an array of two numbers, not %s",
											   JsonbValueText(v)),
									  "Give the inclusive bounds, lower first, for example [50, 500].");
				if (c->low > c->high)
					IcpCriterionError(index, c->attrname,
									  psprintf("\"between\" bounds %s are in the wrong order",
											   JsonbValueText(v)),
									  "The lower bound comes first.");
				break;
			}

		case ICP_MIN:
		case ICP_MAX:
			{
				double		bound;

				if (!OperandNumber(v, &bound))
					IcpCriterionError(index, c->attrname,
									  psprintf("\"%s\" must be a number, not %s",
											   icp_operator_names[op],
											   JsonbValueText(v)),
									  NULL);
				c->low = (op == ICP_MIN) ? bound : -INFINITY;
				c->high = (op == ICP_MAX) ? bound : INFINITY;
				break;
			}
	}
}

/*
 * Compile criterion number index (1-based) from the JSON value v into c.
 */
static void
CompileCriterion(IcpCriterion *c, int index, JsonbValue *v)
{
	JsonbContainer *obj;
	JsonbValue	attr;
	JsonbIterator *it;
	JsonbValue	key;
	JsonbValue	val;
	JsonbIteratorToken tok;
	const char *opname = NULL;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		IcpCriterionError(index, NULL,
						  psprintf("a criterion must be a JSON object, not %s",
								   JsonbValueText(v)),
						  NULL);
	obj = v->val.binary.data;

	if (getKeyJsonValueFromContainer(obj, "attribute", 9, &attr) == NULL ||
		attr.type != jbvString || attr.val.string.len == 0)
		IcpCriterionError(index, NULL,
						  "\"attribute\" must be a non-empty string",
						  "Each criterion names the lead or account attribute it tests.");

	memset(c, 0, sizeof(IcpCriterion));
	c->attribute = attr.val.string.val;
	c->attrlen = attr.val.string.len;
	c->attrname = KeyName(&attr);
	c->weight = 1.0;

	it = JsonbIteratorInit(obj);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		char	   *name;
		int			op;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &val, true);
		Assert(tok == WJB_VALUE);
		name = KeyName(&key);

		if (strcmp(name, "attribute") == 0)
			continue;
		if (strcmp(name, "weight") == 0)
		{
			if (!OperandNumber(&val, &c->weight) || !(c->weight > 0))
				IcpCriterionError(index, c->attrname,
								  psprintf("\"weight\" must be a number greater than 0, not %s",
										   JsonbValueText(&val)),
								  NULL);
			continue;
		}
		if (strcmp(name, "disqualify") == 0)
		{
			if (val.type != jbvBool)
				IcpCriterionError(index, c->attrname,
								  psprintf("\"disqualify\" must be true or false, not %s",
										   JsonbValueText(&val)),
								  NULL);
			c->disqualify = val.val.boolean;
			continue;
		}

		for (op = 0; op < ICP_NOPERATORS; op++)
		{
			if (strcmp(name, icp_operator_names[op]) == 0)
				break;
		}
		if (op == ICP_NOPERATORS)
			IcpCriterionError(index, c->attrname,
							  psprintf("unknown key \"%s\"", name),
							  "A criterion takes \"attribute\", one operator among \"in\", \"equals\", \"between\", \"min\", \"max\" and \"contains\", and optionally \"weight\" and \"disqualify\".");
		if (opname != NULL)
			IcpCriterionError(index, c->attrname,
							  psprintf("more than one operator (\"%s\" and \"%s\")",
									   opname, name),
							  "Each criterion tests one condition; write a second criterion for the same attribute instead.");
		opname = icp_operator_names[op];
		CompileOperand(c, index, (IcpOperator) op, &val);
	}

	if (opname == NULL)
		IcpCriterionError(index, c->attrname, "no operator",
						  "Give one of \"in\", \"equals\", \"between\", \"min\", \"max\" or \"contains\".");
}

/*
 * Compile and validate a definition.  Everything is allocated in the
 * current memory context and may point into definition, which must live
 * at least as long as the result.
 */
static IcpDefinition *
CompileIcp(Jsonb *definition)
{
	IcpDefinition *def = palloc0(sizeof(IcpDefinition));
	JsonbContainer *criteria = NULL;
	JsonbIterator *it;
	JsonbValue	key;
	JsonbValue	val;
	JsonbIteratorToken tok;
	int			nscoring = 0;
	int			i;

	if (!JB_ROOT_IS_OBJECT(definition))
		IcpDefinitionError("it must be a JSON object", NULL);

	it = JsonbIteratorInit(&definition->root);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		char	   *name;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &val, true);
		Assert(tok == WJB_VALUE);
		name = KeyName(&key);

		if (strcmp(name, "criteria") == 0)
		{
			if (val.type != jbvBinary ||
				!JsonContainerIsArray(val.val.binary.data) ||
				JsonContainerIsScalar(val.val.binary.data))
				IcpDefinitionError(psprintf("\"criteria\" must be an array, not %s",
											JsonbValueText(&val)),
								   NULL);
			criteria = val.val.binary.data;
		}
		else if (strcmp(name, "missing") == 0)
		{
			if (val.type == jbvString && val.val.string.len == 8 &&
				memcmp(val.val.string.val, "no_match", 8) == 0)
				def->exclude_missing = false;
			else if (val.type == jbvString && val.val.string.len == 7 &&
					 memcmp(val.val.string.val, "exclude", 7) == 0)
				def->exclude_missing = true;
			else
				IcpDefinitionError(psprintf("\"missing\" must be \"no_match\" or \"exclude\", not %s",
											JsonbValueText(&val)),
								   "\"no_match\" counts a criterion whose attribute is missing as not matched; \"exclude\" leaves it out of the score.");
		}
		else
			IcpDefinitionError(psprintf("unknown key \"%s\"", name),
							   "A definition takes \"criteria\" and optionally \"missing\".");
	}

	if (criteria == NULL || JsonContainerSize(criteria) == 0)
		IcpDefinitionError("no criteria",
						   "\"criteria\" must be a non-empty array of criteria.");

	def->ncriteria = JsonContainerSize(criteria);
	def->criteria = palloc(sizeof(IcpCriterion) * def->ncriteria);
	for (i = 0; i < def->ncriteria; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(criteria, i);

		CompileCriterion(&def->criteria[i], i + 1, v);
		if (!def->criteria[i].disqualify)
			nscoring++;
	}

	if (nscoring == 0)
		IcpDefinitionError("no scoring criterion",
						   "At least one criterion must not be disqualifying, or no lead could score above 0.");

	return def;
}

/*
 * The compiled form of definition, from the cache in fn_extra when the
 * same definition was compiled by an earlier call of this query.
 */
static IcpDefinition *
GetIcpDefinition(FunctionCallInfo fcinfo, Jsonb *definition)
{
	IcpCache   *cache = (IcpCache *) fcinfo->flinfo->fn_extra;
	MemoryContext oldcxt;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									   sizeof(IcpCache));
		cache->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
										   "ICP definition cache",
										   ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = cache;
	}
	else if (cache->def != NULL &&
			 VARSIZE(cache->source) == VARSIZE(definition) &&
			 memcmp(cache->source, definition, VARSIZE(definition)) == 0)
		return cache->def;

	/* Forget the old definition first, in case compiling this one fails. */
	cache->def = NULL;
	cache->source = NULL;
	MemoryContextReset(cache->cxt);

	oldcxt = MemoryContextSwitchTo(cache->cxt);
	cache->source = palloc(VARSIZE(definition));
	memcpy(cache->source, definition, VARSIZE(definition));
	cache->def = CompileIcp(cache->source);
	MemoryContextSwitchTo(oldcxt);

	return cache->def;
}

/*
 * Whether criterion c matches the attribute value v (present, not null).
 */
static bool
MatchCriterion(IcpCriterion *c, JsonbValue *v)
{
	double		number;
	int			i;

	switch (c->op)
	{
		case ICP_IN:
		case ICP_EQUALS:
			for (i = 0; i < c->nvalues; i++)
			{
				if (ScalarEquals(v, &c->values[i]))
					return true;
			}
			return false;

		case ICP_BETWEEN:
		case ICP_MIN:
		case ICP_MAX:
			return AttributeNumber(v, &number) &&
				number >= c->low && number <= c->high;

		case ICP_CONTAINS:
			if (v->type == jbvString && c->values[0].type == jbvString)
				return ContainsSubstring(v->val.string.val,
										 v->val.string.len,
										 c->values[0].val.string.val,
										 c->values[0].val.string.len);
			if (v->type == jbvBinary &&
				JsonContainerIsArray(v->val.binary.data))
				return findJsonbValueFromContainer(v->val.binary.data,
												   JB_FARRAY,
												   &c->values[0]) != NULL;
			return false;
	}
	return false;				/* keep the compiler quiet */
}

/*
 * Score attributes against def.  When outcomes is not NULL it receives
 * def->ncriteria entries describing each criterion's verdict.
 */
static IcpResult
EvaluateIcp(IcpDefinition *def, Jsonb *attributes, IcpOutcome *outcomes)
{
	IcpResult	result = {0};
	double		matched_weight = 0;
	int			i;

	if (!JB_ROOT_IS_OBJECT(attributes))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attributes to score against an ICP must be a JSON object"),
				 errdetail("Attributes look like {\"segment\": \"pet\", \"employees\": 120}.")));

	for (i = 0; i < def->ncriteria; i++)
	{
		IcpCriterion *c = &def->criteria[i];
		JsonbValue	buf;
		JsonbValue *v;
		bool		present;
		bool		matched = false;

		v = getKeyJsonValueFromContainer(&attributes->root, c->attribute,
										 c->attrlen, &buf);
		present = (v != NULL && v->type != jbvNull);
		if (present)
			matched = MatchCriterion(c, v);

		if (outcomes)
		{
			outcomes[i].present = present;
			outcomes[i].null_value = (v != NULL && !present);
			outcomes[i].matched = matched;
			if (v != NULL)
				outcomes[i].value = *v;
		}

		if (c->disqualify)
		{
			/* A missing attribute never disqualifies. */
			if (matched)
				result.disqualified = true;
		}
		else if (present || !def->exclude_missing)
		{
			result.considered_weight += c->weight;
			if (matched)
				matched_weight += c->weight;
		}
	}

	if (result.disqualified)
		result.score = 0;
	else if (result.considered_weight > 0)
		result.score = 100.0 * matched_weight / result.considered_weight;
	else
		result.isnull = true;

	return result;
}

/*
 * Points criterion c adds to the score; isnull is set when the criterion
 * was left out (its attribute is missing and missing attributes are
 * excluded).
 */
static double
Contribution(IcpDefinition *def, IcpCriterion *c, IcpOutcome *o,
			 IcpResult *r, bool *isnull)
{
	*isnull = false;
	if (c->disqualify)
		return 0;
	if (!o->present && def->exclude_missing)
	{
		*isnull = true;
		return 0;
	}
	if (r->disqualified || !o->matched || r->considered_weight <= 0)
		return 0;
	return 100.0 * c->weight / r->considered_weight;
}

/*
 * alignment.icp_validate(definition): true, or an error naming the problem.
 */
PG_FUNCTION_INFO_V1(icp_validate);
Datum
icp_validate(PG_FUNCTION_ARGS)
{
	Jsonb	   *definition = PG_GETARG_JSONB_P(0);

	(void) GetIcpDefinition(fcinfo, definition);

	PG_RETURN_BOOL(true);
}

/*
 * alignment.icp_score(definition, attributes): the fit score, 0 to 100.
 */
PG_FUNCTION_INFO_V1(icp_score);
Datum
icp_score(PG_FUNCTION_ARGS)
{
	Jsonb	   *definition = PG_GETARG_JSONB_P(0);
	Jsonb	   *attributes = PG_GETARG_JSONB_P(1);
	IcpDefinition *def;
	IcpResult	result;

	def = GetIcpDefinition(fcinfo, definition);
	result = EvaluateIcp(def, attributes, NULL);

	if (result.isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result.score);
}

/*
 * The attribute value seen by a criterion as a jsonb datum; isnull is set
 * when the attribute is absent.
 */
static Datum
ValueSeen(IcpOutcome *o, bool *isnull)
{
	JsonbValue	nullv;

	*isnull = false;
	if (o->present)
		return JsonbPGetDatum(JsonbValueToJsonb(&o->value));
	if (o->null_value)
	{
		nullv.type = jbvNull;
		return JsonbPGetDatum(JsonbValueToJsonb(&nullv));
	}
	*isnull = true;
	return (Datum) 0;
}

/*
 * alignment.icp_explain(definition, attributes): one row per criterion.
 */
PG_FUNCTION_INFO_V1(icp_explain);
Datum
icp_explain(PG_FUNCTION_ARGS)
{
	Jsonb	   *definition = PG_GETARG_JSONB_P(0);
	Jsonb	   *attributes = PG_GETARG_JSONB_P(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IcpDefinition *def;
	IcpOutcome *outcomes;
	IcpResult	result;
	int			i;

	InitMaterializedSRF(fcinfo, 0);

	def = GetIcpDefinition(fcinfo, definition);
	outcomes = palloc0(sizeof(IcpOutcome) * def->ncriteria);
	result = EvaluateIcp(def, attributes, outcomes);

	for (i = 0; i < def->ncriteria; i++)
	{
		IcpCriterion *c = &def->criteria[i];
		IcpOutcome *o = &outcomes[i];
		Datum		values[8];
		bool		nulls[8] = {0};
		bool		contribution_null;

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(c->attrname);
		values[2] = CStringGetTextDatum(icp_operator_names[c->op]);
		values[3] = BoolGetDatum(o->matched);
		nulls[3] = !o->present;
		values[4] = ValueSeen(o, &nulls[4]);
		values[5] = Float8GetDatum(c->weight);
		values[6] = Float8GetDatum(Contribution(def, c, o, &result,
												&contribution_null));
		nulls[6] = contribution_null;
		values[7] = BoolGetDatum(c->disqualify);

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 values, nulls);
	}

	return (Datum) 0;
}

/*
 * Push "key": value (a double, or JSON null) into an object being built.
 */
static void
PushNumber(JsonbParseState **state, const char *key, double value,
		   bool isnull)
{
	JsonbValue	k;
	JsonbValue	v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &k);

	if (isnull)
		v.type = jbvNull;
	else
	{
		char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];
		Datum		d;

		/*
		 * The shortest text that reads back as the same double, as float8
		 * output shows it by default, whatever extra_float_digits says.
		 */
		double_to_shortest_decimal_buf(value, buf);
		d = DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
								ObjectIdGetDatum(InvalidOid),
								Int32GetDatum(-1));
		v.type = jbvNumeric;
		v.val.numeric = DatumGetNumeric(d);
	}
	pushJsonbValue(state, WJB_VALUE, &v);
}

/*
 * Push "key": value (a string, a boolean or JSON null) into an object.
 */
static void
PushScalar(JsonbParseState **state, const char *key, JsonbValue *v)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &k);
	pushJsonbValue(state, WJB_VALUE, v);
}

/*
 * Push "key": boolean into an object, JSON null when isnull.
 */
static void
PushBool(JsonbParseState **state, const char *key, bool value, bool isnull)
{
	JsonbValue	v;

	if (isnull)
		v.type = jbvNull;
	else
	{
		v.type = jbvBool;
		v.val.boolean = value;
	}
	PushScalar(state, key, &v);
}

/*
 * Push "key": string into an object.
 */
static void
PushString(JsonbParseState **state, const char *key, const char *value)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) value;
	v.val.string.len = strlen(value);
	PushScalar(state, key, &v);
}

/*
 * alignment.icp_explain_json(definition, attributes): the score and the
 * per-criterion breakdown as one jsonb document.
 */
PG_FUNCTION_INFO_V1(icp_explain_json);
Datum
icp_explain_json(PG_FUNCTION_ARGS)
{
	Jsonb	   *definition = PG_GETARG_JSONB_P(0);
	Jsonb	   *attributes = PG_GETARG_JSONB_P(1);
	IcpDefinition *def;
	IcpOutcome *outcomes;
	IcpResult	result;
	JsonbParseState *state = NULL;
	JsonbValue	k;
	JsonbValue *doc;
	int			i;

	def = GetIcpDefinition(fcinfo, definition);
	outcomes = palloc0(sizeof(IcpOutcome) * def->ncriteria);
	result = EvaluateIcp(def, attributes, outcomes);

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	PushNumber(&state, "score", result.score, result.isnull);
	PushBool(&state, "disqualified", result.disqualified, false);

	k.type = jbvString;
	k.val.string.val = "criteria";
	k.val.string.len = 8;
	pushJsonbValue(&state, WJB_KEY, &k);
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < def->ncriteria; i++)
	{
		IcpCriterion *c = &def->criteria[i];
		IcpOutcome *o = &outcomes[i];
		double		contribution;
		bool		contribution_null;
		JsonbValue	seen;

		contribution = Contribution(def, c, o, &result, &contribution_null);

		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		PushNumber(&state, "criterion", i + 1, false);
		PushString(&state, "attribute", c->attrname);
		PushString(&state, "operator", icp_operator_names[c->op]);
		PushBool(&state, "matched", o->matched, !o->present);
		if (o->present)
			seen = o->value;
		else
			seen.type = jbvNull;
		PushScalar(&state, "value_seen", &seen);
		PushNumber(&state, "weight", c->weight, false);
		PushNumber(&state, "contribution", contribution, contribution_null);
		PushBool(&state, "disqualifying", c->disqualify, false);
		pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	doc = pushJsonbValue(&state, WJB_END_OBJECT, NULL);

	PG_RETURN_JSONB_P(JsonbValueToJsonb(doc));
}
