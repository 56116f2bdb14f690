//! `/v1/balance`, `/v1/balance/forecast` and `/v1/balance_transactions`: the merchant's
//! money as the ledger holds it.

use crate::error::{ApiError, ApiResult};
use crate::extract::SecretAuth;
use crate::flows::validate;
use crate::state::AppState;
use crate::wire::balance::*;
use crate::wire::list::{ListObject, page_limit};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use tradewind_ledger::AccountKind;
use tradewind_money::Money;
use tradewind_payments::id::BalanceTransactionId;
use tradewind_settlement::forecast::{ForecastInput, MAX_FORECAST_DAYS, forecast as project};
use tradewind_storage::{balance_transactions, ledger};
use utoipa::{IntoParams, ToSchema};

/// Days the forecast covers when `days` is not given.
const FORECAST_DAYS_DEFAULT: u32 = 30;

fn amounts(by_currency: &BTreeMap<String, i64>) -> Vec<BalanceAmount> {
    by_currency.iter().map(|(currency, amount)| BalanceAmount { amount: *amount, currency: currency.clone() }).collect()
}

/// The merchant's balances per currency, read from its ledger accounts.
#[utoipa::path(get, path = "/v1/balance", responses((status = 200, body = BalanceObject)),
    security(("bearer" = [])), tag = "Balance")]
pub async fn retrieve(State(state): State<AppState>, SecretAuth(auth): SecretAuth) -> ApiResult<Json<BalanceObject>> {
    let accounts = ledger::merchant_accounts(state.store.pool(), auth.merchant_id.as_str()).await?;
    let mut by_kind: BTreeMap<&'static str, BTreeMap<String, i64>> = BTreeMap::new();
    for account in &accounts {
        let bucket = match account.kind() {
            AccountKind::Available => "available",
            AccountKind::Pending => "pending",
            AccountKind::Reserve => "reserved",
            AccountKind::PayoutsInTransit => "in_transit",
            AccountKind::Disputed => "disputed",
            AccountKind::FeesPaid => "fees_paid",
            _ => continue,
        };
        by_kind.entry(bucket).or_default().insert(account.currency().lowercase_code(), account.balance_minor());
    }
    // What the merchant owes (a dispute its balances could not cover) shows as a negative
    // available balance, as Stripe shows it.
    for account in accounts.iter().filter(|account| account.kind() == AccountKind::NegativeBalance) {
        let owed = account.balance_minor();
        if owed != 0 {
            *by_kind.entry("available").or_default().entry(account.currency().lowercase_code()).or_insert(0) -= owed;
        }
    }
    let get = |bucket: &str| by_kind.get(bucket).map(amounts).unwrap_or_default();
    Ok(Json(BalanceObject {
        object: "balance",
        available: get("available"),
        pending: get("pending"),
        reserved: get("reserved"),
        in_transit: get("in_transit"),
        disputed: get("disputed"),
        fees_paid: get("fees_paid"),
    }))
}

/// Retrieves a balance transaction.
#[utoipa::path(get, path = "/v1/balance_transactions/{id}", params(("id" = String, Path)),
    responses((status = 200, body = BalanceTransactionObject)), security(("bearer" = [])), tag = "Balance")]
pub async fn retrieve_transaction(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<BalanceTransactionObject>> {
    BalanceTransactionId::parse(&id).map_err(|_| ApiError::not_found("balance transaction", &id))?;
    let row = balance_transactions::get(state.store.pool(), auth.merchant_id.as_str(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("balance transaction", &id))?;
    Ok(Json(BalanceTransactionObject::from_row(&row)))
}

/// Lists balance transactions, newest first.
#[utoipa::path(get, path = "/v1/balance_transactions", params(ListBalanceTransactions),
    responses((status = 200, body = ListObject<BalanceTransactionObject>)), security(("bearer" = [])), tag = "Balance")]
