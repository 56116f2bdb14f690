-- Payments core schema. Portable between SQLite and PostgreSQL: TEXT, BIGINT, and
-- JSON kept as TEXT. Times are Unix seconds. Amounts are integer minor units.

CREATE TABLE merchants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- The sandbox test clock: this merchant's "now" is the real time plus this offset.
    clock_offset_seconds BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    kind TEXT NOT NULL CHECK (kind IN ('secret', 'publishable')),
    -- SHA-256 of the key; the key itself is shown once and never stored.
    key_hash TEXT NOT NULL UNIQUE,
    display_suffix TEXT NOT NULL,
    -- Publishable keys are public by design (they sit in checkout pages), so they are
    -- kept readable; secret keys never are (NULL here).
    publishable_key TEXT,
    created_at BIGINT NOT NULL,
    -- Set when the key is rolled: it keeps working until then.
    expires_at BIGINT,
    CHECK (kind = 'publishable' OR publishable_key IS NULL)
);
CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id);

CREATE TABLE payment_intents (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requires_payment_method', 'requires_confirmation',
        'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled')),
    capture_method TEXT NOT NULL CHECK (capture_method IN ('automatic', 'manual')),
    payment_method_types TEXT NOT NULL,
    payment_method_type TEXT,
    payment_method_details TEXT,
    amount_capturable BIGINT NOT NULL DEFAULT 0 CHECK (amount_capturable >= 0),
    amount_received BIGINT NOT NULL DEFAULT 0 CHECK (amount_received >= 0),
    amount_refunded BIGINT NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0 AND amount_refunded <= amount_received),
    client_secret TEXT NOT NULL,
    customer TEXT,
    description TEXT,
    statement_descriptor TEXT,
    metadata TEXT NOT NULL,
    next_action TEXT,
    last_payment_error TEXT,
    cancellation_reason TEXT,
    latest_attempt_id TEXT,
    connector TEXT,
    return_url TEXT,
    expires_at BIGINT,
    scheduled_at BIGINT,
    scheduled_outcome TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX payment_intents_by_merchant ON payment_intents (merchant_id, id);
CREATE INDEX payment_intents_expiring ON payment_intents (merchant_id, expires_at);
CREATE INDEX payment_intents_scheduled ON payment_intents (merchant_id, scheduled_at);

CREATE TABLE payment_attempts (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    payment_intent_id TEXT NOT NULL REFERENCES payment_intents (id),
    connector TEXT NOT NULL,
    payment_method_type TEXT NOT NULL,
    -- Brand, last four, expiry, fingerprint, bank, tax id kind: never a card number.
    payment_method_details TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    -- Running total of funds received (bank transfers can arrive in parts).
    amount_received BIGINT NOT NULL DEFAULT 0,
    error_code TEXT,
    decline_code TEXT,
    error_message TEXT,
    -- Connector reference: bank transfer reference, boleto number, PayPal order id.
    reference TEXT,
    flags TEXT NOT NULL,
    return_url TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX payment_attempts_by_intent ON payment_attempts (payment_intent_id);
CREATE UNIQUE INDEX payment_attempts_by_reference ON payment_attempts (reference);

CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    payment_intent_id TEXT NOT NULL REFERENCES payment_intents (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason TEXT,
    failure_reason TEXT,
    destination TEXT,
    metadata TEXT NOT NULL,
    scheduled_at BIGINT,
    scheduled_outcome TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX refunds_by_merchant ON refunds (merchant_id, id);
CREATE INDEX refunds_by_intent ON refunds (payment_intent_id);
CREATE INDEX refunds_scheduled ON refunds (merchant_id, scheduled_at);

CREATE TABLE payment_links (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    description TEXT,
    success_url TEXT,
    active BIGINT NOT NULL,
    metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX payment_links_by_merchant ON payment_links (merchant_id, id);

CREATE TABLE checkout_sessions (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    payment_intent_id TEXT NOT NULL REFERENCES payment_intents (id),
    payment_link_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
    locale TEXT,
    customer_country TEXT,
    customer_email TEXT,
    customer_name TEXT,
    success_url TEXT,
    cancel_url TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX checkout_sessions_by_merchant ON checkout_sessions (merchant_id, id);

-- Idempotency keys: one row per (merchant, key). The first request inserts the row
-- "in flight"; the stored response replays for the same body.
CREATE TABLE idempotency_keys (
    merchant_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- Events are written in the same transaction as the state change they describe.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    event_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_by_merchant ON events (merchant_id, id);
