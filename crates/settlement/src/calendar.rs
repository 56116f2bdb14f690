//! Business-day calendars: which days a currency's settlement system is open, adding
//! business days, and the T+N date on which captured funds become available.
//!
//! A calendar covers an explicit range of years and answers only inside it: a date
//! outside is an error, never a silent "no holidays that year", because paying out on a
//! closed day is the mistake a calendar exists to prevent.
//!
//! **T+N.** [`available_on`] takes the capture's date in **UTC** (a capture at or after
//! the optional cutoff time counts as the next UTC day), rolls that trade date forward
//! to a business day if it is not one (T+0), then counts N business days after it. So
//! with a Saturday/Sunday weekend, a Friday capture at T+2 is available on Tuesday and a
//! Saturday capture at T+2 on Wednesday.
//!
//! - `holidays`: the built-in holiday sets (USD, EUR, GBP, BRL, SGD, IDR).

mod holidays;

pub use holidays::{RULE_YEARS, TABLE_YEARS, easter_sunday};

use holidays::BuiltIn;
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use time::{Date, OffsetDateTime, Time, Weekday};
use tradewind_money::Currency;

/// The most years one calendar may span.
pub const MAX_CALENDAR_YEARS: i32 = 100;
/// The largest N in one T+N or `add_business_days` call: more than a year of business
/// days, far beyond any settlement delay.
pub const MAX_BUSINESS_DAYS_TO_ADD: u32 = 400;
/// The longest run of closed days a calendar may have. Real calendars close for at most
/// about a week (Indonesia around Eid); a longer run means misconfigured extra holidays,
/// and the bound keeps every search finite.
pub const MAX_CONSECUTIVE_NON_BUSINESS_DAYS: u32 = 31;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("no built-in calendar for {0}; build one with Calendar::weekends_only and extra holidays")]
    NoBuiltInCalendar(Currency),
    #[error("the built-in calendar for {currency} covers {known_first}..={known_last}, not {first}..={last}")]
    YearsNotCovered { currency: Currency, first: i32, last: i32, known_first: i32, known_last: i32 },
    #[error("the years {first}..={last} are empty or span more than {MAX_CALENDAR_YEARS} years")]
    BadYearRange { first: i32, last: i32 },
    #[error("{date} is outside the calendar's years {first}..={last}")]
    OutsideCalendar { date: Date, first: i32, last: i32 },
    #[error("a weekend cannot cover all seven days")]
    NoWorkingDays,
    #[error("{0} business days is more than {MAX_BUSINESS_DAYS_TO_ADD}")]
    TooManyBusinessDays(u32),
    #[error("no business day within {MAX_CONSECUTIVE_NON_BUSINESS_DAYS} days after {0}")]
    NoBusinessDayWithin(Date),
    #[error("{0} is not a representable Unix time")]
    BadTimestamp(i64),
}

/// The days of the week on which the settlement system is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekendDays {
    /// One bit per weekday, Monday = bit 0.
    mask: u8,
}

impl WeekendDays {
    pub const SATURDAY_SUNDAY: WeekendDays = WeekendDays { mask: 0b110_0000 };
    pub const FRIDAY_SATURDAY: WeekendDays = WeekendDays { mask: 0b011_0000 };

    /// Any set of weekend days that leaves at least one working day.
    pub fn new(days: &[Weekday]) -> Result<WeekendDays, CalendarError> {
        let mask = days.iter().fold(0u8, |mask, day| mask | (1 << day.number_days_from_monday()));
        if mask == 0b111_1111 {
            return Err(CalendarError::NoWorkingDays);
        }
        Ok(WeekendDays { mask })
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.mask & (1 << day.number_days_from_monday()) != 0
    }
}

/// A business-day calendar over a range of years: weekend days plus holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    weekend: WeekendDays,
    holidays: BTreeSet<Date>,
    first_year: i32,
    last_year: i32,
}

impl Calendar {
    /// The built-in calendar of `currency` for `years`, with a Saturday/Sunday weekend.
    pub fn for_currency(currency: Currency, years: RangeInclusive<i32>) -> Result<Calendar, CalendarError> {
        let built_in = BuiltIn::for_code(currency.code()).ok_or(CalendarError::NoBuiltInCalendar(currency))?;
        let mut calendar = Calendar::weekends_only(years)?;
        let known = built_in.years();
        if !known.contains(&calendar.first_year) || !known.contains(&calendar.last_year) {
            return Err(CalendarError::YearsNotCovered {
                currency,
                first: calendar.first_year,
                last: calendar.last_year,
                known_first: *known.start(),
                known_last: *known.end(),
            });
        }
        for year in calendar.first_year..=calendar.last_year {
            calendar.holidays.extend(built_in.holidays(year));
        }
        Ok(calendar)
    }

