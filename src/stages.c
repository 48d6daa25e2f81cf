/*-------------------------------------------------------------------------
 *
 * stages.c
 *	  alignment.stage_set(kind): the stages that play a part in the
 *	  metrics, read from alignment.stage.
 *
 * The row-level views test every stage event they read against these sets
 * ("e.stage = ANY (alignment.stage_set('handoff'))"), so the function is
 * built for being called once per row: it reads the stage table once and
 * keeps the array in fn_extra, and later calls with the same kind, in the
 * same transaction and command (a statement sees one state of the table),
 * return it.  Being STABLE, it is also evaluated by the planner when it
 * estimates how many events a set matches, which a subquery would hide
 * from it.  The queries name pg_catalog's operators, so that no operator
 * of another schema on the search path can stand in for them.
 *
 * src/stages.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "storage/proc.h"
#include "utils/datum.h"

PG_FUNCTION_INFO_V1(alignment_stage_set);

/* What fn_extra keeps: the last set read, and when and for which kind */
typedef struct StageSetCache
{
	char		kind[16];		/* a name of stage_sets */
	LocalTransactionId lxid;	/* the transaction it was read in */
	CommandId	cid;			/* and the command */
	Datum		set;			/* the text[], in fn_mcxt */
} StageSetCache;

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
		"FROM alignment.stage AS s "
		"WHERE s.role OPERATOR(pg_catalog.=) 'handoff'"},
	{"accepted",
		"SELECT pg_catalog.array_agg(s.stage ORDER BY s.position) "
		"FROM alignment.stage AS s "
		"JOIN alignment.stage AS a "
		"ON a.role OPERATOR(pg_catalog.=) 'acceptance' "
		"WHERE s.position OPERATOR(pg_catalog.>=) a.position"},
	{"disposition",
		"SELECT pg_catalog.array_agg(s.stage ORDER BY s.position, s.stage) "
		"FROM alignment.stage AS s "
		"LEFT JOIN alignment.stage AS a "
		"ON a.role OPERATOR(pg_catalog.=) 'acceptance' "
		"WHERE s.position OPERATOR(pg_catalog.>=) a.position "
		"OR s.role OPERATOR(pg_catalog.=) "
		"ANY (ARRAY['disqualified', 'recycled'])"},
};

/*
 * alignment.stage_set(kind text) returns text[]
 */
Datum
alignment_stage_set(PG_FUNCTION_ARGS)
{
	StageSetCache *cache = (StageSetCache *) fcinfo->flinfo->fn_extra;
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *query = NULL;
	CommandId	cid = GetCurrentCommandId(false);
	Datum		result;
	bool		isnull;
	size_t		i;

	/*
	 * The caller gets a copy in its own memory, so that replacing the cached
	 * set can never pull an array from under a value still in use.
	 */
	if (cache != NULL && cache->lxid == MyProc->lxid && cache->cid == cid &&
		strcmp(cache->kind, kind) == 0)
		PG_RETURN_DATUM(datumCopy(cache->set, false, -1));

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
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									   sizeof(StageSetCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	else if (cache->set != (Datum) 0)
		pfree(DatumGetPointer(cache->set));
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (isnull)
			cache->set = PointerGetDatum(construct_empty_array(TEXTOID));
		else
			cache->set = datumCopy(result, false, -1);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	strlcpy(cache->kind, kind, sizeof(cache->kind));
	cache->lxid = MyProc->lxid;
	cache->cid = cid;
	PG_RETURN_DATUM(datumCopy(cache->set, false, -1));
}
