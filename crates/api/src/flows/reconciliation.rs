//! Settlement reconciliation: a provider's settlement report (the CSV format of
//! [`tradewind_settlement::reconciliation`]) imported for one merchant and connector,
//! matched against the merchant's balance transactions, and stored with every line and
//! every result. The API (`POST /v1/reconciliation/reports`) and the CLI
//! (`tradewind reconcile import`) both read with [`read_report`] and write with
//! [`import`].
//!
//! # What the sandbox connectors report
//!
//! A sandbox connector (`sandbox_card`, `sandbox_paypal`, … — `sandbox_` and a payment
//! method) settles each balance transaction of its payments on the transaction's
//! `available_on` day, one line each:
//!
//! | balance transaction | line `type` | `provider_reference` | `gross` | `fee` | `net` |
//! |---|---|---|---|---|---|
//! | `charge` | `charge` | the payment intent id (`pi_…`) | `amount` (positive) | `fee` | `net` |
//! | `refund` | `refund` | the refund id (`re_…`) | `amount` (negative) | `fee` (negative: the fee share given back) | `net` |
//! | `refund_failure` | `adjustment` | the refund id (`re_…`) | `amount` (positive) | `fee` | `net` |
//! | `dispute` (a chargeback's withdrawal) | `dispute` | the dispute id (`dp_…`) | −disputed amount | the dispute fee | −(amount + fee) |
//! | `adjustment` with `reporting_category` `dispute_reversal` (a won chargeback) | `dispute_reversal` | the dispute id (`dp_…`) | +disputed amount | −the dispute fee returned | `net` |
//!
//! The provider reference is therefore the balance transaction's `source_id`. Signs
//! need no translation: balance transactions and report lines are both signed from the
//! merchant balance's point of view, with `net = gross − fee`. The settlement date is
//! the UTC date of `available_on`. A dispute's withdrawal is one line however the
//! platform funded it (pending funds, available balance, or a negative balance owed).
//!
//! What is never matched:
//!
//! - `fee` lines: the provider's own charges to the merchant (a monthly fee, say). The
//!   platform books no balance transaction for them, so they are `missing_in_platform`,
//!   and the result's `reason` (`provider_fee`, see
//!   [`crate::wire::reconciliation::missing_reason`]) tells the
//!   merchant it is a fee to book, not a lost payment. The sandbox connectors charge none.
//! - Payouts: they go from the platform's bank to the merchant's, never through a
//!   connector, so a connector's report does not carry them and they are kept out of
//!   matching: no `payout` transaction is expected, and a `payout` line is
//!   `missing_in_platform` with `reason: payout`.
//! - The platform's own bookkeeping (`reserve_hold`, `reserve_release`, negative balance
//!   recoveries, FX conversions): no connector moves money for them.

//! # Matching
//!
//! The report covers the dates of its first and last lines. It is matched against the
//! merchant's transactions of that connector in the table above whose
//! `available_on` falls within the period widened by [`MATCH_WINDOW_DAYS`] each side (a
//! line the provider settled a few days early or late still pairs with its
//! transaction); only transactions dated within the period itself can be
//! `missing_in_report`. Each report is matched on its own: overlapping reports each see
//! the same transactions. Only the importing merchant's transactions are read.
//!
//! # Importing twice
//!
//! A report is identified by its fingerprint (over its lines' fingerprints, in order)
//! per merchant and connector. Importing the same file again answers the stored report
//! and writes nothing; a unique index makes two concurrent imports of one file write it
//! once.

use crate::error::{ApiError, ApiResult};
use std::collections::HashSet;
use std::io::Read;
use time::{Date, Duration, OffsetDateTime};
use tradewind_money::{Currency, Money, format_minor_units};
use tradewind_payments::id::{MerchantId, ReconciliationReportId};
use tradewind_settlement::fees::Method;
use tradewind_settlement::reconciliation::{
    ExpectedItem, LineType, MatchResult, MismatchField, ReportError, ReportLine, ReportPeriod, ReportReader,
    reconcile_within, report_fingerprint,
};
use tradewind_storage::Store;
use tradewind_storage::balance_transactions::BalanceTransactionRow;
use tradewind_storage::reconciliation::{self, LineRow, ReportRow, ResultRow};

