//! Settlement reconciliation: reading a provider's settlement report and matching it,
//! line by line, against what the platform expects.
//!
//! # The report format
//!
//! CSV (RFC 4180: comma-separated, `"`-quoted fields may hold commas), UTF-8, with
//! exactly this header as its first line (a leading byte order mark is tolerated):
//!
//! ```text
//! provider_reference,type,gross,fee,net,currency,settlement_date
//! ch_3QxA1b2C3d4E5f6G,charge,100.00,3.20,96.80,USD,2026-11-24
//! re_3QxB7h8I9j0K1l2M,refund,-10.00,0.00,-10.00,USD,2026-11-24
//! ```
//!
//! | column | content |
//! |---|---|
//! | `provider_reference` | the provider's id for the object, 1–255 characters, no control characters |
//! | `type` | `charge`, `refund`, `dispute`, `dispute_reversal`, `fee`, `payout`, `adjustment` |
//! | `gross`, `fee`, `net` | decimal strings in major units with at most the currency's decimals (`100.00` USD, `1500` JPY, `1.234` KWD), parsed exactly (see [`parse_amount`]) |
//! | `currency` | ISO 4217 code (case-insensitive) |
//! | `settlement_date` | `YYYY-MM-DD`, the day the provider settled the line |
//!
//! Amounts are signed from the merchant balance's point of view: a charge has a
//! positive gross, a refund, a dispute or a payout a negative one; `fee` is what the
//! provider charged (negative when a fee is given back). A `fee` line, the provider's
//! own charge (a monthly fee), has a zero gross: `fee_2026_11,fee,0.00,25.00,-25.00,…`. Every line must satisfy
//! `gross − fee = net` exactly. Errors carry the line number in the file.
//!
//! Each line gets a fingerprint over its normalized fields (minor units, canonical
//! codes), so re-importing a report is detected line by line or with
//! [`report_fingerprint`] for the whole file.
//!
//! # Matching
//!
//! [`reconcile`] pairs report lines with the platform's [`ExpectedItem`]s by provider
//! reference and type, in linear time (two hash maps), and reports every line and every
//! expected item exactly once — see [`MatchResult`].
//!
//! - `amount`: exact decimal-string amounts.
//! - `report`: the streaming CSV reader and fingerprints.

mod amount;
mod report;

pub use amount::{AmountError, MAX_AMOUNT_CHARS, parse_amount};
pub use report::{
    Fingerprint, MAX_REFERENCE_CHARS, MAX_REPORT_BYTES, MAX_REPORT_LINES, REPORT_COLUMNS, ReportError, ReportLine,
    ReportReader, read_report, report_fingerprint,
};

use std::collections::{HashMap, VecDeque};
use std::fmt;
use time::Date;
use tradewind_money::Money;

/// What a report line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineType {
    Charge,
    Refund,
    Dispute,
    DisputeReversal,
    Fee,
    Payout,
    Adjustment,
}

impl LineType {
    pub const ALL: [LineType; 7] = [
        LineType::Charge,
        LineType::Refund,
        LineType::Dispute,
        LineType::DisputeReversal,
        LineType::Fee,
        LineType::Payout,
        LineType::Adjustment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LineType::Charge => "charge",
            LineType::Refund => "refund",
            LineType::Dispute => "dispute",
            LineType::DisputeReversal => "dispute_reversal",
            LineType::Fee => "fee",
            LineType::Payout => "payout",
            LineType::Adjustment => "adjustment",
        }
    }

    pub fn parse(value: &str) -> Option<LineType> {
        LineType::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

impl fmt::Display for LineType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What the platform believes the provider should report, signed like the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedItem {
    pub provider_reference: String,
    pub kind: LineType,
    pub gross: Money,
    pub fee: Money,
    /// When the platform expects the provider to settle it (its T+N date); only items
    /// dated within the report's period can be missing from it.
    pub settlement_date: Date,
}

/// Which field disagrees in an [`MatchResult::AmountMismatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MismatchField {
    Gross,
    Fee,
    /// The currencies differ; `expected` and `reported` then hold the two grosses.
    Currency,
}

