//! The European Central Bank's euro foreign exchange reference rates, parsed from the
//! XML it publishes: the daily file (`eurofxref-daily.xml`, one day) and the 90-day or
//! historical files (many days) share one shape:
//!
//! ```xml
//! <gesmes:Envelope xmlns:gesmes="…" xmlns="…/eurofxref">
//!   <gesmes:subject>Reference rates</gesmes:subject>
//!   <Cube>
//!     <Cube time="2026-11-25">
//!       <Cube currency="USD" rate="1.0412"/>
//!       …
//! ```
//!
//! Each rate is EUR → currency ("1 EUR = 1.0412 USD"), with source `Ecb` and as-of time
//! 00:00 UTC of its reference date: the table only orders rates by time, and a whole
//! day is the ECB's own granularity.
//!
//! **What is an error and what is skipped.** A currency code missing from the ISO 4217
//! table (the historical file still lists retired currencies such as CYP or SIT) is
//! skipped and reported in [`EcbRates::skipped`], so one retired code does not make
//! twenty-five years of rates unusable. Everything else that is wrong — a missing or
//! malformed date or rate, a rate that is not a plain positive decimal, a day or a
//! currency listed twice — is an error: it means the file is not what the ECB
//! publishes, and no rate from it should be trusted.

use crate::fx::{Rate, RateSource, RateTable};
use rust_decimal::Decimal;
use std::collections::HashSet;
use time::macros::format_description;
use time::{Date, Time};
use tradewind_money::Currency;

/// The largest document accepted: the full historical file since 1999 is a few megabytes.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// The most days accepted: 1999 to 2050 on business days is about 13,000.
pub const MAX_DAYS: usize = 20_000;
/// The most currencies on one day; the ECB publishes about thirty.
pub const MAX_CURRENCIES_PER_DAY: usize = 200;
/// The longest rate text accepted, to keep decimal parsing on plain inputs.
const MAX_RATE_CHARS: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EcbError {
    #[error("the document is {bytes} bytes, more than {MAX_DOCUMENT_BYTES}")]
    TooLarge { bytes: usize },
    #[error("the document is not well-formed XML: {0}")]
    Xml(String),
    #[error("the root element is <{0}>, not the ECB's <gesmes:Envelope>")]
    NotAnEnvelope(String),
    #[error("the document holds no dated rates")]
    NoRates,
    #[error("more than {MAX_DAYS} days")]
    TooManyDays,
    #[error("{date}: more than {MAX_CURRENCIES_PER_DAY} currencies")]
    TooManyCurrencies { date: Date },
    #[error("`{0}` is not a date in YYYY-MM-DD form")]
    BadDate(String),
    #[error("{date}: a rate has no `{attribute}` attribute")]
    MissingAttribute { date: Date, attribute: &'static str },
    #[error("{date}: the {code} rate `{value}` is not a positive decimal")]
    BadRate { date: Date, code: String, value: String },
    #[error("{0} is listed twice")]
    DuplicateDay(Date),
    #[error("{date}: {code} is listed twice")]
    DuplicateCurrency { date: Date, code: String },
}

/// One reference day: every rate is EUR → another currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcbDay {
    pub date: Date,
    pub rates: Vec<Rate>,
}

/// A rate left out because its code is not an ISO 4217 currency this platform knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRate {
    pub date: Date,
    pub code: String,
}

/// Every day in a document, newest first, with the rates that were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcbRates {
    pub days: Vec<EcbDay>,
    pub skipped: Vec<SkippedRate>,
}

impl EcbRates {
    /// The most recent reference day.
    pub fn latest(&self) -> Option<&EcbDay> {
        self.days.first()
    }

    /// A rate table holding the latest rate of each pair in the document.
    pub fn to_table(&self) -> RateTable {
        let mut table = RateTable::new();
        for rate in self.days.iter().flat_map(|day| &day.rates) {
            table.insert(*rate);
        }
        table
    }
}

