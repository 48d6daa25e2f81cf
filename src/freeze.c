/*-------------------------------------------------------------------------
 *
 * freeze.c
 *	  The trigger that freezes the fit score, ICP version and gate result
 *	  of a stage event when it is inserted, and applies the stage's gate.
 *
 * alignment.stage_event_freeze() fires BEFORE INSERT FOR EACH ROW on
 * alignment.stage_event, COPY and bulk loads included, so it is written for
 * the common case: most events enter a stage that is not the handoff and
 * documents no entry criterion, and for them every frozen column is simply
 * NULL.  The rules are those of alignment.evaluate_stage_entry() (SQL, in
 * src/sql/30_load.sql), which stays the reference and is still called by
 * rescore_handoffs(); EvaluateEntry() below follows it step by step, and
 * the regression test freeze_trigger checks that both agree.
 *
 * What one INSERT or COPY needs is kept in fn_extra, allocated in fn_mcxt,
 * so it lives as long as the statement:
 *	- the rows of alignment.stage, read on the first event;
 *	- the agreed ICP versions, read on the first event that needs the ICP
 *	  in force, in the order of alignment.icp_in_force(): effective_from,
 *	  then icp_version_id, both descending, so that the version in force
 *	  at t is the first one that both teams had approved by t and whose
 *	  effective_from has passed;
 *	- for each of those versions, a FmgrInfo of alignment.icp_score, whose
 *	  own fn_extra caches the compiled definition: events of a bulk load
 *	  alternate between versions without recompiling any.
 * A change to alignment.stage or alignment.icp_version made while a
 * statement runs is seen by the next statement (the PL/pgSQL trigger this
 * replaces read both tables again for every row).
 *
 * The lead's attributes are read for each event that needs them, through
 * a saved SPI plan and with a fresh snapshot, as the PL/pgSQL trigger did:
 * the caller's privileges and row-level security apply, and a lead
 * inserted earlier in the same transaction (or statement) is seen.  The
 * three plans are saved once per session; the plan cache replans them when
 * the tables change.
 *
 * src/freeze.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* Values of alignment.stage.gate_mode */
typedef enum FreezeGateMode
{
	GATE_OFF,
	GATE_WARN,
	GATE_ENFORCE
} FreezeGateMode;

/* One row of alignment.stage, as the trigger needs it */
typedef struct FreezeStage
{
	char	   *name;			/* stage, not NUL-terminated */
	int			namelen;
	bool		handoff;		/* role = 'handoff' */
	bool		has_min_fit;	/* min_fit_score IS NOT NULL */
	float8		min_fit;		/* min_fit_score as compared (float8) */
	char	   *min_fit_text;	/* min_fit_score as printed */
	int			nrequired;		/* elements of required_attributes */
	char	  **required;		/* their names, NULL for a NULL element */
	int		   *required_len;
	FreezeGateMode gate_mode;
} FreezeStage;

/* One agreed ICP version */
typedef struct FreezeIcp
{
	int32		icp_version_id;
	TimestampTz agreed_at;		/* latest of both approvals and
								 * effective_from: in force from then on,
								 * until a later version takes over */
	Jsonb	   *definition;
	FmgrInfo	score_fn;		/* alignment.icp_score, caching this
								 * definition compiled */
} FreezeIcp;

/* What one statement caches, in fn_extra */
typedef struct FreezeCache
{
	MemoryContext cxt;

	/* columns of the table the trigger fires on */
	AttrNumber	lead_attno;
	AttrNumber	stage_attno;
	AttrNumber	entered_attno;
	AttrNumber	fit_attno;
	AttrNumber	icp_attno;
	AttrNumber	gate_attno;

	bool		stages_loaded;
	int			nstages;
	FreezeStage *stages;

	bool		icps_loaded;
	int			nicps;			/* ordered as icp_in_force() ranks them */
	FreezeIcp  *icps;
} FreezeCache;

