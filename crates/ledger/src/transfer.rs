//! Transfers: the only way money moves. A transfer debits one account and credits another
//! of the same currency by a positive amount; it is immutable once written, so a mistake
//! is corrected by a reversing transfer ([`reversal_of`]), never by an edit.
//!
//! Ids are chosen by the caller and are the idempotency key: the posting recipes derive
//! them from the source object (`pi_…:capture:fee`), so running a flow twice submits the
//! same ids and the second run changes nothing.

use std::fmt;

use tradewind_money::Currency;
use tradewind_payments::id::{PaymentIntentId, RefundId};

use crate::{AccountId, IdTextError};

/// Long enough for a source id and a few suffixes, short enough for a fixed-width index.
pub const TRANSFER_ID_LENGTH_MAX: usize = 96;
/// Source ids leave room for the recipes' suffixes inside [`TRANSFER_ID_LENGTH_MAX`].
pub const SOURCE_ID_LENGTH_MAX: usize = 64;
/// The longest suffix a recipe appends (`:` included), so derived ids always fit.
pub(crate) const SUFFIX_LENGTH_MAX: usize = TRANSFER_ID_LENGTH_MAX - SOURCE_ID_LENGTH_MAX;

fn is_id_text(value: &str, length_max: usize) -> bool {
    (1..=length_max).contains(&value.len())
        && value.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b':' | b'.' | b'-'))
}

