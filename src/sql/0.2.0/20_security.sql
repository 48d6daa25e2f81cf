-- src/sql/0.2.0/20_security.sql: the reader and loader roles, and team
-- security (row-level security by team).
--
-- Roles. alignment_reader reads the metric views, the snapshots and the
-- functions they call; alignment_loader writes the data tables and runs the
-- loaders. Roles belong to the whole cluster, not to a database: the script
-- creates them only when they do not exist yet (another database, or an
-- earlier install, may have made them), and DROP EXTENSION leaves them.
-- Grant them to login roles: GRANT alignment_reader TO metabase.
--
-- Views run with the caller's rights. Every view of the extension is
-- security_invoker (PostgreSQL 15), so a reader needs SELECT on the tables
-- under it (granted here; a table shows nothing its views do not) and the
-- row-level security policies of those tables apply to whoever reads a
-- view.
--
-- Team security. alignment.team_member maps database roles to teams. When
-- team security is on (a row in alignment.team_security, written by
-- enable_team_security()), a role sees the rows of the teams it is mapped
-- to, directly or through a role it is a member of, and only those, in
-- every table and view; a role mapped to no team sees none. The all-teams
-- rows of the views are computed over the rows the role sees, so they hold
-- its own teams' figures only. Superusers, roles with BYPASSRLS, the owner
-- of the tables and alignment_loader (which loads every team) see every
-- row.
--
-- The policies and row-level security are set up once, here, and read the
-- switch; enabling or disabling only writes the switch. The reason is
-- pg_dump: it keeps neither the policies nor the row-level security flag
-- of an extension's tables, nor the options of its views, but it keeps the
-- rows of alignment.team_security and alignment.team_member (configuration
-- tables), so a restored database comes back in the mode it was dumped in.
--
-- Snapshots. A materialized view cannot have row-level security and holds
-- every team's rows, computed by its owner. Readers get no access to the
-- materialized views stored_<name> of 10_snapshots.sql; they query the
-- snapshot, the security-barrier view snapshot_<name> made here over each
-- (stored_matrix -> snapshot_matrix), which shows the rows of the reader's
-- teams and, since the stored all-teams row counts teams the reader may not
-- see, shows the all-teams rows only to roles that see every team. A
-- materialized view added by a later release needs its view too (see the
-- block that creates them).

-- Roles ----------------------------------------------------------------------

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT *
        FROM (VALUES
            ('alignment_reader',
             'Reads the alignment metric views, their snapshots (the snapshot_* views) and the functions they call; writes nothing. Granted by the alignment extension.'),
            ('alignment_loader',
             'Writes the alignment data tables (teams, leads, stage events, deals, ICP versions ...) and runs the loaders. Sees every team''s rows even under team security. Granted by the alignment extension.'))
            AS v (role_name, note)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles AS a
                       WHERE a.rolname = r.role_name) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN',
                                          r.role_name);
                EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L',
                                          r.role_name, r.note);
            EXCEPTION
                -- Another database created it at the same moment.
                WHEN duplicate_object OR unique_violation THEN
                    NULL;
            END;
        END IF;
    END LOOP;
END
$$;

-- Team membership ------------------------------------------------------------

CREATE TABLE alignment.team_member (
    role_name   name NOT NULL
                CONSTRAINT team_member_role_not_blank
                CHECK (pg_catalog.btrim(role_name) <> ''),
    team_id     text NOT NULL REFERENCES alignment.team
                ON UPDATE CASCADE ON DELETE CASCADE,
    PRIMARY KEY (role_name, team_id)
);
SELECT pg_catalog.pg_extension_config_dump('alignment.team_member', '');

COMMENT ON TABLE alignment.team_member IS
'Which database roles see which teams when team security is on (alignment.enable_team_security()): a role sees the rows of the teams it is mapped to, directly or through a role it is a member of. A role may be mapped to several teams. Unknown role names match nobody.';
COMMENT ON COLUMN alignment.team_member.role_name IS
'Database role (a user, or a group role whose members inherit the mapping).';
COMMENT ON COLUMN alignment.team_member.team_id IS
'Team whose rows the role sees.';

