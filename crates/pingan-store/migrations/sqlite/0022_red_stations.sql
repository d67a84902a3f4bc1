-- Red stations (红色驿站): the services each offers, its staff, the people it serves (visits),
-- and the station where a walk-in appeal was filed. The station itself is an orgs row of kind
-- 'red_station'.
CREATE TABLE station_services (
    org_id      BIGINT NOT NULL REFERENCES orgs(id),
    -- a StationService code: 'policy' | 'mediation' | 'legal_aid' | ...
    service     TEXT NOT NULL,
    PRIMARY KEY (org_id, service)
);

CREATE TABLE station_staff (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs(id),
    name        TEXT NOT NULL,
    -- Stored whole (the station calls them); masked in every list.
    phone       TEXT NOT NULL,
    duty        TEXT NOT NULL,
    added_by    BIGINT NOT NULL REFERENCES accounts(id),
    added_ms    BIGINT NOT NULL,
    -- Staff who leave are retired, not deleted: past visits name who recorded them.
    retired_by  BIGINT REFERENCES accounts(id),
    retired_ms  BIGINT
);
CREATE UNIQUE INDEX station_staff_phone ON station_staff(org_id, phone) WHERE retired_ms IS NULL;

CREATE TABLE station_visits (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    -- The station's region path when the visit was recorded, for scoped reads.
    region_path  TEXT NOT NULL,
    -- China date, YYYY-MM-DD.
    day          TEXT NOT NULL,
    service      TEXT NOT NULL,
    people       BIGINT NOT NULL,
    note         TEXT NOT NULL,
    recorded_by  BIGINT NOT NULL REFERENCES accounts(id),
    recorded_ms  BIGINT NOT NULL
);
CREATE INDEX station_visits_path ON station_visits(region_path, day);
CREATE INDEX station_visits_org ON station_visits(org_id, day);

ALTER TABLE appeals ADD COLUMN station_org_id BIGINT REFERENCES orgs(id);
CREATE INDEX appeals_station ON appeals(station_org_id, received_ms) WHERE station_org_id IS NOT NULL;
