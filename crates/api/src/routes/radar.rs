//! `/v1/radar/early_fraud_warnings`: retrieve and list. Warnings are raised by the card
//! issuer (the sandbox's early-fraud-warning card), never by the merchant.

use crate::error::{ApiError, ApiResult};
use crate::extract::SecretAuth;
use crate::state::AppState;
use crate::wire::list::{ListObject, page_limit};
use crate::wire::radar::{EarlyFraudWarningObject, ListEarlyFraudWarnings};
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::id::{EarlyFraudWarningId, PaymentIntentId};
use tradewind_storage::early_fraud_warnings::{self, ListFilter};

/// Retrieves an early fraud warning.
#[utoipa::path(get, path = "/v1/radar/early_fraud_warnings/{id}", params(("id" = String, Path)),
    responses((status = 200, body = EarlyFraudWarningObject)), security(("bearer" = [])), tag = "Radar")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<EarlyFraudWarningObject>> {
    let not_found = || ApiError::not_found("early fraud warning", &id);
    EarlyFraudWarningId::parse(&id).map_err(|_| not_found())?;
    let view =
        early_fraud_warnings::get(state.store.pool(), auth.merchant_id.as_str(), &id).await?.ok_or_else(not_found)?;
    Ok(Json(EarlyFraudWarningObject::from_view(&view)))
}

/// Lists early fraud warnings, newest first; `payment_intent` filters to one payment's.
#[utoipa::path(get, path = "/v1/radar/early_fraud_warnings", params(ListEarlyFraudWarnings),
    responses((status = 200, body = ListObject<EarlyFraudWarningObject>)), security(("bearer" = [])), tag = "Radar")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListEarlyFraudWarnings>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<EarlyFraudWarningObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        EarlyFraudWarningId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(intent) = &query.payment_intent {
        PaymentIntentId::parse(intent)
            .map_err(|error| ApiError::invalid("payment_intent", "parameter_invalid", error.to_string()))?;
    }
    let filter =
        ListFilter { payment_intent_id: query.payment_intent, starting_after: query.starting_after, limit: limit + 1 };
    let rows = early_fraud_warnings::list(state.store.pool(), auth.merchant_id.as_str(), &filter).await?;
    let data = rows.iter().map(EarlyFraudWarningObject::from_view).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/radar/early_fraud_warnings")))
}
