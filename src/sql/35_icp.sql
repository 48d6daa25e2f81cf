-- src/sql/35_icp.sql: the ICP lifecycle (versions signed off by both
-- teams) and the data-driven ICP (which attribute values go with winning).

-- Signed-off ICP versions -------------------------------------------------
--
-- A version is proposed once and approved once by each side; it is agreed
-- when both approved.  An approved version never changes: a new ICP is a
-- new version.  Which version is in force at a given time is answered by
-- alignment.icp_in_force(at) (src/sql/30_load.sql).

CREATE FUNCTION alignment.icp_propose(definition jsonb,
    effective_from timestamptz,
    fit_threshold numeric DEFAULT 60,
    note text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    new_id integer;
BEGIN
    IF definition IS NULL THEN
        RAISE EXCEPTION 'ICP definition must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF effective_from IS NULL THEN
        RAISE EXCEPTION 'effective date of an ICP version must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the time from which the version applies once both teams approved it.';
    END IF;
    IF fit_threshold IS NULL THEN
        RAISE EXCEPTION 'ICP fit threshold must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave it out for the default of 60.';
    END IF;
    IF fit_threshold < 0 OR fit_threshold > 100 THEN
        RAISE EXCEPTION 'ICP fit threshold % is outside 0 to 100',
            fit_threshold
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The threshold is the fit score, on the 0 to 100 scale of alignment.icp_score, from which a lead fits the ICP.';
    END IF;

    -- The table's check would refuse an invalid definition too, but only
    -- after the insert took a version id: validate first, so that the ids
    -- the teams refer to have no gaps for rejected proposals.
    PERFORM alignment.icp_validate(definition);

    INSERT INTO alignment.icp_version (definition, fit_threshold,
                                       effective_from, note)
    VALUES (definition, fit_threshold, effective_from, note)
    RETURNING icp_version_id INTO new_id;
    RETURN new_id;
END;
$$;
COMMENT ON FUNCTION alignment.icp_propose(jsonb, timestamptz, numeric, text) IS
'Propose a new ICP version: validates the definition and returns the new version id. The version applies from effective_from once marketing and sales both approved it (alignment.icp_approve).';

CREATE FUNCTION alignment.icp_approve(version_id integer, side text,
    at timestamptz DEFAULT pg_catalog.now())
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    approved_at timestamptz;
    agreed boolean;
BEGIN
    IF version_id IS NULL THEN
        RAISE EXCEPTION 'ICP version to approve must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF side IS NULL THEN
        RAISE EXCEPTION 'side approving ICP version % must not be NULL',
            version_id
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'The side is ''marketing'' or ''sales''.';
    END IF;
    IF side NOT IN ('marketing', 'sales') THEN
        RAISE EXCEPTION 'unknown side "%" for the approval of ICP version %',
            side, version_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The side is ''marketing'' or ''sales''.';
    END IF;
    IF at IS NULL THEN
        RAISE EXCEPTION 'time of the % approval of ICP version % must not be NULL',
            side, version_id
            USING ERRCODE = 'null_value_not_allowed';
    END IF;

    SELECT CASE side WHEN 'marketing' THEN iv.marketing_approved_at
                     ELSE iv.sales_approved_at END
    INTO approved_at
    FROM alignment.icp_version AS iv
    WHERE iv.icp_version_id = version_id
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ICP version % does not exist', version_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'ICP version % is already approved by %',
            version_id, side
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The %s approval was given at %s.', side,
                                  approved_at),
                  HINT = 'An approval is given once; to change the ICP, propose a new version.';
    END IF;

    UPDATE alignment.icp_version AS iv
    SET marketing_approved_at = CASE WHEN side = 'marketing' THEN at
                                     ELSE iv.marketing_approved_at END,
        sales_approved_at = CASE WHEN side = 'sales' THEN at
                                 ELSE iv.sales_approved_at END
    WHERE iv.icp_version_id = version_id
    RETURNING iv.marketing_approved_at IS NOT NULL
              AND iv.sales_approved_at IS NOT NULL INTO agreed;
    RETURN agreed;
END;
$$;
COMMENT ON FUNCTION alignment.icp_approve(integer, text, timestamptz) IS
'Record the approval of an ICP version by one side (''marketing'' or ''sales'') at the given time (default now). Returns true when the version is now agreed, that is approved by both sides. Each side approves a version once.';

CREATE FUNCTION alignment.icp_version_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    approvals text;
    changed text;
