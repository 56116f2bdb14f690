-- Payouts to merchants' bank accounts, their payout settings and rolling reserves.
-- Amounts are integer minor units; times are Unix seconds; dates are the Unix seconds
-- of their midnight UTC.

-- One row per merchant that changed its settings (no row: no reserve, manual
-- payouts, no bank account).
CREATE TABLE payout_settings (
    merchant_id TEXT PRIMARY KEY REFERENCES merchants (id),
    -- The rolling reserve: this share of each settlement is held `reserve_days` days.
    reserve_basis_points BIGINT NOT NULL DEFAULT 0 CHECK (reserve_basis_points BETWEEN 0 AND 10000),
    reserve_days BIGINT NOT NULL DEFAULT 0 CHECK (reserve_days BETWEEN 0 AND 365),
    payout_schedule TEXT NOT NULL DEFAULT 'manual'
        CHECK (payout_schedule IN ('manual', 'daily', 'weekly', 'monthly')),
    weekly_anchor TEXT CHECK (weekly_anchor IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday',
        'saturday', 'sunday')),
    monthly_anchor BIGINT CHECK (monthly_anchor BETWEEN 1 AND 31),
    -- Automatic payouts smaller than this (in any currency's minor unit) wait.
    minimum_amount BIGINT NOT NULL DEFAULT 0 CHECK (minimum_amount >= 0),
    -- The bank account: what a payout needs to reach it. The API shows only the last
    -- four characters of the number.
    bank_account_holder_name TEXT,
    bank_account_number TEXT,
    bank_code TEXT,
    bank_country TEXT,
    -- The last day an automatic payout ran: claimed by a conditional update, so two
    -- sweeps never pay the same day out twice.
    last_automatic_payout_on BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((bank_account_number IS NULL) = (bank_account_holder_name IS NULL)),
    CHECK (payout_schedule <> 'weekly' OR weekly_anchor IS NOT NULL),
    CHECK (payout_schedule <> 'monthly' OR monthly_anchor IS NOT NULL)
);

CREATE TABLE payouts (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'in_transit', 'paid', 'failed', 'canceled')),
    -- 1 when the payout schedule created it, 0 when the merchant asked for it.
    automatic BIGINT NOT NULL CHECK (automatic IN (0, 1)),
    description TEXT,
    -- JSON: the bank account as shown (holder, last4, bank code, country).
    destination TEXT NOT NULL,
    -- What the sandbox bank will do on the arrival date: 'paid' or a failure code.
    sandbox_outcome TEXT NOT NULL,
    failure_code TEXT,
    failure_message TEXT,
    arrival_date BIGINT NOT NULL,
    -- When the sweep moves it next; NULL once it is paid, failed or canceled.
    next_step_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
    CHECK ((status IN ('pending', 'in_transit')) = (next_step_at IS NOT NULL))
);
CREATE INDEX payouts_by_merchant ON payouts (merchant_id, id);
CREATE INDEX payouts_due ON payouts (merchant_id, next_step_at);
