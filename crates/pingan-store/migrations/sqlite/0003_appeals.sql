-- Citizens' appeals (诉求): one row per case holding what queues filter and sort on, the
-- append-only events that are the case's truth, the deadline timers, the idempotency keys of
-- API intake, API tokens, the notification outbox and the dispatch catalogue.

CREATE TABLE appeals (
    id                  INTEGER PRIMARY KEY,
    -- What the resident is given to follow the case; unguessable.
    tracking_code       TEXT NOT NULL UNIQUE,
    -- The place: the region it was located in (a grid, normally) and that region's path at
    -- filing time, which scoped reads use. A later boundary change does not move old cases.
    region_id           BIGINT NOT NULL REFERENCES regions(id),
    region_path         TEXT NOT NULL,
    lon                 REAL,
    lat                 REAL,
    address             TEXT NOT NULL DEFAULT '',
    text                TEXT NOT NULL,
    category            TEXT NOT NULL,
    urgency             TEXT NOT NULL,
    channel             TEXT NOT NULL,
    state               TEXT NOT NULL,
    -- 保密: the reporter's identity is shown to no one but the dispatch centre.
    confidential        BOOLEAN NOT NULL DEFAULT FALSE,
    reporter_name       TEXT NOT NULL DEFAULT '',
    reporter_phone      TEXT,
    reporter_account_id BIGINT REFERENCES accounts(id),
    -- Staff who entered it (patrol, walk-in, hotline, 诉求代办).
    filed_by            BIGINT REFERENCES accounts(id),
    -- The unit that has it now (承办单位), denormalised from the snapshot for queues.
    unit_org_id         BIGINT REFERENCES orgs(id),
    unit_account_id     BIGINT REFERENCES accounts(id),
    unit_region_id      BIGINT REFERENCES regions(id),
    unit_level          TEXT,
    unit_org_type       TEXT,
    unit_name           TEXT NOT NULL DEFAULT '',
    -- The active clock (NULL when none runs).
    warn_ms             BIGINT,
    due_ms              BIGINT,
    merged_into         BIGINT REFERENCES appeals(id),
    received_ms         BIGINT NOT NULL,
    closed_ms           BIGINT,
    updated_ms          BIGINT NOT NULL,
    -- Number of events; a command names the version it saw, so a stale form is refused.
    version             BIGINT NOT NULL,
    -- The fold of the events (pingan_domain::appeal::AppealSnapshot as JSON): a cache.
    snapshot            TEXT NOT NULL
);
CREATE INDEX appeals_path ON appeals(region_path, received_ms);
CREATE INDEX appeals_state_due ON appeals(state, due_ms);
CREATE INDEX appeals_unit_org ON appeals(unit_org_id, state);
CREATE INDEX appeals_unit_account ON appeals(unit_account_id, state);
CREATE INDEX appeals_unit_region ON appeals(unit_region_id, state);
CREATE INDEX appeals_received ON appeals(received_ms);
CREATE INDEX appeals_reporter_account ON appeals(reporter_account_id);
-- A resident who signs in for the first time is given the cases reported with their phone.
CREATE INDEX appeals_reporter_phone ON appeals(reporter_phone);
CREATE INDEX appeals_site ON appeals(category, lon, lat);

CREATE TABLE appeal_events (
    appeal_id   BIGINT NOT NULL REFERENCES appeals(id),
    seq         BIGINT NOT NULL,
    at_ms       BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    actor_id    BIGINT,
    -- pingan_domain::appeal::AppealEvent as JSON.
    body        TEXT NOT NULL,
    PRIMARY KEY (appeal_id, seq)
);
CREATE INDEX appeal_events_at ON appeal_events(at_ms);

-- Deadline actions. A timer fires once: the pass that claims it sets fired_ms in the same
-- transaction as its action, and a claim only takes rows whose fired_ms is still NULL.
CREATE TABLE appeal_timers (
    id              INTEGER PRIMARY KEY,
    appeal_id       BIGINT NOT NULL REFERENCES appeals(id),
    kind            TEXT NOT NULL CHECK (kind IN ('warn', 'due')),
    deadline_kind   TEXT NOT NULL,
    fire_ms         BIGINT NOT NULL,
    fired_ms        BIGINT,
    fired_by        TEXT,
    UNIQUE (appeal_id, kind, deadline_kind, fire_ms)
);
CREATE INDEX appeal_timers_pending ON appeal_timers(fire_ms) WHERE fired_ms IS NULL;

-- API intake retries: the same key from the same client returns the case it created.
CREATE TABLE idempotency_keys (
    client          TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    appeal_id       BIGINT NOT NULL REFERENCES appeals(id),
    created_ms      BIGINT NOT NULL,
    PRIMARY KEY (client, key)
);

-- Tokens for other systems (the 12345 hotline, a mini-program back end). Only a hash is kept.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    -- The account the token acts as (its role and scope apply).
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    created_ms  BIGINT NOT NULL,
    revoked_ms  BIGINT
);

-- Outbox: written in the transaction of the change, drained by the notifier.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    created_ms  BIGINT NOT NULL,
    appeal_id   BIGINT REFERENCES appeals(id),
    -- 'citizen' (by phone) or 'staff' (an account, or an organisation's staff).
    audience    TEXT NOT NULL,
    account_id  BIGINT,
    org_id      BIGINT,
    phone       TEXT,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    sent_ms     BIGINT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX notifications_unsent ON notifications(id) WHERE sent_ms IS NULL;
CREATE INDEX notifications_account ON notifications(account_id, id);

-- The dispatch catalogue (派单目录): category × level → organisation type, optionally only
-- under one region. Order matters among equally specific rules.
CREATE TABLE dispatch_rules (
    id          INTEGER PRIMARY KEY,
    position    BIGINT NOT NULL,
    category    TEXT NOT NULL,
    level       TEXT NOT NULL,
    org_type    TEXT NOT NULL,
    region_id   BIGINT REFERENCES regions(id),
    note        TEXT NOT NULL DEFAULT ''
);

-- Photos and documents of a case; the bytes live in the blob store under their SHA-256.
CREATE TABLE appeal_attachments (
    id          INTEGER PRIMARY KEY,
    appeal_id   BIGINT NOT NULL REFERENCES appeals(id),
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    mime        TEXT NOT NULL,
    name        TEXT NOT NULL,
    added_by    BIGINT,
    added_ms    BIGINT NOT NULL
);
CREATE INDEX appeal_attachments_appeal ON appeal_attachments(appeal_id);
