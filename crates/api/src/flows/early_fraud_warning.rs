//! Early fraud warnings, as Stripe's Radar reports them: the card issuer says a payment
//! looks fraudulent before any dispute. In the sandbox the card `4000000000005423`
//! raises one (`made_with_stolen_card`) once its payment has succeeded; the due-work
//! sweep creates it, so tests drive it with the sandbox clock.
//!
//! A warning moves no money. It is created once per payment (a unique index; a second
//! sweep finds it and writes nothing), with its `radar.early_fraud_warning.created`
//! event in the same transaction. It is `actionable` while the payment is neither fully
//! refunded nor disputed; that is computed when the warning is read (see
//! `tradewind_storage::early_fraud_warnings`), so refunds and disputes need not touch it.

use crate::error::ApiResult;
use crate::flows::events;
use crate::state::AppState;
use crate::wire::radar::EarlyFraudWarningObject;
use tradewind_payments::id::EarlyFraudWarningId;
use tradewind_storage::early_fraud_warnings::{self, EarlyFraudWarningRow, EarlyFraudWarningView};

/// The only fraud type the sandbox raises.
pub const FRAUD_TYPE: &str = "made_with_stolen_card";

/// Rows handled per query, and queries per sweep step: a bound on one step's work.
const BATCH_SIZE: i64 = 100;
const BATCHES_MAX: usize = 20;

/// Due work: creates the warnings that sandbox cards call for. Returns how many.
pub async fn run_due(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<u64> {
    let mut created = 0;
    for _ in 0..BATCHES_MAX {
        let payments = early_fraud_warnings::warnable(state.store.pool(), merchant_id, BATCH_SIZE).await?;
        let mut progressed = false;
        for payment in &payments {
            if create(state, merchant_id, payment, now).await? {
                progressed = true;
                created += 1;
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(created)
}

/// Creates the warning of one payment; false when it already has one.
async fn create(state: &AppState, merchant_id: &str, payment_intent_id: &str, now: i64) -> ApiResult<bool> {
    let row = EarlyFraudWarningRow {
        id: EarlyFraudWarningId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        payment_intent_id: payment_intent_id.to_owned(),
        fraud_type: FRAUD_TYPE.to_owned(),
        created_at: now,
    };
    let mut transaction = state.store.begin().await?;
    if !early_fraud_warnings::insert(transaction.connection(), &row).await? {
        return Ok(false);
    }
    // Just created on a payment the sweep found succeeded and undisputed: actionable.
    let view = EarlyFraudWarningView {
        id: row.id.clone(),
        merchant_id: row.merchant_id.clone(),
        payment_intent_id: row.payment_intent_id.clone(),
        fraud_type: row.fraud_type.clone(),
        created_at: now,
        actionable: 1,
    };
    let data = EarlyFraudWarningObject::from_view(&view).to_value();
    let event = events::event(merchant_id, "radar.early_fraud_warning.created", &row.id, &data, now);
    tradewind_storage::events::insert(transaction.connection(), &event).await?;
    transaction.commit().await?;
    Ok(true)
}
