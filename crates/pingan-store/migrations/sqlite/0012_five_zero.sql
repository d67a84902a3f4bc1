-- Safe creation, second part: the township's confirmations on a village's 五零 evaluation, the
-- appeal an incident was registered from, and the flag that a dispute turned violent.

-- A confirmation on one village's 五零 evaluation for one year, with its reason:
-- 'broken' records an event the platform holds no record of (it breaks zero_code);
-- 'excluded' sets one record (record_source, record_id) aside for zero_code.
-- Withdrawn, never deleted, so the evaluation's history can be read back.
CREATE TABLE five_zero_confirmations (
    id            INTEGER PRIMARY KEY,
    village_id    BIGINT NOT NULL REFERENCES regions(id),
    region_path   TEXT NOT NULL,
    year          BIGINT NOT NULL,
    zero_code     TEXT NOT NULL,
    verdict       TEXT NOT NULL,
    -- broken: the day of the event (China date, YYYY-MM-DD)
    occurred_on   TEXT,
    -- excluded: 'incident' or 'mediation', and its id
    record_source TEXT,
    record_id     BIGINT,
    reason        TEXT NOT NULL,
    created_by    BIGINT REFERENCES accounts(id),
    created_ms    BIGINT NOT NULL,
    withdrawn_by  BIGINT REFERENCES accounts(id),
    withdrawn_ms  BIGINT
);
CREATE INDEX five_zero_confirmations_path ON five_zero_confirmations(year, region_path);
-- A record is set aside once per zero and village.
CREATE UNIQUE INDEX five_zero_confirmations_once ON five_zero_confirmations(village_id, year, zero_code, record_source, record_id)
    WHERE verdict = 'excluded' AND withdrawn_ms IS NULL;

-- An incident registered from a citizen's appeal (an appeal found to be such an event), once.
ALTER TABLE safety_incidents ADD COLUMN appeal_id BIGINT REFERENCES appeals(id);
CREATE UNIQUE INDEX safety_incidents_appeal ON safety_incidents(appeal_id) WHERE appeal_id IS NOT NULL;

-- The parties came to blows (the case's risk factors): what breaks the 五零 "民转刑" zero, as a
-- column so the evaluation reads it without parsing a year of case snapshots.
ALTER TABLE mediation_cases ADD COLUMN violent BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE mediation_cases SET violent = TRUE WHERE snapshot LIKE '%"violence":true%';
CREATE INDEX mediation_cases_violent ON mediation_cases(region_path, opened_ms) WHERE violent;

-- Periodic jobs that must run once per period across all instances (the hourly derivation of
-- safe-creation proposals): the instance that moves due_ms forward runs the job.
CREATE TABLE scheduled_jobs (
    name    TEXT PRIMARY KEY,
    due_ms  BIGINT NOT NULL,
    holder  TEXT NOT NULL
);