CREATE TABLE alignment.team_security (
    enabled     boolean PRIMARY KEY DEFAULT true
                CONSTRAINT team_security_one_row CHECK (enabled),
    enabled_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    enabled_by  name NOT NULL DEFAULT CURRENT_USER
);
SELECT pg_catalog.pg_extension_config_dump('alignment.team_security', '');

COMMENT ON TABLE alignment.team_security IS
'The switch of team security: one row while it is on (alignment.enable_team_security()), none while it is off (alignment.disable_team_security()).';
COMMENT ON COLUMN alignment.team_security.enabled IS
'Always true: the table holds at most this one row.';
COMMENT ON COLUMN alignment.team_security.enabled_at IS
'When team security was turned on.';
COMMENT ON COLUMN alignment.team_security.enabled_by IS
'Role that turned it on.';

-- Written with SQL-standard bodies: parsed when created, so the caller's
-- search_path cannot change what they call.

CREATE FUNCTION alignment.team_security_enabled()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN EXISTS (SELECT FROM alignment.team_security);
COMMENT ON FUNCTION alignment.team_security_enabled() IS
'True when team security is on (alignment.enable_team_security()): roles see only the rows of the teams alignment.team_member maps them to.';

CREATE FUNCTION alignment.member_teams()
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT COALESCE(pg_catalog.array_agg(DISTINCT m.team_id), '{}')
        FROM alignment.team_member AS m
        JOIN pg_catalog.pg_roles AS r ON r.rolname = m.role_name
        WHERE pg_catalog.pg_has_role(r.oid, 'MEMBER'));
COMMENT ON FUNCTION alignment.member_teams() IS
'Teams alignment.team_member maps the current role to, directly or through a role it is a member of; an empty array when none.';

CREATE FUNCTION alignment.sees_all_teams()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN NOT alignment.team_security_enabled()
    OR EXISTS (SELECT FROM pg_catalog.pg_roles AS r
               WHERE r.rolname = CURRENT_USER
                 AND (r.rolsuper OR r.rolbypassrls))
    OR pg_catalog.pg_has_role(
           (SELECT c.relowner FROM pg_catalog.pg_class AS c
            WHERE c.oid = CAST('alignment.lead' AS pg_catalog.regclass)),
           'USAGE')
    OR pg_catalog.pg_has_role('alignment_loader', 'USAGE');
COMMENT ON FUNCTION alignment.sees_all_teams() IS
'True when the current role sees every team''s rows: team security is off, or the role is a superuser, has BYPASSRLS, owns the tables or is an alignment_loader.';

-- Views run with the caller's rights -----------------------------------------

DO $$
DECLARE
    v name;
BEGIN
    FOR v IN
        SELECT c.relname
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_depend AS d
            ON d.classid = CAST('pg_catalog.pg_class' AS pg_catalog.regclass)
           AND d.objid = c.oid AND d.deptype = 'e'
        JOIN pg_catalog.pg_extension AS e ON e.oid = d.refobjid
        WHERE c.relkind = 'v'
          AND c.relnamespace = CAST('alignment' AS pg_catalog.regnamespace)
          AND e.extnamespace = c.relnamespace
        ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format(
            'ALTER VIEW alignment.%I SET (security_invoker = true)', v);
    END LOOP;
END
$$;

-- Snapshots through security-barrier views -----------------------------------
--
-- Each view snapshot_<name> takes the description of its materialized view
-- (what the snapshot holds) and adds what it shows to whom; the materialized
-- view's description then says that readers query the view instead.

DO $$
DECLARE
    m record;
    col record;
    snapshot text;
