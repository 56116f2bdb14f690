//! The statistical model: whatlang's embedded trigram profiles (no files, no network),
//! mapped onto Tradewind's [`Language`]s.

use crate::Language;
use whatlang::{Detector, Lang};

/// What the model says about a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ModelGuess {
    /// `None` when the model's language is not one Tradewind knows (Polish, Persian).
    pub(crate) language: Option<Language>,
    pub(crate) confidence_permille: u16,
    pub(crate) reliable: bool,
}

/// The model's best language for `text` among all it knows.
pub(crate) fn guess(text: &str) -> Option<ModelGuess> {
    whatlang::detect(text).map(ModelGuess::from)
}

/// The model's best language for `text` among `languages` only (Malay stands in for
/// nothing: the model does not know it, and its closest, Indonesian, is asked instead).
pub(crate) fn guess_among(text: &str, languages: &[Language]) -> Option<ModelGuess> {
    let mut allowed: Vec<Lang> = languages.iter().filter_map(|language| to_model(*language)).collect();
    allowed.dedup();
    if allowed.is_empty() {
        return None;
    }
    Detector::with_allowlist(allowed).detect(text).map(ModelGuess::from)
}

impl From<whatlang::Info> for ModelGuess {
    fn from(info: whatlang::Info) -> Self {
        ModelGuess {
            language: from_model(info.lang()),
            confidence_permille: permille(info.confidence()),
            reliable: info.is_reliable(),
        }
    }
}

/// A 0–1 confidence as a whole number of thousandths.
fn permille(confidence: f64) -> u16 {
    (confidence.clamp(0.0, 1.0) * 1000.0).round() as u16
}

/// The model's language as Tradewind's, if Tradewind has it.
pub(crate) fn from_model(lang: Lang) -> Option<Language> {
    Some(match lang {
        Lang::Eng => Language::English,
        Lang::Cmn => Language::Chinese,
        Lang::Spa => Language::Spanish,
        Lang::Por => Language::Portuguese,
        Lang::Ind => Language::Indonesian,
        Lang::Ara => Language::Arabic,
        Lang::Fra => Language::French,
        Lang::Deu => Language::German,
        Lang::Ita => Language::Italian,
        Lang::Nld => Language::Dutch,
        Lang::Rus => Language::Russian,
        Lang::Tur => Language::Turkish,
        Lang::Jpn => Language::Japanese,
        Lang::Kor => Language::Korean,
        Lang::Tha => Language::Thai,
        Lang::Vie => Language::Vietnamese,
        Lang::Hin => Language::Hindi,
        _ => return None,
    })
}

/// The model's language for Tradewind's; Malay, which the model lacks, asks for its
/// nearest, Indonesian.
fn to_model(language: Language) -> Option<Lang> {
    Some(match language {
        Language::English => Lang::Eng,
        Language::Chinese => Lang::Cmn,
        Language::Spanish => Lang::Spa,
        Language::Portuguese => Lang::Por,
        Language::Indonesian | Language::Malay => Lang::Ind,
        Language::Arabic => Lang::Ara,
        Language::French => Lang::Fra,
        Language::German => Lang::Deu,
        Language::Italian => Lang::Ita,
        Language::Dutch => Lang::Nld,
        Language::Russian => Lang::Rus,
        Language::Turkish => Lang::Tur,
        Language::Japanese => Lang::Jpn,
        Language::Korean => Lang::Kor,
        Language::Thai => Lang::Tha,
        Language::Vietnamese => Lang::Vie,
        Language::Hindi => Lang::Hin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_but_malay_round_trips_through_the_model() {
        for language in Language::ALL {
            let back = to_model(language).and_then(from_model);
            if language == Language::Malay {
                assert_eq!(back, Some(Language::Indonesian));
            } else {
                assert_eq!(back, Some(language));
            }
        }
    }

    #[test]
    fn unknown_languages_map_to_none() {
        assert_eq!(from_model(Lang::Pol), None);
        assert_eq!(from_model(Lang::Pes), None);
        let polish = guess("Dzień dobry, nie otrzymałem jeszcze mojego zamówienia, proszę o pomoc.");
        assert_eq!(polish.map(|guess| guess.language), Some(None));
    }

    #[test]
    fn an_allowlist_keeps_the_model_among_candidates() {
        let text = "Recebi o produto quebrado, como faço para devolver?";
        let among = guess_among(text, &[Language::Spanish, Language::Portuguese]);
        assert_eq!(among.and_then(|guess| guess.language), Some(Language::Portuguese));
    }
}
