-- Self-governance (村民自治) organisations and the 五老 roster, and the 五老 named on tasks to help.
CREATE TABLE self_gov_orgs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    community_id  BIGINT NOT NULL REFERENCES regions(id),
    region_path   TEXT NOT NULL,
    chair         TEXT NOT NULL,
    members       BIGINT NOT NULL,
    charter       TEXT NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES accounts(id),
    created_ms    BIGINT NOT NULL
);
CREATE UNIQUE INDEX self_gov_orgs_kind ON self_gov_orgs(community_id, kind);
CREATE INDEX self_gov_orgs_path ON self_gov_orgs(region_path);

CREATE TABLE elders (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    -- 'cadre' | 'teacher' | 'soldier' | 'expert' | 'model'
    kind          TEXT NOT NULL,
    community_id  BIGINT NOT NULL REFERENCES regions(id),
    region_path   TEXT NOT NULL,
    phone         TEXT NOT NULL,
    strengths     TEXT NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES accounts(id),
    created_ms    BIGINT NOT NULL
);
CREATE UNIQUE INDEX elders_phone ON elders(community_id, phone);
CREATE INDEX elders_path ON elders(region_path, kind);

CREATE TABLE task_helpers (
    task_id   BIGINT NOT NULL REFERENCES tasks(id),
    elder_id  BIGINT NOT NULL REFERENCES elders(id),
    added_by  BIGINT NOT NULL REFERENCES accounts(id),
    added_ms  BIGINT NOT NULL,
    PRIMARY KEY (task_id, elder_id)
);
