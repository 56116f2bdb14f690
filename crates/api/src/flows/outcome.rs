//! Applying a provider outcome to an intent and its attempt. Every change of status
//! goes through the domain's transition rules (`IntentStatus::apply`);
//! [`write_change_in`] writes the result with its event and money effects.

use crate::error::{ApiError, ApiResult};
use crate::flows::{events, money};
use crate::state::AppState;
use serde_json::{Value, json};
use tradewind_payments::intent::{CaptureMethod, IntentEvent, IntentStatus};
use tradewind_storage::attempts;
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::payment_intents;
use tradewind_storage::payment_intents::PaymentIntentRow;

/// Attempt statuses as stored.
pub mod attempt_status {
    pub const REQUIRES_ACTION: &str = "requires_action";
    pub const AUTHORIZED: &str = "authorized";
    pub const CAPTURED: &str = "captured";
    pub const PROCESSING: &str = "processing";
    pub const FAILED: &str = "failed";
    pub const EXPIRED: &str = "expired";
    pub const ABANDONED: &str = "abandoned";
    pub const CANCELED: &str = "canceled";
}

pub fn current_status(row: &PaymentIntentRow) -> ApiResult<IntentStatus> {
    IntentStatus::parse(&row.status).ok_or_else(|| {
        ApiError::internal(&tradewind_storage::StoreError::Corrupt(format!("intent status {}", row.status)))
    })
}

/// Moves the intent by `event`, or answers 409 naming the current status.
pub fn transition(row: &mut PaymentIntentRow, event: IntentEvent) -> ApiResult<IntentStatus> {
    let next = current_status(row)?
        .apply(event)
        .map_err(|error| ApiError::conflict("payment_intent_unexpected_state", error.to_string()))?;
    row.status = next.as_str().to_owned();
    Ok(next)
}

pub fn capture_method(row: &PaymentIntentRow) -> CaptureMethod {
    CaptureMethod::parse(&row.capture_method).unwrap_or(CaptureMethod::Automatic)
}

fn clear_pending(row: &mut PaymentIntentRow) {
    row.next_action = None;
    row.expires_at = None;
    row.scheduled_at = None;
    row.scheduled_outcome = None;
}

/// The provider authorised: captured at once (automatic) or held (manual).
pub fn authorized(row: &mut PaymentIntentRow, attempt: &mut AttemptRow, now: i64) -> ApiResult<()> {
    let capture = capture_method(row);
    transition(row, IntentEvent::Authorized { capture })?;
    match capture {
        CaptureMethod::Automatic => {
            row.amount_received = row.amount;
            row.amount_capturable = 0;
            attempt.status = attempt_status::CAPTURED.to_owned();
            attempt.amount_received = attempt.amount;
        }
        CaptureMethod::Manual => {
            row.amount_capturable = row.amount;
            attempt.status = attempt_status::AUTHORIZED.to_owned();
        }
    }
    row.last_payment_error = None;
    clear_pending(row);
    row.updated_at = now;
    attempt.updated_at = now;
    Ok(())
}

/// The attempt failed; the buyer may try again with another method.
pub fn failed(
    row: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    code: &str,
    decline_code: Option<&str>,
    message: &str,
    now: i64,
) -> ApiResult<()> {
    transition(row, IntentEvent::Failed)?;
    attempt.status = attempt_status::FAILED.to_owned();
    record_error(row, attempt, code, decline_code, message, now);
    Ok(())
}

fn record_error(
    row: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    code: &str,
    decline_code: Option<&str>,
    message: &str,
    now: i64,
) {
    attempt.error_code = Some(code.to_owned());
    attempt.decline_code = decline_code.map(str::to_owned);
    attempt.error_message = Some(message.to_owned());
    attempt.updated_at = now;
    let mut error = json!({
        "type": if attempt.payment_method_type == "card" { "card_error" } else { "invalid_request_error" },
        "code": code,
        "message": message,
        "payment_attempt": attempt.id,
        "payment_method_type": attempt.payment_method_type,
    });
    if let Some(decline_code) = decline_code {
        error["decline_code"] = json!(decline_code);
    }
    row.last_payment_error = Some(error.to_string());
    clear_pending(row);
    row.updated_at = now;
}