/// The outcome for one report line, one expected item, or a pair. Indices point into
/// the slices given to [`reconcile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchResult {
    Matched {
        report_index: usize,
        expected_index: usize,
    },
    /// A report line the platform knows nothing about.
    MissingInPlatform {
        report_index: usize,
    },
    /// An expected item, dated within the report's period, that the report lacks.
    MissingInReport {
        expected_index: usize,
    },
    /// A line and an item with the same reference and type that disagree; a pair whose
    /// gross and fee both differ gives two results.
    AmountMismatch {
        report_index: usize,
        expected_index: usize,
        field: MismatchField,
        expected: Money,
        reported: Money,
    },
}

impl MatchResult {
    fn order_key(&self) -> (usize, usize) {
        match *self {
            MatchResult::Matched { report_index, expected_index }
            | MatchResult::AmountMismatch { report_index, expected_index, .. } => (report_index, expected_index),
            MatchResult::MissingInPlatform { report_index } => (report_index, usize::MAX),
            MatchResult::MissingInReport { expected_index } => (usize::MAX, expected_index),
        }
    }
}

/// The first and last settlement dates in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPeriod {
    pub first: Date,
    pub last: Date,
}

impl ReportPeriod {
    /// The dates the report covers; `None` for a report without lines.
    pub fn of(lines: &[ReportLine]) -> Option<ReportPeriod> {
        let first = lines.iter().map(|line| line.settlement_date).min()?;
        let last = lines.iter().map(|line| line.settlement_date).max()?;
        Some(ReportPeriod { first, last })
    }

    pub fn contains(&self, date: Date) -> bool {
        self.first <= date && date <= self.last
    }
}

/// Matches report lines against expected items over the report's own period
/// ([`ReportPeriod::of`]).
pub fn reconcile(lines: &[ReportLine], expected: &[ExpectedItem]) -> Vec<MatchResult> {
    reconcile_within(lines, expected, ReportPeriod::of(lines))
}

/// Matches report lines against expected items; expected items outside `period` (all
/// of them when `None`) are never reported missing.
///
/// Pairing, by provider reference and type: first every line takes the earliest
/// unused item with exactly its gross, fee and currency; then the remaining lines take
/// the remaining items of their key in order, as mismatches. Results come in report
/// order, followed by the missing items in expected order.
pub fn reconcile_within(
    lines: &[ReportLine],
    expected: &[ExpectedItem],
    period: Option<ReportPeriod>,
) -> Vec<MatchResult> {
    let mut results = Vec::with_capacity(lines.len() + expected.len() / 8);
    let mut used = vec![false; expected.len()];

    let mut exact: HashMap<(&str, LineType, Money, Money), VecDeque<usize>> = HashMap::with_capacity(expected.len());
    for (index, item) in expected.iter().enumerate() {
        exact.entry((item.provider_reference.as_str(), item.kind, item.gross, item.fee)).or_default().push_back(index);
    }
    let mut unmatched_lines = Vec::new();
    for (report_index, line) in lines.iter().enumerate() {
        let key = (line.provider_reference.as_str(), line.kind, line.gross, line.fee);
        match exact.get_mut(&key).and_then(VecDeque::pop_front) {
            Some(expected_index) => {
                used[expected_index] = true;
                results.push(MatchResult::Matched { report_index, expected_index });
            }
            None => unmatched_lines.push(report_index),
        }
    }

    let mut by_reference: HashMap<(&str, LineType), VecDeque<usize>> = HashMap::new();
    for (index, item) in expected.iter().enumerate().filter(|(index, _)| !used[*index]) {
        by_reference.entry((item.provider_reference.as_str(), item.kind)).or_default().push_back(index);
    }
    for report_index in unmatched_lines {
        let line = &lines[report_index];
        let key = (line.provider_reference.as_str(), line.kind);
        match by_reference.get_mut(&key).and_then(VecDeque::pop_front) {
            Some(expected_index) => {
                used[expected_index] = true;
                compare(report_index, line, expected_index, &expected[expected_index], &mut results);
            }
            None => results.push(MatchResult::MissingInPlatform { report_index }),
        }
    }

    let in_period = |item: &ExpectedItem| period.is_some_and(|period| period.contains(item.settlement_date));
    for (expected_index, item) in expected.iter().enumerate() {
        if !used[expected_index] && in_period(item) {
            results.push(MatchResult::MissingInReport { expected_index });
        }
    }
    // A stable sort keeps a pair's gross mismatch before its fee mismatch.
    results.sort_by_key(MatchResult::order_key);
    results
}

