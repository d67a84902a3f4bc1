-- People's mediation (人民调解, "德为民"): bodies, mediators, cases as append-only events with
-- their fold, and the parties' keys that find repeated disputes.

-- A mediation body is an organisation of kind 'mediation_committee'. This row says what its
-- region's level does not: an industry committee or a named studio. Without a row, a body is
-- the committee of its region's level.
CREATE TABLE mediation_bodies (
    org_id      BIGINT PRIMARY KEY REFERENCES orgs(id),
    kind        TEXT NOT NULL,
    industry    TEXT
);

CREATE TABLE mediators (
    id          INTEGER PRIMARY KEY,
    body_org_id BIGINT NOT NULL REFERENCES orgs(id),
    name        TEXT NOT NULL,
    phone       TEXT,
    -- Dispute type codes, comma-separated (pingan_domain::mediation::DisputeType).
    specialties TEXT NOT NULL DEFAULT '',
    account_id  BIGINT REFERENCES accounts(id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX mediators_body ON mediators(body_org_id);

CREATE TABLE mediation_cases (
    id              INTEGER PRIMARY KEY,
    case_no         TEXT NOT NULL UNIQUE,
    -- The place of the dispute and its path, which scoped reads use.
    region_id       BIGINT NOT NULL REFERENCES regions(id),
    region_path     TEXT NOT NULL,
    -- The body hearing it now, and its level.
    body_org_id     BIGINT NOT NULL REFERENCES orgs(id),
    level           TEXT NOT NULL,
    state           TEXT NOT NULL,
    dispute_type    TEXT NOT NULL,
    source          TEXT NOT NULL,
    -- 转调解: the appeal it came from; an appeal becomes at most one case.
    appeal_id       BIGINT UNIQUE REFERENCES appeals(id),
    mediator_id     BIGINT REFERENCES mediators(id),
    risk_level      TEXT NOT NULL,
    opened_ms       BIGINT NOT NULL,
    closed_ms       BIGINT,
    resolved_level  TEXT,
    -- After an agreement: judicial confirmation and performance, for the figures.
    judicial        TEXT NOT NULL DEFAULT 'not_applied',
    performance     TEXT NOT NULL DEFAULT 'pending',
    -- The queues of an agreement's after-care: the end of the performance day while no
    -- follow-up visit has found it kept or broken (待回访), and the end of the 30-day judicial
    -- window while no application was made (司法确认). NULL when nothing is due.
    follow_up_due_ms BIGINT,
    judicial_due_ms BIGINT,
    updated_ms      BIGINT NOT NULL,
    version         BIGINT NOT NULL,
    -- pingan_domain::mediation::MediationSnapshot as JSON: the fold of the events.
    snapshot        TEXT NOT NULL
);
CREATE INDEX mediation_cases_path ON mediation_cases(region_path, opened_ms);
CREATE INDEX mediation_cases_body ON mediation_cases(body_org_id, state);
CREATE INDEX mediation_cases_mediator ON mediation_cases(mediator_id, state);
CREATE INDEX mediation_cases_risk ON mediation_cases(risk_level, state);
CREATE INDEX mediation_cases_follow_up ON mediation_cases(follow_up_due_ms);
CREATE INDEX mediation_cases_judicial ON mediation_cases(judicial_due_ms);

CREATE TABLE mediation_events (
    case_id     BIGINT NOT NULL REFERENCES mediation_cases(id),
    seq         BIGINT NOT NULL,
    at_ms       BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    actor_id    BIGINT,
    -- pingan_domain::mediation::MediationEvent as JSON.
    body        TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- One row per party: the SHA-256 of its identity number (or of name and phone when it has
-- none), so that disputes between the same parties are found without storing the number twice.
CREATE TABLE mediation_parties (
    case_id     BIGINT NOT NULL REFERENCES mediation_cases(id),
    party_key   TEXT NOT NULL,
    PRIMARY KEY (case_id, party_key)
);
CREATE INDEX mediation_parties_key ON mediation_parties(party_key);
