//! `/v1/webhook_endpoints`: where a merchant receives events. Create (the answer carries
//! the `whsec_` secret, shown again only by a rotation), list, retrieve, update (url,
//! events, description, metadata, disabled), delete and rotate the secret (the old one
//! keeps signing beside the new one for `expires_in` seconds).

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::validate;
use crate::state::AppState;
use crate::wire::list::{ListObject, PageQuery, page_limit};
use crate::wire::webhook::{
    CreateWebhookEndpoint, DeletedObject, RotateSecret, UpdateWebhookEndpoint, WebhookEndpointObject,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use std::collections::BTreeMap;
use tradewind_payments::id::WebhookEndpointId;
use tradewind_payments::webhook::{self, WebhookSecret};
use tradewind_storage::webhook_endpoints::{self, EndpointRow};

/// Endpoints one merchant may have (Stripe's limit).
pub const ENDPOINTS_PER_MERCHANT_MAX: i64 = 16;

fn check_url(url: &str) -> ApiResult<()> {
    webhook::check_url(url).map_err(|error| ApiError::invalid("url", "url_invalid", format!("`url` {error}.")))
}

/// The event types, checked and deduplicated, as stored (JSON).
fn check_events(events: &[String]) -> ApiResult<String> {
    if events.is_empty() {
        return Err(ApiError::invalid(
            "enabled_events",
            "parameter_missing",
            "`enabled_events` must name at least one event type, or `*` for all.",
        ));
    }
    let mut checked: Vec<&str> = Vec::with_capacity(events.len());
    for (index, event_type) in events.iter().enumerate() {
        if event_type != webhook::ALL_EVENTS && !webhook::is_known_event_type(event_type) {
            return Err(ApiError::invalid(
                format!("enabled_events[{index}]"),
                "event_type_unknown",
                format!("`{event_type}` is not an event type (see the Webhooks section of the README)."),
            ));
        }
        if !checked.contains(&event_type.as_str()) {
            checked.push(event_type);
        }
    }
    Ok(serde_json::Value::from(checked).to_string())
}

fn metadata_json(metadata: &BTreeMap<String, String>) -> ApiResult<String> {
    validate::metadata(metadata)?;
    Ok(serde_json::json!(metadata).to_string())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("webhook endpoint", id)
}

async fn load(state: &AppState, merchant_id: &str, id: &str) -> ApiResult<EndpointRow> {
    WebhookEndpointId::parse(id).map_err(|_| not_found(id))?;
    webhook_endpoints::get(state.store.pool(), merchant_id, id).await?.ok_or_else(|| not_found(id))
}

/// Creates an endpoint; the answer carries its signing secret (`whsec_…`).
#[utoipa::path(post, path = "/v1/webhook_endpoints", request_body = CreateWebhookEndpoint,
    responses((status = 200, body = WebhookEndpointObject)), security(("bearer" = [])), tag = "Webhooks")]
pub async fn create(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateWebhookEndpoint>,
) -> ApiResult<Json<WebhookEndpointObject>> {
    check_url(&body.url)?;
    let enabled_events = check_events(&body.enabled_events)?;
    validate::description(&body.description)?;
    let metadata = metadata_json(&body.metadata)?;
    let now = auth.now(&state);
    let row = EndpointRow {
        id: WebhookEndpointId::generate().to_string(),
        merchant_id: auth.merchant_id.to_string(),
        url: body.url,
        description: body.description,
        metadata,
        enabled_events,
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
    if webhook_endpoints::count(transaction.connection(), &row.merchant_id).await? >= ENDPOINTS_PER_MERCHANT_MAX {
        return Err(ApiError::bad_request(
            "webhook_endpoint_limit",
            format!("An account may have at most {ENDPOINTS_PER_MERCHANT_MAX} webhook endpoints."),
        ));
    }
    webhook_endpoints::insert(transaction.connection(), &row).await?;
    transaction.commit().await?;
    Ok(Json(WebhookEndpointObject::with_secret(&row)))
}

/// Lists endpoints, newest first (secrets never shown).
#[utoipa::path(get, path = "/v1/webhook_endpoints", params(PageQuery),
    responses((status = 200, body = ListObject<WebhookEndpointObject>)), security(("bearer" = [])), tag = "Webhooks")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<WebhookEndpointObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        WebhookEndpointId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    let rows = webhook_endpoints::list(
        state.store.pool(),
        auth.merchant_id.as_str(),
        query.starting_after.as_deref(),
        limit + 1,
    )
    .await?;
    let data = rows.iter().map(WebhookEndpointObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/webhook_endpoints")))
}

