//! The sentences the chat widget shows about when the team answers: "We're back Monday
//! at 9:00 AM (your time)." and "We usually reply within 5 minutes." — in the buyer's
//! language (the six the widget speaks; other languages get English) and in the buyer's
//! own time zone (UTC, said so, when the widget could not tell the zone).
//!
//! The day is named relative to the buyer's "now": today, tomorrow, a weekday within the
//! week, or a weekday and date beyond it (a holiday can push the return further). Each
//! language's words and word order live in one `Words` table.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use tradewind_language::Language;

use crate::hours::{BusinessHours, time_zone};

/// The longest reply time phrased in days; longer typical reply times are said as this.
pub const REPLY_DAYS_MAX: u32 = 30;

/// How a day is named relative to the buyer's today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Day {
    Today,
    Tomorrow,
    /// Within the coming week: the weekday alone is unambiguous.
    ThisWeek(Weekday),
    /// A week or more away: weekday and date.
    Later(Date),
}

/// When the team is back, as the buyer reads it.
#[derive(Clone, Copy, Debug)]
struct When {
    day: Day,
    hour: i8,
    minute: i8,
    /// `false` when the buyer's zone is unknown and the time is in UTC.
    buyer_zone: bool,
}

/// How long, rounded up: minutes below an hour, hours below a day, then days (at most
/// [`REPLY_DAYS_MAX`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Duration {
    Minutes(u32),
    Hours(u32),
    Days(u32),
}

