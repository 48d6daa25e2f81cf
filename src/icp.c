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
 * and cached in fn_extra, keyed by the bytes of the definition (not even
 * compared when it is a Const of the query).  Validation, scoring and the
 * explanation all share CompileIcp() and EvaluateIcp(), so the matching
 * rules exist once.
 *
 * What a row costs is kept close to reading its attributes:
 *
 *	- Nothing is allocated for an ordinary row.  Attributes small enough
 *	  to be stored with a one-byte header are realigned into a buffer on
 *	  the stack rather than detoasted into a palloc'd copy, and numeric_cmp
 *	  is called through a FunctionCallInfo prepared with the definition.
 *
 *	- Attribute lookup is one merge pass.  A jsonb object stores its keys
 *	  sorted by length, then bytes; the compiled criteria are sorted the
 *	  same way once (IcpDefinition.order), so JudgeAttributes() walks the
 *	  object's keys and the sorted criteria in step, reading the JEntry
 *	  array through the macros of utils/jsonb.h, instead of one binary
 *	  search (getKeyJsonValueFromContainer) per criterion.
 *
 *	- Bounds are checked on the numeric itself.  The rule is, and stays,
 *	  that a number matches when its double precision value lies within the
 *	  bounds, which are doubles too.  Converting a numeric to double prints
 *	  it and runs strtod(), so each finite bound also keeps its numeric and,
 *	  as a numeric, the next double outward.  Conversion to double is
 *	  monotonic (the text is exact, and strtod() rounds to nearest), so a
 *	  number at or inside the numeric bound is inside, and a number at or
 *	  beyond the next double is outside; only a number strictly between
 *	  the two (less than one double's step from the bound) is converted to
 *	  decide.  Numeric strings are still parsed as before.
 *
 *	- The outcome of each criterion goes to a scratch array kept with the
 *	  compiled definition, and the weights are added up afterwards in the
 *	  order of the definition, so the score is the same double whatever
 *	  order the attributes were found in.
 *
 * The explanation functions take the same path, with outcomes of their own.
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
#include "nodes/primnodes.h"
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
	Numeric		low_numeric;	/* low as given, NULL when unbounded */
	Numeric		below_low;		/* the double below low, NULL if none */
	Numeric		high_numeric;	/* high as given, NULL when unbounded */
	Numeric		above_high;		/* the double above high, NULL if none */
	double		weight;
	bool		disqualify;
} IcpCriterion;

/* How one criterion judged one set of attributes */
typedef struct IcpOutcome
{
	bool		present;		/* attribute present and not JSON null */
	bool		null_value;		/* attribute present as JSON null */
	bool		matched;
	JsonbValue	value;			/* the attribute's value, when present */
} IcpOutcome;

/* A compiled definition */
typedef struct IcpDefinition
{
	int			ncriteria;
	IcpCriterion *criteria;
	int		   *order;			/* criteria indexes in jsonb key order */
	IcpOutcome *scratch;		/* ncriteria outcomes for icp_score */
	FunctionCallInfo cmpcall;	/* numeric_cmp's call, set up once */
	bool		exclude_missing;	/* "missing": "exclude" */
} IcpDefinition;

/* The compiled definition cached in fn_extra */
typedef struct IcpCache
{
	MemoryContext cxt;			/* holds everything below */
	Jsonb	   *source;			/* copy of the definition compiled */
	IcpDefinition *def;
	bool		constant;		/* the definition argument is a Const */
} IcpCache;

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
 * numeric_cmp(a, b), through the call prepared once in cmpcall (what
 * DirectFunctionCall2 would set up on every row).
 */
static inline int
NumericCompare(FunctionCallInfo cmpcall, Numeric a, Numeric b)
{
	cmpcall->args[0].value = NumericGetDatum(a);
	cmpcall->args[1].value = NumericGetDatum(b);
	cmpcall->isnull = false;
	return DatumGetInt32(numeric_cmp(cmpcall));
}

/*
 * The shortest numeric that converts back to the double d, which must be
 * finite: what float8 output would show.
 */
