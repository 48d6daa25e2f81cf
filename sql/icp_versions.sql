-- icp_versions: ICP versions proposed, approved by marketing and sales, and
-- frozen once approved.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version RESTART IDENTITY CASCADE;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- Errors read as a catalogue: message, detail and hint, then the SQLSTATE.
\set SHOW_CONTEXT never

-- Version 1: proposed, then approved by each side.
SELECT alignment.icp_propose(
    '{"criteria": [{"attribute": "segment", "in": ["pet", "toys"], "weight": 3},
                   {"attribute": "employees", "min": 50}]}',
    '2024-01-01 00:00+00', note => 'first joint ICP') AS v1;
SELECT alignment.icp_approve(1, 'marketing', '2024-01-02 00:00+00')
    AS agreed_after_marketing;
-- Approved by one side only: not in force.
SELECT alignment.icp_in_force('2024-01-10 00:00+00') IS NULL
    AS none_in_force_yet;
SELECT alignment.icp_approve(1, 'sales', '2024-01-05 00:00+00')
    AS agreed_after_sales;
-- In force from the second approval on (not retroactively).
SELECT (alignment.icp_in_force('2024-01-04 00:00+00')).icp_version_id
        AS in_force_jan_4,
    (alignment.icp_in_force('2024-01-05 00:00+00')).icp_version_id
        AS in_force_jan_5;

-- Proposals refused, one bad value per statement.
SELECT alignment.icp_propose(NULL, '2024-01-01 00:00+00');
\echo :SQLSTATE
SELECT alignment.icp_propose('{"criteria": [{"attribute": "segment"}]}',
    '2024-01-01 00:00+00');
\echo :SQLSTATE
SELECT alignment.icp_propose('{"criteria": [{"attribute": "x", "equals": 1}]}',
    NULL);
\echo :SQLSTATE
SELECT alignment.icp_propose('{"criteria": [{"attribute": "x", "equals": 1}]}',
    '2024-01-01 00:00+00', fit_threshold => 120);
\echo :SQLSTATE
SELECT alignment.icp_propose('{"criteria": [{"attribute": "x", "equals": 1}]}',
    '2024-01-01 00:00+00', fit_threshold => NULL);
\echo :SQLSTATE

-- Approvals refused, one bad value per statement.
SELECT alignment.icp_approve(1, 'marketing', '2024-02-01 00:00+00');
\echo :SQLSTATE
SELECT alignment.icp_approve(1, 'sales');
\echo :SQLSTATE
SELECT alignment.icp_approve(99, 'sales');
\echo :SQLSTATE
SELECT alignment.icp_approve(1, 'legal');
\echo :SQLSTATE
SELECT alignment.icp_approve(1, 'Marketing');
\echo :SQLSTATE
SELECT alignment.icp_approve(1, NULL);
\echo :SQLSTATE
SELECT alignment.icp_approve(NULL, 'sales');
\echo :SQLSTATE
SELECT alignment.icp_approve(1, 'sales', NULL);
\echo :SQLSTATE

-- An approved version never changes: a change is a new version.
UPDATE alignment.icp_version
SET definition = '{"criteria": [{"attribute": "segment", "equals": "pet"}]}'
WHERE icp_version_id = 1;
\echo :SQLSTATE
UPDATE alignment.icp_version SET fit_threshold = 70 WHERE icp_version_id = 1;
\echo :SQLSTATE
UPDATE alignment.icp_version SET effective_from = '2023-12-01 00:00+00'
WHERE icp_version_id = 1;
\echo :SQLSTATE
UPDATE alignment.icp_version
SET fit_threshold = 50, effective_from = '2023-12-01 00:00+00'
WHERE icp_version_id = 1;
\echo :SQLSTATE
UPDATE alignment.icp_version SET marketing_approved_at = NULL
WHERE icp_version_id = 1;
\echo :SQLSTATE
UPDATE alignment.icp_version SET sales_approved_at = '2024-01-06 00:00+00'
WHERE icp_version_id = 1;
\echo :SQLSTATE
-- The note is commentary, not part of what was signed: it may change.
UPDATE alignment.icp_version SET note = 'first joint ICP (workshop of Dec 12)'
WHERE icp_version_id = 1;

-- Version 2, approved by marketing only, is frozen too.
SELECT alignment.icp_propose(
    '{"criteria": [{"attribute": "segment", "in": ["pet"], "weight": 3},
                   {"attribute": "employees", "min": 100}]}',
    '2024-03-01 00:00+00', 70) AS v2;
SELECT alignment.icp_approve(2, 'marketing', '2024-02-20 00:00+00')
    AS agreed_after_marketing;
UPDATE alignment.icp_version SET fit_threshold = 65 WHERE icp_version_id = 2;
\echo :SQLSTATE

-- Version 3, approved by nobody yet, can still be edited, but only into a
-- valid definition (the table's check).
SELECT alignment.icp_propose('{"criteria": [{"attribute": "x", "equals": 1}]}',
    '2024-04-01 00:00+00') AS v3;
UPDATE alignment.icp_version
SET definition = '{"criteria": [{"attribute": "x", "equals": 2}]}',
    fit_threshold = 50
WHERE icp_version_id = 3;
UPDATE alignment.icp_version SET definition = '{"criteria": []}'
WHERE icp_version_id = 3;
\echo :SQLSTATE

-- Version 2 agreed: in force from its effective date; version 1 before.
SELECT alignment.icp_approve(2, 'sales', '2024-02-25 00:00+00')
    AS agreed_after_sales;
SELECT (alignment.icp_in_force('2024-02-29 00:00+00')).icp_version_id
        AS in_force_feb_29,
    (alignment.icp_in_force('2024-03-01 00:00+00')).icp_version_id
        AS in_force_mar_1;

SELECT icp_version_id, fit_threshold, marketing_approved_at,
       sales_approved_at, effective_from, note,
       definition -> 'criteria' -> 0 ->> 'attribute' AS first_attribute
FROM alignment.icp_version
ORDER BY icp_version_id;

-- An approved version cannot be deleted; one nobody approved can.
DELETE FROM alignment.icp_version WHERE icp_version_id = 2;
\echo :SQLSTATE
DELETE FROM alignment.icp_version WHERE icp_version_id = 3;
SELECT array_agg(icp_version_id ORDER BY icp_version_id) AS versions_left
FROM alignment.icp_version;

SET client_min_messages = warning;
TRUNCATE alignment.icp_version RESTART IDENTITY CASCADE;
