-- Refunds made through a real provider (a Stripe or PayPal connector account): the
-- account that made it and the provider's own refund id, so the provider's webhooks
-- and the status sync find the refund. Both are NULL for sandbox refunds.
ALTER TABLE refunds ADD COLUMN connector_account_id TEXT;
ALTER TABLE refunds ADD COLUMN connector_reference TEXT;
CREATE INDEX refunds_connector_reference ON refunds (connector_account_id, connector_reference);