/* How an entry fares: the OUT parameters of evaluate_stage_entry() */
typedef struct FreezeVerdict
{
	bool		fit_isnull;
	float8		fit_score;
	bool		icp_isnull;
	int32		icp_version_id;
	bool		gate_isnull;
	bool		gate_passed;
	char	   *unmet;			/* NULL when nothing is unmet */
} FreezeVerdict;

/* Saved SPI plans, kept for the session like PL/pgSQL's */
static SPIPlanPtr stage_plan = NULL;
static SPIPlanPtr icp_plan = NULL;
static SPIPlanPtr lead_plan = NULL;

/*
 * A saved plan of query, prepared on first use.
 */
static SPIPlanPtr
SavedPlan(SPIPlanPtr *plan, const char *query, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(query, nargs, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 query, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*plan = p;
	}
	return *plan;
}

/*
 * The attribute number of column name of the triggering table, which must
 * have type typid.
 */
static AttrNumber
FreezeColumn(Relation rel, const char *name, Oid typid)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			attno = SPI_fnumber(tupdesc, name);

	if (attno <= 0 || TupleDescAttr(tupdesc, attno - 1)->atttypid != typid)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("table \"%s\" has no column \"%s\" of type %s",
						RelationGetRelationName(rel), name,
						format_type_be(typid)),
				 errhint("Fire alignment.stage_event_freeze() on alignment.stage_event only.")));
	return (AttrNumber) attno;
}

/*
 * The statement's cache, made on its first event.
 */
static FreezeCache *
GetFreezeCache(FunctionCallInfo fcinfo, Relation rel)
{
	FreezeCache *cache = (FreezeCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		MemoryContext cxt;

		cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
									"stage_event_freeze cache",
									ALLOCSET_SMALL_SIZES);
		cache = MemoryContextAllocZero(cxt, sizeof(FreezeCache));
		cache->cxt = cxt;
		cache->lead_attno = FreezeColumn(rel, "lead_id", TEXTOID);
		cache->stage_attno = FreezeColumn(rel, "stage", TEXTOID);
		cache->entered_attno = FreezeColumn(rel, "entered_at",
											TIMESTAMPTZOID);
		cache->fit_attno = FreezeColumn(rel, "fit_score", FLOAT8OID);
		cache->icp_attno = FreezeColumn(rel, "icp_version_id", INT4OID);
		cache->gate_attno = FreezeColumn(rel, "gate_passed", BOOLOID);
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

/*
 * Read alignment.stage into the cache.  Runs inside SPI.
 */
static void
LoadStages(FreezeCache *cache)
{
	SPIPlanPtr	plan;
	SPITupleTable *tuptable;
	MemoryContext oldcxt;
	uint64		i;
	int			rc;

	plan = SavedPlan(&stage_plan,
					 "SELECT s.stage, s.role OPERATOR(pg_catalog.=) 'handoff',"
					 " s.min_fit_score, s.required_attributes, s.gate_mode"
					 " FROM alignment.stage AS s",
					 0, NULL);
	rc = SPI_execute_plan(plan, NULL, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading alignment.stage failed: %s",
			 SPI_result_code_string(rc));
	tuptable = SPI_tuptable;

	oldcxt = MemoryContextSwitchTo(cache->cxt);
	cache->nstages = (int) SPI_processed;
	cache->stages = palloc0(sizeof(FreezeStage) * Max(cache->nstages, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		FreezeStage *s = &cache->stages[i];
		HeapTuple	tuple = tuptable->vals[i];
		TupleDesc	tupdesc = tuptable->tupdesc;
		Datum		d;
		bool		isnull;
		text	   *t;
		char	   *mode;

		/* stage is the primary key: never NULL */
		t = DatumGetTextPP(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		s->namelen = VARSIZE_ANY_EXHDR(t);
		s->name = pnstrdup(VARDATA_ANY(t), s->namelen);

		d = SPI_getbinval(tuple, tupdesc, 2, &isnull);
		s->handoff = !isnull && DatumGetBool(d);

		d = SPI_getbinval(tuple, tupdesc, 3, &isnull);
		s->has_min_fit = !isnull;
		if (!isnull)
		{
			/* as format('%s') prints it, and as "<" compares it */
			s->min_fit_text = DatumGetCString(DirectFunctionCall1(numeric_out,
																  d));
			s->min_fit = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
															d));
		}

		d = SPI_getbinval(tuple, tupdesc, 4, &isnull);
		if (!isnull)
		{
			Datum	   *elems;
			bool	   *nulls;
			int			j;

			deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false,
							  TYPALIGN_INT, &elems, &nulls, &s->nrequired);
			s->required = palloc0(sizeof(char *) * Max(s->nrequired, 1));
			s->required_len = palloc0(sizeof(int) * Max(s->nrequired, 1));
			for (j = 0; j < s->nrequired; j++)
			{
				if (nulls[j])
					continue;
				t = DatumGetTextPP(elems[j]);
				s->required_len[j] = VARSIZE_ANY_EXHDR(t);
				s->required[j] = pnstrdup(VARDATA_ANY(t),
										  s->required_len[j]);
			}
		}

		d = SPI_getbinval(tuple, tupdesc, 5, &isnull);
		mode = isnull ? "off" : TextDatumGetCString(d);
		if (strcmp(mode, "enforce") == 0)
			s->gate_mode = GATE_ENFORCE;
		else if (strcmp(mode, "warn") == 0)
			s->gate_mode = GATE_WARN;
		else
			s->gate_mode = GATE_OFF;
	}
	MemoryContextSwitchTo(oldcxt);

	SPI_freetuptable(tuptable);
	cache->stages_loaded = true;
}