macro_rules! define_text_id {
    ($(#[$doc:meta])* $name:ident, $length_max:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<Self, IdTextError> {
                if !is_id_text(value, $length_max) {
                    return Err(IdTextError { what: $what, length_max: $length_max, value: value.to_owned() });
                }
                Ok($name(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
}

define_text_id!(
    /// A caller-chosen, idempotent transfer id: 1 to 96 characters of `[A-Za-z0-9_:.-]`.
    TransferId, TRANSFER_ID_LENGTH_MAX, "transfer"
);
define_text_id!(
    /// The id of the object a transfer belongs to (`pi_…`, `re_…`, a dispute or payout id):
    /// 1 to 64 characters of `[A-Za-z0-9_:.-]`.
    SourceId, SOURCE_ID_LENGTH_MAX, "source"
);

impl TransferId {
    /// `{source}:{suffix}` for the recipes; the suffixes are constants short enough that
    /// the result always fits, which the debug assertion keeps honest.
    pub(crate) fn derived(source: &SourceId, suffix: &str) -> TransferId {
        debug_assert!(suffix.len() < SUFFIX_LENGTH_MAX && is_id_text(suffix, SUFFIX_LENGTH_MAX));
        TransferId(format!("{source}:{suffix}"))
    }
}

impl From<&PaymentIntentId> for SourceId {
    fn from(id: &PaymentIntentId) -> Self {
        SourceId(id.as_str().to_owned())
    }
}

impl From<&RefundId> for SourceId {
    fn from(id: &RefundId) -> Self {
        SourceId(id.as_str().to_owned())
    }
}

/// Why money moved; reports group by it. Memo transfers of the fee statistic carry the
/// code of the fee they mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferCode {
    Authorization,
    AuthorizationVoid,
    Capture,
    Fee,
    Refund,
    RefundFee,
    Dispute,
    DisputeFee,
    DisputeWon,
    DisputeFeeReturned,
    DisputeLost,
    /// A merchant pays back what it owed the platform (its negative balance).
    NegativeBalanceRepaid,
    Settlement,
    ReserveHold,
    ReserveRelease,
    Payout,
    PayoutPaid,
    PayoutFailed,
    ConnectorSettlement,
    FxConversion,
    Adjustment,
    Reversal,
}

impl TransferCode {
    pub const ALL: [TransferCode; 22] = [
        TransferCode::Authorization,
        TransferCode::AuthorizationVoid,
        TransferCode::Capture,
        TransferCode::Fee,
        TransferCode::Refund,
        TransferCode::RefundFee,
        TransferCode::Dispute,
        TransferCode::DisputeFee,
        TransferCode::DisputeWon,
        TransferCode::DisputeFeeReturned,
        TransferCode::DisputeLost,
        TransferCode::NegativeBalanceRepaid,
        TransferCode::Settlement,
        TransferCode::ReserveHold,
        TransferCode::ReserveRelease,
        TransferCode::Payout,
        TransferCode::PayoutPaid,
        TransferCode::PayoutFailed,
        TransferCode::ConnectorSettlement,
        TransferCode::FxConversion,
        TransferCode::Adjustment,
        TransferCode::Reversal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferCode::Authorization => "authorization",
            TransferCode::AuthorizationVoid => "authorization_void",
            TransferCode::Capture => "capture",
            TransferCode::Fee => "fee",
            TransferCode::Refund => "refund",
            TransferCode::RefundFee => "refund_fee",
            TransferCode::Dispute => "dispute",
            TransferCode::DisputeFee => "dispute_fee",
            TransferCode::DisputeWon => "dispute_won",
            TransferCode::DisputeFeeReturned => "dispute_fee_returned",
            TransferCode::DisputeLost => "dispute_lost",
            TransferCode::NegativeBalanceRepaid => "negative_balance_repaid",
            TransferCode::Settlement => "settlement",
            TransferCode::ReserveHold => "reserve_hold",
            TransferCode::ReserveRelease => "reserve_release",
            TransferCode::Payout => "payout",
            TransferCode::PayoutPaid => "payout_paid",
            TransferCode::PayoutFailed => "payout_failed",
            TransferCode::ConnectorSettlement => "connector_settlement",
            TransferCode::FxConversion => "fx_conversion",
            TransferCode::Adjustment => "adjustment",
            TransferCode::Reversal => "reversal",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        TransferCode::ALL.into_iter().find(|code| code.as_str() == value)
    }
}

impl fmt::Display for TransferCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Single-phase or one step of a two-phase (hold, then post or void) transfer.
///
/// For `PostPending` the transfer's `amount_minor` is the amount posted: at most the
/// pending amount, and whatever is left of the hold is released. For `VoidPending` it
/// must equal the pending amount, so every transfer row states the money it moved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TransferKind {
    Single,
    Pending,
    PostPending { pending_id: TransferId },
    VoidPending { pending_id: TransferId },
}

impl TransferKind {
    /// The tag a storage row keeps beside the optional pending id.
    pub fn as_str(&self) -> &'static str {
        match self {
            TransferKind::Single => "single",
            TransferKind::Pending => "pending",
            TransferKind::PostPending { .. } => "post_pending",
            TransferKind::VoidPending { .. } => "void_pending",
        }
    }

    /// Rebuilds a kind from its tag and pending id; `None` if they do not fit together.
    pub fn from_parts(tag: &str, pending_id: Option<TransferId>) -> Option<Self> {
        match (tag, pending_id) {
            ("single", None) => Some(TransferKind::Single),
            ("pending", None) => Some(TransferKind::Pending),
            ("post_pending", Some(pending_id)) => Some(TransferKind::PostPending { pending_id }),
            ("void_pending", Some(pending_id)) => Some(TransferKind::VoidPending { pending_id }),
            _ => None,
        }
    }

    /// The hold a post or void refers to.
    pub fn pending_id(&self) -> Option<&TransferId> {
        match self {
            TransferKind::Single | TransferKind::Pending => None,
            TransferKind::PostPending { pending_id } | TransferKind::VoidPending { pending_id } => Some(pending_id),
        }
    }
}

/// One movement of money. The fields are public because the storage layer rebuilds
/// transfers from rows; [`crate::plan()`] validates every field before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: TransferId,
    pub debit_account: AccountId,
    pub credit_account: AccountId,
    /// Minor units of `currency`; must be positive.
    pub amount_minor: i64,
    pub currency: Currency,
    pub code: TransferCode,
    pub kind: TransferKind,
    pub source: Option<SourceId>,
}

