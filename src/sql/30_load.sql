-- src/sql/30_load.sql: ICP in force, frozen handoff scores and stage gates,
-- and the loaders of the two real data sets.
--
-- Handoff freezing. A BEFORE INSERT trigger on stage_event (it fires for
-- COPY too) scores every entry into the handoff stage against the ICP in
-- force at entered_at and stores the score and the ICP version on the
-- event; it also judges the entry criteria of any stage that documents some
-- (min_fit_score, required_attributes). A BEFORE UPDATE trigger keeps those
-- values frozen: later ICP versions or attribute changes never rewrite
-- them. rescore_handoffs() is the one explicit way to recompute a range.
--
-- Loaders. load/olist.psql and load/maven.psql copy the CSV files as they
-- are into the *_raw tables (every column text), then call load_olist() or
-- load_maven(). Those first look for problems in the raw rows (the
-- *_load_problems views list them all; the load stops at the first with an
-- error naming the value, the file and the column), then map the rows into
-- the model. Loading is an upsert: rows are matched on the identifiers of
-- the source, a reload of the same files changes nothing, and a reload adds
-- and updates rows and attribute keys but never removes any.

-- CSV values ---------------------------------------------------------------

-- Not parallel safe: its exception block starts a subtransaction.
CREATE FUNCTION alignment.csv_time(value text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, alignment
AS $$
BEGIN
    IF value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?$'
    THEN
        RETURN NULL;
    END IF;
    -- A date or time without a zone is local time in the business time
    -- zone: a date-only value is midnight there, never shifted.
    RETURN value::timestamp
        AT TIME ZONE alignment.setting('business_timezone');
EXCEPTION
    WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RETURN NULL;
END;
$$;
COMMENT ON FUNCTION alignment.csv_time(text) IS
'A CSV date (YYYY-MM-DD) or date and time (YYYY-MM-DD HH:MM:SS) read as local time in alignment.business_timezone, so a date is midnight of that day there; NULL when the value is empty or is not such a date.';

CREATE FUNCTION alignment.csv_number(value text)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, alignment
AS $$
    SELECT CASE
        WHEN value ~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$'
        THEN value::numeric
    END
$$;
COMMENT ON FUNCTION alignment.csv_number(text) IS
'A CSV number (digits, optional sign, decimal point and exponent) as numeric; NULL when the value is empty or is not a number.';

CREATE FUNCTION alignment.csv_boolean(value text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, alignment
AS $$
    SELECT CASE lower(value)
        WHEN 'true' THEN true
        WHEN 'false' THEN false
    END
$$;
COMMENT ON FUNCTION alignment.csv_boolean(text) IS
'A CSV boolean written True or False (any case) as boolean; NULL when the value is empty or is neither.';

-- ICP in force and stage entry criteria -------------------------------------

CREATE FUNCTION alignment.icp_in_force(at timestamptz)
RETURNS alignment.icp_version
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, alignment
AS $$
    SELECT v.*
    FROM alignment.icp_version v
    WHERE v.marketing_approved_at <= at
      AND v.sales_approved_at <= at
      AND v.effective_from <= at
    ORDER BY v.effective_from DESC, v.icp_version_id DESC
    LIMIT 1
$$;
COMMENT ON FUNCTION alignment.icp_in_force(timestamptz) IS
'The ICP version in force at a time: among the versions that both marketing and sales had approved by then and whose effective_from has passed, the one with the latest effective_from (the latest created on a tie); NULL when there is none. A version approved later does not apply retroactively.';

CREATE FUNCTION alignment.evaluate_stage_entry(
    entry_stage alignment.stage,
    attributes jsonb,
    entered_at timestamptz,
    OUT fit_score double precision,
    OUT icp_version_id integer,
    OUT gate_passed boolean,
    OUT unmet text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    icp alignment.icp_version;
    score double precision;
    missing text[];
    problems text[] := '{}';
BEGIN
    -- Unknown lead or stage: nothing to judge (the foreign keys refuse it).
    IF attributes IS NULL OR entry_stage.stage IS NULL THEN
        RETURN;
    END IF;

    IF entry_stage.role = 'handoff'
        OR entry_stage.min_fit_score IS NOT NULL THEN
        icp := alignment.icp_in_force(entered_at);
        score := alignment.icp_score(icp.definition, attributes);
    END IF;
    -- Only the handoff keeps its score: metric 3 reads it there.
    IF entry_stage.role = 'handoff' THEN
        fit_score := score;
        icp_version_id := icp.icp_version_id;
    END IF;

    IF entry_stage.min_fit_score IS NOT NULL THEN
        IF icp.icp_version_id IS NULL THEN
            problems := problems || format(
                'no ICP in force to compare with the minimum fit score %s',
                entry_stage.min_fit_score);
        ELSIF score IS NULL THEN
            problems := problems || format(
                'no fit score (no ICP criterion applies) for the minimum %s',
                entry_stage.min_fit_score);
        ELSIF score < entry_stage.min_fit_score THEN
            problems := problems || format(
                'fit score %s below the minimum %s',
                trim_scale(round(score::numeric, 2)),
                entry_stage.min_fit_score);
        END IF;
    END IF;

    SELECT array_agg(r.name ORDER BY r.ord) INTO missing
    FROM unnest(entry_stage.required_attributes)
        WITH ORDINALITY AS r(name, ord)
    WHERE coalesce(jsonb_typeof(attributes -> r.name), 'null') = 'null';
    IF missing IS NOT NULL THEN
        problems := problems || format('missing required attribute%s %s',
            CASE WHEN cardinality(missing) > 1 THEN 's' ELSE '' END,
            array_to_string(missing, ', '));
    END IF;

    IF entry_stage.min_fit_score IS NOT NULL
        OR cardinality(entry_stage.required_attributes) > 0 THEN
        gate_passed := cardinality(problems) = 0;
        unmet := nullif(array_to_string(problems, '; '), '');
    END IF;
END;
$$;
COMMENT ON FUNCTION alignment.evaluate_stage_entry(alignment.stage, jsonb,
    timestamptz) IS
'How an entry into a stage, by a lead with these attributes at entered_at, fares: for the handoff stage, fit_score and icp_version_id against the ICP in force then (both NULL when none is; NULL for other stages); gate_passed, whether the entry meets the stage''s min_fit_score (scored against the ICP in force then, whatever the stage) and required_attributes (NULL when the stage documents neither); and unmet, the criteria not met in words.';

-- Freezing triggers --------------------------------------------------------

CREATE FUNCTION alignment.stage_event_freeze()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    entry_stage alignment.stage;
    verdict record;
    message text;
BEGIN
    SELECT s.* INTO entry_stage
    FROM alignment.stage s
    WHERE s.stage = NEW.stage;
    verdict := alignment.evaluate_stage_entry(entry_stage,
        (SELECT l.attributes FROM alignment.lead l
         WHERE l.lead_id = NEW.lead_id),
        NEW.entered_at);

    -- The computed values replace any supplied: scores are not input.
    NEW.fit_score := verdict.fit_score;
    NEW.icp_version_id := verdict.icp_version_id;
    NEW.gate_passed := verdict.gate_passed;

    IF NOT verdict.gate_passed AND entry_stage.gate_mode <> 'off' THEN
        message := format(
            'lead "%s" does not meet the entry criteria of stage "%s": %s',
            NEW.lead_id, NEW.stage, verdict.unmet);
        IF entry_stage.gate_mode = 'enforce' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'check_violation',
                MESSAGE = message,
                DETAIL = format('Stage "%s" has gate mode enforce, so entries that fail its criteria are refused.', NEW.stage),
                HINT = 'Complete the lead''s attributes, or set the stage''s gate_mode to warn to record such entries with gate_passed false.';
        END IF;
        RAISE WARNING USING
            MESSAGE = message,
            DETAIL = format('Stage "%s" has gate mode warn: the entry is kept with gate_passed false.', NEW.stage);
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION alignment.stage_event_freeze() IS
'Trigger function: freezes the fit score, ICP version and gate result of a new stage event (see evaluate_stage_entry) and applies the stage''s gate_mode: off records, warn records and warns, enforce refuses an entry that fails the criteria.';

CREATE TRIGGER stage_event_freeze
    BEFORE INSERT ON alignment.stage_event
    FOR EACH ROW EXECUTE FUNCTION alignment.stage_event_freeze();
COMMENT ON TRIGGER stage_event_freeze ON alignment.stage_event IS
'Scores handoffs against the ICP in force and judges stage entry criteria when an event is inserted (COPY included).';

CREATE FUNCTION alignment.stage_event_keep_frozen()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
BEGIN
    IF current_setting('alignment_rescore.active', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        ERRCODE = 'restrict_violation',
        MESSAGE = format('cannot change the frozen fit score, ICP version or gate result of the stage event of lead "%s" entering stage "%s" at %s',
            OLD.lead_id, OLD.stage, OLD.entered_at),
        DETAIL = 'They are fixed when the event is inserted, so later ICP versions and attribute changes do not rewrite history.',
        HINT = 'To recompute a time range on purpose, call alignment.rescore_handoffs(from_time, to_time).';
END;
$$;
COMMENT ON FUNCTION alignment.stage_event_keep_frozen() IS
'Trigger function: refuses an update of fit_score, icp_version_id or gate_passed of a stage event, except from alignment.rescore_handoffs.';

CREATE TRIGGER stage_event_keep_frozen
    BEFORE UPDATE OF fit_score, icp_version_id, gate_passed
    ON alignment.stage_event
    FOR EACH ROW
    WHEN ((OLD.fit_score, OLD.icp_version_id, OLD.gate_passed)
          IS DISTINCT FROM
          (NEW.fit_score, NEW.icp_version_id, NEW.gate_passed))
    EXECUTE FUNCTION alignment.stage_event_keep_frozen();
COMMENT ON TRIGGER stage_event_keep_frozen ON alignment.stage_event IS
'Keeps frozen fit scores, ICP versions and gate results from drifting.';

CREATE FUNCTION alignment.rescore_handoffs(from_time timestamptz,
    to_time timestamptz)
RETURNS bigint
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, alignment
SET alignment_rescore.active = 'on'
AS $$
DECLARE
    changed bigint;
BEGIN
    IF from_time > to_time THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('rescoring range starts at %s, after its end %s',
                from_time, to_time),
            HINT = 'Pass the start of the range first.';
    END IF;

    UPDATE alignment.stage_event e
    SET fit_score = n.fit_score,
        icp_version_id = n.icp_version_id,
        gate_passed = n.gate_passed
    FROM (
        SELECT o.event_id, v.fit_score, v.icp_version_id, v.gate_passed
        FROM alignment.stage_event o
        JOIN alignment.stage s ON s.stage = o.stage
        JOIN alignment.lead l ON l.lead_id = o.lead_id
        CROSS JOIN LATERAL alignment.evaluate_stage_entry(s, l.attributes,
            o.entered_at) v
        WHERE o.entered_at >= from_time AND o.entered_at < to_time
    ) n
    WHERE e.event_id = n.event_id
      AND (e.fit_score, e.icp_version_id, e.gate_passed)
          IS DISTINCT FROM (n.fit_score, n.icp_version_id, n.gate_passed);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$;
COMMENT ON FUNCTION alignment.rescore_handoffs(timestamptz, timestamptz) IS
'Recomputes on purpose the frozen fit score, ICP version and gate result of the stage events entered in [from_time, to_time), from the ICP versions, stage criteria and lead attributes as they are now, without refusing or warning on failed gates; returns how many events changed.';

-- Raw staging tables: the CSV columns as text --------------------------------

CREATE TABLE alignment.olist_mql_raw (
    mql_id              text,
    first_contact_date  text,
    landing_page_id     text,
    origin              text
);
COMMENT ON TABLE alignment.olist_mql_raw IS
'marketing_qualified_leads.csv of the Olist marketing funnel, copied as it is (load/olist.psql); alignment.load_olist() maps it into the model.';

CREATE TABLE alignment.olist_closed_deal_raw (
    mql_id                          text,
    seller_id                       text,
    sdr_id                          text,
    sr_id                           text,
    won_date                        text,
    business_segment                text,
    lead_type                       text,
    lead_behaviour_profile          text,
    has_company                     text,
    has_gtin                        text,
    average_stock                   text,
    business_type                   text,
    declared_product_catalog_size   text,
    declared_monthly_revenue        text
);
COMMENT ON TABLE alignment.olist_closed_deal_raw IS
'closed_deals.csv of the Olist marketing funnel, copied as it is (load/olist.psql); alignment.load_olist() maps it into the model.';

CREATE TABLE alignment.maven_account_raw (
    account             text,
    sector              text,
    year_established    text,
    revenue             text,
    employees           text,
    office_location     text,
    subsidiary_of       text
);
COMMENT ON TABLE alignment.maven_account_raw IS
'accounts.csv of the Maven CRM sales opportunities, copied as it is (load/maven.psql); alignment.load_maven() maps it into the model.';

CREATE TABLE alignment.maven_sales_team_raw (
    sales_agent         text,
    manager             text,
    regional_office     text
);
COMMENT ON TABLE alignment.maven_sales_team_raw IS
'sales_teams.csv of the Maven CRM sales opportunities, copied as it is (load/maven.psql); alignment.load_maven() maps it into the model.';

CREATE TABLE alignment.maven_pipeline_raw (
    opportunity_id      text,
    sales_agent         text,
    product             text,
    account             text,
    deal_stage          text,
    engage_date         text,
    close_date          text,
    close_value         text
);
COMMENT ON TABLE alignment.maven_pipeline_raw IS
'sales_pipeline.csv of the Maven CRM sales opportunities, copied as it is (load/maven.psql); alignment.load_maven() maps it into the model. The model has no product, so product stays here only (with the source''s "GTXPro", which products.csv spells "GTX Pro").';

-- Problems in the raw rows -------------------------------------------------

CREATE VIEW alignment.olist_load_problems AS
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
) AS p (rule, sqlstate, message, detail);
COMMENT ON VIEW alignment.olist_load_problems IS
'Every problem that stops alignment.load_olist() in the rows of olist_mql_raw and olist_closed_deal_raw; the load reports the first (lowest rule, then message).';
COMMENT ON COLUMN alignment.olist_load_problems.rule IS
'Number of the check that found the problem, in the order the checks run.';
COMMENT ON COLUMN alignment.olist_load_problems.sqlstate IS
'SQLSTATE of the error the load raises for it.';
COMMENT ON COLUMN alignment.olist_load_problems.message IS
'The problem, naming the value, the column and the file.';
COMMENT ON COLUMN alignment.olist_load_problems.detail IS
'Where the problem is and what the load expects.';

CREATE VIEW alignment.maven_load_problems AS
SELECT p.rule, p.sqlstate, p.message, p.detail
FROM (
    SELECT 1, '23502', 'missing account in accounts.csv',
        format('A row with sector "%s" has no account name.', a.sector)
    FROM alignment.maven_account_raw a
    WHERE nullif(btrim(a.account), '') IS NULL
    UNION ALL
    SELECT 2, '23505',
        format('duplicate account "%s" in accounts.csv', a.account),
        format('It is on %s rows; each account appears once.', count(*))
    FROM alignment.maven_account_raw a
    GROUP BY a.account
    HAVING count(*) > 1
    UNION ALL
    SELECT 3, '22P02',
        format('invalid number "%s" in column %s of accounts.csv',
            f.value, f.field),
        format('The row has account "%s".', a.account)
    FROM alignment.maven_account_raw a
    CROSS JOIN LATERAL (VALUES ('year_established', a.year_established),
                               ('revenue', a.revenue),
                               ('employees', a.employees)) f(field, value)
    WHERE f.value <> '' AND alignment.csv_number(f.value) IS NULL
    UNION ALL
    SELECT 4, '23502', 'missing sales_agent in sales_teams.csv',
        format('A row with manager "%s" has no sales_agent.', t.manager)
    FROM alignment.maven_sales_team_raw t
    WHERE nullif(btrim(t.sales_agent), '') IS NULL
    UNION ALL
    SELECT 5, '23505',
        format('duplicate sales_agent "%s" in sales_teams.csv', t.sales_agent),
        format('It is on %s rows; each agent belongs to one regional office.',
            count(*))
    FROM alignment.maven_sales_team_raw t
    GROUP BY t.sales_agent
    HAVING count(*) > 1
    UNION ALL
    SELECT 6, '23502',
        format('missing regional_office for sales_agent "%s" in sales_teams.csv',
            t.sales_agent),
        'The regional office is the team of the agent''s deals.'
    FROM alignment.maven_sales_team_raw t
    WHERE nullif(btrim(t.regional_office), '') IS NULL
    UNION ALL
    SELECT 7, '23502', 'missing opportunity_id in sales_pipeline.csv',
        format('A row with sales_agent "%s" has no opportunity_id.',
            p.sales_agent)
    FROM alignment.maven_pipeline_raw p
    WHERE nullif(btrim(p.opportunity_id), '') IS NULL
    UNION ALL
    SELECT 8, '23505',
        format('duplicate opportunity_id "%s" in sales_pipeline.csv',
            p.opportunity_id),
        format('It is on %s rows; each deal appears once.', count(*))
    FROM alignment.maven_pipeline_raw p
    GROUP BY p.opportunity_id
    HAVING count(*) > 1
    UNION ALL
    SELECT 9, '23503',
        format('unknown sales_agent "%s" in sales_pipeline.csv',
            p.sales_agent),
        format('The row has opportunity_id "%s"; no row of sales_teams.csv names this agent, so the deal has no team.',
            p.opportunity_id)
    FROM alignment.maven_pipeline_raw p
    WHERE NOT EXISTS (SELECT FROM alignment.maven_sales_team_raw t
                      WHERE t.sales_agent = p.sales_agent)
    UNION ALL
    SELECT 10, '23503',
        format('unknown account "%s" in sales_pipeline.csv', p.account),
        format('The row has opportunity_id "%s"; no row of accounts.csv names this account.',
            p.opportunity_id)
    FROM alignment.maven_pipeline_raw p
    WHERE p.account <> ''
      AND NOT EXISTS (SELECT FROM alignment.maven_account_raw a
                      WHERE a.account = p.account)
    UNION ALL
    SELECT 11, '22P02',
        format('invalid deal_stage "%s" in sales_pipeline.csv', p.deal_stage),
        format('The row has opportunity_id "%s"; deal stages are Prospecting, Engaging, Won and Lost.',
            p.opportunity_id)
    FROM alignment.maven_pipeline_raw p
    WHERE p.deal_stage IS DISTINCT FROM 'Prospecting'
      AND p.deal_stage IS DISTINCT FROM 'Engaging'
      AND p.deal_stage IS DISTINCT FROM 'Won'
      AND p.deal_stage IS DISTINCT FROM 'Lost'
    UNION ALL
    SELECT 12, '22007',
        format('invalid date "%s" in column %s of sales_pipeline.csv',
            f.value, f.field),
        format('The row has opportunity_id "%s"; dates are written YYYY-MM-DD.',
            p.opportunity_id)
    FROM alignment.maven_pipeline_raw p
    CROSS JOIN LATERAL (VALUES ('engage_date', p.engage_date),
                               ('close_date', p.close_date)) f(field, value)
    WHERE f.value <> '' AND alignment.csv_time(f.value) IS NULL
    UNION ALL
    SELECT 13, '22P02',
        format('invalid number "%s" in column close_value of sales_pipeline.csv',
            p.close_value),
        format('The row has opportunity_id "%s".', p.opportunity_id)
    FROM alignment.maven_pipeline_raw p
    WHERE p.close_value <> '' AND alignment.csv_number(p.close_value) IS NULL
    UNION ALL
    SELECT 14, '23514',
        format('negative close_value "%s" in sales_pipeline.csv',
            p.close_value),
        format('The row has opportunity_id "%s"; a deal amount cannot be negative.',
            p.opportunity_id)
    FROM alignment.maven_pipeline_raw p
    WHERE alignment.csv_number(p.close_value) < 0
    UNION ALL
    SELECT 15, '23502',
        format('missing close_date for %s opportunity_id "%s" in sales_pipeline.csv',
            p.deal_stage, p.opportunity_id),
        'A won or lost deal needs the date it closed.'
    FROM alignment.maven_pipeline_raw p
    WHERE p.deal_stage IN ('Won', 'Lost') AND nullif(p.close_date, '') IS NULL
    UNION ALL
    SELECT 16, '23514',
        format('close_date "%s" for %s opportunity_id "%s" in sales_pipeline.csv',
            p.close_date, p.deal_stage, p.opportunity_id),
        'Only Won and Lost deals have a close date.'
    FROM alignment.maven_pipeline_raw p
    WHERE p.deal_stage IN ('Prospecting', 'Engaging') AND p.close_date <> ''
    UNION ALL
    SELECT 17, '23514',
        format('close_date "%s" before engage_date "%s" for opportunity_id "%s" in sales_pipeline.csv',
            p.close_date, p.engage_date, p.opportunity_id),
        'A deal cannot close before it was created (engage_date).'
    FROM alignment.maven_pipeline_raw p
    WHERE alignment.csv_time(p.close_date) < alignment.csv_time(p.engage_date)
) AS p (rule, sqlstate, message, detail);
COMMENT ON VIEW alignment.maven_load_problems IS
'Every problem that stops alignment.load_maven() in the rows of maven_account_raw, maven_sales_team_raw and maven_pipeline_raw; the load reports the first (lowest rule, then message).';
COMMENT ON COLUMN alignment.maven_load_problems.rule IS
'Number of the check that found the problem, in the order the checks run.';
COMMENT ON COLUMN alignment.maven_load_problems.sqlstate IS
'SQLSTATE of the error the load raises for it.';
COMMENT ON COLUMN alignment.maven_load_problems.message IS
'The problem, naming the value, the column and the file.';
COMMENT ON COLUMN alignment.maven_load_problems.detail IS
'Where the problem is and what the load expects.';

-- Loading ------------------------------------------------------------------

-- Only pg_catalog on the search_path, so that the view named in the hint is
-- qualified.
CREATE FUNCTION alignment.check_load_problems(problems regclass)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog
AS $$
DECLARE
    problem record;
    found_rows bigint;
BEGIN
    EXECUTE format('SELECT count(*) OVER () AS problems, p.* FROM %s AS p '
                   'ORDER BY p.rule, p.message LIMIT 1', problems)
    INTO problem;
    GET DIAGNOSTICS found_rows = ROW_COUNT;
    IF found_rows > 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = problem.sqlstate,
            MESSAGE = problem.message,
            DETAIL = problem.detail,
            HINT = format('Problems found in the raw rows: %s. The view %s lists them while the rows are staged (scripts/load.sh prints them before this error).', problem.problems, problems);
    END IF;
END;
$$;
COMMENT ON FUNCTION alignment.check_load_problems(regclass) IS
'Used by the loaders before they write: raises the first problem (lowest rule, then message) that a load-problems view such as alignment.olist_load_problems lists, as an error with its SQLSTATE, message and detail and a hint giving how many problems there are; does nothing when the view is empty.';

CREATE FUNCTION alignment.upsert_deals(deals alignment.deal[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    changed bigint;
BEGIN
    MERGE INTO alignment.deal d
    USING unnest(deals) s ON d.deal_id = s.deal_id
    WHEN MATCHED AND (d.lead_id, d.account_id, d.team_id, d.persona,
                      d.amount, d.currency, d.created_at, d.closed_at,
                      d.status)
        IS DISTINCT FROM (s.lead_id, s.account_id, s.team_id, s.persona,
                          s.amount, s.currency, s.created_at, s.closed_at,
                          s.status) THEN
        UPDATE SET lead_id = s.lead_id, account_id = s.account_id,
            team_id = s.team_id, persona = s.persona, amount = s.amount,
            currency = s.currency, created_at = s.created_at,
            closed_at = s.closed_at, status = s.status
    WHEN NOT MATCHED THEN
        INSERT (deal_id, lead_id, account_id, team_id, persona, amount,
            currency, created_at, closed_at, status)
        VALUES (s.deal_id, s.lead_id, s.account_id, s.team_id, s.persona,
            s.amount, s.currency, s.created_at, s.closed_at, s.status);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$;
COMMENT ON FUNCTION alignment.upsert_deals(alignment.deal[]) IS
'Inserts the deals whose deal_id is new and updates those whose values differ; returns how many rows were inserted or updated (0 when the table already holds them all).';

CREATE FUNCTION alignment.load_olist(OUT target text, OUT changed bigint)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    handoff text;
BEGIN
    PERFORM alignment.check_load_problems('alignment.olist_load_problems');
    SELECT s.stage INTO handoff
    FROM alignment.stage s
    WHERE s.role = 'handoff';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'undefined_object',
            MESSAGE = 'no stage has the role handoff',
            DETAIL = 'Olist leads enter the handoff stage (the MQL stage) on their first contact date.';
    END IF;

    -- Leads: attributes known at the handoff (origin, landing page).
    -- channel is the origin, NULL when empty or "unknown".
    MERGE INTO alignment.lead l
    USING (
        SELECT m.mql_id AS lead_id,
            alignment.csv_time(m.first_contact_date) AS created_at,
            CASE WHEN m.origin <> 'unknown' THEN nullif(m.origin, '') END
                AS channel,
            jsonb_strip_nulls(jsonb_build_object(
                'origin', nullif(m.origin, ''),
                'landing_page_id', nullif(m.landing_page_id, '')))
                AS attributes
        FROM alignment.olist_mql_raw m
    ) s ON l.lead_id = s.lead_id
    WHEN MATCHED AND (l.team_id, l.channel, l.created_at,
                      l.attributes || s.attributes)
        IS DISTINCT FROM ('default', s.channel, s.created_at,
                          l.attributes) THEN
        UPDATE SET team_id = 'default', channel = s.channel,
            created_at = s.created_at,
            attributes = l.attributes || s.attributes
    WHEN NOT MATCHED THEN
        INSERT (lead_id, team_id, channel, attributes, created_at)
        VALUES (s.lead_id, 'default', s.channel, s.attributes, s.created_at);
    GET DIAGNOSTICS changed = ROW_COUNT;
    target := 'lead';
    RETURN NEXT;

    -- One touch per lead when it first contacted Olist.
    MERGE INTO alignment.touch t
    USING (
        SELECT l.lead_id, l.created_at, l.channel,
            nullif(m.landing_page_id, '') AS campaign
        FROM alignment.olist_mql_raw m
        JOIN alignment.lead l ON l.lead_id = m.mql_id
    ) s ON t.lead_id = s.lead_id AND t.touched_at = s.created_at
    WHEN MATCHED AND (t.campaign, t.channel)
        IS DISTINCT FROM (s.campaign, s.channel) THEN
        UPDATE SET campaign = s.campaign, channel = s.channel
    WHEN NOT MATCHED THEN
        INSERT (lead_id, campaign, channel, touched_at)
        VALUES (s.lead_id, s.campaign, s.channel, s.created_at);
    GET DIAGNOSTICS changed = ROW_COUNT;
    target := 'touch';
    RETURN NEXT;

    -- The handoff itself, scored by the trigger before the firmographics
    -- learnt at the win are added. Existing events are skipped before the
    -- insert, so that a reload neither rescores nor re-judges them.
    INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
    SELECT l.lead_id, handoff, l.created_at
    FROM alignment.olist_mql_raw m
    JOIN alignment.lead l ON l.lead_id = m.mql_id
    WHERE NOT EXISTS (SELECT FROM alignment.stage_event e
                      WHERE e.lead_id = l.lead_id AND e.stage = handoff
                        AND e.entered_at = l.created_at)
    ORDER BY l.created_at, l.lead_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    target := 'stage_event ' || handoff;
    RETURN NEXT;

    -- Firmographics of won leads, as closed_deals.csv declares them.
    UPDATE alignment.lead l
    SET attributes = l.attributes || f.attributes
    FROM (
        SELECT c.mql_id, jsonb_strip_nulls(jsonb_build_object(
            'business_segment', nullif(c.business_segment, ''),
            'lead_type', nullif(c.lead_type, ''),
            'business_type', nullif(c.business_type, ''),
            'has_company', alignment.csv_boolean(c.has_company),
            'has_gtin', alignment.csv_boolean(c.has_gtin),
            'average_stock', nullif(c.average_stock, ''),
            'declared_product_catalog_size',
                alignment.csv_number(c.declared_product_catalog_size),
            'declared_monthly_revenue',
                alignment.csv_number(c.declared_monthly_revenue)))
            AS attributes
        FROM alignment.olist_closed_deal_raw c
    ) f
    WHERE l.lead_id = f.mql_id AND NOT l.attributes @> f.attributes;
    GET DIAGNOSTICS changed = ROW_COUNT;
    target := 'lead firmographics';
    RETURN NEXT;

    -- Won deals: the export has no creation date and no amount.
    changed := alignment.upsert_deals(ARRAY(
        SELECT ROW(c.mql_id, c.mql_id, NULL, 'default',
                   nullif(c.lead_behaviour_profile, ''), NULL, NULL, NULL,
                   alignment.csv_time(c.won_date), 'won')::alignment.deal
        FROM alignment.olist_closed_deal_raw c));
    target := 'deal';
    RETURN NEXT;

    -- A won deal makes its lead a customer on the day it was won.
    INSERT INTO alignment.stage_event (lead_id, stage, entered_at)
    SELECT d.lead_id, 'customer', d.closed_at
    FROM alignment.olist_closed_deal_raw c
    JOIN alignment.deal d ON d.deal_id = c.mql_id
    WHERE NOT EXISTS (SELECT FROM alignment.stage_event e
                      WHERE e.lead_id = d.lead_id AND e.stage = 'customer'
                        AND e.entered_at = d.closed_at)
    ORDER BY d.closed_at, d.lead_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    target := 'stage_event customer';
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION alignment.load_olist() IS
'Maps olist_mql_raw and olist_closed_deal_raw into the model: a lead in team default per MQL (created at first_contact_date, midnight in the business time zone; channel = origin; attributes origin and landing_page_id), its touch and handoff stage event, then for each closed deal the lead''s firmographics, a won deal (persona = lead_behaviour_profile, no creation date, no amount) and a customer stage event at won_date. Stops at the first problem of olist_load_problems. Returns the rows inserted or updated per target; a reload of the same rows changes nothing.';

CREATE FUNCTION alignment.load_maven(OUT target text, OUT changed bigint)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, alignment
AS $$
BEGIN
    PERFORM alignment.check_load_problems('alignment.maven_load_problems');

    -- Teams are the regional offices.
    MERGE INTO alignment.team t
    USING (SELECT DISTINCT r.regional_office
           FROM alignment.maven_sales_team_raw r) s
    ON t.team_id = s.regional_office
    WHEN NOT MATCHED THEN
        INSERT (team_id, name) VALUES (s.regional_office, s.regional_office);
    GET DIAGNOSTICS changed = ROW_COUNT;
    target := 'team';
    RETURN NEXT;

    -- Accounts with their firmographics, sector spelt as in the source.
    MERGE INTO alignment.account a
    USING (
        SELECT r.account, jsonb_strip_nulls(jsonb_build_object(
            'sector', nullif(r.sector, ''),
            'year_established', alignment.csv_number(r.year_established),
            'revenue', alignment.csv_number(r.revenue),
            'employees', alignment.csv_number(r.employees),
            'office_location', nullif(r.office_location, ''),
            'subsidiary_of', nullif(r.subsidiary_of, ''))) AS attributes
        FROM alignment.maven_account_raw r
    ) s ON a.account_id = s.account
    WHEN MATCHED AND (a.name, a.attributes || s.attributes)
        IS DISTINCT FROM (s.account, a.attributes) THEN
        UPDATE SET name = s.account, attributes = a.attributes || s.attributes
    WHEN NOT MATCHED THEN
        INSERT (account_id, name, attributes)
        VALUES (s.account, s.account, s.attributes);
    GET DIAGNOSTICS changed = ROW_COUNT;
    target := 'account';
    RETURN NEXT;

    -- Deals: created when the agent engaged the account, closed on
    -- close_date; Prospecting and Engaging are open. Amounts are US dollars.
    changed := alignment.upsert_deals(ARRAY(
        SELECT ROW(p.opportunity_id, NULL, nullif(p.account, ''),
                   t.regional_office, NULL,
                   alignment.csv_number(p.close_value), 'USD',
                   alignment.csv_time(p.engage_date),
                   alignment.csv_time(p.close_date),
                   CASE p.deal_stage
                       WHEN 'Won' THEN 'won'
                       WHEN 'Lost' THEN 'lost'
                       ELSE 'open'
                   END)::alignment.deal
        FROM alignment.maven_pipeline_raw p
        JOIN alignment.maven_sales_team_raw t
            ON t.sales_agent = p.sales_agent));
    target := 'deal';
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION alignment.load_maven() IS
'Maps maven_account_raw, maven_sales_team_raw and maven_pipeline_raw into the model: a team per regional office, accounts with their firmographics (sector, year_established, revenue, employees, office_location, subsidiary_of), and a deal per opportunity in the team of its agent (created at engage_date, closed at close_date, Won/Lost -> won/lost else open, amount = close_value in USD, no lead, no persona). Stops at the first problem of maven_load_problems. Returns the rows inserted or updated per target; a reload of the same rows changes nothing.';
