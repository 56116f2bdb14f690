-- Provider webhooks received for a connector account, one row per provider event id:
-- the row is written in the transaction that applies the event, so a replay finds it
-- and changes nothing. `outcome` says what the event did: `applied`, `ignored_stale`
-- (it would have moved a status backwards or changed a final one) or `ignored_unknown`
-- (it names nothing this account's merchant has).
CREATE TABLE connector_webhook_events (
    connector_account_id TEXT NOT NULL REFERENCES connector_accounts (id),
    provider_event_id TEXT NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    event_type TEXT NOT NULL,
    -- The object the event is about (pa_…, re_…), as the provider named it.
    object_id TEXT,
    -- The merchant's clock when it arrived.
    received_at BIGINT NOT NULL,
    -- SHA-256 of the raw body, hex.
    payload_sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'ignored_stale', 'ignored_unknown')),
    PRIMARY KEY (connector_account_id, provider_event_id)
);
CREATE INDEX connector_webhook_events_by_object ON connector_webhook_events (merchant_id, object_id);
