-- src/sql/0.2.0/15_schedule.sql: scheduling alignment.refresh() with
-- pg_cron.
--
-- pg_cron keeps its jobs in one database per server (cron.database_name)
-- and runs each job in the database the job names. The functions below
-- place a job named 'alignment-refresh-<database>' that runs
-- SELECT alignment.refresh() in <database>:
--
--   called in pg_cron's database: for that database through cron.schedule;
--     for another one (the database_name argument) through
--     cron.schedule_in_database (pg_cron 1.4 or later);
--   called in any other database: pg_cron's functions are out of reach
--     from here, so the statement is sent to pg_cron's database through
--     dblink when that extension is installed in this database. dblink is
--     not a requirement of alignment: without it the error names the exact
--     statement to run in pg_cron's database instead. dblink connects as
--     the current user over this server's Unix socket; for a role that is
--     not a superuser it demands a password, so this route is for
--     superusers (or for roles with a password file). The remote statement
--     commits on its own: rolling back the caller's transaction does not
--     undo a job placed (or removed) this way.
--
-- The job runs as the user who scheduled it, with the target database's
-- default settings (ALTER DATABASE ... SET alignment.period = ...). Without
-- background workers (cron.use_background_workers), pg_cron connects to
-- cron.host, localhost by default, for each run: schedule_refresh warns
-- when the server listens on no TCP address, as every run would then fail.
--
-- pg_cron names jobs per user: scheduling again replaces the user's job of
-- that name (same job id, new schedule). Unscheduling removes every job of
-- that name the user may see (a superuser sees all).

