-- bench/trigger_cost.sql: what freezing fit scores row by row costs.
--
-- Included twice by bench/generate.sql in a leads step when bench.sh passes
-- -v measure_trigger=1: before the real stage_event insert
-- (trigger_cost_after false) and after it (true). Before, the rows about to
-- be inserted go twice into a copy of stage_event made with LIKE ... INCLUDING
-- ALL (the same columns, checks and indexes, no triggers), in a savepoint
-- rolled back each time, so stage_event itself is never locked:
--   1. as they are: what the rows cost without freezing;
--   2. with a set-based prototype of the freezing: an AFTER INSERT statement
--      trigger with a transition table that computes the fit scores, ICP
--      versions and gate results of all new rows in one UPDATE (what we
--      propose instead of the row trigger alignment.stage_event_freeze).
-- Then generate.sql does the real insert with the row trigger, and bench.sh
-- subtracts the times. A checksum of the prototype's rows (kept in a psql
-- variable, so it survives the rollback) is compared with the row
-- trigger's rows of the same leads.

\set trigger_cost_copy stage_event_:lo

\if :trigger_cost_after

\echo generate: checksum
SELECT count(*) AS row_trigger_rows,
       sum(pg_catalog.hashtextextended(
           ROW(event_id, lead_id, stage, entered_at, fit_score,
               icp_version_id, gate_passed)::text, 0)) AS row_trigger_checksum
FROM alignment.stage_event
WHERE event_id BETWEEN :'lo'::bigint * 16 AND :'hi'::bigint * 16 + 15 \gset
SELECT :'set_based_checksum' = :'row_trigger_checksum'
       AND :'set_based_rows' = :'row_trigger_rows' AS same_frozen_values \gset
\echo freezing: set-based prototype and row trigger agree on :row_trigger_rows rows: :same_frozen_values

\else

\echo generate: trigger cost setup
SAVEPOINT trigger_cost;
CREATE TABLE alignment_generate.:"trigger_cost_copy"
    (LIKE alignment.stage_event INCLUDING ALL);
\echo generate: stage_event without freezing
INSERT INTO alignment_generate.:"trigger_cost_copy"
    (event_id, lead_id, stage, entered_at)
OVERRIDING SYSTEM VALUE
SELECT event_id, lead_id, stage, entered_at FROM gen_event;
\echo generate: trigger cost setup
ROLLBACK TO SAVEPOINT trigger_cost;

-- The prototype. The ICP in force is a step function of time that changes
-- only when a version becomes agreed and effective, so it is computed once
-- per breakpoint (alignment.icp_in_force at each) and joined by range,
-- instead of a lookup per row.
CREATE FUNCTION pg_temp.freeze_set()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    -- on the table that fired (the copy of stage_event); in the extension
    -- this would be alignment.stage_event, and the UPDATE would have to get
    -- past stage_event_keep_frozen as rescore_handoffs() does
    EXECUTE format($q$
    WITH avail AS (
        SELECT DISTINCT greatest(v.marketing_approved_at,
                   v.sales_approved_at, v.effective_from) AS b
        FROM alignment.icp_version AS v
        WHERE v.marketing_approved_at IS NOT NULL
          AND v.sales_approved_at IS NOT NULL
    ),
    in_force AS (
        SELECT a.b AS from_t, lead(a.b) OVER (ORDER BY a.b) AS to_t,
               f.icp_version_id, f.definition
        FROM avail AS a
        CROSS JOIN LATERAL alignment.icp_in_force(a.b) AS f
    )
    UPDATE %I.%I AS e
    SET fit_score = x.fit_score,
        icp_version_id = x.icp_version_id,
        gate_passed = x.gate_passed
    FROM (
        SELECT n.event_id, sc.fit_score, sc.icp_version_id,
               CASE WHEN s.min_fit_score IS NOT NULL
                         OR cardinality(s.required_attributes) > 0 THEN
                   (s.min_fit_score IS NULL
                    OR (sc.icp_version_id IS NOT NULL
                        AND coalesce(sc.fit_score >= s.min_fit_score,
                                     false)))
                   AND NOT EXISTS (
                       SELECT FROM unnest(s.required_attributes) AS r(name)
                       WHERE coalesce(jsonb_typeof(l.attributes -> r.name),
                                      'null') = 'null')
               END AS gate_passed
        FROM new_rows AS n
        JOIN alignment.stage AS s ON s.stage = n.stage
        JOIN alignment.lead AS l ON l.lead_id = n.lead_id
        LEFT JOIN in_force AS i
          ON n.entered_at >= i.from_t
         AND (i.to_t IS NULL OR n.entered_at < i.to_t)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.role = 'handoff' OR s.min_fit_score IS NOT NULL
                        THEN alignment.icp_score(i.definition, l.attributes)
                   END AS fit_score,
                   CASE WHEN s.role = 'handoff' OR s.min_fit_score IS NOT NULL
                        THEN i.icp_version_id
                   END AS icp_version_id
        ) AS sc
        WHERE s.role = 'handoff' OR s.min_fit_score IS NOT NULL
           OR cardinality(s.required_attributes) > 0
    ) AS x
    WHERE e.event_id = x.event_id
    $q$, TG_TABLE_SCHEMA, TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

\echo generate: trigger cost setup
CREATE TABLE alignment_generate.:"trigger_cost_copy"
    (LIKE alignment.stage_event INCLUDING ALL);
CREATE TRIGGER freeze_set
    AFTER INSERT ON alignment_generate.:"trigger_cost_copy"
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.freeze_set();
\echo generate: stage_event with set-based freezing
INSERT INTO alignment_generate.:"trigger_cost_copy"
    (event_id, lead_id, stage, entered_at)
OVERRIDING SYSTEM VALUE
SELECT event_id, lead_id, stage, entered_at FROM gen_event;
\echo generate: trigger cost setup
SELECT count(*) AS set_based_rows,
       sum(pg_catalog.hashtextextended(
           ROW(event_id, lead_id, stage, entered_at, fit_score,
               icp_version_id, gate_passed)::text, 0)) AS set_based_checksum
FROM alignment_generate.:"trigger_cost_copy" \gset
ROLLBACK TO SAVEPOINT trigger_cost;
RELEASE SAVEPOINT trigger_cost;

\endif
