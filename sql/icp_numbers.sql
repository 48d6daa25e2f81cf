-- icp_score on numbers read from a table: between, min and max against an
-- independent oracle (the number as double precision within the bounds),
-- and equals, in and contains on numbers, for attributes stored with a
-- one-byte header (read in place, unaligned) and with a four-byte header.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
RESET client_min_messages;

CREATE TEMP TABLE number_case (id serial, x numeric, attributes jsonb);

-- Mantissas times powers of ten from 1e-300 to 1e300, both signs, zeros,
-- numbers a little either side of the bounds used below, and numbers whose
-- scale or weight needs numeric's long form.
WITH base(x) AS (
    SELECT (s || m || 'e' || e)::numeric
    FROM unnest(ARRAY['1', '1.5', '5', '9.9999', '4.99999999999999999999',
                      '5.00000000000000000001', '123456789.123456789']) AS m,
         unnest(ARRAY[-300, -100, -20, -3, -1, 0, 1, 2, 3, 20, 100, 250,
                      300]) AS e,
         unnest(ARRAY['', '-']) AS s
    UNION ALL
    SELECT unnest(ARRAY[0, -0, 0.000, 50, 1000, 5, -3.5, 0.1,
        49.99999999999999, 49.9999999999999999, 1000.0000000000001,
        1000.00000000000001, 4.999999999999999, 4.9999999999999999,
        -3.4999999999999999, -3.500000000000001, 0.09999999999999999,
        0.1000000000000000001, 1e250, 1e250 * (1 - 1e-17),
        1e250 * (1 - 1e-14)]::numeric[])
    UNION ALL
    SELECT ('5.' || repeat('0', 70) || '1')::numeric
    UNION ALL
    SELECT ('-3.5' || repeat('0', 70) || '1')::numeric
    UNION ALL
    SELECT ('1' || repeat('0', 280))::numeric
)
INSERT INTO number_case (x, attributes)
SELECT x, pg_catalog.jsonb_build_object('n', x) FROM base
UNION ALL
SELECT x, pg_catalog.jsonb_build_object('n', x, 'pad', repeat('p', 150))
FROM base;

-- Both storage forms are there: the one-byte header below 127 bytes.
SELECT pg_catalog.pg_column_size(attributes) < 127 AS short_header, count(*)
FROM number_case GROUP BY 1 ORDER BY 1;

-- Each bound criterion against the oracle, the number as double
-- precision within the bounds as double precision.  Every row must agree;
-- matched shows that each criterion both matches and rejects.
SELECT b.label, count(*) AS numbers,
    count(*) FILTER (WHERE s.score = 100) AS matched,
    count(*) FILTER (WHERE (s.score = 100) IS DISTINCT FROM s.expected)
        AS disagree
FROM (VALUES
        ('between [50, 1000]', '{"between": [50, 1000]}'::jsonb,
         50::float8, 1000::float8),
        ('min 5', '{"min": 5}', 5, 'Infinity'),
        ('max -3.5', '{"max": -3.5}', '-Infinity', -3.5),
        ('between [0.1, 0.1]', '{"between": [0.1, 0.1]}', 0.1, 0.1),
        ('between [-1e-20, 1e20]', '{"between": [-1e-20, 1e20]}',
         -1e-20, 1e20),
        ('between [1e250, 1e300]', '{"between": [1e250, 1e300]}',
         1e250, 1e300),
        ('min 0', '{"min": 0}', 0, 'Infinity'),
        ('max -1e-300', '{"max": -1e-300}', '-Infinity', -1e-300))
    AS b(label, bound, lo, hi),
LATERAL (
    SELECT alignment.icp_score(
               pg_catalog.jsonb_build_object('criteria',
                   pg_catalog.jsonb_build_array(
                       '{"attribute": "n"}'::jsonb || b.bound)),
               c.attributes) AS score,
           c.x::float8 BETWEEN b.lo AND b.hi AS expected
    FROM number_case AS c) AS s
GROUP BY b.label ORDER BY b.label;

-- equals, in and contains compare numbers by value (5 equals 5.0), read
-- in place too.
CREATE TEMP TABLE equal_case (attributes jsonb);
INSERT INTO equal_case VALUES
    ('{"n": 7}'), ('{"n": 7.000}'), ('{"n": 7.0001}'), ('{"n": "7"}'),
    ('{"ids": [1, 7.0, 9]}'), ('{"ids": [70, 0.7]}'),
    (pg_catalog.jsonb_build_object('n', 7, 'pad', repeat('p', 150))),
    (pg_catalog.jsonb_build_object('ids', '[3, 7]'::jsonb,
                                   'pad', repeat('p', 150)));
SELECT attributes - 'pad' AS attributes,
    alignment.icp_score('{"criteria": [{"attribute": "n", "equals": 7}]}',
                        attributes) AS equals_7,
    alignment.icp_score('{"criteria": [{"attribute": "n", "in": [1, 7]}]}',
                        attributes) AS in_1_7,
    alignment.icp_score('{"criteria": [{"attribute": "ids", "contains": 7}]}',
                        attributes) AS ids_contain_7,
    attributes ? 'pad' AS padded
FROM equal_case ORDER BY 1::text, padded;
