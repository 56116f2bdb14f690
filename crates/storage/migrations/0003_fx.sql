-- Exchange rates and locked quotes. Rates are decimal strings (TEXT, as
-- `rust_decimal` prints them: plain digits, never floats or exponents); amounts are
-- integer minor units; times are Unix seconds.

-- Platform-wide rates (merchant_id NULL: the ECB reference rates, imported by
-- `tradewind fx import` or seeded at start-up) and a merchant's own manual rates,
-- which take precedence over the platform's for that merchant. One rate per pair,
-- scope and instant; the latest `as_of` answers.
CREATE TABLE fx_rates (
    merchant_id TEXT REFERENCES merchants (id),
    base TEXT NOT NULL,
    quote TEXT NOT NULL,
    -- Units of `quote` per unit of `base`.
    rate TEXT NOT NULL CHECK (CAST(rate AS NUMERIC) > 0),
    source TEXT NOT NULL CHECK (source IN ('ecb', 'manual')),
    as_of BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (base <> quote),
    CHECK (merchant_id IS NULL OR source = 'manual')
);
-- The scope '' is the platform's. The same expression serves the lookups
-- (`WHERE COALESCE(merchant_id, '') = $1`) and the upsert of a manual rate.
CREATE UNIQUE INDEX fx_rates_one_per_instant ON fx_rates ((COALESCE(merchant_id, '')), base, quote, as_of);

-- A rate locked for a merchant until `expires_at`: `rate` is `mid_rate` with the
-- platform's markup. `used_at`/`used_by` record the object that booked it.
CREATE TABLE fx_quotes (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    from_currency TEXT NOT NULL,
    to_currency TEXT NOT NULL,
    mid_rate TEXT NOT NULL CHECK (CAST(mid_rate AS NUMERIC) > 0),
    rate TEXT NOT NULL CHECK (CAST(rate AS NUMERIC) > 0),
    markup_basis_points BIGINT NOT NULL CHECK (markup_basis_points >= 0),
    source TEXT NOT NULL CHECK (source IN ('ecb', 'manual', 'provider', 'mixed')),
    -- When the mid rate was published (the older leg's time for a cross rate).
    rate_as_of BIGINT NOT NULL,
    -- Minor units of from_currency, and of to_currency at `rate`.
    amount BIGINT CHECK (amount > 0),
    converted_amount BIGINT CHECK (converted_amount >= 0),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by TEXT,
    CHECK (from_currency <> to_currency),
    CHECK (expires_at > created_at),
    CHECK ((amount IS NULL) = (converted_amount IS NULL)),
    CHECK ((used_at IS NULL) = (used_by IS NULL))
);
CREATE INDEX fx_quotes_by_merchant ON fx_quotes (merchant_id, id);
