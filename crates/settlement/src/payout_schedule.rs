//! When automatic payouts happen: a merchant's payout schedule (`manual`, `daily`,
//! `weekly` on an anchor weekday, `monthly` on an anchor day of the month) and the days
//! it pays out. Pure: the sweep asks "is today a payout day", the forecast asks for the
//! payout days in its horizon.
//!
//! A monthly anchor past the end of a short month (31 in April, 30 in February) pays
//! out on that month's last day, as Stripe does.

use time::{Date, Duration, Weekday};

/// The largest day of the month an anchor may name.
pub const MONTHLY_ANCHOR_MAX: u8 = 31;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutSchedule {
    /// Payouts only when the merchant asks for one.
    Manual,
    Daily,
    Weekly(Weekday),
    /// The day of the month, 1 to [`MONTHLY_ANCHOR_MAX`].
    Monthly(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("unknown payout interval `{0}` (manual, daily, weekly or monthly)")]
    UnknownInterval(String),
    #[error("unknown weekday `{0}` (monday … sunday)")]
    UnknownWeekday(String),
    #[error("a monthly anchor is a day of the month, 1 to 31, not {0}")]
    MonthlyAnchorOutOfRange(i64),
}

impl PayoutSchedule {
    /// The interval's name, as the API spells it.
    pub fn interval(self) -> &'static str {
        match self {
            PayoutSchedule::Manual => "manual",
            PayoutSchedule::Daily => "daily",
            PayoutSchedule::Weekly(_) => "weekly",
            PayoutSchedule::Monthly(_) => "monthly",
        }
    }

    /// Builds a schedule from its stored or requested parts; anchors default to Monday
    /// and the 1st, and an anchor the interval does not use is ignored.
    pub fn from_parts(
        interval: &str,
        weekly_anchor: Option<&str>,
        monthly_anchor: Option<i64>,
    ) -> Result<PayoutSchedule, ScheduleError> {
        match interval {
            "manual" => Ok(PayoutSchedule::Manual),
            "daily" => Ok(PayoutSchedule::Daily),
            "weekly" => Ok(PayoutSchedule::Weekly(parse_weekday(weekly_anchor.unwrap_or("monday"))?)),
            "monthly" => {
                let anchor = monthly_anchor.unwrap_or(1);
                match u8::try_from(anchor) {
                    Ok(day) if (1..=MONTHLY_ANCHOR_MAX).contains(&day) => Ok(PayoutSchedule::Monthly(day)),
                    _ => Err(ScheduleError::MonthlyAnchorOutOfRange(anchor)),
                }
            }
            other => Err(ScheduleError::UnknownInterval(other.to_owned())),
        }
    }

    pub fn weekly_anchor(self) -> Option<&'static str> {
        match self {
            PayoutSchedule::Weekly(day) => Some(weekday_name(day)),
            _ => None,
        }
    }

    pub fn monthly_anchor(self) -> Option<u8> {
        match self {
            PayoutSchedule::Monthly(day) => Some(day),
            _ => None,
        }
    }

    /// Whether an automatic payout is due on `date`.
    pub fn pays_out_on(self, date: Date) -> bool {
        match self {
            PayoutSchedule::Manual => false,
            PayoutSchedule::Daily => true,
            PayoutSchedule::Weekly(day) => date.weekday() == day,
            PayoutSchedule::Monthly(anchor) => date.day() == anchor.min(date.month().length(date.year())),
        }
    }

    /// The payout days from `start` for `days` days (`start` included), in order.
    pub fn payout_days(self, start: Date, days: u32) -> Vec<Date> {
        (0..i64::from(days))
            .filter_map(|offset| start.checked_add(Duration::days(offset)))
            .filter(|date| self.pays_out_on(*date))
            .collect()
    }
}

pub fn parse_weekday(name: &str) -> Result<Weekday, ScheduleError> {
    let day = match name {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        other => return Err(ScheduleError::UnknownWeekday(other.to_owned())),
    };
    Ok(day)
}

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::Month;

    fn date(year: i32, month: Month, day: u8) -> Date {
        Date::from_calendar_date(year, month, day).unwrap()
    }

    #[test]
    fn parses_and_names_each_interval() {
        assert_eq!(PayoutSchedule::from_parts("manual", None, None), Ok(PayoutSchedule::Manual));
        assert_eq!(PayoutSchedule::from_parts("weekly", None, None), Ok(PayoutSchedule::Weekly(Weekday::Monday)));
        assert_eq!(PayoutSchedule::from_parts("monthly", None, Some(31)), Ok(PayoutSchedule::Monthly(31)));
        assert_eq!(
            PayoutSchedule::from_parts("monthly", None, Some(32)),
            Err(ScheduleError::MonthlyAnchorOutOfRange(32))
        );
        assert!(PayoutSchedule::from_parts("hourly", None, None).is_err());
        assert!(PayoutSchedule::from_parts("weekly", Some("funday"), None).is_err());
        let friday = PayoutSchedule::from_parts("weekly", Some("friday"), None).unwrap();
        assert_eq!((friday.interval(), friday.weekly_anchor()), ("weekly", Some("friday")));
    }

    #[test]
    fn weekly_pays_on_its_weekday_only() {
        let schedule = PayoutSchedule::Weekly(Weekday::Friday);
        // 2026-11-27 is a Friday.
        let days = schedule.payout_days(date(2026, Month::November, 23), 14);
        assert_eq!(days, vec![date(2026, Month::November, 27), date(2026, Month::December, 4)]);
    }

    #[test]
    fn monthly_anchor_rolls_back_to_the_last_day_of_short_months() {
        let schedule = PayoutSchedule::Monthly(31);
        assert!(schedule.pays_out_on(date(2026, Month::February, 28)));
        assert!(schedule.pays_out_on(date(2028, Month::February, 29)));
        assert!(!schedule.pays_out_on(date(2028, Month::February, 28)));
        assert!(schedule.pays_out_on(date(2026, Month::April, 30)));
        assert!(schedule.pays_out_on(date(2026, Month::May, 31)));
        assert!(!schedule.pays_out_on(date(2026, Month::May, 30)));
    }

    #[test]
    fn daily_pays_every_day_and_manual_never() {
        let start = date(2026, Month::December, 30);
        assert_eq!(PayoutSchedule::Daily.payout_days(start, 5).len(), 5);
        assert!(PayoutSchedule::Manual.payout_days(start, 366).is_empty());
    }
}
