//! Events recorded beside each state change, in the same transaction.

use crate::wire::payment_intent::PaymentIntentObject;
use serde_json::Value;
use tradewind_payments::id::EventId;
use tradewind_storage::events::EventRow;
use tradewind_storage::payment_intents::PaymentIntentRow;

/// The event a payment intent's new status announces.
pub fn intent_event_type(status: &str, had_error: bool) -> &'static str {
    match status {
        "succeeded" => "payment_intent.succeeded",
        "requires_capture" => "payment_intent.amount_capturable_updated",
        "requires_action" => "payment_intent.requires_action",
        "processing" => "payment_intent.processing",
        "canceled" => "payment_intent.canceled",
        "requires_payment_method" if had_error => "payment_intent.payment_failed",
        _ => "payment_intent.updated",
    }
}

pub fn event(merchant_id: &str, event_type: &str, object_id: &str, data: &Value, now: i64) -> EventRow {
    EventRow {
        id: EventId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        event_type: event_type.to_owned(),
        object_id: object_id.to_owned(),
        data: data.to_string(),
        created_at: now,
    }
}

/// The event for an intent's current state.
pub fn for_intent(row: &PaymentIntentRow, now: i64) -> EventRow {
    let event_type = intent_event_type(&row.status, row.last_payment_error.is_some());
    event(&row.merchant_id, event_type, &row.id, &PaymentIntentObject::from_row(row).to_value(), now)
}
