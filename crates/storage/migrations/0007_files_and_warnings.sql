-- Files merchants upload (dispute evidence) and early fraud warnings (Stripe's Radar
-- `issfr_` objects). Times are Unix seconds.

-- An uploaded file and its bytes. `contents` is BYTEA: PostgreSQL's binary type, and on
-- SQLite a column that keeps the BLOB bound to it as it is (sqlx's `Any` driver binds
-- `Vec<u8>` as a blob on both). `file_type` is what the bytes are (by their magic number),
-- never what the client claimed.
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('dispute_evidence')),
    filename TEXT NOT NULL,
    file_type TEXT NOT NULL CHECK (file_type IN ('pdf', 'jpg', 'png')),
    size BIGINT NOT NULL CHECK (size > 0 AND size <= 5242880),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    contents BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX files_by_merchant ON files (merchant_id, id);

-- The issuer's notice that a payment looks fraudulent. One per payment (the unique
-- index), so two sweeps cannot both create it. Whether it is still actionable (the
-- payment neither fully refunded nor disputed) is computed when it is read.
CREATE TABLE early_fraud_warnings (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    payment_intent_id TEXT NOT NULL UNIQUE REFERENCES payment_intents (id),
    fraud_type TEXT NOT NULL CHECK (fraud_type IN ('made_with_stolen_card')),
    created_at BIGINT NOT NULL
);
CREATE INDEX early_fraud_warnings_by_merchant ON early_fraud_warnings (merchant_id, id);
