//! Webhook delivery: POSTs each due delivery's event to its endpoint, signed per
//! Standard Webhooks, and records the attempt.
//!
//! Each endpoint with due deliveries gets a driver task of its own, which keeps at most
//! [`IN_FLIGHT_PER_ENDPOINT`] requests in flight and refills as they finish, so a slow
//! endpoint (every request bounded by [`DELIVERY_TIMEOUT`]) only ever delays itself;
//! all drivers together hold at most [`IN_FLIGHT_TOTAL`] requests. A driver claims
//! deliveries with a lease (a conditional update, real time, [`LEASE_SECONDS`]), so two
//! workers or processes never send one attempt at once and a crashed worker's claim
//! expires; the attempt is recorded only while the lease is still held.
//!
//! Headers: `webhook-id` is the event id (the same on every redelivery and resend),
//! `webhook-timestamp` the real Unix time of this attempt (receivers check it against
//! their own clock, so it is never the sandbox clock), `webhook-signature` one
//! `v1,<base64 HMAC-SHA256>` per live secret. Retries follow
//! [`webhook::RETRY_DELAYS_SECONDS`] on the merchant's clock; an endpoint failing
//! without a success for [`webhook::DISABLE_AFTER_FAILING_SECONDS`] is disabled with a
//! `webhook_endpoint.disabled` event.
//!
//! [`deliver_due`] is the step (tests and the sandbox clock call it and wait);
//! [`start_due`] starts the same drivers without waiting (the background worker).

use crate::error::ApiResult;
use crate::flows::events;
use crate::state::AppState;
use crate::wire::webhook::{EventObject, WebhookEndpointObject};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tradewind_payments::webhook::{self, WebhookSecret};
use tradewind_storage::webhook_deliveries::{self, AttemptRow, Claim, ClaimedDelivery, Next};
use tradewind_storage::{merchants, webhook_endpoints};

/// A 2xx within this is a success; anything else, or nothing, a failure.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(15);
/// Requests in flight to one endpoint.
pub const IN_FLIGHT_PER_ENDPOINT: usize = 4;
/// Requests in flight to all endpoints together.
pub const IN_FLIGHT_TOTAL: usize = 256;
/// Webhook claims and records at once, over all drivers: half the PostgreSQL pool, so
/// delivery bookkeeping never starves API requests (or itself) of connections.
pub const DATABASE_CALLS_MAX: usize = 8;
/// How long a claim holds a delivery: well beyond one attempt's timeout.
pub const LEASE_SECONDS: i64 = 60;
/// Endpoints one step starts drivers for.
const ENDPOINTS_PER_STEP_MAX: i64 = 1_000;
/// Deliveries one driver sends in one step before it lets the next step go on.
const DELIVERIES_PER_DRIVER_MAX: u64 = 10_000;
/// The most of an endpoint's answer read (and ignored), so the connection is reused.
const RESPONSE_READ_BYTES_MAX: usize = 4_096;

/// What delivery shares across steps: the HTTP client, the overall bound and the
/// endpoints that have a driver running.
pub struct WebhookRuntime {
    client: reqwest::Client,
    in_flight_total: Arc<Semaphore>,
    database: Semaphore,
    driven: Mutex<HashSet<String>>,
}

impl Default for WebhookRuntime {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(DELIVERY_TIMEOUT)
            .user_agent("Tradewind-Webhooks/1")
            .pool_max_idle_per_host(IN_FLIGHT_PER_ENDPOINT)
            .build()
            .unwrap_or_default();
        WebhookRuntime {
            client,
            in_flight_total: Arc::new(Semaphore::new(IN_FLIGHT_TOTAL)),
            database: Semaphore::new(DATABASE_CALLS_MAX),
            driven: Mutex::default(),
        }
    }
}

/// Marks an endpoint driven while alive, so two drivers never share one endpoint.
struct Driving {
    state: AppState,
    endpoint_id: String,
}

impl Driving {
    fn start(state: &AppState, endpoint_id: &str) -> Option<Driving> {
        let mut driven = state.webhooks.driven.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        driven
            .insert(endpoint_id.to_owned())
            .then(|| Driving { state: state.clone(), endpoint_id: endpoint_id.to_owned() })
    }
}

