-- src/sql/0.2.0/05_freeze.sql: the freezing trigger function in C.
--
-- The PL/pgSQL stage_event_freeze() of 0.1.0 looked the stage and the lead
-- up and called evaluate_stage_entry() for every inserted event, which
-- took most of the time of a bulk load. The C function (src/freeze.c)
-- applies the same rules, reads the stages and the agreed ICP versions
-- once per statement, and reads no lead for an event whose stage is not
-- the handoff and documents no entry criterion. evaluate_stage_entry()
-- stays, unchanged: rescore_handoffs() calls it, and the trigger must
-- agree with it. The trigger itself (stage_event_freeze on
-- alignment.stage_event) is unchanged and now calls this function.

CREATE OR REPLACE FUNCTION alignment.stage_event_freeze()
RETURNS trigger
AS 'MODULE_PATHNAME', 'stage_event_freeze'
	LANGUAGE C;
COMMENT ON FUNCTION alignment.stage_event_freeze() IS
'Trigger function: freezes the fit score, ICP version and gate result of a new stage event (see evaluate_stage_entry) and applies the stage''s gate_mode: off records, warn records and warns, enforce refuses an entry that fails the criteria.';