    /// A calendar with a Saturday/Sunday weekend and no holidays, for currencies without
    /// a built-in set; add their holidays with [`Calendar::with_extra_holidays`].
    pub fn weekends_only(years: RangeInclusive<i32>) -> Result<Calendar, CalendarError> {
        let (first, last) = (*years.start(), *years.end());
        if first > last || last - first >= MAX_CALENDAR_YEARS {
            return Err(CalendarError::BadYearRange { first, last });
        }
        Ok(Calendar {
            weekend: WeekendDays::SATURDAY_SUNDAY,
            holidays: BTreeSet::new(),
            first_year: first,
            last_year: last,
        })
    }

    pub fn with_weekend(self, weekend: WeekendDays) -> Calendar {
        Calendar { weekend, ..self }
    }

    /// Adds configured holidays (a local bank holiday, a one-off closure). Each must fall
    /// inside the calendar's years.
    pub fn with_extra_holidays(mut self, dates: impl IntoIterator<Item = Date>) -> Result<Calendar, CalendarError> {
        for date in dates {
            self.check_covered(date)?;
            self.holidays.insert(date);
        }
        Ok(self)
    }

    pub fn years(&self) -> RangeInclusive<i32> {
        self.first_year..=self.last_year
    }

    pub fn weekend(&self) -> WeekendDays {
        self.weekend
    }

    /// Every holiday in the calendar, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.holidays.iter().copied()
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.contains(&date)
    }

    /// Open for settlement: not a weekend day and not a holiday.
    pub fn is_business_day(&self, date: Date) -> Result<bool, CalendarError> {
        self.check_covered(date)?;
        Ok(!self.weekend.contains(date.weekday()) && !self.holidays.contains(&date))
    }

    /// `date` itself when it is a business day, else the next one.
    pub fn roll_forward(&self, date: Date) -> Result<Date, CalendarError> {
        if self.is_business_day(date)? { Ok(date) } else { self.next_business_day_after(date) }
    }

    /// The first business day strictly after `date`.
    pub fn next_business_day_after(&self, date: Date) -> Result<Date, CalendarError> {
        let mut day = date;
        for _ in 0..=MAX_CONSECUTIVE_NON_BUSINESS_DAYS {
            day = day.next_day().ok_or(CalendarError::OutsideCalendar {
                date: day,
                first: self.first_year,
                last: self.last_year,
            })?;
            if self.is_business_day(day)? {
                return Ok(day);
            }
        }
        Err(CalendarError::NoBusinessDayWithin(date))
    }

    fn check_covered(&self, date: Date) -> Result<(), CalendarError> {
        if (self.first_year..=self.last_year).contains(&date.year()) {
            Ok(())
        } else {
            Err(CalendarError::OutsideCalendar { date, first: self.first_year, last: self.last_year })
        }
    }
}

/// `business_days` business days after `date`: each step moves to the next business
/// day, so adding 0 returns `date` unchanged (even on a holiday) and adding 1 to a
/// Friday gives the Monday.
pub fn add_business_days(date: Date, business_days: u32, calendar: &Calendar) -> Result<Date, CalendarError> {
    if business_days > MAX_BUSINESS_DAYS_TO_ADD {
        return Err(CalendarError::TooManyBusinessDays(business_days));
    }
    calendar.check_covered(date)?;
    let mut day = date;
    for _ in 0..business_days {
        day = calendar.next_business_day_after(day)?;
    }
    Ok(day)
}

/// When the trading day of a capture ends, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cutoff {
    /// The whole UTC day counts: a capture at 23:59:59 UTC trades that day.
    EndOfDay,
    /// Captures at or after this UTC time trade on the next UTC day.
    At(Time),
}