/// The largest report accepted through the API (about 400,000 lines); the JSON
/// endpoints take at most [`crate::extract::BODY_LIMIT_BYTES`]. The CLI reads files up
/// to the format's own limit.
pub const REPORT_BODY_LIMIT_BYTES: usize = 32 * 1024 * 1024;
/// Days either side of a report's period whose transactions may still pair with its
/// lines (a provider settling early or late), without being reported missing.
pub const MATCH_WINDOW_DAYS: i64 = 31;
/// The most balance transactions one report is matched against; a period holding more
/// must be split into several reports.
pub const EXPECTED_ITEMS_MAX: i64 = 1_000_000;
/// The connector a report is for when none is named.
pub const DEFAULT_CONNECTOR: &str = "sandbox_card";
/// The only status: an import is matched and stored in one go.
pub const STATUS_COMPLETED: &str = "completed";

/// A connector name a settlement report can come from: `sandbox_` and a payment method.
pub fn connector(param: &str, value: &str) -> ApiResult<String> {
    match value.strip_prefix("sandbox_").and_then(Method::parse) {
        Some(method) => Ok(format!("sandbox_{}", method.as_str())),
        None => Err(ApiError::invalid(
            param,
            "parameter_invalid",
            format!("`{value}` is not a connector: use sandbox_ and a payment method, e.g. {DEFAULT_CONNECTOR}."),
        )),
    }
}

/// A report that does not read, as a 400 whose message names the line.
pub fn report_error(error: &ReportError) -> ApiError {
    let code = match error {
        ReportError::TooLarge | ReportError::TooManyLines => "report_too_large",
        _ => "report_invalid",
    };
    ApiError::bad_request(code, format!("The settlement report is invalid: {error}."))
}

/// Reads a whole report, calling `on_line` after each line (for a progress display).
/// Stops at the first error: nothing of a report that does not read is imported.
pub fn read_report(
    input: impl Read,
    max_bytes: u64,
    mut on_line: impl FnMut(&ReportLine),
) -> ApiResult<Vec<ReportLine>> {
    let reader = ReportReader::with_byte_limit(input, max_bytes).map_err(|error| report_error(&error))?;
    let mut lines = Vec::new();
    for line in reader {
        let line = line.map_err(|error| report_error(&error))?;
        on_line(&line);
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(ApiError::bad_request(
            "report_invalid",
            "The settlement report is invalid: it has a header but no lines.",
        ));
    }
    Ok(lines)
}

/// A value read from the database that does not make sense: corrupt data or a bug.
#[derive(Debug, thiserror::Error)]
#[error("reconciliation: {0}")]
struct Corrupt(String);

fn internal(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(&Corrupt(what.to_string()))
}

/// The line type a balance transaction (its `type` and `reporting_category`) appears as
/// in its connector's report; `None` for what no connector reports.
pub fn line_type(transaction_type: &str, reporting_category: &str) -> Option<LineType> {
    match (transaction_type, reporting_category) {
        ("charge", _) => Some(LineType::Charge),
        ("refund", _) => Some(LineType::Refund),
        ("refund_failure", _) => Some(LineType::Adjustment),
        ("dispute", _) => Some(LineType::Dispute),
        ("adjustment", "dispute_reversal") => Some(LineType::DisputeReversal),
        _ => None,
    }
}

/// The UTC date of a Unix time.
pub fn date_of(unix_seconds: i64) -> ApiResult<Date> {
    Ok(OffsetDateTime::from_unix_timestamp(unix_seconds).map_err(internal)?.date())
}

/// Midnight UTC of `date`, in Unix seconds.
pub fn midnight(date: Date) -> i64 {
    date.midnight().assume_utc().unix_timestamp()
}