CREATE FUNCTION alignment.libpq_quote(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '''' || pg_catalog.replace(pg_catalog.replace(value, E'\\', E'\\\\'),
                                  '''', E'\\''') || '''';
COMMENT ON FUNCTION alignment.libpq_quote(text) IS
'value quoted for a libpq connection string (single quotes, backslash escapes).';

CREATE FUNCTION alignment.refresh_job_name(database_name text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 'alignment-refresh-' || database_name;
COMMENT ON FUNCTION alignment.refresh_job_name(text) IS
'Name of the pg_cron job that refreshes the snapshots of database_name: alignment-refresh-<database_name>.';

CREATE FUNCTION alignment.run_in_cron_database(statement text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    cron_db text := pg_catalog.current_setting('cron.database_name', true);
    here text := pg_catalog.current_database();
    dblink_schema name;
    sockets text;
    conn text;
    cron_version text;
    version_query constant text :=
        'SELECT extversion FROM pg_catalog.pg_extension'
        ' WHERE extname = ''pg_cron''';
    result text;
BEGIN
    IF COALESCE(cron_db, '') = '' THEN
        RAISE EXCEPTION 'extension "pg_cron" is not loaded in this server'
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'Scheduled refreshes run through pg_cron, which '
                           'must be loaded when the server starts.',
                  HINT = 'Install pg_cron (on Debian or Ubuntu: apt-get '
                         'install postgresql-15-cron), add pg_cron to '
                         'shared_preload_libraries, set cron.database_name '
                         'to the database that will keep the jobs, restart '
                         'the server and run CREATE EXTENSION pg_cron in '
                         'that database. Without pg_cron, run SELECT '
                         'alignment.refresh() from any scheduler.';
    END IF;

    -- Where the statement runs: here, or in pg_cron's database by dblink.
    IF cron_db <> here THEN
        SELECT n.nspname INTO dblink_schema
        FROM pg_catalog.pg_extension AS e
        JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
        WHERE e.extname = 'dblink';
        IF dblink_schema IS NULL THEN
            RAISE EXCEPTION 'pg_cron is in database "%", not in "%"',
                    cron_db, here
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('From another database the '
                          'job is placed through the dblink extension, '
                          'which is not installed in database "%s".', here),
                      HINT = pg_catalog.format('Run CREATE EXTENSION dblink '
                          'in database "%s" and call the function again, or '
                          'run this statement in database "%s": %s',
                          here, cron_db, statement);
        END IF;

        -- This server's first Unix socket and port; without the right to
        -- read the socket setting, libpq's default socket directory.
        BEGIN
            sockets := pg_catalog.current_setting('unix_socket_directories');
        EXCEPTION WHEN insufficient_privilege THEN
            sockets := '';
        END;
        sockets := pg_catalog.btrim(pg_catalog.split_part(sockets, ',', 1));
        conn := pg_catalog.format('dbname=%s user=%s port=%s',
            alignment.libpq_quote(cron_db),
            alignment.libpq_quote(CURRENT_USER),
            pg_catalog.current_setting('port'));
        IF sockets <> '' THEN
            conn := conn || ' host=' || alignment.libpq_quote(sockets);
        END IF;

        EXECUTE pg_catalog.format(
                'SELECT v FROM %I.dblink($1, $2) AS t (v text)', dblink_schema)
            INTO cron_version
            USING conn, version_query;
    ELSE
        EXECUTE version_query INTO cron_version;
    END IF;

    IF cron_version IS NULL THEN
        RAISE EXCEPTION 'extension "pg_cron" is not installed in database "%"',
                cron_db
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'pg_cron is loaded and keeps its jobs in that '
                           'database (cron.database_name).',
                  HINT = pg_catalog.format('Run CREATE EXTENSION pg_cron in '
                                           'database "%s".', cron_db);
    END IF;
    IF pg_catalog.string_to_array(pg_catalog.split_part(cron_version, '-', 1),
                                  '.')::integer[] < ARRAY[1, 4] THEN
        RAISE EXCEPTION 'pg_cron version "%" is too old', cron_version
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Named jobs in any database need pg_cron 1.4 or '
                           'later.',
                  HINT = pg_catalog.format('Run ALTER EXTENSION pg_cron '
                                           'UPDATE in database "%s".',
                                           cron_db);
    END IF;

    IF dblink_schema IS NULL THEN
        EXECUTE statement INTO result;
    ELSE
        EXECUTE pg_catalog.format(
                'SELECT v FROM %I.dblink($1, $2) AS t (v text)', dblink_schema)
            INTO result
            USING conn, statement;
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION alignment.run_in_cron_database(text) IS
'Used by schedule_refresh and unschedule_refresh: runs statement (one row, one text column) in the database pg_cron keeps its jobs in, here or through dblink from another database, as the current user; an error naming what is missing when pg_cron is not loaded, not installed, too old, or out of reach without dblink.';

CREATE FUNCTION alignment.schedule_refresh(cron_expression text,
                                           database_name text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    target text := COALESCE(database_name, pg_catalog.current_database());
    job text := alignment.refresh_job_name(target);
    command constant text := 'SELECT alignment.refresh()';
    job_id bigint;
BEGIN
    IF cron_expression IS NULL THEN
        RAISE EXCEPTION 'cron expression must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give a schedule in cron syntax, e.g. ''0 * * * *'' '
                         'for every hour.';
    END IF;
    IF pg_catalog.btrim(target) = '' THEN
        RAISE EXCEPTION 'database name "%" is blank', target
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF target = pg_catalog.current_database()
       AND target = pg_catalog.current_setting('cron.database_name', true) THEN
        job_id := alignment.run_in_cron_database(pg_catalog.format(
            'SELECT cron.schedule(%L, %L, %L)', job, cron_expression,
            command));
    ELSE
        job_id := alignment.run_in_cron_database(pg_catalog.format(
            'SELECT cron.schedule_in_database(%L, %L, %L, %L)', job,
            cron_expression, command, target));
    END IF;

    -- Unless it uses background workers, pg_cron runs a job through a
    -- connection to cron.host, a TCP host by default: warn when the server
    -- listens on no TCP address, as every run would fail to connect.
    IF pg_catalog.current_setting('cron.use_background_workers', true) = 'off'
       AND pg_catalog.current_setting('listen_addresses') = ''
       AND pg_catalog.left(COALESCE(pg_catalog.current_setting('cron.host',
                                                                true), ''),
                           1) <> '/' THEN
        RAISE WARNING 'pg_cron cannot connect to run job "%"', job
            USING DETAIL = pg_catalog.format('The server listens on no TCP '
                      'address and pg_cron connects to cron.host "%s".',
                      pg_catalog.current_setting('cron.host', true)),
                  HINT = 'Set cron.use_background_workers = on (or cron.host '
                         'to the server''s Unix socket directory) and restart '
                         'the server.';
    END IF;
    RETURN job_id;
END
$$;
COMMENT ON FUNCTION alignment.schedule_refresh(text, text) IS
'Schedules SELECT alignment.refresh() in database_name (default: this database) with pg_cron, on cron_expression (cron syntax, e.g. ''*/15 * * * *''), as the current user, in a job named alignment-refresh-<database>; scheduling again replaces that job. Returns the pg_cron job id. Called in pg_cron''s database (cron.database_name) it uses cron.schedule or cron.schedule_in_database; called elsewhere it places the job through the dblink extension (a separate transaction: rolling back does not remove the job) and, when dblink is not installed, fails naming the statement to run in pg_cron''s database. The job runs with the database''s default settings: set alignment.period and the others with ALTER DATABASE ... SET.';

CREATE FUNCTION alignment.unschedule_refresh(database_name text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    target text := COALESCE(database_name, pg_catalog.current_database());
BEGIN
    RETURN alignment.run_in_cron_database(pg_catalog.format(
        'SELECT pg_catalog.count(cron.unschedule(j.jobid)) > 0'
        ' FROM cron.job AS j WHERE j.jobname = %L',
        alignment.refresh_job_name(target)));
END
$$;
COMMENT ON FUNCTION alignment.unschedule_refresh(text) IS
'Removes the pg_cron job alignment-refresh-<database_name> (default: this database) placed by schedule_refresh, from pg_cron''s database or through dblink like schedule_refresh. Returns true when a job was removed, false when there was none (so calling it twice is harmless).';