/// The date funds captured at `captured_at_unix_seconds` become available with a
/// delay of `delay_business_days` (T+N); see the module documentation for the rule.
pub fn available_on(
    captured_at_unix_seconds: i64,
    delay_business_days: u32,
    calendar: &Calendar,
    cutoff: Cutoff,
) -> Result<Date, CalendarError> {
    let captured_at = OffsetDateTime::from_unix_timestamp(captured_at_unix_seconds)
        .map_err(|_| CalendarError::BadTimestamp(captured_at_unix_seconds))?;
    let mut trade_date = captured_at.date();
    if let Cutoff::At(cutoff_time) = cutoff
        && captured_at.time() >= cutoff_time
    {
        trade_date = trade_date.next_day().ok_or(CalendarError::BadTimestamp(captured_at_unix_seconds))?;
    }
    let settlement_start = calendar.roll_forward(trade_date)?;
    add_business_days(settlement_start, delay_business_days, calendar)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime, time};

    fn calendar(code: &str) -> Calendar {
        Calendar::for_currency(Currency::parse(code).unwrap(), 2026..=2027).unwrap()
    }

    fn unix(at: OffsetDateTime) -> i64 {
        at.unix_timestamp()
    }

    #[test]
    fn eur_t_plus_n_across_easter() {
        let eur = calendar("EUR");
        // Wednesday 1 April 2026; Good Friday 3 April and Easter Monday 6 April close
        // TARGET2, with the weekend between them.
        let captured = unix(datetime!(2026-04-01 12:00 UTC));
        assert_eq!(available_on(captured, 0, &eur, Cutoff::EndOfDay), Ok(date!(2026 - 04 - 01)));
        assert_eq!(available_on(captured, 1, &eur, Cutoff::EndOfDay), Ok(date!(2026 - 04 - 02)));
        assert_eq!(available_on(captured, 2, &eur, Cutoff::EndOfDay), Ok(date!(2026 - 04 - 07)));
        // 2, 7, 8, 9, 10, 13, 14 April.
        assert_eq!(available_on(captured, 7, &eur, Cutoff::EndOfDay), Ok(date!(2026 - 04 - 14)));
        // Then 15, 16, 17, 20, 21, 22, 23 April.
        assert_eq!(available_on(captured, 14, &eur, Cutoff::EndOfDay), Ok(date!(2026 - 04 - 23)));
    }

    #[test]
    fn usd_t_plus_n_across_a_weekend_and_thanksgiving() {
        let usd = calendar("USD");
        // Friday 20 November 2026; Thanksgiving is Thursday 26 November.
        let captured = unix(datetime!(2026-11-20 15:00 UTC));
        assert_eq!(available_on(captured, 2, &usd, Cutoff::EndOfDay), Ok(date!(2026 - 11 - 24)));
        // 23, 24, 25, 27, 30 November, 1, 2 December.
        assert_eq!(available_on(captured, 7, &usd, Cutoff::EndOfDay), Ok(date!(2026 - 12 - 02)));
        // Then 3, 4, 7, 8, 9, 10, 11 December.
        assert_eq!(available_on(captured, 14, &usd, Cutoff::EndOfDay), Ok(date!(2026 - 12 - 11)));
    }

    #[test]
    fn weekend_captures_and_cutoffs_start_on_the_next_business_day() {
        let usd = calendar("USD");
        // Saturday: T+0 is Monday 23 November, T+2 Wednesday 25.
        let saturday = unix(datetime!(2026-11-21 10:00 UTC));
        assert_eq!(available_on(saturday, 2, &usd, Cutoff::EndOfDay), Ok(date!(2026 - 11 - 25)));
        // Friday 23:30 UTC after a 22:00 cutoff trades Saturday, so the same.
        let late_friday = unix(datetime!(2026-11-20 23:30 UTC));
        assert_eq!(available_on(late_friday, 2, &usd, Cutoff::At(time!(22:00))), Ok(date!(2026 - 11 - 25)));
        assert_eq!(available_on(late_friday, 2, &usd, Cutoff::EndOfDay), Ok(date!(2026 - 11 - 24)));
        // Exactly at the cutoff counts as after it.
        let at_cutoff = unix(datetime!(2026-11-19 22:00 UTC));
        assert_eq!(available_on(at_cutoff, 1, &usd, Cutoff::At(time!(22:00))), Ok(date!(2026 - 11 - 23)));
    }

    #[test]
    fn add_business_days_counts_steps() {
        let gbp = calendar("GBP");
        assert_eq!(add_business_days(date!(2026 - 12 - 25), 0, &gbp), Ok(date!(2026 - 12 - 25)));
        // Christmas Friday, Boxing Day substitute Monday 28: Thursday 24 + 1 = Tuesday 29.
        assert_eq!(add_business_days(date!(2026 - 12 - 24), 1, &gbp), Ok(date!(2026 - 12 - 29)));
        assert_eq!(
            add_business_days(date!(2026 - 01 - 01), MAX_BUSINESS_DAYS_TO_ADD + 1, &gbp),
            Err(CalendarError::TooManyBusinessDays(MAX_BUSINESS_DAYS_TO_ADD + 1))
        );
    }

    #[test]
    fn dates_outside_the_years_are_errors() {
        let eur = calendar("EUR");
        assert!(matches!(eur.is_business_day(date!(2028 - 01 - 03)), Err(CalendarError::OutsideCalendar { .. })));
        // Walking off the end of the calendar is an error too.
        assert!(matches!(
            add_business_days(date!(2027 - 12 - 30), 2, &eur),
            Err(CalendarError::OutsideCalendar { .. })
        ));
        let sgd = Currency::parse("SGD").unwrap();
        assert!(matches!(Calendar::for_currency(sgd, 2026..=2028), Err(CalendarError::YearsNotCovered { .. })));
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(Calendar::for_currency(chf, 2026..=2027), Err(CalendarError::NoBuiltInCalendar(chf)));
        // A reversed range is empty, and refused rather than read as "no years".
        let reversed = RangeInclusive::new(2027, 2026);
        assert!(matches!(Calendar::weekends_only(reversed), Err(CalendarError::BadYearRange { .. })));
        assert!(matches!(Calendar::weekends_only(2000..=2100), Err(CalendarError::BadYearRange { .. })));
    }

    #[test]
    fn configurable_weekends_and_extra_holidays() {
        let friday_saturday = Calendar::weekends_only(2026..=2026).unwrap().with_weekend(WeekendDays::FRIDAY_SATURDAY);
        assert_eq!(friday_saturday.is_business_day(date!(2026 - 11 - 20)), Ok(false));
        assert_eq!(friday_saturday.is_business_day(date!(2026 - 11 - 22)), Ok(true));
        let everything = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ];
        assert_eq!(WeekendDays::new(&everything), Err(CalendarError::NoWorkingDays));
        assert_eq!(WeekendDays::new(&[Weekday::Sunday, Weekday::Saturday]), Ok(WeekendDays::SATURDAY_SUNDAY));

        let local = calendar("BRL").with_extra_holidays([date!(2026 - 01 - 25)]).unwrap();
        assert!(local.is_holiday(date!(2026 - 01 - 25)));
        assert!(matches!(
            calendar("BRL").with_extra_holidays([date!(2030 - 01 - 25)]),
            Err(CalendarError::OutsideCalendar { .. })
        ));
        // A misconfigured month of holidays stops the search instead of looping.
        let closed: Vec<Date> = (1..=31).map(|day| date!(2026 - 07 - 01).replace_day(day).unwrap()).collect();
        let shut = Calendar::weekends_only(2026..=2026).unwrap().with_extra_holidays(closed).unwrap();
        assert_eq!(
            shut.next_business_day_after(date!(2026 - 06 - 30)),
            Err(CalendarError::NoBusinessDayWithin(date!(2026 - 06 - 30)))
        );
    }

    #[test]
    fn idr_closes_for_the_whole_eid_week() {
        let idr = calendar("IDR");
        // Eid al-Fitr 2026 with its joint leave: 18 to 24 March; Tuesday 17 + 1 = Wednesday 25.
        assert_eq!(add_business_days(date!(2026 - 03 - 17), 1, &idr), Ok(date!(2026 - 03 - 25)));
        let sgd = calendar("SGD");
        // Deepavali on Sunday 8 November 2026 is observed on Monday 9.
        assert_eq!(add_business_days(date!(2026 - 11 - 06), 1, &sgd), Ok(date!(2026 - 11 - 10)));
    }

    proptest! {
        #[test]
        fn available_dates_are_business_days_after_the_capture(
            captured in 1_767_225_600i64..1_796_000_000,
            delay in 0u32..30,
            code in prop_oneof![Just("USD"), Just("EUR"), Just("GBP"), Just("BRL"), Just("SGD"), Just("IDR")],
        ) {
            let calendar = calendar(code);
            let available = available_on(captured, delay, &calendar, Cutoff::EndOfDay).unwrap();
            let captured_date = OffsetDateTime::from_unix_timestamp(captured).unwrap().date();
            prop_assert!(available >= captured_date);
            prop_assert!(calendar.is_business_day(available).unwrap());
            // Exactly `delay` business days lie after T+0 and up to the available date.
            let start = calendar.roll_forward(captured_date).unwrap();
            let mut count = 0;
            let mut day = start;
            while day < available {
                day = day.next_day().unwrap();
                if calendar.is_business_day(day).unwrap() {
                    count += 1;
                }
            }
            prop_assert_eq!(count, delay);
        }
    }
}
