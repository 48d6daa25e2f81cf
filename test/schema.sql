-- test/schema.sql: the catalog the extension installs: tables and their
-- keys, the functions the views rely on, a comment on every function, view
-- and view column (BI tools show them), and only plain view column types.
BEGIN;
SELECT plan(52);

-- Tables and primary keys.
SELECT has_table('alignment', t, 'table alignment.' || t || ' exists')
FROM unnest(ARRAY['team', 'account', 'stage', 'lead', 'icp_version',
                  'stage_event', 'activity', 'touch', 'deal', 'fx_rate',
                  'sla']) AS t;
SELECT col_is_pk('alignment', 'team', 'team_id', 'team key');
SELECT col_is_pk('alignment', 'lead', 'lead_id', 'lead key');
SELECT col_is_pk('alignment', 'stage', 'stage', 'stage key');
SELECT col_is_pk('alignment', 'deal', 'deal_id', 'deal key');
SELECT col_is_pk('alignment', 'fx_rate', ARRAY['currency', 'rate_date']::name[],
                 'one rate per currency and day');
SELECT col_is_pk('alignment', 'sla', 'team_id', 'one SLA per team');
SELECT is_empty($$
    SELECT c.relname FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'alignment' AND c.relkind = 'r'
      AND c.relname NOT LIKE '%\_raw'          -- CSV files copied as they are
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_index AS i
                      WHERE i.indrelid = c.oid AND i.indisunique)$$,
    'every model table has a primary key or a unique key');

-- Foreign keys.
SELECT fk_ok('alignment', 'lead', 'team_id', 'alignment', 'team', 'team_id');
SELECT fk_ok('alignment', 'lead', 'account_id',
             'alignment', 'account', 'account_id');
SELECT fk_ok('alignment', 'stage_event', 'lead_id',
             'alignment', 'lead', 'lead_id');
SELECT fk_ok('alignment', 'stage_event', 'stage',
             'alignment', 'stage', 'stage');
SELECT fk_ok('alignment', 'stage_event', 'icp_version_id',
             'alignment', 'icp_version', 'icp_version_id');
SELECT fk_ok('alignment', 'activity', 'lead_id',
             'alignment', 'lead', 'lead_id');
SELECT fk_ok('alignment', 'touch', 'lead_id', 'alignment', 'lead', 'lead_id');
SELECT fk_ok('alignment', 'deal', 'lead_id', 'alignment', 'lead', 'lead_id');
SELECT fk_ok('alignment', 'deal', 'account_id',
             'alignment', 'account', 'account_id');
SELECT fk_ok('alignment', 'deal', 'team_id', 'alignment', 'team', 'team_id');
SELECT fk_ok('alignment', 'sla', 'team_id', 'alignment', 'team', 'team_id');

-- Functions the views are built on.
SELECT has_function('alignment', 'setting', ARRAY['text']);
SELECT has_function('alignment', 'conversion',
    ARRAY['timestamp with time zone', 'timestamp with time zone',
          'integer', 'timestamp with time zone']);
SELECT has_function('alignment', 'persona_similarity',
                    ARRAY['jsonb', 'jsonb']);
SELECT has_function('alignment', 'matrix_cell',
                    ARRAY['double precision', 'double precision']);
SELECT has_function('alignment', 'matrix_next_step', ARRAY['integer']);
SELECT has_function('alignment', 'icp_score', ARRAY['jsonb', 'jsonb']);
SELECT has_function('alignment', 'icp_in_force',
                    ARRAY['timestamp with time zone']);
SELECT has_function('alignment', 'as_of', '{}'::name[]);
SELECT has_function('alignment', 'period_start',
                    ARRAY['timestamp with time zone']);
SELECT has_function('alignment', 'period_end',
                    ARRAY['timestamp with time zone']);
SELECT has_function('alignment', 'in_base_currency',
    ARRAY['numeric', 'text', 'timestamp with time zone']);
