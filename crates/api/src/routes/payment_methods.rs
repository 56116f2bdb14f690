//! `GET /v1/payment_methods?country=&currency=&amount=`: what a buyer there can use,
//! straight from the capability table.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::flows::validate;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use tradewind_payments::method::{ConfirmationFlow, RefundPolicy, available_methods, is_country_code};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MethodsQuery {
    /// ISO 3166-1 alpha-2 buyer country.
    pub country: Option<String>,
    pub currency: String,
    /// Minor units; when given, methods whose limits exclude it are left out.
    pub amount: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MethodObject {
    #[serde(rename = "type")]
    pub method_type: &'static str,
    pub display_name: &'static str,
    pub minimum_amount: i64,
    pub maximum_amount: i64,
    pub manual_capture: bool,
    /// none, instant, asynchronous or to_bank_account.
    pub refunds: &'static str,
    pub refund_window_days: Option<u32>,
    /// direct, redirect, redirect_then_asynchronous, wallet_redirect_or_qr, voucher,
    /// bank_transfer or delivery.
    pub flow: &'static str,
    pub asynchronous: bool,
    pub expires_after_seconds: Option<i64>,
    pub legacy: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct MethodList {
    pub object: &'static str,
    pub data: Vec<MethodObject>,
}

fn flow_name(flow: ConfirmationFlow) -> (&'static str, bool) {
    match flow {
        ConfirmationFlow::Direct => ("direct", false),
        ConfirmationFlow::Redirect => ("redirect", false),
        ConfirmationFlow::RedirectThenAsynchronous => ("redirect_then_asynchronous", true),
        ConfirmationFlow::WalletRedirectOrQr => ("wallet_redirect_or_qr", false),
        ConfirmationFlow::Voucher => ("voucher", true),
        ConfirmationFlow::BankTransfer => ("bank_transfer", true),
        ConfirmationFlow::Delivery => ("delivery", true),
    }
}

fn refund_name(policy: RefundPolicy) -> &'static str {
    match policy {
        RefundPolicy::NotSupported => "none",
        RefundPolicy::Instant => "instant",
        RefundPolicy::Asynchronous => "asynchronous",
        RefundPolicy::ToBankAccount => "to_bank_account",
    }
}

/// Lists the methods a buyer in `country` paying `amount` of `currency` can use, with their limits and flows.
#[utoipa::path(get, path = "/v1/payment_methods", params(MethodsQuery),
    responses((status = 200, body = MethodList)), security(("bearer" = [])), tag = "Payment methods")]
pub async fn list(
    State(_state): State<AppState>,
    _auth: Authenticated,
    query: Result<Query<MethodsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<MethodList>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let currency = validate::currency("currency", &query.currency)?;
    if let Some(country) = &query.country
        && !is_country_code(country)
    {
        return Err(ApiError::invalid("country", "parameter_invalid", "`country` must be an ISO 3166-1 alpha-2 code."));
    }
    if let Some(amount) = query.amount {
        validate::positive_amount("amount", amount)?;
    }
    let country = query.country.map(|country| country.to_ascii_uppercase());
    let data = available_methods(country.as_deref(), currency, query.amount)
        .into_iter()
        .filter_map(|row| {
            let (minimum_amount, maximum_amount) = row.limits(country.as_deref(), currency).ok()?;
            let (flow, asynchronous) = flow_name(row.flow);
            Some(MethodObject {
                method_type: row.method.as_str(),
                display_name: row.display_name,
                minimum_amount,
                maximum_amount,
                manual_capture: row.manual_capture,
                refunds: refund_name(row.refunds),
                refund_window_days: row.refund_window_days,
                flow,
                asynchronous,
                expires_after_seconds: row.expiry_seconds,
                legacy: row.legacy_note,
            })
        })
        .collect();
    Ok(Json(MethodList { object: "list", data }))
}
