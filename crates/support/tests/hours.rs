//! Business hours across time zones, daylight-saving changes and holidays, and the
//! sentences the widget builds from them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::civil::{Date, DateTime, Weekday, date};
use tradewind_language::Language;
use tradewind_support::hours::{INTERVALS_MAX, INTERVALS_PER_DAY_MAX, time_zone};
use tradewind_support::{BusinessHours, Interval, SupportError, describe_return, expected_reply_text};

const NEW_YORK: &str = "America/New_York";
const SHANGHAI: &str = "Asia/Shanghai";

/// Unix seconds of a civil time (`2024-03-08T18:00`) in a zone.
fn instant(zone: &str, civil: &str) -> i64 {
    let civil: DateTime = civil.parse().unwrap();
    civil.to_zoned(time_zone(zone).unwrap()).unwrap().timestamp().as_second()
}

fn weekdays(start_minute: u16, end_minute: u16) -> Vec<Interval> {
    Weekday::Monday.cycle_forward().take(5).map(|weekday| Interval { weekday, start_minute, end_minute }).collect()
}

fn new_york_nine_to_five(holidays: &[Date]) -> BusinessHours {
    BusinessHours::new(NEW_YORK, &weekdays(9 * 60, 17 * 60), holidays).unwrap()
}

#[test]
fn friday_evening_to_monday_across_the_march_change() {
    let hours = new_york_nine_to_five(&[]);
    // Clocks spring forward on Sunday 2024-03-10; Monday 09:00 is EDT (13:00Z), not 14:00Z.
    let friday_evening = instant(NEW_YORK, "2024-03-08T18:00");
    let monday_nine = instant(NEW_YORK, "2024-03-11T09:00");
    assert_eq!(monday_nine, 1_710_162_000);
    assert!(!hours.is_open(friday_evening));
    assert_eq!(hours.next_open(friday_evening), Some(monday_nine));
    assert!(!hours.is_open(monday_nine - 1));
    assert!(hours.is_open(monday_nine));
    assert_eq!(hours.open_until(monday_nine), Some(instant(NEW_YORK, "2024-03-11T17:00")));
    assert_eq!(hours.open_until(friday_evening), None);
    // Two hours of open time from Friday 16:00: one on Friday, one on Monday.
    let friday_four = instant(NEW_YORK, "2024-03-08T16:00");
    assert_eq!(hours.add_open_seconds(friday_four, 2 * 3600), Some(instant(NEW_YORK, "2024-03-11T10:00")));
}

#[test]
fn friday_evening_to_monday_across_the_november_change() {
    let hours = new_york_nine_to_five(&[]);
    // Clocks fall back on Sunday 2024-11-03; Monday 09:00 is EST (14:00Z).
    let monday_nine = instant(NEW_YORK, "2024-11-04T09:00");
    assert_eq!(monday_nine, 1_730_728_800);
    assert_eq!(hours.next_open(instant(NEW_YORK, "2024-11-01T18:00")), Some(monday_nine));
    assert_eq!(hours.next_open(instant(NEW_YORK, "2024-11-01T12:00")), Some(instant(NEW_YORK, "2024-11-01T12:00")));
}

#[test]
fn a_holiday_is_closed_all_day() {
    let hours = new_york_nine_to_five(&[date(2024, 7, 4)]);
    assert!(!hours.is_open(instant(NEW_YORK, "2024-07-04T12:00")));
    assert!(hours.is_open(instant(NEW_YORK, "2024-07-03T12:00")));
    assert_eq!(hours.next_open(instant(NEW_YORK, "2024-07-03T17:30")), Some(instant(NEW_YORK, "2024-07-05T09:00")));
    assert_eq!(hours.holidays().collect::<Vec<_>>(), vec![date(2024, 7, 4)]);
}

#[test]
fn a_shanghai_team_seen_from_new_york() {
    let hours = BusinessHours::new(SHANGHAI, &weekdays(9 * 60, 18 * 60), &[]).unwrap();
    // Friday 20:00 in Shanghai is Friday 07:00 in New York.
    let now = instant(SHANGHAI, "2024-11-08T20:00");
    let next_open = hours.next_open(now).unwrap();
    // Monday 09:00 in Shanghai is Monday 01:00Z, Sunday 20:00 in New York.
    assert_eq!(next_open, instant(SHANGHAI, "2024-11-11T09:00"));
    assert_eq!(next_open, instant(NEW_YORK, "2024-11-10T20:00"));
    assert_eq!(
        describe_return(now, next_open, NEW_YORK, Language::English),
        "We're back Sunday at 8:00 PM (your time)."
    );
    assert_eq!(
        describe_return(now, next_open, NEW_YORK, Language::Spanish),
        "Volvemos el domingo a las 20:00 (su hora)."
    );
    assert_eq!(
        describe_return(now, next_open, NEW_YORK, Language::Chinese),
        "我们将于星期日 20:00（您当地时间）回来。"
    );
    // The same instant for a buyer in Shanghai is Monday morning.
    assert_eq!(
        describe_return(now, next_open, SHANGHAI, Language::English),
        "We're back Monday at 9:00 AM (your time)."
    );
}