/// What the platform expects the provider to report for `row` (see the module docs).
pub fn expected_item(row: &BalanceTransactionRow) -> ApiResult<ExpectedItem> {
    let kind = line_type(&row.r#type, &row.reporting_category)
        .ok_or_else(|| internal(format!("no report line for {} ({})", row.r#type, row.reporting_category)))?;
    let currency = Currency::parse(&row.currency).map_err(internal)?;
    Ok(ExpectedItem {
        provider_reference: row.source_id.clone(),
        kind,
        gross: Money::new(row.amount, currency),
        fee: Money::new(row.fee, currency),
        settlement_date: date_of(row.available_on)?,
    })
}

/// The CSV line the sandbox provider sends for `row`, newline included.
pub fn report_line(row: &BalanceTransactionRow) -> ApiResult<String> {
    let item = expected_item(row)?;
    let currency = item.gross.currency();
    let net = Money::new(row.net, currency);
    Ok(format!(
        "{},{},{},{},{},{},{}\n",
        item.provider_reference,
        item.kind.as_str(),
        format_minor_units(item.gross),
        format_minor_units(item.fee),
        format_minor_units(net),
        currency.code(),
        item.settlement_date,
    ))
}

/// The outcome of an import: the stored report, and whether this import wrote it.
#[derive(Debug)]
pub struct Imported {
    pub report: ReportRow,
    pub created: bool,
}

/// Matches `lines` against the merchant's transactions of `connector` and stores the
/// report, its lines and results in one transaction; an identical report imported
/// before is answered as it is, with nothing written.
pub async fn import(
    store: &Store,
    merchant: &MerchantId,
    connector: &str,
    lines: &[ReportLine],
    now: i64,
) -> ApiResult<Imported> {
    let merchant_id = merchant.as_str();
    let period = ReportPeriod::of(lines)
        .ok_or_else(|| ApiError::bad_request("report_invalid", "The settlement report has no lines."))?;
    let fingerprint = report_fingerprint(lines).to_hex();
    {
        let mut connection = store.pool().acquire().await.map_err(tradewind_storage::StoreError::from)?;
        if let Some(report) =
            reconciliation::find_by_fingerprint(&mut connection, merchant_id, connector, &fingerprint).await?
        {
            return Ok(Imported { report, created: false });
        }
    }
    let transactions = expected_transactions(store, merchant_id, connector, period).await?;
    let expected = transactions.iter().map(expected_item).collect::<ApiResult<Vec<_>>>()?;
    let matches = reconcile_within(lines, &expected, Some(period));
    let (results, counts) = result_rows(lines, &transactions, &expected, &matches)?;
    let report = ReportRow {
        id: ReconciliationReportId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        connector: connector.to_owned(),
        fingerprint,
        status: STATUS_COMPLETED.to_owned(),
        line_count: lines.len() as i64,
        matched_count: counts.matched,
        missing_in_platform_count: counts.missing_in_platform,
        missing_in_report_count: counts.missing_in_report,
        amount_mismatch_count: counts.amount_mismatch,
        period_start: period.first.to_string(),
        period_end: period.last.to_string(),
        created_at: now,
    };
    let line_rows: Vec<LineRow> = lines.iter().map(line_row).collect();

    let mut transaction = store.begin().await?;
    if !reconciliation::insert_report(transaction.connection(), &report).await? {
        // A concurrent import of the same file won; answer what it stored.
        let stored =
            reconciliation::find_by_fingerprint(transaction.connection(), merchant_id, connector, &report.fingerprint)
                .await?
                .ok_or_else(|| internal("a report conflicted but cannot be found"))?;
        return Ok(Imported { report: stored, created: false });
    }
    reconciliation::insert_lines(transaction.connection(), &report.id, merchant_id, &line_rows).await?;
    reconciliation::insert_results(transaction.connection(), &report.id, merchant_id, &results).await?;
    transaction.commit().await?;
    Ok(Imported { report, created: true })
}

/// The merchant's transactions a report over `period` is matched against.
async fn expected_transactions(
    store: &Store,
    merchant_id: &str,
    connector: &str,
    period: ReportPeriod,
) -> ApiResult<Vec<BalanceTransactionRow>> {
    let window = Duration::days(MATCH_WINDOW_DAYS);
    let from = period.first.checked_sub(window).map_or(i64::MIN, midnight);
    let until = period.last.checked_add(window + Duration::days(1)).map_or(i64::MAX, midnight);
    let mut connection = store.pool().acquire().await.map_err(tradewind_storage::StoreError::from)?;
    let rows = reconciliation::expected_transactions(
        &mut connection,
        merchant_id,
        connector,
        from,
        until,
        EXPECTED_ITEMS_MAX + 1,
    )
    .await?;
    if rows.len() as i64 > EXPECTED_ITEMS_MAX {
        return Err(ApiError::bad_request(
            "report_too_large",
            format!(
                "More than {EXPECTED_ITEMS_MAX} balance transactions fall within the report's period; \
                 split the report into shorter periods."
            ),
        ));
    }
    Ok(rows)
}

fn line_row(line: &ReportLine) -> LineRow {
    LineRow {
        line_number: line.line as i64,
        fingerprint: line.fingerprint.to_hex(),
        provider_reference: line.provider_reference.clone(),
        r#type: line.kind.as_str().to_owned(),
        gross: line.gross.minor(),
        fee: line.fee.minor(),
        net: line.net.minor(),
        currency: line.gross.currency().code().to_owned(),
        settlement_date: line.settlement_date.to_string(),
    }
}

#[derive(Debug, Default)]
struct Counts {
    matched: i64,
    missing_in_platform: i64,
    missing_in_report: i64,
    /// Lines, not results: a line differing on gross and fee counts once.
    amount_mismatch: i64,
}

fn mismatch_field(field: MismatchField) -> &'static str {
    match field {
        MismatchField::Gross => "gross",
        MismatchField::Fee => "fee",
        MismatchField::Currency => "currency",
    }
}

/// The stored form of the matching results, numbered from 1, and their counts.
fn result_rows(
    lines: &[ReportLine],
    transactions: &[BalanceTransactionRow],
    expected: &[ExpectedItem],
    matches: &[MatchResult],
) -> ApiResult<(Vec<ResultRow>, Counts)> {
    let mut counts = Counts::default();
    let mut mismatched_lines = HashSet::new();
    let mut rows = Vec::with_capacity(matches.len());
    let line_at = |index: usize| lines.get(index).ok_or_else(|| internal("a result names no line"));
    let item_at = |index: usize| {
        Ok::<_, ApiError>((
            transactions.get(index).ok_or_else(|| internal("a result names no transaction"))?,
            expected.get(index).ok_or_else(|| internal("a result names no item"))?,
        ))
    };
    for (position, result) in matches.iter().enumerate() {
        let blank = |outcome: &str, reference: &str, kind: LineType| ResultRow {
            sequence: position as i64 + 1,
            outcome: outcome.to_owned(),
            line_number: None,
            balance_transaction_id: None,
            provider_reference: reference.to_owned(),
            r#type: kind.as_str().to_owned(),
            field: None,
            expected_amount: None,
            expected_currency: None,
            reported_amount: None,
            reported_currency: None,
        };
        let row = match *result {
            MatchResult::Matched { report_index, expected_index } => {
                counts.matched += 1;
                let line = line_at(report_index)?;
                let (transaction, _) = item_at(expected_index)?;
                ResultRow {
                    line_number: Some(line.line as i64),
                    balance_transaction_id: Some(transaction.id.clone()),
                    ..blank("matched", &line.provider_reference, line.kind)
                }
            }
            MatchResult::MissingInPlatform { report_index } => {
                counts.missing_in_platform += 1;
                let line = line_at(report_index)?;
                ResultRow {
                    line_number: Some(line.line as i64),
                    ..blank("missing_in_platform", &line.provider_reference, line.kind)
                }
            }
            MatchResult::MissingInReport { expected_index } => {
                counts.missing_in_report += 1;
                let (transaction, item) = item_at(expected_index)?;
                ResultRow {
                    balance_transaction_id: Some(transaction.id.clone()),
                    ..blank("missing_in_report", &item.provider_reference, item.kind)
                }
            }
            MatchResult::AmountMismatch { report_index, expected_index, field, expected, reported } => {
                if mismatched_lines.insert(report_index) {
                    counts.amount_mismatch += 1;
                }
                let line = line_at(report_index)?;
                let (transaction, _) = item_at(expected_index)?;
                ResultRow {
                    line_number: Some(line.line as i64),
                    balance_transaction_id: Some(transaction.id.clone()),
                    field: Some(mismatch_field(field).to_owned()),
                    expected_amount: Some(expected.minor()),
                    expected_currency: Some(expected.currency().code().to_owned()),
                    reported_amount: Some(reported.minor()),
                    reported_currency: Some(reported.currency().code().to_owned()),
                    ..blank("amount_mismatch", &line.provider_reference, line.kind)
                }
            }
        };
        rows.push(row);
    }
    Ok((rows, counts))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn transaction(kind: &str, source: &str, amount: i64, fee: i64) -> BalanceTransactionRow {
        let (kind, category) = kind.split_once('/').unwrap_or((kind, kind));
        BalanceTransactionRow {
            id: format!("txn_{source}_{kind}"),
            merchant_id: "acct_1".to_owned(),
            r#type: kind.to_owned(),
            reporting_category: category.to_owned(),
            amount,
            fee,
            net: amount - fee,
            currency: "USD".to_owned(),
            fee_details: "[]".to_owned(),
            source_id: source.to_owned(),
            payment_intent_id: None,
            connector: Some("sandbox_card".to_owned()),
            description: None,
            status: "available".to_owned(),
            // 2026-11-24 00:00 UTC.
            available_on: 1_795_478_400,
            created_at: 1_795_200_000,
            exchange_rate: None,
        }
    }

    #[test]
    fn sandbox_lines_read_back_as_the_items_they_came_from() {
        let rows = [
            transaction("charge", "pi_1", 10_000, 320),
            transaction("refund", "re_1", -2_500, -50),
            transaction("refund_failure", "re_1", 2_500, 50),
            transaction("dispute", "dp_1", -5_000, 1_500),
            transaction("adjustment/dispute_reversal", "dp_1", 5_000, -1_500),
        ];
        let mut csv = String::from("provider_reference,type,gross,fee,net,currency,settlement_date\n");
        for row in &rows {
            csv.push_str(&report_line(row).unwrap());
        }
        assert!(csv.contains("pi_1,charge,100.00,3.20,96.80,USD,2026-11-24\n"), "{csv}");
        assert!(csv.contains("re_1,refund,-25.00,-0.50,-24.50,USD,2026-11-24\n"), "{csv}");
        assert!(csv.contains("re_1,adjustment,25.00,0.50,24.50,USD,2026-11-24\n"), "{csv}");
        assert!(csv.contains("dp_1,dispute,-50.00,15.00,-65.00,USD,2026-11-24\n"), "{csv}");
        assert!(csv.contains("dp_1,dispute_reversal,50.00,-15.00,65.00,USD,2026-11-24\n"), "{csv}");
        let lines = read_report(csv.as_bytes(), u64::MAX, |_| {}).unwrap();
        let expected: Vec<ExpectedItem> = rows.iter().map(|row| expected_item(row).unwrap()).collect();
        let matches = reconcile_within(&lines, &expected, ReportPeriod::of(&lines));
        let (results, counts) = result_rows(&lines, &rows, &expected, &matches).unwrap();
        assert_eq!((counts.matched, results.len()), (5, 5));
        assert_eq!(results[1].balance_transaction_id.as_deref(), Some("txn_re_1_refund"));
        assert_eq!(results[4].balance_transaction_id.as_deref(), Some("txn_dp_1_adjustment"));
        // Other adjustments (a negative balance recovery) are no connector's to report.
        assert_eq!(line_type("adjustment", "negative_balance_recovery"), None);
        assert_eq!(line_type("payout", "payout"), None);
    }

    #[test]
    fn a_line_wrong_on_gross_and_fee_is_one_mismatched_line_with_two_results() {
        let rows = [transaction("charge", "pi_1", 10_000, 320)];
        let csv = "provider_reference,type,gross,fee,net,currency,settlement_date\n\
                   pi_1,charge,90.00,3.00,87.00,USD,2026-11-24\n";
        let lines = read_report(csv.as_bytes(), u64::MAX, |_| {}).unwrap();
        let expected: Vec<ExpectedItem> = rows.iter().map(|row| expected_item(row).unwrap()).collect();
        let matches = reconcile_within(&lines, &expected, ReportPeriod::of(&lines));
        let (results, counts) = result_rows(&lines, &rows, &expected, &matches).unwrap();
        assert_eq!(counts.amount_mismatch, 1);
        let fields: Vec<_> = results.iter().map(|row| row.field.as_deref().unwrap()).collect();
        assert_eq!(fields, ["gross", "fee"]);
        assert_eq!((results[0].expected_amount, results[0].reported_amount), (Some(10_000), Some(9_000)));
    }

    #[test]
    fn connectors_are_sandbox_methods() {
        assert_eq!(connector("connector", "sandbox_card").unwrap(), "sandbox_card");
        assert_eq!(connector("connector", "sandbox_paypal").unwrap(), "sandbox_paypal");
        for bad in ["card", "sandbox_", "sandbox_visa", "stripe", ""] {
            assert_eq!(connector("connector", bad).unwrap_err().param.as_deref(), Some("connector"));
        }
    }

    #[test]
    fn a_header_alone_is_refused() {
        let error =
            read_report("provider_reference,type,gross,fee,net,currency,settlement_date\n".as_bytes(), 100, |_| {})
                .unwrap_err();
        assert_eq!(error.code, "report_invalid");
    }
}