fn compare(
    report_index: usize,
    line: &ReportLine,
    expected_index: usize,
    item: &ExpectedItem,
    results: &mut Vec<MatchResult>,
) {
    let mismatch = |field, expected, reported| MatchResult::AmountMismatch {
        report_index,
        expected_index,
        field,
        expected,
        reported,
    };
    if line.gross.currency() != item.gross.currency() || line.fee.currency() != item.fee.currency() {
        results.push(mismatch(MismatchField::Currency, item.gross, line.gross));
        return;
    }
    let before = results.len();
    if line.gross != item.gross {
        results.push(mismatch(MismatchField::Gross, item.gross, line.gross));
    }
    if line.fee != item.fee {
        results.push(mismatch(MismatchField::Fee, item.fee, line.fee));
    }
    // Unreachable in practice (an identical pair matches in the first pass), but a pair
    // that agrees is a match whatever path found it.
    if results.len() == before {
        results.push(MatchResult::Matched { report_index, expected_index });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::fmt::Write;
    use time::macros::date;
    use tradewind_money::Currency;

    const CLEAN: &str = include_str!("../fixtures/settlement-clean.csv");
    const MISSING: &str = include_str!("../fixtures/settlement-missing.csv");
    const MISMATCH: &str = include_str!("../fixtures/settlement-mismatch.csv");

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::parse(code).unwrap())
    }

    /// The platform's view of the clean report, plus one item settling after it.
    fn platform() -> Vec<ExpectedItem> {
        let mut items: Vec<ExpectedItem> = read_report(CLEAN.as_bytes())
            .unwrap()
            .into_iter()
            .map(|line| ExpectedItem {
                provider_reference: line.provider_reference,
                kind: line.kind,
                gross: line.gross,
                fee: line.fee,
                settlement_date: line.settlement_date,
            })
            .collect();
        items.push(ExpectedItem {
            provider_reference: "ch_later".to_owned(),
            kind: LineType::Charge,
            gross: money(500, "USD"),
            fee: money(45, "USD"),
            settlement_date: date!(2026 - 11 - 30),
        });
        items
    }

    #[test]
    fn a_clean_report_matches_everything_in_its_period() {
        let lines = read_report(CLEAN.as_bytes()).unwrap();
        let results = reconcile(&lines, &platform());
        assert_eq!(results.len(), lines.len());
        for (index, result) in results.iter().enumerate() {
            assert_eq!(*result, MatchResult::Matched { report_index: index, expected_index: index });
        }
    }

    #[test]
    fn missing_on_either_side() {
        let lines = read_report(MISSING.as_bytes()).unwrap();
        let expected = platform();
        let results = reconcile(&lines, &expected);
        let missing_in_platform: Vec<&str> = results
            .iter()
            .filter_map(|result| match result {
                MatchResult::MissingInPlatform { report_index } => {
                    Some(lines[*report_index].provider_reference.as_str())
                }
                _ => None,
            })
            .collect();
        assert_eq!(missing_in_platform, vec!["ch_3QxZ9y8X7w6V5u4T"]);
        let missing_in_report: Vec<&str> = results
            .iter()
            .filter_map(|result| match result {
                MatchResult::MissingInReport { expected_index } => {
                    Some(expected[*expected_index].provider_reference.as_str())
                }
                _ => None,
            })
            .collect();
        // The later charge is outside the report's period and so not missing.
        assert_eq!(missing_in_report, vec!["ch_3QxA1b2C3d4E5f6H", "fee_1QxF1f2G3h4I5j6K"]);
        let matched = results.iter().filter(|result| matches!(result, MatchResult::Matched { .. })).count();
        assert_eq!(matched, 6);
    }

    #[test]
    fn amount_mismatches_name_the_field() {
        let lines = read_report(MISMATCH.as_bytes()).unwrap();
        let results = reconcile(&lines, &platform());
        let mismatches: Vec<(usize, MismatchField, Money, Money)> = results
            .iter()
            .filter_map(|result| match *result {
                MatchResult::AmountMismatch { report_index, field, expected, reported, .. } => {
                    Some((report_index, field, expected, reported))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            mismatches,
            vec![
                (0, MismatchField::Fee, money(320, "USD"), money(350, "USD")),
                (4, MismatchField::Gross, money(15_000, "JPY"), money(15_500, "JPY")),
                (5, MismatchField::Currency, money(4_999, "EUR"), money(4_999, "USD")),
            ]
        );
        assert_eq!(results.len(), 8);
    }

    #[test]
    fn duplicate_keys_pair_exact_amounts_first() {
        let report = "provider_reference,type,gross,fee,net,currency,settlement_date\n\
            po_1,payout,-5.00,0.00,-5.00,USD,2026-11-24\n\
            po_1,payout,-7.00,0.00,-7.00,USD,2026-11-24\n\
            po_1,payout,-9.00,0.00,-9.00,USD,2026-11-24\n";
        let lines = read_report(report.as_bytes()).unwrap();
        let item = |minor| ExpectedItem {
            provider_reference: "po_1".to_owned(),
            kind: LineType::Payout,
            gross: money(minor, "USD"),
            fee: money(0, "USD"),
            settlement_date: date!(2026 - 11 - 24),
        };
        let results = reconcile(&lines, &[item(-700), item(-600)]);
        assert_eq!(
            results,
            vec![
                MatchResult::AmountMismatch {
                    report_index: 0,
                    expected_index: 1,
                    field: MismatchField::Gross,
                    expected: money(-600, "USD"),
                    reported: money(-500, "USD"),
                },
                MatchResult::Matched { report_index: 1, expected_index: 0 },
                MatchResult::MissingInPlatform { report_index: 2 },
            ]
        );
    }

    #[test]
    fn a_hundred_thousand_lines() {
        const LINES: usize = 100_000;
        let mut report = String::from("provider_reference,type,gross,fee,net,currency,settlement_date\n");
        let mut expected = Vec::with_capacity(LINES);
        for index in 0..LINES {
            let gross = 1_000 + index as i64;
            let fee = gross * 29 / 1_000 + 30;
            writeln!(
                report,
                "ch_{index:08},charge,{},{},{},USD,2026-11-24",
                tradewind_money::format_minor_units(money(gross, "USD")),
                tradewind_money::format_minor_units(money(fee, "USD")),
                tradewind_money::format_minor_units(money(gross - fee, "USD")),
            )
            .unwrap();
            // Every thousandth item disagrees on the fee.
            let expected_fee = if index % 1_000 == 0 { fee + 1 } else { fee };
            expected.push(ExpectedItem {
                provider_reference: format!("ch_{index:08}"),
                kind: LineType::Charge,
                gross: money(gross, "USD"),
                fee: money(expected_fee, "USD"),
                settlement_date: date!(2026 - 11 - 24),
            });
        }
        // Read in reverse so the platform's order differs from the report's.
        expected.reverse();
        let lines = read_report(report.as_bytes()).unwrap();
        assert_eq!(lines.len(), LINES);
        let results = reconcile(&lines, &expected);
        let matched = results.iter().filter(|result| matches!(result, MatchResult::Matched { .. })).count();
        let mismatched = results.iter().filter(|result| matches!(result, MatchResult::AmountMismatch { .. })).count();
        assert_eq!((matched, mismatched, results.len()), (LINES - 100, 100, LINES));
    }

    #[test]
    fn line_types_round_trip() {
        for kind in LineType::ALL {
            assert_eq!(LineType::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(LineType::parse("Charge"), None);
    }
}
