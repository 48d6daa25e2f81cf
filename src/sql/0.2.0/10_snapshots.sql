-- src/sql/0.2.0/10_snapshots.sql: materialized snapshots of the metric
-- views, alignment.refresh() and the history of the alignment matrix.
--
-- The metric views compute everything on every read, which is too slow for
-- a dashboard over a large CRM export. Each view gets a snapshot with the
-- same columns, and alignment.refresh() recomputes them all. A snapshot is
-- two objects: the materialized view alignment.stored_<name> made here,
-- which holds the rows and is not open to readers, and the view
-- alignment.snapshot_<name> over it that readers query, made with the
-- roles in 20_security.sql (it hides the rows of the teams a role may not
-- see). <name> is the metric view's (mql_conversion ...), and matrix for
-- alignment_matrix.
--
-- Refreshing. REFRESH ... CONCURRENTLY needs a unique index on plain
-- columns. A row is one team and period, and team_id is NULL on the
-- all-teams row, so the index is NULLS NOT DISTINCT (PostgreSQL 15): it
-- still rejects a second all-teams row for a period. The concurrent
-- refresh matches old and new rows with "=", so the few all-teams rows
-- (NULL team_id) are deleted and inserted again on every refresh instead
-- of being compared; the team rows are only rewritten when they change.
-- refresh() runs in one transaction and a concurrent refresh takes only an
-- EXCLUSIVE lock, which does not conflict with SELECT: readers are never
-- blocked and see every snapshot switch to the new data at once, when the
-- transaction commits.
--
-- The snapshots are created empty (WITH NO DATA) so that installing or
-- updating the extension stays fast whatever the data; the first refresh()
-- fills them (a plain REFRESH, since CONCURRENTLY needs a populated view;
-- until then reading one fails with "has not been populated").
--
-- Settings. A snapshot holds the metrics as computed by the session that
-- ran refresh(), with its settings (alignment.period, as_of, thresholds
-- ...). Jobs scheduled with pg_cron run with the database's and role's
-- defaults: set them with ALTER DATABASE ... SET alignment.period = ...
-- alignment.snapshot_status records the period and as_of of each refresh.
--
-- History. alignment.matrix_history keeps, per team (and all teams) and
-- period, the matrix cell as first reported by a refresh and as last
-- revised; alignment.matrix_path lists a team's cells period after
-- period.

-- Snapshots -----------------------------------------------------------------

CREATE MATERIALIZED VIEW alignment.stored_mql_conversion AS
SELECT v.* FROM alignment.mql_conversion AS v
WITH NO DATA;
CREATE UNIQUE INDEX stored_mql_conversion_key
    ON alignment.stored_mql_conversion (period_start, all_teams, team_id)
    NULLS NOT DISTINCT;

CREATE MATERIALIZED VIEW alignment.stored_pipeline_attribution AS
SELECT v.* FROM alignment.pipeline_attribution AS v
WITH NO DATA;
CREATE UNIQUE INDEX stored_pipeline_attribution_key
    ON alignment.stored_pipeline_attribution
       (period_start, all_teams, team_id)
    NULLS NOT DISTINCT;

CREATE MATERIALIZED VIEW alignment.stored_icp_fit_at_handoff AS
SELECT v.* FROM alignment.icp_fit_at_handoff AS v
WITH NO DATA;
CREATE UNIQUE INDEX stored_icp_fit_at_handoff_key
    ON alignment.stored_icp_fit_at_handoff (period_start, all_teams, team_id)
    NULLS NOT DISTINCT;

CREATE MATERIALIZED VIEW alignment.stored_follow_up_compliance AS
SELECT v.* FROM alignment.follow_up_compliance AS v
WITH NO DATA;
CREATE UNIQUE INDEX stored_follow_up_compliance_key
    ON alignment.stored_follow_up_compliance
       (period_start, all_teams, team_id)
    NULLS NOT DISTINCT;

-- Time to close has a row per persona too: persona is NULL both on the
-- untagged deals' row and on the all-personas row, which all_personas tells
-- apart.
CREATE MATERIALIZED VIEW alignment.stored_time_to_close AS
SELECT v.* FROM alignment.time_to_close AS v
WITH NO DATA;
CREATE UNIQUE INDEX stored_time_to_close_key
    ON alignment.stored_time_to_close
       (period_start, all_teams, team_id, all_personas, persona)
    NULLS NOT DISTINCT;

