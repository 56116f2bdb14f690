//! The webhook dispatcher: turns events not yet dispatched (the events table is the
//! outbox, written in the same transaction as each change) into one delivery per
//! enabled endpoint that listens to the event's type, and marks each event dispatched
//! in the same transaction, conditionally, so two dispatchers never both fan out one
//! event. Events are found by `dispatched_at IS NULL`, never by an id cursor:
//! concurrent transactions commit out of id order, and a cursor would skip the late ones.

use crate::error::ApiResult;
use crate::state::AppState;
use std::collections::HashMap;
use tradewind_payments::id::WebhookDeliveryId;
use tradewind_payments::webhook;
use tradewind_storage::webhook_deliveries::{self, DeliveryRow};
use tradewind_storage::webhook_endpoints::{self, EndpointRow};

/// Events per transaction, and transactions per step: a bound on one step's work.
const DISPATCH_BATCH_SIZE: i64 = 100;
const DISPATCH_BATCHES_MAX: usize = 50;

/// A delivery owed to `endpoint_id`, due at once (`now`, the merchant's clock).
pub fn new_delivery(merchant_id: &str, event_id: &str, endpoint_id: &str, now: i64) -> DeliveryRow {
    DeliveryRow {
        id: WebhookDeliveryId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        event_id: event_id.to_owned(),
        endpoint_id: endpoint_id.to_owned(),
        status: "pending".to_owned(),
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
    }
}

/// The event types an endpoint listens to (a corrupt column listens to none).
pub fn enabled_events(row: &EndpointRow) -> Vec<String> {
    serde_json::from_str(&row.enabled_events).unwrap_or_default()
}

/// Dispatches pending events (of one merchant, or all); returns how many deliveries
/// it created.
pub async fn dispatch_pending(state: &AppState, merchant_id: Option<&str>) -> ApiResult<u64> {
    let mut created = 0;
    for _ in 0..DISPATCH_BATCHES_MAX {
        let events = webhook_deliveries::undispatched(state.store.pool(), merchant_id, DISPATCH_BATCH_SIZE).await?;
        if events.is_empty() {
            break;
        }
        let real_now = state.clock.now();
        let mut transaction = state.store.begin().await?;
        let mut endpoints: HashMap<String, Vec<(String, Vec<String>)>> = HashMap::new();
        for event in &events {
            let now = real_now.saturating_add(event.clock_offset_seconds);
            if !webhook_deliveries::mark_dispatched(transaction.connection(), &event.id, now).await? {
                continue;
            }
            if !endpoints.contains_key(&event.merchant_id) {
                let rows = webhook_endpoints::enabled(transaction.connection(), &event.merchant_id).await?;
                let listening = rows.iter().map(|row| (row.id.clone(), enabled_events(row))).collect();
                endpoints.insert(event.merchant_id.clone(), listening);
            }
            for (endpoint_id, listens_to) in endpoints.get(&event.merchant_id).into_iter().flatten() {
                if webhook::wants(listens_to, &event.event_type) {
                    let delivery = new_delivery(&event.merchant_id, &event.id, endpoint_id, now);
                    webhook_deliveries::insert(transaction.connection(), &delivery).await?;
                    created += 1;
                }
            }
        }
        transaction.commit().await?;
        if (events.len() as i64) < DISPATCH_BATCH_SIZE {
            break;
        }
    }
    Ok(created)
}
