-- Mediation, second part: evidence files of a case, the "德为民" featured brands, the
-- reminders sent for an agreement's after-care, and notices that point at a mediation case.

-- 证据材料: files of a case; the bytes live in the blob store under their SHA-256, as an
-- appeal's attachments do.
CREATE TABLE mediation_evidence (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES mediation_cases(id),
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    mime        TEXT NOT NULL,
    name        TEXT NOT NULL,
    -- pingan_domain::mediation::EvidenceSource: who brought it.
    source      TEXT NOT NULL,
    description TEXT NOT NULL,
    added_by    BIGINT REFERENCES accounts(id),
    added_ms    BIGINT NOT NULL
);
CREATE INDEX mediation_evidence_case ON mediation_evidence(case_id);

-- 一县一品牌、一乡一特色、一村一亮点: at most one featured studio or method per region.
CREATE TABLE mediation_brands (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL UNIQUE REFERENCES regions(id),
    region_path TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    -- The studio's body, whose figures the brand page shows; NULL for a method (the region's).
    body_org_id BIGINT REFERENCES orgs(id),
    lead        TEXT,
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX mediation_brands_path ON mediation_brands(region_path);

-- One reminder per case, kind and due date: a reminder already sent (by any instance) is
-- not sent again; a new due date (a new agreement after a reopening) reminds again.
CREATE TABLE mediation_reminders (
    case_id     BIGINT NOT NULL REFERENCES mediation_cases(id),
    -- 'follow_up' (履行回访) or 'judicial' (司法确认申请期限)
    kind        TEXT NOT NULL,
    due_ms      BIGINT NOT NULL,
    sent_ms     BIGINT NOT NULL,
    PRIMARY KEY (case_id, kind, due_ms)
);

-- A notice about a mediation case (a high-risk alert, an after-care reminder) links to it.
ALTER TABLE notifications ADD COLUMN mediation_case_id BIGINT REFERENCES mediation_cases(id);
