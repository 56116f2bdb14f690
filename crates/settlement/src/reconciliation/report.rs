//! Reading a provider's settlement report, one line at a time, into checked
//! [`ReportLine`]s with a fingerprint each. The format is documented on the parent
//! module.

use super::LineType;
use super::amount::{AmountError, parse_amount};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read};
use time::Date;
use time::macros::format_description;
use tradewind_money::{Currency, Money};

/// The header, exactly, in this order.
pub const REPORT_COLUMNS: [&str; 7] =
    ["provider_reference", "type", "gross", "fee", "net", "currency", "settlement_date"];
/// The most data lines in one report.
pub const MAX_REPORT_LINES: usize = 1_000_000;
/// The largest report read, in bytes (about a thousand bytes for each allowed line,
/// far more than a real line needs).
pub const MAX_REPORT_BYTES: u64 = 1024 * 1024 * 1024;
/// The longest provider reference accepted.
pub const MAX_REFERENCE_CHARS: usize = 255;
/// Separates normalized fields in the fingerprint input; references may not contain it.
const FIELD_SEPARATOR: char = '\u{1f}';
/// Bumped if the normalization ever changes, so old and new fingerprints never collide.
const FINGERPRINT_VERSION: &str = "settlement-line-v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReportError {
    #[error("line 1: the header must be `{}`, found `{}`", REPORT_COLUMNS.join(","), found.join(","))]
    BadHeader { found: Vec<String> },
    #[error("the report is empty: not even a header")]
    Empty,
    #[error("line {line}: {found} fields where {} are expected", REPORT_COLUMNS.len())]
    WrongFieldCount { line: u64, found: usize },
    #[error("line {line}: the provider reference {reason}")]
    BadReference { line: u64, reason: &'static str },
    #[error(
        "line {line}: `{value}` is not a line type (charge, refund, dispute, dispute_reversal, fee, payout, adjustment)"
    )]
    UnknownType { line: u64, value: String },
    #[error("line {line}: `{value}` is not an ISO 4217 currency code")]
    UnknownCurrency { line: u64, value: String },
    #[error("line {line}: {field} `{value}`: {reason}")]
    BadAmount { line: u64, field: &'static str, value: String, reason: AmountError },
    #[error("line {line}: gross {gross:?} minus fee {fee:?} is not net {net:?}")]
    NetMismatch { line: u64, gross: Money, fee: Money, net: Money },
    #[error("line {line}: `{value}` is not a date in YYYY-MM-DD form")]
    BadDate { line: u64, value: String },
    #[error("more than {MAX_REPORT_LINES} lines")]
    TooManyLines,
    #[error("the report is larger than its byte limit ({MAX_REPORT_BYTES} unless the caller set a lower one)")]
    TooLarge,
    #[error("line {line}: unreadable CSV: {message}")]
    Csv { line: u64, message: String },
}

/// A SHA-256 over a line's normalized fields: the same line in a re-imported report
/// has the same fingerprint, whatever the amount or currency spelling.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn of(text: &str) -> Fingerprint {
        Fingerprint(Sha256::digest(text.as_bytes()).into())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Fingerprint({})", self.to_hex())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_hex())
    }
}

/// One checked line of a settlement report: `gross − fee = net`, all in `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub provider_reference: String,
    pub kind: LineType,
    pub gross: Money,
    pub fee: Money,
    pub net: Money,
    pub settlement_date: Date,
    /// The normalized fields plus how many identical lines came before this one in
    /// the same report, so two genuinely identical lines keep distinct fingerprints
    /// while a re-import of the file reproduces every fingerprint.
    pub fingerprint: Fingerprint,
}

/// Streams a report: the header is checked on construction, then each data line is
/// yielded as it is read. After the first error the reader stops, and a consumer must
/// treat the whole report as not imported: with an oversized input, the line read just
/// before [`ReportError::TooLarge`] may have been cut short.
pub struct ReportReader<R: Read> {
    reader: csv::Reader<io::Take<R>>,
    record: csv::StringRecord,
    lines_read: usize,
    occurrences: HashMap<Fingerprint, u32>,
    finished: bool,
}

impl<R: Read> ReportReader<R> {
    /// A reader for reports up to [`MAX_REPORT_BYTES`].
    pub fn new(input: R) -> Result<ReportReader<R>, ReportError> {
        ReportReader::with_byte_limit(input, MAX_REPORT_BYTES)
    }

