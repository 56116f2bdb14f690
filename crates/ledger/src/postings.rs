//! Posting recipes: the transfers each payment flow submits, as one atomic batch.
//!
//! Every recipe derives its transfer ids from the source object's id (`pi_…:capture`,
//! `re_…:refund:fee`), so running a flow again submits the same ids and
//! [`crate::plan()`] treats the second run as a no-op.
//!
//! # The accounting model
//!
//! The ledger holds the platform's books (the normal side of every kind is tabled in
//! [`crate::account`]). What the platform owes a merchant sits in the
//! merchant's credit-normal accounts (`Pending`, `Available`, `Reserve`,
//! `PayoutsInTransit`, `Disputed`); what a provider owes the platform sits in the
//! debit-normal `ConnectorClearing`; what the platform earned sits in the credit-normal
//! `PlatformFeeRevenue`; its cash sits in the debit-normal `PlatformBank`.
//!
//! A fee moves real money once: from the merchant's balance to `PlatformFeeRevenue`.
//! A merchant also wants "fees paid so far" as a balance. That figure cannot be a third
//! leg of the same money (a capture of 100.00 with a 3.20 fee already balances as
//! clearing 100.00 = pending 96.80 + revenue 3.20), so it is kept as a memo pair: the
//! merchant's debit-normal `FeesPaid` against the platform's credit-normal
//! `FeesPaidControl`, which always equals the sum of every merchant's `FeesPaid`. Each
//! fee is therefore two transfers, the fee and its memo, and each account reads what its
//! name says. After a capture of 100.00 with a 3.20 fee:
//!
//! | account | reads |
//! | --- | --- |
//! | `connector:…:clearing` | 100.00 owed by the provider |
//! | merchant `pending` | 96.80 |
//! | merchant `fees_paid` | 3.20 |
//! | `platform:fee_revenue` | 3.20 |
//! | `platform:fees_paid_control` | 3.20 |
//!
//! # Recipes
//!
//! "Balance" is the merchant account the flow names with [`MerchantBalance`] (`Pending`
//! before the money settles, `Available` after). Legs are in batch order.
//!
//! | recipe | id suffix | debit → credit | code |
//! | --- | --- | --- | --- |
//! | [`authorization_hold`] | `authorization` | clearing → pending, as a hold | authorization |
//! | [`capture`] | `capture` | clearing → pending (posts the hold when manual) | capture |
//! |  | `capture:fee` | pending → fee revenue | fee |
//! |  | `capture:fee:memo` | fees paid → fees paid control | fee |
//! | [`authorization_void`] | `authorization:void` | voids the hold | authorization_void |
//! | [`refund`] | `refund:fee` | fee revenue → balance (fee share returned) | refund_fee |
//! |  | `refund:fee:memo` | fees paid control → fees paid | refund_fee |
//! |  | `refund` | balance → clearing | refund |
//! | [`dispute_opened`] | `dispute` | balance → disputed | dispute |
//! |  | `dispute:fee`, `dispute:fee:memo` | balance → fee revenue; memo | dispute_fee |
//! | [`dispute_won`] | `dispute:won` | disputed → available | dispute_won |
//! |  | `dispute:won:fee`, `…:memo` | fee revenue → available; memo back (if returned) | dispute_fee_returned |
//! | [`dispute_lost`] | `dispute:lost` | disputed → clearing | dispute_lost |
//! | [`converted_dispute_lost`] | `dispute:lost:fx:sell` | disputed (settlement currency) → FX position | fx_conversion |
//! |  | `dispute:lost` | FX position (buyer's currency) → clearing (buyer's currency) | dispute_lost |
//! | [`dispute_withdrawn`] | `dispute:{source}` | pending, available, negative balance → disputed (in that order) | dispute |
//! |  | `dispute:fee:{source}`, `dispute:fee:memo` | the same sources → fee revenue; memo | dispute_fee |
//! | [`negative_balance_repaid`] | `negative_balance:repaid` | available → negative balance | negative_balance_repaid |
//! | [`settlement`] | `settlement` | pending → available (amount less reserve) | settlement |
//! |  | `settlement:reserve` | pending → reserve | reserve_hold |
//! | [`negative_balance_recovered`] | `settlement:recovery` | available → negative balance (what is owed, up to what settled) | negative_balance_repaid |
//! | [`reserve_release`] | `reserve:release` | reserve → available | reserve_release |
//! | [`negative_balance_recovered`] | `reserve:release:recovery` | available → negative balance (up to what was released) | negative_balance_repaid |
//! | [`payout_created`] | `payout` | available → payouts in transit | payout |
//! | [`payout_paid`] | `payout:paid` | payouts in transit → bank | payout_paid |
//! | [`payout_failed`] | `payout:failed` | payouts in transit → available | payout_failed |
//! | [`connector_settlement`] | `connector_settlement` | bank → clearing | connector_settlement |
//! | [`fx_conversion`] | `fx:sell` | available (sold currency) → FX position (sold) | fx_conversion |
//! |  | `fx:buy` | FX position (bought) → available (bought currency) | fx_conversion |
//! | [`converted_capture`] | `capture` | clearing → pending, in the buyer's currency (posts the hold when manual) | capture |
//! |  | `capture:fx:sell` | pending (buyer's currency) → FX position (buyer's currency) | fx_conversion |
//! |  | `capture:fx:buy` | FX position (settlement currency) → pending (settlement currency) | fx_conversion |
//! |  | `capture:fee`, `…:memo` | pending → fee revenue, in the settlement currency; memo | fee |
//! | [`converted_refund`] | `refund:fee`, `…:memo` | fee revenue → balance, in the settlement currency; memo | refund_fee |
//! |  | `refund:fx:sell` | balance (settlement currency) → FX position (settlement currency) | fx_conversion |
//! |  | `refund` | FX position (buyer's currency) → clearing (buyer's currency) | refund |
//!
//! Why these directions: a refund and a lost dispute send the buyer's money back through
//! the provider, so the provider owes the platform less (clearing is credited). An open
//! dispute only holds the money (`Disputed` still belongs to the merchant until the
//! dispute is decided). A paid payout leaves the platform's bank. A conversion turns a
//! liability in one currency into one in another; the `FxPosition` of each currency
//! records what the platform is long (positive) or short (negative) as a result. Fee
//! refunds come before the refund itself, so a returned fee can fund the refund.

