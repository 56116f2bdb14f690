//! São Paulo time and Brazilian business days, for when the sandbox bank confirms a
//! paid voucher.

use time::macros::{offset, time};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// The bank reports the day's compensated payments at opening time.
const CONFIRMATION_TIME: Time = time!(09:00);
/// More non-business days than this in a row never happen (a holiday next to a
/// weekend makes three); the bound keeps the search finite.
const MAX_NON_BUSINESS_DAYS_IN_A_ROW: usize = 10;

/// National holidays on a fixed date, as (month, day). Moveable feasts (Carnival,
/// Good Friday, Corpus Christi) are not modelled by the sandbox.
const FIXED_HOLIDAYS: &[(Month, u8)] = &[
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

/// São Paulo's offset from UTC. Brazil abolished daylight saving time in 2019, so the
/// offset is always -03:00.
pub fn sao_paulo_offset() -> UtcOffset {
    offset!(-3)
}

/// When the sandbox bank confirms a voucher paid at `paid_at`: the next business day
/// after the São Paulo date of the payment, at 09:00 São Paulo time. Business days
/// are Monday to Friday except the fixed-date national holidays.
pub fn confirmation_time(paid_at: OffsetDateTime) -> OffsetDateTime {
    let paid_on = paid_at.checked_to_offset(sao_paulo_offset()).unwrap_or(paid_at).date();
    let mut day = paid_on;
    for _ in 0..=MAX_NON_BUSINESS_DAYS_IN_A_ROW {
        match day.next_day() {
            Some(next) => day = next,
            // The end of the calendar: nothing later exists to confirm on.
            None => break,
        }
        if is_business_day(day) {
            break;
        }
    }
    PrimitiveDateTime::new(day, CONFIRMATION_TIME).assume_offset(sao_paulo_offset())
}

/// Monday to Friday, and not a fixed-date national holiday.
pub fn is_business_day(date: Date) -> bool {
    let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
    let holiday = FIXED_HOLIDAYS.iter().any(|&(month, day)| date.month() == month && date.day() == day);
    !weekend && !holiday
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::{date, datetime};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn confirmation_is_the_next_business_day_at_nine_in_sao_paulo() {
        // Friday afternoon: confirmed Monday.
        assert_eq!(confirmation_time(datetime!(2025-03-07 15:00 -3)), datetime!(2025-03-10 09:00 -3));
        // Tuesday: confirmed Wednesday, even when paid before nine.
        assert_eq!(confirmation_time(datetime!(2025-03-11 07:00 -3)), datetime!(2025-03-12 09:00 -3));
        // Sunday 23:00 in São Paulo is Monday in UTC; the São Paulo date counts.
        assert_eq!(confirmation_time(datetime!(2025-03-10 02:00 UTC)), datetime!(2025-03-10 12:00 UTC));
        // Black Consciousness Day (Thursday 20 November 2025).
        assert_eq!(confirmation_time(datetime!(2025-11-19 12:00 -3)), datetime!(2025-11-21 09:00 -3));
        // Christmas on a Thursday, then the weekend after Friday.
        assert_eq!(confirmation_time(datetime!(2025-12-24 12:00 -3)), datetime!(2025-12-26 09:00 -3));
        assert_eq!(confirmation_time(datetime!(2025-12-26 12:00 -3)), datetime!(2025-12-29 09:00 -3));
        // New Year's Eve to 2 January; Tiradentes on a Monday pushes to Tuesday.
        assert_eq!(confirmation_time(datetime!(2025-12-31 12:00 -3)), datetime!(2026-01-02 09:00 -3));
        assert_eq!(confirmation_time(datetime!(2025-04-18 12:00 -3)), datetime!(2025-04-22 09:00 -3));
    }

    #[test]
    fn every_fixed_holiday_is_skipped() -> TestResult {
        for &(month, day) in FIXED_HOLIDAYS {
            let holiday = Date::from_calendar_date(2031, month, day)?;
            assert!(!is_business_day(holiday), "{holiday}");
        }
        assert!(is_business_day(date!(2031 - 04 - 22)));
        Ok(())
    }

    #[test]
    fn sao_paulo_has_no_daylight_saving() {
        assert_eq!(sao_paulo_offset().whole_hours(), -3);
        assert_eq!(sao_paulo_offset().minutes_past_hour(), 0);
    }

    proptest! {
        #[test]
        fn confirmation_lands_on_a_business_morning(unix_seconds in 0i64..4_000_000_000) {
            let paid_at = OffsetDateTime::from_unix_timestamp(unix_seconds)
                .map_err(|error| TestCaseError::fail(error.to_string()))?;
            let confirmed = confirmation_time(paid_at);
            prop_assert!(confirmed > paid_at);
            prop_assert!(is_business_day(confirmed.date()));
            prop_assert_eq!(confirmed.time(), CONFIRMATION_TIME);
            prop_assert!(confirmed - paid_at < Duration::days(6));
        }
    }
}