/*
 * The stage named by t, or NULL when alignment.stage has no such row.
 */
static FreezeStage *
FindStage(FreezeCache *cache, text *t)
{
	int			len = VARSIZE_ANY_EXHDR(t);
	int			i;

	for (i = 0; i < cache->nstages; i++)
	{
		FreezeStage *s = &cache->stages[i];

		if (s->namelen == len && memcmp(s->name, VARDATA_ANY(t), len) == 0)
			return s;
	}
	return NULL;
}

/*
 * Read the agreed ICP versions into the cache, and look up
 * alignment.icp_score for each.  Runs inside SPI.
 */
static void
LoadIcps(FreezeCache *cache)
{
	SPIPlanPtr	plan;
	SPITupleTable *tuptable;
	MemoryContext oldcxt;
	Oid			argtypes[2] = {JSONBOID, JSONBOID};
	Oid			score_oid;
	AclResult	aclresult;
	uint64		i;
	int			rc;

	/*
	 * A version never approved by one side is never in force; the order is
	 * icp_in_force()'s.
	 */
	plan = SavedPlan(&icp_plan,
					 "SELECT v.icp_version_id, v.definition,"
					 " v.marketing_approved_at, v.sales_approved_at,"
					 " v.effective_from"
					 " FROM alignment.icp_version AS v"
					 " WHERE v.marketing_approved_at IS NOT NULL"
					 " AND v.sales_approved_at IS NOT NULL"
					 " ORDER BY v.effective_from DESC, v.icp_version_id DESC",
					 0, NULL);
	rc = SPI_execute_plan(plan, NULL, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading alignment.icp_version failed: %s",
			 SPI_result_code_string(rc));
	tuptable = SPI_tuptable;

	/* called on the caller's behalf, as the SQL function did */
	score_oid = LookupFuncName(list_make2(makeString("alignment"),
										  makeString("icp_score")),
							   2, argtypes, false);
	aclresult = pg_proc_aclcheck(score_oid, GetUserId(), ACL_EXECUTE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FUNCTION,
					   "icp_score");

	oldcxt = MemoryContextSwitchTo(cache->cxt);
	cache->nicps = (int) SPI_processed;
	cache->icps = palloc0(sizeof(FreezeIcp) * Max(cache->nicps, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		FreezeIcp  *v = &cache->icps[i];
		HeapTuple	tuple = tuptable->vals[i];
		TupleDesc	tupdesc = tuptable->tupdesc;
		bool		isnull;
		TimestampTz t;
		int			col;

		/* no column read here can be NULL */
		v->icp_version_id = DatumGetInt32(SPI_getbinval(tuple, tupdesc, 1,
														&isnull));
		v->definition = DatumGetJsonbPCopy(SPI_getbinval(tuple, tupdesc, 2,
														 &isnull));
		v->agreed_at = DT_NOBEGIN;
		for (col = 3; col <= 5; col++)
		{
			t = DatumGetTimestampTz(SPI_getbinval(tuple, tupdesc, col,
												  &isnull));
			if (t > v->agreed_at)
				v->agreed_at = t;
		}
		fmgr_info_cxt(score_oid, &v->score_fn, cache->cxt);
	}
	MemoryContextSwitchTo(oldcxt);

	SPI_freetuptable(tuptable);
	cache->icps_loaded = true;
}

/*
 * The ICP version in force at t, as alignment.icp_in_force(t) finds it:
 * the first, in its order, that both teams had approved by t and whose
 * effective_from has passed.  NULL when there is none.
 */
static FreezeIcp *
IcpInForce(FreezeCache *cache, TimestampTz t)
{
	int			i;

	for (i = 0; i < cache->nicps; i++)
		if (cache->icps[i].agreed_at <= t)
			return &cache->icps[i];
	return NULL;
}

/*
 * alignment.icp_score(definition of v, attributes); *isnull is set when no
 * criterion could be considered.
 */
static float8
IcpScore(FreezeIcp *v, Jsonb *attributes, bool *isnull)
{
	LOCAL_FCINFO(callinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*callinfo, &v->score_fn, 2, InvalidOid,
							 NULL, NULL);
	callinfo->args[0].value = JsonbPGetDatum(v->definition);
	callinfo->args[0].isnull = false;
	callinfo->args[1].value = JsonbPGetDatum(attributes);
	callinfo->args[1].isnull = false;
	result = FunctionCallInvoke(callinfo);

	*isnull = callinfo->isnull;
	return *isnull ? 0.0 : DatumGetFloat8(result);
}

/*
 * The attributes of the lead whose key is lead_id, as the caller may read
 * them; NULL when there is no such lead.  Runs inside SPI: the result
 * lives until SPI_finish().
 */
static Jsonb *
LeadAttributes(Datum lead_id)
{
	SPIPlanPtr	plan;
	Oid			argtypes[1] = {TEXTOID};
	Datum		d;
	bool		isnull;
	int			rc;

	plan = SavedPlan(&lead_plan,
					 "SELECT l.attributes FROM alignment.lead AS l"
					 " WHERE l.lead_id OPERATOR(pg_catalog.=) $1",
					 1, argtypes);
	rc = SPI_execute_plan(plan, &lead_id, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading alignment.lead failed: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return NULL;

	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
					  &isnull);
	return isnull ? NULL : DatumGetJsonbP(d);
}

/*
 * Whether attributes lacks name: coalesce(jsonb_typeof(attributes -> name),
 * 'null') = 'null', so absent and JSON null are both missing.
 */
static bool
AttributeMissing(Jsonb *attributes, const char *name, int len)
{
	JsonbValue	vbuf;
	JsonbValue *v;

	if (name == NULL || !JB_ROOT_IS_OBJECT(attributes))
		return true;
	v = getKeyJsonValueFromContainer(&attributes->root, name, len, &vbuf);
	return v == NULL || v->type == jbvNull;
}

/*
 * Judge an entry into stage s by a lead with these attributes at
 * entered_at (entered_isnull when NULL), exactly as
 * alignment.evaluate_stage_entry() does.  The unmet text is allocated in
 * resultcxt.
 */
static void
EvaluateEntry(FreezeCache *cache, FreezeStage *s, Jsonb *attributes,
			  TimestampTz entered_at, bool entered_isnull,
			  MemoryContext resultcxt, FreezeVerdict *verdict)
{
	FreezeIcp  *icp = NULL;
	float8		score = 0.0;
	bool		score_isnull = true;
	StringInfoData problems;
	int			nproblems = 0;

	/* icp_in_force() is STRICT, and icp_score() too */
	if (s->handoff || s->has_min_fit)
	{
		if (!entered_isnull)
		{
			if (!cache->icps_loaded)
				LoadIcps(cache);
			icp = IcpInForce(cache, entered_at);
		}
		if (icp != NULL)
			score = IcpScore(icp, attributes, &score_isnull);
	}

	/* Only the handoff keeps its score: metric 3 reads it there. */
	if (s->handoff)
	{
		verdict->fit_isnull = score_isnull;
		verdict->fit_score = score;
		verdict->icp_isnull = (icp == NULL);
		verdict->icp_version_id = icp ? icp->icp_version_id : 0;
	}

	initStringInfo(&problems);
	if (s->has_min_fit)
	{
		if (icp == NULL)
		{
			appendStringInfo(&problems,
							 "no ICP in force to compare with the minimum fit score %s",
							 s->min_fit_text);
			nproblems++;
		}
		else if (score_isnull)
		{
			appendStringInfo(&problems,
							 "no fit score (no ICP criterion applies) for the minimum %s",
							 s->min_fit_text);
			nproblems++;
		}
		else if (float8_lt(score, s->min_fit))
		{
			Datum		n;

			/* trim_scale(round(score::numeric, 2)) */
			n = DirectFunctionCall1(float8_numeric, Float8GetDatum(score));
			n = DirectFunctionCall2(numeric_round, n, Int32GetDatum(2));
			n = DirectFunctionCall1(numeric_trim_scale, n);
			appendStringInfo(&problems, "fit score %s below the minimum %s",
							 DatumGetCString(DirectFunctionCall1(numeric_out,
																 n)),
							 s->min_fit_text);
			nproblems++;
		}
	}

	if (s->nrequired > 0)
	{
		StringInfoData names;
		int			nmissing = 0;
		bool		printed = false;
		int			i;

		/*
		 * array_to_string() leaves out the NULL elements of the missing
		 * list, but cardinality() counts them.
		 */
		initStringInfo(&names);
		for (i = 0; i < s->nrequired; i++)
		{
			if (!AttributeMissing(attributes, s->required[i],
								  s->required_len[i]))
				continue;
			nmissing++;
			if (s->required[i] == NULL)
				continue;
			if (printed)
				appendStringInfoString(&names, ", ");
			appendBinaryStringInfo(&names, s->required[i],
								   s->required_len[i]);
			printed = true;
		}
		if (nmissing > 0)
		{
			if (nproblems > 0)
				appendStringInfoString(&problems, "; ");
			appendStringInfo(&problems, "missing required attribute%s %s",
							 nmissing > 1 ? "s" : "", names.data);
			nproblems++;
		}
	}

	if (s->has_min_fit || s->nrequired > 0)
	{
		verdict->gate_isnull = false;
		verdict->gate_passed = (nproblems == 0);
		if (nproblems > 0)
			verdict->unmet = MemoryContextStrdup(resultcxt, problems.data);
	}
}

/*
 * alignment.stage_event_freeze(): BEFORE INSERT FOR EACH ROW trigger on
 * alignment.stage_event.  Replaces any supplied fit_score, icp_version_id
 * and gate_passed by the values evaluate_stage_entry() gives the entry,
 * and applies the stage's gate_mode: off records, warn records and warns,
 * enforce refuses an entry that fails the stage's criteria.  An event of
 * an unknown lead or stage gets NULLs, and the foreign keys refuse it.
 */
PG_FUNCTION_INFO_V1(stage_event_freeze);
Datum
stage_event_freeze(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	FreezeCache *cache;
	Relation	rel;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
	FreezeStage *stage = NULL;
	FreezeVerdict verdict;
	Datum		lead_id;
	Datum		stage_name;
	Datum		entered_at;
	bool		lead_isnull;
	bool		stage_isnull;
	bool		entered_isnull;
	int			cols[3];
	Datum		values[3];
	bool		nulls[3];

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("alignment.stage_event_freeze() must be fired BEFORE INSERT FOR EACH ROW")));

	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);
	tuple = trigdata->tg_trigtuple;
	cache = GetFreezeCache(fcinfo, rel);

	memset(&verdict, 0, sizeof(verdict));
	verdict.fit_isnull = true;
	verdict.icp_isnull = true;
	verdict.gate_isnull = true;

	if (!cache->stages_loaded)
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		LoadStages(cache);
		SPI_finish();
	}

	stage_name = heap_getattr(tuple, cache->stage_attno, tupdesc,
							  &stage_isnull);
	if (!stage_isnull)
		stage = FindStage(cache, DatumGetTextPP(stage_name));
	lead_id = heap_getattr(tuple, cache->lead_attno, tupdesc, &lead_isnull);

	/*
	 * The fast path: an unknown stage, or one that is not the handoff and
	 * documents no criterion, freezes nothing, whoever the lead.  So does
	 * an event without a lead (which matches none).
	 */
	if (stage != NULL && !lead_isnull &&
		(stage->handoff || stage->has_min_fit || stage->nrequired > 0))
	{
		MemoryContext callercxt = CurrentMemoryContext;
		Jsonb	   *attributes;

		entered_at = heap_getattr(tuple, cache->entered_attno, tupdesc,
								  &entered_isnull);

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		attributes = LeadAttributes(lead_id);
		if (attributes != NULL)
			EvaluateEntry(cache, stage, attributes,
						  entered_isnull ? 0 : DatumGetTimestampTz(entered_at),
						  entered_isnull, callercxt, &verdict);
		SPI_finish();
	}
	else if (heap_attisnull(tuple, cache->fit_attno, tupdesc) &&
			 heap_attisnull(tuple, cache->icp_attno, tupdesc) &&
			 heap_attisnull(tuple, cache->gate_attno, tupdesc))
		return PointerGetDatum(tuple);

	/* gate_passed false implies a stage that documents a criterion */
	if (!verdict.gate_isnull && !verdict.gate_passed &&
		stage->gate_mode != GATE_OFF)
	{
		char	   *lead_text = TextDatumGetCString(lead_id);
		char	   *stage_text = TextDatumGetCString(stage_name);

		if (stage->gate_mode == GATE_ENFORCE)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("lead \"%s\" does not meet the entry criteria of stage \"%s\": %s",
							lead_text, stage_text, verdict.unmet),
					 errdetail("Stage \"%s\" has gate mode enforce, so entries that fail its criteria are refused.",
							   stage_text),
					 errhint("Complete the lead's attributes, or set the stage's gate_mode to warn to record such entries with gate_passed false.")));
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("lead \"%s\" does not meet the entry criteria of stage \"%s\": %s",
						lead_text, stage_text, verdict.unmet),
				 errdetail("Stage \"%s\" has gate mode warn: the entry is kept with gate_passed false.",
						   stage_text)));
	}

	/* The computed values replace any supplied: scores are not input. */
	cols[0] = cache->fit_attno;
	values[0] = Float8GetDatum(verdict.fit_score);
	nulls[0] = verdict.fit_isnull;
	cols[1] = cache->icp_attno;
	values[1] = Int32GetDatum(verdict.icp_version_id);
	nulls[1] = verdict.icp_isnull;
	cols[2] = cache->gate_attno;
	values[2] = BoolGetDatum(verdict.gate_passed);
	nulls[2] = verdict.gate_isnull;

	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, tupdesc, 3, cols,
													 values, nulls));
}
