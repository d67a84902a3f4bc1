-- 志愿者: teams run by a township or community, the residents who join them, the teams'
-- activities with sign-ups and on-site check-ins, and volunteers dispatched to simple appeals.
CREATE TABLE volunteer_teams (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    -- 'safety' | 'anti_fraud' | 'patrol' | 'care' | 'environment'
    kind         TEXT NOT NULL,
    region_id    BIGINT NOT NULL REFERENCES regions(id),
    region_path  TEXT NOT NULL,
    leader       TEXT NOT NULL,
    created_by   BIGINT NOT NULL REFERENCES accounts(id),
    created_ms   BIGINT NOT NULL
);
CREATE UNIQUE INDEX volunteer_teams_name ON volunteer_teams(region_id, name);
CREATE INDEX volunteer_teams_path ON volunteer_teams(region_path);

CREATE TABLE volunteers (
    id           INTEGER PRIMARY KEY,
    team_id      BIGINT NOT NULL REFERENCES volunteer_teams(id),
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    name         TEXT NOT NULL,
    -- the team's region: who may see and confirm the volunteer
    region_path  TEXT NOT NULL,
    -- 'pending' | 'confirmed' | 'declined'
    state        TEXT NOT NULL,
    joined_ms    BIGINT NOT NULL,
    decided_ms   BIGINT,
    decided_by   BIGINT REFERENCES accounts(id),
    note         TEXT
);
-- One standing membership per person and team.
CREATE UNIQUE INDEX volunteers_standing ON volunteers(team_id, account_id) WHERE state <> 'declined';
CREATE INDEX volunteers_path ON volunteers(region_path, state);
CREATE INDEX volunteers_account ON volunteers(account_id);

CREATE TABLE volunteer_activities (
    id            INTEGER PRIMARY KEY,
    team_id       BIGINT NOT NULL REFERENCES volunteer_teams(id),
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
CREATE INDEX volunteer_activities_team ON volunteer_activities(team_id, starts_ms);
CREATE INDEX volunteer_activities_path ON volunteer_activities(region_path, starts_ms);

CREATE TABLE volunteer_signups (
    activity_id    BIGINT NOT NULL REFERENCES volunteer_activities(id),
    volunteer_id   BIGINT NOT NULL REFERENCES volunteers(id),
    signed_ms      BIGINT NOT NULL,
    checked_in_ms  BIGINT,
    lon            REAL,
    lat            REAL,
    hours_tenths   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (activity_id, volunteer_id)
);
CREATE INDEX volunteer_signups_volunteer ON volunteer_signups(volunteer_id);

-- The appeal categories a volunteer may be sent to (the catalogue's permission): data that
-- administrators edit; sanitation (E01) to begin with.
CREATE TABLE volunteer_categories (
    code        TEXT PRIMARY KEY,
    updated_by  BIGINT REFERENCES accounts(id),
    updated_ms  BIGINT NOT NULL
);
INSERT INTO volunteer_categories (code, updated_ms) VALUES ('E01', 0);

CREATE TABLE volunteer_dispatches (
    id             INTEGER PRIMARY KEY,
    appeal_id      BIGINT NOT NULL REFERENCES appeals(id),
    volunteer_id   BIGINT NOT NULL REFERENCES volunteers(id),
    -- the appeal's place: who may see the dispatch
    region_path    TEXT NOT NULL,
    -- 'assigned' | 'reported' | 'confirmed' | 'cancelled'
    state          TEXT NOT NULL,
    task           TEXT NOT NULL,
    assigned_by    BIGINT NOT NULL REFERENCES accounts(id),
    assigned_ms    BIGINT NOT NULL,
    report         TEXT,
    reported_ms    BIGINT,
    hours_tenths   BIGINT NOT NULL DEFAULT 0,
    decided_by     BIGINT REFERENCES accounts(id),
    decided_ms     BIGINT,
    version        BIGINT NOT NULL DEFAULT 0
);
-- A volunteer is sent to an appeal once at a time.
CREATE UNIQUE INDEX volunteer_dispatches_open ON volunteer_dispatches(appeal_id, volunteer_id)
    WHERE state IN ('assigned', 'reported');
CREATE INDEX volunteer_dispatches_appeal ON volunteer_dispatches(appeal_id);
CREATE INDEX volunteer_dispatches_volunteer ON volunteer_dispatches(volunteer_id);
CREATE INDEX volunteer_dispatches_path ON volunteer_dispatches(region_path, state);
