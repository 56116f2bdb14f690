//! The sentences the chat widget shows about when the team answers: "We're back Monday
//! at 9:00 AM (your time)." and "We usually reply within 5 minutes." — in the buyer's
//! language (the six the widget speaks; other languages get English) and in the buyer's
//! own time zone (UTC, said so, when the widget could not tell the zone).
//!
//! The day is named relative to the buyer's "now": today, tomorrow, a weekday within the
//! week, or a weekday and date beyond it (a holiday can push the return further).

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

/// One sentence saying when the team is back, in the buyer's language and time zone.
/// `now_unix` decides "today" and "tomorrow"; `buyer_time_zone` is an IANA name (an
/// unknown or empty one falls back to UTC, and the sentence says "UTC").
pub fn describe_return(now_unix: i64, next_open_unix: i64, buyer_time_zone: &str, language: Language) -> String {
    let when = phrase_when(&when(now_unix, next_open_unix, buyer_time_zone), language);
    match language {
        Language::Chinese => format!("我们将于{when}回来。"),
        Language::Spanish => format!("Volvemos {when}."),
        Language::Portuguese => format!("Voltamos {when}."),
        Language::Indonesian => format!("Kami kembali {when}."),
        Language::Arabic => format!("سنعود {when}."),
        _ => format!("We're back {when}."),
    }
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
    if hours.is_open(now_unix) {
        let duration = phrase_duration(typical_reply_seconds, language);
        return match language {
            Language::Chinese => format!("我们通常在 {duration}内回复。"),
            Language::Spanish => format!("Solemos responder en {duration}."),
            Language::Portuguese => format!("Costumamos responder em até {duration}."),
            Language::Indonesian => format!("Kami biasanya membalas dalam {duration}."),
            Language::Arabic => format!("نرد عادةً خلال {duration}."),
            _ => format!("We usually reply within {duration}."),
        };
    }
    let Some(next_open) = hours.next_open(now_unix) else {
        return match language {
            Language::Chinese => "我们现在不在线，会尽快回复您。".to_owned(),
            Language::Spanish => "Ahora no estamos disponibles. Le responderemos lo antes posible.".to_owned(),
            Language::Portuguese => "No momento estamos ausentes. Responderemos assim que possível.".to_owned(),
            Language::Indonesian => "Kami sedang tidak aktif. Kami akan membalas secepatnya.".to_owned(),
            Language::Arabic => "نحن غير متاحين الآن، وسنرد عليك في أقرب وقت ممكن.".to_owned(),
            _ => "We're away right now. We'll reply as soon as we can.".to_owned(),
        };
    };
    let when = phrase_when(&when(now_unix, next_open, buyer_time_zone), language);
    match language {
        Language::Chinese => format!("我们现在不在线，将于{when}回来后回复您。"),
        Language::Spanish => format!("Ahora no estamos disponibles. Le responderemos cuando volvamos, {when}."),
        Language::Portuguese => format!("No momento estamos ausentes. Responderemos quando voltarmos, {when}."),
        Language::Indonesian => format!("Kami sedang tidak aktif. Kami akan membalas saat kembali {when}."),
        Language::Arabic => format!("نحن غير متاحين الآن، وسنرد عليك عند عودتنا {when}."),
        _ => format!("We're away right now. We'll reply when we're back {when}."),
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

fn phrase_when(when: &When, language: Language) -> String {
    let (hour, minute) = (when.hour, when.minute);
    let clock = format!("{hour:02}:{minute:02}");
    match language {
        Language::Chinese => {
            let zone = if when.buyer_zone { "您当地时间" } else { "UTC 时间" };
            let day = match when.day {
                Day::Today => "今天".to_owned(),
                Day::Tomorrow => "明天".to_owned(),
                Day::ThisWeek(weekday) => weekday_zh(weekday).to_owned(),
                Day::Later(date) => format!("{}月{}日（{}）", date.month(), date.day(), weekday_zh(date.weekday())),
            };
            format!("{day} {clock}（{zone}）")
        }
        Language::Spanish => {
            let zone = if when.buyer_zone { "su hora" } else { "UTC" };
            let day = match when.day {
                Day::Today => "hoy".to_owned(),
                Day::Tomorrow => "mañana".to_owned(),
                Day::ThisWeek(weekday) => format!("el {}", weekday_es(weekday)),
                Day::Later(date) => {
                    format!("el {} {} de {}", weekday_es(date.weekday()), date.day(), month_es(date.month()))
                }
            };
            let at = if hour == 1 { "a la" } else { "a las" };
            format!("{day} {at} {clock} ({zone})")
        }
        Language::Portuguese => {
            let zone = if when.buyer_zone { "seu horário" } else { "UTC" };
            let on = |weekday| if matches!(weekday, Weekday::Saturday | Weekday::Sunday) { "no" } else { "na" };
            let day = match when.day {
                Day::Today => "hoje".to_owned(),
                Day::Tomorrow => "amanhã".to_owned(),
                Day::ThisWeek(weekday) => format!("{} {}", on(weekday), weekday_pt(weekday)),
                Day::Later(date) => {
                    let weekday = date.weekday();
                    format!("{} {}, {} de {},", on(weekday), weekday_pt(weekday), date.day(), month_pt(date.month()))
                }
            };
            let at = if hour == 1 { "à" } else { "às" };
            format!("{day} {at} {clock} ({zone})")
        }
        Language::Indonesian => {
            let zone = if when.buyer_zone { "waktu Anda" } else { "UTC" };
            let day = match when.day {
                Day::Today => "hari ini".to_owned(),
                Day::Tomorrow => "besok".to_owned(),
                Day::ThisWeek(weekday) => format!("hari {}", weekday_id(weekday)),
                Day::Later(date) => {
                    format!("hari {}, {} {}", weekday_id(date.weekday()), date.day(), month_id(date.month()))
                }
            };
            format!("{day} pukul {hour:02}.{minute:02} ({zone})")
        }
        Language::Arabic => {
            let zone = if when.buyer_zone { "بتوقيتك" } else { "بتوقيت UTC" };
            let day = match when.day {
                Day::Today => "اليوم".to_owned(),
                Day::Tomorrow => "غدًا".to_owned(),
                Day::ThisWeek(weekday) => format!("يوم {}", weekday_ar(weekday)),
                Day::Later(date) => {
                    format!("يوم {} {} {}", weekday_ar(date.weekday()), date.day(), month_ar(date.month()))
                }
            };
            format!("{day} الساعة {clock} ({zone})")
        }
        _ => {
            let zone = if when.buyer_zone { "your time" } else { "UTC" };
            let day = match when.day {
                Day::Today => "today".to_owned(),
                Day::Tomorrow => "tomorrow".to_owned(),
                Day::ThisWeek(weekday) => weekday_en(weekday).to_owned(),
                Day::Later(date) => {
                    format!("{}, {} {}", weekday_en(date.weekday()), month_en(date.month()), date.day())
                }
            };
            let (hour12, meridiem) = match hour {
                0 => (12, "AM"),
                1..=11 => (hour, "AM"),
                12 => (12, "PM"),
                _ => (hour - 12, "PM"),
            };
            format!("{day} at {hour12}:{minute:02} {meridiem} ({zone})")
        }
    }
}

/// How long, rounded up: minutes below an hour, hours below a day, then days (at most
/// [`REPLY_DAYS_MAX`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Duration {
    Minutes(u32),
    Hours(u32),
    Days(u32),
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

fn phrase_duration(seconds: u32, language: Language) -> String {
    let duration = duration(seconds);
    match language {
        Language::Chinese => match duration {
            Duration::Minutes(count) => format!("{count} 分钟"),
            Duration::Hours(count) => format!("{count} 小时"),
            Duration::Days(count) => format!("{count} 天"),
        },
        Language::Spanish => match duration {
            Duration::Minutes(1) => "un minuto".to_owned(),
            Duration::Hours(1) => "una hora".to_owned(),
            Duration::Days(1) => "un día".to_owned(),
            Duration::Minutes(count) => format!("{count} minutos"),
            Duration::Hours(count) => format!("{count} horas"),
            Duration::Days(count) => format!("{count} días"),
        },
        Language::Portuguese => match duration {
            Duration::Minutes(1) => "um minuto".to_owned(),
            Duration::Hours(1) => "uma hora".to_owned(),
            Duration::Days(1) => "um dia".to_owned(),
            Duration::Minutes(count) => format!("{count} minutos"),
            Duration::Hours(count) => format!("{count} horas"),
            Duration::Days(count) => format!("{count} dias"),
        },
        Language::Indonesian => match duration {
            Duration::Minutes(count) => format!("{count} menit"),
            Duration::Hours(count) => format!("{count} jam"),
            Duration::Days(count) => format!("{count} hari"),
        },
        Language::Arabic => match duration {
            Duration::Minutes(count) => arabic_count(count, ["دقيقة", "دقيقتين", "دقائق", "دقيقة"]),
            Duration::Hours(count) => arabic_count(count, ["ساعة", "ساعتين", "ساعات", "ساعة"]),
            Duration::Days(count) => arabic_count(count, ["يوم", "يومين", "أيام", "يومًا"]),
        },
        _ => match duration {
            Duration::Minutes(1) => "a minute".to_owned(),
            Duration::Hours(1) => "an hour".to_owned(),
            Duration::Days(1) => "a day".to_owned(),
            Duration::Minutes(count) => format!("{count} minutes"),
            Duration::Hours(count) => format!("{count} hours"),
            Duration::Days(count) => format!("{count} days"),
        },
    }
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

fn weekday_en(weekday: Weekday) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][monday_index(weekday)]
}

fn weekday_es(weekday: Weekday) -> &'static str {
    ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"][monday_index(weekday)]
}

