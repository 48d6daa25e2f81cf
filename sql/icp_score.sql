-- icp_score: validating ICP definitions and scoring attributes against them.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
    alignment.icp_version CASCADE;
RESET client_min_messages;

-- The example definition: scoring weights 3 + 1 + 2 + 1 + 1 + 1 = 9, plus
-- one disqualifying criterion.
\set icp '{"criteria": [{"attribute": "segment", "in": ["pet", "toys"], "weight": 3}, {"attribute": "country", "equals": "BR"}, {"attribute": "employees", "between": [50, 500], "weight": 2}, {"attribute": "revenue", "min": 10}, {"attribute": "revenue", "max": 1000}, {"attribute": "tags", "contains": "saas"}, {"attribute": "lead_type", "equals": "student", "disqualify": true}]}'

SELECT alignment.icp_validate(:'icp');

-- Everything matches: 9 / 9 -> 100.
SELECT alignment.icp_score(:'icp', '{"segment": "pet", "country": "BR",
    "employees": 120, "revenue": 500, "tags": ["saas", "b2b"]}');
-- segment 3 + employees "50" (a numeric string, on the bound) 2 + revenue
-- max 1 + "saas" inside a string 1 = 7; "br" is not "BR", revenue 5 is
-- under min: 100 * 7 / 9 = 77.777...
SELECT alignment.icp_score(:'icp', '{"segment": "toys", "country": "br",
    "employees": "50", "revenue": 5, "tags": "ecommerce saas platform"}');
-- Nothing present: every criterion counts as not matched: 0 / 9 -> 0.
SELECT alignment.icp_score(:'icp', '{}');
-- JSON null is missing too: only segment matches, 3 / 9 = 33.333...
SELECT alignment.icp_score(:'icp', '{"segment": "pet", "country": null,
    "employees": null}');
-- A matched disqualifying criterion forces 0 however well the rest fits.
SELECT alignment.icp_score(:'icp', '{"segment": "pet", "country": "BR",
    "employees": 120, "revenue": 500, "tags": ["saas"],
    "lead_type": "student"}');
-- "Student" is not "student", and a missing (null) disqualifying attribute
-- does not disqualify: both 100.
SELECT alignment.icp_score(:'icp', '{"segment": "pet", "country": "BR",
    "employees": 120, "revenue": 500, "tags": ["saas"],
    "lead_type": "Student"}') AS other_case,
    alignment.icp_score(:'icp', '{"segment": "pet", "country": "BR",
    "employees": 120, "revenue": 500, "tags": ["saas"],
    "lead_type": null}') AS null_disqualifier;

-- equals and in compare JSON values exactly: the string "5" is not the
-- number 5, but 5.0 is the number 5; true is not "true".
SELECT alignment.icp_score('{"criteria": [{"attribute": "code", "equals": "5"}]}',
    '{"code": 5}') AS number_vs_string,
    alignment.icp_score('{"criteria": [{"attribute": "code", "equals": "5"}]}',
    '{"code": "5"}') AS string_vs_string,
    alignment.icp_score('{"criteria": [{"attribute": "code", "equals": 5}]}',
    '{"code": 5.0}') AS five_vs_five_point_zero,
    alignment.icp_score('{"criteria": [{"attribute": "b2b", "in": [true]}]}',
    '{"b2b": "true"}') AS bool_vs_string;

-- between/min/max take numbers and numeric strings; anything else does not
-- match.  Each is one criterion, so 100 = match, 0 = no match.
SELECT v AS employees,
    alignment.icp_score('{"criteria": [{"attribute": "employees", "between": [50, 500]}]}',
        pg_catalog.jsonb_build_object('employees', v)) AS score
FROM (VALUES ('49.999'::jsonb), ('50'), ('500'), ('500.001'), ('" 120 "'),
    ('"1e2"'), ('"many"'), ('"0x10"'), ('"NaN"'), ('true'), ('[120]'),
    ('{"n": 120}')) AS t(v);

-- A number is compared as double precision: less than a double's step
-- outside a bound (49.9999999999999999 is the double 50) is on the bound.
SELECT v AS employees,
    alignment.icp_score('{"criteria": [{"attribute": "employees", "between": [50, 500]}]}',
        pg_catalog.jsonb_build_object('employees', v)) AS score
FROM (VALUES ('49.9999999999999999'::jsonb), ('49.99999999999999'),
    ('500.00000000000001'), ('500.0000000000001')) AS t(v);

-- contains: an element of an array, or a substring of a string.
SELECT alignment.icp_score('{"criteria": [{"attribute": "ids", "contains": 7}]}',
    '{"ids": [1, 7]}') AS number_in_array,
    alignment.icp_score('{"criteria": [{"attribute": "ids", "contains": 7}]}',
    '{"ids": "17"}') AS number_in_string,
    alignment.icp_score('{"criteria": [{"attribute": "tags", "contains": "saas"}]}',
    '{"tags": ["SaaS"]}') AS case_differs,
    alignment.icp_score('{"criteria": [{"attribute": "tags", "contains": "saas"}]}',
    '{"tags": {"saas": true}}') AS object_key;

