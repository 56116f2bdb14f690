//! `/v1/events`: what happened, newest first. Each event was written in the same
//! transaction as the change it describes, and webhooks deliver it. One event, its
//! delivery-attempt log, and a resend (same `webhook-id`) to one or every endpoint.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::webhook_dispatch;
use crate::state::AppState;
use crate::wire::list::{ListObject, page_limit};
use crate::wire::webhook::{EventObject, ResendEvent, WebhookDeliveryObject};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use tradewind_payments::id::{EventId, WebhookEndpointId};
use tradewind_payments::webhook;
use tradewind_storage::webhook_deliveries;
use tradewind_storage::webhook_endpoints;
use utoipa::IntoParams;

/// Deliveries one event's log shows (newest first), and attempts with them.
const DELIVERIES_SHOWN_MAX: i64 = 100;
const ATTEMPTS_SHOWN_MAX: i64 = DELIVERIES_SHOWN_MAX * webhook::ATTEMPTS_MAX;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListEvents {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    /// Only events about this object (a payment intent, refund, dispute, early fraud
    /// warning or webhook endpoint id).
    pub object_id: Option<String>,
}

/// Lists events, newest first; each was written with the change it describes.
#[utoipa::path(get, path = "/v1/events", params(ListEvents),
    responses((status = 200, body = ListObject<EventObject>)), security(("bearer" = [])), tag = "Events")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListEvents>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<EventObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        EventId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(object_id) = &query.object_id
        && tradewind_payments::id::PaymentIntentId::parse(object_id).is_err()
        && tradewind_payments::id::RefundId::parse(object_id).is_err()
        && tradewind_payments::id::DisputeId::parse(object_id).is_err()
        && tradewind_payments::id::EarlyFraudWarningId::parse(object_id).is_err()
        && WebhookEndpointId::parse(object_id).is_err()
        && tradewind_payments::id::OrderId::parse(object_id).is_err()
        && tradewind_payments::id::ConversationId::parse(object_id).is_err()
    {
        return Err(ApiError::invalid(
            "object_id",
            "parameter_invalid",
            "`object_id` must be a payment intent, refund, dispute, early fraud warning, webhook endpoint, order or \
             conversation id.",
        ));
    }
    let rows = tradewind_storage::events::list(
        state.store.pool(),
        auth.merchant_id.as_str(),
        query.object_id.as_deref(),
        query.starting_after.as_deref(),
        limit + 1,
    )
    .await?;
    let data = rows.iter().map(EventObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/events")))
}

async fn load(state: &AppState, merchant_id: &str, id: &str) -> ApiResult<tradewind_storage::events::EventRow> {
    let not_found = || ApiError::not_found("event", id);
    EventId::parse(id).map_err(|_| not_found())?;
    tradewind_storage::events::get(state.store.pool(), merchant_id, id).await?.ok_or_else(not_found)
}

/// Retrieves an event.
#[utoipa::path(get, path = "/v1/events/{id}", params(("id" = String, Path)),
    responses((status = 200, body = EventObject)), security(("bearer" = [])), tag = "Events")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<EventObject>> {
    Ok(Json(EventObject::from_row(&load(&state, auth.merchant_id.as_str(), &id).await?)))
}

/// The event's webhook deliveries, newest first, each with its attempts (attempt
/// number, time, HTTP status or error, duration).
#[utoipa::path(get, path = "/v1/events/{id}/deliveries", params(("id" = String, Path)),
    responses((status = 200, body = ListObject<WebhookDeliveryObject>)), security(("bearer" = [])), tag = "Events")]
pub async fn deliveries(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<ListObject<WebhookDeliveryObject>>> {
    let merchant_id = auth.merchant_id.as_str();
    let event = load(&state, merchant_id, &id).await?;
    let pool = state.store.pool();
    let rows = webhook_deliveries::for_event(pool, merchant_id, &event.id, DELIVERIES_SHOWN_MAX + 1).await?;
    let attempts = webhook_deliveries::attempts_for_event(pool, merchant_id, &event.id, ATTEMPTS_SHOWN_MAX).await?;
    let data = rows.iter().map(|row| WebhookDeliveryObject::from_rows(row, &attempts)).collect();
    Ok(Json(ListObject::new(data, DELIVERIES_SHOWN_MAX, &format!("/v1/events/{id}/deliveries"))))
}

/// Sends the event again (same `webhook-id`) to one enabled endpoint, or to every
/// enabled endpoint listening to its type; the new deliveries are due at once.
#[utoipa::path(post, path = "/v1/events/{id}/resend", params(("id" = String, Path)), request_body = ResendEvent,
    responses((status = 200, body = ListObject<WebhookDeliveryObject>)), security(("bearer" = [])), tag = "Events")]
pub async fn resend(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResendEvent>,
) -> ApiResult<Json<ListObject<WebhookDeliveryObject>>> {
    let merchant_id = auth.merchant_id.as_str();
    let event = load(&state, merchant_id, &id).await?;
    let now = auth.now(&state);
    let mut transaction = state.store.begin().await?;
    let enabled = webhook_endpoints::enabled(transaction.connection(), merchant_id).await?;
    let targets: Vec<&str> = match &body.endpoint {
        Some(endpoint_id) => {
            let missing = || ApiError::not_found("webhook endpoint", endpoint_id).with_param("endpoint");
            WebhookEndpointId::parse(endpoint_id).map_err(|_| missing())?;
            let endpoint =
                webhook_endpoints::get(state.store.pool(), merchant_id, endpoint_id).await?.ok_or_else(missing)?;
            if endpoint.status != "enabled" {
                return Err(ApiError::invalid("endpoint", "webhook_endpoint_disabled", "The endpoint is disabled."));
            }
            vec![endpoint_id.as_str()]
        }
        None => enabled
            .iter()
            .filter(|row| webhook::wants(&webhook_dispatch::enabled_events(row), &event.event_type))
            .map(|row| row.id.as_str())
            .collect(),
    };
    let mut data = Vec::with_capacity(targets.len());
    for endpoint_id in targets {
        let delivery = webhook_dispatch::new_delivery(merchant_id, &event.id, endpoint_id, now);
        webhook_deliveries::insert(transaction.connection(), &delivery).await?;
        data.push(WebhookDeliveryObject::from_rows(&delivery, &[]));
    }
    transaction.commit().await?;
    let count = data.len() as i64;
    Ok(Json(ListObject::new(data, count, &format!("/v1/events/{id}/resend"))))
}
