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
 *	- Nothing is allocated or copied for an ordinary row.  Attributes small
 *	  enough to be stored with a one-byte header lie unaligned in the tuple;
 *	  rather than detoasting each into a palloc'd, aligned copy, the
 *	  scoring path reads the container where it lies, its 32-bit words
 *	  through memcpy() (LoadWord()), and copies a number to an aligned
 *	  buffer only when it must hand it to numeric.c.
 *
 *	- Attribute lookup is one merge pass.  A jsonb object stores its keys
 *	  sorted by length, then bytes; the compiled criteria are sorted the
 *	  same way once (IcpDefinition.order), so JudgeAttributes() walks the
 *	  object's keys and the sorted criteria in step, reading the JEntry
 *	  array with the JBE_* macros of utils/jsonb.h, instead of one binary
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
 *	- Those comparisons do not go through numeric_cmp, which detoasts and
 *	  unpacks both sides on every call: the bounds are unpacked once into
 *	  sign, weight and base-10000 digits (IcpDecimal), and each number is
 *	  unpacked where it lies, from numeric's storage format, which
 *	  pg_upgrade keeps the same across releases.  The unpacked bounds are
 *	  checked against numeric_cmp when the definition is compiled, and
 *	  anything that does not unpack goes to numeric_cmp.
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

/*
 * A finite number unpacked from numeric's storage format (see
 * UnpackDecimal()): sign * 0.d1d2...dn * 10000^(weight + 1), each digit
 * from 0 to 9999.
 */
typedef struct IcpDecimal
{
	int			sign;			/* -1, 0 (zero) or 1 */
	int			weight;			/* base-10000 exponent of the first digit */
	int			ndigits;
	const char *digits;			/* ndigits int16 digits, maybe unaligned */
} IcpDecimal;

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
	IcpDecimal	low_dec;		/* the four above, unpacked */
	IcpDecimal	below_low_dec;
	IcpDecimal	high_dec;
	IcpDecimal	above_high_dec;
	double		weight;
	bool		disqualify;
} IcpCriterion;

/*
 * An attribute's value as read in place from the stored jsonb, which may
 * not be aligned (see AttributesArgument()): its type, and where its data
 * lies.
 */
typedef struct IcpValue
{
	enum jbvType type;			/* jbvNull, jbvString, jbvNumeric, jbvBool
								 * or jbvBinary (an array or object) */
	const char *data;			/* string bytes, numeric or container */
	uint32		len;			/* their length in bytes */
	bool		boolean;
} IcpValue;

/* How one criterion judged one set of attributes */
typedef struct IcpOutcome
{
	bool		present;		/* attribute present and not JSON null */
	bool		null_value;		/* attribute present as JSON null */
	bool		matched;
	IcpValue	value;			/* the attribute's value, when present */
} IcpOutcome;

/* Room to realign a number read from an unaligned jsonb */
typedef union IcpNumericBuf
{
	char		data[64];
	int32		align;			/* numeric is int-aligned */
} IcpNumericBuf;

