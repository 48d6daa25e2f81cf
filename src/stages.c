/*-------------------------------------------------------------------------
 *
 * stages.c
 *	  alignment.stage_set(kind): the stages that play a part in the
 *	  metrics, read from alignment.stage.
 *
 * The row-level views test every stage event they read against these sets
 * ("e.stage = ANY (alignment.stage_set('handoff'))"), so the function is
 * built for being called once per row: the first call of a query reads
 * the stage table and keeps the array in fn_extra, and every later call of
 * the same query returns it.  Being STABLE, it is also evaluated by the
 * planner when it estimates how many events a set matches, which a
 * subquery would hide from it.
 *
 * src/stages.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"

PG_FUNCTION_INFO_V1(alignment_stage_set);

/*
 * The query behind each set.  "sql-or-later" is the acceptance stage and
 * every stage with a higher position; the dispositions add the stages with
 * the roles disqualified and recycled.
 */
static const struct
{
	const char *kind;
	const char *query;
}			stage_sets[] = {
	{"handoff",
		"SELECT pg_catalog.array_agg(s.stage ORDER BY s.stage) "
		"FROM alignment.stage AS s WHERE s.role = 'handoff'"},
	{"accepted",
		"SELECT pg_catalog.array_agg(s.stage ORDER BY s.position) "
		"FROM alignment.stage AS s "
		"JOIN alignment.stage AS a ON a.role = 'acceptance' "
		"WHERE s.position OPERATOR(pg_catalog.>=) a.position"},
	{"disposition",
		"SELECT pg_catalog.array_agg(s.stage ORDER BY s.position, s.stage) "
		"FROM alignment.stage AS s "
		"LEFT JOIN alignment.stage AS a ON a.role = 'acceptance' "
		"WHERE s.position OPERATOR(pg_catalog.>=) a.position "
		"OR s.role IN ('disqualified', 'recycled')"},
};

/*
 * alignment.stage_set(kind text) returns text[]
 */
Datum
alignment_stage_set(PG_FUNCTION_ARGS)
{
	Datum	   *cached = (Datum *) fcinfo->flinfo->fn_extra;
	char	   *kind;
	const char *query = NULL;
	Datum		result;
	bool		isnull;
	size_t		i;

	if (cached != NULL)
		PG_RETURN_DATUM(*cached);

	kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	for (i = 0; i < lengthof(stage_sets); i++)
	{
		if (strcmp(kind, stage_sets[i].kind) == 0)
			query = stage_sets[i].query;
	}
	if (query == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown stage set \"%s\"", kind),
				 errhint("Known stage sets are handoff, accepted and "
						 "disposition.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(query, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the stage set \"%s\"", kind);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
						   &isnull);

	/* the array outlives SPI: copy it into the context of fn_extra */
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		cached = palloc(sizeof(Datum));
		if (isnull)
			*cached = PointerGetDatum(construct_empty_array(TEXTOID));
		else
			*cached = datumCopy(result, false, -1);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	fcinfo->flinfo->fn_extra = cached;
	PG_RETURN_DATUM(*cached);
}
