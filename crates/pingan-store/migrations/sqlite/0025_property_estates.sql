-- 红色物业: the estates (小区) each property company serves, with their owners' committees and
-- households, and each company's party organisation.
CREATE TABLE property_estates (
    id                        INTEGER PRIMARY KEY,
    name                      TEXT NOT NULL,
    community_id              BIGINT NOT NULL REFERENCES regions(id),
    region_path               TEXT NOT NULL,
    company_org_id            BIGINT NOT NULL REFERENCES orgs(id),
    owners_committee_org_id   BIGINT REFERENCES orgs(id),
    households                BIGINT NOT NULL,
    created_by                BIGINT NOT NULL REFERENCES accounts(id),
    created_ms                BIGINT NOT NULL
);
CREATE UNIQUE INDEX property_estates_name ON property_estates(community_id, name);
CREATE INDEX property_estates_path ON property_estates(region_path);
CREATE INDEX property_estates_company ON property_estates(company_org_id);

CREATE TABLE property_party (
    org_id       BIGINT PRIMARY KEY REFERENCES orgs(id),
    -- 'independent' | 'joint' | 'instructor' | 'none'
    status       TEXT NOT NULL,
    members      BIGINT NOT NULL,
    secretary    TEXT,
    updated_by   BIGINT NOT NULL REFERENCES accounts(id),
    updated_ms   BIGINT NOT NULL
);
