-- Disputes: a buyer's bank questions a payment (Stripe-shaped). One dispute per
-- payment, as with a card charge. Amounts are integer minor units; times Unix seconds.

CREATE TABLE disputes (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    payment_intent_id TEXT NOT NULL UNIQUE REFERENCES payment_intents (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    -- The dispute fee charged when the chargeback opened; 0 for an inquiry.
    fee BIGINT NOT NULL CHECK (fee >= 0),
    status TEXT NOT NULL CHECK (status IN ('warning_needs_response', 'warning_under_review', 'warning_closed',
        'needs_response', 'under_review', 'won', 'lost')),
    reason TEXT NOT NULL CHECK (reason IN ('fraudulent', 'product_not_received', 'general')),
    -- The merchant's evidence, JSON: {"customer_name": …, "uncategorized_text": …}.
    evidence TEXT NOT NULL,
    submission_count BIGINT NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    -- When evidence is due; past it, an unanswered dispute is lost (an inquiry closes).
    due_by BIGINT NOT NULL,
    -- The next due work on this dispute (its deadline, or the bank's decision); NULL when closed.
    scheduled_at BIGINT,
    metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (scheduled_at IS NULL OR status NOT IN ('warning_closed', 'won', 'lost'))
);
CREATE INDEX disputes_by_merchant ON disputes (merchant_id, id);
CREATE INDEX disputes_scheduled ON disputes (merchant_id, scheduled_at);

-- The sweep's work list for opening disputes: attempts of sandbox cards that dispute.
-- Partial, so ordinary payments never enter it; queries repeat the predicate exactly.
CREATE INDEX payment_attempts_disputing ON payment_attempts (merchant_id, id) WHERE flags LIKE '%"dispute":"%';
