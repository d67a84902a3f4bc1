-- Administrators' changes to the working-day calendar, merged over the shipped
-- State Council schedules (pingan-domain/data/holidays.txt). One row per date.
CREATE TABLE calendar_days (
    day         TEXT PRIMARY KEY,   -- YYYY-MM-DD, China time
    kind        TEXT NOT NULL CHECK (kind IN ('holiday', 'makeup_workday')),
    name        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);