BEGIN
    FOR m IN
        SELECT c.oid, c.relname,
               pg_catalog.obj_description(c.oid, 'pg_class') AS note
        FROM pg_catalog.pg_class AS c
        WHERE c.relkind = 'm'
          AND c.relnamespace = CAST('alignment' AS pg_catalog.regnamespace)
          AND c.relname LIKE 'stored\_%'
        ORDER BY c.relname
    LOOP
        snapshot := 'snapshot_' || pg_catalog.substr(m.relname, 8);
        EXECUTE pg_catalog.format(
            'CREATE VIEW alignment.%I WITH (security_barrier = true) AS '
            'SELECT s.* FROM alignment.%I AS s '
            'WHERE (SELECT alignment.sees_all_teams()) '
            'OR NOT s.all_teams AND s.team_id = '
            'ANY (CAST((SELECT alignment.member_teams()) AS text[]))',
            snapshot, m.relname);
        EXECUTE pg_catalog.format('COMMENT ON VIEW alignment.%I IS %L',
            snapshot,
            pg_catalog.format('%s Under team security a role sees the rows of the teams alignment.team_member maps it to, and the all-teams rows (which count every team) only when it sees every team.',
                m.note));
        EXECUTE pg_catalog.format(
            'COMMENT ON MATERIALIZED VIEW alignment.%I IS %L',
            m.relname,
            pg_catalog.format('Stored rows of the snapshot alignment.%s, every team''s: readers query that view, not this materialized view, which is not open to them. %s',
                snapshot, m.note));
        FOR col IN
            SELECT a.attname,
                   pg_catalog.col_description(a.attrelid, a.attnum) AS note
            FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = m.oid AND a.attnum > 0 AND NOT a.attisdropped
        LOOP
            EXECUTE pg_catalog.format(
                'COMMENT ON COLUMN alignment.%I.%I IS %L',
                snapshot, col.attname, col.note);
        END LOOP;
        EXECUTE pg_catalog.format(
            'REVOKE ALL ON alignment.%I FROM PUBLIC', m.relname);
        EXECUTE pg_catalog.format(
            'GRANT SELECT ON alignment.%I TO alignment_reader', snapshot);
    END LOOP;
END
$$;

-- Policies -------------------------------------------------------------------
--
-- On every table that holds a team's rows: team_rows, what a team member
-- sees; open_rows, everything while team security is off (reading and, for
-- roles granted it, writing); loader_rows, everything for alignment_loader.
-- Tables without a team follow their lead, whose own policy applies inside
-- the subquery. The switch and the role's teams are read in sub-selects,
-- which run once per query rather than once per row, and team_rows tests
-- the switch first, so that while team security is off the rest is never
-- evaluated. The lead test takes the shape that suits how the views read
-- the table, because the planner prices every plan with it, and a plan
-- priced over jit_above_cost is JIT-compiled, which can take longer than
-- the query itself. Stage events and touches are read whole: for them
-- "lead_id IN (visible leads)", a list hashed once per query. Activities
-- are read a lead at a time (the first follow-up of each handoff): for
-- them a correlated EXISTS, which probes the lead's key, where the list
-- would be priced as built again for every lead. An EXISTS is priced as
-- one probe per row even where the executor would hash it: on stage_event
-- it made alignment_reader's estimate of mql_conversion on the Olist data
-- 25 times the owner's, and put alignment_matrix over the JIT threshold.

DO $$
DECLARE
    -- the row's team is one of the role's teams
    mine constant text :=
        'team_id = ANY (CAST((SELECT alignment.member_teams()) AS text[]))';
    p record;