/// Parses an ECB reference-rate document, daily or historical.
pub fn parse_ecb_rates(xml: &str) -> Result<EcbRates, EcbError> {
    if xml.len() > MAX_DOCUMENT_BYTES {
        return Err(EcbError::TooLarge { bytes: xml.len() });
    }
    // roxmltree refuses DTDs by default, so entity expansion cannot blow up.
    let document = roxmltree::Document::parse(xml).map_err(|error| EcbError::Xml(error.to_string()))?;
    let root = document.root_element();
    if root.tag_name().name() != "Envelope" {
        return Err(EcbError::NotAnEnvelope(root.tag_name().name().to_owned()));
    }
    let euro = Currency::parse("EUR").map_err(|_| EcbError::NoRates)?;

    let mut days: Vec<EcbDay> = Vec::new();
    let mut dates_seen = HashSet::new();
    let mut skipped = Vec::new();
    let dated_cubes = root
        .descendants()
        .filter(|node| node.is_element() && node.tag_name().name() == "Cube" && node.has_attribute("time"));
    for day_cube in dated_cubes {
        if days.len() == MAX_DAYS {
            return Err(EcbError::TooManyDays);
        }
        let date_text = day_cube.attribute("time").unwrap_or_default();
        let date = parse_date(date_text)?;
        let as_of_unix_seconds = date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp();
        let mut rates: Vec<Rate> = Vec::new();
        let mut codes_seen: Vec<&str> = Vec::new();
        let rate_cubes = day_cube.children().filter(|node| node.is_element() && node.tag_name().name() == "Cube");
        for rate_cube in rate_cubes {
            if codes_seen.len() == MAX_CURRENCIES_PER_DAY {
                return Err(EcbError::TooManyCurrencies { date });
            }
            let code =
                rate_cube.attribute("currency").ok_or(EcbError::MissingAttribute { date, attribute: "currency" })?;
            let value = rate_cube.attribute("rate").ok_or(EcbError::MissingAttribute { date, attribute: "rate" })?;
            if codes_seen.contains(&code) {
                return Err(EcbError::DuplicateCurrency { date, code: code.to_owned() });
            }
            codes_seen.push(code);
            let bad_rate = || EcbError::BadRate { date, code: code.to_owned(), value: value.to_owned() };
            let mid = parse_rate(value).ok_or_else(bad_rate)?;
            // Lower-case or otherwise unusual codes are not the ECB's: only exact
            // upper-case ISO codes count as known.
            let currency = match Currency::parse(code) {
                Ok(currency) if currency.code() == code && currency != euro => currency,
                _ => {
                    skipped.push(SkippedRate { date, code: code.to_owned() });
                    continue;
                }
            };
            rates.push(Rate::new(euro, currency, mid, RateSource::Ecb, as_of_unix_seconds).map_err(|_| bad_rate())?);
        }
        if !dates_seen.insert(date) {
            return Err(EcbError::DuplicateDay(date));
        }
        days.push(EcbDay { date, rates });
    }
    if days.is_empty() {
        return Err(EcbError::NoRates);
    }
    days.sort_by_key(|day| std::cmp::Reverse(day.date));
    Ok(EcbRates { days, skipped })
}

fn parse_date(text: &str) -> Result<Date, EcbError> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| EcbError::BadDate(text.to_owned()))
}

