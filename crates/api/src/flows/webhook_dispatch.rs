//! The webhook dispatcher: turns events not yet dispatched (the events table is the
//! outbox, written in the same transaction as each change) into one delivery per
//! enabled endpoint that listens to the event's type, and marks each event dispatched
//! in the same transaction, conditionally, so two dispatchers never both fan out one
//! event. Events are found by `dispatched_at IS NULL`, never by an id cursor:
//! concurrent transactions commit out of id order, and a cursor would skip the late ones.

use crate::error::ApiResult;
use crate::state::AppState;
use std::collections::{BTreeMap, HashMap, HashSet};
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

/// What one [`dispatch_pending`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Deliveries created.
    pub deliveries: u64,
    /// Whether it stopped at its bound with events still waiting (the worker then
    /// goes on at once instead of at its next tick, so a backlog never outgrows it).
    pub more_waiting: bool,
}

/// Dispatches pending events (of one merchant, or all), at most
/// `DISPATCH_BATCHES_MAX` batches of `DISPATCH_BATCH_SIZE`. Each batch is claimed and
/// its deliveries inserted in one transaction of a few statements (a claim per clock
/// offset among its merchants, and the deliveries' inserts), so the transaction is
/// short: on SQLite it holds the writer slot, and every other write waits for it.
pub async fn dispatch_pending(state: &AppState, merchant_id: Option<&str>) -> ApiResult<Dispatched> {
    let mut created = 0;
    for _ in 0..DISPATCH_BATCHES_MAX {
        let events = webhook_deliveries::undispatched(state.store.pool(), merchant_id, DISPATCH_BATCH_SIZE).await?;
        if events.is_empty() {
            return Ok(Dispatched { deliveries: created, more_waiting: false });
        }
        // The endpoints listening now, read before the transaction (an endpoint created
        // meanwhile gets the next events, as it would had these been dispatched earlier).
        let mut endpoints: HashMap<&str, Vec<(String, Vec<String>)>> = HashMap::new();
        for event in &events {
            if !endpoints.contains_key(event.merchant_id.as_str()) {
                let rows = webhook_endpoints::enabled(state.store.pool(), &event.merchant_id).await?;
                let listening = rows.iter().map(|row| (row.id.clone(), enabled_events(row))).collect();
                endpoints.insert(&event.merchant_id, listening);
            }
        }
        // Each event is marked at its merchant's clock: one claim per offset.
        let mut by_offset: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
        for event in &events {
            by_offset.entry(event.clock_offset_seconds).or_default().push(&event.id);
        }
        let real_now = state.clock.now();
        let mut transaction = state.store.begin().await?;
        let mut claimed = HashSet::new();
        for (offset, ids) in &by_offset {
            let marked =
                webhook_deliveries::mark_dispatched(transaction.connection(), ids, real_now.saturating_add(*offset))
                    .await?;
            claimed.extend(marked);
        }
        let mut deliveries = Vec::new();
        for event in events.iter().filter(|event| claimed.contains(&event.id)) {
            let now = real_now.saturating_add(event.clock_offset_seconds);
            for (endpoint_id, listens_to) in endpoints.get(event.merchant_id.as_str()).into_iter().flatten() {
                if webhook::wants(listens_to, &event.event_type) {
                    deliveries.push(new_delivery(&event.merchant_id, &event.id, endpoint_id, now));
                }
            }
        }
        webhook_deliveries::insert_many(transaction.connection(), &deliveries).await?;
        transaction.commit().await?;
        created += deliveries.len() as u64;
        if (events.len() as i64) < DISPATCH_BATCH_SIZE {
            return Ok(Dispatched { deliveries: created, more_waiting: false });
        }
    }
    Ok(Dispatched { deliveries: created, more_waiting: true })
}
