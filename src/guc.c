/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Module entry point and the alignment.* settings.
 *
 * The settings are ordinary custom GUCs, so they can be set per session,
 * per role or per database.  SQL views read them through
 * alignment.setting(), which also makes sure the library is loaded (and
 * therefore that the settings are defined and validated) before the first
 * value is read.
 *
 * src/guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "alignment.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

int			alignment_period = ALIGNMENT_PERIOD_MONTH;
int			alignment_conversion_window_days = 90;
char	   *alignment_business_timezone = NULL;
double		alignment_persona_agreement_threshold = 0.6;
double		alignment_lifecycle_clarity_threshold = 0.6;
int			alignment_min_sample = 30;
int			alignment_persona_lookback_months = 12;
char	   *alignment_as_of = NULL;
char	   *alignment_base_currency = NULL;

static const struct config_enum_entry period_options[] = {
	{"week", ALIGNMENT_PERIOD_WEEK, false},
	{"month", ALIGNMENT_PERIOD_MONTH, false},
	{"quarter", ALIGNMENT_PERIOD_QUARTER, false},
	{"year", ALIGNMENT_PERIOD_YEAR, false},
	{NULL, 0, false}
};

/* The names alignment.setting() accepts, without the "alignment." prefix */
static const char *const setting_names[] = {
	"period",
	"conversion_window_days",
	"business_timezone",
	"persona_agreement_threshold",
	"lifecycle_clarity_threshold",
	"min_sample",
	"persona_lookback_months",
	"as_of",
	"base_currency",
	NULL
};

/*
 * Settings rejected when the library loaded.  A value SET (or configured
 * with ALTER ROLE/DATABASE) before the library is loaded waits in a
 * placeholder; when the library defines the setting, PostgreSQL checks the
 * value, and if it is invalid only warns and keeps the default.  A query
 * would then compute the metrics with the default (a month period, UTC)
 * and a BI tool would hide the warning, so such a value is recorded here
 * and every function that reads the settings refuses to run until the
 * setting is assigned again.  The index is that of setting_names.
 */
static char *rejected_value[lengthof(setting_names)];
static bool any_rejected = false;

static void
ForgetRejection(int index)
{
	int			i;

	rejected_value[index] = NULL;
	any_rejected = false;
	for (i = 0; i < (int) lengthof(setting_names); i++)
		if (rejected_value[i] != NULL)
			any_rejected = true;
}

/* Assign hooks: a setting assigned again is no longer a rejected one. */
#define FORGET_ON_ASSIGN(hook, type, index) \
static void \
hook(type newval pg_attribute_unused(), void *extra pg_attribute_unused()) \
{ \
	if (rejected_value[index] != NULL) \
		ForgetRejection(index); \
}
FORGET_ON_ASSIGN(AssignPeriod, int, 0)
FORGET_ON_ASSIGN(AssignWindow, int, 1)
FORGET_ON_ASSIGN(AssignTimezone, const char *, 2)
FORGET_ON_ASSIGN(AssignAgreement, double, 3)
FORGET_ON_ASSIGN(AssignClarity, double, 4)
FORGET_ON_ASSIGN(AssignMinSample, int, 5)
FORGET_ON_ASSIGN(AssignLookback, int, 6)
FORGET_ON_ASSIGN(AssignAsOf, const char *, 7)
FORGET_ON_ASSIGN(AssignCurrency, const char *, 8)

/*
 * The value waiting in the placeholder of setting number index, if any,
 * copied before the setting is defined (which replaces the placeholder).
 */
static char *
PlaceholderValue(int index)
{
	char	   *name = psprintf("alignment.%s", setting_names[index]);
	const char *value = GetConfigOption(name, true, false);
	char	   *copy = value ? MemoryContextStrdup(TopMemoryContext, value) : NULL;

	pfree(name);
	return copy;
}

/*
 * After the setting number index is defined: whether the placeholder value
 * was valid (checked again without applying it: set_config_option then
 * returns 0 for an invalid value, -1 for a valid one); if not, remember it.
 */
static void
RecordRejection(int index, char *placeholder)
{
	char	   *name;

	if (placeholder == NULL)
		return;
	name = psprintf("alignment.%s", setting_names[index]);
	if (set_config_option(name, placeholder, PGC_USERSET, PGC_S_SESSION,
						  GUC_ACTION_SET, false, DEBUG1, false) == 0)
	{
		rejected_value[index] = placeholder;
		any_rejected = true;
	}
	pfree(name);
}

/*
 * Refuse to compute anything while a setting is one that was rejected when
 * the library loaded (see rejected_value).
 */
void
AlignmentCheckSettings(void)
{
	int			i;

	if (!any_rejected)
		return;
	for (i = 0; i < (int) lengthof(setting_names); i++)
	{
		if (rejected_value[i] == NULL)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value \"%s\" for setting alignment.%s, set before the alignment library was loaded",
						rejected_value[i], setting_names[i]),
				 errdetail("PostgreSQL checked it when the library loaded, warned and kept the default (%s), which the metrics would have used instead.",
						   GetConfigOption(psprintf("alignment.%s",
													setting_names[i]),
										   false, false)),
				 errhint("SET alignment.%s to a valid value, or RESET it. Adding alignment to session_preload_libraries has settings checked when they are set.",
						 setting_names[i])));
	}
}

