//! `/v1/disputes`: retrieve, list, update (evidence, metadata) and close. Disputes are
//! opened by the provider (the sandbox's dispute cards), never by the merchant.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows;
use crate::state::AppState;
use crate::wire::dispute::{DisputeObject, ListDisputes, UpdateDispute};
use crate::wire::list::{ListObject, page_limit};
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::dispute::DisputeStatus;
use tradewind_payments::id::{DisputeId, PaymentIntentId};
use tradewind_storage::disputes::{self, ListFilter};

/// Retrieves a dispute.
#[utoipa::path(get, path = "/v1/disputes/{id}", params(("id" = String, Path)),
    responses((status = 200, body = DisputeObject)), security(("bearer" = [])), tag = "Disputes")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<DisputeObject>> {
    DisputeId::parse(&id).map_err(|_| ApiError::not_found("dispute", &id))?;
    let row = disputes::get(state.store.pool(), auth.merchant_id.as_str(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("dispute", &id))?;
    Ok(Json(DisputeObject::from_row(&row, auth.now(&state))))
}

/// Saves or submits evidence (`submit`, default true when `evidence` is given), or
/// updates metadata.
#[utoipa::path(post, path = "/v1/disputes/{id}", params(("id" = String, Path)), request_body = UpdateDispute,
    responses((status = 200, body = DisputeObject)), security(("bearer" = [])), tag = "Disputes")]
pub async fn update(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateDispute>,
) -> ApiResult<Json<DisputeObject>> {
    let row = flows::dispute::update(&state, &auth, &id, body).await?;
    Ok(Json(DisputeObject::from_row(&row, auth.now(&state))))
}

/// Accepts a dispute: an inquiry closes, a chargeback is lost.
#[utoipa::path(post, path = "/v1/disputes/{id}/close", params(("id" = String, Path)),
    responses((status = 200, body = DisputeObject)), security(("bearer" = [])), tag = "Disputes")]
pub async fn close(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<DisputeObject>> {
    let row = flows::dispute::close(&state, &auth, &id).await?;
    Ok(Json(DisputeObject::from_row(&row, auth.now(&state))))
}

/// Lists disputes, newest first.
#[utoipa::path(get, path = "/v1/disputes", params(ListDisputes),
    responses((status = 200, body = ListObject<DisputeObject>)), security(("bearer" = [])), tag = "Disputes")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListDisputes>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<DisputeObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        DisputeId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(intent) = &query.payment_intent {
        PaymentIntentId::parse(intent)
            .map_err(|error| ApiError::invalid("payment_intent", "parameter_invalid", error.to_string()))?;
    }
    if let Some(status) = &query.status
        && DisputeStatus::parse(status).is_none()
    {
        return Err(ApiError::invalid("status", "parameter_invalid", "`status` must be one of the dispute statuses."));
    }
    let filter = ListFilter {
        payment_intent_id: query.payment_intent,
        status: query.status,
        starting_after: query.starting_after,
        limit: limit + 1,
    };
    let rows = disputes::list(state.store.pool(), auth.merchant_id.as_str(), &filter).await?;
    let now = auth.now(&state);
    let data = rows.iter().map(|row| DisputeObject::from_row(row, now)).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/disputes")))
}
