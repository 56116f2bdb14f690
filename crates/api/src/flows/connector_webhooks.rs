//! Incoming provider webhooks: how a connector's async outcomes reach Tradewind.
//!
//! 1. [`verify`] checks the provider's signature with the account's secret, by
//!    connector kind: the sandbox's `Tradewind-Signature` here, Stripe's and PayPal's
//!    in [`provider_webhooks`]. Nothing is written before.
//! 2. [`parse_event`] reads the body into a [`ProviderEvent`]: its id, type and the
//!    change it reports ([`Effect`]).
//! 3. [`receive`] records the event and applies it in one transaction. The record is
//!    claimed first, so a replay of the event id changes nothing (and, on PostgreSQL,
//!    the same event arriving twice at once waits for the first to finish). Statuses
//!    only move forward: requires_action < processing < a final status; an event that
//!    would move one backwards, or change a final one, is recorded as `ignored_stale`.
//!    An event about nothing this account's merchant has is `ignored_unknown`.
//!
//! The effects reuse the flows the sandbox pages and the sweep use
//! (`outcome::*` + `outcome::write_change_in`, `sweep::settle_refund_in`), so the
//! intent, the attempt, the ledger, the balance transaction and the outgoing event move
//! together exactly as they do there.

use crate::credentials::Secret;
use crate::error::{ApiError, ApiResult};
use crate::flows::connector_accounts::{self, ConnectorAccount};
use crate::flows::{money, outcome, provider_webhooks, sweep};
use crate::state::AppState;
use axum::http::HeaderMap;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tradewind_connectors::wallet;
use tradewind_connectors::webhook_signature::{self, SignatureError};
use tradewind_payments::method::PaymentMethodType;
use tradewind_settlement::fees::Connector;
use tradewind_storage::connector_accounts::ConnectorAccountRow;
use tradewind_storage::connector_webhook_events::{self, ConnectorWebhookEventRow};
use tradewind_storage::{Connection, attempts, payment_intents, refunds};

/// Longest provider event id accepted.
pub const EVENT_ID_LENGTH_MAX: usize = 255;

/// What a recorded event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// It would have moved a status backwards or changed a final one.
    IgnoredStale,
    /// It names nothing this account's merchant has (or a type not handled).
    IgnoredUnknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::IgnoredStale => "ignored_stale",
            Outcome::IgnoredUnknown => "ignored_unknown",
        }
    }
}

/// A webhook request as it arrived, with the account it names.
pub struct Incoming<'a> {
    pub state: &'a AppState,
    pub account: &'a ConnectorAccountRow,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The merchant's clock.
    pub now: i64,
}

fn signature_invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("signature_invalid", message)
}

/// Checks the provider's signature; a 400 (`signature_invalid` or
/// `signature_timestamp_outside_tolerance`) otherwise, or a 502 when PayPal cannot be
/// asked now (it delivers again).
pub async fn verify(incoming: &Incoming<'_>) -> ApiResult<()> {
    let account = ConnectorAccount::from_row(incoming.account)?;
    match account.connector {
        Connector::Sandbox => {
            let secret = connector_accounts::webhook_secret(incoming.state, incoming.account)?;
            verify_sandbox(incoming, &secret)
        }
        Connector::Stripe => provider_webhooks::verify_stripe(incoming),
        Connector::Paypal => provider_webhooks::verify_paypal(incoming).await,
    }
}

fn verify_sandbox(incoming: &Incoming<'_>, secret: &Secret) -> ApiResult<()> {
    let header = incoming
        .headers
        .get(webhook_signature::HEADER)
        .ok_or_else(|| signature_invalid(format!("The `{}` header is missing.", webhook_signature::HEADER)))?;
    let header = header.to_str().map_err(|_| signature_invalid("The signature header is not ASCII."))?;
    webhook_signature::verify(header, secret.expose(), incoming.body, incoming.now).map_err(|error| match error {
        SignatureError::OutsideTolerance => ApiError::bad_request(
            "signature_timestamp_outside_tolerance",
            format!("The signature's timestamp is not within {} seconds of now.", webhook_signature::TOLERANCE_SECONDS),
        ),
        SignatureError::Malformed | SignatureError::Mismatch => signature_invalid(format!("{error}.")),
    })
}

