//! A real provider's word on a payment or a refund, asked for rather than waited for:
//!
//! - [`return_from_provider`]: the buyer's browser is back from Stripe's 3-D Secure page
//!   or PayPal's approval page (`/connectors/return/{attempt}`). Stripe's PaymentIntent
//!   is retrieved; PayPal's approved order is captured (or authorised, for manual
//!   capture) under the request id `{attempt}:capture`, so a second visit replays it.
//! - [`run_due`], the status sync: attempts of Stripe and PayPal accounts still
//!   `processing` or `requires_action`, and refunds still pending at a provider,
//!   unchanged for [`SYNC_AFTER_SECONDS`] on the merchant's clock, are asked about; a
//!   lost webhook then never leaves a payment pending for ever. One that has not moved
//!   is marked checked, so it is asked again only after the same delay.
//!
//! Every answer goes through the webhooks' write path
//! ([`connector_webhooks::apply_payment`], [`sweep::settle_refund_in`]): forward only,
//! with the same money effects and events, whichever of the three reports first.

use crate::error::{ApiError, ApiResult};
use crate::flows::connector_accounts::ConnectorAccount;
use crate::flows::connector_webhooks::{self, Outcome, PaymentTarget};
use crate::flows::failover::TargetConnector;
use crate::flows::provider_webhooks::{payment_target, refund_settled};
use crate::flows::{outcome, provider_refund, routing, sweep};
use crate::state::AppState;
use tradewind_payments::id::AttemptId;
use tradewind_payments::intent::CaptureMethod;
use tradewind_providers::{ProviderError, ProviderPayment, ProviderPaymentStatus};
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::connector_accounts::ConnectorAccountRow;
use tradewind_storage::payment_intents::PaymentIntentRow;
use tradewind_storage::{attempts, connector_accounts, merchants, payment_intents, refunds};

/// How long a payment or refund may wait on a provider before the sync asks about it.
pub const SYNC_AFTER_SECONDS: i64 = 15 * 60;
/// Payments and refunds asked about per step, each: a bound on one step's calls.
const SYNC_BATCH_SIZE: i64 = 50;

/// A real (Stripe or PayPal) connector account, ready to call.
pub struct ProviderAccount {
    pub row: ConnectorAccountRow,
    pub account: ConnectorAccount,
    pub connector: TargetConnector,
}

/// The merchant's connector account `id` when it is a Stripe or PayPal account.
pub async fn provider_account(state: &AppState, merchant_id: &str, id: &str) -> ApiResult<Option<ProviderAccount>> {
    if !id.starts_with("mca_") {
        return Ok(None);
    }
    let Some(row) = connector_accounts::get(state.store.pool(), merchant_id, id).await? else {
        return Ok(None);
    };
    let account = ConnectorAccount::from_row(&row)?;
    let connector = routing::connector_for(state, &row, &account)?;
    Ok(match connector {
        TargetConnector::Sandbox(_) => None,
        connector => Some(ProviderAccount { row, account, connector }),
    })
}

fn is_pending(attempt: &AttemptRow) -> bool {
    matches!(attempt.status.as_str(), outcome::attempt_status::REQUIRES_ACTION | outcome::attempt_status::PROCESSING)
}

/// Where the provider's payment of `attempt` stands. A PayPal order the buyer approved
/// is captured (authorised for manual capture) first: that is the merchant's part.
async fn provider_payment(
    connector: &TargetConnector,
    attempt: &AttemptRow,
    capture: CaptureMethod,
) -> Result<Option<ProviderPayment>, ProviderError> {
    let Some(reference) = attempt.reference.as_deref() else { return Ok(None) };
    match connector {
        TargetConnector::Sandbox(_) => Ok(None),
        TargetConnector::Stripe(client) => client.retrieve_payment(reference).await.map(Some),
        TargetConnector::Paypal(client) => {
            let order = client.get_order(reference).await?;
            if order.status != ProviderPaymentStatus::Approved {
                return Ok(Some(order));
            }
            let request_id = format!("{}:capture", attempt.id);
            let finished = match capture {
                CaptureMethod::Automatic => client.capture_order(reference, &request_id).await,
                CaptureMethod::Manual => client.authorize_order(reference, &request_id).await,
            };
            finished.map(Some)
        }
    }
}

/// What the provider says about the attempt, as a target and the provider's charge;
/// `None` when it says nothing that moves the attempt (or could not be asked).
async fn ask(
    provider: &ProviderAccount,
    intent: &PaymentIntentRow,
    attempt: &AttemptRow,
) -> Option<(PaymentTarget, Option<String>)> {
    match provider_payment(&provider.connector, attempt, outcome::capture_method(intent)).await {
        Ok(Some(payment)) => payment_target(&payment.status).map(|target| (target, payment.charge_id)),
        Ok(None) => None,
        Err(ProviderError::Declined(decline)) => {
            Some((PaymentTarget::Failed { code: Some(decline.code), message: Some(decline.message) }, None))
        }
        Err(error) => {
            tracing::warn!(attempt = %attempt.id, connector_account = %provider.row.id, error = %error,
                "could not ask the provider about a payment; left as it is");
            None
        }
    }
}