#[test]
fn the_return_in_all_six_languages() {
    let hours = new_york_nine_to_five(&[]);
    let now = instant(NEW_YORK, "2024-03-08T18:00");
    let next_open = hours.next_open(now).unwrap();
    let expected = [
        (Language::English, "We're back Monday at 9:00 AM (your time)."),
        (Language::Chinese, "我们将于星期一 09:00（您当地时间）回来。"),
        (Language::Spanish, "Volvemos el lunes a las 09:00 (su hora)."),
        (Language::Portuguese, "Voltamos na segunda-feira às 09:00 (seu horário)."),
        (Language::Indonesian, "Kami kembali hari Senin pukul 09.00 (waktu Anda)."),
        (Language::Arabic, "سنعود يوم الاثنين الساعة 09:00 (بتوقيتك)."),
        // Languages the widget does not speak get English.
        (Language::French, "We're back Monday at 9:00 AM (your time)."),
    ];
    for (language, sentence) in expected {
        assert_eq!(describe_return(now, next_open, NEW_YORK, language), sentence, "{language}");
    }
}

#[test]
fn today_tomorrow_and_utc_fallback() {
    let hours = new_york_nine_to_five(&[]);
    let early = instant(NEW_YORK, "2024-03-11T07:00");
    let open = hours.next_open(early).unwrap();
    assert_eq!(describe_return(early, open, NEW_YORK, Language::English), "We're back today at 9:00 AM (your time).");
    assert_eq!(describe_return(early, open, NEW_YORK, Language::Portuguese), "Voltamos hoje às 09:00 (seu horário).");
    let evening = instant(NEW_YORK, "2024-03-11T18:00");
    let open = hours.next_open(evening).unwrap();
    assert_eq!(
        describe_return(evening, open, NEW_YORK, Language::English),
        "We're back tomorrow at 9:00 AM (your time)."
    );
    assert_eq!(
        describe_return(evening, open, NEW_YORK, Language::Indonesian),
        "Kami kembali besok pukul 09.00 (waktu Anda)."
    );
    assert_eq!(describe_return(evening, open, NEW_YORK, Language::Arabic), "سنعود غدًا الساعة 09:00 (بتوقيتك).");
    // Unknown zone: UTC, and the sentence says so. 09:00 EDT is 13:00Z, and 18:00 EDT
    // (22:00Z) is still the 11th in UTC, so "tomorrow" holds there too.
    for unknown in ["", "Mars/Olympus_Mons", "not a zone"] {
        assert_eq!(describe_return(evening, open, unknown, Language::English), "We're back tomorrow at 1:00 PM (UTC).");
    }
    assert_eq!(describe_return(evening, open, "", Language::Chinese), "我们将于明天 13:00（UTC 时间）回来。");
    assert_eq!(describe_return(evening, open, "", Language::Spanish), "Volvemos mañana a las 13:00 (UTC).");
}

#[test]
fn a_return_beyond_a_week_names_the_date() {
    let closed: Vec<Date> =
        (23..=31).map(|day| date(2024, 12, day)).chain((1..=3).map(|day| date(2025, 1, day))).collect();
    let hours = new_york_nine_to_five(&closed);
    let now = instant(NEW_YORK, "2024-12-20T18:00");
    let next_open = hours.next_open(now).unwrap();
    assert_eq!(next_open, instant(NEW_YORK, "2025-01-06T09:00"));
    let expected = [
        (Language::English, "We're back Monday, January 6 at 9:00 AM (your time)."),
        (Language::Chinese, "我们将于1月6日（星期一） 09:00（您当地时间）回来。"),
        (Language::Spanish, "Volvemos el lunes 6 de enero a las 09:00 (su hora)."),
        (Language::Portuguese, "Voltamos na segunda-feira, 6 de janeiro, às 09:00 (seu horário)."),
        (Language::Indonesian, "Kami kembali hari Senin, 6 Januari pukul 09.00 (waktu Anda)."),
        (Language::Arabic, "سنعود يوم الاثنين 6 يناير الساعة 09:00 (بتوقيتك)."),
    ];
    for (language, sentence) in expected {
        assert_eq!(describe_return(now, next_open, NEW_YORK, language), sentence, "{language}");
    }
}