use tradewind_money::{Currency, Money};
use tradewind_payments::id::MerchantId;
use tradewind_payments::intent::CaptureMethod;

mod conversion;
mod dispute_funding;

pub use conversion::{
    ConvertedCapture, ConvertedRefund, converted_capture, converted_dispute_lost, converted_refund, fx_conversion,
};

pub use dispute_funding::{
    DisputeFunding, DisputeWithdrawal, Recovery, dispute_withdrawn, negative_balance_recovered,
    negative_balance_repaid, recovery_minor,
};

use crate::{
    AccountId, AccountKind, ConnectorName, PostingError, SourceId, Transfer, TransferCode, TransferId, TransferKind,
};

/// Which of the merchant's balances a flow takes money from (or returns it to): `Pending`
/// while the payment has not settled, `Available` once it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantBalance {
    Pending,
    Available,
}

impl MerchantBalance {
    fn kind(self) -> AccountKind {
        match self {
            MerchantBalance::Pending => AccountKind::Pending,
            MerchantBalance::Available => AccountKind::Available,
        }
    }
}

/// How much of the original fee a refund returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeRefund {
    /// The merchant keeps paying the whole fee (Stripe's rule for card payments).
    None,
    /// The fee is returned in proportion to the amount refunded. The share is computed on
    /// cumulative refunds (rounded down each time), so several partial refunds that add up
    /// to the capture return exactly the whole fee.
    Proportional { fee_minor: i64, captured_minor: i64, refunded_before_minor: i64 },
    /// Exactly this much of the fee is returned, as the caller's fee rules computed it
    /// (`tradewind_settlement::fees` rounds its own way; the ledger books its answer).
    Exact { fee_minor: i64 },
}

