//! Settlement reports and their reconciliation results.

use serde::{Deserialize, Serialize};
use tradewind_settlement::reconciliation::LineType;
use tradewind_storage::reconciliation::{ReportRow, ResultRow};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportReport {
    /// The connector whose report this is (default `sandbox_card`).
    pub connector: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListResults {
    pub limit: Option<i64>,
    /// A result's `sequence`: the page starts after it.
    pub starting_after: Option<i64>,
    /// matched, missing_in_platform, missing_in_report or amount_mismatch.
    pub outcome: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SandboxReportQuery {
    /// Default `sandbox_card`.
    pub connector: Option<String>,
    /// The first settlement date, YYYY-MM-DD (UTC), inclusive.
    pub from: Option<String>,
    /// The last settlement date, YYYY-MM-DD (UTC), inclusive.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportCounts {
    /// Data lines in the report.
    pub lines: i64,
    /// Lines paired with a balance transaction that agrees on gross, fee and currency.
    pub matched: i64,
    /// Lines the platform has no balance transaction for.
    pub missing_in_platform: i64,
    /// Balance transactions settling within the period that the report lacks.
    pub missing_in_report: i64,
    /// Lines paired with a balance transaction that disagrees (a line differing on
    /// gross and fee counts once, with two results).
    pub amount_mismatch: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPeriodObject {
    /// The earliest settlement date in the report, YYYY-MM-DD.
    pub start: String,
    /// The latest settlement date in the report, YYYY-MM-DD.
    pub end: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationReportObject {
    pub id: String,
    pub object: &'static str,
    pub connector: String,
    /// `completed`: the report was matched and stored when it was imported.
    pub status: String,
    /// True when every line matched and no transaction is missing from the report.
    pub balanced: bool,
    /// SHA-256 of the report's normalized lines: the same file has the same one.
    pub fingerprint: String,
    pub counts: ReportCounts,
    pub period: ReportPeriodObject,
    pub created: i64,
}

impl ReconciliationReportObject {
    pub fn from_row(row: &ReportRow) -> Self {
        ReconciliationReportObject {
            id: row.id.clone(),
            object: "reconciliation_report",
            connector: row.connector.clone(),
            status: row.status.clone(),
            balanced: row.matched_count == row.line_count && row.missing_in_report_count == 0,
            fingerprint: row.fingerprint.clone(),
            counts: ReportCounts {
                lines: row.line_count,
                matched: row.matched_count,
                missing_in_platform: row.missing_in_platform_count,
                missing_in_report: row.missing_in_report_count,
                amount_mismatch: row.amount_mismatch_count,
            },
            period: ReportPeriodObject { start: row.period_start.clone(), end: row.period_end.clone() },
            created: row.created_at,
        }
    }
}

/// Why a line of `kind` the platform has no transaction for is `missing_in_platform`:
/// `provider_fee` (the provider's own fee, which the platform does not book), `payout`
/// (payouts are not a connector's to report) or `unknown_reference` (the platform has no
/// transaction of that type under that reference).
pub fn missing_reason(kind: LineType) -> &'static str {
    match kind {
        LineType::Fee => "provider_fee",
        LineType::Payout => "payout",
        LineType::Charge | LineType::Refund | LineType::Dispute | LineType::DisputeReversal | LineType::Adjustment => {
            "unknown_reference"
        }
    }
}

/// Where the platform and the report disagree.
#[derive(Debug, Serialize, ToSchema)]
pub struct MismatchObject {
    /// gross, fee or currency (then `expected` and `reported` are the two grosses).
    pub field: String,
    /// The platform's value, in minor units of `expected_currency`.
    pub expected: i64,
    pub expected_currency: String,
    /// The report's value, in minor units of `reported_currency`.
    pub reported: i64,
    pub reported_currency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationResultObject {
    pub object: &'static str,
    pub report: String,
    /// The result's place in the report's results, from 1: the pagination cursor.
    pub sequence: i64,
    /// matched, missing_in_platform, missing_in_report or amount_mismatch.
    pub outcome: String,
    pub provider_reference: String,
    /// The line type: charge, refund, adjustment, …
    pub r#type: String,
    /// The report line (the header is line 1); null when missing in the report.
    pub line: Option<i64>,
    /// The balance transaction; null when missing in the platform.
    pub balance_transaction: Option<String>,
    /// Present for amount mismatches only.
    pub mismatch: Option<MismatchObject>,
    /// For `missing_in_platform` only, why the platform has no transaction for the line:
    /// `provider_fee` (a fee the provider charged directly, e.g. a monthly fee, which the
    /// platform does not book), `payout` (payouts go from the platform to the merchant's
    /// bank, never through a connector's report) or `unknown_reference`.
    pub reason: Option<&'static str>,
}

impl ReconciliationResultObject {
    pub fn from_row(report_id: &str, row: &ResultRow) -> Self {
        let mismatch = match (&row.field, row.expected_amount, &row.expected_currency, row.reported_amount) {
            (Some(field), Some(expected), Some(expected_currency), Some(reported)) => Some(MismatchObject {
                field: field.clone(),
                expected,
                expected_currency: expected_currency.to_ascii_lowercase(),
                reported,
                reported_currency: row.reported_currency.clone().unwrap_or_default().to_ascii_lowercase(),
            }),
            _ => None,
        };
        ReconciliationResultObject {
            object: "reconciliation_result",
            report: report_id.to_owned(),
            sequence: row.sequence,
            outcome: row.outcome.clone(),
            provider_reference: row.provider_reference.clone(),
            r#type: row.r#type.clone(),
            line: row.line_number,
            balance_transaction: row.balance_transaction_id.clone(),
            mismatch,
            reason: (row.outcome == "missing_in_platform")
                .then(|| LineType::parse(&row.r#type).map_or("unknown_reference", missing_reason)),
        }
    }
}
