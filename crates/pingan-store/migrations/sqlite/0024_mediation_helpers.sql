-- The 五老 asked to help mediate a case, as task_helpers (0021) does for tasks.
CREATE TABLE mediation_helpers (
    case_id   BIGINT NOT NULL REFERENCES mediation_cases(id),
    elder_id  BIGINT NOT NULL REFERENCES elders(id),
    added_by  BIGINT NOT NULL REFERENCES accounts(id),
    added_ms  BIGINT NOT NULL,
    PRIMARY KEY (case_id, elder_id)
);
CREATE INDEX mediation_helpers_elder ON mediation_helpers(elder_id);
