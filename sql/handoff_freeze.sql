-- handoff_freeze: the ICP in force, fit scores frozen at the handoff,
-- rescoring on purpose, and stage gates.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
    alignment.icp_version CASCADE;
UPDATE alignment.stage
SET min_fit_score = NULL, required_attributes = '{}', gate_mode = 'off';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\set SHOW_CONTEXT never

-- v1 scores segment (weight 3) and employees (weight 1): out of 4.
INSERT INTO alignment.icp_version (note, definition, marketing_approved_at,
    sales_approved_at, effective_from) VALUES
    ('v1', '{"criteria": [
        {"attribute": "segment", "in": ["pet", "toys"], "weight": 3},
        {"attribute": "employees", "between": [50, 500]}]}',
     '2024-01-20', '2024-01-25', '2024-02-01'),
    ('sales never approved',
     '{"criteria": [{"attribute": "segment", "equals": "pet"}]}',
     '2024-01-01', NULL, '2024-01-01');

CREATE TEMP VIEW frozen AS
SELECT e.lead_id, e.stage, e.entered_at, e.fit_score, v.note AS icp,
    e.gate_passed
FROM alignment.stage_event e
LEFT JOIN alignment.icp_version v USING (icp_version_id)
ORDER BY e.entered_at;

INSERT INTO alignment.lead (lead_id, attributes, created_at) VALUES
    ('L1', '{"segment": "pet", "employees": 1000}', '2024-01-01'),
    ('L2', '{"segment": "books", "employees": 120}', '2024-01-01'),
    ('L3', '{"segment": "toys", "employees": 50}', '2024-01-01'),
    ('L4', '{"segment": "books"}', '2024-01-01'),
    ('L5', '{"segment": "toys", "employees": 900}', '2024-01-01');

-- Before v1 is in force (and the unapproved version never is): no score,
-- whatever the insert supplies. L2: employees only, 1/4 = 25. L3: both,
-- 50 on the bound, 4/4 = 100.
INSERT INTO alignment.stage_event (lead_id, stage, entered_at, fit_score)
VALUES ('L1', 'mql', '2024-01-10', 99);
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('L2', 'mql', '2024-02-10'),
    ('L3', 'mql', '2024-02-12');
-- COPY fires the trigger too. L5: segment only, 3/4 = 75.
COPY alignment.stage_event (lead_id, stage, entered_at) FROM stdin;
L5	mql	2024-02-15
\.
SELECT * FROM frozen;

-- v2 takes over on 2024-03-01 (approved 2024-02-20). v3 is effective from
-- 2024-03-15 but approved only on 2024-04-01: it applies from then on.
INSERT INTO alignment.icp_version (note, definition, marketing_approved_at,
    sales_approved_at, effective_from) VALUES
    ('v2', '{"criteria": [{"attribute": "segment", "equals": "books"}]}',
     '2024-02-18', '2024-02-20', '2024-03-01'),
    ('v3', '{"criteria": [{"attribute": "employees", "min": 100}]}',
     '2024-04-01', '2024-04-01', '2024-03-15');
SELECT t AS at, (alignment.icp_in_force(t)).note
FROM unnest('{2024-01-15, 2024-02-01, 2024-02-29, 2024-03-01, 2024-03-20,
              2024-04-01}'::timestamptz[]) AS t;

-- Neither the new versions nor a change of L2's attributes rewrite the
-- frozen scores. L4 hands off under v2: books, 1/1 = 100.
UPDATE alignment.lead
SET attributes = '{"segment": "books", "employees": 600}'
WHERE lead_id = 'L2';
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('L4', 'mql', '2024-03-05');
SELECT * FROM frozen;

-- Frozen values cannot be updated; other columns can.
UPDATE alignment.stage_event SET fit_score = 90 WHERE lead_id = 'L2';
UPDATE alignment.stage_event SET icp_version_id = NULL WHERE lead_id = 'L2';
UPDATE alignment.stage_event SET gate_passed = true WHERE lead_id = 'L2';
UPDATE alignment.stage_event SET entered_at = '2024-02-11'
WHERE lead_id = 'L2';

-- Rescoring February on purpose: L2 is now books with 600 employees, 0/4
-- under v1 (25 -> 0); L3 and L5 keep their scores: 1 event changed.
SELECT alignment.rescore_handoffs('2024-02-01', '2024-03-01');
SELECT alignment.rescore_handoffs('2024-02-01', '2024-03-01');
SELECT alignment.rescore_handoffs('2024-03-01', '2024-02-01');
SELECT * FROM frozen WHERE lead_id = 'L2';

-- Gates: mql requires a fit score of 50 and the attributes segment and
-- employees. Under v2 (segment must be books):
UPDATE alignment.stage
SET min_fit_score = 50, required_attributes = '{segment, employees}'
WHERE stage = 'mql';
INSERT INTO alignment.lead (lead_id, attributes, created_at) VALUES
    ('G1', '{"segment": "pet"}', '2024-01-01'),
    ('G2', '{"segment": "books", "employees": null}', '2024-01-01'),
    ('G3', '{"segment": "pet", "employees": 10}', '2024-01-01'),
    ('G4', '{"segment": "books", "employees": 10}', '2024-01-01'),
    ('G5', '{"segment": "books", "employees": 10}', '2024-01-01');
-- off: G1 scores 0 and lacks employees; recorded as failed, silently.
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('G1', 'mql', '2024-03-10');
-- warn: G2 scores 100 but employees is null; kept with a warning.
UPDATE alignment.stage SET gate_mode = 'warn' WHERE stage = 'mql';
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('G2', 'mql', '2024-03-11');
-- enforce: G3 scores 0 (refused), G5 hands off before any ICP is in force
-- (refused), G4 meets both criteria (kept).
UPDATE alignment.stage SET gate_mode = 'enforce' WHERE stage = 'mql';
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('G3', 'mql', '2024-03-12');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('G5', 'mql', '2024-01-12');
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('G4', 'mql', '2024-03-13');
-- A gate on a non-handoff stage scores with the ICP in force then too:
-- sql needs 80; on 2024-03-20 v2 gives L2 (books) 100 and L3 (toys) 0.
-- Only the handoff keeps its score: fit_score stays NULL there.
-- customer documents no criterion: gate_passed stays NULL.
UPDATE alignment.stage SET min_fit_score = 80, gate_mode = 'warn'
WHERE stage = 'sql';
INSERT INTO alignment.stage_event (lead_id, stage, entered_at) VALUES
    ('L2', 'sql', '2024-03-20'),
    ('L3', 'sql', '2024-03-21'),
    ('L4', 'customer', '2024-03-22');
SELECT * FROM frozen WHERE entered_at >= '2024-03-10';
SELECT count(*) AS events FROM alignment.stage_event;

UPDATE alignment.stage
SET min_fit_score = NULL, required_attributes = '{}', gate_mode = 'off';
TRUNCATE alignment.lead, alignment.icp_version CASCADE;
