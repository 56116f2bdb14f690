//! The desk's due work at a merchant's clock: snoozed conversations whose time came
//! wake up (open again, back in the inbox), SLA deadlines that passed are recorded once
//! each as a breach (timeline entry and `conversation.sla_breached` event), and the
//! queue is drained if agents have room. Called from the payments sweep (`flows::sweep`),
//! so the background worker and a sandbox clock advance both run it.

use crate::error::ApiResult;
use crate::state::AppState;
use crate::support::assign;
use crate::support::store::{self, Change};
use serde_json::json;
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_support::{BreachKind, EventKind, SlaDue, SlaState, Status, breaches};

/// Conversations handled per query, and queries per step.
const BATCH_SIZE: i64 = 100;
const BATCHES_MAX: usize = 20;

/// What one step did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SupportSweepReport {
    pub woken: u64,
    pub breaches: u64,
    pub assigned: u64,
}

fn sla_state(row: &ConversationRow) -> SlaState {
    SlaState {
        first_response_at: row.first_response_at,
        resolved_at: row.resolved_at,
        breached_first_response: row.sla_first_response_breached == 1,
        breached_resolution: row.sla_resolution_breached == 1,
        due: SlaDue { first_response_due: row.first_response_due_at, resolution_due: row.resolution_due_at },
    }
}

/// What is due on one conversation, laid into a change; `None` when nothing is.
fn due_change(row: &ConversationRow, now: i64, report: &mut SupportSweepReport) -> Option<Change> {
    let mut change = Change::new(row.clone());
    let mut changed = false;
    if row.status == "snoozed"
        && row.snoozed_until.is_some_and(|until| until <= now)
        && let Ok(Status::Open) = Status::Snoozed.wake(row.snoozed_until.unwrap_or(now), now)
    {
        change.row.status = Status::Open.as_str().to_owned();
        change.row.snoozed_until = None;
        change.note(EventKind::Woken, "system", json!({}));
        change.events.push("conversation.updated");
        report.woken += 1;
        changed = true;
    }
    let state = sla_state(row);
    for breach in breaches(now, &state) {
        match breach.kind {
            BreachKind::FirstResponse => change.row.sla_first_response_breached = 1,
            BreachKind::Resolution => change.row.sla_resolution_breached = 1,
        }
        change.note(EventKind::SlaBreached, "system", json!({"sla": breach.kind.as_str(), "due_at": breach.due_at}));
        change.events.push("conversation.sla_breached");
        report.breaches += 1;
        changed = true;
    }
    changed.then_some(change)
}

pub async fn run_due(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<SupportSweepReport> {
    let mut report = SupportSweepReport::default();
    for _ in 0..BATCHES_MAX {
        let due = conversations::due(state.store.pool(), merchant_id, now, BATCH_SIZE).await?;
        let mut progressed = false;
        for row in &due {
            let Some(mut change) = due_change(row, now, &mut report) else { continue };
            let mut transaction = state.store.begin().await?;
            if change.write(transaction.connection(), now).await? {
                transaction.commit().await?;
                store::broadcast(state, &change).await;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    report.assigned = assign::drain(state, merchant_id, now).await? as u64;
    Ok(report)
}
