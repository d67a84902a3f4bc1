-- 微心愿: residents' small wishes, claimed and fulfilled by party members and units, confirmed
-- by the resident (or the grid worker who posted it for them).
CREATE TABLE wishes (
    id             INTEGER PRIMARY KEY,
    poster_id      BIGINT NOT NULL REFERENCES accounts(id),
    -- the resident's name when a grid worker posted it for them
    for_name       TEXT,
    community_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path    TEXT NOT NULL,
    title          TEXT NOT NULL,
    detail         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    -- 'open' | 'claimed' | 'fulfilled' | 'confirmed' | 'withdrawn'
    state          TEXT NOT NULL,
    created_ms     BIGINT NOT NULL,
    claimed_by     BIGINT REFERENCES accounts(id),
    -- who claimed it, as the resident sees it (name masked, and the unit)
    claimer_label  TEXT,
    claimed_ms     BIGINT,
    fulfilled_ms   BIGINT,
    proof          TEXT,
    confirmed_ms   BIGINT,
    version        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX wishes_path ON wishes(region_path, state);
CREATE INDEX wishes_poster ON wishes(poster_id);
CREATE INDEX wishes_claimer ON wishes(claimed_by);

ALTER TABLE notifications ADD COLUMN wish_id BIGINT REFERENCES wishes(id);
