-- load_errors: bad raw rows stop the loaders with an error naming the
-- value, the column and the file, and leave the model as it was.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
    alignment.icp_version, alignment.olist_mql_raw,
    alignment.olist_closed_deal_raw, alignment.maven_account_raw,
    alignment.maven_sales_team_raw, alignment.maven_pipeline_raw CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\set SHOW_CONTEXT never

CREATE TEMP VIEW model_rows AS
SELECT (SELECT count(*) FROM alignment.team) AS teams,
    (SELECT count(*) FROM alignment.account) AS accounts,
    (SELECT count(*) FROM alignment.lead) AS leads,
    (SELECT count(*) FROM alignment.touch) AS touches,
    (SELECT count(*) FROM alignment.stage_event) AS events,
    (SELECT count(*) FROM alignment.deal) AS deals;

-- Good rows of each data set first (NULL is what \copy reads from an
-- empty CSV field): 2 leads, 2 touches, 3 events (2 mql, 1 customer) and
-- a won deal; 2 teams, 2 accounts and 3 deals.
INSERT INTO alignment.olist_mql_raw VALUES
    ('m1', '2018-01-05', 'lp1', 'social'),
    ('m2', '2018-01-06', 'lp2', NULL);
INSERT INTO alignment.olist_closed_deal_raw (mql_id, won_date, has_company,
    has_gtin, declared_monthly_revenue) VALUES
    ('m1', '2018-02-01 10:00:00', 'True', 'False', '1000.0');
INSERT INTO alignment.maven_account_raw VALUES
    ('Acme', 'technolgy', '1996', '1100.04', '2822', 'United States', NULL),
    ('Beta', 'medical', '1999', '251.41', '495', 'Kenya', 'Acme');
INSERT INTO alignment.maven_sales_team_raw VALUES
    ('Ann', 'Mia', 'Central'),
    ('Bob', 'Mia', 'East');
INSERT INTO alignment.maven_pipeline_raw VALUES
    ('O1', 'Ann', 'GTXPro', 'Acme', 'Won', '2017-01-02', '2017-02-03', '1054'),
    ('O2', 'Bob', 'MG Special', NULL, 'Prospecting', NULL, NULL, NULL),
    ('O3', 'Bob', 'GTX Basic', 'Beta', 'Lost', '2017-01-05', '2017-01-20',
     '0');
SELECT * FROM alignment.load_olist();
SELECT * FROM alignment.load_maven();
SELECT * FROM model_rows;

-- From here on every load fails: the new lead m4 and deal O4 must never
-- reach the model. One bad value at a time, put in and taken out again.
INSERT INTO alignment.olist_mql_raw
VALUES ('m4', '2018-01-08', 'lp4', 'email');
INSERT INTO alignment.maven_pipeline_raw VALUES
    ('O4', 'Ann', 'GTX Basic', 'Beta', 'Engaging', '2017-03-01', NULL, NULL);

-- marketing_qualified_leads.csv
UPDATE alignment.olist_mql_raw SET mql_id = NULL WHERE mql_id = 'm4';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_mql_raw SET mql_id = 'm2' WHERE mql_id IS NULL;
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_mql_raw SET mql_id = 'm4' WHERE landing_page_id = 'lp4';
UPDATE alignment.olist_mql_raw SET first_contact_date = NULL
WHERE mql_id = 'm4';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_mql_raw SET first_contact_date = '2018-02-30'
WHERE mql_id = 'm4';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_mql_raw SET first_contact_date = '06/01/2018'
WHERE mql_id = 'm4';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_mql_raw SET first_contact_date = '2018-01-08'
WHERE mql_id = 'm4';

-- closed_deals.csv: a won deal for an unknown lead, then bad values.
INSERT INTO alignment.olist_closed_deal_raw (mql_id, won_date)
VALUES ('m9', '2018-02-01 10:00:00');
SELECT * FROM alignment.load_olist();
DELETE FROM alignment.olist_closed_deal_raw WHERE mql_id = 'm9';
UPDATE alignment.olist_closed_deal_raw SET won_date = '2018-02-01 25:00:00';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_closed_deal_raw SET won_date = '2018-02-01 10:00:00';
UPDATE alignment.olist_closed_deal_raw SET has_gtin = 'yes';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_closed_deal_raw SET has_gtin = 'False';
UPDATE alignment.olist_closed_deal_raw
SET declared_monthly_revenue = '1.000,00';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_closed_deal_raw SET declared_monthly_revenue = '1000.0';
-- A reload that moves the first contact date of m1, loaded as 2018-01-05,
-- is refused: its handoff entry and touch are keyed on that date.
UPDATE alignment.olist_mql_raw SET first_contact_date = '2018-01-09'
WHERE mql_id = 'm1';
SELECT * FROM alignment.load_olist();
UPDATE alignment.olist_mql_raw SET first_contact_date = '2018-01-05'
WHERE mql_id = 'm1';

