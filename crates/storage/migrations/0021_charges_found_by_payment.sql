-- A payment's charge balance transaction is found through the payment, as Stripe's
-- charge names its `balance_transaction`: the capture that books the charge updates the
-- intent's row anyway, so naming the charge there writes nothing more, where an entry
-- in the index on sources is one more B-tree (a page of the commit, and of the
-- checkpoint) per capture. The index on sources now holds every other row (refunds,
-- disputes, reserves, payouts, adjustments), which are found by their sources as before;
-- a query names `type <> 'charge'` to use it.
ALTER TABLE payment_intents ADD COLUMN balance_transaction_id TEXT;
UPDATE payment_intents SET balance_transaction_id = (
    SELECT b.id FROM balance_transactions b
    WHERE b.source_id = payment_intents.id AND b.type = 'charge'
    ORDER BY b.id LIMIT 1
);
DROP INDEX balance_transactions_by_source;
CREATE INDEX balance_transactions_by_source ON balance_transactions (source_id) WHERE type <> 'charge';