#[test]
fn spanish_and_portuguese_say_one_oclock_in_the_singular() {
    let hours = BusinessHours::new(NEW_YORK, &weekdays(60, 120), &[]).unwrap();
    let now = instant(NEW_YORK, "2024-03-11T00:30");
    let open = hours.next_open(now).unwrap();
    assert_eq!(describe_return(now, open, NEW_YORK, Language::Spanish), "Volvemos hoy a la 01:00 (su hora).");
    assert_eq!(describe_return(now, open, NEW_YORK, Language::Portuguese), "Voltamos hoje à 01:00 (seu horário).");
    assert_eq!(describe_return(now, open, NEW_YORK, Language::English), "We're back today at 1:00 AM (your time).");
}

#[test]
fn expected_reply_lines() {
    let hours = new_york_nine_to_five(&[]);
    let open_now = instant(NEW_YORK, "2024-03-11T10:00");
    assert_eq!(
        expected_reply_text(&hours, open_now, 290, NEW_YORK, Language::English),
        "We usually reply within 5 minutes."
    );
    assert_eq!(
        expected_reply_text(&hours, open_now, 3 * 3600, NEW_YORK, Language::Spanish),
        "Solemos responder en 3 horas."
    );
    assert_eq!(expected_reply_text(&hours, open_now, 60, NEW_YORK, Language::Chinese), "我们通常在 1 分钟内回复。");
    let friday_evening = instant(NEW_YORK, "2024-03-08T18:00");
    assert_eq!(
        expected_reply_text(&hours, friday_evening, 290, NEW_YORK, Language::English),
        "We're away right now. We'll reply when we're back Monday at 9:00 AM (your time)."
    );
    assert_eq!(
        expected_reply_text(&hours, friday_evening, 290, NEW_YORK, Language::Portuguese),
        "No momento estamos ausentes. Responderemos quando voltarmos, na segunda-feira às 09:00 (seu horário)."
    );
    let never = BusinessHours::new(NEW_YORK, &[], &[]).unwrap();
    assert_eq!(
        expected_reply_text(&never, friday_evening, 290, NEW_YORK, Language::English),
        "We're away right now. We'll reply as soon as we can."
    );
    assert_eq!(never.next_open(friday_evening), None);
}

#[test]
fn opening_inside_the_spring_gap() {
    // Open Sundays 02:30–05:00. On 2024-03-10 local time jumps from 02:00 to 03:00, so the
    // team opens at the jump (03:00 EDT, 07:00Z), already half an hour into its hours.
    let sunday = [Interval { weekday: Weekday::Sunday, start_minute: 150, end_minute: 300 }];
    let hours = BusinessHours::new(NEW_YORK, &sunday, &[]).unwrap();
    let before = instant(NEW_YORK, "2024-03-10T01:00");
    assert_eq!(hours.next_open(before), Some(1_710_054_000));
    assert!(!hours.is_open(1_710_054_000 - 1));
    assert_eq!(hours.open_until(1_710_054_000), Some(instant(NEW_YORK, "2024-03-10T05:00")));
    // Hours that fall wholly inside the gap never happen that day.
    let lost = [Interval { weekday: Weekday::Sunday, start_minute: 120, end_minute: 150 }];
    let hours = BusinessHours::new(NEW_YORK, &lost, &[]).unwrap();
    assert_eq!(hours.next_open(before), Some(instant(NEW_YORK, "2024-03-17T02:00")));
}

#[test]
fn reopening_in_the_autumn_fold() {
    // Open Sundays 00:30–01:30. On 2024-11-03 local 01:00–02:00 happens twice, so the
    // team closes at 01:30 EDT (05:30Z) and opens again when 01:00 EST begins (06:00Z).
    let sunday = [Interval { weekday: Weekday::Sunday, start_minute: 30, end_minute: 90 }];
    let hours = BusinessHours::new(NEW_YORK, &sunday, &[]).unwrap();
    let first_open = 1_730_608_200; // 00:30 EDT
    assert_eq!(hours.next_open(first_open - 600), Some(first_open));
    assert_eq!(hours.open_until(first_open), Some(1_730_611_800));
    assert_eq!(hours.next_open(1_730_611_800 + 900), Some(1_730_613_600));
    assert_eq!(hours.open_until(1_730_613_600), Some(1_730_615_400));
    // One hour of open time from 00:30 EDT: 60 minutes before the fold's first 01:30,
    // so counting ends exactly there.
    assert_eq!(hours.add_open_seconds(first_open, 3600), Some(1_730_611_800));
    // Ninety minutes: the last thirty are counted in the repeated hour.
    assert_eq!(hours.add_open_seconds(first_open, 5400), Some(1_730_615_400));
}