impl FeeRefund {
    /// The fee returned with a refund of `refund_minor`.
    pub fn amount_minor(self, refund_minor: i64) -> Result<i64, PostingError> {
        match self {
            FeeRefund::None => Ok(0),
            FeeRefund::Exact { fee_minor } if fee_minor < 0 => Err(PostingError::FeeMustNotBeNegative { fee_minor }),
            FeeRefund::Exact { fee_minor } => Ok(fee_minor),
            FeeRefund::Proportional { fee_minor, captured_minor, refunded_before_minor } => {
                let refunded_after = refunded_before_minor
                    .checked_add(refund_minor)
                    .filter(|after| refunded_before_minor >= 0 && refund_minor > 0 && *after <= captured_minor);
                let Some(refunded_after) = refunded_after else {
                    return Err(PostingError::RefundExceedsCaptured {
                        captured_minor,
                        refunded_minor: refunded_before_minor,
                        requested_minor: refund_minor,
                    });
                };
                if fee_minor < 0 {
                    return Err(PostingError::FeeMustNotBeNegative { fee_minor });
                }
                if fee_minor > captured_minor {
                    return Err(PostingError::FeeExceedsAmount { fee_minor, amount_minor: captured_minor });
                }
                // 128 bits: fee × refunded cannot overflow, and the share is at most the fee.
                let share = |refunded: i64| i128::from(fee_minor) * i128::from(refunded) / i128::from(captured_minor);
                let returned = share(refunded_after) - share(refunded_before_minor);
                i64::try_from(returned).map_err(|_| PostingError::AmountOverflow)
            }
        }
    }
}

/// A capture of a payment, with the platform's fee on it.
#[derive(Debug, Clone, Copy)]
pub struct Capture<'a> {
    pub payment: &'a SourceId,
    pub merchant: &'a MerchantId,
    pub connector: &'a ConnectorName,
    /// What is captured: the whole payment, or part of the authorization when manual.
    pub amount: Money,
    /// The platform's fee on this capture; zero for none.
    pub fee: Money,
    /// `Automatic` books the capture in one step; `Manual` posts the authorization hold
    /// (the rest of the hold is released).
    pub method: CaptureMethod,
}

/// A refund of (part of) a captured payment.
#[derive(Debug, Clone, Copy)]
pub struct Refund<'a> {
    pub refund: &'a SourceId,
    pub merchant: &'a MerchantId,
    pub connector: &'a ConnectorName,
    pub amount: Money,
    pub from: MerchantBalance,
    pub fee_refund: FeeRefund,
}

/// A dispute the provider reported: its amount is held and its fee charged.
#[derive(Debug, Clone, Copy)]
pub struct DisputeOpened<'a> {
    pub dispute: &'a SourceId,
    pub merchant: &'a MerchantId,
    pub amount: Money,
    /// The dispute fee; zero for none. It may exceed the disputed amount.
    pub fee: Money,
    pub from: MerchantBalance,
}

/// A dispute decided for the merchant.
#[derive(Debug, Clone, Copy)]
pub struct DisputeWon<'a> {
    pub dispute: &'a SourceId,
    pub merchant: &'a MerchantId,
    pub amount: Money,
    /// The fee charged when the dispute opened.
    pub fee: Money,
    /// Whether the fee goes back to the merchant too.
    pub fee_returned: bool,
}

/// Holds an authorization: the provider will owe the amount once it is captured, and the
/// merchant sees it as pending (not yet spendable) in the meantime.
pub fn authorization_hold(
    payment: &SourceId,
    merchant: &MerchantId,
    connector: &ConnectorName,
    amount: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    Ok(vec![
        leg(
            payment,
            "authorization",
            clearing(connector, currency),
            of(merchant, AccountKind::Pending, currency),
            amount_minor,
            TransferCode::Authorization,
        )
        .with_kind(TransferKind::Pending),
    ])
}

