-- Connector accounts: a merchant's accounts with the providers that process its
-- payments (a sandbox, Stripe, PayPal), in the merchant's order of preference. A
-- merchant without any keeps the implicit sandbox connector of each method.
--
-- Credentials and the webhook signing secret are kept encrypted (AES-256-GCM with the
-- server's credentials key, `v1:` + base64 of nonce, ciphertext and tag), bound to the
-- row by their associated data (merchant, account, column), so a ciphertext copied to
-- another row or column does not decrypt. Only a masked hint is kept in the clear.
CREATE TABLE connector_accounts (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    connector TEXT NOT NULL CHECK (connector IN ('sandbox', 'stripe', 'paypal')),
    label TEXT NOT NULL,
    -- JSON array of payment method types, e.g. ["card"].
    payment_methods TEXT NOT NULL,
    -- JSON arrays of ISO 3166-1 alpha-2 countries and ISO 4217 currencies; NULL = all.
    countries TEXT,
    currencies TEXT,
    -- JSON object of fee terms per method ({"card": {"percent_basis_points": 250}}), laid
    -- over the connector's default schedule; NULL = the default schedule.
    fees TEXT,
    settlement_currency TEXT,
    fx_spread_basis_points BIGINT NOT NULL CHECK (fx_spread_basis_points >= 0 AND fx_spread_basis_points <= 10000),
    -- Where the provider's API is (real connectors); NULL = the provider's own host.
    base_url TEXT,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    credentials_ciphertext TEXT NOT NULL,
    -- JSON object of masked credentials: {"secret_key": "sk_test_…4242"}.
    credentials_hint TEXT NOT NULL,
    -- Sandbox: the generated whsec_ secret; Stripe: the endpoint's signing secret;
    -- PayPal: the webhook id.
    webhook_secret_ciphertext TEXT NOT NULL,
    -- JSON fault injection settings, sandbox accounts only.
    faults TEXT,
    status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    -- The merchant's order: lower first, ties by creation.
    position BIGINT NOT NULL CHECK (position >= 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (connector = 'sandbox' OR faults IS NULL),
    UNIQUE (merchant_id, id)
);
CREATE INDEX connector_accounts_in_order ON connector_accounts (merchant_id, position, id);
