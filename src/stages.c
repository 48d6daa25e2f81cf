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
 * What fn_extra keeps: for each set, the array last read and the
 * transaction and command it was read in.  An array is returned as it is,
 * and never freed before the query ends, even when a later command reads
 * the set again (a value returned earlier may still be in use).
 */
typedef struct StageSetSlot
{
	LocalTransactionId lxid;
	CommandId	cid;
	Datum		set;			/* the text[], in fn_mcxt; 0 until read */
} StageSetSlot;

typedef struct StageSetCache
{
	StageSetSlot slot[lengthof(stage_sets)];
} StageSetCache;

/*
 * alignment.stage_set(kind text) returns text[]
 */
Datum
alignment_stage_set(PG_FUNCTION_ARGS)
{
	text	   *kind = PG_GETARG_TEXT_PP(0);
	StageSetCache *cache = (StageSetCache *) fcinfo->flinfo->fn_extra;
	StageSetSlot *slot;
	CommandId	cid = GetCurrentCommandId(false);
	int			k = -1;
	int			i;
	Datum		result;
	bool		isnull;
	MemoryContext oldcxt;

	for (i = 0; i < (int) lengthof(stage_sets); i++)
	{
		if (strlen(stage_sets[i].kind) == VARSIZE_ANY_EXHDR(kind) &&
			memcmp(stage_sets[i].kind, VARDATA_ANY(kind),
				   VARSIZE_ANY_EXHDR(kind)) == 0)
			k = i;
	}
	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown stage set \"%s\"", text_to_cstring(kind)),
				 errhint("Known stage sets are handoff, accepted and "
						 "disposition.")));

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									   sizeof(StageSetCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	slot = &cache->slot[k];
	if (slot->set != (Datum) 0 && slot->lxid == MyProc->lxid &&
		slot->cid == cid)
		PG_RETURN_DATUM(slot->set);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(stage_sets[k].query, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read the stage set \"%s\"",
			 stage_sets[k].kind);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
						   &isnull);

	/* the array outlives SPI: copy it into the context of fn_extra */
	oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (isnull)
		slot->set = PointerGetDatum(construct_empty_array(TEXTOID));
	else
		slot->set = datumCopy(result, false, -1);
	MemoryContextSwitchTo(oldcxt);
	SPI_finish();

	slot->lxid = MyProc->lxid;
	slot->cid = cid;
	PG_RETURN_DATUM(slot->set);
}
