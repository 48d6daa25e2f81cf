-- src/sql/0.3.0/20_security.sql: the stored facts under the roles and team
-- security of 0.2.0 (src/sql/0.2.0/20_security.sql explains both).
--
-- The fact tables carry the team of their row and get the same three
-- policies as the other tables with a team: while team security is on a
-- role sees its teams' rows; while it is off every row; alignment_loader
-- always every row. Readers and loaders may read them; nobody but the
-- extension's functions writes them.
--
-- The functions that write the facts are SECURITY DEFINER: a lead's facts
-- are computed from all of its rows and a deal's from every lead of its
-- account, whatever rows the role that changed the data may see, and they
-- are written to tables that role cannot write. They pin their search_path
-- and only alignment_loader (and the owner) may call them; the triggers
-- that call them run as the role that changed the data, which therefore
-- needs alignment_loader.

DO $$
DECLARE
    mine constant text :=
        'team_id = ANY (CAST((SELECT alignment.member_teams()) AS text[]))';
    t name;
BEGIN
    FOREACH t IN ARRAY ARRAY['handoff_fact', 'lead_funnel', 'deal_fact']
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE POLICY team_rows ON alignment.%I FOR SELECT '
            'USING ((SELECT alignment.team_security_enabled()) AND (%s))',
            t, mine);
        EXECUTE pg_catalog.format(
            'COMMENT ON POLICY team_rows ON alignment.%I IS %L', t,
            'While team security is on, a role sees the facts of its teams.');
        EXECUTE pg_catalog.format(
            'CREATE POLICY open_rows ON alignment.%I '
            'USING ((SELECT NOT alignment.team_security_enabled())) '
            'WITH CHECK ((SELECT NOT alignment.team_security_enabled()))', t);
        EXECUTE pg_catalog.format(
            'COMMENT ON POLICY open_rows ON alignment.%I IS %L', t,
            'While team security is off, every row, for the roles granted the table.');
        EXECUTE pg_catalog.format(
            'CREATE POLICY loader_rows ON alignment.%I '
            'TO alignment_loader USING (true) WITH CHECK (true)', t);
        EXECUTE pg_catalog.format(
            'COMMENT ON POLICY loader_rows ON alignment.%I IS %L', t,
            'alignment_loader reads and writes every team''s rows, team security or not.');
        EXECUTE pg_catalog.format(
            'ALTER TABLE alignment.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format(
            'GRANT SELECT ON alignment.%I TO alignment_reader, '
            'alignment_loader', t);
    END LOOP;
END
$$;

REVOKE EXECUTE ON FUNCTION alignment.refresh_facts(text[]),
    alignment.rebuild_facts(),
    alignment.refresh_deal_facts(text[], text[], text[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION alignment.refresh_facts(text[]),
    alignment.rebuild_facts(),
    alignment.refresh_deal_facts(text[], text[], text[])
    TO alignment_loader;
GRANT EXECUTE ON FUNCTION alignment.refresh_facts_trigger(),
    alignment.refresh_deal_facts_trigger()
    TO alignment_reader, alignment_loader;
