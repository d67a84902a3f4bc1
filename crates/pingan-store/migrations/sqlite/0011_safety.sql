-- Safe creation (平安创建), first part: scorecard templates by version, yearly campaigns,
-- units' applications with their events and evidence files, the incident register, and the
-- negative-list and veto proposals the platform derives from its own records.

-- A template version never changes once written: editing writes the next version, and a
-- campaign keeps the version it was opened with, so last year's results keep last year's rules.
CREATE TABLE safety_templates (
    id          INTEGER PRIMARY KEY,
    -- 'safe_unit' (平安单位)
    kind        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    -- pingan_domain::safety::UnitTemplate as JSON
    body        TEXT NOT NULL,
    created_by  BIGINT REFERENCES accounts(id),
    created_ms  BIGINT NOT NULL,
    UNIQUE (kind, version)
);

-- A yearly campaign, run by the city (or a county for its own units).
CREATE TABLE safety_campaigns (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    year        BIGINT NOT NULL,
    name        TEXT NOT NULL,
    template_id BIGINT NOT NULL REFERENCES safety_templates(id),
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    -- The last day (China date, YYYY-MM-DD, inclusive) on which units may apply.
    apply_until TEXT NOT NULL,
    -- The 公示 period in working days.
    notice_days BIGINT NOT NULL,
    created_by  BIGINT REFERENCES accounts(id),
    created_ms  BIGINT NOT NULL,
    UNIQUE (kind, year, region_id)
);

-- A unit's application: its events, and their fold (pingan_domain::safety::Application) with
-- the columns that lists and figures read.
CREATE TABLE safety_applications (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES safety_campaigns(id),
    org_id      BIGINT NOT NULL REFERENCES orgs(id),
    -- The unit's place, which scoped reads use.
    region_path TEXT NOT NULL,
    industry    TEXT NOT NULL,
    -- The competent department (主管部门) that reviews it: the county's, else the city's.
    dept_org_id BIGINT REFERENCES orgs(id),
    state       TEXT NOT NULL,
    -- pingan_domain::safety::Outcome and the total once concluded.
    outcome     TEXT,
    total       BIGINT,
    applied_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    snapshot    TEXT NOT NULL,
    UNIQUE (campaign_id, org_id)
);
CREATE INDEX safety_applications_path ON safety_applications(campaign_id, region_path);
CREATE INDEX safety_applications_org ON safety_applications(org_id);

CREATE TABLE safety_application_events (
    application_id BIGINT NOT NULL REFERENCES safety_applications(id),
    seq            BIGINT NOT NULL,
    at_ms          BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    actor_id       BIGINT REFERENCES accounts(id),
    body           TEXT NOT NULL,
    PRIMARY KEY (application_id, seq)
);

-- 佐证材料: a self-assessment's files per task; bytes in the blob store under their SHA-256.
CREATE TABLE safety_evidence (
    id             INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES safety_applications(id),
    task_code      TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    size           BIGINT NOT NULL,
    mime           TEXT NOT NULL,
    name           TEXT NOT NULL,
    added_by       BIGINT REFERENCES accounts(id),
    added_ms       BIGINT NOT NULL
);
CREATE INDEX safety_evidence_application ON safety_evidence(application_id);

-- 事件登记: fires, accidents, criminal cases, mass incidents, petitions, public-opinion
-- incidents, disputes turned violent. The unit (org_id) is named when known; otherwise the
-- address and the place find the units it happened at.
CREATE TABLE safety_incidents (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    org_id      BIGINT REFERENCES orgs(id),
    address     TEXT,
    summary     TEXT NOT NULL,
    casualties  BIGINT NOT NULL,
    recorded_by BIGINT REFERENCES accounts(id),
    recorded_ms BIGINT NOT NULL
);
CREATE INDEX safety_incidents_path ON safety_incidents(region_path, occurred_on);

-- What a record proposes against an application; nothing deducts until a reviewer confirms.
-- One proposal per application and record, whichever instance derived it first.
CREATE TABLE safety_proposals (
    id             INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES safety_applications(id),
    -- pingan_domain::safety::ProposalSource code ('incident.fire', 'appeal.unresolved' …)
    source         TEXT NOT NULL,
    source_id      BIGINT NOT NULL,
    list           TEXT NOT NULL,
    item_code      TEXT NOT NULL,
    severity       TEXT NOT NULL,
    summary        TEXT NOT NULL,
    occurred_on    TEXT NOT NULL,
    -- 'proposed', 'confirmed' or 'dismissed'
    status         TEXT NOT NULL,
    reason         TEXT,
    decided_by     BIGINT REFERENCES accounts(id),
    decided_ms     BIGINT,
    created_ms     BIGINT NOT NULL,
    UNIQUE (application_id, source, source_id)
);
CREATE INDEX safety_proposals_status ON safety_proposals(status, application_id);
