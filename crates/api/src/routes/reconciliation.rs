//! `/v1/reconciliation/reports`: import a provider's settlement report (CSV), list and
//! retrieve imported reports and their matching results; and
//! `/v1/sandbox/settlement_report`, the report a sandbox connector would send.

use crate::error::{ApiError, ApiResult};
use crate::extract::SecretAuth;
use crate::flows::reconciliation::{self as flow, DEFAULT_CONNECTOR, REPORT_BODY_LIMIT_BYTES, midnight, report_line};
use crate::state::AppState;
use crate::wire::list::{ListObject, PageQuery, page_limit};
use crate::wire::reconciliation::*;
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::{Date, Duration};
use tradewind_payments::id::ReconciliationReportId;
use tradewind_settlement::reconciliation::REPORT_COLUMNS;
use tradewind_storage::reconciliation;

/// The longest period one sandbox settlement report covers.
pub const SANDBOX_REPORT_DAYS_MAX: i64 = 366;
/// The most lines one sandbox settlement report holds; a busier period must be split.
pub const SANDBOX_REPORT_LINES_MAX: usize = 200_000;
/// Balance transactions read per query while a sandbox report is written.
const SANDBOX_REPORT_PAGE: i64 = 1_000;

const OUTCOMES: [&str; 4] = ["matched", "missing_in_platform", "missing_in_report", "amount_mismatch"];

fn report_not_found(id: &str) -> ApiError {
    ApiError::not_found("reconciliation report", id)
}

/// Imports a settlement report: the CSV is the body (`Content-Type: text/csv`, at most
/// 32 MiB), matched against the merchant's balance transactions of `connector`. The
/// same file imported again answers the report stored the first time and writes
/// nothing. A report that does not read answers 400 naming the line, with nothing
/// written.
#[utoipa::path(post, path = "/v1/reconciliation/reports", params(ImportReport),
    request_body(content = String, content_type = "text/csv",
        description = "provider_reference,type,gross,fee,net,currency,settlement_date"),
    responses((status = 200, body = ReconciliationReportObject)), security(("bearer" = [])), tag = "Reconciliation")]
pub async fn import(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ImportReport>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ReconciliationReportObject>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let connector = flow::connector("connector", query.connector.as_deref().unwrap_or(DEFAULT_CONNECTOR))?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("text/csv"));
    if !is_csv {
        let mut error = ApiError::bad_request(
            "unsupported_media_type",
            "A settlement report is sent as its CSV file, with `Content-Type: text/csv`.",
        );
        error.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return Err(error);
    }
    let bytes = axum::body::to_bytes(body, REPORT_BODY_LIMIT_BYTES)
        .await
        .map_err(|_| ApiError::too_large(REPORT_BODY_LIMIT_BYTES))?;
    // Reading a large report takes a while; keep it off the request threads.
    let lines =
        tokio::task::spawn_blocking(move || flow::read_report(&bytes[..], REPORT_BODY_LIMIT_BYTES as u64, |_| {}))
            .await
            .map_err(|error| ApiError::internal(&error))??;
    let imported = flow::import(&state.store, &auth.merchant_id, &connector, &lines, auth.now(&state)).await?;
    Ok(Json(ReconciliationReportObject::from_row(&imported.report)))
}

/// Lists imported settlement reports, newest first.
#[utoipa::path(get, path = "/v1/reconciliation/reports", params(PageQuery),
    responses((status = 200, body = ListObject<ReconciliationReportObject>)), security(("bearer" = [])),
    tag = "Reconciliation")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<ListObject<ReconciliationReportObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        ReconciliationReportId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    let rows =
        reconciliation::list(state.store.pool(), auth.merchant_id.as_str(), query.starting_after.as_deref(), limit + 1)
            .await?;
    let data = rows.iter().map(ReconciliationReportObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/reconciliation/reports")))
}

/// Retrieves an imported settlement report with its counts.
#[utoipa::path(get, path = "/v1/reconciliation/reports/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ReconciliationReportObject)), security(("bearer" = [])), tag = "Reconciliation")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<ReconciliationReportObject>> {
    ReconciliationReportId::parse(&id).map_err(|_| report_not_found(&id))?;
    let row = reconciliation::get(state.store.pool(), auth.merchant_id.as_str(), &id)
        .await?
        .ok_or_else(|| report_not_found(&id))?;
    Ok(Json(ReconciliationReportObject::from_row(&row)))
}