BEGIN
    IF OLD.marketing_approved_at IS NOT NULL
        AND NEW.marketing_approved_at IS DISTINCT FROM OLD.marketing_approved_at
    THEN
        RAISE EXCEPTION 'cannot withdraw or change the marketing approval of ICP version %',
            OLD.icp_version_id
            USING ERRCODE = 'integrity_constraint_violation',
                  DETAIL = format('Marketing approved it at %s.',
                                  OLD.marketing_approved_at),
                  HINT = 'To change the ICP, propose a new version.';
    END IF;
    IF OLD.sales_approved_at IS NOT NULL
        AND NEW.sales_approved_at IS DISTINCT FROM OLD.sales_approved_at
    THEN
        RAISE EXCEPTION 'cannot withdraw or change the sales approval of ICP version %',
            OLD.icp_version_id
            USING ERRCODE = 'integrity_constraint_violation',
                  DETAIL = format('Sales approved it at %s.',
                                  OLD.sales_approved_at),
                  HINT = 'To change the ICP, propose a new version.';
    END IF;

    IF OLD.marketing_approved_at IS NULL AND OLD.sales_approved_at IS NULL THEN
        RETURN NEW;
    END IF;
    approvals := concat_ws(' and ',
        CASE WHEN OLD.marketing_approved_at IS NOT NULL THEN 'marketing' END,
        CASE WHEN OLD.sales_approved_at IS NOT NULL THEN 'sales' END);

    SELECT string_agg(f.field, ' and ') INTO changed
    FROM (VALUES
        ('definition', NEW.definition IS DISTINCT FROM OLD.definition),
        ('fit threshold', NEW.fit_threshold IS DISTINCT FROM OLD.fit_threshold),
        ('effective date',
         NEW.effective_from IS DISTINCT FROM OLD.effective_from)
    ) AS f (field, is_changed)
    WHERE f.is_changed;
    IF changed IS NOT NULL THEN
        RAISE EXCEPTION 'cannot change the % of ICP version %: it is approved by %',
            changed, OLD.icp_version_id, approvals
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Propose the change as a new version with alignment.icp_propose().';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION alignment.icp_version_guard() IS
'Trigger function on alignment.icp_version: once a side approved a version, its definition, fit threshold and effective date cannot change and no approval can be withdrawn or changed.';

CREATE TRIGGER icp_version_guard
    BEFORE UPDATE ON alignment.icp_version
    FOR EACH ROW EXECUTE FUNCTION alignment.icp_version_guard();
COMMENT ON TRIGGER icp_version_guard ON alignment.icp_version IS
'Keeps approved ICP versions as they were signed: a change is a new version.';

CREATE FUNCTION alignment.icp_version_keep_approved()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
BEGIN
    IF OLD.marketing_approved_at IS NOT NULL
        OR OLD.sales_approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'cannot delete ICP version %: it is approved by %',
            OLD.icp_version_id,
            concat_ws(' and ',
                CASE WHEN OLD.marketing_approved_at IS NOT NULL
                    THEN 'marketing' END,
                CASE WHEN OLD.sales_approved_at IS NOT NULL
                    THEN 'sales' END)
            USING ERRCODE = 'integrity_constraint_violation',
                  DETAIL = 'A signed-off version is part of the record of what both teams agreed.',
                  HINT = 'To replace it, propose a new version with alignment.icp_propose().';
    END IF;
    RETURN OLD;
END;
$$;
COMMENT ON FUNCTION alignment.icp_version_keep_approved() IS
'Trigger function on alignment.icp_version: refuses to delete a version that either side approved.';

CREATE TRIGGER icp_version_keep_approved
    BEFORE DELETE ON alignment.icp_version
    FOR EACH ROW EXECUTE FUNCTION alignment.icp_version_keep_approved();
COMMENT ON TRIGGER icp_version_keep_approved ON alignment.icp_version IS
'Keeps approved ICP versions: only a version nobody approved can be deleted.';

-- Evidence of a value: win rate, lift, weight of evidence, information value
--
-- Formulas (src/icp_evidence.c): w wins and l losses carry the value, out
-- of W wins and L losses compared (a "loss" is any record not won):
--   win rate = w / (w + l);  lift = win rate / (W / (W + L));
--   WoE = ln(((w + 0.5) / W) / ((l + 0.5) / L));
--   IV  = ((w + 0.5) / W - (l + 0.5) / L) * WoE, summed over an
--         attribute's values for the attribute's IV.

