//! The four running totals of an account, in minor units of the account's currency.
//!
//! Debits and credits are kept apart, never netted, as TigerBeetle does: a total only
//! grows (or, for pending totals, shrinks when a hold is posted or voided), so every
//! balance can be recomputed from the transfers and an overflow is an error, not a wrap.

use crate::{AccountKind, NormalSide};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Balances {
    /// Debits reserved by pending (two-phase) transfers not yet posted or voided.
    pub debits_pending: i64,
    pub debits_posted: i64,
    /// Credits reserved by pending transfers; they do not count as spendable.
    pub credits_pending: i64,
    pub credits_posted: i64,
}

impl Balances {
    /// The posted balance read on `kind`'s normal side, so money a merchant has reads
    /// positive on `Available` and money a provider owes reads positive on
    /// `ConnectorClearing`. Totals are never negative, so the difference fits in `i64`;
    /// it saturates rather than wraps if a corrupt row says otherwise.
    pub fn balance_for(&self, kind: AccountKind) -> i64 {
        signed(kind.normal_side(), self.debits_posted, self.credits_posted)
    }

    /// The pending (held, not yet posted) amount read on `kind`'s normal side: an
    /// authorization hold shows as a positive pending amount on the merchant's `Pending`.
    pub fn pending_for(&self, kind: AccountKind) -> i64 {
        signed(kind.normal_side(), self.debits_pending, self.credits_pending)
    }

    /// Debits that count against a `debits_must_not_exceed_credits` limit: posted debits
    /// and debits still reserved, in 128 bits so the sum itself cannot overflow.
    pub fn debit_exposure(&self) -> i128 {
        i128::from(self.debits_pending) + i128::from(self.debits_posted)
    }

    /// Credits that count against a `credits_must_not_exceed_debits` limit.
    pub fn credit_exposure(&self) -> i128 {
        i128::from(self.credits_pending) + i128::from(self.credits_posted)
    }
}

fn signed(side: NormalSide, debits: i64, credits: i64) -> i64 {
    match side {
        NormalSide::Credit => credits.saturating_sub(debits),
        NormalSide::Debit => debits.saturating_sub(credits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_read_on_the_normal_side() {
        let balances = Balances { debits_pending: 5, debits_posted: 320, credits_pending: 0, credits_posted: 10_000 };
        assert_eq!(balances.balance_for(AccountKind::Available), 9_680);
        assert_eq!(balances.balance_for(AccountKind::ConnectorClearing), -9_680);
        assert_eq!(balances.pending_for(AccountKind::Pending), -5);
        assert_eq!(balances.debit_exposure(), 325);
    }

    #[test]
    fn extreme_totals_saturate_instead_of_wrapping() {
        let balances = Balances { debits_posted: i64::MIN, credits_posted: i64::MAX, ..Balances::default() };
        assert_eq!(balances.balance_for(AccountKind::Available), i64::MAX);
    }
}
