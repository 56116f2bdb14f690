//! A team's business hours: weekly intervals in the team's IANA time zone, and holidays
//! (whole civil days in that zone) when the team is closed.
//!
//! Hours are civil times, so a team open 09:00–17:00 in New York opens at 09:00 local
//! on both sides of a daylight-saving change. Local time moves continuously except at a
//! zone's transitions, so the team can only open at an interval's start or at a
//! transition (local time jumping into an interval), and close only at an interval's
//! end, at midnight (a holiday begins) or at a transition; [`BusinessHours::next_open`]
//! and [`BusinessHours::open_until`] look at exactly those instants, within a bounded
//! number of days.
//!
//! Time zones come from jiff's bundled copy of the IANA database, never from the
//! machine's, so every server (and every test run) computes the same hours.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone, TimeZoneDatabase};

use crate::SupportError;
use crate::name::echo;

/// Minutes in a civil day; an interval may end at this minute (midnight).
pub const MINUTES_PER_DAY: u16 = 24 * 60;
/// The most intervals on one weekday (a split shift with a lunch break needs two).
pub const INTERVALS_PER_DAY_MAX: usize = 4;
/// The most intervals in a week.
pub const INTERVALS_MAX: usize = 7 * INTERVALS_PER_DAY_MAX;
/// The most holidays a team lists.
pub const HOLIDAYS_MAX: usize = 366;
/// How many days ahead [`BusinessHours::next_open`] and [`BusinessHours::open_until`]
/// look: more than a year, so a closed fortnight around a holiday season is crossed.
pub const SEARCH_DAYS_MAX: u32 = 400;
/// The most time-zone transitions examined per search (two a year in most zones).
pub const TRANSITIONS_CHECKED_MAX: usize = 8;
/// The most open stretches [`BusinessHours::add_open_seconds`] walks through.
pub const OPEN_TIME_WALK_STEPS_MAX: usize = INTERVALS_PER_DAY_MAX * SEARCH_DAYS_MAX as usize;
/// The longest time-zone name accepted (IANA names are under 40 characters).
pub const TIME_ZONE_NAME_CHARS_MAX: usize = 64;

/// The bundled IANA database, opened once; it keeps its own cache of parsed zones.
fn database() -> &'static TimeZoneDatabase {
    static DATABASE: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DATABASE.get_or_init(TimeZoneDatabase::bundled)
}

/// Looks up an IANA time zone (`America/New_York`, `Asia/Shanghai`, `UTC`) in the
/// bundled database.
pub fn time_zone(name: &str) -> Result<TimeZone, SupportError> {
    if name.is_empty() || name.chars().count() > TIME_ZONE_NAME_CHARS_MAX {
        return Err(SupportError::TimeZoneUnknown { name: echo(name) });
    }
    database().get(name).map_err(|_| SupportError::TimeZoneUnknown { name: echo(name) })
}

/// The API's name of a weekday: `monday` … `sunday`.
pub fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// Parses `monday` … `sunday`.
pub fn parse_weekday(value: &str) -> Result<Weekday, SupportError> {
    Weekday::Monday
        .cycle_forward()
        .take(7)
        .find(|weekday| weekday_name(*weekday) == value)
        .ok_or_else(|| SupportError::WeekdayUnknown { value: echo(value) })
}

/// Parses a civil date as the API sends holidays: `2024-07-04`.
pub fn parse_date(value: &str) -> Result<Date, SupportError> {
    value.parse::<Date>().map_err(|_| SupportError::DateInvalid { value: echo(value) })
}

/// Open on `weekday` from `start_minute` (inclusive) to `end_minute` (exclusive),
/// minutes after local midnight; `end_minute` may be 1440. Hours across midnight are two
/// intervals, one on each day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub weekday: Weekday,
    pub start_minute: u16,
    pub end_minute: u16,
}

/// A team's validated business hours.
#[derive(Clone, Debug)]
pub struct BusinessHours {
    time_zone: TimeZone,
    /// Per weekday (Monday first), `(start, end)` minute pairs sorted, not overlapping.
    days: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<Date>,
}

fn day_index(weekday: Weekday) -> usize {
    // `to_monday_zero_offset` is 0..=6.
    usize::try_from(weekday.to_monday_zero_offset()).unwrap_or(0)
}

