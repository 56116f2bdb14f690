-- The double-entry ledger (crates/ledger) and the merchant-facing balance
-- transactions. Amounts are integer minor units; times are Unix seconds.

-- One account per owner, kind and currency; the id spells all three
-- (`acct_…:available:USD`, `connector:sandbox_card:clearing:USD`,
-- `platform:fee_revenue:USD`). The four totals are TigerBeetle's: a balance is read
-- from them on the kind's normal side.
CREATE TABLE ledger_accounts (
    id TEXT PRIMARY KEY,
    -- Set for a merchant's accounts, so a merchant's balances are one index lookup.
    merchant_id TEXT,
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    flags BIGINT NOT NULL,
    -- How far below zero a flagged account may go (a merchant's overdraft limit).
    negative_limit_minor BIGINT NOT NULL DEFAULT 0 CHECK (negative_limit_minor >= 0),
    debits_pending BIGINT NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    debits_posted BIGINT NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_pending BIGINT NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    credits_posted BIGINT NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_accounts_by_merchant ON ledger_accounts (merchant_id);

-- Append-only: a transfer is never updated, except a hold's `pending_state`, which
-- changes once (pending → posted or voided). Corrections are reversing transfers.
-- No foreign keys to `ledger_accounts`: every posting reads (or opens) both accounts in
-- its own transaction before inserting, and `tradewind ledger verify` reports a transfer
-- naming an unknown account; the two index lookups per insert would cost the hot path.
CREATE TABLE ledger_transfers (
    id TEXT PRIMARY KEY,
    debit_account_id TEXT NOT NULL,
    credit_account_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('single', 'pending', 'post_pending', 'void_pending')),
    pending_id TEXT,
    pending_state TEXT CHECK (pending_state IN ('pending', 'posted', 'voided')),
    source_id TEXT,
    created_at BIGINT NOT NULL,
    CHECK (debit_account_id <> credit_account_id),
    CHECK ((kind IN ('post_pending', 'void_pending')) = (pending_id IS NOT NULL)),
    CHECK ((kind = 'pending') = (pending_state IS NOT NULL))
);

-- What a merchant sees of the ledger, Stripe-shaped: one row per money movement
-- (a charge, a refund, a dispute, a payout…) with gross, fee and net, and when the
-- funds become available.
CREATE TABLE balance_transactions (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    type TEXT NOT NULL,
    reporting_category TEXT NOT NULL,
    amount BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    net BIGINT NOT NULL,
    currency TEXT NOT NULL,
    -- The fee's parts, JSON: [{"type", "description", "amount"}].
    fee_details TEXT NOT NULL DEFAULT '[]',
    source_id TEXT NOT NULL,
    payment_intent_id TEXT,
    connector TEXT,
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'available')),
    available_on BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (net = amount - fee)
);
CREATE INDEX balance_transactions_by_merchant ON balance_transactions (merchant_id, id);
CREATE INDEX balance_transactions_by_source ON balance_transactions (merchant_id, source_id);
-- The settlement sweep's work list: a merchant's pending rows by when they become available.
CREATE INDEX balance_transactions_due ON balance_transactions (merchant_id, status, available_on);