    /// A reader for reports up to `max_bytes`, for callers with a tighter budget.
    pub fn with_byte_limit(input: R, max_bytes: u64) -> Result<ReportReader<R>, ReportError> {
        // One byte past the limit: reading it proves the input is too large.
        let limited = input.take(max_bytes.saturating_add(1));
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(limited);
        let mut report = ReportReader {
            reader,
            record: csv::StringRecord::new(),
            lines_read: 0,
            occurrences: HashMap::new(),
            finished: false,
        };
        if !report.read_record()? {
            return Err(ReportError::Empty);
        }
        let found: Vec<String> = report.record.iter().map(str::to_owned).collect();
        // A spreadsheet's byte order mark on the first column is not part of its name.
        let first_matches = found.first().map(|first| first.trim_start_matches('\u{feff}')) == Some(REPORT_COLUMNS[0]);
        if found.len() != REPORT_COLUMNS.len() || !first_matches || found[1..] != REPORT_COLUMNS[1..] {
            return Err(ReportError::BadHeader { found });
        }
        Ok(report)
    }

    /// Reads the next record into `self.record`; `false` at the end of the input.
    fn read_record(&mut self) -> Result<bool, ReportError> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => Ok(true),
            Ok(false) if self.reader.get_ref().limit() == 0 => Err(ReportError::TooLarge),
            Ok(false) => Ok(false),
            Err(error) => {
                let line = error.position().map(|position| position.line()).unwrap_or(0);
                Err(ReportError::Csv { line, message: error.to_string() })
            }
        }
    }

    fn next_line(&mut self) -> Result<Option<ReportLine>, ReportError> {
        if !self.read_record()? {
            return Ok(None);
        }
        self.lines_read += 1;
        if self.lines_read > MAX_REPORT_LINES {
            return Err(ReportError::TooManyLines);
        }
        let line = self.record.position().map(|position| position.line()).unwrap_or(0);
        let mut line = parse_line(&self.record, line)?;
        // The content hash alone is the key for counting identical lines.
        let normalized = normalized_fields(&line);
        let occurrence = self.occurrences.entry(Fingerprint::of(&normalized)).or_insert(0);
        line.fingerprint = Fingerprint::of(&format!("{normalized}{FIELD_SEPARATOR}{occurrence}"));
        *occurrence += 1;
        Ok(Some(line))
    }
}

impl<R: Read> Iterator for ReportReader<R> {
    type Item = Result<ReportLine, ReportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let result = self.next_line();
        if !matches!(result, Ok(Some(_))) {
            self.finished = true;
        }
        result.transpose()
    }
}

/// Reads a whole report, stopping at the first error.
pub fn read_report(input: impl Read) -> Result<Vec<ReportLine>, ReportError> {
    ReportReader::new(input)?.collect()
}

/// A fingerprint of a whole report: the SHA-256 of its line fingerprints in file
/// order, so the identical file imported twice is recognised in one comparison.
pub fn report_fingerprint(lines: &[ReportLine]) -> Fingerprint {
    let mut hasher = Sha256::new();
    hasher.update(FINGERPRINT_VERSION.as_bytes());
    for line in lines {
        hasher.update(line.fingerprint.as_bytes());
    }
    Fingerprint(hasher.finalize().into())
}

fn parse_line(record: &csv::StringRecord, line: u64) -> Result<ReportLine, ReportError> {
    if record.len() != REPORT_COLUMNS.len() {
        return Err(ReportError::WrongFieldCount { line, found: record.len() });
    }
    let field = |index: usize| record.get(index).unwrap_or_default();
    let provider_reference = field(0);
    if provider_reference.is_empty() {
        return Err(ReportError::BadReference { line, reason: "is empty" });
    }
    if provider_reference.chars().count() > MAX_REFERENCE_CHARS {
        return Err(ReportError::BadReference { line, reason: "is longer than 255 characters" });
    }
    if provider_reference.chars().any(char::is_control) {
        return Err(ReportError::BadReference { line, reason: "contains control characters" });
    }
    let kind =
        LineType::parse(field(1)).ok_or_else(|| ReportError::UnknownType { line, value: field(1).to_owned() })?;
    let currency =
        Currency::parse(field(5)).map_err(|_| ReportError::UnknownCurrency { line, value: field(5).to_owned() })?;
    let amount = |index: usize, name: &'static str| {
        parse_amount(field(index), currency).map_err(|reason| ReportError::BadAmount {
            line,
            field: name,
            value: field(index).to_owned(),
            reason,
        })
    };
    let gross = amount(2, "gross")?;
    let fee = amount(3, "fee")?;
    let net = amount(4, "net")?;
    if gross.checked_sub(fee) != Ok(net) {
        return Err(ReportError::NetMismatch { line, gross, fee, net });
    }
    let settlement_date = Date::parse(field(6), format_description!("[year]-[month]-[day]"))
        .map_err(|_| ReportError::BadDate { line, value: field(6).to_owned() })?;
    Ok(ReportLine {
        line,
        provider_reference: provider_reference.to_owned(),
        kind,
        gross,
        fee,
        net,
        settlement_date,
        // Filled in by the reader, which knows how many identical lines came before.
        fingerprint: Fingerprint([0; 32]),
    })
}

