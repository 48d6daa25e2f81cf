-- test/cron.sql: scheduled refreshes with pg_cron.
--
-- pg_cron keeps its jobs in database cron.database_name ('postgres' on the
-- test cluster), not in this one. The test shows the error that names the
-- way out, then installs dblink here so that alignment.schedule_refresh()
-- can place the job from this database; it schedules a refresh every
-- minute, adds data, waits (at most 85 seconds) until pg_cron reports a
-- succeeded run and the snapshot holds the new data, and unschedules it.
-- It also schedules from pg_cron's own database, inside a transaction that
-- it rolls back there.
--
-- No transaction around the test: the pg_cron job must see its data
-- committed. It cleans up what it adds.
SET client_min_messages = warning;
SELECT plan(25);

SELECT pg_catalog.current_setting('cron.database_name', true) AS cron_db,
       pg_catalog.current_database() AS here,
       alignment.refresh_job_name(pg_catalog.current_database()) AS job_name
\gset
SELECT pg_catalog.format('dbname=%s port=%s host=%s', :'cron_db',
    pg_catalog.current_setting('port'),
    pg_catalog.split_part(
        pg_catalog.current_setting('unix_socket_directories'), ',', 1))
    AS cron_conn
\gset

SELECT isnt(pg_catalog.current_setting('cron.database_name', true), NULL,
            'pg_cron is loaded (cron.database_name is set)');
SELECT isnt(pg_catalog.current_setting('cron.database_name', true),
            pg_catalog.current_database()::text,
            'pg_cron keeps its jobs in another database');

-- Bad inputs first: they fail before pg_cron is looked for.
SELECT throws_ok($$SELECT alignment.schedule_refresh(NULL)$$,
    '22004', 'cron expression must not be null',
    'a NULL schedule is an error');
SELECT throws_ok($$SELECT alignment.schedule_refresh('* * * * *', ' ')$$,
    '22023', 'database name " " is blank',
    'a blank database name is an error');

-- Without dblink this database cannot reach pg_cron's: the error names the
-- database pg_cron is in and the hint the statement to run there.
DROP EXTENSION IF EXISTS dblink;
SELECT throws_ok($$SELECT alignment.schedule_refresh('* * * * *')$$,
    '55000',
    pg_catalog.format('pg_cron is in database "%s", not in "%s"',
                      :'cron_db', :'here'),
    'without dblink, scheduling from another database names pg_cron''s');
SELECT throws_ok($$SELECT alignment.unschedule_refresh()$$,
    '55000',
    pg_catalog.format('pg_cron is in database "%s", not in "%s"',
                      :'cron_db', :'here'),
    'so does unscheduling');

CREATE EXTENSION dblink;
SELECT dblink_exec(:'cron_conn', 'CREATE EXTENSION IF NOT EXISTS pg_cron')
    AS created \gset

-- pg_cron itself rejects a schedule it cannot parse.
SELECT throws_ok($$SELECT alignment.schedule_refresh('every minute')$$,
    '22023', 'invalid schedule: every minute',
    'pg_cron''s error for a bad schedule comes back through dblink');

-- Leftovers of an interrupted run go first.
SELECT alignment.unschedule_refresh() AS cleared \gset
DELETE FROM alignment.lead WHERE lead_id = 'cron-1';
DELETE FROM alignment.team WHERE team_id = 'cron';

-- Snapshots filled (the scheduled refresh is then a concurrent one), then
-- data they do not hold yet: team cron with one lead handed off.
SELECT pg_catalog.count(*) AS refreshed FROM alignment.refresh() \gset
INSERT INTO alignment.team (team_id, name) VALUES ('cron', 'Cron test team');
INSERT INTO alignment.lead (lead_id, team_id, persona, created_at)
VALUES ('cron-1', 'cron', 'cfo', '2024-03-01 00:00+00');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('cron-1', 'mql', '2024-03-02 00:00+00');
SELECT is((SELECT pg_catalog.count(*) FROM alignment.snapshot_mql_conversion
           WHERE team_id = 'cron'), 0::bigint,
          'the snapshot does not hold the new team yet');