/*
 * Check hook for alignment.business_timezone: the name must be a time zone
 * the server knows, as for the TimeZone setting.
 */
static bool
CheckBusinessTimezone(char **newval, void **extra pg_attribute_unused(),
					  GucSource source pg_attribute_unused())
{
	if (*newval == NULL || (*newval)[0] == '\0' || pg_tzset(*newval) == NULL)
	{
		GUC_check_errmsg("invalid business time zone \"%s\"",
						 *newval ? *newval : "");
		GUC_check_errhint("Use a time zone name from pg_timezone_names, "
						  "such as \"America/Sao_Paulo\" or \"UTC\".");
		return false;
	}
	return true;
}

#define AS_OF_HINT \
	"Use an empty string for the current time, or a timestamp with time " \
	"zone such as \"2024-06-30 23:59:59+00\"."

/*
 * Whether value reads as a timestamp with time zone in the session's time
 * zone and date style.  The date/time parser is used directly because it
 * reports errors through return codes rather than by throwing.
 */
static bool
AsOfParses(const char *value)
{
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	struct pg_tm tt;
	fsec_t		fsec;
	int			tz;
	Timestamp	result;

	return strlen(value) < MAXDATELEN &&
		ParseDateTime(value, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) == 0 &&
		DecodeDateTime(field, ftype, nf, &dtype, &tt, &fsec, &tz) == 0 &&
		(dtype != DTK_DATE || tm2timestamp(&tt, fsec, &tz, &result) == 0);
}

/*
 * Check hook for alignment.as_of: empty (meaning now) or a timestamp with
 * time zone.
 */
static bool
CheckAsOf(char **newval, void **extra pg_attribute_unused(),
					  GucSource source pg_attribute_unused())
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;

	/* Parsing a time without a zone needs the session's time zone. */
	if (session_timezone == NULL || AsOfParses(*newval))
		return true;

	GUC_check_errmsg("invalid as-of time \"%s\"", *newval);
	GUC_check_errhint(AS_OF_HINT);
	return false;
}

/*
 * Check hook for alignment.base_currency: an ISO 4217 code, three
 * upper-case letters.
 */
static bool
CheckBaseCurrency(char **newval, void **extra pg_attribute_unused(),
					  GucSource source pg_attribute_unused())
{
	const char *s = *newval;

	if (s != NULL && strlen(s) == 3 &&
		s[0] >= 'A' && s[0] <= 'Z' &&
		s[1] >= 'A' && s[1] <= 'Z' &&
		s[2] >= 'A' && s[2] <= 'Z')
		return true;

	GUC_check_errmsg("invalid base currency \"%s\"", s ? s : "");
	GUC_check_errhint("Use an ISO 4217 code of three upper-case letters, "
					  "such as \"USD\" or \"BRL\".");
	return false;
}

/*
 * Module load callback: define the settings.
 */
