//! `--webhooks`: webhook delivery throughput to a local receiver. Per backend and
//! endpoint count, a fresh database and an in-process application state (no HTTP API:
//! only its webhook step runs), a receiver on 127.0.0.1:0 answering 200 to every POST,
//! and per run a batch of events written to the outbox untimed; then the timed part:
//! the webhook step (`tradewind_api::worker::webhooks_once`: dispatch, then signed
//! POSTs, at most 4 in flight per endpoint, each attempt recorded) until the receiver
//! has every delivery. Every event goes to every endpoint.

use crate::server::{Backend, Database};
use anyhow::Context;
use axum::http::StatusCode;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tradewind::config::Config;
use tradewind::startup::Application;
use tradewind_api::SystemClock;
use tradewind_api::state::AppState;
use tradewind_payments::id::{EventId, PaymentIntentId, WebhookEndpointId};
use tradewind_payments::webhook::WebhookSecret;
use tradewind_storage::events::{self, EventRow};
use tradewind_storage::webhook_endpoints::{self, EndpointRow};

/// Steps one run may take before it is called stuck (each step sends all that is due).
const STEPS_PER_RUN_MAX: usize = 10_000;

/// One row: a backend and endpoint count, with each run's rates.
pub struct Cell {
    pub backend: Backend,
    pub endpoints: usize,
    pub events: usize,
    pub events_per_second: Vec<f64>,
    pub deliveries_per_second: Vec<f64>,
}

/// Starts the receiver; returns its URL and the count of requests it answered.
async fn receiver() -> anyhow::Result<(String, Arc<AtomicU64>)> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let url = format!("http://{}/hooks", listener.local_addr()?);
    let received = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&received);
    let router = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                StatusCode::OK
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            eprintln!("receiver stopped: {error}");
        }
    });
    Ok((url, received))
}

/// A payment intent's event, about the size of a real one.
fn event(merchant_id: &str, now: i64) -> EventRow {
    let intent = PaymentIntentId::generate().to_string();
    let data = serde_json::json!({
        "id": intent, "object": "payment_intent", "amount": 2_000, "amount_received": 2_000, "currency": "usd",
        "status": "succeeded", "capture_method": "automatic", "created": now, "livemode": false,
        "payment_method_types": ["card"], "metadata": {"order": "bench"},
        "latest_attempt": {"payment_method": {"type": "card", "card": {"brand": "visa", "last4": "4242"}}},
    });
    EventRow {
        id: EventId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        event_type: "payment_intent.succeeded".to_owned(),
        object_id: intent,
        data: data.to_string(),
        created_at: now,
    }
}

async fn write_events(state: &AppState, merchant_id: &str, count: usize) -> anyhow::Result<()> {
    let now = state.clock.now();
    let mut transaction = state.store.begin().await?;
    for _ in 0..count {
        events::insert(transaction.connection(), &event(merchant_id, now)).await?;
    }
    transaction.commit().await?;
    Ok(())
}

async fn add_endpoint(state: &AppState, merchant_id: &str, url: &str) -> anyhow::Result<()> {
    let now = state.clock.now();
    let row = EndpointRow {
        id: WebhookEndpointId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        url: url.to_owned(),
        description: None,
        metadata: "{}".to_owned(),
        enabled_events: r#"["*"]"#.to_owned(),
        status: "enabled".to_owned(),
        disabled_reason: None,
        secret: WebhookSecret::generate().expose().to_owned(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    let mut transaction = state.store.begin().await?;
    webhook_endpoints::insert(transaction.connection(), &row).await?;
    transaction.commit().await?;
    Ok(())
}

/// One cell: a fresh database, `endpoints` endpoints, `runs` timed runs of `events`.
async fn cell(backend: Backend, endpoints: usize, runs: usize, events: usize) -> anyhow::Result<Cell> {
    let (database_url, database) = Database::fresh(backend).await?;
    let config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url,
        public_url: None,
        fingerprint_key: b"bench fingerprint key, 32 bytes!".to_vec(),
        fx_markup_basis_points: tradewind::config::DEFAULT_FX_MARKUP_BASIS_POINTS,
        credentials_key: tradewind_api::credentials::CredentialsKey::from_bytes(&[7; 32])?,
        realtime_cluster: None,
        translation: None,
        assistant_model: None,
    };
    let application = Application::build(&config, Arc::new(SystemClock)).await?;
    let state = application.state.clone();
    let merchant = tradewind_api::keys::create_merchant(&state.store, "Bench Shop", state.clock.now())
        .await
        .map_err(|error| anyhow::anyhow!("creating the merchant: {error:?}"))?;
    let (url, received) = receiver().await?;
    for _ in 0..endpoints {
        add_endpoint(&state, &merchant.id, &url).await?;
    }
    let mut result = Cell {
        backend,
        endpoints,
        events,
        events_per_second: Vec::with_capacity(runs),
        deliveries_per_second: Vec::with_capacity(runs),
    };
    let expected = (events * endpoints) as u64;
    for run in 1..=runs {
        write_events(&state, &merchant.id, events).await?;
        received.store(0, Ordering::Relaxed);
        let started = Instant::now();
        let mut steps = 0;
        while received.load(Ordering::Relaxed) < expected {
            anyhow::ensure!(steps < STEPS_PER_RUN_MAX, "run {run}: deliveries stopped short of {expected}");
            tradewind_api::worker::webhooks_once(&state, None)
                .await
                .map_err(|error| anyhow::anyhow!("webhook step: {}", error.code))?;
            steps += 1;
        }
        let seconds = started.elapsed().as_secs_f64();
        result.events_per_second.push(events as f64 / seconds);
        result.deliveries_per_second.push(expected as f64 / seconds);
        eprintln!(
            "{} endpoints={endpoints} run {run}/{runs}: {expected} deliveries in {seconds:.2} s ({:.0}/s)",
            backend.name(),
            expected as f64 / seconds
        );
    }
    drop(application);
    state.store.close().await;
    database.remove().await.context("removing the benchmark database")?;
    Ok(result)
}

/// Every endpoint count of one backend.
pub async fn measure(
    backend: Backend,
    endpoint_counts: &[usize],
    runs: usize,
    events: usize,
) -> anyhow::Result<Vec<Cell>> {
    let mut cells = Vec::with_capacity(endpoint_counts.len());
    for &endpoints in endpoint_counts {
        cells.push(cell(backend, endpoints, runs, events).await?);
    }
    Ok(cells)
}