/// The buyer has to act; `next_action` is the typed instruction.
pub fn action_required(
    row: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    next_action: Value,
    expires_at: Option<i64>,
    now: i64,
) -> ApiResult<()> {
    transition(row, IntentEvent::ActionRequired)?;
    attempt.status = attempt_status::REQUIRES_ACTION.to_owned();
    attempt.updated_at = now;
    row.next_action = Some(next_action.to_string());
    row.last_payment_error = None;
    row.expires_at = expires_at;
    row.scheduled_at = None;
    row.scheduled_outcome = None;
    row.updated_at = now;
    Ok(())
}

/// The buyer is done; the provider settles the outcome at `due_at`.
pub fn processing(
    row: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    due_at: i64,
    succeeds: bool,
    now: i64,
) -> ApiResult<()> {
    transition(row, IntentEvent::Processing)?;
    attempt.status = attempt_status::PROCESSING.to_owned();
    attempt.updated_at = now;
    row.next_action = None;
    row.expires_at = None;
    row.last_payment_error = None;
    row.scheduled_at = Some(due_at);
    row.scheduled_outcome = Some(if succeeds { "succeed" } else { "fail" }.to_owned());
    row.updated_at = now;
    Ok(())
}

/// Ends a pending attempt without payment: the intent waits for another method.
fn ended_unpaid(
    row: &mut PaymentIntentRow,
    attempt: &mut AttemptRow,
    attempt_status: &str,
    code: &str,
    message: &str,
    now: i64,
) -> ApiResult<()> {
    let event = if attempt_status == attempt_status::EXPIRED { IntentEvent::Expired } else { IntentEvent::Failed };
    transition(row, event)?;
    attempt.status = attempt_status.to_owned();
    record_error(row, attempt, code, None, message, now);
    Ok(())
}

/// An unpaid asynchronous attempt ran out of time.
/// A real provider took the payment and will say later how it ended (its webhook, or
/// the status sync asking it): nothing is scheduled here.
pub fn processing_at_provider(row: &mut PaymentIntentRow, attempt: &mut AttemptRow, now: i64) -> ApiResult<()> {
    transition(row, IntentEvent::Processing)?;
    attempt.status = attempt_status::PROCESSING.to_owned();
    attempt.updated_at = now;
    row.last_payment_error = None;
    clear_pending(row);
    row.updated_at = now;
    Ok(())
}

pub fn expired(row: &mut PaymentIntentRow, attempt: &mut AttemptRow, now: i64) -> ApiResult<()> {
    ended_unpaid(
        row,
        attempt,
        attempt_status::EXPIRED,
        "payment_intent_payment_attempt_expired",
        "The payment attempt expired before the customer completed it.",
        now,
    )
}

/// The buyer left the provider page without paying.
pub fn abandoned(row: &mut PaymentIntentRow, attempt: &mut AttemptRow, now: i64) -> ApiResult<()> {
    ended_unpaid(
        row,
        attempt,
        attempt_status::ABANDONED,
        "payment_intent_payment_attempt_failed",
        "The customer abandoned the payment on the provider's page.",
        now,
    )
}

/// Writes an intent change inside an open transaction: the changed attempt, the intent
/// (conditional on its version), its event and what the change from `before` does to
/// money (none without a `before`). False when another writer changed the intent first:
/// the caller must then roll back.
pub async fn write_change_in(
    state: &AppState,
    connection: &mut tradewind_storage::Connection,
    before: Option<&money::Before>,
    intent: &PaymentIntentRow,
    changed_attempt: Option<&AttemptRow>,
    now: i64,
) -> ApiResult<bool> {
    let effects = match before {
        Some(before) => money::intent_effects(state, before, intent, now).await?,
        None => money::Effects::default(),
    };
    if let Some(attempt) = changed_attempt {
        attempts::update(&mut *connection, attempt).await?;
    }
    let mut written = std::borrow::Cow::Borrowed(intent);
    if effects.charge().is_some() {
        effects.name_charge(written.to_mut());
    }
    if !payment_intents::update(&mut *connection, &written).await? {
        return Ok(false);
    }
    tradewind_storage::events::insert(&mut *connection, &events::for_intent(intent, now)).await?;
    effects.write_in(&state.store, connection, now).await?;
    Ok(true)
}