impl BusinessHours {
    /// Validates a team's hours: a known time zone; each interval starts before it ends,
    /// within the day; intervals on a day do not overlap (touching is fine); at most
    /// [`INTERVALS_PER_DAY_MAX`] a day and [`HOLIDAYS_MAX`] holidays (repeats ignored).
    pub fn new(time_zone_name: &str, intervals: &[Interval], holidays: &[Date]) -> Result<BusinessHours, SupportError> {
        let time_zone = time_zone(time_zone_name)?;
        if intervals.len() > INTERVALS_MAX {
            return Err(SupportError::TooManyIntervals { intervals_max: INTERVALS_MAX });
        }
        if holidays.len() > HOLIDAYS_MAX {
            return Err(SupportError::TooManyHolidays { holidays_max: HOLIDAYS_MAX });
        }
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for interval in intervals {
            if interval.start_minute >= interval.end_minute || interval.end_minute > MINUTES_PER_DAY {
                return Err(SupportError::IntervalInvalid {
                    weekday: weekday_name(interval.weekday),
                    start_minute: interval.start_minute,
                    end_minute: interval.end_minute,
                });
            }
            let day = &mut days[day_index(interval.weekday)];
            if day.len() >= INTERVALS_PER_DAY_MAX {
                return Err(SupportError::TooManyIntervalsPerDay {
                    weekday: weekday_name(interval.weekday),
                    intervals_max: INTERVALS_PER_DAY_MAX,
                });
            }
            day.push((interval.start_minute, interval.end_minute));
        }
        for (index, day) in days.iter_mut().enumerate() {
            day.sort_unstable();
            if day.windows(2).any(|pair| pair[1].0 < pair[0].1) {
                let weekday = Weekday::Monday.wrapping_add(i64::try_from(index).unwrap_or(0));
                return Err(SupportError::IntervalsOverlap { weekday: weekday_name(weekday) });
            }
        }
        Ok(BusinessHours { time_zone, days, holidays: holidays.iter().copied().collect() })
    }

    /// Open every minute of every day (a team without configured hours).
    pub fn always_open(time_zone_name: &str) -> Result<BusinessHours, SupportError> {
        let intervals: Vec<Interval> = Weekday::Monday
            .cycle_forward()
            .take(7)
            .map(|weekday| Interval { weekday, start_minute: 0, end_minute: MINUTES_PER_DAY })
            .collect();
        BusinessHours::new(time_zone_name, &intervals, &[])
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The IANA name of the team's zone.
    pub fn time_zone_name(&self) -> &str {
        self.time_zone.iana_name().unwrap_or("UTC")
    }

    /// The intervals, Monday first, each day's in start order.
    pub fn intervals(&self) -> Vec<Interval> {
        let mut intervals = Vec::new();
        for (weekday, day) in Weekday::Monday.cycle_forward().zip(self.days.iter()) {
            intervals.extend(day.iter().map(|&(start_minute, end_minute)| Interval {
                weekday,
                start_minute,
                end_minute,
            }));
        }
        intervals
    }

    /// The holidays, oldest first.
    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.holidays.iter().copied()
    }

    fn local(&self, at_unix: i64) -> Option<DateTime> {
        let timestamp = Timestamp::from_second(at_unix).ok()?;
        Some(self.time_zone.to_datetime(timestamp))
    }

    /// Whether the team is open at `at_unix`.
    pub fn is_open(&self, at_unix: i64) -> bool {
        let Some(local) = self.local(at_unix) else { return false };
        if self.holidays.contains(&local.date()) {
            return false;
        }
        let minute = minute_of_day(local);
        self.days[day_index(local.weekday())].iter().any(|&(start, end)| start <= minute && minute < end)
    }

    /// The next instant the team is open: `at_unix` itself when open now, `None` when it
    /// does not open within [`SEARCH_DAYS_MAX`] days (no hours, or all holidays).
    pub fn next_open(&self, at_unix: i64) -> Option<i64> {
        if self.is_open(at_unix) {
            return Some(at_unix);
        }
        let from = self.local(at_unix)?.date();
        let mut found = None;
        'days: for date in days_from(from) {
            if self.holidays.contains(&date) {
                continue;
            }
            for &(start, _) in &self.days[day_index(date.weekday())] {
                if let Some(instant) =
                    self.instants(date, start).find(|&instant| instant > at_unix && self.is_open(instant))
                {
                    found = Some(instant);
                    break 'days;
                }
            }
        }
        self.earlier_transition(at_unix, found, true)
    }

    /// When the team is open at `at_unix`, the first later instant it is closed (the end
    /// of the current stretch of open time, across touching intervals and midnight).
    /// `None` when it is closed at `at_unix`, or open for all of the next
    /// [`SEARCH_DAYS_MAX`] days.
    pub fn open_until(&self, at_unix: i64) -> Option<i64> {
        if !self.is_open(at_unix) {
            return None;
        }
        let from = self.local(at_unix)?.date();
        let mut found = None;
        'days: for date in days_from(from) {
            let ends = self.days[day_index(date.weekday())].iter().map(|&(_, end)| end);
            for minute in std::iter::once(0).chain(ends) {
                if let Some(instant) =
                    self.instants(date, minute).find(|&instant| instant > at_unix && !self.is_open(instant))
                {
                    found = Some(instant);
                    break 'days;
                }
            }
        }
        self.earlier_transition(at_unix, found, false)
    }

    /// The instant by which `seconds` of open time have passed since `start_unix`
    /// (counting starts when the team next opens). `None` when the hours do not hold
    /// that much open time within the search bounds.
    pub fn add_open_seconds(&self, start_unix: i64, seconds: i64) -> Option<i64> {
        let mut at = start_unix;
        let mut remaining = seconds.max(0);
        for _ in 0..OPEN_TIME_WALK_STEPS_MAX {
            at = self.next_open(at)?;
            match self.open_until(at) {
                None => return at.checked_add(remaining),
                Some(close) => {
                    let open_seconds = close - at;
                    if remaining <= open_seconds {
                        return Some(at + remaining);
                    }
                    remaining -= open_seconds;
                    at = close;
                }
            }
        }
        None
    }

    /// The first zone transition after `at_unix` and before `found` at which the team's
    /// state becomes `open` (a jump of local time into or out of an interval), or `found`.
    fn earlier_transition(&self, at_unix: i64, found: Option<i64>, open: bool) -> Option<i64> {
        let Ok(timestamp) = Timestamp::from_second(at_unix) else { return found };
        for transition in self.time_zone.following(timestamp).take(TRANSITIONS_CHECKED_MAX) {
            let instant = transition.timestamp().as_second();
            if found.is_some_and(|found| instant >= found) {
                break;
            }
            if self.is_open(instant) == open {
                return Some(instant);
            }
        }
        found
    }

    /// The instants at which local time reads `minute` on `date` (1440 is the next
    /// day's midnight): one normally, both in a fold, and in a gap the instant the
    /// minute would have had before the change (the transition itself is examined
    /// separately, see [`BusinessHours::earlier_transition`]).
    fn instants(&self, date: Date, minute: u16) -> impl Iterator<Item = i64> {
        let resolved = civil_time(date, minute).map(|civil| {
            let offsets = match self.time_zone.to_ambiguous_timestamp(civil).offset() {
                AmbiguousOffset::Unambiguous { offset } => [Some(offset), None],
                AmbiguousOffset::Gap { before, .. } => [Some(before), None],
                AmbiguousOffset::Fold { before, after } => [Some(before), Some(after)],
            };
            offsets.map(|offset| {
                offset.and_then(|offset| offset.to_timestamp(civil).ok()).map(|instant| instant.as_second())
            })
        });
        resolved.into_iter().flatten().flatten()
    }
}