BEGIN
    FOR p IN
        SELECT *
        FROM (VALUES
            ('team', true,
             mine, 'the teams alignment.team_member maps it to'),
            ('lead', true,
             mine, 'the leads of its teams'),
            ('deal', true,
             mine, 'the deals of its teams'),
            ('sla', true,
             mine, 'the SLAs of its teams'),
            ('stage_event', true,
             'lead_id IN (SELECT l.lead_id FROM alignment.lead AS l)',
             'the stage events of the leads it sees'),
            ('activity', true,
             'EXISTS (SELECT FROM alignment.lead AS l '
             'WHERE l.lead_id = activity.lead_id)',
             'the activities on the leads it sees'),
            ('touch', true,
             'lead_id IN (SELECT l.lead_id FROM alignment.lead AS l)',
             'the marketing touches of the leads it sees'),
            ('account', true,
             'account_id IN (SELECT l.account_id FROM alignment.lead AS l '
             'UNION ALL SELECT d.account_id FROM alignment.deal AS d)',
             'the accounts of the leads and deals it sees'),
            ('matrix_history', false,
             'NOT all_teams AND ' || mine,
             'the matrix history of its teams, without the all-teams rows '
             '(they count every team)'),
            ('team_member', false,
             'EXISTS (SELECT FROM pg_catalog.pg_roles AS r '
             'WHERE r.rolname = role_name '
             'AND pg_catalog.pg_has_role(r.oid, ''MEMBER''))',
             'its own mappings (and those of the roles it is a member of)'))
            AS v (table_name, loaded, rule, what)
        -- matrix_history comes from 10_snapshots.sql
        WHERE pg_catalog.to_regclass('alignment.' || v.table_name) IS NOT NULL
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE POLICY team_rows ON alignment.%I FOR SELECT '
            'USING ((SELECT alignment.team_security_enabled()) AND (%s))',
            p.table_name, p.rule);
        EXECUTE pg_catalog.format(
            'COMMENT ON POLICY team_rows ON alignment.%I IS %L',
            p.table_name,
            'While team security is on, a role sees ' || p.what || '.');
        EXECUTE pg_catalog.format(
            'CREATE POLICY open_rows ON alignment.%I '
            'USING ((SELECT NOT alignment.team_security_enabled())) '
            'WITH CHECK ((SELECT NOT alignment.team_security_enabled()))',
            p.table_name);
        EXECUTE pg_catalog.format(
            'COMMENT ON POLICY open_rows ON alignment.%I IS %L',
            p.table_name,
            'While team security is off, every row, for the roles granted the table.');
        IF p.loaded THEN
            EXECUTE pg_catalog.format(
                'CREATE POLICY loader_rows ON alignment.%I '
                'TO alignment_loader USING (true) WITH CHECK (true)',
                p.table_name);
            EXECUTE pg_catalog.format(
                'COMMENT ON POLICY loader_rows ON alignment.%I IS %L',
                p.table_name,
                'alignment_loader reads and writes every team''s rows, team security or not.');
        END IF;
        EXECUTE pg_catalog.format(
            'ALTER TABLE alignment.%I ENABLE ROW LEVEL SECURITY',
            p.table_name);
    END LOOP;
END
$$;

-- The switch -----------------------------------------------------------------

CREATE FUNCTION alignment.enable_team_security()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    unknown text;
BEGIN
    INSERT INTO alignment.team_security DEFAULT VALUES
    ON CONFLICT (enabled) DO NOTHING;

    SELECT pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(m.role_name),
                                 ', ')
    INTO unknown
    FROM alignment.team_member AS m
    WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles AS r
                      WHERE r.rolname = m.role_name);
    IF unknown IS NOT NULL THEN
        RAISE WARNING 'team_member maps roles that do not exist: %', unknown
            USING DETAIL = 'Their rows match nobody.',
                  HINT = 'Create the roles, or correct role_name in alignment.team_member.';
    END IF;
END
$$;
COMMENT ON FUNCTION alignment.enable_team_security() IS
'Turns team security on: in every table, view and snapshot a role then sees only the rows of the teams alignment.team_member maps it to (none when it is mapped to none), and all-teams rows computed over those rows only. Superusers, the owner of the tables, roles with BYPASSRLS and alignment_loader still see every row. Warns about mappings naming roles that do not exist. Calling it when it is on changes nothing.';

