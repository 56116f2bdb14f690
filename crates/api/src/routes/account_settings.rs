//! `/v1/account/settings`: the rolling reserve, the payout schedule and minimum, and
//! the bank account payouts go to. `/v1/balance/reserves`: the reserves held and
//! released, with their release dates.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::{payout_settings, validate};
use crate::state::AppState;
use crate::wire::list::{ListObject, page_limit};
use crate::wire::payout::{AccountSettingsObject, ListReserves, ReserveObject, UpdateAccountSettings};
use axum::Json;
use axum::extract::{Query, State};
use tradewind_payments::id::BalanceTransactionId;
use tradewind_storage::balance_transactions;

/// Retrieves the account's payout settings.
#[utoipa::path(get, path = "/v1/account/settings", responses((status = 200, body = AccountSettingsObject)),
    security(("bearer" = [])), tag = "Account")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
) -> ApiResult<Json<AccountSettingsObject>> {
    let row = payout_settings::load(&state, auth.merchant_id.as_str(), auth.now(&state)).await?;
    Ok(Json(payout_settings::object(&state, &row).await?))
}

/// Updates the rolling reserve, the payout schedule, the minimum or the bank account;
/// what is left out keeps its value. A new reserve applies to settlements from now on.
#[utoipa::path(post, path = "/v1/account/settings", request_body = UpdateAccountSettings,
    responses((status = 200, body = AccountSettingsObject)), security(("bearer" = [])), tag = "Account")]
pub async fn update(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<UpdateAccountSettings>,
) -> ApiResult<Json<AccountSettingsObject>> {
    Ok(Json(payout_settings::update(&state, &auth, body).await?))
}

/// Lists the rolling reserves held from settlements, newest first, with their release
/// dates.
#[utoipa::path(get, path = "/v1/balance/reserves", params(ListReserves),
    responses((status = 200, body = ListObject<ReserveObject>)), security(("bearer" = [])), tag = "Balance")]
pub async fn list_reserves(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListReserves>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<ReserveObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        BalanceTransactionId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    let status = match query.status.as_deref() {
        None => None,
        Some("held") => Some("pending".to_owned()),
        Some("released") => Some("available".to_owned()),
        Some(_) => {
            return Err(ApiError::invalid("status", "parameter_invalid", "`status` must be held or released."));
        }
    };
    let currency = match &query.currency {
        Some(code) => Some(validate::currency("currency", code)?.code().to_owned()),
        None => None,
    };
    let filter = balance_transactions::ListFilter {
        starting_after: query.starting_after,
        r#type: Some("reserve_release".to_owned()),
        status,
        currency,
        limit: limit + 1,
        ..Default::default()
    };
    let rows = balance_transactions::list(state.store.pool(), auth.merchant_id.as_str(), &filter).await?;
    let data = rows.iter().map(ReserveObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/balance/reserves")))
}
