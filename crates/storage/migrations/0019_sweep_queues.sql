-- The sweep asks every merchant every five seconds for its outstanding work, so each of
-- its questions must read only what is outstanding. Two of them read far more on
-- SQLite, which has no statistics to plan with (nothing runs `ANALYZE`):
-- - the attempts waiting at a provider (`payment_attempts` had no index with the
--   merchant at all: every merchant's sweep scanned the whole table);
-- - the refunds waiting at a provider (all of the merchant's refunds).
-- Each gets a partial index holding only the rows outstanding, written by nothing else:
-- a sandbox payment's attempt never enters the first.
CREATE INDEX payment_attempts_at_connector ON payment_attempts (merchant_id, updated_at)
    WHERE status IN ('processing', 'requires_action') AND substr(connector, 1, 4) = 'mca_';
CREATE INDEX refunds_at_connector ON refunds (merchant_id, updated_at)
    WHERE status = 'pending' AND connector_reference IS NOT NULL;
-- The support sweep's conversations with work due (a snooze ending, an SLA deadline
-- passing) likewise: one partial index per kind of work, holding the conversations
-- it may still be due on, where the question walked all of the merchant's
-- conversations, resolved ones included.
CREATE INDEX conversations_snoozed ON conversations (merchant_id, snoozed_until) WHERE status = 'snoozed';
CREATE INDEX conversations_first_response_due ON conversations (merchant_id, first_response_due_at)
    WHERE sla_first_response_breached = 0 AND first_response_at IS NULL AND status <> 'resolved';
CREATE INDEX conversations_resolution_due ON conversations (merchant_id, resolution_due_at)
    WHERE sla_resolution_breached = 0 AND status <> 'resolved';
