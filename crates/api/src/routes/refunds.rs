//! `/v1/refunds`: create, retrieve, list.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows;
use crate::state::AppState;
use crate::wire::list::{ListObject, page_limit};
use crate::wire::refund::{CreateRefund, ListRefunds, RefundObject};
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::id::RefundId;
use tradewind_storage::refunds;

/// Refunds a payment in full or in part; never more than was captured.
#[utoipa::path(post, path = "/v1/refunds", request_body = CreateRefund,
    responses((status = 200, body = RefundObject)), security(("bearer" = [])), tag = "Refunds")]
pub async fn create(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<CreateRefund>,
) -> ApiResult<Json<RefundObject>> {
    // A retry under the same `Idempotency-Key` after a 5xx must not refund twice at a
    // provider: the provider's idempotency key follows the client's.
    let client_key = headers.get("idempotency-key").and_then(|value| value.to_str().ok());
    Ok(Json(flows::refund::create(&state, &auth, body, client_key).await?))
}

/// Retrieves a refund.
#[utoipa::path(get, path = "/v1/refunds/{id}", params(("id" = String, Path)),
    responses((status = 200, body = RefundObject)), security(("bearer" = [])), tag = "Refunds")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<RefundObject>> {
    RefundId::parse(&id).map_err(|_| ApiError::not_found("refund", &id))?;
    let row = refunds::get(state.store.pool(), auth.merchant_id.as_str(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("refund", &id))?;
    Ok(Json(RefundObject::from_row(&row)))
}

/// Lists refunds, newest first.
#[utoipa::path(get, path = "/v1/refunds", params(ListRefunds),
    responses((status = 200, body = ListObject<RefundObject>)), security(("bearer" = [])), tag = "Refunds")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListRefunds>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<RefundObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        RefundId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(intent) = &query.payment_intent {
        tradewind_payments::id::PaymentIntentId::parse(intent)
            .map_err(|error| ApiError::invalid("payment_intent", "parameter_invalid", error.to_string()))?;
    }
    let rows = refunds::list(
        state.store.pool(),
        auth.merchant_id.as_str(),
        query.payment_intent.as_deref(),
        query.starting_after.as_deref(),
        limit + 1,
    )
    .await?;
    let data = rows.iter().map(RefundObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/refunds")))
}