CREATE MATERIALIZED VIEW alignment.stored_matrix AS
SELECT v.* FROM alignment.alignment_matrix AS v
WITH NO DATA;
CREATE UNIQUE INDEX stored_matrix_key
    ON alignment.stored_matrix (period_start, all_teams, team_id)
    NULLS NOT DISTINCT;

COMMENT ON MATERIALIZED VIEW alignment.stored_mql_conversion IS
'Snapshot of alignment.mql_conversion (metric 1, MQL-to-SQL conversion) as of the last alignment.refresh(): the same rows and columns, read without recomputing. Empty until the first refresh; see alignment.snapshot_status for when and with which period it was computed.';
COMMENT ON MATERIALIZED VIEW alignment.stored_pipeline_attribution IS
'Snapshot of alignment.pipeline_attribution (metric 2, pipeline attribution accuracy) as of the last alignment.refresh(): the same rows and columns, read without recomputing. Empty until the first refresh; see alignment.snapshot_status for when and with which period it was computed.';
COMMENT ON MATERIALIZED VIEW alignment.stored_icp_fit_at_handoff IS
'Snapshot of alignment.icp_fit_at_handoff (metric 3, ICP fit score at handoff) as of the last alignment.refresh(): the same rows and columns, read without recomputing. Empty until the first refresh; see alignment.snapshot_status for when and with which period it was computed.';
COMMENT ON MATERIALIZED VIEW alignment.stored_follow_up_compliance IS
'Snapshot of alignment.follow_up_compliance (metric 4, sales follow-up compliance) as of the last alignment.refresh(): the same rows and columns, read without recomputing. Empty until the first refresh; see alignment.snapshot_status for when and with which period it was computed.';
COMMENT ON MATERIALIZED VIEW alignment.stored_time_to_close IS
'Snapshot of alignment.time_to_close (metric 5, time to close by persona) as of the last alignment.refresh(): the same rows and columns, read without recomputing. Empty until the first refresh; see alignment.snapshot_status for when and with which period it was computed.';
COMMENT ON MATERIALIZED VIEW alignment.stored_matrix IS
'Snapshot of alignment.alignment_matrix (the 4-cell alignment matrix) as of the last alignment.refresh(): the same rows and columns, read without recomputing. Empty until the first refresh; see alignment.snapshot_status for when and with which period it was computed.';

-- A snapshot column means what the view column means: copy the comments.
DO $$
DECLARE
    snap text;
    view_name text;
    col record;
BEGIN
    FOREACH snap IN ARRAY ARRAY['mql_conversion', 'pipeline_attribution',
                                'icp_fit_at_handoff', 'follow_up_compliance',
                                'time_to_close', 'matrix']
    LOOP
        view_name := CASE snap WHEN 'matrix' THEN 'alignment_matrix'
                               ELSE snap END;
        FOR col IN
            SELECT a.attname,
                   pg_catalog.col_description(a.attrelid, a.attnum) AS note
            FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = CAST(pg_catalog.format('alignment.%I',
                                                      view_name)
                                    AS pg_catalog.regclass)
              AND a.attnum > 0 AND NOT a.attisdropped
        LOOP
            EXECUTE pg_catalog.format(
                'COMMENT ON COLUMN alignment.%I.%I IS %L',
                'stored_' || snap, col.attname, col.note);
        END LOOP;
    END LOOP;
END
$$;

-- Refresh status ------------------------------------------------------------

