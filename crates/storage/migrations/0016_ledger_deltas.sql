-- On PostgreSQL a posting adds to the accounts many payments share (a connector's
-- clearing account, the platform's fee revenue, a merchant's pending balance) by
-- inserting a row here instead of updating the account: an update would hold the
-- account's row lock until the commit's WAL flush, so concurrent payments would queue
-- behind one another's flushes. A background step folds the rows into their accounts
-- (`tradewind_storage::ledger::fold_deltas`); until then an account's totals are its
-- row plus its unfolded rows here, which is what every read of a balance returns.
-- SQLite's one writer updates the accounts directly and leaves this table empty.
CREATE TABLE ledger_account_deltas (
    account_id TEXT NOT NULL,
    debits_pending BIGINT NOT NULL,
    debits_posted BIGINT NOT NULL,
    credits_pending BIGINT NOT NULL,
    credits_posted BIGINT NOT NULL
);
CREATE INDEX ledger_account_deltas_by_account ON ledger_account_deltas (account_id);

-- Every account with its totals as of now (row plus unfolded deltas), for queries by hand.
CREATE VIEW ledger_balances AS
SELECT ledger_accounts.id, ledger_accounts.merchant_id, ledger_accounts.kind, ledger_accounts.currency,
    ledger_accounts.flags, ledger_accounts.negative_limit_minor,
    ledger_accounts.debits_pending + COALESCE(deltas.debits_pending, 0) AS debits_pending,
    ledger_accounts.debits_posted + COALESCE(deltas.debits_posted, 0) AS debits_posted,
    ledger_accounts.credits_pending + COALESCE(deltas.credits_pending, 0) AS credits_pending,
    ledger_accounts.credits_posted + COALESCE(deltas.credits_posted, 0) AS credits_posted,
    ledger_accounts.created_at
FROM ledger_accounts
LEFT JOIN (
    SELECT account_id,
        CAST(SUM(debits_pending) AS BIGINT) AS debits_pending,
        CAST(SUM(debits_posted) AS BIGINT) AS debits_posted,
        CAST(SUM(credits_pending) AS BIGINT) AS credits_pending,
        CAST(SUM(credits_posted) AS BIGINT) AS credits_posted
    FROM ledger_account_deltas
    GROUP BY account_id
) AS deltas ON deltas.account_id = ledger_accounts.id;
