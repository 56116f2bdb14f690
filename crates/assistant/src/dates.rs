//! Dates as each language writes them (`3 Nov 2026`, `3 de noviembre de 2026`,
//! `2026年11月3日`, `3 نوفمبر 2026`), in UTC, and the month names the guardrail reads back.

use time::OffsetDateTime;
use tradewind_language::Language;

pub const ENGLISH_MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const ENGLISH_MONTHS_LONG: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
pub const SPANISH_MONTHS: [&str; 12] = [
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
pub const PORTUGUESE_MONTHS: [&str; 12] = [
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
pub const INDONESIAN_MONTHS: [&str; 12] = [
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
pub const ARABIC_MONTHS: [&str; 12] =
    ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"];

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Day {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// The UTC day of a Unix time (the epoch for a time out of range).
pub fn day_of(unix_seconds: i64) -> Day {
    let moment = OffsetDateTime::from_unix_timestamp(unix_seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Day { year: moment.year(), month: u8::from(moment.month()), day: moment.day() }
}

/// A Unix time as a date in `language`.
pub fn format_date(unix_seconds: i64, language: Language) -> String {
    let Day { year, month, day } = day_of(unix_seconds);
    let index = usize::from(month.clamp(1, 12) - 1);
    match language {
        Language::Spanish => format!("{day} de {} de {year}", SPANISH_MONTHS[index]),
        Language::Portuguese => format!("{day} de {} de {year}", PORTUGUESE_MONTHS[index]),
        Language::Indonesian => format!("{day} {} {year}", INDONESIAN_MONTHS[index]),
        Language::Chinese => format!("{year}年{month}月{day}日"),
        Language::Arabic => format!("{day} {} {year}", ARABIC_MONTHS[index]),
        _ => format!("{day} {} {year}", ENGLISH_MONTHS[index]),
    }
}

/// Every folded month name (short and long English ones included) with its number, for
/// reading dates back out of an answer.
pub fn month_names() -> Vec<(String, u8)> {
    let mut names = Vec::new();
    let tables: [&[&str; 12]; 6] = [
        &ENGLISH_MONTHS,
        &ENGLISH_MONTHS_LONG,
        &SPANISH_MONTHS,
        &PORTUGUESE_MONTHS,
        &INDONESIAN_MONTHS,
        &ARABIC_MONTHS,
    ];
    for table in tables {
        for (index, name) in table.iter().enumerate() {
            names.push((crate::text::fold(name), index as u8 + 1));
        }
    }
    names
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    // 2026-11-03T10:00:00Z.
    const NOVEMBER_THIRD: i64 = 1_793_700_000;

    #[test]
    fn formats_per_language() {
        assert_eq!(format_date(NOVEMBER_THIRD, Language::English), "3 Nov 2026");
        assert_eq!(format_date(NOVEMBER_THIRD, Language::Spanish), "3 de noviembre de 2026");
        assert_eq!(format_date(NOVEMBER_THIRD, Language::Portuguese), "3 de novembro de 2026");
        assert_eq!(format_date(NOVEMBER_THIRD, Language::Indonesian), "3 November 2026");
        assert_eq!(format_date(NOVEMBER_THIRD, Language::Chinese), "2026年11月3日");
        assert_eq!(format_date(NOVEMBER_THIRD, Language::Arabic), "3 نوفمبر 2026");
        assert_eq!(day_of(NOVEMBER_THIRD), Day { year: 2026, month: 11, day: 3 });
    }
}
