//! The languages Tradewind knows. The buyer-facing pages (checkout, chat widget) and
//! the assistant speak the first six (`Language::SPOKEN`); detection and translation
//! cover them all.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    English,
    Chinese,
    Spanish,
    Portuguese,
    Indonesian,
    Arabic,
    French,
    German,
    Italian,
    Dutch,
    Russian,
    Turkish,
    Japanese,
    Korean,
    Thai,
    Vietnamese,
    Malay,
    Hindi,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a supported language (expected an ISO 639-1 code such as `en`, `zh`, `es`)")]
pub struct LanguageError(pub String);

impl Language {
    pub const ALL: [Language; 18] = [
        Language::English,
        Language::Chinese,
        Language::Spanish,
        Language::Portuguese,
        Language::Indonesian,
        Language::Arabic,
        Language::French,
        Language::German,
        Language::Italian,
        Language::Dutch,
        Language::Russian,
        Language::Turkish,
        Language::Japanese,
        Language::Korean,
        Language::Thai,
        Language::Vietnamese,
        Language::Malay,
        Language::Hindi,
    ];

    /// The languages the widget, the checkout and the embedded assistant speak.
    pub const SPOKEN: [Language; 6] = [
        Language::English,
        Language::Chinese,
        Language::Spanish,
        Language::Portuguese,
        Language::Indonesian,
        Language::Arabic,
    ];

    /// The ISO 639-1 code (`zh` for Chinese, written in simplified characters).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Chinese => "zh",
            Language::Spanish => "es",
            Language::Portuguese => "pt",
            Language::Indonesian => "id",
            Language::Arabic => "ar",
            Language::French => "fr",
            Language::German => "de",
            Language::Italian => "it",
            Language::Dutch => "nl",
            Language::Russian => "ru",
            Language::Turkish => "tr",
            Language::Japanese => "ja",
            Language::Korean => "ko",
            Language::Thai => "th",
            Language::Vietnamese => "vi",
            Language::Malay => "ms",
            Language::Hindi => "hi",
        }
    }

    /// The language's name in English.
    pub fn english_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Chinese => "Chinese",
            Language::Spanish => "Spanish",
            Language::Portuguese => "Portuguese",
            Language::Indonesian => "Indonesian",
            Language::Arabic => "Arabic",
            Language::French => "French",
            Language::German => "German",
            Language::Italian => "Italian",
            Language::Dutch => "Dutch",
            Language::Russian => "Russian",
            Language::Turkish => "Turkish",
            Language::Japanese => "Japanese",
            Language::Korean => "Korean",
            Language::Thai => "Thai",
            Language::Vietnamese => "Vietnamese",
            Language::Malay => "Malay",
            Language::Hindi => "Hindi",
        }
    }

    pub fn is_right_to_left(self) -> bool {
        matches!(self, Language::Arabic)
    }

    /// Whether the widget and the embedded assistant have their own text in it.
    pub fn is_spoken(self) -> bool {
        Language::SPOKEN.contains(&self)
    }

    /// Parses `es`, `ES`, `es-MX`, `pt_BR`, `zh-Hans-CN`: the primary subtag decides.
    pub fn parse(tag: &str) -> Result<Language, LanguageError> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|language| language.code() == primary)
            .ok_or_else(|| LanguageError(tag.to_owned()))
    }

    /// The first supported language of an `Accept-Language` header, in the order the
    /// header prefers (`q` weights honoured), if any.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut candidates: Vec<(u16, usize, Language)> = header
            .split(',')
            .enumerate()
            .filter_map(|(position, part)| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|piece| piece.trim().strip_prefix("q="))
                    .map_or(1000, |q| (q.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0) * 1000.0) as u16);
                let language = Language::parse(tag).ok()?;
                (weight > 0).then_some((weight, position, language))
            })
            .collect();
        candidates.sort_by(|left, right| right.0.cmp(&left.0).then(left.1.cmp(&right.1)));
        candidates.first().map(|candidate| candidate.2)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for language in Language::ALL {
            assert_eq!(Language::parse(language.code()), Ok(language));
        }
        assert_eq!(Language::parse("pt_BR"), Ok(Language::Portuguese));
        assert_eq!(Language::parse("ZH-Hans-CN"), Ok(Language::Chinese));
        assert!(Language::parse("xx").is_err());
        assert!(Language::parse("").is_err());
    }

    #[test]
    fn accept_language_prefers_weights_then_order() {
        assert_eq!(Language::from_accept_language("es-MX,es;q=0.9,en;q=0.8"), Some(Language::Spanish));
        assert_eq!(Language::from_accept_language("xx, en;q=0.2, ar;q=0.5"), Some(Language::Arabic));
        assert_eq!(Language::from_accept_language("xx, yy"), None);
        assert_eq!(Language::from_accept_language("en;q=0"), None);
    }
}