/// Applies `target` to the attempt in a transaction of its own.
async fn apply(
    state: &AppState,
    provider: &ProviderAccount,
    attempt_id: &str,
    target: &PaymentTarget,
    charge: Option<&str>,
    now: i64,
) -> ApiResult<Outcome> {
    let mut transaction = state.store.begin().await?;
    let applied = connector_webhooks::apply_payment(
        state,
        transaction.connection(),
        &provider.account,
        attempt_id,
        target,
        charge,
        now,
    )
    .await?;
    if applied == Outcome::Applied {
        transaction.commit().await?;
    }
    Ok(applied)
}

/// The buyer is back from the provider's page: the intent and attempt after asking the
/// provider (or, when the payment is no longer pending, as they are). `canceled` is
/// PayPal's cancel URL: the buyer left without paying.
pub async fn return_from_provider(
    state: &AppState,
    attempt_id: &str,
    canceled: bool,
) -> ApiResult<(PaymentIntentRow, AttemptRow)> {
    let missing = || ApiError::not_found("payment_attempt", attempt_id);
    AttemptId::parse(attempt_id).map_err(|_| missing())?;
    let pool = state.store.pool();
    let attempt = attempts::get(pool, attempt_id).await?.ok_or_else(missing)?;
    let merchant = merchants::get(pool, &attempt.merchant_id).await?.ok_or_else(missing)?;
    let now = state.clock.now().saturating_add(merchant.clock_offset_seconds);
    let provider = provider_account(state, &attempt.merchant_id, &attempt.connector).await?.ok_or_else(missing)?;
    let intent =
        payment_intents::get(pool, &attempt.merchant_id, &attempt.payment_intent_id).await?.ok_or_else(missing)?;
    if is_pending(&attempt) {
        let answer = if canceled && matches!(provider.connector, TargetConnector::Paypal(_)) {
            Some((PaymentTarget::Abandoned, None))
        } else {
            ask(&provider, &intent, &attempt).await
        };
        if let Some((target, charge)) = answer
            && apply(state, &provider, attempt_id, &target, charge.as_deref(), now).await? == Outcome::Applied
        {
            let changed = payment_intents::get(pool, &attempt.merchant_id, &attempt.payment_intent_id).await?;
            if let Some(changed) = &changed {
                state.metrics.payment_status(changed.payment_method_type.as_deref(), &changed.status);
            }
        }
    }
    let attempt = attempts::get(pool, attempt_id).await?.ok_or_else(missing)?;
    let intent =
        payment_intents::get(pool, &attempt.merchant_id, &attempt.payment_intent_id).await?.ok_or_else(missing)?;
    Ok((intent, attempt))
}

/// What one status-sync step did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncReport {
    /// Payments the provider's answer moved.
    pub payments: u64,
    /// Refunds the provider's answer settled.
    pub refunds: u64,
}

/// Asks the providers about the merchant's payments and refunds waiting on them for
/// longer than [`SYNC_AFTER_SECONDS`], and applies what they say.
pub async fn run_due(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<SyncReport> {
    let mut report = SyncReport::default();
    let before = now.saturating_sub(SYNC_AFTER_SECONDS);
    for attempt in attempts::pending_at_connector(state.store.pool(), merchant_id, before, SYNC_BATCH_SIZE).await? {
        if sync_payment(state, &attempt, now).await? {
            report.payments += 1;
        } else {
            let mut transaction = state.store.begin().await?;
            attempts::touch_pending(transaction.connection(), &attempt.id, &attempt.status, now).await?;
            transaction.commit().await?;
        }
    }
    for refund in refunds::pending_at_connector(state.store.pool(), merchant_id, before, SYNC_BATCH_SIZE).await? {
        let settled = provider_refund::provider_status(state, &refund).await?.and_then(refund_settled);
        let mut transaction = state.store.begin().await?;
        match settled {
            Some(succeeded)
                if sweep::settle_refund_in(state, transaction.connection(), &refund, !succeeded, now).await? =>
            {
                report.refunds += 1;
            }
            _ => refunds::touch_pending(transaction.connection(), &refund.id, now).await?,
        }
        transaction.commit().await?;
    }
    Ok(report)
}

/// Asks about one payment and applies the answer; false when nothing moved.
async fn sync_payment(state: &AppState, attempt: &AttemptRow, now: i64) -> ApiResult<bool> {
    let Some(provider) = provider_account(state, &attempt.merchant_id, &attempt.connector).await? else {
        return Ok(false);
    };
    let Some(intent) =
        payment_intents::get(state.store.pool(), &attempt.merchant_id, &attempt.payment_intent_id).await?
    else {
        return Ok(false);
    };
    let Some((target, charge)) = ask(&provider, &intent, attempt).await else { return Ok(false) };
    Ok(apply(state, &provider, &attempt.id, &target, charge.as_deref(), now).await? == Outcome::Applied)
}
