//! Conversions between currencies: a merchant's balance converted on request, and the
//! captures, refunds and lost disputes of payments settled in another currency than the
//! buyer paid in. Every conversion meets in the platform's FX position of each currency
//! (see the recipe table in the parent module).

use super::{
    Capture, MerchantBalance, capture, charge_fee, clearing, fee_in, fee_within, leg, of, positive, return_fee,
};
use crate::{AccountId, AccountKind, ConnectorName, PostingError, SourceId, Transfer, TransferCode};
use tradewind_money::{Currency, Money};
use tradewind_payments::id::MerchantId;
use tradewind_payments::intent::CaptureMethod;

/// A capture the merchant settles in another currency than the buyer paid in.
#[derive(Debug, Clone, Copy)]
pub struct ConvertedCapture<'a> {
    pub payment: &'a SourceId,
    pub merchant: &'a MerchantId,
    pub connector: &'a ConnectorName,
    /// What is captured, in the currency the buyer paid in.
    pub amount: Money,
    /// `amount` converted into the settlement currency.
    pub settled: Money,
    /// The platform's fee, in the settlement currency; zero for none.
    pub fee: Money,
    pub method: CaptureMethod,
}

/// Books a capture in the buyer's currency and converts it at once into the merchant's
/// settlement currency, where the fee is charged: the merchant's pending balance in the
/// buyer's currency is credited and emptied in the same batch, and the platform's FX
/// positions take the buyer's currency and owe the settlement currency. The merchant's
/// pending balance in the settlement currency reads the net.
pub fn converted_capture(capture: &ConvertedCapture<'_>) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(capture.amount)?;
    let settled_minor = positive(capture.settled)?;
    let (paid_in, settled_in) = (capture.amount.currency(), capture.settled.currency());
    if paid_in == settled_in {
        return Err(PostingError::SameCurrencyConversion { currency: paid_in });
    }
    let fee_minor = fee_within(capture.fee, settled_in, settled_minor)?;
    let mut transfers = self::capture(&Capture {
        payment: capture.payment,
        merchant: capture.merchant,
        connector: capture.connector,
        amount: capture.amount,
        fee: Money::zero(paid_in),
        method: capture.method,
    })?;
    let settled_pending = of(capture.merchant, AccountKind::Pending, settled_in);
    transfers.push(leg(
        capture.payment,
        "capture:fx:sell",
        of(capture.merchant, AccountKind::Pending, paid_in),
        fx_position(paid_in),
        amount_minor,
        TransferCode::FxConversion,
    ));
    transfers.push(leg(
        capture.payment,
        "capture:fx:buy",
        fx_position(settled_in),
        settled_pending.clone(),
        settled_minor,
        TransferCode::FxConversion,
    ));
    charge_fee(
        &mut transfers,
        capture.payment,
        "capture:fee",
        capture.merchant,
        settled_pending,
        fee_minor,
        TransferCode::Fee,
    );
    Ok(transfers)
}

/// A refund of a payment that was settled in another currency.
#[derive(Debug, Clone, Copy)]
pub struct ConvertedRefund<'a> {
    pub refund: &'a SourceId,
    pub merchant: &'a MerchantId,
    pub connector: &'a ConnectorName,
    /// What goes back to the buyer, in the currency the buyer paid in.
    pub amount: Money,
    /// What it costs the merchant, in the settlement currency.
    pub settled: Money,
    /// The share of the fee given back, in the settlement currency.
    pub fee_returned: Money,
    pub from: MerchantBalance,
}

/// The reverse of [`converted_capture`] for a refund: the fee share comes back in the
/// settlement currency, the merchant's balance there pays `settled` to the platform's FX
/// position, and the FX position of the buyer's currency pays `amount` back through the
/// provider. The merchant's balance in the buyer's currency is never touched.
pub fn converted_refund(refund: &ConvertedRefund<'_>) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(refund.amount)?;
    // Zero when a small refund converts to less than half a minor unit: the FX
    // position then pays it alone.
    let settled_minor = refund.settled.minor();
    if settled_minor < 0 {
        return Err(PostingError::AmountMustBePositive { amount_minor: settled_minor });
    }
    let (paid_in, settled_in) = (refund.amount.currency(), refund.settled.currency());
    if paid_in == settled_in {
        return Err(PostingError::SameCurrencyConversion { currency: paid_in });
    }
    let fee_minor = fee_in(refund.fee_returned, settled_in)?;
    let balance = of(refund.merchant, refund.from.kind(), settled_in);
    let mut transfers = Vec::with_capacity(4);
    return_fee(
        &mut transfers,
        refund.refund,
        "refund:fee",
        refund.merchant,
        balance.clone(),
        fee_minor,
        TransferCode::RefundFee,
    );
    if settled_minor > 0 {
        transfers.push(leg(
            refund.refund,
            "refund:fx:sell",
            balance,
            fx_position(settled_in),
            settled_minor,
            TransferCode::FxConversion,
        ));
    }
    transfers.push(leg(
        refund.refund,
        "refund",
        fx_position(paid_in),
        clearing(refund.connector, paid_in),
        amount_minor,
        TransferCode::Refund,
    ));
    Ok(transfers)
}

fn fx_position(currency: Currency) -> AccountId {
    AccountId::platform_unchecked(AccountKind::FxPosition, currency)
}

/// Converts part of a merchant's available balance into another currency. A transfer has
/// one currency, so the conversion is two transfers that meet in the platform's FX
/// position of each currency: the platform takes `sold` and owes `bought` instead.
pub fn fx_conversion(
    conversion: &SourceId,
    merchant: &MerchantId,
    sold: Money,
    bought: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let sold_minor = positive(sold)?;
    let bought_minor = positive(bought)?;
    if sold.currency() == bought.currency() {
        return Err(PostingError::SameCurrencyConversion { currency: sold.currency() });
    }
    Ok(vec![
        leg(
            conversion,
            "fx:sell",
            of(merchant, AccountKind::Available, sold.currency()),
            fx_position(sold.currency()),
            sold_minor,
            TransferCode::FxConversion,
        ),
        leg(
            conversion,
            "fx:buy",
            fx_position(bought.currency()),
            of(merchant, AccountKind::Available, bought.currency()),
            bought_minor,
            TransferCode::FxConversion,
        ),
    ])
}

/// [`dispute_lost`] for a payment settled in another currency: the merchant's held
/// `settled` goes to the platform's FX position of the settlement currency, and the FX
/// position of the buyer's currency pays `amount` back through the provider.
pub fn converted_dispute_lost(
    dispute: &SourceId,
    merchant: &MerchantId,
    connector: &ConnectorName,
    amount: Money,
    settled: Money,
) -> Result<Vec<Transfer>, PostingError> {
    let amount_minor = positive(amount)?;
    let settled_minor = positive(settled)?;
    let (paid_in, settled_in) = (amount.currency(), settled.currency());
    if paid_in == settled_in {
        return Err(PostingError::SameCurrencyConversion { currency: paid_in });
    }
    Ok(vec![
        leg(
            dispute,
            "dispute:lost:fx:sell",
            of(merchant, AccountKind::Disputed, settled_in),
            fx_position(settled_in),
            settled_minor,
            TransferCode::FxConversion,
        ),
        leg(
            dispute,
            "dispute:lost",
            fx_position(paid_in),
            clearing(connector, paid_in),
            amount_minor,
            TransferCode::DisputeLost,
        ),
    ])
}
