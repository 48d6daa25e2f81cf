-- src/sql/20_schema.sql: the data model that the metrics read.

-- Teams. A data set without teams loads into the team 'default'.
CREATE TABLE alignment.team (
    team_id     text PRIMARY KEY
                CONSTRAINT team_id_not_blank CHECK (btrim(team_id) <> ''),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
INSERT INTO alignment.team (team_id, name) VALUES ('default', 'Default team');

-- Accounts (companies). Firmographics live in attributes.
CREATE TABLE alignment.account (
    account_id  text PRIMARY KEY
                CONSTRAINT account_id_not_blank CHECK (btrim(account_id) <> ''),
    name        text,
    attributes  jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT account_attributes_is_object
                CHECK (pg_catalog.jsonb_typeof(attributes) = 'object')
);

-- Lifecycle stage definitions. Order is data: position orders the funnel.
-- role marks the stages the metrics need to find:
--   handoff      the stage at which marketing hands a lead to sales (mql)
--   acceptance   the stage at which sales accepts it (sql); it and every
--                stage after it count as a conversion
--   disqualified, recycled   sales dispositions outside the funnel order
CREATE TABLE alignment.stage (
    stage       text PRIMARY KEY
                CONSTRAINT stage_not_blank CHECK (btrim(stage) <> ''),
    position    integer UNIQUE,
    side        text NOT NULL
                CONSTRAINT stage_side_valid
                CHECK (side IN ('marketing', 'sales')),
    role        text
                CONSTRAINT stage_role_valid
                CHECK (role IN ('handoff', 'acceptance',
                                'disqualified', 'recycled')),
    -- entry criteria (read by the gate compliance component and metric 3)
    min_fit_score   numeric
                CONSTRAINT stage_min_fit_score_range
                CHECK (min_fit_score BETWEEN 0 AND 100),
    required_attributes text[] NOT NULL DEFAULT '{}',
    gate_mode   text NOT NULL DEFAULT 'off'
                CONSTRAINT stage_gate_mode_valid
                CHECK (gate_mode IN ('off', 'warn', 'enforce')),
    CONSTRAINT stage_funnel_has_position
        CHECK (role IN ('disqualified', 'recycled') OR position IS NOT NULL)
);
CREATE UNIQUE INDEX stage_one_handoff ON alignment.stage (role)
    WHERE role IN ('handoff', 'acceptance');

-- HubSpot's default lifecycle order, plus the two sales dispositions.
INSERT INTO alignment.stage (stage, position, side, role) VALUES
    ('subscriber',   1, 'marketing', NULL),
    ('lead',         2, 'marketing', NULL),
    ('mql',          3, 'marketing', 'handoff'),
    ('sql',          4, 'sales',     'acceptance'),
    ('opportunity',  5, 'sales',     NULL),
    ('customer',     6, 'sales',     NULL),
    ('disqualified', NULL, 'sales',  'disqualified'),
    ('recycled',     NULL, 'sales',  'recycled');

-- Leads. persona is the persona marketing tagged the lead with.
CREATE TABLE alignment.lead (
    lead_id     text PRIMARY KEY
                CONSTRAINT lead_id_not_blank CHECK (btrim(lead_id) <> ''),
    team_id     text NOT NULL DEFAULT 'default'
                REFERENCES alignment.team ON UPDATE CASCADE,
    account_id  text REFERENCES alignment.account ON UPDATE CASCADE,
    persona     text,
    channel     text,
    attributes  jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT lead_attributes_is_object
                CHECK (pg_catalog.jsonb_typeof(attributes) = 'object'),
    created_at  timestamptz NOT NULL
);
CREATE INDEX lead_account_idx ON alignment.lead (account_id);

-- ICP versions. A version is agreed once both teams approved it; the one in
-- force at time t is the latest agreed version whose effective_from <= t.
CREATE TABLE alignment.icp_version (
    icp_version_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    definition      jsonb NOT NULL
                    CONSTRAINT icp_definition_valid
                    CHECK (alignment.icp_validate(definition)),
    fit_threshold   numeric NOT NULL DEFAULT 60
                    CONSTRAINT icp_fit_threshold_range
                    CHECK (fit_threshold BETWEEN 0 AND 100),
    marketing_approved_at timestamptz,
    sales_approved_at     timestamptz,
    effective_from  timestamptz NOT NULL,
    note            text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- Lifecycle stage events: lead entered stage at entered_at. For entries
-- into the handoff stage, fit_score and icp_version_id are frozen by a
-- trigger when the row is inserted.
CREATE TABLE alignment.stage_event (
    event_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id     text NOT NULL REFERENCES alignment.lead
                ON UPDATE CASCADE ON DELETE CASCADE,
    stage       text NOT NULL REFERENCES alignment.stage ON UPDATE CASCADE,
    entered_at  timestamptz NOT NULL,
    fit_score   double precision
                CONSTRAINT stage_event_fit_score_range
                CHECK (fit_score BETWEEN 0 AND 100),
    icp_version_id integer REFERENCES alignment.icp_version,
    gate_passed boolean,
    CONSTRAINT stage_event_unique UNIQUE (lead_id, stage, entered_at)
);
CREATE INDEX stage_event_stage_idx ON alignment.stage_event (stage, entered_at);

-- Sales and marketing activities (calls, emails, meetings ...).
CREATE TABLE alignment.activity (
    activity_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id     text NOT NULL REFERENCES alignment.lead
                ON UPDATE CASCADE ON DELETE CASCADE,
    side        text NOT NULL
                CONSTRAINT activity_side_valid
                CHECK (side IN ('marketing', 'sales')),
    kind        text,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX activity_lead_idx ON alignment.activity (lead_id, occurred_at);

-- Marketing touches. A touch counts for attribution when it names a
-- campaign or a channel.
CREATE TABLE alignment.touch (
    touch_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id     text NOT NULL REFERENCES alignment.lead
                ON UPDATE CASCADE ON DELETE CASCADE,
    campaign    text,
    channel     text,
    touched_at  timestamptz NOT NULL
);
CREATE INDEX touch_lead_idx ON alignment.touch (lead_id, touched_at);

-- Deals. persona is the persona sales tagged the buyer with.
CREATE TABLE alignment.deal (
    deal_id     text PRIMARY KEY
                CONSTRAINT deal_id_not_blank CHECK (btrim(deal_id) <> ''),
    lead_id     text REFERENCES alignment.lead
                ON UPDATE CASCADE ON DELETE SET NULL,
    account_id  text REFERENCES alignment.account ON UPDATE CASCADE,
    team_id     text NOT NULL DEFAULT 'default'
                REFERENCES alignment.team ON UPDATE CASCADE,
    persona     text,
    amount      numeric
                CONSTRAINT deal_amount_not_negative CHECK (amount >= 0),
    currency    text
                CONSTRAINT deal_currency_iso CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz,
    closed_at   timestamptz,
    status      text NOT NULL
                CONSTRAINT deal_status_valid
                CHECK (status IN ('open', 'won', 'lost')),
    CONSTRAINT deal_amount_has_currency
        CHECK (amount IS NULL OR currency IS NOT NULL),
    CONSTRAINT deal_closed_has_close_time
        CHECK ((status = 'open') = (closed_at IS NULL)),
    CONSTRAINT deal_closes_after_creation
        CHECK (closed_at >= created_at)
);
CREATE INDEX deal_lead_idx ON alignment.deal (lead_id);
CREATE INDEX deal_account_idx ON alignment.deal (account_id);
CREATE INDEX deal_closed_idx ON alignment.deal (status, closed_at);

-- Exchange rates: one unit of currency is worth rate units of the base
-- currency (setting alignment.base_currency) on rate_date.
CREATE TABLE alignment.fx_rate (
    currency    text NOT NULL
                CONSTRAINT fx_currency_iso CHECK (currency ~ '^[A-Z]{3}$'),
    rate_date   date NOT NULL,
    rate        numeric NOT NULL CONSTRAINT fx_rate_positive CHECK (rate > 0),
    PRIMARY KEY (currency, rate_date)
);

-- Service level agreement for the handoff: sales follows up an mql entry
-- within follow_up_hours. A team without a row has no SLA.
CREATE TABLE alignment.sla (
    team_id     text PRIMARY KEY REFERENCES alignment.team
                ON UPDATE CASCADE ON DELETE CASCADE,
    follow_up_hours numeric NOT NULL
                CONSTRAINT sla_hours_positive CHECK (follow_up_hours > 0)
);

-- pg_dump keeps the rows of these tables (they hold the user's data).
SELECT pg_catalog.pg_extension_config_dump('alignment.team',
    $$WHERE team_id <> 'default'$$);
SELECT pg_catalog.pg_extension_config_dump('alignment.account', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.stage',
    $$WHERE stage NOT IN ('subscriber', 'lead', 'mql', 'sql', 'opportunity',
                        'customer', 'disqualified', 'recycled')$$);
SELECT pg_catalog.pg_extension_config_dump('alignment.lead', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.icp_version', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.stage_event', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.activity', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.touch', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.deal', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.fx_rate', '');
SELECT pg_catalog.pg_extension_config_dump('alignment.sla', '');