impl Drop for Driving {
    fn drop(&mut self) {
        let mut driven = self.state.webhooks.driven.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        driven.remove(&self.endpoint_id);
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub attempted: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub endpoints_disabled: u64,
}

impl DeliveryReport {
    fn add(&mut self, other: DeliveryReport) {
        self.attempted += other.attempted;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.endpoints_disabled += other.endpoints_disabled;
    }
}

/// Starts a driver for every endpoint (of one merchant, or all) with due deliveries
/// and no driver yet; returns their handles without waiting.
pub async fn start_due(state: &AppState, merchant_id: Option<&str>) -> ApiResult<Vec<JoinHandle<DeliveryReport>>> {
    let due =
        webhook_deliveries::endpoints_due(state.store.pool(), merchant_id, state.clock.now(), ENDPOINTS_PER_STEP_MAX)
            .await?;
    let mut handles = Vec::with_capacity(due.len());
    for endpoint in due {
        if let Some(driving) = Driving::start(state, &endpoint.endpoint_id) {
            handles.push(tokio::spawn(drive(driving)));
        }
    }
    Ok(handles)
}

/// The step: sends every delivery due now (of one merchant, or all) once, and waits.
pub async fn deliver_due(state: &AppState, merchant_id: Option<&str>) -> ApiResult<DeliveryReport> {
    let mut report = DeliveryReport::default();
    for handle in start_due(state, merchant_id).await? {
        match handle.await {
            Ok(driven) => report.add(driven),
            Err(error) => tracing::error!(%error, "webhook driver panicked"),
        }
    }
    Ok(report)
}

/// Sends one endpoint's due deliveries, at most [`IN_FLIGHT_PER_ENDPOINT`] at a time,
/// until none is due. A failed attempt is due again only later, so each delivery is
/// attempted at most once per drive.
async fn drive(driving: Driving) -> DeliveryReport {
    let state = &driving.state;
    let mut report = DeliveryReport::default();
    let mut in_flight = FuturesUnordered::new();
    let mut claimed_total = 0;
    let mut exhausted = false;
    loop {
        let free = IN_FLIGHT_PER_ENDPOINT - in_flight.len();
        if !exhausted && free > 0 && claimed_total < DELIVERIES_PER_DRIVER_MAX {
            match claim(state, &driving.endpoint_id, free).await {
                Ok(Some((endpoint, offset, token, claimed))) if !claimed.is_empty() => {
                    claimed_total += claimed.len() as u64;
                    for delivery in claimed {
                        // A task each: futures polled only by this loop would stall
                        // (holding connections and permits) while it awaits a claim.
                        let sent = attempt(state.clone(), Arc::clone(&endpoint), offset, Arc::clone(&token), delivery);
                        in_flight.push(tokio::spawn(sent));
                    }
                }
                Ok(_) => exhausted = true,
                Err(error) => {
                    tracing::warn!(endpoint = %driving.endpoint_id, code = %error.code, "webhook claim failed");
                    exhausted = true;
                }
            }
        }
        match in_flight.next().await {
            Some(Ok(outcome)) => report.add(outcome),
            Some(Err(error)) => tracing::error!(%error, "webhook attempt task failed"),
            None => break,
        }
    }
    report
}

type Claimed = (Arc<webhook_endpoints::EndpointRow>, i64, Arc<str>, Vec<ClaimedDelivery>);

/// Leases up to `limit` due deliveries of an enabled endpoint, with the endpoint and
/// its merchant's clock offset; `None` when the endpoint is gone or disabled.
async fn claim(state: &AppState, endpoint_id: &str, limit: usize) -> ApiResult<Option<Claimed>> {
    let Ok(_database) = state.webhooks.database.acquire().await else { return Ok(None) };
    let pool = state.store.pool();
    let Some(endpoint) = webhook_endpoints::get_for_delivery(pool, endpoint_id).await? else { return Ok(None) };
    if endpoint.status != "enabled" {
        return Ok(None);
    }
    let Some(merchant) = merchants::get(pool, &endpoint.merchant_id).await? else { return Ok(None) };
    let real_now = state.clock.now();
    let token: Arc<str> = uuid::Uuid::now_v7().simple().to_string().into();
    let claim = Claim {
        endpoint_id,
        merchant_now: real_now.saturating_add(merchant.clock_offset_seconds),
        real_now,
        lease_expires_at: real_now + LEASE_SECONDS,
        token: &token,
        limit: limit as i64,
    };
    let claimed = webhook_deliveries::claim(&state.store, &claim).await?;
    Ok(Some((Arc::new(endpoint), merchant.clock_offset_seconds, token, claimed)))
}

/// How an attempt ended, as recorded.
struct Answer {
    http_status: Option<i64>,
    error: Option<&'static str>,
}

impl Answer {
    fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// POSTs one delivery, then records it; never fails (errors are logged).
async fn attempt(
    state: AppState,
    endpoint: Arc<webhook_endpoints::EndpointRow>,
    clock_offset_seconds: i64,
    token: Arc<str>,
    delivery: ClaimedDelivery,
) -> DeliveryReport {
    let Ok(_permit) = Arc::clone(&state.webhooks.in_flight_total).acquire_owned().await else {
        return DeliveryReport::default();
    };
    let body = match serde_json::to_vec(&EventObject::new(
        &delivery.event_id,
        &delivery.event_type,
        delivery.event_created_at,
        &delivery.data,
    )) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "webhook body could not be serialized");
            return DeliveryReport::default();
        }
    };
    let timestamp = state.clock.now();
    let merchant_now = timestamp.saturating_add(clock_offset_seconds);
    let signature = signature(&endpoint, merchant_now, &delivery.event_id, timestamp, &body);
    let started = Instant::now();
    let answer = post(&state, &endpoint.url, &delivery.event_id, timestamp, &signature, body).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let number = delivery.attempts + 1;
    let next = if answer.succeeded() {
        Next::Succeeded
    } else {
        match webhook::retry_delay_seconds(number) {
            Some(delay) => Next::RetryAt(merchant_now + delay),
            None => Next::Failed,
        }
    };
    let row = AttemptRow {
        delivery_id: delivery.id.clone(),
        attempt: number,
        merchant_id: delivery.merchant_id.clone(),
        event_id: delivery.event_id.clone(),
        endpoint_id: delivery.endpoint_id.clone(),
        attempted_at: merchant_now,
        http_status: answer.http_status,
        error: answer.error.map(str::to_owned),
        duration_ms,
    };
    let mut report = DeliveryReport { attempted: 1, ..DeliveryReport::default() };
    let Ok(_database) = state.webhooks.database.acquire().await else { return report };
    match webhook_deliveries::record_attempt(&state.store, &row, next, &token).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(delivery = %delivery.id, "webhook lease lost before the attempt was recorded"),
        Err(error) => tracing::warn!(delivery = %delivery.id, %error, "webhook attempt not recorded"),
    }
    if answer.succeeded() {
        report.succeeded = 1;
    } else {
        report.failed = 1;
        tracing::debug!(endpoint = %endpoint.id, status = ?answer.http_status, error = ?answer.error, "webhook attempt failed");
        report.endpoints_disabled = disable_if_failing(&state, &endpoint, merchant_now).await;
    }
    report
}

