//! Account kinds, their normal sides and default flags, and the `Account` row itself.
//!
//! The ledger keeps the platform's books. Every account belongs to one of three scopes:
//!
//! | scope | kinds | normal side |
//! | --- | --- | --- |
//! | merchant × currency | `Pending`, `Available`, `Reserve`, `PayoutsInTransit`, `Disputed` | credit: money the platform owes the merchant |
//! | merchant × currency | `FeesPaid` | debit: the merchant's cumulative fees, a statistic mirrored by `FeesPaidControl` |
//! | merchant × currency | `NegativeBalance` | debit: what the merchant owes the platform (a dispute its balances could not cover) |
//! | connector × currency | `ConnectorClearing` | debit: money the provider owes the platform |
//! | platform × currency | `PlatformFeeRevenue` | credit: fees the platform earned |
//! | platform × currency | `FeesPaidControl` | credit: the mirror of every merchant's `FeesPaid` |
//! | platform × currency | `FxPosition` | credit: positive when the platform is long that currency |
//! | platform × currency | `PlatformBank` | debit: the platform's cash at its bank |
//!
//! A balance "reads" on its normal side: `Balances::balance_for(AccountKind::Available)`
//! is `credits_posted - debits_posted`, so a merchant with 96.80 available sees `9680`.

use std::fmt;

use tradewind_money::Currency;

use crate::{AccountId, Balances};

/// The side on which an account's balance grows. Liabilities and revenue are credit-normal,
/// assets and expenses debit-normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NormalSide {
    Debit,
    Credit,
}

/// Who an account belongs to; each kind lives in exactly one scope, which fixes the shape
/// of its [`AccountId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountScope {
    Merchant,
    Connector,
    Platform,
}

/// What an account holds. See the module documentation for the meaning of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    /// Captured money not yet settled to the merchant (net of fees and refunds).
    Pending,
    /// Settled money the merchant may pay out.
    Available,
    /// Settled money held back as a rolling reserve.
    Reserve,
    /// Money on its way to the merchant's bank.
    PayoutsInTransit,
    /// The merchant's cumulative fees, net of refunded fees (a statistic; see `FeesPaidControl`).
    FeesPaid,
    /// Money held while a dispute is open.
    Disputed,
    /// What the merchant owes the platform: the part of a provider's debit (a dispute and
    /// its fee) that its balances could not cover. Stripe shows it as a negative balance.
    NegativeBalance,
    /// What a provider owes the platform for captures, net of refunds and lost disputes.
    ConnectorClearing,
    /// Fees the platform earned, net of fees it returned.
    PlatformFeeRevenue,
    /// The credit side of every merchant's `FeesPaid`, so the fee statistic balances.
    FeesPaidControl,
    /// The platform's position in one currency after conversions: positive when long.
    FxPosition,
    /// The platform's cash at its bank: provider settlements in, merchant payouts out.
    PlatformBank,
}

impl AccountKind {
    pub const ALL: [AccountKind; 12] = [
        AccountKind::Pending,
        AccountKind::Available,
        AccountKind::Reserve,
        AccountKind::PayoutsInTransit,
        AccountKind::FeesPaid,
        AccountKind::Disputed,
        AccountKind::NegativeBalance,
        AccountKind::ConnectorClearing,
        AccountKind::PlatformFeeRevenue,
        AccountKind::FeesPaidControl,
        AccountKind::FxPosition,
        AccountKind::PlatformBank,
    ];

    /// The name used inside account ids and storage rows; unique across all scopes.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Pending => "pending",
            AccountKind::Available => "available",
            AccountKind::Reserve => "reserve",
            AccountKind::PayoutsInTransit => "payouts_in_transit",
            AccountKind::FeesPaid => "fees_paid",
            AccountKind::Disputed => "disputed",
            AccountKind::NegativeBalance => "negative_balance",
            AccountKind::ConnectorClearing => "clearing",
            AccountKind::PlatformFeeRevenue => "fee_revenue",
            AccountKind::FeesPaidControl => "fees_paid_control",
            AccountKind::FxPosition => "fx_position",
            AccountKind::PlatformBank => "bank",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        AccountKind::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    pub fn scope(self) -> AccountScope {
        match self {
            AccountKind::Pending
            | AccountKind::Available
            | AccountKind::Reserve
            | AccountKind::PayoutsInTransit
            | AccountKind::FeesPaid
            | AccountKind::Disputed
            | AccountKind::NegativeBalance => AccountScope::Merchant,
            AccountKind::ConnectorClearing => AccountScope::Connector,
            AccountKind::PlatformFeeRevenue
            | AccountKind::FeesPaidControl
            | AccountKind::FxPosition
            | AccountKind::PlatformBank => AccountScope::Platform,
        }
    }

