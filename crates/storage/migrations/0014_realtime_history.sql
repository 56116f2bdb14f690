-- History of the realtime layer's persistent namespaces (`support`, `notifications`):
-- each channel's epoch and last offset, and its kept publications as the exact frames
-- subscribers received. Memory-only namespaces never reach these tables.
CREATE TABLE realtime_channels (
    merchant_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    epoch TEXT NOT NULL,
    last_offset BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, channel)
);

CREATE TABLE realtime_publications (
    merchant_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    epoch TEXT NOT NULL,
    position BIGINT NOT NULL,
    frame TEXT NOT NULL,
    published_at_ms BIGINT NOT NULL,
    -- published_at_ms plus the namespace's history TTL; the sweep deletes past it.
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, channel, epoch, position)
);

CREATE INDEX realtime_publications_expiry ON realtime_publications (expires_at_ms);
