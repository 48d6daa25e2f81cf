-- persona_matrix: persona mix similarity and the 4-cell alignment matrix.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
RESET client_min_messages;

-- Same proportions at any scale: distance 0, similarity 1.  Disjoint
-- personas: JS divergence 1 (base 2), similarity 0.
SELECT alignment.persona_similarity('{"founder": 2, "cmo": 2}',
        '{"founder": 50, "cmo": 50}') AS same_mix,
    alignment.persona_similarity('{"founder": 1}', '{"cmo": 1}') AS disjoint;

-- P = (3/4, 1/4), Q = (1/4, 3/4), M = (1/2, 1/2):
-- KL(P||M) = 3/4 log2(3/2) + 1/4 log2(1/2) = 0.438722 - 0.25 = 0.188722,
-- KL(Q||M) the same, JSD = 0.188722, similarity = 1 - sqrt(JSD)
-- = 1 - 0.434421 = 0.565579.  Symmetric.
SELECT alignment.persona_similarity('{"a": 3, "b": 1}', '{"a": 1, "b": 3}')
        AS mirrored,
    alignment.persona_similarity('{"a": 3, "b": 1}', '{"a": 1, "b": 3}')
    = alignment.persona_similarity('{"a": 1, "b": 3}', '{"a": 3, "b": 1}')
        AS symmetric;

-- A persona only one side has: P = (1/2, 1/2), Q = (1, 0), M = (3/4, 1/4):
-- KL(P||M) = 1/2 log2(2/3) + 1/2 log2(2) = -0.292481 + 0.5 = 0.207519,
-- KL(Q||M) = log2(4/3) = 0.415037, JSD = (0.207519 + 0.415037) / 2
-- = 0.311278, similarity = 1 - 0.557923 = 0.442077.
SELECT alignment.persona_similarity('{"a": 1, "b": 1}', '{"a": 1}')
        AS one_sided,
    alignment.persona_similarity('{"a": 1}', '{"a": 1, "b": 1}')
        AS other_side;

-- Weights need not be integers; a persona with weight 0 is no persona.
SELECT alignment.persona_similarity('{"a": 0.25, "b": 0.75, "c": 0}',
    '{"a": 1, "b": 3}') AS fractional_and_zero;

-- A mix that sums to 0 has no distribution: NULL.  NULL in, NULL out.
SELECT alignment.persona_similarity('{}', '{"a": 1}') IS NULL AS empty_mix,
    alignment.persona_similarity('{"a": 1}', '{"a": 0}') IS NULL AS zero_mix,
    alignment.persona_similarity(NULL, '{"a": 1}') IS NULL AS null_mix;

-- Bad mixes, one per statement.
SELECT alignment.persona_similarity('{"a": -1, "b": 2}', '{"a": 1}');
SELECT alignment.persona_similarity('{"a": 1}', '{"a": "3"}');
SELECT alignment.persona_similarity('{"a": 1}', '{"a": null}');
SELECT alignment.persona_similarity('["a", "b"]', '{"a": 1}');

-- The matrix with the default thresholds (0.6 and 0.6): "high" is at or
-- above the threshold.
SELECT p, c, alignment.matrix_cell(p, c) AS cell
FROM (VALUES (0.0::float8, 0.0::float8), (0.6, 0.59999), (0.59999, 0.6),
    (0.6, 0.6), (1, 1)) AS t(p, c);
-- Raised persona threshold: 0.7 is now low persona agreement -> cell 3.
SET alignment.persona_agreement_threshold = 0.8;
SELECT alignment.matrix_cell(0.7, 0.9) AS cell;
RESET alignment.persona_agreement_threshold;
SELECT alignment.matrix_cell(NULL, 0.5) IS NULL AS null_index;

-- Indexes outside [0, 1], one per statement.
SELECT alignment.matrix_cell(1.5, 0.5);
SELECT alignment.matrix_cell(0.5, -0.1);
SELECT alignment.matrix_cell('NaN', 0.5);

-- The next step of each cell.
SELECT cell, alignment.matrix_next_step(cell)
FROM pg_catalog.generate_series(1, 4) AS cell;
SELECT alignment.matrix_next_step(0);
SELECT alignment.matrix_next_step(5);