static Numeric
ShortestNumeric(double d)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(d, buf);
	return DatumGetNumeric(DirectFunctionCall3(numeric_in,
											   CStringGetDatum(buf),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/*
 * A numeric whose double is exactly d, or NULL when d is not finite (or, in
 * case the round trip should ever fail, when it does not convert back).
 */
static Numeric
GuardNumeric(double d)
{
	Numeric		n;

	if (isinf(d) || isnan(d))
		return NULL;
	n = ShortestNumeric(d);
	if (NumericToDouble(n) != d)
		return NULL;
	return n;
}

/*
 * Whether the double d lies within the bounds of criterion c.
 */
static inline bool
DoubleWithin(IcpCriterion *c, double d)
{
	return d >= c->low && d <= c->high;
}

/*
 * Whether the JSON number n lies within the bounds of criterion c, using
 * cmpcall for numeric_cmp (IcpDefinition.cmpcall): always
 * DoubleWithin(c, NumericToDouble(n)), but computed on the numeric, which
 * is converted only when it is less than a double's step outside a bound
 * (see the notes at the top of the file).
 */
static bool
NumericWithin(FunctionCallInfo cmpcall, IcpCriterion *c, Numeric n)
{
	if (c->low_numeric != NULL &&
		NumericCompare(cmpcall, n, c->low_numeric) < 0)
	{
		if (c->below_low != NULL &&
			NumericCompare(cmpcall, n, c->below_low) <= 0)
			return false;
		return DoubleWithin(c, NumericToDouble(n));
	}
	if (c->high_numeric != NULL &&
		NumericCompare(cmpcall, n, c->high_numeric) > 0)
	{
		if (c->above_high != NULL &&
			NumericCompare(cmpcall, n, c->above_high) >= 0)
			return false;
		return DoubleWithin(c, NumericToDouble(n));
	}

	/*
	 * numeric_cmp sorts the infinities where doubles have them, and NaN
	 * above everything: NaN gets here only when there is no upper bound,
	 * and is within no bounds, as a double compares false with everything.
	 */
	return c->high_numeric != NULL || !numeric_is_nan(n);
}

/*
 * Whether the len bytes at a and b are equal, for the short strings
 * compared on every row (attribute names, operands), where a call to
 * memcmp() costs more than the comparison.  Strings of 4 bytes or more are
 * compared as words, the last word overlapping the one before it instead
 * of reading past the end (memcpy() into an integer is an unaligned load).
 */
static inline bool
BytesEqual(const char *a, const char *b, int len)
{
	if (len >= 8)
	{
		uint64		x;
		uint64		y;
		int			i;

		for (i = 0; i < len - 8; i += 8)
		{
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return false;
		}
		memcpy(&x, a + len - 8, 8);
		memcpy(&y, b + len - 8, 8);
		return x == y;
	}
	if (len >= 4)
	{
		uint32		x1;
		uint32		y1;
		uint32		x2;
		uint32		y2;

		memcpy(&x1, a, 4);
		memcpy(&y1, b, 4);
		memcpy(&x2, a + len - 4, 4);
		memcpy(&y2, b + len - 4, 4);
		return x1 == y1 && x2 == y2;
	}
	while (len-- > 0)
	{
		if (*a++ != *b++)
			return false;
	}
	return true;
}

/*
 * Exact equality of a JSON value and a scalar operand: same JSON type and
 * same value (so the string "5" differs from the number 5).
 */
static inline bool
ScalarEquals(JsonbValue *a, JsonbValue *b)
{
	if (a->type != b->type)
		return false;

	switch (a->type)
	{
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				BytesEqual(a->val.string.val, b->val.string.val,
						   a->val.string.len);
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
 * Keep the bounds of criterion c, already compiled as doubles, as numerics
 * too, with the next double outward, for NumericWithin().  low and high are
 * the bounds as given in the definition, NULL when unbounded.
 */
static void
CompileBounds(IcpCriterion *c, Numeric low, Numeric high)
{
	if (low != NULL)
	{
		c->low_numeric = DatumGetNumericCopy(NumericGetDatum(low));
		c->below_low = GuardNumeric(nextafter(c->low, -INFINITY));
	}
	if (high != NULL)
	{
		c->high_numeric = DatumGetNumericCopy(NumericGetDatum(high));
		c->above_high = GuardNumeric(nextafter(c->high, INFINITY));
	}
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
				CompileBounds(c, lo->val.numeric, hi->val.numeric);
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
				CompileBounds(c,
							  (op == ICP_MIN) ? v->val.numeric : NULL,
							  (op == ICP_MAX) ? v->val.numeric : NULL);
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
 * Order attribute names as jsonb orders the keys of an object: by length,
 * then bytes (lengthCompareJsonbString in jsonb_util.c).
 */
static inline int
CompareAttributeNames(const char *a, int alen, const char *b, int blen)
{
	int			i;

	if (alen != blen)
		return (alen > blen) ? 1 : -1;
	if (BytesEqual(a, b, alen))
		return 0;				/* the common case, when scoring */
	for (i = 0; a[i] == b[i]; i++)
		;
	return (unsigned char) a[i] - (unsigned char) b[i];
}

/*
 * qsort_arg comparator of criteria indexes, by attribute name in jsonb key
 * order, then by index.
 */
static int
CompareCriteriaOrder(const void *a, const void *b, void *arg)
{
	IcpDefinition *def = (IcpDefinition *) arg;
	int			ia = *(const int *) a;
	int			ib = *(const int *) b;
	IcpCriterion *ca = &def->criteria[ia];
	IcpCriterion *cb = &def->criteria[ib];
	int			cmp;

	cmp = CompareAttributeNames(ca->attribute, ca->attrlen,
								cb->attribute, cb->attrlen);
	if (cmp != 0)
		return cmp;
	return (ia > ib) - (ia < ib);
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
	double		total_weight;
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

	/* the score divides by a sum of weights: it must stay a number */
	total_weight = 0;
	for (i = 0; i < def->ncriteria; i++)
		if (!def->criteria[i].disqualify)
			total_weight += def->criteria[i].weight;
	if (isinf(total_weight))
		IcpDefinitionError("the weights add up to more than a double can hold",
						   "Scale the weights down: only their ratios matter.");

	/* For JudgeAttributes(): the criteria in the order of jsonb keys. */
	def->order = palloc(sizeof(int) * def->ncriteria);
	for (i = 0; i < def->ncriteria; i++)
		def->order[i] = i;
	qsort_arg(def->order, def->ncriteria, sizeof(int),
			  CompareCriteriaOrder, def);
	def->scratch = palloc(sizeof(IcpOutcome) * def->ncriteria);

	def->cmpcall = palloc(SizeForFunctionCallInfo(2));
	InitFunctionCallInfoData(*def->cmpcall, NULL, 2, InvalidOid, NULL, NULL);
	def->cmpcall->args[0].isnull = false;
	def->cmpcall->args[1].isnull = false;

	return def;
}

/*
 * Whether the definition, the first argument, is a constant of the calling
 * expression, and so the same on every call that shares fn_extra.  Only a
 * Const qualifies: an external Param, which get_fn_expr_arg_stable() also
 * accepts, changes between the calls of a PL/pgSQL expression that keeps
 * its state across statements.
 */
static bool
DefinitionIsConstant(FunctionCallInfo fcinfo)
{
	Node	   *expr = fcinfo->flinfo->fn_expr;
	List	   *args;

	if (expr == NULL || !IsA(expr, FuncExpr))
		return false;
	args = ((FuncExpr *) expr)->args;
	return list_length(args) >= 1 && IsA(linitial(args), Const);
}

/*
 * GetIcpDefinition() when the definition is not a constant already
 * compiled: fetch it, and compile it unless it has the same bytes as the
 * definition compiled before.
 */
static IcpDefinition *
LookupIcpDefinition(FunctionCallInfo fcinfo)
{
	IcpCache   *cache = (IcpCache *) fcinfo->flinfo->fn_extra;
	Jsonb	   *definition = PG_GETARG_JSONB_P(0);
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
	cache->constant = DefinitionIsConstant(fcinfo);

	return cache->def;
}

/*
 * The compiled form of the definition argument, from the cache in fn_extra
 * when the same definition was compiled by an earlier call of this query:
 * always when it is a constant, otherwise when its bytes are the same.
 */
static inline IcpDefinition *
GetIcpDefinition(FunctionCallInfo fcinfo)
{
	IcpCache   *cache = (IcpCache *) fcinfo->flinfo->fn_extra;

	if (cache != NULL && cache->def != NULL && cache->constant)
		return cache->def;
	return LookupIcpDefinition(fcinfo);
}

/*
 * Read the value of entry index of container, whose data spans offset to
 * end from base, the start of the container's data, as fillJsonbValue()
 * in jsonb_util.c does.
 */
static void
ReadJsonbEntry(JsonbContainer *container, int index, char *base,
			   uint32 offset, uint32 end, JsonbValue *result)
{
	JEntry		entry = container->children[index];

	if (JBE_ISNULL(entry))
		result->type = jbvNull;
	else if (JBE_ISSTRING(entry))
	{
		result->type = jbvString;
		result->val.string.val = base + offset;
		result->val.string.len = end - offset;
	}
	else if (JBE_ISNUMERIC(entry))
	{
		result->type = jbvNumeric;
		result->val.numeric = (Numeric) (base + INTALIGN(offset));
	}
	else if (JBE_ISBOOL_TRUE(entry))
	{
		result->type = jbvBool;
		result->val.boolean = true;
	}
	else if (JBE_ISBOOL_FALSE(entry))
	{
		result->type = jbvBool;
		result->val.boolean = false;
	}
	else
	{
		/* A container, past its alignment padding */
		Assert(JBE_ISCONTAINER(entry));
		result->type = jbvBinary;
		result->val.binary.data =
			(JsonbContainer *) (base + INTALIGN(offset));
		result->val.binary.len = end - INTALIGN(offset);
	}
}

/*
 * Whether the array container has an element equal to the scalar operand,
 * as findJsonbValueFromContainer(array, JB_FARRAY, operand) would say,
 * without the allocation it makes for every call.
 */
static bool
ArrayContains(JsonbContainer *array, JsonbValue *operand)
{
	int			n = JsonContainerSize(array);
	char	   *base = (char *) &array->children[n];
	uint32		offset = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		uint32		end = offset;
		JsonbValue	element;

		JBE_ADVANCE_OFFSET(end, array->children[i]);
		ReadJsonbEntry(array, i, base, offset, end, &element);
		if (ScalarEquals(&element, operand))
			return true;
		offset = end;
	}
	return false;
}

/*
 * Whether criterion c of def matches the attribute value v (present, not
 * null).
 */
static bool
MatchCriterion(IcpDefinition *def, IcpCriterion *c, JsonbValue *v)
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
			/* A JSON number, or a string that parses as a number */
			if (v->type == jbvNumeric)
				return NumericWithin(def->cmpcall, c, v->val.numeric);
			return v->type == jbvString &&
				ParseNumber(v->val.string.val, v->val.string.len, &number) &&
				DoubleWithin(c, number);

		case ICP_CONTAINS:
			if (v->type == jbvString && c->values[0].type == jbvString)
				return ContainsSubstring(v->val.string.val,
										 v->val.string.len,
										 c->values[0].val.string.val,
										 c->values[0].val.string.len);
			if (v->type == jbvBinary &&
				JsonContainerIsArray(v->val.binary.data))
				return ArrayContains(v->val.binary.data, &c->values[0]);
			return false;
	}
	return false;				/* keep the compiler quiet */
}

/*
 * Look up the attribute of every criterion of def in the jsonb object
 * container and judge it, filling the criterion's entry of outcomes.
 *
 * An object holds its n keys, sorted by length then bytes, then their n
 * values, as 2n JEntries followed by the data, each entry's data starting
 * where the previous one ends (JBE_ADVANCE_OFFSET).  def->order lists the
 * criteria in the same order of their attributes, so one pass over both
 * finds every attribute, and stops at the last one needed.
 */
static void
JudgeAttributes(IcpDefinition *def, JsonbContainer *container,
				IcpOutcome *outcomes)
{
	int			npairs = JsonContainerSize(container);
	char	   *base = (char *) &container->children[npairs * 2];
	uint32		keyoff = 0;
	uint32		valoff;
	int			i;
	int			j = 0;

	/* The values' data follows the keys' data. */
	valoff = (npairs > 0) ? getJsonbOffset(container, npairs) : 0;

	for (i = 0; i < npairs && j < def->ncriteria; i++)
	{
		uint32		keyend = keyoff;
		uint32		valend = valoff;

		JBE_ADVANCE_OFFSET(keyend, container->children[i]);
		JBE_ADVANCE_OFFSET(valend, container->children[npairs + i]);

		/*
		 * Criteria whose attribute sorts before this key find none; those
		 * naming this key (there may be several) judge its value.
		 */
		while (j < def->ncriteria)
		{
			int			index = def->order[j];
			IcpCriterion *c = &def->criteria[index];
			IcpOutcome *o = &outcomes[index];
			int			cmp;

			cmp = CompareAttributeNames(c->attribute, c->attrlen,
										base + keyoff, keyend - keyoff);
			if (cmp > 0)
				break;
			if (cmp == 0)
			{
				ReadJsonbEntry(container, npairs + i, base, valoff, valend,
							   &o->value);
				o->present = (o->value.type != jbvNull);
				o->null_value = !o->present;
				o->matched = o->present && MatchCriterion(def, c, &o->value);
			}
			else
				o->present = o->null_value = o->matched = false;
			j++;
		}

		keyoff = keyend;
		valoff = valend;
	}

	/* The attributes that sort after the last key are missing too. */
	for (; j < def->ncriteria; j++)
	{
		IcpOutcome *o = &outcomes[def->order[j]];

		o->present = o->null_value = o->matched = false;
	}
}

/*
 * Score attributes against def.  outcomes (def->ncriteria entries, def's
 * scratch array when the caller does not need them) receives each
 * criterion's verdict.
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

	JudgeAttributes(def, &attributes->root, outcomes);

	/* Add up in the order of the definition. */
	for (i = 0; i < def->ncriteria; i++)
	{
		IcpCriterion *c = &def->criteria[i];
		IcpOutcome *o = &outcomes[i];

		if (c->disqualify)
		{
			/* A missing attribute never disqualifies. */
			if (o->matched)
				result.disqualified = true;
		}
		else if (o->present || !def->exclude_missing)
		{
			result.considered_weight += c->weight;
			if (o->matched)
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
	(void) GetIcpDefinition(fcinfo);

	PG_RETURN_BOOL(true);
}

/* Room for a jsonb that was stored with a one-byte header, realigned */
typedef union IcpSmallJsonb
{
	char		data[VARHDRSZ + VARATT_SHORT_MAX];
	int32		align;			/* jsonb is int-aligned */
} IcpSmallJsonb;

/*
 * The attributes argument of icp_score.  A tuple stores a value under 127
 * bytes with a one-byte header, unaligned, and PG_GETARG_JSONB_P would
 * copy it to a palloc'd chunk on every row: copy it to buf instead, which
 * lives as long as the call.
 */
static Jsonb *
AttributesArgument(FunctionCallInfo fcinfo, IcpSmallJsonb *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(1));

	if (!VARATT_IS_EXTERNAL(v) && VARATT_IS_SHORT(v))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		SET_VARSIZE(buf->data, len + VARHDRSZ);
		memcpy(VARDATA(buf->data), VARDATA_SHORT(v), len);
		return (Jsonb *) buf->data;
	}
	return PG_GETARG_JSONB_P(1);
}

/*
 * alignment.icp_score(definition, attributes): the fit score, 0 to 100.
 */
PG_FUNCTION_INFO_V1(icp_score);
Datum
icp_score(PG_FUNCTION_ARGS)
{
	IcpSmallJsonb buf;
	Jsonb	   *attributes = AttributesArgument(fcinfo, &buf);
	IcpDefinition *def;
	IcpResult	result;

	def = GetIcpDefinition(fcinfo);
	result = EvaluateIcp(def, attributes, def->scratch);

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
	Jsonb	   *attributes = PG_GETARG_JSONB_P(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IcpDefinition *def;
	IcpOutcome *outcomes;
	IcpResult	result;
	int			i;

	InitMaterializedSRF(fcinfo, 0);

	def = GetIcpDefinition(fcinfo);
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
		/*
		 * The shortest text that reads back as the same double, as float8
		 * output shows it by default, whatever extra_float_digits says.
		 */
		v.type = jbvNumeric;
		v.val.numeric = ShortestNumeric(value);
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
	Jsonb	   *attributes = PG_GETARG_JSONB_P(1);
	IcpDefinition *def;
	IcpOutcome *outcomes;
	IcpResult	result;
	JsonbParseState *state = NULL;
	JsonbValue	k;
	JsonbValue *doc;
	int			i;

	def = GetIcpDefinition(fcinfo);
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