SELECT volatility_is('alignment', 'period_start',
    ARRAY['timestamp with time zone'], 'stable');

-- The views.
SELECT has_view('alignment', v, 'view alignment.' || v || ' exists')
FROM unnest(ARRAY['mql_conversion', 'pipeline_attribution',
                  'icp_fit_at_handoff', 'follow_up_compliance',
                  'time_to_close', 'alignment_matrix']) AS v;

-- Every function, view and view column of the extension is commented
-- (materialized views included).
CREATE TEMP VIEW extension_object AS
SELECT d.classid, d.objid
FROM pg_catalog.pg_depend AS d
JOIN pg_catalog.pg_extension AS e ON e.oid = d.refobjid
WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
  AND d.deptype = 'e' AND e.extname = 'alignment';

SELECT is_empty($$
    SELECT p.oid::regprocedure::text
    FROM extension_object AS o
    JOIN pg_catalog.pg_proc AS p ON p.oid = o.objid
    WHERE o.classid = 'pg_catalog.pg_proc'::regclass
      AND pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL$$,
    'every function and aggregate has a comment');
SELECT is_empty($$
    SELECT c.relname
    FROM extension_object AS o
    JOIN pg_catalog.pg_class AS c ON c.oid = o.objid
    WHERE o.classid = 'pg_catalog.pg_class'::regclass
      AND c.relkind IN ('v', 'm')
      AND pg_catalog.obj_description(c.oid, 'pg_class') IS NULL$$,
    'every view has a comment');
SELECT is_empty($$
    SELECT c.relname || '.' || a.attname
    FROM extension_object AS o
    JOIN pg_catalog.pg_class AS c ON c.oid = o.objid
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid
    WHERE o.classid = 'pg_catalog.pg_class'::regclass
      AND c.relkind IN ('v', 'm')
      AND a.attnum > 0 AND NOT a.attisdropped
      AND pg_catalog.col_description(c.oid, a.attnum) IS NULL$$,
    'every view column has a comment');

-- View columns are plain types a BI tool reads: no interval, array,
-- composite, range, json or jsonb. The icp_evidence_* views are the inputs
-- of icp_attribute_evidence(), which reads their attributes as JSON.
SELECT is_empty($$
    SELECT c.relname || '.' || a.attname || ' ' || t.typname
    FROM extension_object AS o
    JOIN pg_catalog.pg_class AS c ON c.oid = o.objid
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid
    JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
    WHERE o.classid = 'pg_catalog.pg_class'::regclass
      AND c.relkind IN ('v', 'm')
      AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relname NOT IN ('icp_evidence_deals', 'icp_evidence_leads')
      AND (t.typname IN ('interval', 'json', 'jsonb')
           OR t.typcategory = 'A' OR t.typtype IN ('c', 'r', 'm'))$$,
    'no view column is an interval, array, composite, range or JSON');

-- The metric views share their leading columns.
SELECT is_empty($$
    SELECT v.name
    FROM unnest(ARRAY['mql_conversion', 'pipeline_attribution',
                      'icp_fit_at_handoff', 'follow_up_compliance',
                      'time_to_close', 'alignment_matrix']) AS v (name)
    WHERE ARRAY(SELECT a.attname::text || ' '
                       || pg_catalog.format_type(a.atttypid, NULL)
                FROM pg_catalog.pg_attribute AS a
                WHERE a.attrelid = ('alignment.' || v.name)::regclass
                  AND a.attnum BETWEEN 1 AND 5
                ORDER BY a.attnum)
          <> ARRAY['period_start date', 'period_end date',
                   'period_unit text', 'team_id text', 'all_teams boolean']
       OR NOT EXISTS (SELECT FROM pg_catalog.pg_attribute AS a
                      WHERE a.attrelid = ('alignment.' || v.name)::regclass
                        AND a.attname = 'note'
                        AND a.atttypid = 'pg_catalog.text'::regtype)$$,
    'metric views start with the period and team columns and have a note');

SELECT * FROM finish();
ROLLBACK;