/// The fields as the fingerprint sees them: minor units, canonical type and currency
/// codes, ISO dates; so "100.5" and "100.50" are the same line.
fn normalized_fields(line: &ReportLine) -> String {
    let separator = FIELD_SEPARATOR;
    format!(
        "{FINGERPRINT_VERSION}{separator}{}{separator}{}{separator}{}{separator}{}{separator}{}{separator}{}{separator}{}",
        line.provider_reference,
        line.kind.as_str(),
        line.gross.minor(),
        line.fee.minor(),
        line.net.minor(),
        line.gross.currency().code(),
        line.settlement_date,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use time::macros::date;

    const CLEAN: &str = include_str!("../../fixtures/settlement-clean.csv");
    const HEADER: &str = "provider_reference,type,gross,fee,net,currency,settlement_date\n";

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").unwrap())
    }

    fn first_error(body: &str) -> ReportError {
        read_report(format!("{HEADER}{body}").as_bytes()).unwrap_err()
    }

    #[test]
    fn reads_the_clean_fixture() {
        let lines = read_report(CLEAN.as_bytes()).unwrap();
        assert_eq!(lines.len(), 8);
        let charge = &lines[0];
        assert_eq!(charge.line, 2);
        assert_eq!(charge.provider_reference, "ch_3QxA1b2C3d4E5f6G");
        assert_eq!(charge.kind, LineType::Charge);
        assert_eq!((charge.gross, charge.fee, charge.net), (usd(10_000), usd(320), usd(9_680)));
        assert_eq!(charge.settlement_date, date!(2026 - 11 - 24));
        let kinds: Vec<LineType> = lines.iter().map(|line| line.kind).collect();
        assert!(kinds.contains(&LineType::Payout) && kinds.contains(&LineType::Dispute));
        let yen = lines.iter().find(|line| line.gross.currency().code() == "JPY").unwrap();
        assert_eq!(yen.gross.minor(), 15_000);
    }

    #[test]
    fn fingerprints_survive_reimport_and_normalize_spelling() {
        let first = read_report(CLEAN.as_bytes()).unwrap();
        let second = read_report(CLEAN.as_bytes()).unwrap();
        assert_eq!(report_fingerprint(&first), report_fingerprint(&second));
        assert_eq!(first[0].fingerprint, second[0].fingerprint);
        let spelled = read_report(format!("{HEADER}a,charge,100.5,3.2,97.3,usd,2026-11-24\n").as_bytes()).unwrap();
        let canonical = read_report(format!("{HEADER}a,charge,100.50,3.20,97.30,USD,2026-11-24\n").as_bytes()).unwrap();
        assert_eq!(spelled[0].fingerprint, canonical[0].fingerprint);
        assert_eq!(canonical[0].fingerprint.to_hex().len(), 64);
        // Two identical lines in one file are two lines, with distinct fingerprints.
        let twice = read_report(
            format!("{HEADER}fee_1,fee,0.00,15.00,-15.00,USD,2026-11-24\nfee_1,fee,0.00,15.00,-15.00,USD,2026-11-24\n")
                .as_bytes(),
        )
        .unwrap();
        assert_ne!(twice[0].fingerprint, twice[1].fingerprint);
    }

    #[test]
    fn header_errors() {
        assert_eq!(read_report(&b""[..]), Err(ReportError::Empty));
        let wrong = read_report(&b"reference,type,gross,fee,net,currency,settlement_date\n"[..]);
        assert!(matches!(wrong, Err(ReportError::BadHeader { .. })));
        let reordered = read_report(&b"provider_reference,type,fee,gross,net,currency,settlement_date\n"[..]);
        assert!(matches!(reordered, Err(ReportError::BadHeader { .. })));
        let with_bom = format!("\u{feff}{HEADER}a,charge,1.00,0.00,1.00,USD,2026-11-24\n");
        assert_eq!(read_report(with_bom.as_bytes()).map(|lines| lines.len()), Ok(1));
    }

    #[test]
    fn line_errors_name_the_line() {
        let body = "a,charge,1.00,0.00,1.00,USD,2026-11-24\n";
        assert_eq!(
            first_error(&format!("{body}b,charge,1.00,0.00,1.00,USD\n")),
            ReportError::WrongFieldCount { line: 3, found: 6 }
        );
        assert_eq!(
            first_error(&format!("{body}{body}c,charge,1.001,0.00,1.00,USD,2026-11-24\n")),
            ReportError::BadAmount {
                line: 4,
                field: "gross",
                value: "1.001".to_owned(),
                reason: AmountError::TooPrecise { decimals: 3, currency: Currency::parse("USD").unwrap(), exponent: 2 },
            }
        );
        assert_eq!(
            first_error("d,charge,100.00,3.20,96.81,USD,2026-11-24\n"),
            ReportError::NetMismatch { line: 2, gross: usd(10_000), fee: usd(320), net: usd(9_681) }
        );
        assert_eq!(
            first_error("e,charge,1.00,0.00,1.00,XYZ,2026-11-24\n"),
            ReportError::UnknownCurrency { line: 2, value: "XYZ".to_owned() }
        );
        assert_eq!(
            first_error("f,chargeback,1.00,0.00,1.00,USD,2026-11-24\n"),
            ReportError::UnknownType { line: 2, value: "chargeback".to_owned() }
        );
        assert_eq!(
            first_error("g,charge,1.00,0.00,1.00,USD,24/11/2026\n"),
            ReportError::BadDate { line: 2, value: "24/11/2026".to_owned() }
        );
        assert_eq!(
            first_error(",charge,1.00,0.00,1.00,USD,2026-11-24\n"),
            ReportError::BadReference { line: 2, reason: "is empty" }
        );
        let long = "r".repeat(MAX_REFERENCE_CHARS + 1);
        assert!(matches!(
            first_error(&format!("{long},charge,1.00,0.00,1.00,USD,2026-11-24\n")),
            ReportError::BadReference { line: 2, .. }
        ));
        assert!(matches!(
            first_error("\"a\u{1f}b\",charge,1.00,0.00,1.00,USD,2026-11-24\n"),
            ReportError::BadReference { line: 2, .. }
        ));
    }

    #[test]
    fn invalid_utf8_and_oversized_input_are_errors() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(
            b"a,charge,1.00,0.00,1.00,USD,2026-11-24\n\xff\xfe,charge,1.00,0.00,1.00,USD,2026-11-24\n",
        );
        assert!(matches!(read_report(bytes.as_slice()), Err(ReportError::Csv { line: 3, .. })));
        let text = format!("{HEADER}a,charge,1.00,0.00,1.00,USD,2026-11-24\n");
        let exact = ReportReader::with_byte_limit(text.as_bytes(), text.len() as u64).unwrap();
        assert_eq!(exact.count(), 1);
        let short = ReportReader::with_byte_limit(text.as_bytes(), text.len() as u64 - 1).unwrap();
        assert!(short.collect::<Result<Vec<_>, _>>() == Err(ReportError::TooLarge));
    }

    #[test]
    fn windows_line_endings_are_fine() {
        let text = "provider_reference,type,gross,fee,net,currency,settlement_date\r\na,charge,1.00,0.00,1.00,USD,2026-11-24\r\n";
        assert_eq!(read_report(text.as_bytes()).map(|lines| lines.len()), Ok(1));
    }

    #[test]
    fn quoted_references_may_hold_commas() {
        let lines = read_report(format!("{HEADER}\"po_1,2\",payout,-5.00,0.00,-5.00,USD,2026-11-24\n").as_bytes());
        assert_eq!(lines.map(|lines| lines[0].provider_reference.clone()), Ok("po_1,2".to_owned()));
    }

    #[test]
    fn the_reader_streams_and_stops_after_an_error() {
        let text = format!(
            "{HEADER}a,charge,1.00,0.00,1.00,USD,2026-11-24\nb,charge,oops,0.00,1.00,USD,2026-11-24\nc,charge,1.00,0.00,1.00,USD,2026-11-24\n"
        );
        let mut reader = ReportReader::new(text.as_bytes()).unwrap();
        assert!(matches!(reader.next(), Some(Ok(_))));
        assert!(matches!(reader.next(), Some(Err(ReportError::BadAmount { line: 3, .. }))));
        assert!(reader.next().is_none());
    }
}
