-- What prices and settles a merchant's payments, kept with its other account settings:
-- its country (cards issued elsewhere pay the international surcharge), the currency it
-- settles in (NULL: each payment settles in its own currency), and its negotiated fee
-- terms per payment method, JSON: {"card": {"percent_basis_points": 250, ...}}.
ALTER TABLE payout_settings ADD COLUMN country TEXT;
ALTER TABLE payout_settings ADD COLUMN settlement_currency TEXT;
ALTER TABLE payout_settings ADD COLUMN fee_overrides TEXT NOT NULL DEFAULT '{}';

-- The FX quote a payment was confirmed with: its capture converts at exactly that rate.
ALTER TABLE payment_intents ADD COLUMN fx_quote_id TEXT;

-- A charge or refund converted into the merchant's settlement currency: units of
-- `currency` per unit of the payment's own currency, as a decimal string.
ALTER TABLE balance_transactions ADD COLUMN exchange_rate TEXT;
