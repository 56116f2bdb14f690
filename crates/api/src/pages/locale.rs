//! The languages the checkout speaks, and how a request picks one: an explicit
//! `?locale=` first, then the browser's `Accept-Language` by quality, else English.

/// A checkout language. Regional tags fold into their language (`pt-BR` is `Pt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Zh,
    Es,
    Pt,
    Id,
    Ar,
}

/// At most this many `Accept-Language` entries are looked at; browsers send a handful,
/// and a hostile header must not cost more than a bounded loop.
const ACCEPT_LANGUAGE_ENTRIES_MAX: usize = 32;

impl Locale {
    pub const ALL: [Locale; 6] = [Locale::En, Locale::Zh, Locale::Es, Locale::Pt, Locale::Id, Locale::Ar];

    /// Parses a BCP 47 tag by its primary language subtag, case-insensitively:
    /// `"pt-BR"` → `Pt`, `"zh-Hans-CN"` → `Zh`, `"AR"` → `Ar`. `"in"` is the
    /// withdrawn code for Indonesian that old Java-based clients still send.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?;
        let lower = primary.to_ascii_lowercase();
        match lower.as_str() {
            "en" => Some(Locale::En),
            "zh" => Some(Locale::Zh),
            "es" => Some(Locale::Es),
            "pt" => Some(Locale::Pt),
            "id" | "in" => Some(Locale::Id),
            "ar" => Some(Locale::Ar),
            _ => None,
        }
    }

    /// Picks the page language: a parseable explicit choice wins; otherwise the
    /// supported `Accept-Language` entry with the highest quality (the first one on
    /// ties, as RFC 9110 orders them); otherwise English.
    pub fn negotiate(explicit: Option<&str>, accept_language: Option<&str>) -> Locale {
        if let Some(locale) = explicit.and_then(Locale::parse) {
            return locale;
        }
        let Some(header) = accept_language else {
            return Locale::En;
        };
        let mut best: Option<(u16, Locale)> = None;
        for entry in header.split(',').take(ACCEPT_LANGUAGE_ENTRIES_MAX) {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default();
            let quality = parts.find_map(|parameter| parse_quality(parameter.trim())).unwrap_or(1000);
            if quality == 0 {
                continue;
            }
            let Some(locale) = Locale::parse(tag) else {
                continue;
            };
            if best.is_none_or(|(best_quality, _)| quality > best_quality) {
                best = Some((quality, locale));
            }
        }
        best.map_or(Locale::En, |(_, locale)| locale)
    }

    /// The tag for `<html lang>` and the API: `"en"`, `"zh"`, `"es"`, `"pt"`, `"id"`, `"ar"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Zh => "zh",
            Locale::Es => "es",
            Locale::Pt => "pt",
            Locale::Id => "id",
            Locale::Ar => "ar",
        }
    }

    /// Whether the script runs right to left (only Arabic here).
    pub fn is_rtl(self) -> bool {
        matches!(self, Locale::Ar)
    }

    /// The writing direction for `<html dir>`.
    pub fn direction(self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }
}

/// Reads `q=0.8` as thousandths (800) without floats; `None` if it is not a q-value.
fn parse_quality(parameter: &str) -> Option<u16> {
    let value = parameter.strip_prefix("q=").or_else(|| parameter.strip_prefix("Q="))?;
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_regional_tags_case_insensitively() {
        assert_eq!(Locale::parse("pt-BR"), Some(Locale::Pt));
        assert_eq!(Locale::parse("zh-CN"), Some(Locale::Zh));
        assert_eq!(Locale::parse("zh_Hant_TW"), Some(Locale::Zh));
        assert_eq!(Locale::parse("AR"), Some(Locale::Ar));
        assert_eq!(Locale::parse("es-419"), Some(Locale::Es));
        assert_eq!(Locale::parse("in"), Some(Locale::Id));
        assert_eq!(Locale::parse("fr-FR"), None);
        assert_eq!(Locale::parse(""), None);
    }

    #[test]
    fn explicit_choice_wins_when_it_parses() {
        assert_eq!(Locale::negotiate(Some("ar"), Some("pt-BR")), Locale::Ar);
        assert_eq!(Locale::negotiate(Some("klingon"), Some("pt-BR")), Locale::Pt);
        assert_eq!(Locale::negotiate(None, None), Locale::En);
    }

    #[test]
    fn accept_language_is_ordered_by_quality() {
        assert_eq!(Locale::negotiate(None, Some("fr-CH, fr;q=0.9, es;q=0.5, zh;q=0.7")), Locale::Zh);
        assert_eq!(Locale::negotiate(None, Some("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7")), Locale::Id);
        assert_eq!(Locale::negotiate(None, Some("de, ar;q=0")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("es;q=0.5, pt;q=0.5")), Locale::Es);
        assert_eq!(Locale::negotiate(None, Some("en;q=0.1, ar;q=1.0")), Locale::Ar);
        assert_eq!(Locale::negotiate(None, Some("ar;q=banana, zh;q=0.2")), Locale::Ar);
    }

    #[test]
    fn quality_values_are_parsed_without_floats() {
        assert_eq!(parse_quality("q=0.8"), Some(800));
        assert_eq!(parse_quality("q=0.125"), Some(125));
        assert_eq!(parse_quality("q=1"), Some(1000));
        assert_eq!(parse_quality("q=1.000"), Some(1000));
        assert_eq!(parse_quality("q=0"), Some(0));
        assert_eq!(parse_quality("q=1.5"), None);
        assert_eq!(parse_quality("q=0.1234"), None);
        assert_eq!(parse_quality("level=1"), None);
    }
}