CREATE TABLE alignment.snapshot_status (
    snapshot        text PRIMARY KEY,
    refreshed_at    timestamptz NOT NULL,
    as_of           timestamptz NOT NULL,
    period_unit     text NOT NULL,
    row_count       bigint NOT NULL,
    seconds         double precision NOT NULL,
    concurrent      boolean NOT NULL
);
COMMENT ON TABLE alignment.snapshot_status IS
'One row per snapshot: when alignment.refresh() last refreshed it and with which settings. A snapshot without a row has never been refreshed.';
COMMENT ON COLUMN alignment.snapshot_status.snapshot IS 'Snapshot refreshed, by the name readers query, e.g. alignment.snapshot_matrix (its rows are stored in alignment.stored_matrix).';
COMMENT ON COLUMN alignment.snapshot_status.refreshed_at IS 'When the refresh finished (wall clock); its rows became visible when its transaction committed.';
COMMENT ON COLUMN alignment.snapshot_status.as_of IS 'The time the metrics were computed at (alignment.as_of: the setting, or the refresh''s start).';
COMMENT ON COLUMN alignment.snapshot_status.period_unit IS 'Period of the rows (alignment.period when it was refreshed).';
COMMENT ON COLUMN alignment.snapshot_status.row_count IS 'Rows in the snapshot after the refresh.';
COMMENT ON COLUMN alignment.snapshot_status.seconds IS 'How long the refresh took, in seconds.';
COMMENT ON COLUMN alignment.snapshot_status.concurrent IS 'True for a concurrent refresh (readers not blocked); false for the first fill of an empty snapshot.';

-- Matrix history ------------------------------------------------------------

CREATE TABLE alignment.matrix_history (
    period_unit     text NOT NULL,
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    team_id         text REFERENCES alignment.team
                    ON UPDATE CASCADE ON DELETE CASCADE,
    all_teams       boolean NOT NULL,
    first_cell      integer
                    CONSTRAINT matrix_history_first_cell_valid
                    CHECK (first_cell BETWEEN 1 AND 4),
    first_reported_at timestamptz NOT NULL,
    last_cell       integer
                    CONSTRAINT matrix_history_last_cell_valid
                    CHECK (last_cell BETWEEN 1 AND 4),
    last_revised_at timestamptz NOT NULL,
    last_reported_at timestamptz NOT NULL,
    revisions       integer NOT NULL DEFAULT 0
                    CONSTRAINT matrix_history_revisions_not_negative
                    CHECK (revisions >= 0),
    CONSTRAINT matrix_history_team_or_all
        CHECK ((team_id IS NULL) = all_teams),
    CONSTRAINT matrix_history_key
        UNIQUE NULLS NOT DISTINCT (period_unit, period_start, team_id)
);
-- The history cannot be recomputed: pg_dump keeps its rows.
SELECT pg_catalog.pg_extension_config_dump('alignment.matrix_history', '');

COMMENT ON TABLE alignment.matrix_history IS
'The alignment matrix cell of each team (and of all teams) and period as first reported by alignment.refresh() and as last revised: a period''s cell can change while its leads are still being decided. refresh() adds and updates the rows; a refresh whose as_of is earlier than a row''s last report leaves it alone, so history can be back-filled by refreshing with alignment.as_of set to successive dates in order.';
COMMENT ON COLUMN alignment.matrix_history.period_unit IS 'Length of the period (alignment.period at the refresh): week, month, quarter or year.';
COMMENT ON COLUMN alignment.matrix_history.period_start IS 'First day of the period (business time zone).';
COMMENT ON COLUMN alignment.matrix_history.period_end IS 'Last day of the period (inclusive).';
COMMENT ON COLUMN alignment.matrix_history.team_id IS 'Team; NULL on the all-teams row.';
COMMENT ON COLUMN alignment.matrix_history.all_teams IS 'True on the row that counts every team together.';
COMMENT ON COLUMN alignment.matrix_history.first_cell IS 'Cell (1 to 4) the first refresh that reported the period placed the team in; NULL when that refresh could not place it (an index had no data).';
COMMENT ON COLUMN alignment.matrix_history.first_reported_at IS 'as_of of that first refresh.';
COMMENT ON COLUMN alignment.matrix_history.last_cell IS 'Cell the latest refresh placed the team in; NULL when it could not place it.';
COMMENT ON COLUMN alignment.matrix_history.last_revised_at IS 'as_of of the refresh that last changed the cell (first_reported_at when it never changed).';
COMMENT ON COLUMN alignment.matrix_history.last_reported_at IS 'as_of of the latest refresh that reported the period.';
COMMENT ON COLUMN alignment.matrix_history.revisions IS 'How many times a refresh changed the cell after the first report.';