CREATE FUNCTION alignment.disable_team_security()
RETURNS void
LANGUAGE sql
BEGIN ATOMIC
    DELETE FROM alignment.team_security;
END;
COMMENT ON FUNCTION alignment.disable_team_security() IS
'Turns team security off: every role granted alignment_reader sees every team again. alignment.team_member is kept.';

-- Privileges -----------------------------------------------------------------

GRANT USAGE ON SCHEMA alignment TO alignment_reader, alignment_loader;

-- Readers: the tables under the views (not the raw CSV staging tables), the
-- views except the load checks (which read the staging tables), every
-- function but those that write or administer.
DO $$
DECLARE
    r name;
BEGIN
    FOR r IN
        SELECT c.relname
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_depend AS d
            ON d.classid = CAST('pg_catalog.pg_class' AS pg_catalog.regclass)
           AND d.objid = c.oid AND d.deptype = 'e'
        JOIN pg_catalog.pg_extension AS e ON e.oid = d.refobjid
        WHERE c.relnamespace = CAST('alignment' AS pg_catalog.regnamespace)
          AND e.extnamespace = c.relnamespace
          AND (c.relkind = 'r' AND c.relname NOT LIKE '%\_raw'
               OR c.relkind = 'v' AND c.relname NOT LIKE '%\_load\_problems')
        ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format(
            'GRANT SELECT ON alignment.%I TO alignment_reader', r);
    END LOOP;
END
$$;
-- The policies read the switch and the mappings as the role querying (which
-- sees only its own mappings while team security is on).
GRANT SELECT ON alignment.team_security, alignment.team_member TO PUBLIC;

-- Loaders: the data tables, the staging tables and their checks.
GRANT SELECT, INSERT, UPDATE, DELETE ON
    alignment.team, alignment.account, alignment.stage, alignment.lead,
    alignment.icp_version, alignment.stage_event, alignment.activity,
    alignment.touch, alignment.deal, alignment.fx_rate, alignment.sla
    TO alignment_loader;
DO $$
DECLARE
    r name;
BEGIN
    FOR r IN
        SELECT c.relname
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = CAST('alignment' AS pg_catalog.regnamespace)
          AND c.relkind = 'r' AND c.relname LIKE '%\_raw'
        ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format(
            'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON alignment.%I '
            'TO alignment_loader', r);
    END LOOP;
    FOR r IN
        SELECT c.relname
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = CAST('alignment' AS pg_catalog.regnamespace)
          AND c.relkind = 'v' AND c.relname LIKE '%\_load\_problems'
        ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format(
            'GRANT SELECT ON alignment.%I TO alignment_loader', r);
    END LOOP;
END
$$;

-- Functions: both roles may call every function (the views and the loading
-- triggers call many); the ones that write are the loader's, and those
-- that administer (refresh, scheduling, team security) the owner's.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA alignment
    TO alignment_reader, alignment_loader;
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT p.oid::pg_catalog.regprocedure AS fn,
               p.proname IN ('load_olist', 'load_maven', 'upsert_deals',
                             'rescore_handoffs', 'icp_propose', 'icp_approve')
                   AS loads
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = CAST('alignment' AS pg_catalog.regnamespace)
          AND p.proname IN ('load_olist', 'load_maven', 'upsert_deals',
                            'rescore_handoffs', 'icp_propose', 'icp_approve',
                            'refresh', 'schedule_refresh',
                            'unschedule_refresh', 'run_in_cron_database',
                            'enable_team_security', 'disable_team_security')
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format(
            'REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC, alignment_reader',
            f.fn);
        IF NOT f.loads THEN
            EXECUTE pg_catalog.format(
                'REVOKE EXECUTE ON FUNCTION %s FROM alignment_loader', f.fn);
        END IF;
    END LOOP;
END
$$;
