-- Prepaid consumption supervision (预付式消费): merchants, their stores and products, the
-- cards and money flows the POS systems and the escrow bank report, the regulators' signals,
-- the daily assessments and the cases that red and orange warnings open.

-- The rules document (escrow ratios, scoring), one row per version; the newest is in force.
CREATE TABLE prepaid_rules (
    id          INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    created_by  BIGINT REFERENCES accounts(id)
);

CREATE TABLE prepaid_merchants (
    id                INTEGER PRIMARY KEY,
    licence           TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    -- The name people use (a brand, a shop sign), matched in complaints.
    brand             TEXT NOT NULL,
    legal_rep         TEXT NOT NULL,
    industry          TEXT NOT NULL,
    issuer_type       TEXT NOT NULL,
    opened_on         TEXT NOT NULL,
    region_id         BIGINT NOT NULL REFERENCES regions(id),
    region_path       TEXT NOT NULL,
    -- The market-regulation department that supervises it (the county's, else the city's).
    regulator_org_id  BIGINT REFERENCES orgs(id),
    closed_ms         BIGINT,
    -- Balances, always current: changed in the transaction of every flow.
    outstanding_fen   BIGINT NOT NULL DEFAULT 0,
    escrow_fen        BIGINT NOT NULL DEFAULT 0,
    -- The stop order in force (its reason), if any.
    stop_order        TEXT,
    -- The latest assessment.
    warning_level     TEXT NOT NULL DEFAULT 'none',
    credit_grade      TEXT NOT NULL DEFAULT 'A',
    risk_score        BIGINT NOT NULL DEFAULT 0,
    credit_score      BIGINT NOT NULL DEFAULT 100,
    required_fen      BIGINT NOT NULL DEFAULT 0,
    required_percent  BIGINT NOT NULL DEFAULT 0,
    assessment        TEXT,
    assessed_ms       BIGINT,
    created_ms        BIGINT NOT NULL
);
CREATE INDEX prepaid_merchants_path ON prepaid_merchants(region_path);
CREATE INDEX prepaid_merchants_level ON prepaid_merchants(warning_level, region_path);

CREATE TABLE prepaid_stores (
    id           INTEGER PRIMARY KEY,
    merchant_id  BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    name         TEXT NOT NULL,
    address      TEXT NOT NULL,
    lon          REAL NOT NULL,
    lat          REAL NOT NULL,
    -- The grid it stands in, and that grid's path.
    region_id    BIGINT NOT NULL REFERENCES regions(id),
    region_path  TEXT NOT NULL,
    created_ms   BIGINT NOT NULL
);
CREATE INDEX prepaid_stores_merchant ON prepaid_stores(merchant_id);

CREATE TABLE prepaid_products (
    id            INTEGER PRIMARY KEY,
    merchant_id   BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    price_fen     BIGINT NOT NULL,
    sessions      BIGINT,
    period_days   BIGINT,
    terms         TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    UNIQUE (merchant_id, code)
);

-- A card: its balance, and the salt of its commitment in the ledger. Erasing a holder's data
-- (PIPL) clears the card number and the salt; the ledger keeps its leaves.
CREATE TABLE prepaid_cards (
    id            INTEGER PRIMARY KEY,
    merchant_id   BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    card_no       TEXT NOT NULL,
    product_id    BIGINT REFERENCES prepaid_products(id),
    salt          BLOB,
    balance_fen   BIGINT NOT NULL,
    created_ms    BIGINT NOT NULL,
    erased_ms     BIGINT,
    UNIQUE (merchant_id, card_no)
);