/// One language's words for the widget's time sentences.
struct Words {
    today: &'static str,
    tomorrow: &'static str,
    /// Monday first.
    weekdays: [&'static str; 7],
    /// January first.
    months: [&'static str; 12],
    your_time: &'static str,
    utc: &'static str,
    /// A day within the coming week, from its name: `el lunes`, `na segunda-feira`.
    this_week: fn(&str, Weekday) -> String,
    /// A day a week or more away, from weekday name, day of month and month name.
    later: fn(&str, i8, &str, Weekday) -> String,
    /// The day, hour, minute and zone put together: `el lunes a las 09:00 (su hora)`.
    at: fn(&str, i8, i8, &str) -> String,
    /// "We're back {when}."
    back: fn(&str) -> String,
    /// "We usually reply within {duration}."
    reply_within: fn(&str) -> String,
    /// "We're away right now. We'll reply when we're back {when}."
    away_until: fn(&str) -> String,
    /// Away with no opening in sight.
    away: &'static str,
    /// A duration in this language's counting words.
    duration: fn(Duration) -> String,
}

static ENGLISH: Words = Words {
    today: "today",
    tomorrow: "tomorrow",
    weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    your_time: "your time",
    utc: "UTC",
    this_week: |weekday, _| weekday.to_owned(),
    later: |weekday, day, month, _| format!("{weekday}, {month} {day}"),
    at: |day, hour, minute, zone| {
        let (hour12, meridiem) = match hour {
            0 => (12, "AM"),
            1..=11 => (hour, "AM"),
            12 => (12, "PM"),
            _ => (hour - 12, "PM"),
        };
        format!("{day} at {hour12}:{minute:02} {meridiem} ({zone})")
    },
    back: |when| format!("We're back {when}."),
    reply_within: |duration| format!("We usually reply within {duration}."),
    away_until: |when| format!("We're away right now. We'll reply when we're back {when}."),
    away: "We're away right now. We'll reply as soon as we can.",
    duration: |duration| match duration {
        Duration::Minutes(1) => "a minute".to_owned(),
        Duration::Hours(1) => "an hour".to_owned(),
        Duration::Days(1) => "a day".to_owned(),
        Duration::Minutes(count) => format!("{count} minutes"),
        Duration::Hours(count) => format!("{count} hours"),
        Duration::Days(count) => format!("{count} days"),
    },
};

static CHINESE: Words = Words {
    today: "今天",
    tomorrow: "明天",
    weekdays: ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"],
    months: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
    your_time: "您当地时间",
    utc: "UTC 时间",
    this_week: |weekday, _| weekday.to_owned(),
    later: |weekday, day, month, _| format!("{month}月{day}日（{weekday}）"),
    at: |day, hour, minute, zone| format!("{day} {hour:02}:{minute:02}（{zone}）"),
    back: |when| format!("我们将于{when}回来。"),
    reply_within: |duration| format!("我们通常在 {duration}内回复。"),
    away_until: |when| format!("我们现在不在线，将于{when}回来后回复您。"),
    away: "我们现在不在线，会尽快回复您。",
    duration: |duration| match duration {
        Duration::Minutes(count) => format!("{count} 分钟"),
        Duration::Hours(count) => format!("{count} 小时"),
        Duration::Days(count) => format!("{count} 天"),
    },
};

static SPANISH: Words = Words {
    today: "hoy",
    tomorrow: "mañana",
    weekdays: ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    your_time: "su hora",
    utc: "UTC",
    this_week: |weekday, _| format!("el {weekday}"),
    later: |weekday, day, month, _| format!("el {weekday} {day} de {month}"),
    // One o'clock is singular: "a la 01:00".
    at: |day, hour, minute, zone| {
        format!("{day} {} {hour:02}:{minute:02} ({zone})", if hour == 1 { "a la" } else { "a las" })
    },
    back: |when| format!("Volvemos {when}."),
    reply_within: |duration| format!("Solemos responder en {duration}."),
    away_until: |when| format!("Ahora no estamos disponibles. Le responderemos cuando volvamos, {when}."),
    away: "Ahora no estamos disponibles. Le responderemos lo antes posible.",
    duration: |duration| match duration {
        Duration::Minutes(1) => "un minuto".to_owned(),
        Duration::Hours(1) => "una hora".to_owned(),
        Duration::Days(1) => "un día".to_owned(),
        Duration::Minutes(count) => format!("{count} minutos"),
        Duration::Hours(count) => format!("{count} horas"),
        Duration::Days(count) => format!("{count} días"),
    },
};

/// Portuguese weekdays take "no" (sábado, domingo) or "na" (the "-feira" days).
fn portuguese_on(weekday: Weekday) -> &'static str {
    if matches!(weekday, Weekday::Saturday | Weekday::Sunday) { "no" } else { "na" }
}

static PORTUGUESE: Words = Words {
    today: "hoje",
    tomorrow: "amanhã",
    weekdays: ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"],
    months: [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    your_time: "seu horário",
    utc: "UTC",
    this_week: |name, weekday| format!("{} {name}", portuguese_on(weekday)),
    later: |name, day, month, weekday| format!("{} {name}, {day} de {month},", portuguese_on(weekday)),
    // One o'clock is singular: "à 01:00".
    at: |day, hour, minute, zone| {
        format!("{day} {} {hour:02}:{minute:02} ({zone})", if hour == 1 { "à" } else { "às" })
    },
    back: |when| format!("Voltamos {when}."),
    reply_within: |duration| format!("Costumamos responder em até {duration}."),
    away_until: |when| format!("No momento estamos ausentes. Responderemos quando voltarmos, {when}."),
    away: "No momento estamos ausentes. Responderemos assim que possível.",
    duration: |duration| match duration {
        Duration::Minutes(1) => "um minuto".to_owned(),
        Duration::Hours(1) => "uma hora".to_owned(),
        Duration::Days(1) => "um dia".to_owned(),
        Duration::Minutes(count) => format!("{count} minutos"),
        Duration::Hours(count) => format!("{count} horas"),
        Duration::Days(count) => format!("{count} dias"),
    },
};

static INDONESIAN: Words = Words {
    today: "hari ini",
    tomorrow: "besok",
    weekdays: ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
    months: [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    your_time: "waktu Anda",
    utc: "UTC",
    this_week: |weekday, _| format!("hari {weekday}"),
    later: |weekday, day, month, _| format!("hari {weekday}, {day} {month}"),
    // Indonesian writes the time with a dot: 09.00.
    at: |day, hour, minute, zone| format!("{day} pukul {hour:02}.{minute:02} ({zone})"),
    back: |when| format!("Kami kembali {when}."),
    reply_within: |duration| format!("Kami biasanya membalas dalam {duration}."),
    away_until: |when| format!("Kami sedang tidak aktif. Kami akan membalas saat kembali {when}."),
    away: "Kami sedang tidak aktif. Kami akan membalas secepatnya.",
    duration: |duration| match duration {
        Duration::Minutes(count) => format!("{count} menit"),
        Duration::Hours(count) => format!("{count} jam"),
        Duration::Days(count) => format!("{count} hari"),
    },
};

static ARABIC: Words = Words {
    today: "اليوم",
    tomorrow: "غدًا",
    weekdays: ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
    months: [
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "مايو",
        "يونيو",
        "يوليو",
        "أغسطس",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ],
    your_time: "بتوقيتك",
    utc: "بتوقيت UTC",
    this_week: |weekday, _| format!("يوم {weekday}"),
    later: |weekday, day, month, _| format!("يوم {weekday} {day} {month}"),
    at: |day, hour, minute, zone| format!("{day} الساعة {hour:02}:{minute:02} ({zone})"),
    back: |when| format!("سنعود {when}."),
    reply_within: |duration| format!("نرد عادةً خلال {duration}."),
    away_until: |when| format!("نحن غير متاحين الآن، وسنرد عليك عند عودتنا {when}."),
    away: "نحن غير متاحين الآن، وسنرد عليك في أقرب وقت ممكن.",
    duration: |duration| match duration {
        Duration::Minutes(count) => arabic_count(count, ["دقيقة", "دقيقتين", "دقائق", "دقيقة"]),
        Duration::Hours(count) => arabic_count(count, ["ساعة", "ساعتين", "ساعات", "ساعة"]),
        Duration::Days(count) => arabic_count(count, ["يوم", "يومين", "أيام", "يومًا"]),
    },
};

/// The table for a language; languages the widget does not speak get English.
fn words(language: Language) -> &'static Words {
    match language {
        Language::Chinese => &CHINESE,
        Language::Spanish => &SPANISH,
        Language::Portuguese => &PORTUGUESE,
        Language::Indonesian => &INDONESIAN,
        Language::Arabic => &ARABIC,
        _ => &ENGLISH,
    }
}

/// One sentence saying when the team is back, in the buyer's language and time zone.
/// `now_unix` decides "today" and "tomorrow"; `buyer_time_zone` is an IANA name (an
/// unknown or empty one falls back to UTC, and the sentence says "UTC").
pub fn describe_return(now_unix: i64, next_open_unix: i64, buyer_time_zone: &str, language: Language) -> String {
    let words = words(language);
    (words.back)(&phrase_when(&when(now_unix, next_open_unix, buyer_time_zone), words))
}

/// The widget's line under the chat header. Open now: how long a reply usually takes
/// (`typical_reply_seconds`, rounded up to minutes, hours or days). Closed: that the team
/// replies when it is back, and when that is (see [`describe_return`]); with no opening
/// in sight, that it replies as soon as it can.
pub fn expected_reply_text(
    hours: &BusinessHours,
    now_unix: i64,
    typical_reply_seconds: u32,
    buyer_time_zone: &str,
    language: Language,
) -> String {
    let words = words(language);
    if hours.is_open(now_unix) {
        return (words.reply_within)(&(words.duration)(duration(typical_reply_seconds)));
    }
    match hours.next_open(now_unix) {
        Some(next_open) => (words.away_until)(&phrase_when(&when(now_unix, next_open, buyer_time_zone), words)),
        None => words.away.to_owned(),
    }
}

fn when(now_unix: i64, at_unix: i64, buyer_time_zone: &str) -> When {
    let (zone, buyer_zone) = match time_zone(buyer_time_zone) {
        Ok(zone) => (zone, true),
        Err(_) => (TimeZone::UTC, false),
    };
    let local = |unix: i64| zone.to_datetime(Timestamp::from_second(unix).unwrap_or(Timestamp::UNIX_EPOCH));
    let (now, at) = (local(now_unix), local(at_unix));
    let days_ahead = at.date().since(now.date()).map_or(0, |span| span.get_days());
    let day = match days_ahead {
        ..=0 => Day::Today,
        1 => Day::Tomorrow,
        2..=6 => Day::ThisWeek(at.weekday()),
        _ => Day::Later(at.date()),
    };
    When { day, hour: at.hour(), minute: at.minute(), buyer_zone }
}

fn phrase_when(when: &When, words: &Words) -> String {
    let weekday_name = |weekday: Weekday| words.weekdays[usize::try_from(weekday.to_monday_zero_offset()).unwrap_or(0)];
    let day = match when.day {
        Day::Today => words.today.to_owned(),
        Day::Tomorrow => words.tomorrow.to_owned(),
        Day::ThisWeek(weekday) => (words.this_week)(weekday_name(weekday), weekday),
        Day::Later(date) => {
            // jiff months are 1..=12.
            let month = words.months[usize::try_from(date.month() - 1).unwrap_or(0).min(11)];
            (words.later)(weekday_name(date.weekday()), date.day(), month, date.weekday())
        }
    };
    let zone = if when.buyer_zone { words.your_time } else { words.utc };
    (words.at)(&day, when.hour, when.minute, zone)
}

fn duration(seconds: u32) -> Duration {
    let minutes = seconds.div_ceil(60).max(1);
    if minutes < 60 {
        return Duration::Minutes(minutes);
    }
    let hours = seconds.div_ceil(60 * 60);
    if hours < 24 {
        return Duration::Hours(hours);
    }
    Duration::Days(seconds.div_ceil(24 * 60 * 60).min(REPLY_DAYS_MAX))
}

/// Arabic counted nouns: the singular for one, the dual for two, the plural for three to
/// ten, and the singular accusative after eleven and more.
fn arabic_count(count: u32, [one, two, few, many]: [&str; 4]) -> String {
    match count {
        1 => one.to_owned(),
        2 => two.to_owned(),
        3..=10 => format!("{count} {few}"),
        _ => format!("{count} {many}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn phrase(seconds: u32, language: Language) -> String {
        (words(language).duration)(duration(seconds))
    }

    #[test]
    fn durations_round_up_to_the_largest_sensible_unit() {
        assert_eq!(duration(0), Duration::Minutes(1));
        assert_eq!(duration(59), Duration::Minutes(1));
        assert_eq!(duration(61), Duration::Minutes(2));
        assert_eq!(duration(59 * 60), Duration::Minutes(59));
        assert_eq!(duration(59 * 60 + 1), Duration::Hours(1));
        assert_eq!(duration(3 * 3600 + 1), Duration::Hours(4));
        assert_eq!(duration(24 * 3600), Duration::Days(1));
        assert_eq!(duration(u32::MAX), Duration::Days(REPLY_DAYS_MAX));
    }

    #[test]
    fn arabic_counts_follow_number_agreement() {
        assert_eq!(phrase(60, Language::Arabic), "دقيقة");
        assert_eq!(phrase(120, Language::Arabic), "دقيقتين");
        assert_eq!(phrase(5 * 60, Language::Arabic), "5 دقائق");
        assert_eq!(phrase(15 * 60, Language::Arabic), "15 دقيقة");
        assert_eq!(phrase(3 * 86_400, Language::Arabic), "3 أيام");
    }

    #[test]
    fn durations_in_every_spoken_language() {
        assert_eq!(phrase(300, Language::English), "5 minutes");
        assert_eq!(phrase(3600, Language::English), "an hour");
        assert_eq!(phrase(7200, Language::Spanish), "2 horas");
        assert_eq!(phrase(60, Language::Portuguese), "um minuto");
        assert_eq!(phrase(2 * 86_400, Language::Indonesian), "2 hari");
        assert_eq!(phrase(300, Language::Chinese), "5 分钟");
        assert_eq!(phrase(300, Language::French), "5 minutes");
    }

    #[test]
    fn months_and_weekdays_are_indexed_from_one_and_monday() {
        let when = |day| When { day, hour: 13, minute: 5, buyer_zone: true };
        assert_eq!(
            phrase_when(&when(Day::Later(jiff::civil::date(2025, 1, 5))), &ENGLISH),
            "Sunday, January 5 at 1:05 PM (your time)"
        );
        assert_eq!(
            phrase_when(&when(Day::Later(jiff::civil::date(2025, 12, 1))), &SPANISH),
            "el lunes 1 de diciembre a las 13:05 (su hora)"
        );
        assert_eq!(
            phrase_when(&when(Day::ThisWeek(Weekday::Sunday)), &PORTUGUESE),
            "no domingo às 13:05 (seu horário)"
        );
        assert_eq!(phrase_when(&when(Day::ThisWeek(Weekday::Monday)), &CHINESE), "星期一 13:05（您当地时间）");
    }

    #[test]
    fn midnight_and_noon_in_twelve_hour_english() {
        let at = |hour| phrase_when(&When { day: Day::Today, hour, minute: 0, buyer_zone: false }, &ENGLISH);
        assert_eq!(at(0), "today at 12:00 AM (UTC)");
        assert_eq!(at(12), "today at 12:00 PM (UTC)");
        assert_eq!(at(23), "today at 11:00 PM (UTC)");
    }
}
