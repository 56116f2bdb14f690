//! The built-in holiday sets: the days on which a currency's settlement system is
//! closed. Rule-based holidays (fixed dates, "third Monday of January", Easter and the
//! feasts that hang on it) are computed for any year in [`RULE_YEARS`]; holidays set by
//! a lunar calendar or by decree (Singapore, Indonesia) come from a table of announced
//! dates and exist only for [`TABLE_YEARS`].
//!
//! Sources: the Federal Reserve's holiday schedule (USD), the ECB's TARGET2 closing days
//! (EUR), the UK bank holidays for England and Wales (GBP), the Brazilian national and
//! banking holidays including Carnival (BRL), the Ministry of Manpower's gazetted public
//! holidays with their Monday substitutes (SGD), and Indonesia's national holidays plus
//! the joint leave days (cuti bersama) on which banks close (IDR). The 2027 IDR dates
//! for lunar holidays are the estimates published ahead of the decree and must be
//! checked against it when it appears.

use std::ops::RangeInclusive;
use time::{Date, Duration, Month, Weekday};

/// Years for which rule-based holidays are computed: wide enough for any settlement
/// date, narrow enough that the Gregorian Easter computation is certainly right.
pub const RULE_YEARS: RangeInclusive<i32> = 1900..=2199;
/// Years covered by the announced-date tables (SGD, IDR).
pub const TABLE_YEARS: RangeInclusive<i32> = 2026..=2027;

/// The currencies with a built-in calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BuiltIn {
    Usd,
    Eur,
    Gbp,
    Brl,
    Sgd,
    Idr,
}

type Announced = (i32, u8, u8);

/// Singapore's gazetted public holidays, with the Monday after a Sunday holiday.
const SGD_ANNOUNCED: &[Announced] = &[
    (2026, 1, 1),
    (2026, 2, 17),
    (2026, 2, 18),
    (2026, 3, 21),
    (2026, 4, 3),
    (2026, 5, 1),
    (2026, 5, 27),
    (2026, 5, 31),
    (2026, 6, 1),
    (2026, 8, 9),
    (2026, 8, 10),
    (2026, 11, 8),
    (2026, 11, 9),
    (2026, 12, 25),
    (2027, 1, 1),
    (2027, 2, 6),
    (2027, 2, 7),
    (2027, 2, 8),
    (2027, 3, 10),
    (2027, 3, 26),
    (2027, 5, 1),
    (2027, 5, 17),
    (2027, 5, 20),
    (2027, 8, 9),
    (2027, 10, 28),
    (2027, 12, 25),
];

/// Indonesia's national holidays and joint leave days.
const IDR_ANNOUNCED: &[Announced] = &[
    (2026, 1, 1),
    (2026, 1, 16),
    (2026, 2, 16),
    (2026, 2, 17),
    (2026, 3, 18),
    (2026, 3, 19),
    (2026, 3, 20),
    (2026, 3, 21),
    (2026, 3, 22),
    (2026, 3, 23),
    (2026, 3, 24),
    (2026, 4, 3),
    (2026, 4, 5),
    (2026, 5, 1),
    (2026, 5, 14),
    (2026, 5, 15),
    (2026, 5, 27),
    (2026, 5, 28),
    (2026, 5, 31),
    (2026, 6, 1),
    (2026, 6, 16),
    (2026, 8, 17),
    (2026, 8, 25),
    (2026, 12, 24),
    (2026, 12, 25),
    (2027, 1, 1),
    (2027, 1, 5),
    (2027, 2, 6),
    (2027, 3, 8),
    (2027, 3, 9),
    (2027, 3, 10),
    (2027, 3, 26),
    (2027, 3, 28),
    (2027, 5, 1),
    (2027, 5, 6),
    (2027, 5, 16),
    (2027, 5, 20),
    (2027, 6, 1),
    (2027, 6, 6),
    (2027, 8, 14),
    (2027, 8, 17),
    (2027, 12, 25),
];

impl BuiltIn {
    pub(super) fn for_code(code: &str) -> Option<BuiltIn> {
        match code {
            "USD" => Some(BuiltIn::Usd),
            "EUR" => Some(BuiltIn::Eur),
            "GBP" => Some(BuiltIn::Gbp),
            "BRL" => Some(BuiltIn::Brl),
            "SGD" => Some(BuiltIn::Sgd),
            "IDR" => Some(BuiltIn::Idr),
            _ => None,
        }
    }

    /// The years this calendar knows.
    pub(super) fn years(self) -> RangeInclusive<i32> {
        match self {
            BuiltIn::Sgd | BuiltIn::Idr => TABLE_YEARS,
            BuiltIn::Usd | BuiltIn::Eur | BuiltIn::Gbp | BuiltIn::Brl => RULE_YEARS,
        }
    }

