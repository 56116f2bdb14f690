-- A merchant's routing rules (`/v1/routing/rules`): the ordered list as written, as
-- JSON, replaced whole on every change.
CREATE TABLE routing_rules (
    merchant_id TEXT PRIMARY KEY,
    rules TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