void
_PG_init(void)
{
	char	   *placeholder;

	placeholder = PlaceholderValue(0);
	DefineCustomEnumVariable("alignment.period",
							 "Calendar period the metrics are reported by.",
							 "One of week, month, quarter or year.",
							 &alignment_period,
							 ALIGNMENT_PERIOD_MONTH,
							 period_options,
							 PGC_USERSET, 0,
							 NULL, AssignPeriod, NULL);
	RecordRejection(0, placeholder);

	placeholder = PlaceholderValue(1);
	DefineCustomIntVariable("alignment.conversion_window_days",
							"Days an mql entry has to convert to sql.",
							"A lead that has not converted within this "
							"window counts as not converted.",
							&alignment_conversion_window_days,
							90, 1, 36500,
							PGC_USERSET, 0,
							NULL, AssignWindow, NULL);
	RecordRejection(1, placeholder);

	placeholder = PlaceholderValue(2);
	DefineCustomStringVariable("alignment.business_timezone",
							   "Time zone that periods and CRM dates are "
							   "read in.",
							   NULL,
							   &alignment_business_timezone,
							   "UTC",
							   PGC_USERSET, 0,
							   CheckBusinessTimezone, AssignTimezone, NULL);
	RecordRejection(2, placeholder);

	placeholder = PlaceholderValue(3);
	DefineCustomRealVariable("alignment.persona_agreement_threshold",
							 "Persona agreement at or above which a team "
							 "counts as agreeing on personas.",
							 NULL,
							 &alignment_persona_agreement_threshold,
							 0.6, 0.0, 1.0,
							 PGC_USERSET, 0,
							 NULL, AssignAgreement, NULL);
	RecordRejection(3, placeholder);

	placeholder = PlaceholderValue(4);
	DefineCustomRealVariable("alignment.lifecycle_clarity_threshold",
							 "Lifecycle clarity at or above which a team "
							 "counts as having a clear lifecycle.",
							 NULL,
							 &alignment_lifecycle_clarity_threshold,
							 0.6, 0.0, 1.0,
							 PGC_USERSET, 0,
							 NULL, AssignClarity, NULL);
	RecordRejection(4, placeholder);

	placeholder = PlaceholderValue(5);
	DefineCustomIntVariable("alignment.min_sample",
							"Decided mql entries a period needs not to be "
							"flagged as low confidence.",
							NULL,
							&alignment_min_sample,
							30, 0, PG_INT32_MAX,
							PGC_USERSET, 0,
							NULL, AssignMinSample, NULL);
	RecordRejection(5, placeholder);

	placeholder = PlaceholderValue(6);
	DefineCustomIntVariable("alignment.persona_lookback_months",
							"Months of won deals the persona mix of mql "
							"entries is compared with.",
							NULL,
							&alignment_persona_lookback_months,
							12, 1, 1200,
							PGC_USERSET, 0,
							NULL, AssignLookback, NULL);
	RecordRejection(6, placeholder);

	placeholder = PlaceholderValue(7);
	DefineCustomStringVariable("alignment.as_of",
							   "Time the metrics are computed as of.",
							   "Empty means the current time.",
							   &alignment_as_of,
							   "",
							   PGC_USERSET, 0,
							   CheckAsOf, AssignAsOf, NULL);
	RecordRejection(7, placeholder);

	placeholder = PlaceholderValue(8);
	DefineCustomStringVariable("alignment.base_currency",
							   "Currency that deal amounts are converted "
							   "to.",
							   "An ISO 4217 code such as USD.",
							   &alignment_base_currency,
							   "USD",
							   PGC_USERSET, 0,
							   CheckBaseCurrency, AssignCurrency, NULL);
	RecordRejection(8, placeholder);

	MarkGUCPrefixReserved("alignment");
}

/*
 * alignment.setting(name): the current value of alignment.<name> as text.
 */
PG_FUNCTION_INFO_V1(alignment_setting);
Datum
alignment_setting(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *value;
	char	   *fullname;
	int			i;

	for (i = 0; setting_names[i] != NULL; i++)
	{
		if (strcmp(name, setting_names[i]) == 0)
			break;
	}
	if (setting_names[i] == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("unknown alignment setting \"%s\"", name),
				 errhint("Known settings are period, conversion_window_days, "
						 "business_timezone, persona_agreement_threshold, "
						 "lifecycle_clarity_threshold, min_sample, "
						 "persona_lookback_months, as_of and "
						 "base_currency.")));

	AlignmentCheckSettings();
	fullname = psprintf("alignment.%s", name);
	value = GetConfigOption(fullname, false, false);

	PG_RETURN_TEXT_P(cstring_to_text(value));
}

/*
 * alignment.as_of(): the time the metrics are computed at, the setting
 * alignment.as_of read as a timestamp with time zone, or now() when it is
 * empty.
 *
 * The views compare every event they read with it, so the parsed value is
 * kept in fn_extra and the text is parsed again only when the setting, the
 * session's time zone (which a time without a zone is read in) or DateStyle
 * (which orders 01/02) changed since the previous call.
 */
typedef struct AsOfCache
{
	char	   *text;			/* the setting the value was parsed from */
	pg_tz	   *zone;			/* session_timezone when it was parsed */
	int			datestyle;		/* DateStyle and DateOrder then, which */
	int			dateorder;		/* decide how 01/02 reads */
	TimestampTz value;
} AsOfCache;

PG_FUNCTION_INFO_V1(alignment_as_of_time);
Datum
alignment_as_of_time(PG_FUNCTION_ARGS)
{
	const char *setting = alignment_as_of ? alignment_as_of : "";
	AsOfCache  *cache = (AsOfCache *) fcinfo->flinfo->fn_extra;

	AlignmentCheckSettings();
	if (setting[0] == '\0')
		PG_RETURN_TIMESTAMPTZ(GetCurrentTransactionStartTimestamp());

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									   sizeof(AsOfCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->text == NULL || cache->zone != session_timezone ||
		cache->datestyle != DateStyle || cache->dateorder != DateOrder ||
		strcmp(cache->text, setting) != 0)
	{
		TimestampTz value;

		/*
		 * The check hook could not parse a value set before the session had
		 * a time zone, and one that parsed then may not parse under today's
		 * zone or date style: name the setting rather than let
		 * timestamptz_in report a bare input syntax error.
		 */
		if (!AsOfParses(setting))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid as-of time \"%s\" in setting alignment.as_of",
							setting),
					 errhint(AS_OF_HINT)));
		value = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
														CStringGetDatum(setting),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
		if (cache->text)
			pfree(cache->text);
		cache->text = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, setting);
		cache->zone = session_timezone;
		cache->datestyle = DateStyle;
		cache->dateorder = DateOrder;
		cache->value = value;
	}
	PG_RETURN_TIMESTAMPTZ(cache->value);
}