CREATE VIEW alignment.matrix_path AS
SELECT
    h.team_id,
    h.all_teams,
    h.period_unit,
    h.period_start,
    h.period_end,
    h.last_cell AS cell,
    alignment.matrix_next_step(h.last_cell) AS next_step,
    pg_catalog.lag(h.period_start) OVER team AS previous_period_start,
    pg_catalog.lag(h.last_cell) OVER team AS previous_cell,
    CASE WHEN pg_catalog.lag(h.period_start) OVER team IS NOT NULL
        THEN h.last_cell IS DISTINCT FROM pg_catalog.lag(h.last_cell) OVER team
    END AS moved,
    h.first_cell,
    h.first_reported_at,
    h.revisions,
    h.last_revised_at
FROM alignment.matrix_history AS h
WINDOW team AS (PARTITION BY h.period_unit, h.all_teams, h.team_id
                ORDER BY h.period_start);

COMMENT ON VIEW alignment.matrix_path IS
'Each team''s path through the alignment matrix, period after period, from alignment.matrix_history: the cell as last revised, the cell of the team''s previous reported period, whether it moved, and the cell as first reported.';
COMMENT ON COLUMN alignment.matrix_path.team_id IS 'Team; NULL on the all-teams rows.';
COMMENT ON COLUMN alignment.matrix_path.all_teams IS 'True on the rows that count every team together.';
COMMENT ON COLUMN alignment.matrix_path.period_unit IS 'Length of the period: week, month, quarter or year.';
COMMENT ON COLUMN alignment.matrix_path.period_start IS 'First day of the period (business time zone).';
COMMENT ON COLUMN alignment.matrix_path.period_end IS 'Last day of the period (inclusive).';
COMMENT ON COLUMN alignment.matrix_path.cell IS 'Cell as last revised (1 to 4); NULL when the team could not be placed.';
COMMENT ON COLUMN alignment.matrix_path.next_step IS 'Recommended next step for the cell.';
COMMENT ON COLUMN alignment.matrix_path.previous_period_start IS 'Start of the team''s previous period in the history (not necessarily the calendar''s previous one, when a period had no data); NULL on its first.';
COMMENT ON COLUMN alignment.matrix_path.previous_cell IS 'Cell of that previous period, as last revised.';
COMMENT ON COLUMN alignment.matrix_path.moved IS 'True when the cell differs from the previous period''s; NULL on the team''s first period.';
COMMENT ON COLUMN alignment.matrix_path.first_cell IS 'Cell as first reported for the period.';
COMMENT ON COLUMN alignment.matrix_path.first_reported_at IS 'as_of of the refresh that first reported the period.';
COMMENT ON COLUMN alignment.matrix_path.revisions IS 'How many times the period''s cell changed after the first report.';
COMMENT ON COLUMN alignment.matrix_path.last_revised_at IS 'as_of of the refresh that last changed the cell.';

-- Refresh -------------------------------------------------------------------

