-- Tasks and supervision (任务督办): one task type for every tracked follow-up — liaison
-- problems, joint-meeting resolutions, direct assignments — with a responsible unit, a
-- deadline at the end of a working day, progress, and supervision orders.
CREATE TABLE tasks (
    id               INTEGER PRIMARY KEY,
    -- 'liaison' | 'meeting' | 'direct', and the visit or meeting it came from
    source           TEXT NOT NULL,
    source_id        BIGINT,
    title            TEXT NOT NULL,
    detail           TEXT NOT NULL,
    owner_org_id     BIGINT NOT NULL REFERENCES orgs(id),
    -- the place the task concerns (a liaison point's township), for scope
    region_id        BIGINT NOT NULL REFERENCES regions(id),
    region_path      TEXT NOT NULL,
    assigner_id      BIGINT NOT NULL REFERENCES accounts(id),
    assigner_org_id  BIGINT REFERENCES orgs(id),
    created_ms       BIGINT NOT NULL,
    due_ms           BIGINT NOT NULL,
    -- 'open' | 'reported' | 'closed'
    state            TEXT NOT NULL,
    -- set once, by the deadline timer, when the task went overdue; a new deadline clears it
    overdue_ms       BIGINT,
    supervisions     INTEGER NOT NULL DEFAULT 0,
    closed_ms        BIGINT,
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_path ON tasks(region_path, state);
CREATE INDEX tasks_owner ON tasks(owner_org_id, state);
CREATE INDEX tasks_source ON tasks(source, source_id);
-- The deadline timer's queue: tasks not closed and not yet marked overdue.
CREATE INDEX tasks_due ON tasks(due_ms) WHERE state <> 'closed' AND overdue_ms IS NULL;

CREATE TABLE task_events (
    id          INTEGER PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES tasks(id),
    at_ms       BIGINT NOT NULL,
    actor_id    BIGINT REFERENCES accounts(id),
    actor_name  TEXT,
    -- 'created' | 'progress' | 'reported' | 'closed' | 'rejected' | 'supervised' | 'overdue'
    kind        TEXT NOT NULL,
    note        TEXT NOT NULL,
    -- the deadline after this event, when it set one
    due_ms      BIGINT
);
CREATE INDEX task_events_task ON task_events(task_id, id);

-- Liaison points (联系点): a city unit paired with a township.
CREATE TABLE liaison_points (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    township_id  BIGINT NOT NULL REFERENCES regions(id),
    region_path  TEXT NOT NULL,
    since        TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    ended_ms     BIGINT
);
CREATE UNIQUE INDEX liaison_points_pair ON liaison_points(org_id, township_id) WHERE ended_ms IS NULL;
CREATE INDEX liaison_points_path ON liaison_points(region_path);

-- Assistance visits (下沉帮扶调研); the problems found are tasks with source 'liaison'.
CREATE TABLE liaison_visits (
    id           INTEGER PRIMARY KEY,
    point_id     BIGINT NOT NULL REFERENCES liaison_points(id),
    visited_on   TEXT NOT NULL,
    -- the people who went, joined by '、'
    people       TEXT NOT NULL,
    findings     TEXT NOT NULL,
    recorded_by  BIGINT NOT NULL REFERENCES accounts(id),
    recorded_ms  BIGINT NOT NULL
);
CREATE INDEX liaison_visits_point ON liaison_visits(point_id, visited_on);

-- A notice about a task (gone overdue, supervised, reported) links to it.
ALTER TABLE notifications ADD COLUMN task_id BIGINT REFERENCES tasks(id);
