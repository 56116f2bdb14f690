//! The sandbox payout bank: what happens to a payout sent to a bank account, decided
//! by the account number the way Stripe's test bank accounts do. Any other account
//! number is paid.
//!
//! | account number (or IBAN) ends in | outcome on the arrival date |
//! | --- | --- |
//! | `1113` (e.g. `000111111113`) | failed: `account_closed` |
//! | `1116` (e.g. `000111111116`) | failed: `no_account` |
//! | `2227` (e.g. `000222222227`) | failed: `insufficient_funds` |
//! | `3335` (e.g. `000333333335`) | failed: `could_not_process` |
//! | anything else (e.g. `000123456789`) | paid |
//!
//! A payout first waits [`SUBMISSION_DELAY_SECONDS`] in `pending` (it can be canceled
//! then), goes `in_transit` when the bank takes it, and is paid or fails on its arrival
//! date, [`ARRIVAL_BUSINESS_DAYS`] business days of the currency's calendar after it
//! was created.

/// How long a payout stays `pending` (cancelable) before the bank takes it.
pub const SUBMISSION_DELAY_SECONDS: i64 = 3_600;

/// Business days from creation to the arrival date.
pub const ARRIVAL_BUSINESS_DAYS: u32 = 2;

/// What the receiving bank does with a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutOutcome {
    Paid,
    Failed(PayoutFailure),
}

/// Why a payout failed, with Stripe's failure codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutFailure {
    AccountClosed,
    NoAccount,
    InsufficientFunds,
    CouldNotProcess,
}

impl PayoutFailure {
    pub fn code(self) -> &'static str {
        match self {
            PayoutFailure::AccountClosed => "account_closed",
            PayoutFailure::NoAccount => "no_account",
            PayoutFailure::InsufficientFunds => "insufficient_funds",
            PayoutFailure::CouldNotProcess => "could_not_process",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            PayoutFailure::AccountClosed => "The bank account has been closed.",
            PayoutFailure::NoAccount => "The bank account details on file are probably incorrect.",
            PayoutFailure::InsufficientFunds => {
                "The payout could not be completed: the account has insufficient funds."
            }
            PayoutFailure::CouldNotProcess => "The bank could not process this payout.",
        }
    }

    pub fn parse(code: &str) -> Option<PayoutFailure> {
        [
            PayoutFailure::AccountClosed,
            PayoutFailure::NoAccount,
            PayoutFailure::InsufficientFunds,
            PayoutFailure::CouldNotProcess,
        ]
        .into_iter()
        .find(|failure| failure.code() == code)
    }
}

/// The outcome of a payout to `account_number` (digits, or an IBAN without spaces).
pub fn outcome_for(account_number: &str) -> PayoutOutcome {
    let tail = account_number.get(account_number.len().saturating_sub(4)..).unwrap_or_default();
    match tail {
        "1113" => PayoutOutcome::Failed(PayoutFailure::AccountClosed),
        "1116" => PayoutOutcome::Failed(PayoutFailure::NoAccount),
        "2227" => PayoutOutcome::Failed(PayoutFailure::InsufficientFunds),
        "3335" => PayoutOutcome::Failed(PayoutFailure::CouldNotProcess),
        _ => PayoutOutcome::Paid,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    #[test]
    fn test_accounts_fail_with_their_codes() {
        let cases = [
            ("000111111113", "account_closed"),
            ("000111111116", "no_account"),
            ("000222222227", "insufficient_funds"),
            ("000333333335", "could_not_process"),
        ];
        for (account, code) in cases {
            match outcome_for(account) {
                PayoutOutcome::Failed(failure) => {
                    assert_eq!(failure.code(), code);
                    assert_eq!(PayoutFailure::parse(code), Some(failure));
                }
                PayoutOutcome::Paid => panic!("{account} should fail"),
            }
        }
    }

    #[test]
    fn other_accounts_are_paid() {
        for account in ["000123456789", "DE89370400440532013000", "1", ""] {
            assert_eq!(outcome_for(account), PayoutOutcome::Paid, "{account}");
        }
        assert_eq!(PayoutFailure::parse("stolen"), None);
    }
}
