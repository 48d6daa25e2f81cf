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

-- Descriptions (BI tools such as Metabase show them to analysts).
COMMENT ON TABLE alignment.team IS
'Teams whose sales and marketing alignment is measured. Data sets without teams load into the team ''default''.';
COMMENT ON COLUMN alignment.team.team_id IS 'Team key, as the CRM names it.';
COMMENT ON COLUMN alignment.team.name IS 'Display name of the team.';
COMMENT ON COLUMN alignment.team.created_at IS 'When the row was added.';

COMMENT ON TABLE alignment.account IS
'Customer accounts (companies); firmographics such as sector, revenue or employees live in attributes.';
COMMENT ON COLUMN alignment.account.account_id IS 'Account key, as the CRM names it.';
COMMENT ON COLUMN alignment.account.name IS 'Display name of the account.';
COMMENT ON COLUMN alignment.account.attributes IS 'Firmographic attributes of the account, as a JSON object.';

COMMENT ON TABLE alignment.stage IS
'Lifecycle stage definitions: funnel order (position), owning side, the role a stage plays in the metrics, and its entry criteria. Preloaded with HubSpot''s default order.';
COMMENT ON COLUMN alignment.stage.stage IS 'Stage name, as stage events use it.';
COMMENT ON COLUMN alignment.stage.position IS 'Place in the funnel order (1 = earliest); NULL for the sales dispositions outside the funnel.';
COMMENT ON COLUMN alignment.stage.side IS 'Team that owns the stage: marketing or sales.';
COMMENT ON COLUMN alignment.stage.role IS 'handoff (the MQL stage), acceptance (the SQL stage: it and every later stage count as a conversion), disqualified or recycled (sales dispositions); NULL for other stages.';
COMMENT ON COLUMN alignment.stage.min_fit_score IS 'Entry criterion: minimum ICP fit score (0 to 100) under the ICP in force; NULL when the stage documents none.';
COMMENT ON COLUMN alignment.stage.required_attributes IS 'Entry criterion: lead attributes that must be present (not missing, not null).';
COMMENT ON COLUMN alignment.stage.gate_mode IS 'What a failed entry criterion does: off (recorded), warn (kept and flagged) or enforce (the stage event is refused).';

COMMENT ON TABLE alignment.lead IS
'Leads (contacts or companies marketing generated), with the persona marketing tagged and their attributes for ICP scoring.';
COMMENT ON COLUMN alignment.lead.lead_id IS 'Lead key, as the CRM names it.';
COMMENT ON COLUMN alignment.lead.team_id IS 'Team the lead belongs to.';
COMMENT ON COLUMN alignment.lead.account_id IS 'Account of the lead, when known.';
COMMENT ON COLUMN alignment.lead.persona IS 'Persona as marketing tagged the lead; NULL when not tagged.';
COMMENT ON COLUMN alignment.lead.channel IS 'Acquisition channel of the lead.';
COMMENT ON COLUMN alignment.lead.attributes IS 'Firmographic and behavioural attributes, as a JSON object scored against the ICP.';
COMMENT ON COLUMN alignment.lead.created_at IS 'When the lead was created.';

COMMENT ON TABLE alignment.icp_version IS
'Versions of the ideal customer profile. A version is agreed once marketing and sales both approved it; the one in force at a time is the latest agreed version effective by then.';
COMMENT ON COLUMN alignment.icp_version.icp_version_id IS 'Version number.';
COMMENT ON COLUMN alignment.icp_version.definition IS 'ICP definition (criteria, weights, disqualifiers), checked by alignment.icp_validate.';
COMMENT ON COLUMN alignment.icp_version.fit_threshold IS 'Fit score (0 to 100) at or above which a lead fits this ICP; used by the ICP fit share of the matrix.';
COMMENT ON COLUMN alignment.icp_version.marketing_approved_at IS 'When marketing signed the version off; NULL until then.';
COMMENT ON COLUMN alignment.icp_version.sales_approved_at IS 'When sales signed the version off; NULL until then.';
COMMENT ON COLUMN alignment.icp_version.effective_from IS 'From when the version applies, once agreed.';
COMMENT ON COLUMN alignment.icp_version.note IS 'Free-text note, e.g. what changed.';
COMMENT ON COLUMN alignment.icp_version.created_at IS 'When the version was proposed.';

