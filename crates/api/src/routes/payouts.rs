//! `/v1/payouts`: create, retrieve, list, cancel.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::{self, validate};
use crate::state::AppState;
use crate::wire::list::{ListObject, page_limit};
use crate::wire::payout::{CreatePayout, ListPayouts, PayoutObject};
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::id::PayoutId;
use tradewind_storage::payouts;

const STATUSES: [&str; 5] = ["pending", "in_transit", "paid", "failed", "canceled"];

/// Pays part of the available balance out to the account's bank account.
#[utoipa::path(post, path = "/v1/payouts", request_body = CreatePayout,
    responses((status = 200, body = PayoutObject)), security(("bearer" = [])), tag = "Payouts")]
pub async fn create(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreatePayout>,
) -> ApiResult<Json<PayoutObject>> {
    Ok(Json(flows::payout::create(&state, &auth, body).await?))
}

/// Retrieves a payout.
#[utoipa::path(get, path = "/v1/payouts/{id}", params(("id" = String, Path)),
    responses((status = 200, body = PayoutObject)), security(("bearer" = [])), tag = "Payouts")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<PayoutObject>> {
    PayoutId::parse(&id).map_err(|_| ApiError::not_found("payout", &id))?;
    let row = payouts::get(state.store.pool(), auth.merchant_id.as_str(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout", &id))?;
    Ok(Json(PayoutObject::from_row(&row)))
}

/// Cancels a payout while it is still pending; its funds are available again.
#[utoipa::path(post, path = "/v1/payouts/{id}/cancel", params(("id" = String, Path)),
    responses((status = 200, body = PayoutObject)), security(("bearer" = [])), tag = "Payouts")]
pub async fn cancel(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<PayoutObject>> {
    Ok(Json(flows::payout::cancel(&state, &auth, &id).await?))
}

/// Lists payouts, newest first.
#[utoipa::path(get, path = "/v1/payouts", params(ListPayouts),
    responses((status = 200, body = ListObject<PayoutObject>)), security(("bearer" = [])), tag = "Payouts")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListPayouts>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<PayoutObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        PayoutId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(status) = &query.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ApiError::invalid(
            "status",
            "parameter_invalid",
            "`status` must be pending, in_transit, paid, failed or canceled.",
        ));
    }
    let currency = match &query.currency {
        Some(code) => Some(validate::currency("currency", code)?.code().to_owned()),
        None => None,
    };
    let filter =
        payouts::ListFilter { starting_after: query.starting_after, status: query.status, currency, limit: limit + 1 };
    let rows = payouts::list(state.store.pool(), auth.merchant_id.as_str(), &filter).await?;
    let data = rows.iter().map(PayoutObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/payouts")))
}