pub async fn list_transactions(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListBalanceTransactions>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<BalanceTransactionObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        BalanceTransactionId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(status) = &query.status
        && !matches!(status.as_str(), "pending" | "available")
    {
        return Err(ApiError::invalid("status", "parameter_invalid", "`status` must be pending or available."));
    }
    let currency = match &query.currency {
        Some(code) => Some(validate::currency("currency", code)?.code().to_owned()),
        None => None,
    };
    let filter = balance_transactions::ListFilter {
        starting_after: query.starting_after,
        r#type: query.r#type,
        currency,
        source_id: query.source,
        payment_intent_id: query.payment_intent,
        status: query.status,
        created_gte: query.created_gte,
        created_lte: query.created_lte,
        available_on_gte: query.available_on_gte,
        available_on_lte: query.available_on_lte,
        limit: limit + 1,
    };
    let rows = balance_transactions::list(state.store.pool(), auth.merchant_id.as_str(), &filter).await?;
    let data = rows.iter().map(BalanceTransactionObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/balance_transactions")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ForecastQuery {
    /// Days ahead, 1 to 366 (default 30).
    pub days: Option<u32>,
}

/// One day of the forecast in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastDayObject {
    /// YYYY-MM-DD (UTC).
    pub date: String,
    pub currency: String,
    /// Pending funds that become available that day.
    pub becomes_available: i64,
    pub reserve_released: i64,
    pub payouts: i64,
    /// The available balance expected at the end of the day.
    pub projected_available: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastObject {
    pub object: &'static str,
    /// The merchant's today (its sandbox clock), YYYY-MM-DD.
    pub start: String,
    pub days: Vec<ForecastDayObject>,
}

/// When the merchant's money arrives: per day and currency, what becomes available,
/// from its pending balance transactions and each connector's settlement calendar,
/// what its rolling reserve releases, and what its payout schedule pays out.
#[utoipa::path(get, path = "/v1/balance/forecast", params(ForecastQuery),
    responses((status = 200, body = ForecastObject)), security(("bearer" = [])), tag = "Balance")]
pub async fn forecast(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ForecastQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ForecastObject>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let days = query.days.unwrap_or(FORECAST_DAYS_DEFAULT);
    if days == 0 || days > MAX_FORECAST_DAYS {
        return Err(ApiError::invalid(
            "days",
            "parameter_invalid_integer",
            format!("`days` must be between 1 and {MAX_FORECAST_DAYS}."),
        ));
    }
    let now = auth.now(&state);
    let start = OffsetDateTime::from_unix_timestamp(now).map_err(|error| ApiError::internal(&error))?.date();
    let merchant = auth.merchant_id.as_str();
    let accounts = ledger::merchant_accounts(state.store.pool(), merchant).await?;
    // Available less what the merchant owes, as `GET /v1/balance` shows it: the next
    // settlements repay the debt first.
    let mut by_currency: std::collections::BTreeMap<tradewind_money::Currency, i64> = Default::default();
    for account in &accounts {
        let sign = match account.kind() {
            AccountKind::Available => 1,
            AccountKind::NegativeBalance => -1,
            _ => continue,
        };
        *by_currency.entry(account.currency()).or_insert(0) += sign * account.balance_minor();
    }
    let available_now: Vec<Money> =
        by_currency.into_iter().map(|(currency, minor)| Money::new(minor, currency)).collect();
    // Reserves split from pending funds and held until their release, and the payouts
    // the schedule will make.
    let flows = crate::flows::payout_forecast::flows(&state, merchant, start, days, &available_now, now).await?;
    let input = ForecastInput {
        start,
        days,
        available_now: &available_now,
        pending: &flows.pending,
        reserves: &flows.reserves,
        payouts: &flows.payouts,
    };
    let projected = project(&input).map_err(|error| ApiError::internal(&error))?;
    let days = projected
        .days
        .iter()
        .map(|day| ForecastDayObject {
            date: day.date.to_string(),
            currency: day.currency.lowercase_code(),
            becomes_available: day.becomes_available.minor(),
            reserve_released: day.reserve_released.minor(),
            payouts: day.payouts.minor(),
            projected_available: day.projected_available.minor(),
        })
        .collect();
    Ok(Json(ForecastObject { object: "balance_forecast", start: start.to_string(), days }))
}