/// What a payment event reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentTarget {
    Processing,
    Succeeded,
    Failed {
        code: Option<String>,
        message: Option<String>,
    },
    /// The buyer left the provider's page without paying (PayPal's cancel URL).
    Abandoned,
}

/// The change an event reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Payment {
        attempt_id: String,
        target: PaymentTarget,
    },
    Refund {
        refund_id: String,
        succeeded: bool,
    },
    /// A real provider's payment: its attempt is the one whose id is `reference` (the
    /// attempt id Tradewind sent) or whose recorded provider id is `provider_id`.
    /// `charge` is the provider's money movement (Stripe charge, PayPal capture).
    ProviderPayment {
        provider_id: String,
        reference: Option<String>,
        charge: Option<String>,
        target: PaymentTarget,
    },
    /// A real provider's refund, by the provider's refund id.
    ProviderRefund {
        provider_refund_id: String,
        succeeded: bool,
    },
    /// A type this server does not act on.
    None,
}

/// A verified provider event, whatever the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    pub id: String,
    pub event_type: String,
    pub effect: Effect,
}

impl ProviderEvent {
    fn object_id(&self) -> Option<&str> {
        match &self.effect {
            Effect::Payment { attempt_id, .. } => Some(attempt_id),
            Effect::Refund { refund_id, .. } => Some(refund_id),
            Effect::ProviderPayment { provider_id, reference, .. } => Some(reference.as_deref().unwrap_or(provider_id)),
            Effect::ProviderRefund { provider_refund_id, .. } => Some(provider_refund_id),
            Effect::None => None,
        }
    }
}

/// The sandbox's event body.
#[derive(Debug, Deserialize)]
struct SandboxEvent {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    /// Required, as in Stripe's events, but not used: order comes from the statuses an
    /// event would move between, never from providers' clocks.
    #[allow(dead_code)]
    created: i64,
    #[serde(default)]
    data: SandboxEventData,
}

#[derive(Debug, Default, Deserialize)]
struct SandboxEventData {
    attempt: Option<String>,
    refund: Option<String>,
    failure_code: Option<String>,
    failure_message: Option<String>,
}

/// Reads a verified body into an event (400 naming the field for a malformed one).
pub fn parse_event(connector: Connector, body: &[u8]) -> ApiResult<ProviderEvent> {
    match connector {
        Connector::Sandbox => parse_sandbox(body),
        Connector::Stripe => provider_webhooks::parse_stripe(body),
        Connector::Paypal => provider_webhooks::parse_paypal(body),
    }
}

fn parse_sandbox(body: &[u8]) -> ApiResult<ProviderEvent> {
    let event: SandboxEvent = crate::extract::parse_json(body)?;
    if event.id.is_empty() || event.id.len() > EVENT_ID_LENGTH_MAX || !event.id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid("id", "parameter_invalid", "`id` must be 1 to 255 printable characters."));
    }
    let object = |field: &'static str, value: Option<String>| {
        value.ok_or_else(|| {
            ApiError::invalid(
                format!("data[{field}]"),
                "parameter_missing",
                format!("A {} event needs `data[{field}]`.", event.event_type),
            )
        })
    };
    let effect = match event.event_type.as_str() {
        "payment.processing" => Effect::Payment {
            attempt_id: object("attempt", event.data.attempt.clone())?,
            target: PaymentTarget::Processing,
        },
        "payment.succeeded" => Effect::Payment {
            attempt_id: object("attempt", event.data.attempt.clone())?,
            target: PaymentTarget::Succeeded,
        },
        "payment.failed" => Effect::Payment {
            attempt_id: object("attempt", event.data.attempt.clone())?,
            target: PaymentTarget::Failed {
                code: event.data.failure_code.clone(),
                message: event.data.failure_message.clone(),
            },
        },
        "refund.succeeded" => {
            Effect::Refund { refund_id: object("refund", event.data.refund.clone())?, succeeded: true }
        }
        "refund.failed" => Effect::Refund { refund_id: object("refund", event.data.refund.clone())?, succeeded: false },
        _ => Effect::None,
    };
    Ok(ProviderEvent { id: event.id, event_type: event.event_type, effect })
}