-- Fractional weights: 0.5 matched of 0.5 + 1.5 -> 100 * 0.5 / 2 = 25.
SELECT alignment.icp_score('{"criteria": [{"attribute": "a", "equals": 1, "weight": 0.5},
    {"attribute": "b", "equals": 1, "weight": 1.5}]}', '{"a": 1, "b": 2}');

-- "missing": "exclude" leaves a missing attribute out of the denominator.
\set excl '{"criteria": [{"attribute": "a", "equals": 1, "weight": 3}, {"attribute": "b", "equals": 2}], "missing": "exclude"}'
-- a matched, b missing: 3 / 3 = 100 (with no_match it would be 3 / 4 = 75).
SELECT alignment.icp_score(:'excl', '{"a": 1}') AS exclude_mode,
    alignment.icp_score('{"criteria": [{"attribute": "a", "equals": 1, "weight": 3},
        {"attribute": "b", "equals": 2}], "missing": "no_match"}',
        '{"a": 1}') AS no_match_mode;
-- a missing, b not matched: 0 / 1 = 0; a null, b matched: 1 / 1 = 100;
-- nothing left to consider: NULL.
SELECT alignment.icp_score(:'excl', '{"b": 3}') AS b_only,
    alignment.icp_score(:'excl', '{"a": null, "b": 2}') AS a_null,
    alignment.icp_score(:'excl', '{"c": 1}') IS NULL AS nothing_considered;

-- NULL in, NULL out.
SELECT alignment.icp_score(NULL, '{}') IS NULL AS null_definition,
    alignment.icp_score(:'icp', NULL) IS NULL AS null_attributes,
    alignment.icp_validate(NULL) IS NULL AS null_validate;

-- Attributes must be an object.
SELECT alignment.icp_score(:'icp', '["pet"]');

-- Scoring a table: one compiled definition serves every row, and a second
-- definition in the same column is compiled when it shows up.
SELECT d.name, a.attrs, alignment.icp_score(d.def, a.attrs)
FROM (VALUES ('pet', '{"criteria": [{"attribute": "s", "equals": "pet"}]}'::jsonb),
             ('toys', '{"criteria": [{"attribute": "s", "equals": "toys"}]}'))
         AS d(name, def),
     (VALUES ('{"s": "pet"}'::jsonb), ('{"s": "toys"}')) AS a(attrs)
ORDER BY 1, 2;

-- Invalid definitions, one problem per statement.
SELECT alignment.icp_validate('[]');
SELECT alignment.icp_validate('"segment"');
SELECT alignment.icp_validate('{}');
SELECT alignment.icp_validate('{"criteria": []}');
SELECT alignment.icp_validate('{"criteria": {"attribute": "a", "equals": 1}}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1}], "version": 2}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1}], "missing": "skip"}');
SELECT alignment.icp_validate('{"criteria": ["segment"]}');
SELECT alignment.icp_validate('{"criteria": [{"equals": 1}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "", "equals": 1}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": 5, "equals": 1}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equal": 1}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a"}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "min": 1, "max": 5}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "in": "pet"}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "in": []}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "in": ["pet", null]}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "in": [["pet"]]}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": null}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": ["BR"]}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "between": [50]}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "between": ["50", 500]}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "between": [500, 50]}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "min": "10"}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "max": null}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "contains": {"k": 1}}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1, "weight": 0}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1, "weight": -2}]}');
-- Numbers beyond double precision, in which bounds and weights are
-- compared, are refused by range, shown in scientific notation.
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "min": 1e400}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "between": [-1e-400, 5]}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1, "weight": 1e-400}]}');
-- Zero and the smallest doubles are within range.
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "max": -0.0}, {"attribute": "b", "min": 1e-320, "weight": 1e-300}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "min": 1, "weight": 1e308}, {"attribute": "b", "min": 1, "weight": 1e308}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1, "weight": "2"}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1, "disqualify": "yes"}]}');
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1, "disqualify": true}]}');
-- The criterion is numbered from 1 in the order given.
SELECT alignment.icp_validate('{"criteria": [{"attribute": "a", "equals": 1}, {"attribute": "b", "between": [1, 2, 3]}]}');
-- Scoring with an invalid definition fails the same way.
SELECT alignment.icp_score('{"criteria": [{"attribute": "a", "above": 1}]}', '{"a": 2}');

-- The ICP version table refuses an invalid definition.
INSERT INTO alignment.icp_version (definition, effective_from)
VALUES (:'icp', '2024-01-01');
INSERT INTO alignment.icp_version (definition, effective_from)
VALUES ('{"criteria": [{"attribute": "segment", "in": []}]}', '2024-02-01');
SELECT pg_catalog.count(*) AS versions FROM alignment.icp_version;

SET client_min_messages = warning;
TRUNCATE alignment.icp_version CASCADE;
RESET client_min_messages;
