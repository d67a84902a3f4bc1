-- Foundation: the region hierarchy, organisations, accounts, sessions, audit trail.
-- Times are Unix milliseconds (BIGINT) on both engines so that queries stay portable.

CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    parent_id   BIGINT REFERENCES regions(id),
    level       TEXT NOT NULL CHECK (level IN ('city','county','township','village','grid')),
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    -- Materialised path of ids, e.g. /1/4/57/; subtree = range [path, path || '~').
    path        TEXT NOT NULL UNIQUE,
    -- Grids: JSON array of [lon, lat] pairs (closed ring).
    polygon     TEXT,
    min_lon     REAL, min_lat REAL, max_lon REAL, max_lat REAL,
    households  BIGINT NOT NULL DEFAULT 0,
    population  BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    successor_id BIGINT REFERENCES regions(id)
);
CREATE INDEX regions_parent ON regions(parent_id);
CREATE INDEX regions_level_path ON regions(level, path);

-- History of structural changes: moves, merges, splits, retirements, renames.
CREATE TABLE region_changes (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    at_ms       BIGINT NOT NULL
);

CREATE TABLE orgs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    region_id     BIGINT NOT NULL REFERENCES regions(id),
    dept          TEXT,
    industry      TEXT,
    parent_org_id BIGINT REFERENCES orgs(id),
    address       TEXT,
    phone         TEXT,
    lon           REAL,
    lat           REAL,
    opening_hours TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    retired_at    BIGINT
);
CREATE INDEX orgs_region ON orgs(region_id);
CREATE INDEX orgs_kind ON orgs(kind, region_id);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    region_id     BIGINT NOT NULL REFERENCES regions(id),
    org_id        BIGINT REFERENCES orgs(id),
    phone         TEXT,
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);
CREATE INDEX accounts_region ON accounts(region_id);
CREATE INDEX accounts_phone ON accounts(phone);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Failed sign-ins per key (username or phone), for throttling.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    first_at     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);

-- One-time sign-in codes for citizens (hashed).
CREATE TABLE otp_codes (
    phone        TEXT PRIMARY KEY,
    code_hash    TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    sent_at      BIGINT NOT NULL
);

-- Append-only: triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    at_ms        BIGINT NOT NULL,
    actor_id     BIGINT,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    BIGINT,
    success      BOOLEAN NOT NULL,
    -- Region path of the target at the time, for scoped reading.
    region_path  TEXT NOT NULL,
    -- The canonical encoding (pingan_domain::audit::AuditEvent::canonical_bytes).
    encoded      TEXT NOT NULL
);
CREATE INDEX audit_at ON audit_events(at_ms);
CREATE INDEX audit_path ON audit_events(region_path);
CREATE INDEX audit_target ON audit_events(target_kind, target_id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
