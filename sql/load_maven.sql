-- load_maven: the real Maven CRM pipeline through load/maven.psql, checked
-- against independent queries over the raw rows, then reloaded.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
    alignment.icp_version CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'America/New_York';

\getenv data ALIGNMENT_DATA
\set data :data '/maven-crm-sales-opportunities'
\i load/maven.psql

-- Teams are the three regional offices (beside the built-in default).
SELECT t.team_id, t.name,
    (SELECT count(*) FROM alignment.maven_sales_team_raw r
     WHERE r.regional_office = t.team_id) AS raw_agents
FROM alignment.team t
ORDER BY 1;
SELECT (SELECT count(*) FROM alignment.maven_account_raw) AS raw_accounts,
    (SELECT count(*) FROM alignment.account) AS accounts,
    (SELECT count(*) FROM alignment.maven_pipeline_raw) AS raw_opportunities,
    (SELECT count(*) FROM alignment.deal) AS deals,
    (SELECT count(*) FROM alignment.lead) AS leads;

-- Deal stage -> status, with the raw amounts and the empty raw fields:
-- open deals have no close date, Prospecting ones no engage date either,
-- and many open deals no account.
SELECT p.deal_stage, d.status, count(*) AS deals,
    sum(d.amount) AS amount, sum(p.close_value::numeric) AS raw_amount,
    count(d.created_at) AS created, count(p.engage_date) AS raw_engaged,
    count(d.closed_at) AS closed, count(p.close_date) AS raw_closed,
    count(d.account_id) AS with_account, count(p.account) AS raw_account
FROM alignment.maven_pipeline_raw p
JOIN alignment.deal d ON d.deal_id = p.opportunity_id
GROUP BY 1, 2
ORDER BY 1;

-- Won deals and dollars per team, beside the raw pipeline joined to the
-- agents' offices.
SELECT team_id, m.won, m.won_usd, r.raw_won, r.raw_won_usd
FROM (SELECT d.team_id, count(*) AS won, sum(d.amount) AS won_usd
      FROM alignment.deal d WHERE d.status = 'won' GROUP BY 1) m
FULL JOIN (SELECT t.regional_office AS team_id, count(*) AS raw_won,
                  sum(p.close_value::numeric) AS raw_won_usd
           FROM alignment.maven_pipeline_raw p
           JOIN alignment.maven_sales_team_raw t USING (sales_agent)
           WHERE p.deal_stage = 'Won' GROUP BY 1) r
    USING (team_id)
ORDER BY 1;

-- Dates are midnight in New York, never shifted; no lead, no persona,
-- every amount in US dollars.
SELECT count(*) FILTER (WHERE to_char(d.created_at AT TIME ZONE
        'America/New_York', 'YYYY-MM-DD HH24:MI:SS')
        <> p.engage_date || ' 00:00:00') AS created_shifted,
    count(*) FILTER (WHERE to_char(d.closed_at AT TIME ZONE
        'America/New_York', 'YYYY-MM-DD HH24:MI:SS')
        <> p.close_date || ' 00:00:00') AS closed_shifted,
    count(d.lead_id) AS with_lead, count(d.persona) AS with_persona,
    count(*) FILTER (WHERE d.currency = 'USD') AS in_usd
FROM alignment.maven_pipeline_raw p
JOIN alignment.deal d ON d.deal_id = p.opportunity_id;
SELECT deal_id, account_id, team_id, amount, created_at, closed_at, status
FROM alignment.deal
WHERE deal_id IN ('1C1I7A6R', 'Z063OYW0')
ORDER BY 1;

-- Accounts keep the source's spelling ("technolgy"), numbers as numbers,
-- an empty subsidiary_of as no key. By hand from accounts.csv:
-- Acme Corporation,technolgy,1996,1100.04,2822,United States,
-- Bluth Company,technolgy,1993,1242.32,3027,United States,Acme Corporation
SELECT account_id, name, attributes
FROM alignment.account
WHERE account_id IN ('Acme Corporation', 'Bluth Company')
ORDER BY 1;
SELECT s.sector, count(*) AS accounts,
    (SELECT count(*) FROM alignment.maven_account_raw r
     WHERE r.sector = s.sector) AS raw_accounts
FROM (SELECT a.attributes ->> 'sector' AS sector
      FROM alignment.account a) s
GROUP BY 1
ORDER BY 1;
-- The model has no product: the raw rows keep "GTXPro" as the source
-- spells it (products.csv says "GTX Pro").
SELECT product, count(*) AS opportunities
FROM alignment.maven_pipeline_raw
GROUP BY 1
ORDER BY 1;

-- Reloading the same files changes nothing and duplicates nothing.
\i load/maven.psql
SELECT (SELECT count(*) FROM alignment.team) AS teams,
    (SELECT count(*) FROM alignment.account) AS accounts,
    (SELECT count(*) FROM alignment.deal) AS deals;

SET client_min_messages = warning;
TRUNCATE alignment.deal, alignment.account, alignment.maven_account_raw,
    alignment.maven_sales_team_raw, alignment.maven_pipeline_raw CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
RESET client_min_messages;
RESET alignment.business_timezone;
