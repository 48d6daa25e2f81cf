-- load_olist: the real Olist marketing funnel through load/olist.psql,
-- checked against independent queries over the raw rows, then reloaded.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
    alignment.icp_version CASCADE;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- Olist sells in Sao Paulo: its dates are midnight there.
SET alignment.business_timezone = 'America/Sao_Paulo';

-- An ICP agreed before the first lead: organic search and resellers, one
-- point each. At the handoff only the origin is known, so every handoff
-- scores 50 (organic search) or 0, even the resellers won later.
INSERT INTO alignment.icp_version (note, definition, marketing_approved_at,
    sales_approved_at, effective_from) VALUES
    ('organic resellers', '{"criteria": [
        {"attribute": "origin", "equals": "organic search"},
        {"attribute": "business_type", "equals": "reseller"}]}',
     '2017-01-01', '2017-01-01', '2017-01-01');

\getenv data ALIGNMENT_DATA
\set data :data '/olist-marketing-funnel'
\i load/olist.psql

-- One lead, touch and mql event per MQL row; one won deal and customer
-- event per closed deal.
SELECT (SELECT count(*) FROM alignment.olist_mql_raw) AS raw_mqls,
    (SELECT count(*) FROM alignment.lead) AS leads,
    (SELECT count(*) FROM alignment.touch) AS touches,
    (SELECT count(*) FROM alignment.stage_event
     WHERE stage = 'mql') AS mql_events,
    (SELECT count(*) FROM alignment.olist_closed_deal_raw) AS raw_won,
    (SELECT count(*) FROM alignment.deal WHERE status = 'won') AS won_deals,
    (SELECT count(*) FROM alignment.stage_event
     WHERE stage = 'customer') AS customer_events;

-- mql events per month in the business time zone, beside the raw dates.
SELECT r.month, r.raw_mqls, e.mql_events
FROM (SELECT left(m.first_contact_date, 7) AS month, count(*) AS raw_mqls
      FROM alignment.olist_mql_raw m GROUP BY 1) r
FULL JOIN (SELECT to_char(s.entered_at AT TIME ZONE 'America/Sao_Paulo',
                          'YYYY-MM') AS month,
                  count(*) AS mql_events
           FROM alignment.stage_event s WHERE s.stage = 'mql' GROUP BY 1) e
    USING (month)
ORDER BY 1;

-- Dates are never shifted: each lead is created at the start of its
-- first_contact_date in Sao Paulo, midnight except on 2017-10-15, when the
-- clocks jumped from 00:00 to 01:00; each deal closes at its won_date there.
SELECT (l.created_at AT TIME ZONE 'America/Sao_Paulo')::time AS local_time,
    min(m.first_contact_date) AS first_date,
    max(m.first_contact_date) AS last_date, count(*) AS leads,
    count(*) FILTER (WHERE (l.created_at AT TIME ZONE 'America/Sao_Paulo')
                           ::date::text <> m.first_contact_date) AS other_day,
    count(*) FILTER (WHERE e.entered_at <> l.created_at) AS mql_elsewhen
FROM alignment.olist_mql_raw m
JOIN alignment.lead l ON l.lead_id = m.mql_id
JOIN alignment.stage_event e ON e.lead_id = l.lead_id AND e.stage = 'mql'
GROUP BY 1
ORDER BY 1;
SELECT count(*) FILTER (WHERE to_char(d.closed_at AT TIME ZONE
        'America/Sao_Paulo', 'YYYY-MM-DD HH24:MI:SS')
        <> c.won_date) AS deals_shifted,
    count(*) FILTER (WHERE e.entered_at <> d.closed_at) AS customer_not_at_won
FROM alignment.olist_closed_deal_raw c
JOIN alignment.deal d ON d.deal_id = c.mql_id
JOIN alignment.stage_event e ON e.lead_id = d.lead_id
    AND e.stage = 'customer';

-- channel is the origin, NULL when empty (60) or "unknown" (1099); the
-- touch carries it with the landing page as campaign.
SELECT count(*) FILTER (WHERE l.channel IS NULL) AS leads_without_channel,
    count(*) FILTER (WHERE coalesce(m.origin, '') IN ('', 'unknown'))
        AS raw_empty_or_unknown,
    count(*) FILTER (WHERE (t.channel, t.campaign)
                           IS DISTINCT FROM (l.channel, m.landing_page_id))
        AS touches_differing
