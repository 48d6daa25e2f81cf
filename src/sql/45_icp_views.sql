-- src/sql/45_icp_views.sql: views of the ICP lifecycle that read the metric
-- helpers of src/sql/40_views.sql (as_of, period_start, handoff_entry,
-- won_deal), so they come after it.

-- Records to weigh evidence on --------------------------------------------
--
-- The two usual inputs of alignment.icp_attribute_evidence and
-- alignment.icp_suggest: each has the columns attributes jsonb and won
-- boolean that those functions read. "The last 12 months" is the closed-won
-- lookback alignment.persona_lookback_months (12 by default) up to
-- alignment.as_of(), the same window the persona mix compares against.

CREATE VIEW alignment.icp_evidence_deals AS
SELECT
    d.deal_id,
    d.team_id,
    d.closed_at,
    COALESCE(a.attributes, '{}') || COALESCE(l.attributes, '{}')
        AS attributes,
    d.status = 'won' AS won
FROM alignment.deal AS d
LEFT JOIN alignment.account AS a ON a.account_id = d.account_id
LEFT JOIN alignment.lead AS l ON l.lead_id = d.lead_id
WHERE d.status IN ('won', 'lost')
  AND d.closed_at <= alignment.as_of()
  AND d.closed_at > alignment.as_of() - alignment.persona_lookback();

COMMENT ON VIEW alignment.icp_evidence_deals IS
'Closed-won versus lost: the deals won or lost in the alignment.persona_lookback_months months up to as_of, with the attributes of their account and lead. Input of alignment.icp_attribute_evidence and alignment.icp_suggest.';
COMMENT ON COLUMN alignment.icp_evidence_deals.deal_id IS 'Deal id.';
COMMENT ON COLUMN alignment.icp_evidence_deals.team_id IS 'Team that owns the deal.';
COMMENT ON COLUMN alignment.icp_evidence_deals.closed_at IS 'When the deal was won or lost.';
COMMENT ON COLUMN alignment.icp_evidence_deals.attributes IS 'Attributes of the deal''s account, overlaid by those of its lead (the lead''s value wins when both have a key).';
COMMENT ON COLUMN alignment.icp_evidence_deals.won IS 'True for a won deal, false for a lost one.';

CREATE VIEW alignment.icp_evidence_leads AS
SELECT
    l.lead_id,
    l.team_id,
    l.created_at,
    l.attributes,
    EXISTS (SELECT FROM alignment.deal AS d
            WHERE d.lead_id = l.lead_id
              AND d.status = 'won'
              AND d.closed_at <= alignment.as_of()) AS won
FROM alignment.lead AS l
WHERE l.created_at <= alignment.as_of()
  AND l.created_at > alignment.as_of() - alignment.persona_lookback();

COMMENT ON VIEW alignment.icp_evidence_leads IS
'Closed-won versus all: the leads created in the alignment.persona_lookback_months months up to as_of, won when a deal of theirs was won by as_of. A lead still being worked counts as not won, so pick an as_of that leaves the leads time to close. Input of alignment.icp_attribute_evidence and alignment.icp_suggest.';
COMMENT ON COLUMN alignment.icp_evidence_leads.lead_id IS 'Lead id.';
COMMENT ON COLUMN alignment.icp_evidence_leads.team_id IS 'Team of the lead.';
COMMENT ON COLUMN alignment.icp_evidence_leads.created_at IS 'When the lead was created.';
COMMENT ON COLUMN alignment.icp_evidence_leads.attributes IS 'The lead''s attributes, as the fit score at handoff reads them.';
COMMENT ON COLUMN alignment.icp_evidence_leads.won IS 'True when a deal of the lead was won by as_of.';

-- Persona reconciliation ------------------------------------------------------
--
-- Per team and period (and all teams), per persona: the persona's share of
-- the period's mql entries (the persona marketing tagged the lead with)
-- beside its share of the deals won in the lookback up to the period's end
-- (the persona sales tagged the buyer with). The counts are the rows of
-- alignment.persona_mix, the view the matrix's persona mix similarity reads
-- too: tagged entries and deals only, the untagged counted apart.

