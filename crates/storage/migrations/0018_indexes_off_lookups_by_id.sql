-- No index led by `merchant_id` may compete with the primary key for a lookup by id
-- (`WHERE id = $1 AND merchant_id = $2`). On a PostgreSQL table not yet analysed, an
-- index on (merchant_id, x) is costed like the key (one row each), and a cached generic
-- plan could keep it, so every lookup walked all of the merchant's rows: the payments
-- benchmark slowed by half over 20 seconds this way (`payment_intents_scheduled`). Each
-- such index now holds the id, is partial (a query that does not imply the predicate
-- cannot use it) or puts the merchant last. `tests/operations.rs` checks generic plans.
--
-- The sweeps' queues become partial: their columns are NULL (or the status is no longer
-- `pending`) once the work is done, so they hold only what is outstanding, and the
-- intents' sweep (expired or scheduled), which was planned as a walk over all of the
-- merchant's intents every five seconds, can OR two small index scans.
DROP INDEX payment_intents_expiring;
CREATE INDEX payment_intents_expiring ON payment_intents (merchant_id, expires_at) WHERE expires_at IS NOT NULL;
DROP INDEX payment_intents_scheduled;
CREATE INDEX payment_intents_scheduled ON payment_intents (merchant_id, scheduled_at) WHERE scheduled_at IS NOT NULL;
DROP INDEX refunds_scheduled;
CREATE INDEX refunds_scheduled ON refunds (merchant_id, scheduled_at) WHERE scheduled_at IS NOT NULL;
DROP INDEX disputes_scheduled;
CREATE INDEX disputes_scheduled ON disputes (merchant_id, scheduled_at) WHERE scheduled_at IS NOT NULL;
DROP INDEX payouts_due;
CREATE INDEX payouts_due ON payouts (merchant_id, next_step_at) WHERE next_step_at IS NOT NULL;
DROP INDEX balance_transactions_due;
CREATE INDEX balance_transactions_due ON balance_transactions (merchant_id, available_on) WHERE status = 'pending';
-- Balance transactions' other indexes led by the merchant are kept off lookups by id
-- the same way: by source, the source id alone (it names one payment, refund or
-- dispute); by connector, only the rows that have one.
DROP INDEX balance_transactions_by_source;
CREATE INDEX balance_transactions_by_source ON balance_transactions (source_id);
DROP INDEX balance_transactions_by_connector;
CREATE INDEX balance_transactions_by_connector ON balance_transactions (merchant_id, connector, available_on)
    WHERE connector IS NOT NULL;
-- Orders and conversations likewise: the unique order number is keyed number first
-- (the same pairs are unique), a buyer's orders by email first, and the support queue
-- and an agent's conversations hold only the rows queued or assigned.
DROP INDEX orders_number;
CREATE UNIQUE INDEX orders_number ON orders (number, merchant_id);
DROP INDEX orders_by_buyer;
CREATE INDEX orders_by_buyer ON orders (buyer_email, merchant_id);
DROP INDEX conversations_by_assignee;
CREATE INDEX conversations_by_assignee ON conversations (merchant_id, assignee_id, status)
    WHERE assignee_id IS NOT NULL;
DROP INDEX conversations_queue;
CREATE INDEX conversations_queue ON conversations (merchant_id, queued_at_ms) WHERE queued_at_ms IS NOT NULL;
-- The support desk's unique names and a report's fingerprint: the same keys, the
-- merchant last.
DROP INDEX support_agents_email;
CREATE UNIQUE INDEX support_agents_email ON support_agents (email, merchant_id);
DROP INDEX support_teams_name;
CREATE UNIQUE INDEX support_teams_name ON support_teams (name, merchant_id);
DROP INDEX canned_responses_shortcut;
CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (shortcut, merchant_id);
DROP INDEX reconciliation_reports_once;
CREATE UNIQUE INDEX reconciliation_reports_once ON reconciliation_reports (fingerprint, connector, merchant_id);
-- A merchant's keys and ledger accounts: the id added after the merchant.
DROP INDEX api_keys_by_merchant;
CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id, id);
DROP INDEX ledger_accounts_by_merchant;
CREATE INDEX ledger_accounts_by_merchant ON ledger_accounts (merchant_id, id);