/// Books a capture and its fee. The fee comes out of the merchant's `Pending` balance, so
/// that balance reads the net amount the merchant will receive.
pub fn capture(capture: &Capture<'_>) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(capture.amount)?;
    let currency = capture.amount.currency();
    let fee_minor = fee_within(capture.fee, currency, amount_minor)?;
    let kind = match capture.method {
        CaptureMethod::Automatic => TransferKind::Single,
        CaptureMethod::Manual => {
            TransferKind::PostPending { pending_id: TransferId::derived(capture.payment, "authorization") }
        }
    };
    let pending = of(capture.merchant, AccountKind::Pending, currency);
    let mut transfers = Vec::with_capacity(3);
    transfers.push(
        leg(
            capture.payment,
            "capture",
            clearing(capture.connector, currency),
            pending.clone(),
            amount_minor,
            TransferCode::Capture,
        )
        .with_kind(kind),
    );
    charge_fee(&mut transfers, capture.payment, "capture:fee", capture.merchant, pending, fee_minor, TransferCode::Fee);
    Ok(transfers)
}

/// Releases an authorization hold without capturing it. `authorized` is the whole hold.
pub fn authorization_void(
    payment: &SourceId,
    merchant: &MerchantId,
    connector: &ConnectorName,
    authorized: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(authorized)?;
    let currency = authorized.currency();
    let pending_id = TransferId::derived(payment, "authorization");
    Ok(vec![
        leg(
            payment,
            "authorization:void",
            clearing(connector, currency),
            of(merchant, AccountKind::Pending, currency),
            amount_minor,
            TransferCode::AuthorizationVoid,
        )
        .with_kind(TransferKind::VoidPending { pending_id }),
    ])
}

/// Returns money to the buyer through the provider, and the fee share the rule returns.
pub fn refund(refund: &Refund<'_>) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(refund.amount)?;
    let currency = refund.amount.currency();
    let fee_minor = refund.fee_refund.amount_minor(amount_minor)?;
    let balance = of(refund.merchant, refund.from.kind(), currency);
    let mut transfers = Vec::with_capacity(3);
    return_fee(
        &mut transfers,
        refund.refund,
        "refund:fee",
        refund.merchant,
        balance.clone(),
        fee_minor,
        TransferCode::RefundFee,
    );
    transfers.push(leg(
        refund.refund,
        "refund",
        balance,
        clearing(refund.connector, currency),
        amount_minor,
        TransferCode::Refund,
    ));
    Ok(transfers)
}

/// Holds the disputed amount in `Disputed` and charges the dispute fee.
pub fn dispute_opened(dispute: &DisputeOpened<'_>) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(dispute.amount)?;
    let currency = dispute.amount.currency();
    let fee_minor = fee_in(dispute.fee, currency)?;
    let balance = of(dispute.merchant, dispute.from.kind(), currency);
    let mut transfers = Vec::with_capacity(3);
    transfers.push(leg(
        dispute.dispute,
        "dispute",
        balance.clone(),
        of(dispute.merchant, AccountKind::Disputed, currency),
        amount_minor,
        TransferCode::Dispute,
    ));
    charge_fee(
        &mut transfers,
        dispute.dispute,
        "dispute:fee",
        dispute.merchant,
        balance,
        fee_minor,
        TransferCode::DisputeFee,
    );
    Ok(transfers)
}

/// Gives the held amount back to the merchant's `Available` balance, and the dispute fee
/// too when `fee_returned` says so.
pub fn dispute_won(dispute: &DisputeWon<'_>) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(dispute.amount)?;
    let currency = dispute.amount.currency();
    let fee_minor = if dispute.fee_returned { fee_in(dispute.fee, currency)? } else { 0 };
    let available = of(dispute.merchant, AccountKind::Available, currency);
    let mut transfers = Vec::with_capacity(3);
    transfers.push(leg(
        dispute.dispute,
        "dispute:won",
        of(dispute.merchant, AccountKind::Disputed, currency),
        available.clone(),
        amount_minor,
        TransferCode::DisputeWon,
    ));
    return_fee(
        &mut transfers,
        dispute.dispute,
        "dispute:won:fee",
        dispute.merchant,
        available,
        fee_minor,
        TransferCode::DisputeFeeReturned,
    );
    Ok(transfers)
}