COMMENT ON TABLE alignment.stage_event IS
'Lifecycle stage entries: a lead entered a stage at a time. Entries into the handoff stage carry the ICP fit score frozen when the row was inserted.';
COMMENT ON COLUMN alignment.stage_event.event_id IS 'Event key.';
COMMENT ON COLUMN alignment.stage_event.lead_id IS 'Lead that entered the stage.';
COMMENT ON COLUMN alignment.stage_event.stage IS 'Stage entered.';
COMMENT ON COLUMN alignment.stage_event.entered_at IS 'When the lead entered the stage.';
COMMENT ON COLUMN alignment.stage_event.fit_score IS 'ICP fit score (0 to 100) at the handoff, frozen at insert; NULL when no ICP was in force or for other stages.';
COMMENT ON COLUMN alignment.stage_event.icp_version_id IS 'ICP version the frozen score used.';
COMMENT ON COLUMN alignment.stage_event.gate_passed IS 'Whether the entry met the stage''s entry criteria; NULL when the stage documents none.';

COMMENT ON TABLE alignment.activity IS
'Sales and marketing activities on leads (calls, emails, meetings); the first sales activity after a handoff is its follow-up.';
COMMENT ON COLUMN alignment.activity.activity_id IS 'Activity key.';
COMMENT ON COLUMN alignment.activity.lead_id IS 'Lead the activity was about.';
COMMENT ON COLUMN alignment.activity.side IS 'Who acted: marketing or sales.';
COMMENT ON COLUMN alignment.activity.kind IS 'Kind of activity (call, email, meeting ...).';
COMMENT ON COLUMN alignment.activity.occurred_at IS 'When it happened.';

COMMENT ON TABLE alignment.touch IS
'Marketing touches on leads; a touch naming a campaign or a channel can attribute a won deal to marketing.';
COMMENT ON COLUMN alignment.touch.touch_id IS 'Touch key.';
COMMENT ON COLUMN alignment.touch.lead_id IS 'Lead touched.';
COMMENT ON COLUMN alignment.touch.campaign IS 'Campaign (or landing page) of the touch.';
COMMENT ON COLUMN alignment.touch.channel IS 'Channel of the touch (organic search, paid search, email ...).';
COMMENT ON COLUMN alignment.touch.touched_at IS 'When the touch happened.';

COMMENT ON TABLE alignment.deal IS
'Deals (opportunities), with the persona sales tagged the buyer with, the amount and currency, and the outcome.';
COMMENT ON COLUMN alignment.deal.deal_id IS 'Deal key, as the CRM names it.';
COMMENT ON COLUMN alignment.deal.lead_id IS 'Lead the deal came from, when linked.';
COMMENT ON COLUMN alignment.deal.account_id IS 'Account the deal is with, when known.';
COMMENT ON COLUMN alignment.deal.team_id IS 'Team that owns the deal.';
COMMENT ON COLUMN alignment.deal.persona IS 'Persona as sales tagged the buyer; NULL when not tagged.';
COMMENT ON COLUMN alignment.deal.amount IS 'Deal amount in currency; NULL when the CRM has none.';
COMMENT ON COLUMN alignment.deal.currency IS 'ISO 4217 code of the amount.';
COMMENT ON COLUMN alignment.deal.created_at IS 'When the deal was created; NULL when the CRM does not say.';
COMMENT ON COLUMN alignment.deal.closed_at IS 'When the deal was won or lost; NULL while open.';
COMMENT ON COLUMN alignment.deal.status IS 'open, won or lost.';

COMMENT ON TABLE alignment.fx_rate IS
'Exchange rates: one unit of currency is worth rate units of the base currency (alignment.base_currency) on rate_date.';
COMMENT ON COLUMN alignment.fx_rate.currency IS 'ISO 4217 code converted from.';
COMMENT ON COLUMN alignment.fx_rate.rate_date IS 'Date the rate applies from.';
COMMENT ON COLUMN alignment.fx_rate.rate IS 'Units of the base currency for one unit of currency.';

COMMENT ON TABLE alignment.sla IS
'Service level agreement of a team for the handoff: sales follows up each MQL within follow_up_hours. A team without a row has no SLA.';
COMMENT ON COLUMN alignment.sla.team_id IS 'Team the SLA binds.';
COMMENT ON COLUMN alignment.sla.follow_up_hours IS 'Hours sales has to follow up an MQL entry.';
