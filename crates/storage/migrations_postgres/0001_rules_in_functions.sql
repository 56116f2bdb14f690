-- PostgreSQL only (run after `migrations/`, tracked in `_sqlx_migrations_postgres`).
--
-- PostgreSQL builds a table's CHECK constraints anew for every statement that writes
-- the table: it reads each rule's stored expression tree back from text and plans it,
-- then evaluates it per row. A transfer's six rules, spelt as OR chains for SQLite's
-- sake (migration 0017), cost more than the insert they guard: counted with callgrind
-- on a stand-alone backend, a capture's three-transfer insert took about 369,000
-- instructions, 200,000 of them building the rules; a balance transaction's two rules
-- took 51,000 of its 204,000.
--
-- The same rules, each table's in one function: the statement then reads one small
-- call, and PL/pgSQL compiles the body once per connection and keeps it. A capture's
-- transfer insert with the function costs about 51,000 instructions for its rules
-- instead of 200,000. The rules are unchanged, every column included: a NULL where
-- the old rule let NULL through passes here too (the columns a rule compares are
-- NOT NULL, and `pending_state` is tested for NULL first).

CREATE FUNCTION ledger_transfer_valid(
    amount_minor BIGINT,
    debit_account_id TEXT,
    credit_account_id TEXT,
    kind TEXT,
    pending_id TEXT,
    pending_state TEXT
) RETURNS BOOLEAN LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN amount_minor > 0
        AND debit_account_id <> credit_account_id
        AND kind IN ('single', 'pending', 'post_pending', 'void_pending')
        AND (pending_state IS NULL OR pending_state IN ('pending', 'posted', 'voided'))
        AND (kind IN ('post_pending', 'void_pending')) = (pending_id IS NOT NULL)
        AND (kind = 'pending') = (pending_state IS NOT NULL);
END
$$;

ALTER TABLE ledger_transfers
    DROP CONSTRAINT ledger_transfers_checked_amount_minor_check,
    DROP CONSTRAINT ledger_transfers_checked_check,
    DROP CONSTRAINT ledger_transfers_checked_check1,
    DROP CONSTRAINT ledger_transfers_checked_check2,
    DROP CONSTRAINT ledger_transfers_checked_kind_check,
    DROP CONSTRAINT ledger_transfers_checked_pending_state_check,
    ADD CONSTRAINT ledger_transfers_valid
        CHECK (ledger_transfer_valid(amount_minor, debit_account_id, credit_account_id, kind, pending_id, pending_state));

CREATE FUNCTION balance_transaction_valid(amount BIGINT, fee BIGINT, net BIGINT, status TEXT)
RETURNS BOOLEAN LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN net = amount - fee AND status IN ('pending', 'available');
END
$$;

ALTER TABLE balance_transactions
    DROP CONSTRAINT balance_transactions_keyed_check,
    DROP CONSTRAINT balance_transactions_keyed_status_check,
    ADD CONSTRAINT balance_transactions_valid CHECK (balance_transaction_valid(amount, fee, net, status));