/// The held amount goes back to the buyer: the provider takes it from what it owes the
/// platform. The dispute fee stays charged.
pub fn dispute_lost(
    dispute: &SourceId,
    merchant: &MerchantId,
    connector: &ConnectorName,
    amount: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    Ok(vec![leg(
        dispute,
        "dispute:lost",
        of(merchant, AccountKind::Disputed, currency),
        clearing(connector, currency),
        amount_minor,
        TransferCode::DisputeLost,
    )])
}

/// The rolling reserve held from a settlement of `amount`: `basis_points` of it, rounded
/// half away from zero.
pub fn reserve_share(amount: Money, basis_points: u32) -> Result<Money, PostingError> {
    if basis_points > 10_000 {
        return Err(PostingError::ReserveBasisPointsOutOfRange { basis_points });
    }
    amount.checked_basis_points(i64::from(basis_points)).map_err(|_| PostingError::AmountOverflow)
}

/// Makes a payment's net amount available on its `available_on` date, holding
/// `reserve_basis_points` of it in `Reserve`. Either leg is left out when it is zero.
pub fn settlement(
    payment: &SourceId,
    merchant: &MerchantId,
    amount: Money,
    reserve_basis_points: u32,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    let reserve_minor = reserve_share(amount, reserve_basis_points)?.minor();
    let released_minor = amount_minor - reserve_minor;
    let pending = of(merchant, AccountKind::Pending, currency);
    let mut transfers = Vec::with_capacity(2);
    if released_minor > 0 {
        transfers.push(leg(
            payment,
            "settlement",
            pending.clone(),
            of(merchant, AccountKind::Available, currency),
            released_minor,
            TransferCode::Settlement,
        ));
    }
    if reserve_minor > 0 {
        transfers.push(leg(
            payment,
            "settlement:reserve",
            pending,
            of(merchant, AccountKind::Reserve, currency),
            reserve_minor,
            TransferCode::ReserveHold,
        ));
    }
    Ok(transfers)
}

/// Releases a payment's reserve to `Available` when its hold period ends.
pub fn reserve_release(
    payment: &SourceId,
    merchant: &MerchantId,
    amount: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    Ok(vec![leg(
        payment,
        "reserve:release",
        of(merchant, AccountKind::Reserve, currency),
        of(merchant, AccountKind::Available, currency),
        amount_minor,
        TransferCode::ReserveRelease,
    )])
}

/// Starts a payout: the money leaves `Available` and is in transit to the merchant's bank.
pub fn payout_created(payout: &SourceId, merchant: &MerchantId, amount: Money) -> Result<Vec<Transfer>, PostingError> {
    payout_leg(
        payout,
        "payout",
        merchant,
        AccountKind::Available,
        AccountKind::PayoutsInTransit,
        amount,
        TransferCode::Payout,
    )
}

/// The payout arrived: the money has left the platform's bank.
pub fn payout_paid(payout: &SourceId, merchant: &MerchantId, amount: Money) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    Ok(vec![leg(
        payout,
        "payout:paid",
        of(merchant, AccountKind::PayoutsInTransit, currency),
        AccountId::platform_unchecked(AccountKind::PlatformBank, currency),
        amount_minor,
        TransferCode::PayoutPaid,
    )])
}

/// The payout bounced: the money is available again.
pub fn payout_failed(payout: &SourceId, merchant: &MerchantId, amount: Money) -> Result<Vec<Transfer>, PostingError> {
    payout_leg(
        payout,
        "payout:failed",
        merchant,
        AccountKind::PayoutsInTransit,
        AccountKind::Available,
        amount,
        TransferCode::PayoutFailed,
    )
}

/// A provider paid the platform: cash arrives and the provider owes that much less.
pub fn connector_settlement(
    settlement: &SourceId,
    connector: &ConnectorName,
    amount: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    Ok(vec![leg(
        settlement,
        "connector_settlement",
        AccountId::platform_unchecked(AccountKind::PlatformBank, currency),
        clearing(connector, currency),
        amount_minor,
        TransferCode::ConnectorSettlement,
    )])
}