    pub fn normal_side(self) -> NormalSide {
        match self {
            AccountKind::Pending
            | AccountKind::Available
            | AccountKind::Reserve
            | AccountKind::PayoutsInTransit
            | AccountKind::Disputed
            | AccountKind::PlatformFeeRevenue
            | AccountKind::FeesPaidControl
            | AccountKind::FxPosition => NormalSide::Credit,
            AccountKind::FeesPaid
            | AccountKind::NegativeBalance
            | AccountKind::ConnectorClearing
            | AccountKind::PlatformBank => NormalSide::Debit,
        }
    }

    /// The flags an account of this kind opens with. The platform's debts to a merchant
    /// must not go below zero (beyond an explicit overdraft), and fee refunds must not
    /// exceed the fees a merchant paid. Platform and provider accounts are unconstrained:
    /// the platform may front a payout before a provider pays, and positions go both ways.
    pub fn default_flags(self) -> AccountFlags {
        match self {
            AccountKind::Pending
            | AccountKind::Available
            | AccountKind::Reserve
            | AccountKind::PayoutsInTransit
            | AccountKind::Disputed => AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS,
            // Nothing can be repaid beyond what is owed, nor fees returned beyond those paid.
            AccountKind::FeesPaid | AccountKind::NegativeBalance => AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS,
            AccountKind::ConnectorClearing
            | AccountKind::PlatformFeeRevenue
            | AccountKind::FeesPaidControl
            | AccountKind::FxPosition
            | AccountKind::PlatformBank => AccountFlags::NONE,
        }
    }
}

impl fmt::Display for AccountKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Balance constraints, stored as a small bit set so a storage row keeps one integer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AccountFlags(u16);

impl AccountFlags {
    pub const NONE: AccountFlags = AccountFlags(0);
    /// `debits_pending + debits_posted` must stay within `credits_posted + negative_limit_minor`.
    pub const DEBITS_MUST_NOT_EXCEED_CREDITS: AccountFlags = AccountFlags(1);
    /// `credits_pending + credits_posted` must stay within `debits_posted + negative_limit_minor`.
    pub const CREDITS_MUST_NOT_EXCEED_DEBITS: AccountFlags = AccountFlags(2);
    const KNOWN_BITS: u16 = 0b11;

    pub fn bits(self) -> u16 {
        self.0
    }

    /// Rebuilds flags from a storage row; unknown bits are refused rather than dropped, so a
    /// newer schema is never half-understood.
    pub fn from_bits(bits: u16) -> Option<Self> {
        (bits & !Self::KNOWN_BITS == 0).then_some(AccountFlags(bits))
    }

    pub fn contains(self, other: AccountFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: AccountFlags) -> AccountFlags {
        AccountFlags(self.0 | other.0)
    }
}

impl fmt::Debug for AccountFlags {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = formatter.debug_set();
        if self.contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS) {
            list.entry(&"debits_must_not_exceed_credits");
        }
        if self.contains(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS) {
            list.entry(&"credits_must_not_exceed_debits");
        }
        list.finish()
    }
}

/// One ledger account as the storage layer keeps it. The currency is part of the id, so
/// an account and its id can never disagree about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub balances: Balances,
    pub flags: AccountFlags,
    /// How far below zero (on its normal side) a flagged account may go: an overdraft for
    /// `Available`, zero everywhere else by default.
    pub negative_limit_minor: i64,
}

impl Account {
    /// A fresh account with zero balances, its kind's default flags and no overdraft.
    pub fn open(id: AccountId) -> Self {
        let flags = id.kind().default_flags();
        Account { id, balances: Balances::default(), flags, negative_limit_minor: 0 }
    }

    pub fn with_negative_limit(mut self, negative_limit_minor: i64) -> Self {
        self.negative_limit_minor = negative_limit_minor;
        self
    }

    pub fn kind(&self) -> AccountKind {
        self.id.kind()
    }

    pub fn currency(&self) -> Currency {
        self.id.currency()
    }

    /// The posted balance read on the account's normal side.
    pub fn balance_minor(&self) -> i64 {
        self.balances.balance_for(self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_names_are_unique() {
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::parse(kind.as_str()), Some(kind));
        }
        let mut names: Vec<&str> = AccountKind::ALL.iter().map(|kind| kind.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AccountKind::ALL.len());
        assert_eq!(AccountKind::parse("Available"), None);
    }

    #[test]
    fn merchant_liabilities_are_credit_normal_and_guarded() {
        for kind in [AccountKind::Pending, AccountKind::Available, AccountKind::Reserve, AccountKind::Disputed] {
            assert_eq!(kind.normal_side(), NormalSide::Credit);
            assert!(kind.default_flags().contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS));
        }
        assert_eq!(AccountKind::FeesPaid.normal_side(), NormalSide::Debit);
        assert_eq!(AccountKind::ConnectorClearing.normal_side(), NormalSide::Debit);
    }

    #[test]
    fn flags_refuse_unknown_bits() {
        assert_eq!(AccountFlags::from_bits(3).map(AccountFlags::bits), Some(3));
        assert_eq!(AccountFlags::from_bits(4), None);
        assert!(
            AccountFlags::NONE
                .union(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS)
                .contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS)
        );
    }
}
