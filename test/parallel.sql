-- test/parallel.sql: the conversion aggregate and icp_score under a
-- parallel plan give the same results as a serial run and as plain SQL.
BEGIN;
SELECT plan(12);

SELECT is((SELECT proparallel FROM pg_catalog.pg_proc
           WHERE oid = 'alignment.conversion(timestamptz, timestamptz, integer, timestamptz)'::regprocedure),
          's', 'conversion is parallel safe');
SELECT isnt((SELECT aggcombinefn::oid FROM pg_catalog.pg_aggregate
             WHERE aggfnoid = 'alignment.conversion(timestamptz, timestamptz, integer, timestamptz)'::regprocedure),
            0::oid, 'conversion has a combine function');

-- 200 000 leads over 200 days from 2024-01-01; every 50th has no handoff
-- time; a third never convert, a third convert after g % 120 days, a third
-- "convert" the day before their handoff (not a conversion).
CREATE TABLE public.parallel_leads AS
SELECT g,
       g % 4 AS team,
       CASE WHEN g % 50 = 0 THEN NULL
            ELSE '2024-01-01 00:00+00'::timestamptz
                 + (g % 200) * interval '1 day' + g * interval '1 second'
       END AS from_time,
       g % 3 AS kind,
       pg_catalog.jsonb_build_object('segment',
           CASE WHEN g % 5 = 0 THEN 'pet' ELSE 'toys' END,
           'employees', g % 1000) AS attributes
FROM pg_catalog.generate_series(1, 200000) AS g;
ALTER TABLE public.parallel_leads ADD COLUMN to_time timestamptz;
UPDATE public.parallel_leads
SET to_time = CASE kind WHEN 0 THEN NULL
                        WHEN 1 THEN from_time + (g % 120) * interval '1 day'
                        ELSE from_time - interval '1 day' END;
ANALYZE public.parallel_leads;

CREATE FUNCTION pg_temp.plan_of(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query;
END
$$;

\set by_team 'SELECT team, (alignment.conversion(from_time, to_time, 90, ''2024-06-01 00:00+00'')).* FROM public.parallel_leads GROUP BY team ORDER BY team'
\set total 'SELECT (alignment.conversion(from_time, to_time, 90, ''2024-06-01 00:00+00'')).* FROM public.parallel_leads'
\set scores 'SELECT team, pg_catalog.sum(alignment.icp_score(''{"criteria": [{"attribute": "segment", "equals": "pet", "weight": 3}, {"attribute": "employees", "between": [50, 500]}]}'', attributes)) FROM public.parallel_leads GROUP BY team ORDER BY team'

-- The same rules in plain SQL: the window is 90 * 24 hours (an interval of
-- '90 days' would follow daylight saving time in the session's zone).
\set plain 'SELECT team, decided, converted, pending, CASE WHEN decided > 0 THEN converted::float8 / decided END AS rate FROM (SELECT team, pg_catalog.count(*) FILTER (WHERE from_time IS NOT NULL AND (to_time BETWEEN from_time AND from_time + interval ''2160 hours'' AND to_time <= ''2024-06-01 00:00+00'' OR from_time + interval ''2160 hours'' <= ''2024-06-01 00:00+00'')) AS decided, pg_catalog.count(*) FILTER (WHERE from_time IS NOT NULL AND to_time BETWEEN from_time AND from_time + interval ''2160 hours'' AND to_time <= ''2024-06-01 00:00+00'') AS converted, pg_catalog.count(*) FILTER (WHERE from_time IS NOT NULL AND NOT coalesce(to_time BETWEEN from_time AND from_time + interval ''2160 hours'' AND to_time <= ''2024-06-01 00:00+00'', false) AND from_time + interval ''2160 hours'' > ''2024-06-01 00:00+00'') AS pending FROM public.parallel_leads GROUP BY team) AS s ORDER BY team'
\set plain_scores 'SELECT team, pg_catalog.sum(100.0 * ((CASE WHEN attributes->>''segment'' = ''pet'' THEN 3 ELSE 0 END) + (CASE WHEN (attributes->>''employees'')::int BETWEEN 50 AND 500 THEN 1 ELSE 0 END)) / 4)::float8 FROM public.parallel_leads GROUP BY team ORDER BY team'

-- Parallel plan.
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;

-- Each run is saved as one line of text, to compare the runs afterwards.
\set by_team_text 'SELECT pg_catalog.string_agg(r::text, '';'') FROM (' :by_team ') AS r'
\set total_text 'SELECT r::text FROM (' :total ') AS r'
\set scores_text 'SELECT pg_catalog.string_agg(r::text, '';'') FROM (' :scores ') AS r'

SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of(:'by_team_text') AS l
                  WHERE l ~ 'Partial (Hash|Group)?Aggregate'),
          'grouped conversion runs as a Partial Aggregate');
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of(:'total_text') AS l
                  WHERE l ~ 'Partial Aggregate'),
          'total conversion runs as a Partial Aggregate');
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of(:'scores_text') AS l
                  WHERE l ~ 'Parallel Seq Scan'),
          'icp_score runs in a parallel scan');

:by_team_text \gset par_
:total_text \gset par_
:scores_text \gset par_s_

SELECT results_eq(
    'SELECT team, decided, converted, pending, rate FROM (' || :'by_team' || ') AS r',
    :'plain', 'parallel conversion equals plain SQL with FILTER');
SELECT results_eq(:'scores', :'plain_scores',
    'parallel icp_score equals plain SQL');

-- Serial plan.
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_temp.plan_of(:'by_team') AS l
                      WHERE l ~ 'Partial'),
          'the serial plan has no partial aggregate');

:by_team_text \gset ser_
:total_text \gset ser_
:scores_text \gset ser_s_

SELECT is(:'par_string_agg'::text, :'ser_string_agg'::text,
    'grouped conversion: parallel equals serial');
SELECT is(:'par_r'::text, :'ser_r'::text,
    'total conversion: parallel equals serial');
SELECT is(:'par_s_string_agg'::text, :'ser_s_string_agg'::text,
    'icp_score: parallel equals serial');
SELECT results_eq(
    'SELECT team, decided, converted, pending, rate FROM (' || :'by_team' || ') AS r',
    :'plain', 'serial conversion equals plain SQL with FILTER');

SELECT * FROM finish();
ROLLBACK;
