-- icp_explain: the per-criterion breakdown of an ICP score.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
RESET client_min_messages;

-- Scoring weights 3 + 1 + 2 + 1 = 7, plus one disqualifying criterion.
\set icp '{"criteria": [{"attribute": "segment", "in": ["pet", "toys"], "weight": 3}, {"attribute": "country", "equals": "BR"}, {"attribute": "employees", "between": [50, 500], "weight": 2}, {"attribute": "tags", "contains": "saas"}, {"attribute": "lead_type", "equals": "student", "disqualify": true}]}'
\set lead '{"segment": "pet", "country": null, "employees": "12", "tags": ["saas"]}'

-- segment and tags match: 3 + 1 of 7.  Contributions are 100 * weight / 7
-- for the matched criteria: 300 / 7 = 42.857..., 100 / 7 = 14.285...;
-- country is null (missing: matched is NULL, but it still counts as not
-- matched, contribution 0); lead_type is absent (value_seen is NULL).
SELECT * FROM alignment.icp_explain(:'icp', :'lead');
-- The contributions add up to the score, 400 / 7 = 57.142...
SELECT alignment.icp_score(:'icp', :'lead') AS score,
    (SELECT pg_catalog.round(pg_catalog.sum(contribution)::numeric, 9)
     FROM alignment.icp_explain(:'icp', :'lead'))
    = pg_catalog.round(alignment.icp_score(:'icp', :'lead')::numeric, 9)
    AS contributions_add_up;

-- Disqualified: the disqualifying criterion matched, every contribution is
-- 0 and so is the score.
SELECT criterion, attribute, matched, contribution, disqualifying
FROM alignment.icp_explain(:'icp', '{"segment": "pet", "lead_type": "student"}');

-- "missing": "exclude": a missing attribute's criterion is left out, so its
-- contribution is NULL; a matched 3 of 3 considered -> 100.
SELECT criterion, attribute, matched, value_seen, contribution
FROM alignment.icp_explain('{"criteria": [{"attribute": "a", "equals": 1, "weight": 3},
    {"attribute": "b", "equals": 2}], "missing": "exclude"}', '{"a": 1}');

-- The same as one JSON document, for writing back to a CRM.
SELECT pg_catalog.jsonb_pretty(alignment.icp_explain_json(:'icp', :'lead'));
SELECT alignment.icp_explain_json('{"criteria": [{"attribute": "a", "equals": 1}],
    "missing": "exclude"}', '{}') AS nothing_considered;

-- Strict, and invalid definitions fail as in icp_validate.
SELECT pg_catalog.count(*) AS rows_for_null
FROM alignment.icp_explain(NULL, '{}');
SELECT alignment.icp_explain_json(:'icp', NULL) IS NULL AS null_json;
SELECT * FROM alignment.icp_explain('{"criteria": [{"attribute": "a", "in": []}]}', '{}');
SELECT alignment.icp_explain_json('{"criteria": [{"attribute": "a", "equals": 1, "weight": 0}]}', '{}');
SELECT * FROM alignment.icp_explain(:'icp', '"pet"');
