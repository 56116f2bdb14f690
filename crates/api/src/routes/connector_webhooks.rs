//! `POST /v1/connectors/{connector_account_id}/webhooks`: where a connector's provider
//! sends its webhooks. No API key: the provider's signature, checked with the
//! account's secret, authenticates the request (a disabled account still receives, so
//! payments made through it complete). A bad or missing signature answers 400 and
//! writes nothing; a replayed event id answers `{"received": true, "duplicate": true}`
//! and changes nothing.

use crate::error::{ApiError, ApiResult};
use crate::flows::connector_accounts::connector_kind;
use crate::flows::connector_webhooks::{self, Incoming};
use crate::state::AppState;
use crate::wire::connector_account::WebhookReceipt;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use tradewind_payments::id::ConnectorAccountId;
use tradewind_storage::{connector_accounts, merchants};

/// Receives a provider webhook for a connector account.
#[utoipa::path(post, path = "/v1/connectors/{connector_account_id}/webhooks",
    params(("connector_account_id" = String, Path),
        ("Tradewind-Signature" = Option<String>, Header, description = "Sandbox accounts: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"{t}.{body}\"> keyed with the account's whsec_ secret"),
        ("Stripe-Signature" = Option<String>, Header, description = "Stripe accounts: Stripe's t=…,v1=… signature with the account's signing secret"),
        ("PAYPAL-TRANSMISSION-SIG" = Option<String>, Header, description = "PayPal accounts: with the other PAYPAL-* headers, verified by PayPal against the account's webhook id")),
    request_body(content = String, description = "The provider's event, as it signed it", content_type = "application/json"),
    responses((status = 200, body = WebhookReceipt)), tag = "Connectors")]
pub async fn receive(
    State(state): State<AppState>,
    Path(connector_account_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookReceipt>> {
    let missing = || ApiError::not_found("connector account", &connector_account_id);
    ConnectorAccountId::parse(&connector_account_id).map_err(|_| missing())?;
    let account =
        connector_accounts::get_for_webhook(state.store.pool(), &connector_account_id).await?.ok_or_else(missing)?;
    let merchant = merchants::get(state.store.pool(), &account.merchant_id).await?.ok_or_else(missing)?;
    let now = state.clock.now().saturating_add(merchant.clock_offset_seconds);
    let incoming = Incoming { state: &state, account: &account, headers: &headers, body: &body, now };
    connector_webhooks::verify(&incoming).await?;
    let connector = connector_kind(&account.connector)
        .ok_or_else(|| ApiError::internal(&tradewind_storage::StoreError::Corrupt(account.connector.clone())))?;
    let event = connector_webhooks::parse_event(connector, &body)?;
    let outcome =
        connector_webhooks::receive(&state, &account, &event, connector_webhooks::payload_digest(&body), now).await?;
    Ok(Json(WebhookReceipt {
        received: true,
        duplicate: outcome.is_none(),
        outcome: outcome.map(|outcome| outcome.as_str()),
    }))
}
