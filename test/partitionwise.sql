-- test/partitionwise.sql: the extension's aggregates under partitionwise
-- aggregation over a partitioned table of handoffs give the same results
-- as a plain, serial run and as plain SQL.
--
-- With enable_partitionwise_aggregate, a GROUP BY that is not the
-- partition key aggregates each partition apart (Partial Aggregate) and
-- combines the partial states above the Append (Finalize Aggregate): the
-- path Citus takes across shards, here across partitions.
BEGIN;
SELECT plan(8);

-- 60 000 handoffs over 2024, partitioned by quarter of the handoff time.
-- Team = g % 3; a lead converts after g % 150 days when g % 4 <> 0 (so some
-- convert outside the 90-day window), never otherwise; the deal is won when
-- g % 5 < 2, and the lead's segment is 'pet' when g % 7 = 0.
CREATE TABLE public.pw_handoff (
    g integer,
    team integer,
    from_time timestamptz NOT NULL,
    to_time timestamptz,
    segment text,
    won boolean
) PARTITION BY RANGE (from_time);
CREATE TABLE public.pw_handoff_q1 PARTITION OF public.pw_handoff
    FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-04-01 00:00+00');
CREATE TABLE public.pw_handoff_q2 PARTITION OF public.pw_handoff
    FOR VALUES FROM ('2024-04-01 00:00+00') TO ('2024-07-01 00:00+00');
CREATE TABLE public.pw_handoff_q3 PARTITION OF public.pw_handoff
    FOR VALUES FROM ('2024-07-01 00:00+00') TO ('2024-10-01 00:00+00');
CREATE TABLE public.pw_handoff_q4 PARTITION OF public.pw_handoff
    FOR VALUES FROM ('2024-10-01 00:00+00') TO ('2025-01-01 00:00+00');
INSERT INTO public.pw_handoff
SELECT g, g % 3,
       '2024-01-01 00:00+00'::timestamptz + (g % 366) * interval '1 day'
           + (g % 86400) * interval '1 second',
       NULL, CASE WHEN g % 7 = 0 THEN 'pet' ELSE 'toys' END, g % 5 < 2
FROM pg_catalog.generate_series(1, 60000) AS g;
UPDATE public.pw_handoff
SET to_time = from_time + (g % 150) * interval '1 day'
WHERE g % 4 <> 0;
ANALYZE public.pw_handoff;

CREATE FUNCTION pg_temp.plan_of(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query;
END
$$;

\set conv 'SELECT team, (alignment.conversion(from_time, to_time, 90, ''2025-06-01 00:00+00'')).* FROM public.pw_handoff GROUP BY team ORDER BY team'
\set evid 'SELECT team, (alignment.icp_evidence(segment = ''pet'', won)).* FROM public.pw_handoff GROUP BY team ORDER BY team'

-- Serial, no partitionwise aggregation: the reference.
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL enable_partitionwise_aggregate = off;
CREATE TEMP TABLE conv_serial AS :conv;
CREATE TEMP TABLE evid_serial AS :evid;

-- Partitionwise.
SET LOCAL enable_partitionwise_aggregate = on;
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of(:'conv') AS l
                  WHERE l ~ 'Partial (Hash|Group)?Aggregate'),
          'conversion aggregates each partition apart (Partial Aggregate)');
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of(:'conv') AS l
                  WHERE l ~ 'Finalize (Hash|Group)?Aggregate'),
          'conversion combines the partitions'' states (Finalize Aggregate)');
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of(:'evid') AS l
                  WHERE l ~ 'Partial (Hash|Group)?Aggregate'),
          'icp_evidence aggregates each partition apart (Partial Aggregate)');

SELECT results_eq(:'conv', 'SELECT * FROM conv_serial ORDER BY team',
    'partitionwise conversion equals the serial run');
SELECT results_eq(:'evid', 'SELECT * FROM evid_serial ORDER BY team',
    'partitionwise icp_evidence equals the serial run');

-- Partitionwise and parallel at once.
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT results_eq(:'conv', 'SELECT * FROM conv_serial ORDER BY team',
    'partitionwise parallel conversion equals the serial run');

-- Independent plain SQL: decided and converted per team, window 90 * 24 h.
SELECT results_eq(
    'SELECT team, decided, converted FROM conv_serial ORDER BY team',
    $$SELECT team,
             count(*) FILTER (WHERE (to_time BETWEEN from_time
                                     AND from_time + interval '2160 hours')
                                 OR from_time + interval '2160 hours'
                                    <= '2025-06-01 00:00+00'),
             count(*) FILTER (WHERE to_time BETWEEN from_time
                                    AND from_time + interval '2160 hours')
      FROM public.pw_handoff GROUP BY team ORDER BY team$$,
    'conversion equals plain SQL with FILTER');
SELECT results_eq(
    'SELECT team, records, wins FROM evid_serial ORDER BY team',
    $$SELECT team, count(*) FILTER (WHERE segment = 'pet'),
             count(*) FILTER (WHERE segment = 'pet' AND won)
      FROM public.pw_handoff GROUP BY team ORDER BY team$$,
    'icp_evidence counts equal plain SQL with FILTER');

SELECT * FROM finish();
ROLLBACK;