CREATE TYPE alignment.icp_evidence_result AS (
    records     bigint,
    wins        bigint,
    win_rate    double precision,
    lift        double precision,
    woe         double precision,
    iv          double precision
);
COMMENT ON TYPE alignment.icp_evidence_result IS
'Evidence that records carrying a value (or meeting a criterion) win: records and wins among them, win rate wins/records, lift (win rate over the win rate of all records compared), weight of evidence ln(((wins + 0.5) / all wins) / ((losses + 0.5) / all losses)) and the value''s information value ((wins + 0.5) / all wins - (losses + 0.5) / all losses) * WoE.';

CREATE FUNCTION alignment.icp_evidence_stats(wins bigint, losses bigint,
    total_wins bigint, total_losses bigint)
RETURNS alignment.icp_evidence_result
AS 'MODULE_PATHNAME', 'icp_evidence_stats'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.icp_evidence_stats(bigint, bigint, bigint, bigint) IS
'Evidence of a value from counts: wins and losses among the records carrying it, and the wins and losses of all records compared (a loss is any record not won). WoE and IV are NULL when either total is 0; win rate and lift are NULL without records.';

CREATE FUNCTION alignment.icp_evidence_sfunc(state bigint[],
    matches boolean, won boolean)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'icp_evidence_sfunc'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION alignment.icp_evidence_sfunc(bigint[], boolean, boolean) IS
'Transition function of the icp_evidence aggregate: counts one record into the state {matching wins, matching losses, other wins, other losses}.';

CREATE FUNCTION alignment.icp_evidence_combine(state1 bigint[],
    state2 bigint[])
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'icp_evidence_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.icp_evidence_combine(bigint[], bigint[]) IS
'Combine function of the icp_evidence aggregate: adds two partial states.';

CREATE FUNCTION alignment.icp_evidence_final(state bigint[])
RETURNS alignment.icp_evidence_result
AS 'MODULE_PATHNAME', 'icp_evidence_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION alignment.icp_evidence_final(bigint[]) IS
'Final function of the icp_evidence aggregate: the evidence of the matching records against all records counted.';

