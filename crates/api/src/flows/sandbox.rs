//! What the sandbox providers do when the buyer (or a test) acts on their pages:
//! 3-D Secure challenges, bank and wallet redirects, Boleto payment, incoming bank
//! transfers and courier deliveries.

use crate::error::{ApiError, ApiResult};
use crate::flows::{confirm, outcome};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tradewind_connectors::bank_transfer::{Funding, apply_funds};
use tradewind_connectors::{boleto, sofort, wallet};
use tradewind_payments::intent::IntentEvent;
use tradewind_payments::method::PaymentMethodType;
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::payment_intents::PaymentIntentRow;

/// The attempt must be the intent's current one and still waiting for the buyer.
pub fn check_pending(intent: &PaymentIntentRow, attempt: &AttemptRow) -> ApiResult<()> {
    if intent.latest_attempt_id.as_deref() != Some(attempt.id.as_str()) || intent.status != "requires_action" {
        return Err(ApiError::conflict(
            "payment_attempt_unexpected_state",
            format!("This payment attempt is no longer waiting for the customer (the payment is {}).", intent.status),
        ));
    }
    Ok(())
}

fn method_of(attempt: &AttemptRow) -> ApiResult<PaymentMethodType> {
    PaymentMethodType::parse(&attempt.payment_method_type).map_err(|error| ApiError::internal(&error))
}

fn flags(attempt: &AttemptRow) -> Value {
    serde_json::from_str(&attempt.flags).unwrap_or(Value::Null)
}

/// The buyer completed (`approve`) or failed the 3-D Secure challenge.
pub fn three_d_secure(
    intent: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    approve: bool,
    now: i64,
) -> ApiResult<()> {
    check_pending(intent, attempt)?;
    if !approve {
        return outcome::failed(
            intent,
            attempt,
            "payment_intent_authentication_failure",
            None,
            "The provided payment method has failed authentication.",
            now,
        );
    }
    let after = flags(attempt)["after_three_d_secure"].clone();
    if after["outcome"] == "decline" {
        let code = after["code"].as_str().unwrap_or("card_declined").to_owned();
        let decline_code = after["decline_code"].as_str().map(str::to_owned);
        let message = after["message"].as_str().unwrap_or("Your card was declined.").to_owned();
        return outcome::failed(intent, attempt, &code, decline_code.as_deref(), &message, now);
    }
    outcome::authorized(intent, attempt, now)
}

/// The buyer's choice on a bank, wallet or PayPal page.
pub fn redirect(
    intent: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    choice: wallet::RedirectChoice,
    now: i64,
) -> ApiResult<()> {
    check_pending(intent, attempt)?;
    let method = method_of(attempt)?;
    match choice {
        wallet::RedirectChoice::Approve => match method {
            PaymentMethodType::Sofort => {
                let succeeds = flags(attempt)["sofort_succeeds"].as_bool().unwrap_or(true);
                outcome::processing(
                    intent,
                    attempt,
                    now.saturating_add(sofort::SETTLEMENT_DELAY_SECONDS),
                    succeeds,
                    now,
                )
            }
            PaymentMethodType::Paypal
            | PaymentMethodType::Ideal
            | PaymentMethodType::Grabpay
            | PaymentMethodType::Gopay
            | PaymentMethodType::Shopeepay => outcome::authorized(intent, attempt, now),
            PaymentMethodType::Card
            | PaymentMethodType::Boleto
            | PaymentMethodType::BankTransfer
            | PaymentMethodType::CashOnDelivery => Err(ApiError::conflict(
                "payment_attempt_unexpected_state",
                format!("{method} payments are not completed on a redirect page."),
            )),
        },
        wallet::RedirectChoice::Decline => {
            let (code, message) = wallet::decline_for(method);
            outcome::failed(intent, attempt, code, None, message, now)
        }
        wallet::RedirectChoice::Abandon => outcome::abandoned(intent, attempt, now),
    }
}

/// The buyer paid the Boleto at a bank; it is confirmed the next business day.
pub fn pay_boleto(intent: &mut PaymentIntentRow, attempt: &mut AttemptRow, now: i64) -> ApiResult<()> {
    check_pending(intent, attempt)?;
    if method_of(attempt)? != PaymentMethodType::Boleto {
        return Err(ApiError::conflict("payment_attempt_unexpected_state", "This attempt is not a Boleto."));
    }
    let paid_at = OffsetDateTime::from_unix_timestamp(now).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let confirmed_at = boleto::confirmation_time(paid_at).unix_timestamp();
    outcome::processing(intent, attempt, confirmed_at, true, now)
}

/// Funds arrived for a bank transfer reference: partial, exact or over.
pub fn fund_transfer(
    intent: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    amount: i64,
    now: i64,
) -> ApiResult<Funding> {
    check_pending(intent, attempt)?;
    let received_total = attempt
        .amount_received
        .checked_add(amount)
        .ok_or_else(|| ApiError::invalid("amount", "amount_too_large", "The amount overflows."))?;
    attempt.amount_received = received_total;
    let funding = apply_funds(attempt.amount, received_total);
    let currency = crate::flows::validate::currency("currency", &intent.currency)?;
    match funding {
        Funding::Partial { remaining_minor } => {
            let reference = attempt.reference.clone().unwrap_or_default();
            intent.next_action =
                Some(confirm::transfer_instructions(&reference, remaining_minor, currency).to_string());
            intent.updated_at = now;
            attempt.updated_at = now;
        }
        Funding::Exact | Funding::Over { .. } => {
            outcome::authorized(intent, attempt, now)?;
            attempt.amount_received = received_total;
            if let Funding::Over { excess_minor } = funding {
                let mut details: Value = serde_json::from_str(&attempt.payment_method_details).unwrap_or(json!({}));
                details["bank_transfer"]["amount_overpaid"] = json!(excess_minor);
                attempt.payment_method_details = details.to_string();
                intent.payment_method_details = Some(details.to_string());
            }
        }
    }
    Ok(funding)
}

/// The courier collected the cash (`collected`) or the buyer refused the parcel.
pub fn delivery(intent: &mut PaymentIntentRow, attempt: &mut AttemptRow, collected: bool, now: i64) -> ApiResult<()> {
    check_pending(intent, attempt)?;
    if method_of(attempt)? != PaymentMethodType::CashOnDelivery {
        return Err(ApiError::conflict("payment_attempt_unexpected_state", "This attempt is not cash on delivery."));
    }
    if collected {
        return outcome::authorized(intent, attempt, now);
    }
    outcome::transition(intent, IntentEvent::Cancel)?;
    attempt.status = outcome::attempt_status::FAILED.to_owned();
    attempt.error_code = Some("delivery_refused".to_owned());
    attempt.error_message = Some("The customer refused the delivery; no cash was collected.".to_owned());
    attempt.updated_at = now;
    intent.cancellation_reason = Some("delivery_refused".to_owned());
    intent.last_payment_error = Some(
        json!({
            "type": "invalid_request_error",
            "code": "delivery_refused",
            "message": "The customer refused the delivery; no cash was collected.",
            "payment_attempt": attempt.id,
            "payment_method_type": "cash_on_delivery",
        })
        .to_string(),
    );
    intent.next_action = None;
    intent.expires_at = None;
    intent.updated_at = now;
    Ok(())
}
