-- Outgoing webhooks. The events table is the outbox: the dispatcher turns each event
-- not yet dispatched into one delivery per matching endpoint and marks it dispatched in
-- the same transaction (no id cursor: concurrent transactions commit out of id order).
ALTER TABLE events ADD COLUMN dispatched_at BIGINT;
-- Events written before webhooks existed had no endpoint to go to.
UPDATE events SET dispatched_at = created_at;
CREATE INDEX events_undispatched ON events (created_at, id) WHERE dispatched_at IS NULL;

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    url TEXT NOT NULL,
    description TEXT,
    -- JSON object of strings.
    metadata TEXT NOT NULL,
    -- JSON array of event types, or ["*"].
    enabled_events TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    -- Why it is disabled: by the merchant, or after failing for five days.
    disabled_reason TEXT CHECK (disabled_reason IS NULL OR disabled_reason IN ('merchant', 'failing')),
    -- The signing secret (whsec_…); HMAC needs it in the clear. Emptied on delete.
    secret TEXT NOT NULL,
    -- After a rotation, the old secret still signs until it expires (merchant clock).
    previous_secret TEXT,
    previous_secret_expires_at BIGINT,
    -- The merchant-clock time of the first failure since the last success.
    failing_since BIGINT,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_by_merchant ON webhook_endpoints (merchant_id, id);

-- One event owed to one endpoint. Workers claim a delivery by a conditional update of
-- its lease (real time), so an attempt is never sent twice at once and a crashed
-- worker's claim expires; `next_attempt_at` is on the merchant's clock.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    event_id TEXT NOT NULL REFERENCES events (id),
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0 AND attempts <= 8),
    next_attempt_at BIGINT NOT NULL,
    lease_token TEXT,
    lease_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id, id);
CREATE INDEX webhook_deliveries_by_lease ON webhook_deliveries (lease_token);

-- The attempt log: what each POST answered and how long it took.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempt BIGINT NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    -- Merchant-clock time of the attempt.
    attempted_at BIGINT NOT NULL,
    http_status BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX webhook_attempts_by_event ON webhook_attempts (event_id, delivery_id);