/// A plain positive decimal: digits, optionally one point and more digits. Signs,
/// exponents, spaces and separators are refused before `Decimal` sees the text.
fn parse_rate(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.len() > MAX_RATE_CHARS {
        return None;
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let plain = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !plain(whole) || !plain(fraction) || (text.contains('.') && fraction.is_empty()) {
        return None;
    }
    Decimal::from_str_exact(text).ok().filter(|rate| *rate > Decimal::ZERO)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use time::macros::date;

    const DAILY: &str = include_str!("../fixtures/eurofxref-daily.xml");
    const HISTORICAL: &str = include_str!("../fixtures/eurofxref-hist-excerpt.xml");

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn envelope(cubes: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube>{cubes}</Cube>
</gesmes:Envelope>"#
        )
    }

    #[test]
    fn parses_the_daily_file() {
        let rates = parse_ecb_rates(DAILY).unwrap();
        assert_eq!(rates.days.len(), 1);
        let day = rates.latest().unwrap();
        assert_eq!(day.date, date!(2026 - 11 - 25));
        assert_eq!(day.rates.len(), 29);
        let usd = day.rates.iter().find(|rate| rate.quote() == currency("USD")).unwrap();
        assert_eq!(usd.base(), currency("EUR"));
        assert_eq!(usd.mid(), Decimal::from_str("1.0412").unwrap());
        assert_eq!(usd.source(), RateSource::Ecb);
        assert_eq!(usd.as_of_unix_seconds(), 1_795_564_800);
        let jpy = day.rates.iter().find(|rate| rate.quote() == currency("JPY")).unwrap();
        assert_eq!(jpy.mid(), Decimal::from_str("160.52").unwrap());
        assert!(rates.skipped.is_empty());
    }

    #[test]
    fn parses_many_days_newest_first_and_builds_a_table() {
        let rates = parse_ecb_rates(HISTORICAL).unwrap();
        let dates: Vec<Date> = rates.days.iter().map(|day| day.date).collect();
        assert_eq!(
            dates,
            vec![date!(2026 - 11 - 25), date!(2026 - 11 - 24), date!(2026 - 11 - 23), date!(2007 - 12 - 31)]
        );
        // The Cypriot pound and the Maltese lira, retired the next day, are skipped.
        let skipped: Vec<(Date, &str)> = rates.skipped.iter().map(|skip| (skip.date, skip.code.as_str())).collect();
        assert_eq!(skipped, vec![(date!(2007 - 12 - 31), "CYP"), (date!(2007 - 12 - 31), "MTL")]);
        let table = rates.to_table();
        assert_eq!(table.mid(currency("EUR"), currency("USD")), Ok(Decimal::from_str("1.0412").unwrap()));
        // A cross through EUR from the newest day: 160.52 / 1.0412 JPY per USD.
        let usd_jpy = table.mid(currency("USD"), currency("JPY")).unwrap();
        assert_eq!(usd_jpy.round_dp(4), Decimal::from_str("154.1683").unwrap());
    }

    #[test]
    fn malformed_documents_are_typed_errors() {
        assert!(matches!(parse_ecb_rates("<gesmes:Envelope"), Err(EcbError::Xml(_))));
        assert_eq!(parse_ecb_rates("<rates/>"), Err(EcbError::NotAnEnvelope("rates".to_owned())));
        assert_eq!(parse_ecb_rates(&envelope("")), Err(EcbError::NoRates));
        assert_eq!(
            parse_ecb_rates(&envelope(r#"<Cube time="2026-13-01"><Cube currency="USD" rate="1.1"/></Cube>"#)),
            Err(EcbError::BadDate("2026-13-01".to_owned()))
        );
        let day = date!(2026 - 11 - 25);
        assert_eq!(
            parse_ecb_rates(&envelope(r#"<Cube time="2026-11-25"><Cube currency="USD"/></Cube>"#)),
            Err(EcbError::MissingAttribute { date: day, attribute: "rate" })
        );
        assert_eq!(
            parse_ecb_rates(&envelope(r#"<Cube time="2026-11-25"><Cube rate="1.1"/></Cube>"#)),
            Err(EcbError::MissingAttribute { date: day, attribute: "currency" })
        );
        for bad in ["1,0412", "-1.1", "0", "0.0000", "1e3", " 1.1", "1.", ".5", "", "NaN"] {
            let cubes = format!(r#"<Cube time="2026-11-25"><Cube currency="USD" rate="{bad}"/></Cube>"#);
            assert_eq!(
                parse_ecb_rates(&envelope(&cubes)),
                Err(EcbError::BadRate { date: day, code: "USD".to_owned(), value: bad.to_owned() }),
                "{bad}"
            );
        }
    }

    #[test]
    fn duplicates_are_errors() {
        let twice =
            r#"<Cube time="2026-11-25"><Cube currency="USD" rate="1.1"/><Cube currency="USD" rate="1.2"/></Cube>"#;
        assert_eq!(
            parse_ecb_rates(&envelope(twice)),
            Err(EcbError::DuplicateCurrency { date: date!(2026 - 11 - 25), code: "USD".to_owned() })
        );
        let day = r#"<Cube time="2026-11-25"><Cube currency="USD" rate="1.1"/></Cube>"#;
        assert_eq!(
            parse_ecb_rates(&envelope(&format!("{day}{day}"))),
            Err(EcbError::DuplicateDay(date!(2026 - 11 - 25)))
        );
    }

    #[test]
    fn unknown_codes_are_skipped_not_fatal() {
        let cubes = r#"<Cube time="2026-11-25"><Cube currency="USD" rate="1.1"/><Cube currency="XYZ" rate="2"/><Cube currency="usd" rate="3"/></Cube>"#;
        let rates = parse_ecb_rates(&envelope(cubes)).unwrap();
        assert_eq!(rates.days[0].rates.len(), 1);
        let codes: Vec<&str> = rates.skipped.iter().map(|skipped| skipped.code.as_str()).collect();
        assert_eq!(codes, vec!["XYZ", "usd"]);
    }

    #[test]
    fn documents_with_a_dtd_or_too_large_are_refused() {
        let with_dtd =
            r#"<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><gesmes:Envelope xmlns:gesmes="g"/>"#;
        assert!(matches!(parse_ecb_rates(with_dtd), Err(EcbError::Xml(_))));
        let huge = " ".repeat(MAX_DOCUMENT_BYTES + 1);
        assert_eq!(parse_ecb_rates(&huge), Err(EcbError::TooLarge { bytes: MAX_DOCUMENT_BYTES + 1 }));
    }
}