#[test]
fn touching_intervals_and_midnight_make_one_stretch() {
    let intervals = [
        Interval { weekday: Weekday::Monday, start_minute: 9 * 60, end_minute: 12 * 60 },
        Interval { weekday: Weekday::Monday, start_minute: 12 * 60, end_minute: 17 * 60 },
        Interval { weekday: Weekday::Monday, start_minute: 22 * 60, end_minute: 24 * 60 },
        Interval { weekday: Weekday::Tuesday, start_minute: 0, end_minute: 6 * 60 },
    ];
    let hours = BusinessHours::new("UTC", &intervals, &[]).unwrap();
    assert_eq!(hours.open_until(instant("UTC", "2024-03-11T10:00")), Some(instant("UTC", "2024-03-11T17:00")));
    assert_eq!(hours.open_until(instant("UTC", "2024-03-11T23:00")), Some(instant("UTC", "2024-03-12T06:00")));
    assert_eq!(hours.next_open(instant("UTC", "2024-03-11T18:00")), Some(instant("UTC", "2024-03-11T22:00")));
    assert_eq!(hours.intervals().len(), 4);
    assert_eq!(hours.time_zone_name(), "UTC");
}

#[test]
fn always_open_never_closes() {
    let hours = BusinessHours::always_open(SHANGHAI).unwrap();
    let now = instant(SHANGHAI, "2024-06-01T03:17");
    assert!(hours.is_open(now));
    assert_eq!(hours.next_open(now), Some(now));
    assert_eq!(hours.open_until(now), None);
    assert_eq!(hours.add_open_seconds(now, 86_400), Some(now + 86_400));
}

#[test]
fn hours_are_validated() {
    let interval = |start_minute, end_minute| Interval { weekday: Weekday::Tuesday, start_minute, end_minute };
    assert!(matches!(BusinessHours::new("Europe/Atlantis", &[], &[]), Err(SupportError::TimeZoneUnknown { .. })));
    assert!(matches!(BusinessHours::new(&"x".repeat(500), &[], &[]), Err(SupportError::TimeZoneUnknown { .. })));
    assert_eq!(
        BusinessHours::new(NEW_YORK, &[interval(600, 600)], &[]).unwrap_err(),
        SupportError::IntervalInvalid { weekday: "tuesday", start_minute: 600, end_minute: 600 }
    );
    assert!(matches!(
        BusinessHours::new(NEW_YORK, &[interval(600, 1441)], &[]),
        Err(SupportError::IntervalInvalid { .. })
    ));
    assert!(BusinessHours::new(NEW_YORK, &[interval(0, 1440)], &[]).is_ok());
    assert_eq!(
        BusinessHours::new(NEW_YORK, &[interval(600, 700), interval(540, 601)], &[]).unwrap_err(),
        SupportError::IntervalsOverlap { weekday: "tuesday" }
    );
    assert!(BusinessHours::new(NEW_YORK, &[interval(600, 700), interval(540, 600)], &[]).is_ok());
    let crowded: Vec<Interval> =
        (0..=INTERVALS_PER_DAY_MAX as u16).map(|index| interval(index * 60, index * 60 + 30)).collect();
    assert!(matches!(BusinessHours::new(NEW_YORK, &crowded, &[]), Err(SupportError::TooManyIntervalsPerDay { .. })));
    let whole_week: Vec<Interval> =
        (0..=INTERVALS_MAX as u16).map(|index| interval(index * 30, index * 30 + 15)).collect();
    assert_eq!(
        BusinessHours::new(NEW_YORK, &whole_week, &[]).unwrap_err(),
        SupportError::TooManyIntervals { intervals_max: INTERVALS_MAX }
    );
    let too_many_holidays: Vec<Date> =
        (0..367).map(|day| date(2024, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap()).collect();
    assert!(matches!(BusinessHours::new(NEW_YORK, &[], &too_many_holidays), Err(SupportError::TooManyHolidays { .. })));
}

#[test]
fn a_year_of_holidays_is_crossed() {
    // Every day of 2024 a holiday: the next opening is Wednesday 2025-01-01, 366 days on.
    let year: Vec<Date> =
        (0..366).map(|day| date(2024, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap()).collect();
    let hours = BusinessHours::new("UTC", &weekdays(540, 1020), &year).unwrap();
    let start = instant("UTC", "2024-01-01T00:00");
    assert_eq!(hours.next_open(start), Some(instant("UTC", "2025-01-01T09:00")));
    assert_eq!(hours.add_open_seconds(start, 60), Some(instant("UTC", "2025-01-01T09:01")));
    // A week with no hours at all never opens.
    let closed = BusinessHours::new("UTC", &[], &[]).unwrap();
    assert_eq!(closed.next_open(start), None);
    assert_eq!(closed.add_open_seconds(start, 60), None);
}
