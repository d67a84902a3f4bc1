-- The tamper-evident ledger: append-only Merkle logs ('prepaid', 'audit') hashed as RFC 9162,
-- with the hash of every full subtree kept so that proofs never rehash the tree, and the
-- checkpoints the log signed.

-- One row per log: how many entries it holds and the root of that tree. Appends lock it, so
-- a log grows one transaction at a time across instances.
CREATE TABLE ledger_logs (
    log   TEXT PRIMARY KEY,
    size  BIGINT NOT NULL,
    root  BLOB NOT NULL
);

-- The entries: each one's canonical bytes, the leaf of the tree.
CREATE TABLE ledger_entries (
    log    TEXT NOT NULL,
    idx    BIGINT NOT NULL,
    entry  BLOB NOT NULL,
    at_ms  BIGINT NOT NULL,
    PRIMARY KEY (log, idx)
) WITHOUT ROWID;

-- The hash of every full subtree, keyed node = level × 2^48 + index (level 0: the leaves).
CREATE TABLE ledger_nodes (
    log   TEXT NOT NULL,
    node  BIGINT NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (log, node)
) WITHOUT ROWID;

-- Signed tree heads (C2SP signed notes), one per log and size.
CREATE TABLE ledger_checkpoints (
    log        TEXT NOT NULL,
    size       BIGINT NOT NULL,
    root       BLOB NOT NULL,
    note       TEXT NOT NULL,
    signed_ms  BIGINT NOT NULL,
    PRIMARY KEY (log, size)
);

-- A signing key generated on first use when the operator configured none (the demo, tests);
-- production configures its own and this table stays empty.
CREATE TABLE ledger_keys (
    name        TEXT PRIMARY KEY,
    signer_key  TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);