/// Retrieves an endpoint (its secret is not shown).
#[utoipa::path(get, path = "/v1/webhook_endpoints/{id}", params(("id" = String, Path)),
    responses((status = 200, body = WebhookEndpointObject)), security(("bearer" = [])), tag = "Webhooks")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookEndpointObject>> {
    let row = load(&state, auth.merchant_id.as_str(), &id).await?;
    Ok(Json(WebhookEndpointObject::from_row(&row)))
}

/// Updates an endpoint's url, events, description, metadata or `disabled`. Enabling it
/// again (also after it was disabled for failing) resumes its pending deliveries.
#[utoipa::path(post, path = "/v1/webhook_endpoints/{id}", params(("id" = String, Path)),
    request_body = UpdateWebhookEndpoint,
    responses((status = 200, body = WebhookEndpointObject)), security(("bearer" = [])), tag = "Webhooks")]
pub async fn update(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateWebhookEndpoint>,
) -> ApiResult<Json<WebhookEndpointObject>> {
    let mut row = load(&state, auth.merchant_id.as_str(), &id).await?;
    if let Some(url) = body.url {
        check_url(&url)?;
        row.url = url;
    }
    if let Some(events) = &body.enabled_events {
        row.enabled_events = check_events(events)?;
    }
    if body.description.is_some() {
        validate::description(&body.description)?;
        row.description = body.description;
    }
    if let Some(metadata) = &body.metadata {
        row.metadata = metadata_json(metadata)?;
    }
    match body.disabled {
        Some(true) if row.status == "enabled" => {
            row.status = "disabled".to_owned();
            row.disabled_reason = Some("merchant".to_owned());
        }
        Some(false) if row.status == "disabled" => {
            row.status = "enabled".to_owned();
            row.disabled_reason = None;
            row.failing_since = None;
        }
        _ => {}
    }
    row.updated_at = auth.now(&state);
    let mut transaction = state.store.begin().await?;
    if !webhook_endpoints::update(transaction.connection(), &row).await? {
        return Err(not_found(&id));
    }
    transaction.commit().await?;
    Ok(Json(WebhookEndpointObject::from_row(&row)))
}

/// Deletes an endpoint: it receives nothing more and its secrets are erased.
#[utoipa::path(delete, path = "/v1/webhook_endpoints/{id}", params(("id" = String, Path)),
    responses((status = 200, body = DeletedObject)), security(("bearer" = [])), tag = "Webhooks")]
pub async fn delete(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<DeletedObject>> {
    WebhookEndpointId::parse(&id).map_err(|_| not_found(&id))?;
    let mut transaction = state.store.begin().await?;
    let now = auth.now(&state);
    if !webhook_endpoints::delete(transaction.connection(), auth.merchant_id.as_str(), &id, now).await? {
        return Err(not_found(&id));
    }
    transaction.commit().await?;
    Ok(Json(DeletedObject { id, object: "webhook_endpoint", deleted: true }))
}

/// Replaces the signing secret. For `expires_in` seconds (default 24 hours, at most 7
/// days) deliveries carry both signatures, the new one first.
#[utoipa::path(post, path = "/v1/webhook_endpoints/{id}/rotate_secret", params(("id" = String, Path)),
    request_body = RotateSecret,
    responses((status = 200, body = WebhookEndpointObject)), security(("bearer" = [])), tag = "Webhooks")]
pub async fn rotate_secret(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RotateSecret>,
) -> ApiResult<Json<WebhookEndpointObject>> {
    let expires_in = body.expires_in.unwrap_or(webhook::ROTATION_OVERLAP_SECONDS_DEFAULT);
    if !(0..=webhook::ROTATION_OVERLAP_SECONDS_MAX).contains(&expires_in) {
        return Err(ApiError::invalid(
            "expires_in",
            "parameter_invalid_integer",
            "`expires_in` must be 0 to 604800 seconds (7 days).",
        ));
    }
    let mut row = load(&state, auth.merchant_id.as_str(), &id).await?;
    let now = auth.now(&state);
    let secret = WebhookSecret::generate();
    let mut transaction = state.store.begin().await?;
    let rotated = webhook_endpoints::rotate_secret(
        transaction.connection(),
        auth.merchant_id.as_str(),
        &id,
        secret.expose(),
        now + expires_in,
        now,
    )
    .await?;
    if !rotated {
        return Err(not_found(&id));
    }
    transaction.commit().await?;
    row.previous_secret = Some(std::mem::replace(&mut row.secret, secret.expose().to_owned()));
    row.previous_secret_expires_at = Some(now + expires_in);
    Ok(Json(WebhookEndpointObject::with_secret(&row)))
}
