//! The background worker: every few seconds it runs the due-work step for every
//! merchant at that merchant's clock, and purges expired idempotency keys. Tests and
//! the sandbox clock call the same step directly instead of waiting for it.

use crate::flows::sweep;
use crate::idempotency::KEY_LIFETIME_SECONDS;
use crate::state::AppState;
use std::time::Duration;
use tokio::sync::watch;

pub const SWEEP_INTERVAL: Duration = Duration::from_secs(5);
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