/// How far an attempt has come; a provider event only moves it to a higher rank.
fn attempt_rank(status: &str) -> u8 {
    match status {
        outcome::attempt_status::REQUIRES_ACTION => 1,
        outcome::attempt_status::PROCESSING => 2,
        // Final: authorized (held for capture), captured, failed, expired, abandoned,
        // canceled.
        _ => 3,
    }
}

fn target_rank(target: &PaymentTarget) -> u8 {
    match target {
        PaymentTarget::Processing => 2,
        PaymentTarget::Succeeded | PaymentTarget::Failed { .. } | PaymentTarget::Abandoned => 3,
    }
}

/// Whether an event reporting `target` moves an attempt in `status` forward.
pub fn moves_forward(status: &str, target: &PaymentTarget) -> bool {
    target_rank(target) > attempt_rank(status)
}

/// The SHA-256 of the raw body, hex, as recorded.
pub fn payload_digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The answer to a webhook: the outcome, or `None` for a replay.
pub async fn receive(
    state: &AppState,
    account: &ConnectorAccountRow,
    event: &ProviderEvent,
    payload_sha256: String,
    now: i64,
) -> ApiResult<Option<Outcome>> {
    let typed = ConnectorAccount::from_row(account)?;
    let mut transaction = state.store.begin().await?;
    let record = ConnectorWebhookEventRow {
        connector_account_id: account.id.clone(),
        provider_event_id: event.id.clone(),
        merchant_id: account.merchant_id.clone(),
        event_type: event.event_type.clone(),
        object_id: event.object_id().map(str::to_owned),
        received_at: now,
        payload_sha256,
        outcome: Outcome::Applied.as_str().to_owned(),
    };
    if !connector_webhook_events::claim(transaction.connection(), &record).await? {
        // A replay: dropping the transaction writes nothing.
        return Ok(None);
    }
    let result = match &event.effect {
        Effect::Payment { attempt_id, target } => {
            apply_payment(state, transaction.connection(), &typed, attempt_id, target, None, now).await?
        }
        Effect::Refund { refund_id, succeeded } => {
            apply_refund(state, transaction.connection(), &typed, refund_id, *succeeded, now).await?
        }
        Effect::ProviderPayment { provider_id, reference, charge, target } => {
            let connection = transaction.connection();
            match provider_attempt(connection, &typed, provider_id, reference.as_deref()).await? {
                Some(attempt_id) => {
                    apply_payment(state, connection, &typed, &attempt_id, target, charge.as_deref(), now).await?
                }
                None => Outcome::IgnoredUnknown,
            }
        }
        Effect::ProviderRefund { provider_refund_id, succeeded } => {
            let connection = transaction.connection();
            let merchant_id = typed.merchant_id.as_str();
            match refunds::find_by_connector_reference_in(
                &mut *connection,
                merchant_id,
                &account.id,
                provider_refund_id,
            )
            .await?
            {
                Some(refund) => apply_refund(state, connection, &typed, &refund.id, *succeeded, now).await?,
                None => Outcome::IgnoredUnknown,
            }
        }
        Effect::None => Outcome::IgnoredUnknown,
    };
    if result != Outcome::Applied {
        connector_webhook_events::set_outcome(transaction.connection(), &account.id, &event.id, result.as_str())
            .await?;
    }
    transaction.commit().await?;
    Ok(Some(result))
}

fn method_on_account(account: &ConnectorAccount, method: Option<&str>) -> bool {
    method
        .and_then(|name| PaymentMethodType::parse(name).ok())
        .is_some_and(|method| account.payment_methods.contains(&method))
}