fn weekday_pt(weekday: Weekday) -> &'static str {
    ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"]
        [monday_index(weekday)]
}

fn weekday_id(weekday: Weekday) -> &'static str {
    ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"][monday_index(weekday)]
}

fn weekday_zh(weekday: Weekday) -> &'static str {
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][monday_index(weekday)]
}

fn weekday_ar(weekday: Weekday) -> &'static str {
    ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"][monday_index(weekday)]
}

fn month_en(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
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
    ];
    NAMES[month_index(month)]
}

fn month_es(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
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
    ];
    NAMES[month_index(month)]
}

fn month_pt(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
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
    ];
    NAMES[month_index(month)]
}

fn month_id(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
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
    ];
    NAMES[month_index(month)]
}

fn month_ar(month: i8) -> &'static str {
    const NAMES: [&str; 12] =
        ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"];
    NAMES[month_index(month)]
}

fn monday_index(weekday: Weekday) -> usize {
    usize::try_from(weekday.to_monday_zero_offset()).unwrap_or(0)
}

/// jiff months are 1..=12.
fn month_index(month: i8) -> usize {
    usize::try_from(month - 1).unwrap_or(0).min(11)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

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
        assert_eq!(phrase_duration(60, Language::Arabic), "دقيقة");
        assert_eq!(phrase_duration(120, Language::Arabic), "دقيقتين");
        assert_eq!(phrase_duration(5 * 60, Language::Arabic), "5 دقائق");
        assert_eq!(phrase_duration(15 * 60, Language::Arabic), "15 دقيقة");
        assert_eq!(phrase_duration(3 * 86_400, Language::Arabic), "3 أيام");
    }

    #[test]
    fn durations_in_every_spoken_language() {
        assert_eq!(phrase_duration(300, Language::English), "5 minutes");
        assert_eq!(phrase_duration(3600, Language::English), "an hour");
        assert_eq!(phrase_duration(7200, Language::Spanish), "2 horas");
        assert_eq!(phrase_duration(60, Language::Portuguese), "um minuto");
        assert_eq!(phrase_duration(2 * 86_400, Language::Indonesian), "2 hari");
        assert_eq!(phrase_duration(300, Language::Chinese), "5 分钟");
        assert_eq!(phrase_duration(300, Language::French), "5 minutes");
    }

    #[test]
    fn months_and_weekdays_are_indexed_from_one_and_monday() {
        assert_eq!(month_en(1), "January");
        assert_eq!(month_es(12), "diciembre");
        assert_eq!(weekday_pt(Weekday::Sunday), "domingo");
        assert_eq!(weekday_zh(Weekday::Monday), "星期一");
    }
}
