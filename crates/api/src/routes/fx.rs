//! `/v1/fx_rates` and `/v1/fx_quotes`: the rate a merchant gets, its manual rates,
//! and quotes that lock a rate for a while. Platform-wide ECB rates are imported with
//! `tradewind fx import`, not through the API: they are shared by every merchant.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows;
use crate::state::AppState;
use crate::wire::fx::{CreateQuote, CreateRate, FxQuoteObject, FxRateObject, RetrieveRate};
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::id::FxQuoteId;
use tradewind_storage::fx_quotes;

/// Retrieves the mid rate from `base` to `quote` that applies to the merchant: its
/// own manual rate for the pair if it set one, else the platform's latest ECB rate,
/// inverted or crossed through EUR when needed.
#[utoipa::path(get, path = "/v1/fx_rates", params(RetrieveRate),
    responses((status = 200, body = FxRateObject)), security(("bearer" = [])), tag = "FX")]
pub async fn retrieve_rate(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<RetrieveRate>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<FxRateObject>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    Ok(Json(flows::fx::retrieve_rate(&state, &auth, query).await?))
}

/// Sets the merchant's own mid rate for a pair, in force from the merchant's now; it
/// takes precedence over the platform's rate for this merchant only.
#[utoipa::path(post, path = "/v1/fx_rates", request_body = CreateRate,
    responses((status = 200, body = FxRateObject)), security(("bearer" = [])), tag = "FX")]
pub async fn create_rate(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateRate>,
) -> ApiResult<Json<FxRateObject>> {
    Ok(Json(flows::fx::set_manual_rate(&state, &auth, body).await?))
}

/// Locks the current rate, with the platform's markup, for `lock_duration_seconds`
/// (default 900); with `amount`, shows what it converts to.
#[utoipa::path(post, path = "/v1/fx_quotes", request_body = CreateQuote,
    responses((status = 200, body = FxQuoteObject)), security(("bearer" = [])), tag = "FX")]
pub async fn create_quote(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateQuote>,
) -> ApiResult<Json<FxQuoteObject>> {
    Ok(Json(flows::fx::create_quote(&state, &auth, body).await?))
}

/// Retrieves a quote, with its status at the merchant's now: active, expired or used.
#[utoipa::path(get, path = "/v1/fx_quotes/{id}", params(("id" = String, Path)),
    responses((status = 200, body = FxQuoteObject)), security(("bearer" = [])), tag = "FX")]
pub async fn retrieve_quote(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<FxQuoteObject>> {
    FxQuoteId::parse(&id).map_err(|_| ApiError::not_found("fx_quote", &id))?;
    let row = fx_quotes::get(state.store.pool(), auth.merchant_id.as_str(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("fx_quote", &id))?;
    Ok(Json(flows::fx::quote_object(&row, auth.now(&state))?))
}