/// The attempt a real provider's payment event is about: the one its reference names,
/// else the one that recorded the provider's payment id.
async fn provider_attempt(
    connection: &mut Connection,
    account: &ConnectorAccount,
    provider_id: &str,
    reference: Option<&str>,
) -> ApiResult<Option<String>> {
    if let Some(reference) = reference
        && tradewind_payments::id::AttemptId::parse(reference).is_ok()
    {
        return Ok(Some(reference.to_owned()));
    }
    let found = attempts::find_by_reference_in(connection, account.merchant_id.as_str(), provider_id).await?;
    Ok(found.map(|attempt| attempt.id))
}

/// Moves an attempt and its intent to `target` inside an open transaction, forward
/// only, with the change's money effects and event; `charge` (the provider's money
/// movement, to refund later) is kept on the attempt. Shared by the webhooks, the
/// return from a provider's page and the status sync.
pub async fn apply_payment(
    state: &AppState,
    connection: &mut Connection,
    account: &ConnectorAccount,
    attempt_id: &str,
    target: &PaymentTarget,
    charge: Option<&str>,
    now: i64,
) -> ApiResult<Outcome> {
    let merchant_id = account.merchant_id.as_str();
    let Some(mut attempt) = attempts::get_in(&mut *connection, attempt_id).await? else {
        return Ok(Outcome::IgnoredUnknown);
    };
    // Another merchant's attempt, one of a method this account does not process, or
    // one routed through another connector account is not this account's to move.
    let routed_elsewhere = attempt.connector.starts_with("mca_") && attempt.connector != account.id.as_str();
    if attempt.merchant_id != merchant_id
        || !method_on_account(account, Some(&attempt.payment_method_type))
        || routed_elsewhere
    {
        return Ok(Outcome::IgnoredUnknown);
    }
    let Some(mut intent) = payment_intents::get_in(&mut *connection, merchant_id, &attempt.payment_intent_id).await?
    else {
        return Ok(Outcome::IgnoredUnknown);
    };
    let current = intent.latest_attempt_id.as_deref() == Some(attempt.id.as_str())
        && matches!(intent.status.as_str(), "requires_action" | "processing");
    if !current || !moves_forward(&attempt.status, target) {
        return Ok(Outcome::IgnoredStale);
    }
    let before = money::Before::of(&intent);
    if let Some(charge) = charge {
        let mut flags: serde_json::Value =
            serde_json::from_str(&attempt.flags).unwrap_or_else(|_| serde_json::json!({}));
        flags["provider_charge"] = serde_json::json!(charge);
        attempt.flags = flags.to_string();
    }
    match target {
        PaymentTarget::Processing => {
            outcome::processing(&mut intent, &mut attempt, now, true, now)?;
            // The provider's next event decides the outcome, not a schedule.
            intent.scheduled_at = None;
            intent.scheduled_outcome = None;
        }
        PaymentTarget::Succeeded => outcome::authorized(&mut intent, &mut attempt, now)?,
        PaymentTarget::Failed { code, message } => {
            let method =
                PaymentMethodType::parse(&attempt.payment_method_type).map_err(|error| ApiError::internal(&error))?;
            let (default_code, default_message) = wallet::decline_for(method);
            let code = code.clone().unwrap_or_else(|| default_code.to_owned());
            let message = message.clone().unwrap_or_else(|| default_message.to_owned());
            outcome::failed(&mut intent, &mut attempt, &code, None, &message, now)?;
        }
        PaymentTarget::Abandoned => outcome::abandoned(&mut intent, &mut attempt, now)?,
    }
    if !outcome::write_change_in(state, connection, Some(&before), &intent, Some(&attempt), now).await? {
        return Err(ApiError::conflict(
            "lock_timeout",
            "The payment was changed by another request at the same time; the provider will retry.",
        ));
    }
    Ok(Outcome::Applied)
}

