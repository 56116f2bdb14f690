//! `GET /v1/events`: what happened, newest first. Each event was written in the same
//! transaction as the change it describes; webhooks will deliver these.

use crate::error::{ApiError, ApiResult};
use crate::extract::SecretAuth;
use crate::state::AppState;
use crate::wire::json_column;
use crate::wire::list::{ListObject, page_limit};
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use tradewind_payments::id::EventId;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListEvents {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    /// Only events about this object (a payment intent, refund, dispute or early fraud
    /// warning id).
    pub object_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventObject {
    pub id: String,
    pub object: &'static str,
    /// e.g. payment_intent.succeeded, payment_intent.payment_failed, refund.created.
    #[serde(rename = "type")]
    pub event_type: String,
    pub created: i64,
    /// `{"object": …}`: the object as it was after the change.
    pub data: serde_json::Value,
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
    {
        return Err(ApiError::invalid(
            "object_id",
            "parameter_invalid",
            "`object_id` must be a payment intent, refund, dispute or early fraud warning id.",
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
    let data = rows
        .iter()
        .map(|row| EventObject {
            id: row.id.clone(),
            object: "event",
            event_type: row.event_type.clone(),
            created: row.created_at,
            data: serde_json::json!({"object": json_column("data", Some(&row.data))}),
        })
        .collect();
    Ok(Json(ListObject::new(data, limit, "/v1/events")))
}