/// Lists a report's matching results in order (report lines first, then the balance
/// transactions missing from it), optionally of one outcome.
#[utoipa::path(get, path = "/v1/reconciliation/reports/{id}/results", params(("id" = String, Path), ListResults),
    responses((status = 200, body = ListObject<ReconciliationResultObject>)), security(("bearer" = [])),
    tag = "Reconciliation")]
pub async fn list_results(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    query: Result<Query<ListResults>, QueryRejection>,
) -> ApiResult<Json<ListObject<ReconciliationResultObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(outcome) = &query.outcome
        && !OUTCOMES.contains(&outcome.as_str())
    {
        return Err(ApiError::invalid(
            "outcome",
            "parameter_invalid",
            format!("`outcome` must be one of {}.", OUTCOMES.join(", ")),
        ));
    }
    if query.starting_after.is_some_and(|sequence| sequence < 0) {
        return Err(ApiError::invalid(
            "starting_after",
            "parameter_invalid_integer",
            "`starting_after` is a result's `sequence`, a positive integer.",
        ));
    }
    ReconciliationReportId::parse(&id).map_err(|_| report_not_found(&id))?;
    let merchant = auth.merchant_id.as_str();
    reconciliation::get(state.store.pool(), merchant, &id).await?.ok_or_else(|| report_not_found(&id))?;
    let rows = reconciliation::list_results(
        state.store.pool(),
        merchant,
        &id,
        query.outcome.as_deref(),
        query.starting_after,
        limit + 1,
    )
    .await?;
    let data = rows.iter().map(|row| ReconciliationResultObject::from_row(&id, row)).collect();
    Ok(Json(ListObject::new(data, limit, &format!("/v1/reconciliation/reports/{id}/results"))))
}

fn date_param(param: &str, value: Option<&str>) -> ApiResult<Date> {
    let value = value.ok_or_else(|| {
        ApiError::invalid(param, "parameter_missing", format!("Missing required param: {param} (YYYY-MM-DD)."))
    })?;
    Date::parse(value, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| {
        ApiError::invalid(param, "parameter_invalid", format!("`{param}` must be a date in YYYY-MM-DD form."))
    })
}

/// The settlement report the sandbox connector would send the merchant: one line per
/// charge, refund, refund failure, dispute and dispute reversal of its payments (see the
/// reconciliation flow's docs for the mapping; the sandbox charges no fees of its own, and
/// payouts are not a connector's to report) whose settlement date — the UTC date of `available_on` — is
/// within `from`..=`to` and has already come at the merchant's sandbox clock.
#[utoipa::path(get, path = "/v1/sandbox/settlement_report", params(SandboxReportQuery),
    responses((status = 200, content_type = "text/csv", body = String)), security(("bearer" = [])), tag = "Sandbox")]
pub async fn sandbox_report(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<SandboxReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let connector = flow::connector("connector", query.connector.as_deref().unwrap_or(DEFAULT_CONNECTOR))?;
    let from = date_param("from", query.from.as_deref())?;
    let to = date_param("to", query.to.as_deref())?;
    if to < from {
        return Err(ApiError::invalid("to", "parameter_invalid", "`to` must not be before `from`."));
    }
    if (to - from).whole_days() >= SANDBOX_REPORT_DAYS_MAX {
        return Err(ApiError::invalid(
            "to",
            "parameter_invalid",
            format!("A settlement report covers at most {SANDBOX_REPORT_DAYS_MAX} days."),
        ));
    }
    let now = auth.now(&state);
    // Only what has settled by the merchant's now is in the report.
    let until = to.checked_add(Duration::days(1)).map_or(i64::MAX, midnight).min(now.saturating_add(1));
    let mut csv = REPORT_COLUMNS.join(",");
    csv.push('\n');
    let mut lines = 0;
    let mut after: Option<String> = None;
    let mut connection = state.store.pool().acquire().await.map_err(tradewind_storage::StoreError::from)?;
    loop {
        let page = reconciliation::settled_transactions(
            &mut connection,
            auth.merchant_id.as_str(),
            &connector,
            midnight(from),
            until,
            after.as_deref(),
            SANDBOX_REPORT_PAGE,
        )
        .await?;
        for row in &page {
            lines += 1;
            if lines > SANDBOX_REPORT_LINES_MAX {
                return Err(ApiError::invalid(
                    "to",
                    "parameter_invalid",
                    format!(
                        "More than {SANDBOX_REPORT_LINES_MAX} lines settled in this period; ask for a shorter one."
                    ),
                ));
            }
            csv.push_str(&report_line(row)?);
        }
        match page.last() {
            Some(last) if page.len() as i64 == SANDBOX_REPORT_PAGE => after = Some(last.id.clone()),
            _ => break,
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}