impl Transfer {
    /// A single-phase transfer in the currency of its accounts.
    pub fn single(
        id: TransferId,
        debit_account: AccountId,
        credit_account: AccountId,
        amount_minor: i64,
        code: TransferCode,
    ) -> Transfer {
        let currency = debit_account.currency();
        Transfer {
            id,
            debit_account,
            credit_account,
            amount_minor,
            currency,
            code,
            kind: TransferKind::Single,
            source: None,
        }
    }

    pub fn with_kind(mut self, kind: TransferKind) -> Transfer {
        self.kind = kind;
        self
    }

    pub fn with_source(mut self, source: SourceId) -> Transfer {
        self.source = Some(source);
        self
    }
}

/// The transfer that undoes `original`'s posted effect: same amount, sides swapped, code
/// `Reversal`. `None` for a hold or a void, which have nothing posted to undo (void a
/// hold instead of reversing it).
pub fn reversal_of(original: &Transfer, id: TransferId) -> Option<Transfer> {
    match original.kind {
        TransferKind::Single | TransferKind::PostPending { .. } => Some(Transfer {
            id,
            debit_account: original.credit_account.clone(),
            credit_account: original.debit_account.clone(),
            amount_minor: original.amount_minor,
            currency: original.currency,
            code: TransferCode::Reversal,
            kind: TransferKind::Single,
            source: original.source.clone(),
        }),
        TransferKind::Pending | TransferKind::VoidPending { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::AccountKind;

    #[test]
    fn transfer_ids_are_bounded_and_plain() {
        assert!(TransferId::parse("pi_01j:capture:fee").is_ok());
        assert!(TransferId::parse("a.b-c_D:9").is_ok());
        assert!(TransferId::parse(&"x".repeat(TRANSFER_ID_LENGTH_MAX)).is_ok());
        assert!(TransferId::parse(&"x".repeat(TRANSFER_ID_LENGTH_MAX + 1)).is_err());
        assert!(TransferId::parse("").is_err());
        assert!(TransferId::parse("has space").is_err());
        assert!(TransferId::parse("é").is_err());
        assert!(SourceId::parse(&"x".repeat(SOURCE_ID_LENGTH_MAX + 1)).is_err());
    }

    #[test]
    fn derived_ids_fit_even_from_the_longest_source() {
        let source = SourceId::parse(&"s".repeat(SOURCE_ID_LENGTH_MAX)).unwrap();
        let derived = TransferId::derived(&source, "dispute:won:fee:memo");
        assert!(TransferId::parse(derived.as_str()).is_ok());
    }

    #[test]
    fn codes_and_kinds_round_trip() {
        for code in TransferCode::ALL {
            assert_eq!(TransferCode::parse(code.as_str()), Some(code));
        }
        let pending_id = TransferId::parse("pi_1:authorization").unwrap();
        for kind in [
            TransferKind::Single,
            TransferKind::Pending,
            TransferKind::PostPending { pending_id: pending_id.clone() },
            TransferKind::VoidPending { pending_id: pending_id.clone() },
        ] {
            assert_eq!(TransferKind::from_parts(kind.as_str(), kind.pending_id().cloned()), Some(kind.clone()));
        }
        assert_eq!(TransferKind::from_parts("single", Some(pending_id)), None);
        assert_eq!(TransferKind::from_parts("post_pending", None), None);
    }

    #[test]
    fn reversal_swaps_sides() {
        let usd = Currency::parse("USD").unwrap();
        let clearing = AccountId::parse("connector:sandbox_card:clearing:USD").unwrap();
        let revenue = AccountId::platform(AccountKind::PlatformFeeRevenue, usd).unwrap();
        let original = Transfer::single(
            TransferId::parse("t1").unwrap(),
            clearing.clone(),
            revenue.clone(),
            500,
            TransferCode::Adjustment,
        );
        let reversal = reversal_of(&original, TransferId::parse("t1:reversal").unwrap()).unwrap();
        assert_eq!((reversal.debit_account, reversal.credit_account), (revenue, clearing));
        assert_eq!((reversal.amount_minor, reversal.code), (500, TransferCode::Reversal));
        assert!(reversal_of(&original.with_kind(TransferKind::Pending), TransferId::parse("x").unwrap()).is_none());
    }
}