/// The `webhook-signature` header: the current secret's signature, then the previous
/// secret's while its overlap lasts.
fn signature(
    endpoint: &webhook_endpoints::EndpointRow,
    merchant_now: i64,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    let mut secrets = Vec::with_capacity(2);
    if let Ok(secret) = WebhookSecret::parse(&endpoint.secret) {
        secrets.push(secret);
    }
    if let (Some(previous), Some(expires_at)) = (&endpoint.previous_secret, endpoint.previous_secret_expires_at)
        && expires_at > merchant_now
        && let Ok(secret) = WebhookSecret::parse(previous)
    {
        secrets.push(secret);
    }
    let secrets: Vec<&WebhookSecret> = secrets.iter().collect();
    webhook::signature_header(&secrets, message_id, timestamp, body)
}

async fn post(state: &AppState, url: &str, message_id: &str, timestamp: i64, signature: &str, body: Vec<u8>) -> Answer {
    let request = state
        .webhooks
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body);
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(error) => return Answer { http_status: None, error: Some(request_error(&error)) },
    };
    let status = response.status();
    let mut read = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if read + chunk.len() <= RESPONSE_READ_BYTES_MAX => read += chunk.len(),
            Ok(_) => break,
            Err(error) => {
                return Answer { http_status: Some(i64::from(status.as_u16())), error: Some(request_error(&error)) };
            }
        }
    }
    let http_status = Some(i64::from(status.as_u16()));
    if status.is_success() {
        Answer { http_status, error: None }
    } else {
        Answer { http_status, error: Some("http_status") }
    }
}

/// A failure's kind, never its text: a URL may carry a token in its query.
fn request_error(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection_failed"
    } else {
        "request_failed"
    }
}

/// Disables the endpoint, with its event, if it has failed without a success for
/// five days; returns 1 when this call disabled it.
async fn disable_if_failing(state: &AppState, endpoint: &webhook_endpoints::EndpointRow, now: i64) -> u64 {
    if endpoint.failing_since.is_none_or(|since| now - since < webhook::DISABLE_AFTER_FAILING_SECONDS) {
        // Either the streak starts with this failure, or it is younger than five days.
        return 0;
    }
    let disabled = webhook_endpoints::EndpointRow {
        status: "disabled".to_owned(),
        disabled_reason: Some("failing".to_owned()),
        updated_at: now,
        ..endpoint.clone()
    };
    let data = match serde_json::to_value(WebhookEndpointObject::from_row(&disabled)) {
        Ok(data) => data,
        Err(error) => {
            tracing::error!(%error, "endpoint object could not be serialized");
            return 0;
        }
    };
    let event = events::event(&endpoint.merchant_id, webhook::ENDPOINT_DISABLED_EVENT, &endpoint.id, &data, now);
    let cutoff = now - webhook::DISABLE_AFTER_FAILING_SECONDS;
    let written = match webhook_endpoints::disable_failing(&state.store, &endpoint.id, cutoff, now, &event) {
        Ok(batch) => state.store.write_if_returned(batch, 1).await,
        Err(error) => Err(error),
    };
    match written {
        Ok(true) => {
            tracing::warn!(endpoint = %endpoint.id, "webhook endpoint disabled after failing for five days");
            1
        }
        Ok(false) => 0,
        Err(error) => {
            tracing::warn!(endpoint = %endpoint.id, %error, "could not disable a failing webhook endpoint");
            0
        }
    }
}
