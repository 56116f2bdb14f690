//! SOFORT in the sandbox: after the bank redirect the payment stays `processing` for
//! days, as with the real scheme, and then succeeds or fails depending on the account
//! the buyer paid from. The test accounts are Stripe's.

use time::{Duration, OffsetDateTime};

/// How long after the redirect the sandbox confirms or fails a SOFORT payment.
pub const SETTLEMENT_DELAY_SECONDS: i64 = 2 * 86_400;

/// Stripe's test IBAN whose SOFORT payments fail after processing.
const FAILING_IBAN: &str = "DE62370400440532013001";
/// The domestic account number inside [`FAILING_IBAN`], for forms that ask for it.
const FAILING_ACCOUNT_NUMBER: &str = "0532013001";

/// How a SOFORT payment ends once it has settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SofortOutcome {
    Succeeds,
    Fails,
}

/// The outcome for the account the buyer paid from. `DE62370400440532013001` (or its
/// account number `0532013001`) fails; every other account, including Stripe's
/// succeeding `DE89370400440532013000` and no account at all, succeeds. Spaces and
/// case do not matter.
pub fn outcome_for_account(iban_or_account: Option<&str>) -> SofortOutcome {
    let Some(value) = iban_or_account else {
        return SofortOutcome::Succeeds;
    };
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    if compact == FAILING_IBAN || compact == FAILING_ACCOUNT_NUMBER {
        SofortOutcome::Fails
    } else {
        SofortOutcome::Succeeds
    }
}

/// When a payment redirected at `redirected_at` settles.
pub fn settlement_time(redirected_at: OffsetDateTime) -> OffsetDateTime {
    redirected_at.saturating_add(Duration::seconds(SETTLEMENT_DELAY_SECONDS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stripe_test_accounts() {
        assert_eq!(outcome_for_account(Some("DE89370400440532013000")), SofortOutcome::Succeeds);
        assert_eq!(outcome_for_account(Some("DE62370400440532013001")), SofortOutcome::Fails);
        assert_eq!(outcome_for_account(Some("de62 3704 0044 0532 0130 01")), SofortOutcome::Fails);
        assert_eq!(outcome_for_account(Some("0532013001")), SofortOutcome::Fails);
        assert_eq!(outcome_for_account(Some("AT611904300234573201")), SofortOutcome::Succeeds);
        assert_eq!(outcome_for_account(Some("")), SofortOutcome::Succeeds);
        assert_eq!(outcome_for_account(None), SofortOutcome::Succeeds);
    }

    #[test]
    fn settles_two_days_after_the_redirect() {
        assert_eq!(settlement_time(datetime!(2025-03-07 15:30 UTC)), datetime!(2025-03-09 15:30 UTC));
        assert_eq!(SETTLEMENT_DELAY_SECONDS, 172_800);
    }
}