    /// The holidays of `year`; the caller has checked that the year is covered.
    pub(super) fn holidays(self, year: i32) -> Vec<Date> {
        let on = |month: Month, day: u8| Date::from_calendar_date(year, month, day).ok();
        let easter = easter_sunday(year);
        let from_easter = |days: i64| easter.and_then(|sunday| sunday.checked_add(Duration::days(days)));
        let dates: Vec<Option<Date>> = match self {
            BuiltIn::Usd => {
                let fixed = [
                    (Month::January, 1),
                    (Month::June, 19),
                    (Month::July, 4),
                    (Month::November, 11),
                    (Month::December, 25),
                ];
                let mut dates: Vec<Option<Date>> =
                    fixed.iter().map(|&(month, day)| on(month, day).map(fed_observed)).collect();
                dates.extend([
                    nth_weekday(year, Month::January, Weekday::Monday, 3),
                    nth_weekday(year, Month::February, Weekday::Monday, 3),
                    last_weekday(year, Month::May, Weekday::Monday),
                    nth_weekday(year, Month::September, Weekday::Monday, 1),
                    nth_weekday(year, Month::October, Weekday::Monday, 2),
                    nth_weekday(year, Month::November, Weekday::Thursday, 4),
                ]);
                dates
            }
            BuiltIn::Eur => vec![
                on(Month::January, 1),
                from_easter(-2),
                from_easter(1),
                on(Month::May, 1),
                on(Month::December, 25),
                on(Month::December, 26),
            ],
            BuiltIn::Gbp => {
                let mut dates = substituted(&[on(Month::January, 1)]);
                dates.extend(substituted(&[on(Month::December, 25), on(Month::December, 26)]));
                dates.extend([
                    from_easter(-2),
                    from_easter(1),
                    nth_weekday(year, Month::May, Weekday::Monday, 1),
                    last_weekday(year, Month::May, Weekday::Monday),
                    last_weekday(year, Month::August, Weekday::Monday),
                ]);
                dates
            }
            BuiltIn::Brl => {
                let fixed = [
                    (Month::January, 1),
                    (Month::April, 21),
                    (Month::May, 1),
                    (Month::September, 7),
                    (Month::October, 12),
                    (Month::November, 2),
                    (Month::November, 15),
                    (Month::November, 20),
                    (Month::December, 25),
                ];
                let mut dates: Vec<Option<Date>> = fixed.iter().map(|&(month, day)| on(month, day)).collect();
                // Carnival Monday and Tuesday, Good Friday, Corpus Christi.
                dates.extend([from_easter(-48), from_easter(-47), from_easter(-2), from_easter(60)]);
                dates
            }
            BuiltIn::Sgd => announced(SGD_ANNOUNCED, year),
            BuiltIn::Idr => announced(IDR_ANNOUNCED, year),
        };
        // Every date above exists for years in range (the tests check each calendar);
        // flattening only drops the impossible.
        let mut dates: Vec<Date> = dates.into_iter().flatten().collect();
        dates.sort_unstable();
        dates.dedup();
        dates
    }
}

fn announced(table: &[Announced], year: i32) -> Vec<Option<Date>> {
    table
        .iter()
        .filter(|(table_year, _, _)| *table_year == year)
        .map(|&(year, month, day)| {
            Month::try_from(month).ok().and_then(|month| Date::from_calendar_date(year, month, day).ok())
        })
        .collect()
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm of 1876, as given by
/// Meeus), on which Good Friday, Easter Monday, Carnival and Corpus Christi depend.
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// The `n`th given weekday of a month (n from 1).
fn nth_weekday(year: i32, month: Month, weekday: Weekday, n: u8) -> Option<Date> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let offset = (7 + weekday.number_days_from_monday() - first.weekday().number_days_from_monday()) % 7;
    Date::from_calendar_date(year, month, 1 + offset + 7 * (n - 1)).ok()
}

/// The last given weekday of a month.
fn last_weekday(year: i32, month: Month, weekday: Weekday) -> Option<Date> {
    let next_month_year = if month == Month::December { year + 1 } else { year };
    let mut day = Date::from_calendar_date(next_month_year, month.next(), 1).ok()?.previous_day()?;
    while day.weekday() != weekday {
        day = day.previous_day()?;
    }
    Some(day)
}

/// The Federal Reserve observes a Sunday holiday on the Monday after; on a Saturday
/// holiday it stays open on the Friday before, so the holiday simply falls on a day the
/// weekend already closes.
fn fed_observed(date: Date) -> Date {
    if date.weekday() == Weekday::Sunday { date.next_day().unwrap_or(date) } else { date }
}

