-- Metric 5: time to close by persona (alignment.time_to_close).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS alignment;
TRUNCATE alignment.lead, alignment.deal, alignment.account,
         alignment.icp_version, alignment.fx_rate, alignment.sla CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET alignment.business_timezone = 'UTC';
SET alignment.period = 'month';
SET alignment.base_currency = 'USD';
SET alignment.as_of = '2024-03-15 00:00+00';

INSERT INTO alignment.team (team_id, name) VALUES ('east', 'East');
-- One EUR is worth 1.20 USD from Feb 29; there is no JPY rate.
INSERT INTO alignment.fx_rate (currency, rate_date, rate) VALUES
    ('EUR', '2024-02-29', 1.20);
INSERT INTO alignment.deal (deal_id, team_id, persona, amount, currency,
                            created_at, closed_at, status) VALUES
    ('t1', 'default', 'cfo', 100, 'USD',
     '2024-02-01 00:00+00', '2024-03-02 00:00+00', 'won'),   -- 30 days
    ('t2', 'default', 'cfo', 50, 'EUR',
     '2024-02-20 12:00+00', '2024-03-01 00:00+00', 'won'),   -- 9.5 days
    ('t3', 'default', 'cfo', NULL, NULL,
     '2024-03-01 00:00+00', '2024-03-11 00:00+00', 'won'),   -- 10 days
    ('t4', 'default', 'cto', 200, 'USD',
     NULL, '2024-03-05 00:00+00', 'won'),                    -- unknown
    ('t5', 'default', NULL, 300, 'USD',
     '2024-01-01 00:00+00', '2024-03-01 00:00+00', 'won'),   -- 60 days
    ('t6', 'east', 'cto', 1000, 'JPY',
     '2024-02-04 00:00+00', '2024-03-04 00:00+00', 'won'),   -- 29 days
    -- not counted: lost, open, won after as_of
    ('t7', 'default', 'cfo', 1, 'USD',
     '2024-02-01 00:00+00', '2024-03-02 00:00+00', 'lost'),
    ('t8', 'default', 'cfo', 1, 'USD', '2024-02-01 00:00+00', NULL, 'open'),
    ('t9', 'default', 'cfo', 1, 'USD',
     '2024-02-01 00:00+00', '2024-03-20 00:00+00', 'won');

-- March, by team and persona (amounts in USD; t2's 50 EUR = 60):
-- default cfo:  t1 t2 t3, days 30 9.5 10: median 10, mean 16.5; 160
--               (t3 has no amount).
-- default cto:  t4, creation unknown: no days; 200.
-- default NULL: t5 (untagged, its own row), 60 days; 300.
-- default all:  5 deals, days 30 9.5 10 60 (t4 left out): median 20,
--               mean 27.375; 660.
-- east cto/all: t6, 29 days; no JPY rate, no amount.
-- all-teams cfo = default cfo; cto: t4 t6, days 29; 200; NULL = t5.
-- all-teams all: 6 deals, days 9.5 10 29 30 60: median 29, mean 27.7; 660.
SELECT period_start, period_end, team_id, all_teams, persona, all_personas,
       won_deals, known_creation_deals, median_days_to_close,
       mean_days_to_close, base_currency, won_amount, deals_without_amount,
       deals_not_converted, note
FROM alignment.time_to_close
ORDER BY period_start, all_teams, team_id, all_personas, persona;

TRUNCATE alignment.deal, alignment.fx_rate CASCADE;
DELETE FROM alignment.team WHERE team_id <> 'default';