-- The view lists every problem at once; the load reports the first.
BEGIN;
INSERT INTO alignment.olist_mql_raw VALUES ('m1', 'yesterday', NULL, NULL);
INSERT INTO alignment.olist_closed_deal_raw (mql_id, won_date)
VALUES ('m8', NULL);
SELECT * FROM alignment.olist_load_problems ORDER BY rule, message;
ROLLBACK;

-- A load that fails half-way, when an enforced gate refuses the handoff of
-- m4 (no origin) after the leads were written, is undone as a whole.
UPDATE alignment.stage
SET required_attributes = '{origin}', gate_mode = 'enforce'
WHERE stage = 'mql';
UPDATE alignment.olist_mql_raw SET origin = NULL WHERE mql_id = 'm4';
SELECT * FROM alignment.load_olist();
UPDATE alignment.stage SET required_attributes = '{}', gate_mode = 'off'
WHERE stage = 'mql';
-- Nor can a stage event name an unknown lead.
INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
VALUES ('m4', 'mql', '2018-01-08');

-- accounts.csv, sales_teams.csv
INSERT INTO alignment.maven_account_raw (account, revenue)
VALUES ('Gamma', 'n/a');
SELECT * FROM alignment.load_maven();
DELETE FROM alignment.maven_account_raw WHERE account = 'Gamma';
INSERT INTO alignment.maven_sales_team_raw VALUES ('Cy', 'Mia', NULL);
SELECT * FROM alignment.load_maven();
DELETE FROM alignment.maven_sales_team_raw WHERE sales_agent = 'Cy';

-- sales_pipeline.csv
UPDATE alignment.maven_pipeline_raw SET opportunity_id = 'O1'
WHERE opportunity_id = 'O4';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET opportunity_id = 'O4'
WHERE deal_stage = 'Engaging';
UPDATE alignment.maven_pipeline_raw SET sales_agent = 'Zed'
WHERE opportunity_id = 'O4';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET sales_agent = 'Ann'
WHERE opportunity_id = 'O4';
UPDATE alignment.maven_pipeline_raw SET account = 'Gamma'
WHERE opportunity_id = 'O4';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET account = 'Beta'
WHERE opportunity_id = 'O4';
UPDATE alignment.maven_pipeline_raw SET deal_stage = 'won'
WHERE opportunity_id = 'O1';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET deal_stage = 'Won'
WHERE opportunity_id = 'O1';
UPDATE alignment.maven_pipeline_raw SET engage_date = '2017-13-01'
WHERE opportunity_id = 'O4';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET engage_date = '2017-03-01'
WHERE opportunity_id = 'O4';
UPDATE alignment.maven_pipeline_raw SET close_value = '1,054'
WHERE opportunity_id = 'O1';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET close_value = '-5'
WHERE opportunity_id = 'O1';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET close_value = '1054'
WHERE opportunity_id = 'O1';
UPDATE alignment.maven_pipeline_raw SET close_date = NULL
WHERE opportunity_id = 'O3';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET close_date = '2017-01-20'
WHERE opportunity_id = 'O3';
UPDATE alignment.maven_pipeline_raw SET close_date = '2017-03-02'
WHERE opportunity_id = 'O4';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET close_date = NULL
WHERE opportunity_id = 'O4';
UPDATE alignment.maven_pipeline_raw SET close_date = '2016-12-31'
WHERE opportunity_id = 'O1';
SELECT * FROM alignment.load_maven();
UPDATE alignment.maven_pipeline_raw SET close_date = '2017-02-03'
WHERE opportunity_id = 'O1';

-- The model holds what the good rows gave, without m4 or O4; with the
-- raw rows whole again, both load.
SELECT * FROM model_rows;
UPDATE alignment.olist_mql_raw SET origin = 'email' WHERE mql_id = 'm4';
SELECT * FROM alignment.load_olist();
SELECT * FROM alignment.load_maven();
SELECT * FROM model_rows;

-- scripts/load.sh refuses what it cannot load before touching a database.
\! scripts/load.sh no_such_db generated ten
\! scripts/load.sh no_such_db sql

SET client_min_messages = warning;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
    alignment.olist_mql_raw, alignment.olist_closed_deal_raw,
    alignment.maven_account_raw, alignment.maven_sales_team_raw,
    alignment.maven_pipeline_raw CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
RESET client_min_messages;