/// UK substitute days: a holiday on a weekend gains a substitute on the next weekday
/// that is not already a holiday, in order (so Christmas on a Saturday and Boxing Day
/// on a Sunday add Monday the 27th and Tuesday the 28th). The original days stay in the
/// set, which matters only for a calendar configured with another weekend.
fn substituted(dates: &[Option<Date>]) -> Vec<Option<Date>> {
    let mut taken: Vec<Date> = dates.iter().flatten().copied().filter(|date| !is_weekend(*date)).collect();
    let mut result = dates.to_vec();
    for date in dates.iter().flatten().copied().filter(|date| is_weekend(*date)) {
        let mut substitute = date;
        // A substitute is at most a few days away: two weekend days plus the other
        // holidays of the same group.
        for _ in 0..7 {
            match substitute.next_day() {
                Some(next) => substitute = next,
                None => break,
            }
            if !is_weekend(substitute) && !taken.contains(&substitute) {
                break;
            }
        }
        taken.push(substitute);
        result.push(Some(substitute));
    }
    result
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), Some(date!(2024 - 03 - 31)));
        assert_eq!(easter_sunday(2025), Some(date!(2025 - 04 - 20)));
        assert_eq!(easter_sunday(2026), Some(date!(2026 - 04 - 05)));
        assert_eq!(easter_sunday(2027), Some(date!(2027 - 03 - 28)));
        assert_eq!(easter_sunday(2038), Some(date!(2038 - 04 - 25)));
        assert_eq!(easter_sunday(2285), Some(date!(2285 - 03 - 22)));
    }

    #[test]
    fn usd_federal_reserve_holidays() {
        let expected_2026 = [
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 19),
            date!(2026 - 02 - 16),
            date!(2026 - 05 - 25),
            date!(2026 - 06 - 19),
            // 4 July 2026 is a Saturday: the Fed stays open on Friday 3 July.
            date!(2026 - 07 - 04),
            date!(2026 - 09 - 07),
            date!(2026 - 10 - 12),
            date!(2026 - 11 - 11),
            date!(2026 - 11 - 26),
            date!(2026 - 12 - 25),
        ];
        assert_eq!(BuiltIn::Usd.holidays(2026), expected_2026);
        let holidays_2027 = BuiltIn::Usd.holidays(2027);
        // 4 July 2027 is a Sunday, observed on Monday 5 July.
        assert!(holidays_2027.contains(&date!(2027 - 07 - 05)));
        assert!(holidays_2027.contains(&date!(2027 - 11 - 25)));
        assert!(holidays_2027.contains(&date!(2027 - 05 - 31)));
    }

    #[test]
    fn eur_target2_closing_days() {
        assert_eq!(
            BuiltIn::Eur.holidays(2026),
            [
                date!(2026 - 01 - 01),
                date!(2026 - 04 - 03),
                date!(2026 - 04 - 06),
                date!(2026 - 05 - 01),
                date!(2026 - 12 - 25),
                date!(2026 - 12 - 26),
            ]
        );
        assert!(BuiltIn::Eur.holidays(2027).contains(&date!(2027 - 03 - 29)));
    }

    #[test]
    fn gbp_substitute_days() {
        let holidays_2026 = BuiltIn::Gbp.holidays(2026);
        // Boxing Day 2026 is a Saturday: Monday 28 December instead.
        assert!(holidays_2026.contains(&date!(2026 - 12 - 28)));
        assert!(holidays_2026.contains(&date!(2026 - 08 - 31)));
        let holidays_2027 = BuiltIn::Gbp.holidays(2027);
        // Christmas 2027 on a Saturday and Boxing Day on a Sunday: Monday 27, Tuesday 28.
        assert!(holidays_2027.contains(&date!(2027 - 12 - 27)));
        assert!(holidays_2027.contains(&date!(2027 - 12 - 28)));
        assert_eq!(holidays_2027.iter().filter(|date| date.month() == Month::December).count(), 4);
        // New Year 2028 is a Saturday: Monday 3 January.
        assert!(BuiltIn::Gbp.holidays(2028).contains(&date!(2028 - 01 - 03)));
    }

    #[test]
    fn brl_moveable_feasts() {
        let holidays = BuiltIn::Brl.holidays(2026);
        for expected in [date!(2026 - 02 - 16), date!(2026 - 02 - 17), date!(2026 - 04 - 03), date!(2026 - 06 - 04)] {
            assert!(holidays.contains(&expected), "{expected}");
        }
        assert_eq!(holidays.len(), 13);
    }

    #[test]
    fn announced_tables_are_valid_dates_within_their_years() {
        for table in [SGD_ANNOUNCED, IDR_ANNOUNCED] {
            for &(year, month, day) in table {
                assert!(TABLE_YEARS.contains(&year));
                let month = Month::try_from(month).unwrap();
                Date::from_calendar_date(year, month, day).unwrap();
            }
            assert!(table.windows(2).all(|pair| pair[0] < pair[1]));
        }
        assert_eq!(BuiltIn::Sgd.holidays(2026).len(), 14);
        assert!(BuiltIn::Idr.holidays(2026).contains(&date!(2026 - 03 - 24)));
    }
}