FROM alignment.olist_mql_raw m
JOIN alignment.lead l ON l.lead_id = m.mql_id
JOIN alignment.touch t ON t.lead_id = l.lead_id;

-- Attribute keys and JSON types, beside the non-empty raw values.
WITH model AS (
    SELECT a.key, jsonb_typeof(a.value) AS type, count(*) AS leads
    FROM alignment.lead l, jsonb_each(l.attributes) a
    GROUP BY 1, 2
), raw AS (
    SELECT v.key, count(*) AS raw_values
    FROM (SELECT to_jsonb(m) AS j FROM alignment.olist_mql_raw m
          UNION ALL
          SELECT to_jsonb(c) FROM alignment.olist_closed_deal_raw c) r,
        jsonb_each_text(r.j) v
    WHERE v.value <> ''
    GROUP BY 1
)
SELECT key, type, leads, raw_values FROM model LEFT JOIN raw USING (key)
ORDER BY key;

-- Won deals: persona is the behaviour profile as written (NULL when
-- empty); no creation date and no amount, as the export has neither.
SELECT d.persona, count(*) AS deals,
    (SELECT count(*) FROM alignment.olist_closed_deal_raw c
     WHERE nullif(c.lead_behaviour_profile, '') IS NOT DISTINCT FROM d.persona)
        AS raw_rows
FROM alignment.deal d
GROUP BY d.persona
ORDER BY 2 DESC, 1;
SELECT count(*) AS deals,
    count(*) FILTER (WHERE lead_id = deal_id AND team_id = 'default')
        AS own_lead_default_team,
    count(created_at) AS with_created_at, count(amount) AS with_amount,
    count(currency) AS with_currency
FROM alignment.deal;

-- Handoffs scored with what was known then: 50 for the 2296 organic search
-- rows of the raw file, 0 for the other 5704.
SELECT e.fit_score, count(*) AS handoffs, count(e.icp_version_id) AS with_icp
FROM alignment.stage_event e
WHERE e.stage = 'mql'
GROUP BY 1
ORDER BY 1;
SELECT count(*) FILTER (WHERE origin = 'organic search') AS raw_organic
FROM alignment.olist_mql_raw;

-- The first row of closed_deals.csv, by hand: pet, online_medium, cat,
-- False, False, no stock, reseller, no catalog size, 0.0 revenue, won
-- 2018-02-26 19:58:54 (UTC-3 after Brazil's summer time ended on
-- 2018-02-18); its MQL row: 2018-02-21, organic search. The frozen score
-- stays 50 though its attributes now score 100.
SELECT l.lead_id, l.team_id, l.persona, l.channel, l.created_at,
    l.attributes
FROM alignment.lead l WHERE l.lead_id = '5420aad7fec3549a85876ba1c529bd84';
SELECT d.persona, d.status, d.closed_at
FROM alignment.deal d WHERE d.deal_id = '5420aad7fec3549a85876ba1c529bd84';
SELECT e.stage, e.entered_at, e.fit_score,
    alignment.icp_score(v.definition, l.attributes) AS score_now
FROM alignment.stage_event e
JOIN alignment.lead l USING (lead_id)
CROSS JOIN alignment.icp_version v
WHERE e.lead_id = '5420aad7fec3549a85876ba1c529bd84'
ORDER BY e.entered_at;

-- Reloading the same files changes nothing and duplicates nothing.
\i load/olist.psql
SELECT (SELECT count(*) FROM alignment.lead) AS leads,
    (SELECT count(*) FROM alignment.touch) AS touches,
    (SELECT count(*) FROM alignment.stage_event) AS events,
    (SELECT count(*) FROM alignment.deal) AS deals,
    (SELECT count(*) FROM (SELECT FROM alignment.stage_event
                           GROUP BY lead_id, stage HAVING count(*) > 1) d)
        AS repeated_events;

SET client_min_messages = warning;
TRUNCATE alignment.lead, alignment.deal, alignment.icp_version,
    alignment.olist_mql_raw, alignment.olist_closed_deal_raw CASCADE;
RESET client_min_messages;
RESET alignment.business_timezone;