/* A compiled definition */
typedef struct IcpDefinition
{
	int			ncriteria;
	IcpCriterion *criteria;
	int		   *order;			/* criteria indexes in jsonb key order */
	IcpOutcome *scratch;		/* ncriteria outcomes for icp_score */
	FunctionCallInfo cmpcall;	/* numeric_cmp's call, set up once */
	bool		unpack_bounds;	/* bounds compared as IcpDecimals */
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
 * The number v (a jbvNumeric IcpValue) as a Numeric that may be passed to
 * numeric.c: itself when it is aligned, otherwise a copy in buf, or, for a
 * number too long for buf (over a hundred digits), in palloc'd memory.
 */
static Numeric
AlignedNumeric(const IcpValue *v, IcpNumericBuf *buf)
{
	char	   *copy;

	if ((uintptr_t) v->data % ALIGNOF_INT == 0)
		return (Numeric) v->data;
	copy = (v->len <= sizeof(buf->data)) ? buf->data : palloc(v->len);
	memcpy(copy, v->data, v->len);
	return (Numeric) copy;
}

/*
 * Unpack the number at p, a numeric as stored (not necessarily aligned)
 * in at most len bytes, into d.  Returns false, leaving the number to
 * numeric.c, unless it is a finite number in the layout numeric.c writes:
 * a four-byte varlena
 * header, then either a 16-bit header holding the sign, display scale and
 * a weight of -64 to 63 (the short form) or a 16-bit sign and scale and a
 * 16-bit weight, then the base-10000 digits, the first one not zero.  That
 * layout is numeric's on-disk format, which pg_upgrade carries from one
 * release to the next; CompileIcp() still checks that comparisons of
 * unpacked bounds agree with numeric_cmp before relying on them.
 */
static inline bool
UnpackDecimal(const char *p, Size len, IcpDecimal *d)
{
	uint32		word;
	uint16		header;
	uint16		first;
	Size		size;
	Size		start;

	if (len < VARHDRSZ + sizeof(uint16) || VARATT_IS_1B(p))
		return false;
	memcpy(&word, p, sizeof(word));
	if (!VARATT_IS_4B_U(&word))
		return false;
	size = VARSIZE_4B(&word);
	if (size < VARHDRSZ + sizeof(uint16) || size > len)
		return false;
	memcpy(&header, p + VARHDRSZ, sizeof(header));

	switch (header & 0xC000)
	{
		case 0x8000:			/* short form */
			d->sign = (header & 0x2000) ? -1 : 1;
			d->weight = (header & 0x0040) ? (int) (header & 0x003F) - 64 :
				(int) (header & 0x003F);
			start = VARHDRSZ + sizeof(uint16);
			break;
		case 0x0000:			/* long form, positive */
		case 0x4000:			/* long form, negative */
			{
				int16		weight;

				if (size < VARHDRSZ + 2 * sizeof(uint16))
					return false;
				memcpy(&weight, p + VARHDRSZ + sizeof(uint16), sizeof(weight));
				d->sign = (header & 0x4000) ? -1 : 1;
				d->weight = weight;
				start = VARHDRSZ + 2 * sizeof(uint16);
				break;
			}
		default:				/* NaN or an infinity */
			return false;
	}

	d->ndigits = (size - start) / sizeof(int16);
	d->digits = p + start;
	if (d->ndigits == 0)
	{
		d->sign = 0;
		return true;
	}
	memcpy(&first, d->digits, sizeof(first));
	return first != 0;
}

/*
 * Compare two unpacked numbers, as numeric_cmp compares finite numbers.
 */
static inline int
CompareDecimals(const IcpDecimal *a, const IcpDecimal *b)
{
	int			i;

	if (a->sign != b->sign)
		return (a->sign < b->sign) ? -1 : 1;
	if (a->sign == 0)
		return 0;
	if (a->weight != b->weight)
		return (a->weight < b->weight) ? -a->sign : a->sign;
	for (i = 0; i < a->ndigits || i < b->ndigits; i++)
	{
		int16		x = 0;
		int16		y = 0;

		if (i < a->ndigits)
			memcpy(&x, a->digits + i * sizeof(int16), sizeof(x));
		if (i < b->ndigits)
			memcpy(&y, b->digits + i * sizeof(int16), sizeof(y));
		if (x != y)
			return (x < y) ? -a->sign : a->sign;
	}
	return 0;
}

/*
 * Compare the number being judged with a bound: unpacked (d and the bound's
 * unpacked form bd) when d is set, otherwise n through numeric_cmp.
 */
static inline int
CompareWithBound(FunctionCallInfo cmpcall, const IcpDecimal *d, Numeric n,
				 const IcpDecimal *bd, Numeric bound)
{
	return d ? CompareDecimals(d, bd) : NumericCompare(cmpcall, n, bound);
}

/*
 * Whether the JSON number v lies within the bounds of criterion c of def:
 * always DoubleWithin(c, NumericToDouble(v)), but computed on the number,
 * which is converted only when it is less than a double's step outside a
 * bound (see the notes at the top of the file).  The comparisons are made
 * on unpacked numbers when def allows it and v unpacks, through
 * numeric_cmp otherwise.
 */
static bool
NumericWithin(IcpDefinition *def, IcpCriterion *c, const IcpValue *v)
{
	FunctionCallInfo cmpcall = def->cmpcall;
	IcpNumericBuf buf;
	IcpDecimal	unpacked;
	const IcpDecimal *d = NULL;
	Numeric		n = NULL;

	if (def->unpack_bounds && UnpackDecimal(v->data, v->len, &unpacked))
		d = &unpacked;
	else
		n = AlignedNumeric(v, &buf);

	if (c->low_numeric != NULL &&
		CompareWithBound(cmpcall, d, n, &c->low_dec, c->low_numeric) < 0)
	{
		if (c->below_low != NULL &&
			CompareWithBound(cmpcall, d, n, &c->below_low_dec,
							 c->below_low) <= 0)
			return false;
		return DoubleWithin(c, NumericToDouble(n ? n : AlignedNumeric(v, &buf)));
	}
	if (c->high_numeric != NULL &&
		CompareWithBound(cmpcall, d, n, &c->high_dec, c->high_numeric) > 0)
	{
		if (c->above_high != NULL &&
			CompareWithBound(cmpcall, d, n, &c->above_high_dec,
							 c->above_high) >= 0)
			return false;
		return DoubleWithin(c, NumericToDouble(n ? n : AlignedNumeric(v, &buf)));
	}

	/*
	 * An unpacked number is finite.  numeric_cmp sorts the infinities where
	 * doubles have them, and NaN above everything: NaN gets here only when
	 * there is no upper bound, and is within no bounds, as a double compares
	 * false with everything.
	 */
	return d != NULL || c->high_numeric != NULL || !numeric_is_nan(n);
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
 * Exact equality of an attribute value and a scalar operand: same JSON
 * type and same value (so the string "5" differs from the number 5).
 */
static inline bool
ScalarEquals(const IcpValue *a, const JsonbValue *b)
{
	if (a->type != b->type)
		return false;

	switch (a->type)
	{
		case jbvString:
			return a->len == (uint32) b->val.string.len &&
				BytesEqual(a->data, b->val.string.val, a->len);
		case jbvNumeric:
			{
				IcpNumericBuf buf;
				Datum		na = NumericGetDatum(AlignedNumeric(a, &buf));
				Datum		nb = NumericGetDatum(b->val.numeric);

				return DatumGetBool(DirectFunctionCall2(numeric_eq, na, nb));
			}
		case jbvBool:
			return a->boolean == b->val.boolean;
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
 * Raise an error when v, the number given as what in criterion index (c),
 * lies beyond double precision, in which bounds and weights are compared:
 * so large that it converts to an infinity, or so small, but not zero, that
 * it converts to zero.  Anything but a JSON number is left to the caller.
 */
static void
CheckNumberRange(int index, IcpCriterion *c, const char *what, JsonbValue *v)
{
	double		d;
	bool		zero;

	if (v->type != jbvNumeric)
		return;
	d = NumericToDouble(v->val.numeric);
	zero = DatumGetInt32(DirectFunctionCall2(numeric_cmp,
											 NumericGetDatum(v->val.numeric),
											 NumericGetDatum(int64_to_numeric(0)))) == 0;
	if (isinf(d) || (d == 0 && !zero))
		IcpCriterionError(index, c->attrname,
						  psprintf("%s %s is out of the range of double precision",
								   what, numeric_out_sci(v->val.numeric, 3)),
						  "Bounds and weights are compared as double precision numbers, from about 5e-324 to 1.8e308 in magnitude.");
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
				CheckNumberRange(index, c, "\"between\" bound", lo);
				CheckNumberRange(index, c, "\"between\" bound", hi);
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

				CheckNumberRange(index, c,
								 psprintf("\"%s\"", icp_operator_names[op]), v);
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
			CheckNumberRange(index, c, "\"weight\"", &val);
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
 * Unpack the bounds of every criterion of def for NumericWithin(), and
 * check that comparing them unpacked gives the signs numeric_cmp gives.
 * Returns false, and the bounds are compared with numeric_cmp, when any
 * bound does not unpack or any comparison disagrees.
 */
static bool
UnpackBounds(IcpDefinition *def)
{
	int			i;

	for (i = 0; i < def->ncriteria; i++)
	{
		IcpCriterion *c = &def->criteria[i];
		Numeric		numerics[] = {c->low_numeric, c->below_low,
								  c->high_numeric, c->above_high};
		IcpDecimal *decimals[] = {&c->low_dec, &c->below_low_dec,
								  &c->high_dec, &c->above_high_dec};
		int			n = lengthof(numerics);
		int			j;
		int			k;

		if (c->op != ICP_BETWEEN && c->op != ICP_MIN && c->op != ICP_MAX)
			continue;
		for (j = 0; j < n; j++)
		{
			if (numerics[j] != NULL &&
				!UnpackDecimal((const char *) numerics[j],
							   VARSIZE_ANY(numerics[j]), decimals[j]))
				return false;
		}
		for (j = 0; j < n; j++)
		{
			for (k = 0; k < n; k++)
			{
				int			expected;
				int			got;

				if (numerics[j] == NULL || numerics[k] == NULL)
					continue;
				expected = NumericCompare(def->cmpcall, numerics[j],
										  numerics[k]);
				got = CompareDecimals(decimals[j], decimals[k]);
				if ((expected > 0) != (got > 0) ||
					(expected < 0) != (got < 0))
					return false;
			}
		}
	}
	return true;
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
	def->unpack_bounds = UnpackBounds(def);

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
 * The 32-bit word at p, which need not be aligned.  A container's header
 * and its JEntries are such words.
 */
static inline uint32
LoadWord(const char *p)
{
	uint32		w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* The JEntry of child i of the container at p */
#define ContainerEntry(p, i) \
	((JEntry) LoadWord((p) + sizeof(uint32) * (1 + (i))))

/* Where the data of the container at p, with n children, begins */
#define ContainerData(p, n) \
	((p) + sizeof(uint32) * (1 + (n)))

/*
 * Read, into result, the value whose JEntry is entry and whose data spans
 * offset to end from base, the start of its container's data, as
 * fillJsonbValue() in jsonb_util.c does.  Numbers and containers start
 * after the padding that aligns them within the jsonb.
 */
static inline void
ReadEntry(JEntry entry, const char *base, uint32 offset, uint32 end,
		  IcpValue *result)
{
	if (JBE_ISSTRING(entry))
	{
		result->type = jbvString;
		result->data = base + offset;
		result->len = end - offset;
	}
	else if (JBE_ISNUMERIC(entry) || JBE_ISCONTAINER(entry))
	{
		result->type = JBE_ISNUMERIC(entry) ? jbvNumeric : jbvBinary;
		result->data = base + INTALIGN(offset);
		result->len = end - INTALIGN(offset);
	}
	else if (JBE_ISBOOL_TRUE(entry) || JBE_ISBOOL_FALSE(entry))
	{
		result->type = jbvBool;
		result->boolean = JBE_ISBOOL_TRUE(entry);
	}
	else
	{
		Assert(JBE_ISNULL(entry));
		result->type = jbvNull;
	}
}

/*
 * Whether the container at p is an array (and not the array that wraps a
 * top-level scalar).
 */
static inline bool
ContainerIsArray(const char *p)
{
	uint32		header = LoadWord(p);

	return (header & JB_FARRAY) != 0 && (header & JB_FSCALAR) == 0;
}

/*
 * Whether the array container at p has an element equal to the scalar
 * operand, as findJsonbValueFromContainer(array, JB_FARRAY, operand) would
 * say, without the allocation it makes for every call.
 */
static bool
ArrayContains(const char *p, const JsonbValue *operand)
{
	int			n = LoadWord(p) & JB_CMASK;
	const char *base = ContainerData(p, n);
	uint32		offset = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		JEntry		entry = ContainerEntry(p, i);
		uint32		end = offset;
		IcpValue	element;

		JBE_ADVANCE_OFFSET(end, entry);
		ReadEntry(entry, base, offset, end, &element);
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
MatchCriterion(IcpDefinition *def, IcpCriterion *c, const IcpValue *v)
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
				return NumericWithin(def, c, v);
			return v->type == jbvString &&
				ParseNumber(v->data, v->len, &number) &&
				DoubleWithin(c, number);

		case ICP_CONTAINS:
			if (v->type == jbvString && c->values[0].type == jbvString)
				return ContainsSubstring(v->data, v->len,
										 c->values[0].val.string.val,
										 c->values[0].val.string.len);
			if (v->type == jbvBinary && ContainerIsArray(v->data))
				return ArrayContains(v->data, &c->values[0]);
			return false;
	}
	return false;				/* keep the compiler quiet */
}

/*
 * Look up the attribute of every criterion of def in the jsonb object
 * container at p and judge it, filling the criterion's entry of outcomes.
 *
 * An object holds its n keys, sorted by length then bytes, then their n
 * values, as 2n JEntries followed by the data, each entry's data starting
 * where the previous one ends (JBE_ADVANCE_OFFSET).  def->order lists the
 * criteria in the same order of their attributes, so one pass over both
 * finds every attribute, and stops at the last one needed.
 */
static void
JudgeAttributes(IcpDefinition *def, const char *p, IcpOutcome *outcomes)
{
	int			npairs = LoadWord(p) & JB_CMASK;
	const char *base = ContainerData(p, npairs * 2);
	uint32		keyoff = 0;
	uint32		valoff = 0;
	int			i;
	int			j = 0;

	/*
	 * The values' data follows the keys' data: add up the keys' lengths
	 * back to the last one that stores its end offset instead.
	 */
	for (i = npairs - 1; i >= 0; i--)
	{
		JEntry		entry = ContainerEntry(p, i);

		valoff += JBE_OFFLENFLD(entry);
		if (JBE_HAS_OFF(entry))
			break;
	}

	for (i = 0; i < npairs && j < def->ncriteria; i++)
	{
		JEntry		valentry = ContainerEntry(p, npairs + i);
		uint32		keyend = keyoff;
		uint32		valend = valoff;

		JBE_ADVANCE_OFFSET(keyend, ContainerEntry(p, i));
		JBE_ADVANCE_OFFSET(valend, valentry);

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
				ReadEntry(valentry, base, valoff, valend, &o->value);
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
 * Score the attributes, the jsonb container at root (not necessarily
 * aligned), against def.  outcomes (def->ncriteria entries, def's scratch
 * array when the caller does not need them) receives each criterion's
 * verdict.
 */
static IcpResult
EvaluateIcp(IcpDefinition *def, const char *root, IcpOutcome *outcomes)
{
	IcpResult	result = {0};
	double		matched_weight = 0;
	int			i;

	if ((LoadWord(root) & JB_FOBJECT) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attributes to score against an ICP must be a JSON object"),
				 errdetail("Attributes look like {\"segment\": \"pet\", \"employees\": 120}.")));

	JudgeAttributes(def, root, outcomes);

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

/*
 * The root container of the attributes argument of icp_score, read where
 * it lies.  A tuple stores a value under 127 bytes with a one-byte header,
 * unaligned, and PG_GETARG_JSONB_P would copy it to a palloc'd chunk on
 * every row: EvaluateIcp() reads such a container in place instead (see
 * LoadWord() and AlignedNumeric()).  Other values are detoasted as usual.
 */
static const char *
AttributesArgument(FunctionCallInfo fcinfo)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(1));

	if (!VARATT_IS_EXTERNAL(v) && VARATT_IS_SHORT(v))
		return VARDATA_SHORT(v);
	return (const char *) &PG_GETARG_JSONB_P(1)->root;
}

/*
 * alignment.icp_score(definition, attributes): the fit score, 0 to 100.
 */
PG_FUNCTION_INFO_V1(icp_score);
Datum
icp_score(PG_FUNCTION_ARGS)
{
	const char *attributes = AttributesArgument(fcinfo);
	IcpDefinition *def;
	IcpResult	result;

	def = GetIcpDefinition(fcinfo);
	result = EvaluateIcp(def, attributes, def->scratch);

	if (result.isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result.score);
}

/*
 * The attribute value o saw as a JsonbValue, when it is present.  The
 * explanation functions detoast their attributes, so numbers and
 * containers are aligned.
 */
static void
SeenJsonbValue(IcpOutcome *o, JsonbValue *result)
{
	IcpValue   *v = &o->value;

	result->type = v->type;
	switch (v->type)
	{
		case jbvString:
			result->val.string.val = (char *) v->data;
			result->val.string.len = v->len;
			break;
		case jbvNumeric:
			result->val.numeric = (Numeric) v->data;
			break;
		case jbvBool:
			result->val.boolean = v->boolean;
			break;
		case jbvBinary:
			result->val.binary.data = (JsonbContainer *) v->data;
			result->val.binary.len = v->len;
			break;
		default:
			break;
	}
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
	{
		JsonbValue	seen;

		SeenJsonbValue(o, &seen);
		return JsonbPGetDatum(JsonbValueToJsonb(&seen));
	}
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
	result = EvaluateIcp(def, (const char *) &attributes->root, outcomes);

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
	result = EvaluateIcp(def, (const char *) &attributes->root, outcomes);

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
			SeenJsonbValue(o, &seen);
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