CREATE AGGREGATE alignment.icp_evidence(matches boolean, won boolean) (
    SFUNC = alignment.icp_evidence_sfunc,
    STYPE = bigint[],
    INITCOND = '{0,0,0,0}',
    COMBINEFUNC = alignment.icp_evidence_combine,
    FINALFUNC = alignment.icp_evidence_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE alignment.icp_evidence(boolean, boolean) IS
'Evidence that records meeting a condition win, in one pass: one row per record with whether it matches (an attribute value, a criterion, an ICP score above its threshold; NULL counts as not matching) and whether it was won (NULL: undecided, skipped). Returns an alignment.icp_evidence_result.';

-- Evidence per attribute and value ---------------------------------------

CREATE FUNCTION alignment.icp_attribute_evidence(source regclass,
    min_records integer DEFAULT 5,
    bands integer DEFAULT 4)
RETURNS TABLE (
    attribute   text,
    value       text,
    kind        text,
    criterion   jsonb,
    records     bigint,
    wins        bigint,
    win_rate    double precision,
    lift        double precision,
    woe         double precision,
    iv          double precision,
    attribute_iv double precision,
    note        text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
-- Only pg_catalog, so that the relation named in messages is qualified.
SET search_path = pg_catalog
-- The planner takes jsonb_each for 100 rows a record (a few, in practice),
-- so the estimates reach the JIT thresholds: compiling then costs seconds
-- and the query itself a small fraction of that.
SET jit = off
AS $fn$
DECLARE
    fractions double precision[];
    needed record;
    source_hint constant text := 'Pass a table or view with the columns attributes jsonb and won boolean, such as alignment.icp_evidence_deals.';
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION 'source of the ICP evidence must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = source_hint;
    END IF;
    IF min_records IS NULL OR min_records < 1 THEN
        RAISE EXCEPTION 'minimum of % records per value is not positive',
            coalesce(min_records::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Values seen in fewer records are merged into "(other)"; 1 keeps every value.';
    END IF;
    IF bands IS NULL OR bands < 1 OR bands > 100 THEN
        RAISE EXCEPTION 'number of bands % is outside 1 to 100',
            coalesce(bands::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Numeric attributes are cut into this many quantile bands, 4 for quartiles.';
    END IF;
    FOR needed IN
        SELECT * FROM (VALUES ('attributes', 'jsonb'), ('won', 'boolean'))
            AS c (name, type)
    LOOP
        PERFORM 1 FROM pg_catalog.pg_attribute
        WHERE attrelid = source AND attname = needed.name
            AND atttypid = needed.type::regtype
            AND attnum > 0 AND NOT attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'relation % has no column "%" of type %',
                source, needed.name, needed.type
                USING ERRCODE = 'undefined_column', HINT = source_hint;
        END IF;
    END LOOP;

    -- the quantiles that cut numeric attributes: 1/bands ... (bands-1)/bands
    SELECT coalesce(array_agg(k::double precision / bands ORDER BY k), '{}')
    INTO fractions
    FROM generate_series(1, bands - 1) AS k;

    RETURN QUERY EXECUTE format($q$
WITH rec AS (
    SELECT s.attributes, s.won
    FROM %s AS s
    WHERE s.won IS NOT NULL
),
totals AS (
    SELECT count(*) FILTER (WHERE won) AS total_wins,
           count(*) FILTER (WHERE NOT won) AS total_losses
    FROM rec
),
present AS (
    -- one row per record and attribute it carries (a JSON null is missing)
    SELECT e.key AS attribute, e.value AS v, r.won
    FROM rec AS r
    CROSS JOIN LATERAL pg_catalog.jsonb_each(
        CASE WHEN pg_catalog.jsonb_typeof(r.attributes) = 'object'
             THEN r.attributes END) AS e
    WHERE pg_catalog.jsonb_typeof(e.value) <> 'null'
),
attr AS (
    -- an attribute is numeric when every value it takes is a JSON number
    SELECT attribute,
           bool_and(pg_catalog.jsonb_typeof(v) = 'number') AS is_numeric,
           count(*) AS present_records,
           count(*) FILTER (WHERE won) AS present_wins
    FROM present
    GROUP BY attribute
),
cuts AS (
    SELECT p.attribute,
           percentile_disc($3) WITHIN GROUP (ORDER BY p.v::numeric) AS cut
    FROM present AS p
    JOIN attr AS a USING (attribute)
    WHERE a.is_numeric
    GROUP BY p.attribute
),
typed AS (
    -- band b of a numeric attribute holds cut[b-1] < value <= cut[b]
    SELECT p.attribute, a.is_numeric, p.won,
           CASE WHEN NOT a.is_numeric THEN p.v END AS v,
           n.num,
           CASE WHEN a.is_numeric
                THEN 1 + (SELECT count(*) FROM pg_catalog.unnest(c.cut) AS q
                          WHERE q < n.num) END AS band
    FROM present AS p
    JOIN attr AS a USING (attribute)
    LEFT JOIN cuts AS c USING (attribute)
    CROSS JOIN LATERAL (SELECT CASE WHEN a.is_numeric
                                    THEN p.v::numeric END AS num) AS n
),
grouped AS (
    SELECT attribute, is_numeric, v, band,
           min(num) AS low, max(num) AS high,
           count(*) AS records, count(*) FILTER (WHERE won) AS wins
    FROM typed
    GROUP BY attribute, is_numeric, v, band
),
cells AS (
    SELECT attribute, 'band' AS kind, low AS sort_key,
           CASE WHEN low = high THEN low::text
                ELSE low::text || ' to ' || high::text END AS value,
           pg_catalog.jsonb_build_object('attribute', attribute,
                'between', pg_catalog.jsonb_build_array(low, high)) AS criterion,
           records, wins
    FROM grouped
    WHERE is_numeric
    UNION ALL
    SELECT attribute, 'value', NULL,
           CASE WHEN pg_catalog.jsonb_typeof(v) = 'string' THEN v #>> '{}'
                ELSE v::text END,
           pg_catalog.jsonb_build_object('attribute', attribute, 'equals', v),
           records, wins
    FROM grouped
    WHERE NOT is_numeric AND records >= $1
    UNION ALL
    -- the small-count guard: values seen in fewer than min_records records
    SELECT attribute, 'other', NULL, '(other)',
           pg_catalog.jsonb_build_object('attribute', attribute,
                'in', pg_catalog.jsonb_agg(v ORDER BY v)),
           sum(records)::bigint, sum(wins)::bigint
    FROM grouped
    WHERE NOT is_numeric AND records < $1
    GROUP BY attribute
    UNION ALL
    SELECT a.attribute, 'missing', NULL, '(missing)', NULL,
           t.total_wins + t.total_losses - a.present_records,
           t.total_wins - a.present_wins
    FROM attr AS a
    CROSS JOIN totals AS t
    WHERE a.present_records < t.total_wins + t.total_losses
),
scored AS (
    SELECT c.attribute, c.value, c.kind, c.criterion, e.records, e.wins,
           e.win_rate, e.lift, e.woe, e.iv,
           sum(e.iv) OVER (PARTITION BY c.attribute) AS attribute_iv,
           NULLIF(pg_catalog.concat_ws('; ',
                CASE WHEN t.total_wins = 0 THEN 'no wins to compare with'
                     WHEN t.total_losses = 0 THEN 'no losses to compare with'
                END,
                CASE WHEN a.present_wins = a.present_records
                          AND t.total_losses > 0
                     THEN 'attribute recorded only for won records: its evidence shows how the data was collected, not fit'
                     WHEN a.present_wins = 0 AND t.total_wins > 0
                     THEN 'attribute recorded only for records not won: its evidence shows how the data was collected, not fit'
                END,
                CASE WHEN c.kind <> 'missing' AND e.records < $1
                     THEN 'fewer than ' || $1 || ' records' END,
                CASE WHEN e.woe IS NULL THEN NULL
                     WHEN e.records = e.wins
                     THEN 'seen only in wins: WoE rests on the 0.5 smoothing'
                     WHEN e.wins = 0
                     THEN 'seen only in losses: WoE rests on the 0.5 smoothing'
                END), '') AS note,
           CASE c.kind WHEN 'band' THEN 0 WHEN 'value' THEN 0
                       WHEN 'other' THEN 1 ELSE 2 END AS kind_order,
           c.sort_key
    FROM cells AS c
    JOIN attr AS a USING (attribute)
    CROSS JOIN totals AS t
    CROSS JOIN LATERAL alignment.icp_evidence_stats(c.wins,
        c.records - c.wins, t.total_wins, t.total_losses) AS e
)
SELECT attribute, value, kind, criterion, records, wins, win_rate, lift,
       woe, iv, attribute_iv, note
FROM scored
ORDER BY attribute_iv DESC NULLS LAST, attribute, kind_order, sort_key,
         woe DESC NULLS LAST, value
$q$, source)
    USING min_records, bands, fractions;
END;
$fn$;
COMMENT ON FUNCTION alignment.icp_attribute_evidence(regclass, integer, integer) IS
'Which attribute values go with winning: one row per attribute and value of the records in source (a table or view with columns attributes jsonb and won boolean; rows with a NULL won are skipped), with records, wins, win rate, lift, weight of evidence, the value''s and the attribute''s information value, and the ICP criterion that selects the value. Numeric attributes are cut into quantile bands; values seen in fewer than min_records records are merged into "(other)"; records without the attribute form "(missing)". Strongest attribute first.';

CREATE FUNCTION alignment.icp_suggest(source regclass,
    max_criteria integer DEFAULT 3,
    min_iv double precision DEFAULT 0.02,
    min_records integer DEFAULT 5,
    bands integer DEFAULT 4,
    candidates text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
-- Only pg_catalog, so that the relation named in messages is qualified.
SET search_path = pg_catalog
AS $$
DECLARE
    suggestion jsonb;
BEGIN
    IF max_criteria IS NULL OR max_criteria < 1 THEN
        RAISE EXCEPTION 'maximum of % criteria in a suggested ICP is not positive',
            coalesce(max_criteria::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF min_iv IS NULL OR min_iv < 0 THEN
        RAISE EXCEPTION 'minimum information value % is negative or NULL',
            coalesce(min_iv::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'By convention an information value under 0.02 is not predictive, 0.02 to 0.1 weak, 0.1 to 0.3 medium and above 0.3 strong.';
    END IF;

    WITH ev AS MATERIALIZED (
        SELECT * FROM alignment.icp_attribute_evidence(source, min_records,
                                                       bands)
    ),
    usable AS (
        -- attributes with evidence for and against among recorded values
        SELECT e.attribute, max(e.attribute_iv) AS attribute_iv
        FROM ev AS e
        WHERE candidates IS NULL OR e.attribute = ANY (candidates)
        GROUP BY e.attribute
        HAVING max(e.attribute_iv) >= min_iv
            AND sum(e.wins) FILTER (WHERE e.kind <> 'missing') > 0
            AND sum(e.records - e.wins) FILTER (WHERE e.kind <> 'missing') > 0
    ),
    categorical AS (
        -- the values with a positive WoE, unless every recorded value has
        -- one (the attribute then only separates recorded from missing)
        SELECT u.attribute, u.attribute_iv,
               jsonb_build_object('attribute', u.attribute,
                   'in', jsonb_agg(e.criterion -> 'equals'
                                   ORDER BY e.woe DESC, e.value)
                         FILTER (WHERE e.kind = 'value' AND e.woe > 0))
                   AS criterion
        FROM usable AS u
        JOIN ev AS e USING (attribute)
        WHERE e.kind IN ('value', 'other')
        GROUP BY u.attribute, u.attribute_iv
        HAVING count(*) FILTER (WHERE e.kind = 'value' AND e.woe > 0) > 0
            AND count(*) FILTER (WHERE e.woe <= 0) > 0
    ),
    band AS (
        SELECT u.attribute, u.attribute_iv, e.woe,
               (e.criterion -> 'between' -> 0) AS low,
               (e.criterion -> 'between' -> 1) AS high,
               row_number() OVER w AS pos,
               count(*) OVER (PARTITION BY u.attribute) AS nbands
        FROM usable AS u
        JOIN ev AS e USING (attribute)
        WHERE e.kind = 'band'
        WINDOW w AS (PARTITION BY u.attribute
                     ORDER BY (e.criterion -> 'between' ->> 0)::numeric)
    ),
    run AS (
        -- runs of adjacent bands with a positive WoE
        SELECT b.*, b.pos - row_number() OVER (PARTITION BY b.attribute
                                               ORDER BY b.pos) AS run_id
        FROM band AS b
        WHERE b.woe > 0
    ),
    best_run AS (
        -- the run holding the band with the highest WoE
        SELECT DISTINCT ON (r.attribute) r.attribute, r.attribute_iv, r.nbands,
               min(r.pos) AS first_pos, max(r.pos) AS last_pos,
               (array_agg(r.low ORDER BY r.pos))[1] AS low,
               (array_agg(r.high ORDER BY r.pos DESC))[1] AS high
        FROM run AS r
        GROUP BY r.attribute, r.attribute_iv, r.nbands, r.run_id
        ORDER BY r.attribute, max(r.woe) DESC
    ),
    numeric_criteria AS (
        -- open-ended at the lowest or highest band; no criterion when every
        -- band has a positive WoE
        SELECT attribute, attribute_iv,
               CASE WHEN first_pos = 1
                    THEN jsonb_build_object('attribute', attribute, 'max', high)
                    WHEN last_pos = nbands
                    THEN jsonb_build_object('attribute', attribute, 'min', low)
                    ELSE jsonb_build_object('attribute', attribute,
                        'between', jsonb_build_array(low, high))
               END AS criterion
        FROM best_run
        WHERE NOT (first_pos = 1 AND last_pos = nbands)
    ),
    chosen AS (
        SELECT c.*, max(c.attribute_iv) OVER () AS strongest_iv
        FROM (SELECT * FROM categorical
              UNION ALL
              SELECT * FROM numeric_criteria) AS c
        ORDER BY c.attribute_iv DESC, c.attribute
        LIMIT max_criteria
    )
    SELECT jsonb_build_object(
               'criteria', jsonb_agg(c.criterion || jsonb_build_object(
                   'weight', greatest(1, round(10 * c.attribute_iv
                                               / c.strongest_iv)::integer))
                   ORDER BY c.attribute_iv DESC, c.attribute),
               'missing', 'no_match')
    INTO suggestion
    FROM chosen AS c
    HAVING count(*) > 0;

    IF suggestion IS NULL THEN
        RAISE EXCEPTION 'no attribute of % has enough evidence for an ICP',
            source
            USING ERRCODE = 'no_data_found',
                  DETAIL = format('No attribute reached an information value of %s with values of positive weight of evidence beside others of negative weight.', min_iv),
                  HINT = 'Compare more records, lower min_iv or min_records, or widen candidates.';
    END IF;

    -- a suggestion is only useful if it can be proposed as it is
    PERFORM alignment.icp_validate(suggestion);
    RETURN suggestion;
END;
$$;
COMMENT ON FUNCTION alignment.icp_suggest(regclass, integer, double precision, integer, integer, text[]) IS
'A suggested ICP definition, ready for alignment.icp_propose, from the evidence of alignment.icp_attribute_evidence over source: up to max_criteria attributes of information value at least min_iv (optionally only among candidates), strongest first, each an "in" criterion of its values with a positive WoE (a numeric attribute: the range of adjacent bands with a positive WoE around the strongest), weighted 1 to 10 in proportion to the attribute''s information value.';
