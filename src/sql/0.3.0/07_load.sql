-- src/sql/0.3.0/07_load.sql: a reload of the Olist export that changes a
-- lead's first contact date is refused (rule 12 of olist_load_problems):
-- load_olist() keys the lead's handoff entry and touch on that date, so
-- accepting it would leave the first load's entry and add a second one.

CREATE OR REPLACE VIEW alignment.olist_load_problems AS
SELECT p.rule, p.sqlstate, p.message, p.detail
FROM (
    SELECT 1, '23502', 'missing mql_id in marketing_qualified_leads.csv',
        format('A row with first_contact_date "%s" has no mql_id.',
            m.first_contact_date)
    FROM alignment.olist_mql_raw m
    WHERE nullif(btrim(m.mql_id), '') IS NULL
    UNION ALL
    SELECT 2, '23505',
        format('duplicate mql_id "%s" in marketing_qualified_leads.csv',
            m.mql_id),
        format('It is on %s rows; each lead appears once.', count(*))
    FROM alignment.olist_mql_raw m
    GROUP BY m.mql_id
    HAVING count(*) > 1
    UNION ALL
    SELECT 3, '23502',
        format('missing first_contact_date for mql_id "%s" in marketing_qualified_leads.csv',
            m.mql_id),
        'Every lead needs the date it became an MQL.'
    FROM alignment.olist_mql_raw m
    WHERE nullif(m.first_contact_date, '') IS NULL
    UNION ALL
    SELECT 4, '22007',
        format('invalid date "%s" in column first_contact_date of marketing_qualified_leads.csv',
            m.first_contact_date),
        format('The row has mql_id "%s"; dates are written YYYY-MM-DD.',
            m.mql_id)
    FROM alignment.olist_mql_raw m
    WHERE m.first_contact_date <> ''
      AND alignment.csv_time(m.first_contact_date) IS NULL
    UNION ALL
    SELECT 5, '23502', 'missing mql_id in closed_deals.csv',
        format('A row with won_date "%s" has no mql_id.', c.won_date)
    FROM alignment.olist_closed_deal_raw c
    WHERE nullif(btrim(c.mql_id), '') IS NULL
    UNION ALL
    SELECT 6, '23505',
        format('duplicate mql_id "%s" in closed_deals.csv', c.mql_id),
        format('It is on %s rows; a lead is won once.', count(*))
    FROM alignment.olist_closed_deal_raw c
    GROUP BY c.mql_id
    HAVING count(*) > 1
    UNION ALL
    SELECT 7, '23503',
        format('unknown mql_id "%s" in closed_deals.csv', c.mql_id),
        'No row of marketing_qualified_leads.csv has this mql_id, so the won deal has no lead.'
    FROM alignment.olist_closed_deal_raw c
    WHERE NOT EXISTS (SELECT FROM alignment.olist_mql_raw m
                      WHERE m.mql_id = c.mql_id)
    UNION ALL
    SELECT 8, '23502',
        format('missing won_date for mql_id "%s" in closed_deals.csv',
            c.mql_id),
        'Every won deal needs the date it was won.'
    FROM alignment.olist_closed_deal_raw c
    WHERE nullif(c.won_date, '') IS NULL
    UNION ALL
    SELECT 9, '22007',
        format('invalid date "%s" in column won_date of closed_deals.csv',
            c.won_date),
        format('The row has mql_id "%s"; dates are written YYYY-MM-DD HH:MM:SS.',
            c.mql_id)
    FROM alignment.olist_closed_deal_raw c
    WHERE c.won_date <> '' AND alignment.csv_time(c.won_date) IS NULL
    UNION ALL
    SELECT 10, '22P02',
        format('invalid boolean "%s" in column %s of closed_deals.csv',
            f.value, f.field),
        format('The row has mql_id "%s"; booleans are written True or False.',
            c.mql_id)
    FROM alignment.olist_closed_deal_raw c
    CROSS JOIN LATERAL (VALUES ('has_company', c.has_company),
                               ('has_gtin', c.has_gtin)) f(field, value)
    WHERE f.value <> '' AND alignment.csv_boolean(f.value) IS NULL
    UNION ALL
    SELECT 11, '22P02',
        format('invalid number "%s" in column %s of closed_deals.csv',
            f.value, f.field),
        format('The row has mql_id "%s".', c.mql_id)
    FROM alignment.olist_closed_deal_raw c
    CROSS JOIN LATERAL (
        VALUES ('declared_product_catalog_size',
                c.declared_product_catalog_size),
               ('declared_monthly_revenue', c.declared_monthly_revenue)
    ) f(field, value)
    WHERE f.value <> '' AND alignment.csv_number(f.value) IS NULL
    UNION ALL
    SELECT 12, '23505',
        format('mql_id "%s" in marketing_qualified_leads.csv has first_contact_date "%s", but it was loaded before as %s',
            m.mql_id, m.first_contact_date,
            to_char(l.created_at AT TIME ZONE
                        alignment.setting('business_timezone'),
                    'YYYY-MM-DD HH24:MI:SS')),
        'The lead''s handoff entry, frozen fit score and touch date from that load, and a reload does not move them. To load the new date, delete the lead first (DELETE FROM alignment.lead WHERE lead_id = ...; its events and touches go with it).'
    FROM alignment.olist_mql_raw m
    JOIN alignment.lead l ON l.lead_id = m.mql_id
    WHERE alignment.csv_time(m.first_contact_date) <> l.created_at
) AS p (rule, sqlstate, message, detail);

-- Replacing a view resets its options (see 06_views.sql).
ALTER VIEW alignment.olist_load_problems SET (security_invoker = true);
