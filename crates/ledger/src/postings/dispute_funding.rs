//! A dispute's withdrawal when the merchant's balances may not cover it.
//!
//! A provider takes a disputed amount and its fee whether or not the merchant has the
//! money: a dispute of 100.00 with a 15.00 fee on a payment whose pending net is 96.80
//! needs 115.00. [`dispute_opened`](super::dispute_opened) takes everything from one
//! balance, which the ledger refuses when that balance is short. [`dispute_withdrawn`]
//! takes it from the payment's own pending funds first, then from the merchant's
//! available balance, and books the rest to `NegativeBalance`: what the merchant owes the
//! platform (Stripe's negative balance). No guarded account ever goes below zero, and
//! the books still say where every minor unit is.
//!
//! [`negative_balance_repaid`] pays that debt back from the available balance (when a
//! dispute is won, its returned money does so first); [`negative_balance_recovered`]
//! does so from the next funds that reach the available balance: a settlement or a
//! reserve release repays what is owed before the merchant may spend the rest.

use tradewind_money::Money;
use tradewind_payments::id::MerchantId;

use super::{leg, of, positive};
use crate::{AccountId, AccountKind, PostingError, SourceId, Transfer, TransferCode};

/// Where a dispute's withdrawal (its amount first, then its fee) comes from, in minor
/// units of the dispute's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DisputeFunding {
    pub pending_minor: i64,
    pub available_minor: i64,
    pub negative_balance_minor: i64,
}

impl DisputeFunding {
    /// Takes `required_minor` from pending funds (at most `pending_cover_minor`), then
    /// from the available balance (at most `available_cover_minor`); the rest becomes a
    /// negative balance. Covers below zero count as zero.
    pub fn plan(
        required_minor: i64,
        pending_cover_minor: i64,
        available_cover_minor: i64,
    ) -> Result<DisputeFunding, PostingError> {
        if required_minor < 0 {
            return Err(PostingError::AmountMustBePositive { amount_minor: required_minor });
        }
        let pending_minor = required_minor.min(pending_cover_minor.max(0));
        let available_minor = (required_minor - pending_minor).min(available_cover_minor.max(0));
        let negative_balance_minor = required_minor - pending_minor - available_minor;
        Ok(DisputeFunding { pending_minor, available_minor, negative_balance_minor })
    }

    /// The sources in withdrawal order, with their account kinds and id suffix parts.
    fn sources(self) -> [(AccountKind, &'static str, i64); 3] {
        [
            (AccountKind::Pending, "pending", self.pending_minor),
            (AccountKind::Available, "available", self.available_minor),
            (AccountKind::NegativeBalance, "negative_balance", self.negative_balance_minor),
        ]
    }

    fn total_minor(self) -> Option<i64> {
        self.pending_minor.checked_add(self.available_minor)?.checked_add(self.negative_balance_minor)
    }
}

/// A dispute whose amount and fee are withdrawn from the sources `funding` names.
#[derive(Debug, Clone, Copy)]
pub struct DisputeWithdrawal<'a> {
    pub dispute: &'a SourceId,
    pub merchant: &'a MerchantId,
    pub amount: Money,
    /// The dispute fee; zero for none.
    pub fee: Money,
    pub funding: DisputeFunding,
}

/// Holds the disputed amount in `Disputed` and charges the fee, each taken from the
/// funding's sources in order (one leg per source that gives something).
pub fn dispute_withdrawn(withdrawal: &DisputeWithdrawal<'_>) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(withdrawal.amount)?;
    let currency = withdrawal.amount.currency();
    let fee_minor = super::fee_in(withdrawal.fee, currency)?;
    let required_minor = amount_minor.checked_add(fee_minor).ok_or(PostingError::AmountOverflow)?;
    let funding = withdrawal.funding;
    let parts_are_whole = funding.sources().iter().all(|(_, _, minor)| *minor >= 0);
    let funded_minor = funding.total_minor().ok_or(PostingError::AmountOverflow)?;
    if !parts_are_whole || funded_minor != required_minor {
        return Err(PostingError::FundingMismatch { funded_minor, required_minor });
    }
    let (dispute, merchant) = (withdrawal.dispute, withdrawal.merchant);
    let disputed = of(merchant, AccountKind::Disputed, currency);
    let mut transfers = Vec::with_capacity(8);
    let mut amount_left = amount_minor;
    let revenue = AccountId::platform_unchecked(AccountKind::PlatformFeeRevenue, currency);
    for (kind, name, minor) in funding.sources() {
        let to_amount = minor.min(amount_left);
        amount_left -= to_amount;
        if to_amount > 0 {
            transfers.push(leg(
                dispute,
                &format!("dispute:{name}"),
                of(merchant, kind, currency),
                disputed.clone(),
                to_amount,
                TransferCode::Dispute,
            ));
        }
        let to_fee = minor - to_amount;
        if to_fee > 0 {
            let suffix = format!("dispute:fee:{name}");
            let from = of(merchant, kind, currency);
            transfers.push(leg(dispute, &suffix, from, revenue.clone(), to_fee, TransferCode::DisputeFee));
        }
    }
    // One memo for the whole fee, as `charge_fee` books it: the statistic does not care
    // where the money came from.
    if fee_minor > 0 {
        transfers.push(leg(
            dispute,
            "dispute:fee:memo",
            of(merchant, AccountKind::FeesPaid, currency),
            AccountId::platform_unchecked(AccountKind::FeesPaidControl, currency),
            fee_minor,
            TransferCode::DisputeFee,
        ));
    }
    Ok(transfers)
}

