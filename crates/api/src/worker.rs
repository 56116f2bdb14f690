//! The background workers: every few seconds the sweep runs the due-work step for
//! every merchant at that merchant's clock, and purges expired idempotency keys; every
//! second the webhook worker dispatches new events and starts a delivery driver for
//! each endpoint with deliveries due ([`WEBHOOK_INTERVAL`]), at once again while events
//! wait beyond one step's bound. Tests and the sandbox clock
//! call the same steps directly ([`webhooks_once`]) instead of waiting for them. On
//! PostgreSQL the ledger's deltas are folded into their accounts four times a second
//! ([`run_ledger_fold`]).

use crate::error::ApiResult;
use crate::flows::webhook_delivery::{self, DeliveryReport};
use crate::flows::{sweep, webhook_dispatch};
use crate::idempotency::KEY_LIFETIME_SECONDS;
use crate::state::AppState;
use std::time::Duration;
use tokio::sync::watch;

pub const SWEEP_INTERVAL: Duration = Duration::from_secs(5);
/// How often new events are dispatched and drivers started for due deliveries (a
/// driver keeps sending while its endpoint has deliveries due, between ticks too).
pub const WEBHOOK_INTERVAL: Duration = Duration::from_secs(1);
/// Merchants per page of the sweep.
const MERCHANT_PAGE_SIZE: i64 = 200;
/// Pages per sweep: a bound on one sweep's work (200 × 500 = 100,000 merchants).
const MERCHANT_PAGES_MAX: usize = 500;

/// One pass over every merchant; returns how many intents and refunds moved.
pub async fn sweep_once(state: &AppState) -> u64 {
    let mut moved = 0;
    let mut after = String::new();
    for _ in 0..MERCHANT_PAGES_MAX {
        let page = match tradewind_storage::merchants::list_ids(state.store.pool(), &after, MERCHANT_PAGE_SIZE).await {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(%error, "sweep could not list merchants");
                return moved;
            }
        };
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        for (merchant_id, offset) in &page {
            let now = state.clock.now().saturating_add(*offset);
            match sweep::run_due(state, merchant_id, now).await {
                Ok(report) => moved += report.expired + report.settled + report.refunds_settled + report.funds_settled,
                Err(error) => tracing::warn!(merchant = %merchant_id, code = %error.code, "sweep step failed"),
            }
        }
    }
    let before = state.clock.now() - KEY_LIFETIME_SECONDS;
    if let Err(error) = tradewind_storage::idempotency::purge(&state.store, before).await {
        tracing::warn!(%error, "idempotency purge failed");
    }
    moved
}

pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(SWEEP_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let moved = sweep_once(&state).await;
                if moved > 0 {
                    tracing::info!(moved, "due work settled");
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// The webhook step, for one merchant or all: dispatch new events, then send every
/// delivery due and wait for the answers.
pub async fn webhooks_once(state: &AppState, merchant_id: Option<&str>) -> ApiResult<DeliveryReport> {
    webhook_dispatch::dispatch_pending(state, merchant_id).await?;
    webhook_delivery::deliver_due(state, merchant_id).await
}

/// The webhook worker: like [`webhooks_once`] for every merchant, but without waiting
/// for the drivers it starts, so a slow endpoint never holds up the next tick.
pub async fn run_webhooks(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(WEBHOOK_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let more_waiting = match webhook_dispatch::dispatch_pending(&state, None).await {
                    Ok(dispatched) => dispatched.more_waiting,
                    Err(error) => {
                        tracing::warn!(code = %error.code, "webhook dispatch failed");
                        false
                    }
                };
                // Dropping the handles detaches the drivers; each ends when its
                // endpoint has nothing due.
                if let Err(error) = webhook_delivery::start_due(&state, None).await {
                    tracing::warn!(code = %error.code, "webhook delivery could not start");
                }
                // Events come faster than one step a second dispatches: go on at once.
                if more_waiting {
                    interval.reset_immediately();
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// How often the ledger's deltas are folded into their accounts (PostgreSQL): often
/// enough that reading a busy account sums a few hundred rows at most.
pub const LEDGER_FOLD_INTERVAL: Duration = Duration::from_millis(250);

/// The ledger fold worker (PostgreSQL only; see `tradewind_storage::ledger::fold_deltas`),
/// until `stop` changes: folds, and vacuums the delta table every
/// [`tradewind_storage::ledger::DELTAS_VACUUM_AFTER_ROWS`] folded rows. Takes the store
/// alone, so the ledger benchmark runs it too.
pub async fn run_ledger_fold(store: tradewind_storage::Store, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(LEDGER_FOLD_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut vacuum = tradewind_storage::ledger::VacuumDue::default();
    loop {
        tokio::select! {
            _ = interval.tick() => {
                match tradewind_storage::ledger::fold_deltas(&store).await {
                    Ok(folded) => {
                        if vacuum.after_fold(folded)
                            && let Err(error) = tradewind_storage::ledger::vacuum_deltas(&store).await
                        {
                            tracing::warn!(%error, "vacuuming the ledger's deltas failed");
                        }
                    }
                    Err(error) => tracing::warn!(%error, "ledger fold failed"),
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// How often stored realtime history past its age bound is deleted.
pub const REALTIME_SWEEP_INTERVAL: Duration = Duration::from_secs(60);
/// How often a node of a realtime cluster tells the others it is live (well within the
/// cluster's node TTL, 15 s).
pub const REALTIME_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// The realtime worker: every few seconds, rooms above their presence threshold get a
/// member count ([`crate::realtime::PRESENCE_COUNT_INTERVAL`]) and a node of a cluster
/// heartbeats; every minute, channels that keep nothing are forgotten and stored history
/// past its age bound is deleted. On stop, a node of a cluster leaves it.
pub async fn run_realtime(state: AppState, mut stop: watch::Receiver<bool>) {
    use crate::realtime::engine::Engine;
    let mut counts = tokio::time::interval(crate::realtime::PRESENCE_COUNT_INTERVAL);
    counts.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sweep = tokio::time::interval(REALTIME_SWEEP_INTERVAL);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut heartbeat = tokio::time::interval(REALTIME_HEARTBEAT_INTERVAL);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = counts.tick() => match &state.realtime.engine {
                Engine::Local => {
                    state.realtime.hub.broadcast_presence_counts();
                }
                Engine::Cluster(engine) => {
                    if let Err(error) = engine.broadcast_presence_counts().await {
                        tracing::warn!(%error, "realtime presence counts failed");
                    }
                }
            },
            _ = heartbeat.tick() => {
                if let Engine::Cluster(engine) = &state.realtime.engine
                    && let Err(error) = engine.heartbeat().await
                {
                    tracing::warn!(%error, "realtime cluster heartbeat failed");
                }
            }
            _ = sweep.tick() => {
                let now_ms = state.clock.now_ms();
                state.realtime.hub.sweep_idle(now_ms);
                if matches!(state.realtime.engine, Engine::Local)
                    && let Err(error) = state.realtime.persist.sweep(now_ms).await
                {
                    tracing::warn!(%error, "realtime history sweep failed");
                }
            }
            _ = stop.changed() => {
                if let Engine::Cluster(engine) = &state.realtime.engine
                    && let Err(error) = engine.shutdown().await
                {
                    tracing::warn!(%error, "realtime: leaving the cluster failed");
                }
                return;
            }
        }
    }
}
