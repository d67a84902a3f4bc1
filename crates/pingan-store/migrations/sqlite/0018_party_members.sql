-- 在职党员社区报到: party members of work units reporting to the community they live in, the
-- community's calls (听从组织召唤), sign-ups and on-site check-ins with the hours credited.
CREATE TABLE party_members (
    id            INTEGER PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts(id),
    name          TEXT NOT NULL,
    work_org_id   BIGINT NOT NULL REFERENCES orgs(id),
    community_id  BIGINT NOT NULL REFERENCES regions(id),
    region_path   TEXT NOT NULL,
    -- service posts, codes joined by ','
    posts         TEXT NOT NULL,
    -- 'pending' | 'confirmed' | 'declined'
    state         TEXT NOT NULL,
    registered_ms BIGINT NOT NULL,
    decided_ms    BIGINT,
    decided_by    BIGINT REFERENCES accounts(id),
    note          TEXT
);
-- One standing registration per person.
CREATE UNIQUE INDEX party_members_standing ON party_members(account_id) WHERE state <> 'declined';
CREATE INDEX party_members_path ON party_members(region_path, state);
CREATE INDEX party_members_unit ON party_members(work_org_id, state);

-- The party members a work unit has on its rolls, as it declares them: the report-in rate's
-- denominator.
CREATE TABLE party_rolls (
    org_id      BIGINT PRIMARY KEY REFERENCES orgs(id),
    members     BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL
);

CREATE TABLE party_calls (
    id            INTEGER PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES regions(id),
    region_path   TEXT NOT NULL,
    grid_id       BIGINT NOT NULL REFERENCES regions(id),
    title         TEXT NOT NULL,
    post          TEXT NOT NULL,
    starts_ms     BIGINT NOT NULL,
    ends_ms       BIGINT NOT NULL,
    hours_tenths  BIGINT NOT NULL,
    capacity      BIGINT NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES accounts(id),
    created_ms    BIGINT NOT NULL
);
CREATE INDEX party_calls_path ON party_calls(region_path, starts_ms);

CREATE TABLE party_signups (
    call_id        BIGINT NOT NULL REFERENCES party_calls(id),
    member_id      BIGINT NOT NULL REFERENCES party_members(id),
    signed_ms      BIGINT NOT NULL,
    checked_in_ms  BIGINT,
    lon            REAL,
    lat            REAL,
    hours_tenths   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (call_id, member_id)
);
CREATE INDEX party_signups_member ON party_signups(member_id);