fn payout_leg(
    payout: &SourceId,
    suffix: &str,
    merchant: &MerchantId,
    from: AccountKind,
    to: AccountKind,
    amount: Money,
    code: TransferCode,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let currency = amount.currency();
    Ok(vec![leg(payout, suffix, of(merchant, from, currency), of(merchant, to, currency), amount_minor, code)])
}

/// The fee moves from the merchant's balance to revenue; its memo records it in the
/// merchant's `FeesPaid`. Nothing is added for a zero fee.
fn charge_fee(
    transfers: &mut Vec<Transfer>,
    source: &SourceId,
    suffix: &str,
    merchant: &MerchantId,
    balance: AccountId,
    fee_minor: i64,
    code: TransferCode,
) {
    if fee_minor == 0 {
        return;
    }
    let currency = balance.currency();
    transfers.push(leg(
        source,
        suffix,
        balance,
        AccountId::platform_unchecked(AccountKind::PlatformFeeRevenue, currency),
        fee_minor,
        code,
    ));
    transfers.push(leg(
        source,
        &format!("{suffix}:memo"),
        of(merchant, AccountKind::FeesPaid, currency),
        AccountId::platform_unchecked(AccountKind::FeesPaidControl, currency),
        fee_minor,
        code,
    ));
}

/// The reverse of [`charge_fee`]: revenue gives the fee back and the memo is undone.
fn return_fee(
    transfers: &mut Vec<Transfer>,
    source: &SourceId,
    suffix: &str,
    merchant: &MerchantId,
    balance: AccountId,
    fee_minor: i64,
    code: TransferCode,
) {
    if fee_minor == 0 {
        return;
    }
    let currency = balance.currency();
    transfers.push(leg(
        source,
        suffix,
        AccountId::platform_unchecked(AccountKind::PlatformFeeRevenue, currency),
        balance,
        fee_minor,
        code,
    ));
    transfers.push(leg(
        source,
        &format!("{suffix}:memo"),
        AccountId::platform_unchecked(AccountKind::FeesPaidControl, currency),
        of(merchant, AccountKind::FeesPaid, currency),
        fee_minor,
        code,
    ));
}

fn leg(
    source: &SourceId,
    suffix: &str,
    debit_account: AccountId,
    credit_account: AccountId,
    amount_minor: i64,
    code: TransferCode,
) -> Transfer {
    Transfer::single(TransferId::derived(source, suffix), debit_account, credit_account, amount_minor, code)
        .with_source(source.clone())
}

fn of(merchant: &MerchantId, kind: AccountKind, currency: Currency) -> AccountId {
    AccountId::merchant_unchecked(merchant, kind, currency)
}

fn clearing(connector: &ConnectorName, currency: Currency) -> AccountId {
    AccountId::connector_unchecked(connector, AccountKind::ConnectorClearing, currency)
}

fn positive(amount: Money) -> Result<i64, PostingError> {
    if amount.minor() <= 0 {
        return Err(PostingError::AmountMustBePositive { amount_minor: amount.minor() });
    }
    Ok(amount.minor())
}

/// A fee in the posting's currency, zero or more.
fn fee_in(fee: Money, currency: Currency) -> Result<i64, PostingError> {
    if fee.currency() != currency {
        return Err(PostingError::CurrencyMismatch { expected: currency, found: fee.currency() });
    }
    if fee.minor() < 0 {
        return Err(PostingError::FeeMustNotBeNegative { fee_minor: fee.minor() });
    }
    Ok(fee.minor())
}

/// A fee that also must not exceed the amount it is charged on.
fn fee_within(fee: Money, currency: Currency, amount_minor: i64) -> Result<i64, PostingError> {
    let fee_minor = fee_in(fee, currency)?;
    if fee_minor > amount_minor {
        return Err(PostingError::FeeExceedsAmount { fee_minor, amount_minor });
    }
    Ok(fee_minor)
}