-- Scheduling is idempotent: a second call replaces the job's schedule and
-- keeps its id.
SELECT alignment.schedule_refresh('0 3 * * *') AS first_job \gset
SELECT ok(:first_job > 0, 'schedule_refresh returns the pg_cron job id');

-- pg_cron runs '* * * * *' at the start of each minute: schedule early in a
-- minute so the first run comes within the wait below.
SELECT pg_catalog.pg_sleep(CASE WHEN s > 45 THEN 61 - s ELSE 0 END) AS slept
FROM pg_catalog.date_part('second', pg_catalog.clock_timestamp()) AS s \gset
SELECT pg_catalog.clock_timestamp() AS scheduled_at,
       (SELECT last_run FROM dblink(:'cron_conn',
            'SELECT COALESCE(max(runid), 0) FROM cron.job_run_details')
            AS t (last_run bigint)) AS last_run \gset
SELECT alignment.schedule_refresh('* * * * *') AS job \gset
SELECT is(:job, :first_job, 'rescheduling keeps the job id');
SELECT results_eq(
    pg_catalog.format($q$
        SELECT * FROM dblink(%L, %L)
            AS t (jobname text, schedule text, command text, database text)
    $q$, :'cron_conn', pg_catalog.format(
        'SELECT jobname, schedule, command, database FROM cron.job'
        ' WHERE jobname = %L', :'job_name')),
    pg_catalog.format($q$VALUES (%L, '* * * * *',
                                 'SELECT alignment.refresh()', %L)$q$,
                      :'job_name', :'here'),
    'one job, with the new schedule, refreshing this database');

-- Wait for a run of the job after scheduling: succeeded and the snapshot
-- shows team cron, or failed (its message is the result), or 85 seconds.
CREATE FUNCTION pg_temp.wait_for_refresh(conn text, job bigint,
                                         last_run bigint)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := pg_catalog.clock_timestamp() + interval '85 s';
    run record;
BEGIN
    LOOP
        SELECT * INTO run
        FROM dblink(conn, pg_catalog.format(
                 'SELECT status, return_message FROM cron.job_run_details'
                 ' WHERE jobid = %s AND runid > %s'
                 ' ORDER BY runid DESC LIMIT 1', job, last_run))
            AS t (status text, return_message text);
        IF run.status = 'failed' THEN
            RETURN 'failed: ' || run.return_message;
        END IF;
        IF run.status = 'succeeded' AND EXISTS (
                SELECT FROM alignment.snapshot_mql_conversion
                WHERE team_id = 'cron') THEN
            RETURN 'succeeded';
        END IF;
        IF pg_catalog.clock_timestamp() > deadline THEN
            RETURN 'no run within 85 seconds (last status: '
                   || COALESCE(run.status, 'none') || ')';
        END IF;
        PERFORM pg_catalog.pg_sleep(1);
    END LOOP;
END
$$;
SELECT is(pg_temp.wait_for_refresh(:'cron_conn', :job, :last_run),
          'succeeded',
          'pg_cron ran the refresh (needs cron.use_background_workers = on '
          'when the server has no TCP listener)');

-- What the scheduled refresh did, seen from here.
SELECT results_eq(
    $$SELECT cohort, pending FROM alignment.snapshot_mql_conversion
      WHERE team_id = 'cron'$$,
    $$VALUES (1::bigint, 0::bigint)$$,
    'the snapshot holds the lead of team cron (window long closed)');
SELECT ok((SELECT s.concurrent AND s.as_of >= :'scheduled_at'::timestamptz
           FROM alignment.snapshot_status AS s
           WHERE s.snapshot = 'alignment.snapshot_mql_conversion'),
          'the scheduled refresh was a concurrent one, after scheduling');
