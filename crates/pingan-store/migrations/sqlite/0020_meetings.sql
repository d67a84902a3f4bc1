-- Meetings whose resolutions are tracked as tasks (source 'meeting'): the 平安建设 joint
-- meeting and its special groups, and red property's three-in-one meetings.
CREATE TABLE meetings (
    id                INTEGER PRIMARY KEY,
    -- 'joint' | 'special_group' | 'three_in_one'
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    held_on           TEXT NOT NULL,
    region_id         BIGINT NOT NULL REFERENCES regions(id),
    region_path       TEXT NOT NULL,
    -- joined by '、'
    attendees         TEXT NOT NULL,
    agenda            TEXT NOT NULL,
    property_org_id   BIGINT REFERENCES orgs(id),
    committee_org_id  BIGINT REFERENCES orgs(id),
    recorded_by       BIGINT NOT NULL REFERENCES accounts(id),
    recorded_ms       BIGINT NOT NULL
);
CREATE INDEX meetings_path ON meetings(region_path, held_on);
CREATE INDEX meetings_property ON meetings(property_org_id);
