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