/// The merchant pays back `amount` of what it owes from its available balance.
pub fn negative_balance_repaid(
    source: &SourceId,
    merchant: &MerchantId,
    amount: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    Ok(vec![leg(
        source,
        "negative_balance:repaid",
        of(merchant, AccountKind::Available, currency),
        of(merchant, AccountKind::NegativeBalance, currency),
        amount_minor,
        TransferCode::NegativeBalanceRepaid,
    )])
}

/// Which credit to the available balance a recovery takes its money from; it names the
/// recovery's transfer id, so one settlement or release recovers at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// A payment's funds settling (pending → available): `{payment}:settlement:recovery`.
    Settlement,
    /// A payment's rolling reserve released: `{payment}:reserve:release:recovery`.
    ReserveRelease,
}

impl Recovery {
    fn suffix(self) -> &'static str {
        match self {
            Recovery::Settlement => "settlement:recovery",
            Recovery::ReserveRelease => "reserve:release:recovery",
        }
    }
}

/// How much of `owed_minor` a credit of `credited_minor` to the available balance repays:
/// all of it when the credit is large enough, else the whole credit; never below zero.
pub fn recovery_minor(owed_minor: i64, credited_minor: i64) -> i64 {
    owed_minor.max(0).min(credited_minor.max(0))
}

/// Repays what the merchant owes from a credit to its available balance that `source`
/// (the payment) just made, as [`recovery_minor`] sizes it: one leg available → negative
/// balance, or none when nothing is owed or nothing was credited. Submitted in the same
/// batch after the credit, so the available balance never dips below zero.
pub fn negative_balance_recovered(
    source: &SourceId,
    merchant: &MerchantId,
    owed: Money,
    credited_minor: i64,
    recovery: Recovery,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = recovery_minor(owed.minor(), credited_minor);
    if amount_minor == 0 {
        return Ok(Vec::new());
    }
    let currency = owed.currency();
    Ok(vec![leg(
        source,
        recovery.suffix(),
        of(merchant, AccountKind::Available, currency),
        of(merchant, AccountKind::NegativeBalance, currency),
        amount_minor,
        TransferCode::NegativeBalanceRepaid,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funding_takes_pending_then_available_then_owes_the_rest() {
        let plan = |required, pending, available| DisputeFunding::plan(required, pending, available);
        let funding = |pending_minor, available_minor, negative_balance_minor| {
            Ok(DisputeFunding { pending_minor, available_minor, negative_balance_minor })
        };
        assert_eq!(plan(11_500, 20_000, 0), funding(11_500, 0, 0));
        assert_eq!(plan(11_500, 9_680, 5_000), funding(9_680, 1_820, 0));
        assert_eq!(plan(11_500, 9_680, 1_000), funding(9_680, 1_000, 820));
        assert_eq!(plan(11_500, 0, 0), funding(0, 0, 11_500));
        // A balance already below zero covers nothing.
        assert_eq!(plan(11_500, -5, -7), funding(0, 0, 11_500));
        assert_eq!(plan(0, 10, 10), funding(0, 0, 0));
        assert!(plan(-1, 10, 10).is_err());
    }

    #[test]
    fn a_recovery_repays_at_most_the_credit_and_at_most_the_debt() {
        assert_eq!(recovery_minor(1_820, 4_825), 1_820);
        assert_eq!(recovery_minor(1_820, 1_000), 1_000);
        assert_eq!(recovery_minor(0, 4_825), 0);
        assert_eq!(recovery_minor(-5, 4_825), 0);
        assert_eq!(recovery_minor(1_820, -5), 0);
    }
}