SELECT is((SELECT pg_catalog.count(*) FROM alignment.matrix_history
           WHERE team_id = 'cron'), 1::bigint,
          'the scheduled refresh recorded team cron''s matrix cell');

SELECT is(alignment.unschedule_refresh(), true, 'unschedule removes the job');
SELECT is(alignment.unschedule_refresh(), false,
          'unscheduling again finds nothing to remove');
SELECT is((SELECT n FROM dblink(:'cron_conn', pg_catalog.format(
               'SELECT count(*) FROM cron.job WHERE jobname = %L',
               :'job_name')) AS t (n bigint)),
          0::bigint, 'no job left');

-- From pg_cron's own database (with alignment installed there): the job for
-- that database goes through cron.schedule, the one for this database
-- through cron.schedule_in_database. Rolled back: nothing stays there.
SELECT dblink_connect('cron_db', :'cron_conn') AS connected,
       dblink_exec('cron_db', 'BEGIN') AS began,
       dblink_exec('cron_db', 'SET client_min_messages = warning') AS quiet,
       dblink_exec('cron_db', 'CREATE EXTENSION IF NOT EXISTS alignment')
           AS installed \gset
SELECT ok((SELECT id > 0 FROM dblink('cron_db',
               $$SELECT alignment.schedule_refresh('0 4 * * *')$$)
               AS t (id bigint)),
          'in pg_cron''s database: scheduled for that database');
SELECT ok((SELECT id > 0 FROM dblink('cron_db', pg_catalog.format(
               $$SELECT alignment.schedule_refresh('0 5 * * *', %L)$$,
               :'here')) AS t (id bigint)),
          'in pg_cron''s database: scheduled for this database');
SELECT results_eq(
    pg_catalog.format($q$
        SELECT * FROM dblink('cron_db', %L)
            AS t (jobname text, schedule text, database text)
    $q$, pg_catalog.format(
        'SELECT jobname, schedule, database FROM cron.job'
        ' WHERE jobname IN (%L, %L) ORDER BY schedule',
        alignment.refresh_job_name(:'cron_db'), :'job_name')),
    pg_catalog.format($q$VALUES (%L, '0 4 * * *', %L),
                               (%L, '0 5 * * *', %L)$q$,
                      alignment.refresh_job_name(:'cron_db'), :'cron_db',
                      :'job_name', :'here'),
    'each job refreshes the database it names');
SELECT is((SELECT removed FROM dblink('cron_db', pg_catalog.format(
               $$SELECT alignment.unschedule_refresh(%L)$$, :'here'))
               AS t (removed boolean)),
          true, 'in pg_cron''s database: unscheduled for this database');
SELECT is((SELECT n FROM dblink('cron_db', pg_catalog.format(
               'SELECT count(*) FROM cron.job WHERE jobname = %L',
               :'job_name')) AS t (n bigint)),
          0::bigint, 'that job is gone, the other one stays until rollback');
SELECT dblink_exec('cron_db', 'ROLLBACK') AS rolled_back,
       dblink_disconnect('cron_db') AS disconnected \gset

-- Clean up: the data, the history it made, the snapshots, dblink.
DELETE FROM alignment.lead WHERE lead_id = 'cron-1';
DELETE FROM alignment.team WHERE team_id = 'cron';
SELECT is((SELECT pg_catalog.count(*) FROM alignment.matrix_history
           WHERE team_id = 'cron'), 0::bigint,
          'deleting the team deletes its history');
DELETE FROM alignment.matrix_history;
DELETE FROM alignment.snapshot_status;
SELECT pg_catalog.count(*) AS refreshed FROM alignment.refresh() \gset
DELETE FROM alignment.matrix_history;
DROP EXTENSION dblink;
SELECT is((SELECT pg_catalog.count(*) FROM alignment.snapshot_mql_conversion
           WHERE team_id = 'cron'),
          0::bigint, 'the snapshots no longer hold team cron');

SELECT * FROM finish();
