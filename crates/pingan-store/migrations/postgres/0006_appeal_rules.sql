-- Administrators' appeal rules besides the catalogue (`dispatch_rules`, 0003) and the calendar
-- (`calendar_days`, 0002).

-- The time-limit policy as one JSON document (pingan_domain::appeal::TimeLimitPolicy), read
-- back through the same parser that checked it. No row: the shipped policy applies.
CREATE TABLE appeal_time_limits (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    policy      TEXT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);

-- Bumped in the same transaction as every change to the catalogue, the time limits or the
-- calendar, so that each instance sharing the database notices with one cheap read and
-- reloads its copy of the rules.
CREATE TABLE appeal_rules_version (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     BIGINT NOT NULL
);
INSERT INTO appeal_rules_version (id, version) VALUES (1, 0);
