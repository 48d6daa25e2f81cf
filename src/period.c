/*-------------------------------------------------------------------------
 *
 * period.c
 *	  The reporting period of a time: alignment.period_start and
 *	  alignment.period_end.
 *
 * Every metric groups its rows by period, so these two functions run once
 * per stage event, deal or activity that a view reads.  They give the same
 * dates as
 *
 *	  date_trunc(alignment.period, ts AT TIME ZONE alignment.business_timezone)
 *
 * cast to date (and that date plus one period, minus one day), but without
 * reading the settings as text and parsing the field name and the time zone
 * for every row: the zone goes through timestamptz_zone, exactly as the SQL
 * expression does, and the truncation works on the broken-down local date.
 *
 * src/period.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "alignment.h"

PG_FUNCTION_INFO_V1(alignment_period_start);
PG_FUNCTION_INFO_V1(alignment_period_end);

/*
 * The business time zone as a text datum, kept in fn_extra and rebuilt only
 * when the setting changes, so that a query does not allocate it per row.
 */
typedef struct ZoneCache
{
	char	   *name;			/* copy of alignment.business_timezone */
	text	   *zone;			/* the same, as the text timestamptz_zone
								 * takes */
} ZoneCache;

static text *
BusinessZone(FunctionCallInfo fcinfo)
{
	ZoneCache  *cache = (ZoneCache *) fcinfo->flinfo->fn_extra;
	const char *name = alignment_business_timezone ?
		alignment_business_timezone : "UTC";

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									   sizeof(ZoneCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->name == NULL || strcmp(cache->name, name) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (cache->name)
			pfree(cache->name);
		if (cache->zone)
			pfree(cache->zone);
		cache->name = pstrdup(name);
		cache->zone = cstring_to_text(name);
		MemoryContextSwitchTo(old);
	}
	return cache->zone;
}

/*
 * Julian day of the first day of the period that contains the local date
 * (year, month, day); with next, of the first day of the following period.
 */
static int
PeriodStartJulian(int year, int month, int day, bool next)
{
	int			j;

	switch (alignment_period)
	{
		case ALIGNMENT_PERIOD_WEEK:
			/* ISO weeks start on Monday; j2day gives 0 for Sunday */
			j = date2j(year, month, day);
			j -= (j2day(j) + 6) % 7;
			return next ? j + 7 : j;
		case ALIGNMENT_PERIOD_QUARTER:
			month = ((month - 1) / 3) * 3 + 1;
			if (next)
				month += 3;
			break;
		case ALIGNMENT_PERIOD_YEAR:
			month = 1;
			if (next)
				year++;
			break;
		default:
			if (next)
				month++;
			break;
	}
	if (month > 12)
	{
		month -= 12;
		year++;
	}
	return date2j(year, month, 1);
}

/*
 * The period bound of ts: its first day, or with last its last day.
 */
static DateADT
PeriodBound(FunctionCallInfo fcinfo, TimestampTz ts, bool last)
{
	Timestamp	local;
	struct pg_tm tm;
	fsec_t		fsec;
	DateADT		result;

	AlignmentCheckSettings();
	local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone,
												  PointerGetDatum(BusinessZone(fcinfo)),
												  TimestampTzGetDatum(ts)));

	/* infinity stays infinity, as date_trunc and the cast to date leave it */
	if (TIMESTAMP_IS_NOBEGIN(local))
	{
		DateADT		d;

		DATE_NOBEGIN(d);
		return d;
	}
	if (TIMESTAMP_IS_NOEND(local))
	{
		DateADT		d;

		DATE_NOEND(d);
		return d;
	}
	if (timestamp2tm(local, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for a reporting period")));

	result = PeriodStartJulian(tm.tm_year, tm.tm_mon, tm.tm_mday, last)
		- (last ? 1 : 0) - POSTGRES_EPOCH_JDATE;

	/* a period that begins before the first date (4714-11-24 BC) */
	if (!IS_VALID_DATE(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range for the period of %s",
						timestamptz_to_str(ts))));
	return result;
}

/*
 * alignment.period_start(ts timestamptz) returns date
 */
Datum
alignment_period_start(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATEADT(PeriodBound(fcinfo, PG_GETARG_TIMESTAMPTZ(0), false));
}

/*
 * alignment.period_end(ts timestamptz) returns date
 */
Datum
alignment_period_end(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATEADT(PeriodBound(fcinfo, PG_GETARG_TIMESTAMPTZ(0), true));
}