/// The civil date-time of `minute` after midnight on `date` (1440 rolls to the next day).
fn civil_time(date: Date, minute: u16) -> Option<DateTime> {
    let (date, minute) =
        if minute >= MINUTES_PER_DAY { (date.tomorrow().ok()?, minute - MINUTES_PER_DAY) } else { (date, minute) };
    let hour = i8::try_from(minute / 60).ok()?;
    let minute = i8::try_from(minute % 60).ok()?;
    Some(date.at(hour, minute, 0, 0))
}

fn minute_of_day(local: DateTime) -> u16 {
    u16::try_from(i16::from(local.hour()) * 60 + i16::from(local.minute())).unwrap_or(0)
}

/// `from` and the days after it, at most [`SEARCH_DAYS_MAX`] in all.
fn days_from(from: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(from), |date| date.tomorrow().ok()).take(SEARCH_DAYS_MAX as usize)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    // The behaviour across zones, daylight-saving changes and holidays is tested in
    // `tests/hours.rs` through the public API; these cover the private helpers.
    use super::*;
    use jiff::civil::date;

    #[test]
    fn civil_time_rolls_midnight_to_the_next_day() {
        assert_eq!(civil_time(date(2024, 3, 8), 0), Some(date(2024, 3, 8).at(0, 0, 0, 0)));
        assert_eq!(civil_time(date(2024, 3, 8), 9 * 60 + 30), Some(date(2024, 3, 8).at(9, 30, 0, 0)));
        assert_eq!(civil_time(date(2024, 12, 31), MINUTES_PER_DAY), Some(date(2025, 1, 1).at(0, 0, 0, 0)));
    }

    #[test]
    fn dates_parse_in_iso_form() {
        assert_eq!(parse_date("2024-07-04"), Ok(date(2024, 7, 4)));
        assert!(matches!(parse_date("2024-02-30"), Err(SupportError::DateInvalid { .. })));
        assert!(matches!(parse_date("07/04/2024"), Err(SupportError::DateInvalid { .. })));
    }

    #[test]
    fn search_days_are_bounded() {
        assert_eq!(days_from(date(2024, 1, 1)).count(), SEARCH_DAYS_MAX as usize);
        assert_eq!(days_from(date(2024, 1, 1)).nth(1), Some(date(2024, 1, 2)));
    }

    #[test]
    fn weekday_names_round_trip() {
        for weekday in Weekday::Monday.cycle_forward().take(7) {
            assert_eq!(parse_weekday(weekday_name(weekday)), Ok(weekday));
        }
        assert!(matches!(parse_weekday("Monday"), Err(SupportError::WeekdayUnknown { .. })));
    }

    #[test]
    fn fold_minutes_have_two_instants_and_gap_minutes_one() {
        let hours = BusinessHours::always_open("America/New_York").unwrap();
        // 2024-11-03 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
        let fold: Vec<i64> = hours.instants(date(2024, 11, 3), 90).collect();
        assert_eq!(fold, vec![1_730_611_800, 1_730_615_400]);
        // 2024-03-10 02:30 never happens; before the change it would have been 07:30Z.
        let gap: Vec<i64> = hours.instants(date(2024, 3, 10), 150).collect();
        assert_eq!(gap, vec![1_710_055_800]);
    }
}
