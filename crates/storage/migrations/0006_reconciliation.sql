-- Settlement reconciliation: a provider's settlement report as imported, its lines,
-- and the outcome of matching them against the merchant's balance transactions.
-- Amounts are signed integer minor units (the report's sign convention: from the
-- merchant balance's point of view); dates are `YYYY-MM-DD` text; times Unix seconds.

-- One imported report. `fingerprint` is the SHA-256 over its line fingerprints in file
-- order: importing the same file again for the same merchant and connector finds this
-- row through the unique index and writes nothing.
CREATE TABLE reconciliation_reports (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    connector TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('completed')),
    line_count BIGINT NOT NULL CHECK (line_count > 0),
    matched_count BIGINT NOT NULL CHECK (matched_count >= 0),
    missing_in_platform_count BIGINT NOT NULL CHECK (missing_in_platform_count >= 0),
    missing_in_report_count BIGINT NOT NULL CHECK (missing_in_report_count >= 0),
    -- Report lines paired with a balance transaction that disagrees on an amount.
    amount_mismatch_count BIGINT NOT NULL CHECK (amount_mismatch_count >= 0),
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Every line is matched, missing in the platform, or mismatched: exactly one.
    CHECK (matched_count + missing_in_platform_count + amount_mismatch_count = line_count),
    CHECK (period_start <= period_end)
);
CREATE UNIQUE INDEX reconciliation_reports_once ON reconciliation_reports (merchant_id, connector, fingerprint);
CREATE INDEX reconciliation_reports_by_merchant ON reconciliation_reports (merchant_id, id);

-- The report's lines as read (the header is line 1). A line's fingerprint covers its
-- normalized fields and how many identical lines came before it in the file.
CREATE TABLE reconciliation_lines (
    report_id TEXT NOT NULL REFERENCES reconciliation_reports (id),
    line_number BIGINT NOT NULL CHECK (line_number >= 2),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    fingerprint TEXT NOT NULL,
    provider_reference TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('charge', 'refund', 'dispute', 'dispute_reversal', 'fee', 'payout',
        'adjustment')),
    gross BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    net BIGINT NOT NULL,
    currency TEXT NOT NULL,
    settlement_date TEXT NOT NULL,
    PRIMARY KEY (report_id, line_number),
    CHECK (net = gross - fee)
);
CREATE UNIQUE INDEX reconciliation_lines_once ON reconciliation_lines (report_id, fingerprint);

-- One outcome each, numbered in the order matching gave them (report order, then the
-- balance transactions missing from the report). A line paired with a transaction
-- that differs on both gross and fee has two `amount_mismatch` results.
CREATE TABLE reconciliation_results (
    report_id TEXT NOT NULL REFERENCES reconciliation_reports (id),
    sequence BIGINT NOT NULL CHECK (sequence >= 1),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('matched', 'missing_in_platform', 'missing_in_report',
        'amount_mismatch')),
    -- The report line; NULL when the transaction is missing from the report.
    line_number BIGINT,
    -- The balance transaction; NULL when the line is missing from the platform.
    balance_transaction_id TEXT,
    provider_reference TEXT NOT NULL,
    type TEXT NOT NULL,
    -- For mismatches: which field, and the two values (for `currency`, the two grosses).
    field TEXT CHECK (field IN ('gross', 'fee', 'currency')),
    expected_amount BIGINT,
    expected_currency TEXT,
    reported_amount BIGINT,
    reported_currency TEXT,
    PRIMARY KEY (report_id, sequence),
    CHECK ((outcome = 'missing_in_report') = (line_number IS NULL)),
    CHECK ((outcome = 'missing_in_platform') = (balance_transaction_id IS NULL)),
    CHECK ((outcome = 'amount_mismatch') = (field IS NOT NULL)),
    CHECK ((field IS NULL) = (expected_amount IS NULL) AND (field IS NULL) = (reported_amount IS NULL))
);
CREATE INDEX reconciliation_results_by_outcome ON reconciliation_results (report_id, outcome, sequence);

-- Matching reads a merchant's transactions of one connector around the report's period.
CREATE INDEX balance_transactions_by_connector ON balance_transactions (merchant_id, connector, available_on);
