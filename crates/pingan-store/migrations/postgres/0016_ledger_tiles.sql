-- Leaf hashes move into tiles of 256 (C2SP tlog-tiles, lowest level): one row holds the leaf
-- hashes of entries tile·256 .. tile·256+255, concatenated; the last tile of a log grows until
-- it is full. Subtrees below 256 entries are recomputed from their tile and no longer stored.
CREATE TABLE ledger_tiles (
    log     TEXT NOT NULL,
    tile    BIGINT NOT NULL,
    hashes  BYTEA NOT NULL,
    PRIMARY KEY (log, tile)
);
-- Hashes do not compress: keep PostgreSQL from trying.
ALTER TABLE ledger_tiles ALTER COLUMN hashes SET STORAGE EXTERNAL;

-- Existing logs: level-0 nodes (node < 2^48) become tiles, in index order.
INSERT INTO ledger_tiles (log, tile, hashes)
SELECT log, node >> 8, string_agg(hash, ''::bytea ORDER BY node)
FROM ledger_nodes
WHERE node < 281474976710656
GROUP BY log, node >> 8;

-- Levels 0 to 7 (node < 8 · 2^48) are now read from the tiles.
DELETE FROM ledger_nodes WHERE node < 2251799813685248;
