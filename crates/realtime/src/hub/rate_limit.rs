//! A token bucket for publish rates, driven by the caller's clock.
//!
//! The bucket holds up to one second's worth of tokens (`rate_per_second`) and refills
//! continuously; tokens are counted in thousandths so a refill over a few milliseconds is
//! not rounded away.

/// Thousandths of a token one publication costs.
const TOKEN_MILLI: u64 = 1000;

#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate_per_second: u64,
    tokens_milli: u64,
    updated_ms: u64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate_per_second: u32, now_ms: u64) -> Self {
        let rate_per_second = u64::from(rate_per_second);
        Self { rate_per_second, tokens_milli: rate_per_second * TOKEN_MILLI, updated_ms: now_ms }
    }

    /// Takes one token if there is one. Time going backwards refills nothing.
    pub fn try_take(&mut self, now_ms: u64) -> bool {
        let elapsed_ms = now_ms.saturating_sub(self.updated_ms);
        let capacity_milli = self.rate_per_second * TOKEN_MILLI;
        // A rate of n per second is n thousandths of a token per millisecond.
        let refill_milli = elapsed_ms.saturating_mul(self.rate_per_second);
        self.tokens_milli = self.tokens_milli.saturating_add(refill_milli).min(capacity_milli);
        self.updated_ms = self.updated_ms.max(now_ms);
        if self.tokens_milli >= TOKEN_MILLI {
            self.tokens_milli -= TOKEN_MILLI;
            true
        } else {
            false
        }
    }
}