async fn apply_refund(
    state: &AppState,
    connection: &mut Connection,
    account: &ConnectorAccount,
    refund_id: &str,
    succeeded: bool,
    now: i64,
) -> ApiResult<Outcome> {
    let merchant_id = account.merchant_id.as_str();
    let Some(refund) = refunds::get_in(&mut *connection, merchant_id, refund_id).await? else {
        return Ok(Outcome::IgnoredUnknown);
    };
    let intent = payment_intents::get_in(&mut *connection, merchant_id, &refund.payment_intent_id).await?;
    if !method_on_account(account, intent.as_ref().and_then(|intent| intent.payment_method_type.as_deref())) {
        return Ok(Outcome::IgnoredUnknown);
    }
    // pending < succeeded, failed: only a pending refund moves.
    if refund.status != "pending" {
        return Ok(Outcome::IgnoredStale);
    }
    if !sweep::settle_refund_in(state, connection, &refund, !succeeded, now).await? {
        return Ok(Outcome::IgnoredStale);
    }
    Ok(Outcome::Applied)
}

/// A signed sandbox webhook, ready to POST to the account's webhook URL (for tests and
/// the demo, which play the provider).
#[derive(Debug, Clone)]
pub struct SignedWebhook {
    pub body: String,
    /// The value of the `Tradewind-Signature` header.
    pub signature: String,
}

/// Signs `event` (the sandbox event JSON) at `timestamp` with `secret`.
pub fn signed_sandbox_webhook(secret: &str, event: &serde_json::Value, timestamp: i64) -> SignedWebhook {
    let body = event.to_string();
    let signature = webhook_signature::header(&[secret], timestamp, body.as_bytes());
    SignedWebhook { body, signature }
}

/// [`signed_sandbox_webhook`] with the account's own secret, at the merchant's `now`.
pub fn sandbox_webhook_for(
    state: &AppState,
    account: &ConnectorAccountRow,
    event: &serde_json::Value,
    now: i64,
) -> ApiResult<SignedWebhook> {
    let secret = connector_accounts::webhook_secret(state, account)?;
    Ok(signed_sandbox_webhook(secret.expose(), event, now))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn statuses_only_move_forward() {
        let failed = PaymentTarget::Failed { code: None, message: None };
        assert!(moves_forward("requires_action", &PaymentTarget::Processing));
        assert!(moves_forward("requires_action", &PaymentTarget::Succeeded));
        assert!(moves_forward("processing", &PaymentTarget::Succeeded));
        assert!(moves_forward("processing", &failed));
        assert!(!moves_forward("processing", &PaymentTarget::Processing));
        for last in ["captured", "authorized", "failed", "expired", "abandoned", "canceled"] {
            for target in [&PaymentTarget::Processing, &PaymentTarget::Succeeded, &failed] {
                assert!(!moves_forward(last, target), "{last} moved by {target:?}");
            }
        }
    }

    #[test]
    fn sandbox_events_parse_with_named_errors() {
        let event = parse_event(
            Connector::Sandbox,
            br#"{"id": "evt_1", "type": "payment.failed", "created": 1, "data": {"attempt": "pa_1", "failure_code": "x"}}"#,
        )
        .unwrap();
        assert_eq!(
            event.effect,
            Effect::Payment {
                attempt_id: "pa_1".to_owned(),
                target: PaymentTarget::Failed { code: Some("x".to_owned()), message: None }
            }
        );
        let unknown = parse_event(Connector::Sandbox, br#"{"id": "evt_2", "type": "charge.other", "created": 1}"#);
        assert_eq!(unknown.unwrap().effect, Effect::None);
        let missing = parse_event(Connector::Sandbox, br#"{"id": "evt_3", "type": "refund.failed", "created": 1}"#);
        assert_eq!(missing.unwrap_err().param.as_deref(), Some("data[refund]"));
        let no_id = parse_event(Connector::Sandbox, br#"{"type": "refund.failed", "created": 1}"#);
        assert_eq!(no_id.unwrap_err().param.as_deref(), Some("id"));
        let stripe = parse_event(Connector::Stripe, b"{}").unwrap_err();
        assert_eq!(stripe.code, "event_invalid");
    }
}