-- Systems that report flows: a merchant's POS (its own merchant only) or the escrow bank.
-- Only a hash of the token is kept.
CREATE TABLE prepaid_clients (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    merchant_id  BIGINT REFERENCES prepaid_merchants(id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_ms   BIGINT NOT NULL,
    created_by   BIGINT REFERENCES accounts(id),
    revoked_ms   BIGINT
);

CREATE TABLE prepaid_flows (
    id            INTEGER PRIMARY KEY,
    merchant_id   BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    card_id       BIGINT REFERENCES prepaid_cards(id),
    kind          TEXT NOT NULL,
    amount_fen    BIGINT NOT NULL,
    occurred_ms   BIGINT NOT NULL,
    recorded_ms   BIGINT NOT NULL,
    -- 'api:<client id>', 'import' (files; the key is the file's hash), 'demo'.
    source        TEXT NOT NULL,
    reference     TEXT,
    idem_key      TEXT,
    request_hash  TEXT,
    ledger_index  BIGINT NOT NULL,
    leaf_hash     BLOB NOT NULL,
    UNIQUE (source, idem_key)
);
CREATE INDEX prepaid_flows_merchant ON prepaid_flows(merchant_id, kind, occurred_ms);
CREATE INDEX prepaid_flows_card ON prepaid_flows(card_id, id);
CREATE UNIQUE INDEX prepaid_flows_ledger ON prepaid_flows(ledger_index);

CREATE TABLE prepaid_signals (
    id            INTEGER PRIMARY KEY,
    merchant_id   BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    kind          TEXT NOT NULL,
    note          TEXT NOT NULL,
    occurred_ms   BIGINT NOT NULL,
    recorded_ms   BIGINT NOT NULL,
    recorded_by   BIGINT REFERENCES accounts(id),
    lifted_ms     BIGINT,
    lifted_by     BIGINT REFERENCES accounts(id),
    lift_note     TEXT
);
CREATE INDEX prepaid_signals_merchant ON prepaid_signals(merchant_id, kind, occurred_ms);

-- Citizens' F01–F03 appeals linked to a merchant, and by what.
CREATE TABLE prepaid_complaints (
    merchant_id  BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    appeal_id    BIGINT NOT NULL REFERENCES appeals(id),
    matched_by   TEXT NOT NULL,
    received_ms  BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, appeal_id)
);

-- One assessment per merchant and day (the latest of the day): the trend.
CREATE TABLE prepaid_assessments (
    merchant_id   BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    day           TEXT NOT NULL,
    region_path   TEXT NOT NULL,
    industry      TEXT NOT NULL,
    level         TEXT NOT NULL,
    grade         TEXT NOT NULL,
    risk_score    BIGINT NOT NULL,
    outstanding_fen BIGINT NOT NULL,
    escrow_fen    BIGINT NOT NULL,
    required_fen  BIGINT NOT NULL,
    assessed_ms   BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, day)
);
CREATE INDEX prepaid_assessments_day ON prepaid_assessments(day, region_path);

-- A tracked case opened by an orange or red warning: one open case per merchant.
CREATE TABLE prepaid_cases (
    id                INTEGER PRIMARY KEY,
    merchant_id       BIGINT NOT NULL REFERENCES prepaid_merchants(id),
    region_path       TEXT NOT NULL,
    level             TEXT NOT NULL,
    reasons           TEXT NOT NULL,
    regulator_org_id  BIGINT REFERENCES orgs(id),
    opened_ms         BIGINT NOT NULL,
    due_ms            BIGINT NOT NULL,
    status            TEXT NOT NULL,
    closed_ms         BIGINT,
    closed_by         BIGINT REFERENCES accounts(id),
    outcome           TEXT
);
CREATE UNIQUE INDEX prepaid_cases_open ON prepaid_cases(merchant_id) WHERE status <> 'closed';
CREATE INDEX prepaid_cases_path ON prepaid_cases(region_path, status);

CREATE TABLE prepaid_case_events (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES prepaid_cases(id),
    at_ms       BIGINT NOT NULL,
    actor_id    BIGINT REFERENCES accounts(id),
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX prepaid_case_events_case ON prepaid_case_events(case_id, id);

ALTER TABLE notifications ADD COLUMN prepaid_case_id BIGINT REFERENCES prepaid_cases(id);