CREATE FUNCTION alignment.refresh()
RETURNS TABLE (relation text, action text, row_count bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
-- The metric views are priced far above jit_above_cost once the data grows
-- (per-row probes and group counts the planner cannot know), and compiling
-- them costs seconds that their execution, spent in sorts and function
-- calls, never wins back: on 100 000 leads of bench/generate.sql the
-- refresh took 13 s with JIT and 9 s without.
SET jit = off
AS $$
DECLARE
    snap text;
    stored text;
    was_populated boolean;
    started timestamptz;
    n bigint;
    first_reported bigint;
    revised bigint;
    reported_at timestamptz := alignment.as_of();
    unit text := alignment.setting('period');
BEGIN
    -- Snapshots, in a fixed order so that concurrent calls queue on the
    -- first one instead of deadlocking.
    FOREACH snap IN ARRAY ARRAY['mql_conversion', 'pipeline_attribution',
                                'icp_fit_at_handoff', 'follow_up_compliance',
                                'time_to_close', 'matrix']
    LOOP
        stored := 'stored_' || snap;
        SELECT c.relispopulated INTO was_populated
        FROM pg_catalog.pg_class AS c
        WHERE c.oid = pg_catalog.format('alignment.%I', stored)::regclass;

        started := pg_catalog.clock_timestamp();
        IF was_populated THEN
            EXECUTE pg_catalog.format(
                'REFRESH MATERIALIZED VIEW CONCURRENTLY alignment.%I', stored);
        ELSE
            EXECUTE pg_catalog.format(
                'REFRESH MATERIALIZED VIEW alignment.%I', stored);
        END IF;
        EXECUTE pg_catalog.format(
                'SELECT pg_catalog.count(*) FROM alignment.%I', stored)
            INTO n;

        INSERT INTO alignment.snapshot_status AS s
            (snapshot, refreshed_at, as_of, period_unit, row_count, seconds,
             concurrent)
        VALUES ('alignment.snapshot_' || snap, pg_catalog.clock_timestamp(),
                reported_at, unit, n,
                pg_catalog.date_part('epoch',
                    pg_catalog.clock_timestamp() - started),
                was_populated)
        ON CONFLICT (snapshot) DO UPDATE
        SET refreshed_at = excluded.refreshed_at,
            as_of = excluded.as_of,
            period_unit = excluded.period_unit,
            row_count = excluded.row_count,
            seconds = excluded.seconds,
            concurrent = excluded.concurrent;

        relation := 'alignment.snapshot_' || snap;
        action := CASE WHEN was_populated THEN 'refreshed concurrently'
                       ELSE 'filled' END;
        row_count := n;
        RETURN NEXT;
    END LOOP;

    -- Matrix history: one writer at a time (readers are not blocked).
    LOCK TABLE alignment.matrix_history IN SHARE ROW EXCLUSIVE MODE;
    WITH reported AS (
        SELECT m.period_start, m.period_end, m.team_id, m.all_teams, m.cell,
               h.period_start IS NOT NULL AS known,
               h.period_start IS NOT NULL
                   AND h.last_reported_at <= reported_at AS newer,
               h.period_start IS NOT NULL
                   AND h.last_reported_at <= reported_at
                   AND m.cell IS DISTINCT FROM h.last_cell AS revised
        FROM alignment.stored_matrix AS m
        LEFT JOIN alignment.matrix_history AS h
            ON h.period_unit = unit
           AND h.period_start = m.period_start
           AND h.team_id IS NOT DISTINCT FROM m.team_id
    ),
    updated AS (
        UPDATE alignment.matrix_history AS h
        SET last_cell = r.cell,
            last_revised_at = CASE WHEN r.revised THEN reported_at
                                   ELSE h.last_revised_at END,
            last_reported_at = reported_at,
            revisions = h.revisions + CASE WHEN r.revised THEN 1 ELSE 0 END
        FROM reported AS r
        WHERE r.newer
          AND h.period_unit = unit
          AND h.period_start = r.period_start
          AND h.team_id IS NOT DISTINCT FROM r.team_id
        RETURNING r.revised
    ),
    inserted AS (
        INSERT INTO alignment.matrix_history
            (period_unit, period_start, period_end, team_id, all_teams,
             first_cell, first_reported_at, last_cell, last_revised_at,
             last_reported_at)
        SELECT unit, r.period_start, r.period_end, r.team_id, r.all_teams,
               r.cell, reported_at, r.cell, reported_at, reported_at
        FROM reported AS r
        WHERE NOT r.known
        RETURNING 1
    )
    SELECT (SELECT pg_catalog.count(*) FROM inserted),
           (SELECT pg_catalog.count(*) FROM updated AS u WHERE u.revised)
        INTO first_reported, revised;

    relation := 'alignment.matrix_history';
    action := 'cells first reported';
    row_count := first_reported;
    RETURN NEXT;
    action := 'cells revised';
    row_count := revised;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION alignment.refresh() IS
'Recomputes every snapshot (alignment.snapshot_*, stored in alignment.stored_*) from its metric view, concurrently once it has been filled (readers are never blocked and see all snapshots switch at once when the transaction commits), records it in alignment.snapshot_status and adds the matrix cells to alignment.matrix_history. Returns one row per snapshot (filled or refreshed concurrently, rows) and two for the history (cells first reported, cells revised). Uses the caller''s settings (alignment.period, alignment.as_of ...), except that it runs without JIT compilation.';