CREATE VIEW alignment.persona_reconciliation AS
WITH mix AS MATERIALIZED (
    SELECT p.period_start, p.period_end, p.team_id, p.all_teams, p.persona,
           p.mql_entries, p.won_deals
    FROM alignment.persona_mix AS p
),
team_mix AS (
    -- every team and period with mql entries, and the all-teams rows
    SELECT m.period_start, m.period_end, m.team_id, m.all_teams,
           pg_catalog.sum(m.mql_entries) FILTER (WHERE m.persona IS NOT NULL)
               AS tagged_mql,
           pg_catalog.sum(m.won_deals) FILTER (WHERE m.persona IS NOT NULL)
               AS tagged_won,
           pg_catalog.jsonb_object_agg(m.persona, m.mql_entries)
               FILTER (WHERE m.persona IS NOT NULL AND m.mql_entries > 0)
               AS mql_mix,
           pg_catalog.jsonb_object_agg(m.persona, m.won_deals)
               FILTER (WHERE m.persona IS NOT NULL AND m.won_deals > 0)
               AS won_mix,
           COALESCE(pg_catalog.sum(m.mql_entries)
                        FILTER (WHERE m.persona IS NULL), 0)
               AS untagged_mql_entries,
           COALESCE(pg_catalog.sum(m.won_deals)
                        FILTER (WHERE m.persona IS NULL), 0)
               AS untagged_won_deals
    FROM mix AS m
    GROUP BY m.period_start, m.period_end, m.team_id, m.all_teams
)
SELECT
    s.period_start,
    s.period_end,
    alignment.setting('period') AS period_unit,
    s.team_id,
    s.all_teams,
    p.persona,
    COALESCE(p.mql_entries, 0) AS mql_entries,
    p.mql_entries / CAST(NULLIF(s.tagged_mql, 0) AS double precision)
        AS mql_share,
    COALESCE(p.won_deals, 0) AS won_deals,
    p.won_deals / CAST(NULLIF(s.tagged_won, 0) AS double precision)
        AS won_share,
    p.mql_entries / CAST(NULLIF(s.tagged_mql, 0) AS double precision)
        - p.won_deals / CAST(NULLIF(s.tagged_won, 0) AS double precision)
        AS share_gap,
    alignment.persona_similarity(s.mql_mix, s.won_mix)
        AS persona_mix_similarity,
    CAST(s.untagged_mql_entries AS pg_catalog.int8) AS untagged_mql_entries,
    CAST(s.untagged_won_deals AS pg_catalog.int8) AS untagged_won_deals,
    NULLIF(pg_catalog.concat_ws('; ',
        CASE WHEN COALESCE(s.tagged_mql, 0) = 0
            THEN 'mql entries carry no persona' END,
        CASE WHEN COALESCE(s.tagged_won, 0) = 0
            THEN 'no won deal with a persona in the lookback' END),
        '') AS note
FROM team_mix AS s
LEFT JOIN mix AS p
    ON p.period_start = s.period_start AND p.all_teams = s.all_teams
   AND p.team_id IS NOT DISTINCT FROM s.team_id
   AND p.persona IS NOT NULL;

COMMENT ON VIEW alignment.persona_reconciliation IS
'Whom marketing hands off versus whom sales wins, per team and period (and all teams) and per persona: the persona''s share of the period''s mql entries (lead persona, tagged by marketing) beside its share of the deals won in the alignment.persona_lookback_months months up to the period''s end (deal persona, tagged by sales), the gap, and the similarity of the two mixes (as in alignment_matrix). Untagged entries and deals are counted apart, not in the shares. A period with no tagged persona on either side has one row with a NULL persona.';
COMMENT ON COLUMN alignment.persona_reconciliation.period_start IS 'First day of the period (business time zone).';
COMMENT ON COLUMN alignment.persona_reconciliation.period_end IS 'Last day of the period (inclusive).';
COMMENT ON COLUMN alignment.persona_reconciliation.period_unit IS 'Length of the period: week, month, quarter or year (alignment.period).';
COMMENT ON COLUMN alignment.persona_reconciliation.team_id IS 'Team; NULL on the all-teams rows.';
COMMENT ON COLUMN alignment.persona_reconciliation.all_teams IS 'True on the rows that count every team together.';
COMMENT ON COLUMN alignment.persona_reconciliation.persona IS 'Persona, as marketing tags leads and sales tags buyers; NULL only on the row of a period where neither side tagged any.';
COMMENT ON COLUMN alignment.persona_reconciliation.mql_entries IS 'mql entries of the period whose lead marketing tagged with the persona.';
COMMENT ON COLUMN alignment.persona_reconciliation.mql_share IS 'mql_entries over the period''s mql entries that carry a persona; NULL when none does.';
COMMENT ON COLUMN alignment.persona_reconciliation.won_deals IS 'Deals won in the lookback months up to the period''s end that sales tagged with the persona.';
COMMENT ON COLUMN alignment.persona_reconciliation.won_share IS 'won_deals over the deals won in the lookback that carry a persona; NULL when none does.';
COMMENT ON COLUMN alignment.persona_reconciliation.share_gap IS 'mql_share minus won_share: positive when marketing hands off more of the persona than sales wins, negative when less; NULL when either share is.';
COMMENT ON COLUMN alignment.persona_reconciliation.persona_mix_similarity IS '1 minus the Jensen-Shannon distance (base 2) between the two persona mixes of the team and period, the same on each of its rows; NULL when either mix is empty.';
COMMENT ON COLUMN alignment.persona_reconciliation.untagged_mql_entries IS 'mql entries of the period whose lead carries no persona (left out of the shares).';
COMMENT ON COLUMN alignment.persona_reconciliation.untagged_won_deals IS 'Deals won in the lookback without a persona (left out of the shares).';
COMMENT ON COLUMN alignment.persona_reconciliation.note IS 'Why a share or the similarity is NULL, when one is.';
