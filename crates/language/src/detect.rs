//! The language of a chat message, found on this machine: the writing system first
//! (Han, kana, Hangul, Arabic, Thai, Devanagari and Cyrillic name their language), then
//! for Latin text the embedded lexicon of common chat words for short messages and the
//! trigram model for longer ones, with the lexicon settling the close pairs the model
//! confuses (Spanish and Portuguese, Indonesian and Malay).
//!
//! [`detect_with_hint`] takes the conversation's language so far: a message that names
//! no language (`ok`, `1001`, 👍) or fits several equally (`no`, `terima kasih`) keeps
//! it, while a message that clearly is another language (`hola` in an English
//! conversation) does not.

use crate::Language;
use crate::lexicon::LexiconScores;
use crate::model::{self, ModelGuess};
use crate::script::{Script, ScriptCounts};
use crate::words::{without_neutral_chunks, words};

/// The most characters of a message the detector reads: the start of a long message
/// says which language it is as well as the whole.
pub const TEXT_CHARS_MAX: usize = 1_000;
/// A message of at most this many words is short: the lexicon decides it, as the model
/// needs more text to be sure.
const SHORT_WORDS_MAX: usize = 5;
/// The share of a text's (weighted) letters its main non-Latin script must have for the
/// script's language to be reliable.
const SCRIPT_SHARE_RELIABLE_PERMILLE: u32 = 600;
/// Within one script (Arabic and Persian, Russian and Ukrainian), the model is asked
/// only from this many words on; before that the script's main language is assumed.
const SCRIPT_MODEL_WORDS_MIN: usize = 6;
/// The lexicon's decision is reliable from this confidence on.
const LEXICON_RELIABLE_PERMILLE: u32 = 500;
/// On a long text the lexicon overrules the model within a confusable pair (Spanish and
/// Portuguese) when it favours the other language by at least this many words.
const LEXICON_OVERRULE_WORDS_MIN: u32 = 2;
/// The pairs of languages the model confuses on chat-length text.
const CONFUSABLE: [(Language, Language); 2] =
    [(Language::Spanish, Language::Portuguese), (Language::Indonesian, Language::Malay)];

/// A message's language, how sure the detector is, and whether that is sure enough to
/// act on (switch the conversation's language, translate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    pub language: Language,
    /// 0–1000.
    pub confidence_permille: u16,
    pub reliable: bool,
}

/// The language of `text`, or `None` when it names none Tradewind knows (digits and
/// emoji only, or a language outside [`Language::ALL`]).
pub fn detect(text: &str) -> Option<Detection> {
    detect_with_hint(text, None)
}

/// The language of `text` in a conversation whose language so far is `hint`: the
/// hint is kept when the text is ambiguous (no words that name a language, or words
/// several languages share with the hint among them) and given up when the text is
/// clearly in another language. A detection that comes from the hint alone is not
/// `reliable`.
pub fn detect_with_hint(text: &str, hint: Option<Language>) -> Option<Detection> {
    let text = bounded(text);
    let scripts = ScriptCounts::of(text);
    let outcome = match scripts.dominant() {
        None => Outcome::open_to_any(None),
        Some((Script::Latin, _)) => latin(text),
        Some((script, weight)) => by_script(text, script, weight, &scripts),
    };
    outcome.resolve(hint)
}

/// The first [`TEXT_CHARS_MAX`] characters of `text`.
fn bounded(text: &str) -> &str {
    match text.char_indices().nth(TEXT_CHARS_MAX) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// What the text says before the hint is heard.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    guess: Option<Detection>,
    open_to: OpenTo,
}

/// Which hints may replace the guess.
#[derive(Clone, Debug, PartialEq, Eq)]
enum OpenTo {
    /// None: the text is clearly in the guessed language, or in one Tradewind lacks.
    Nothing,
    /// Any hint, when the guess is missing or unreliable: the text names no language.
    Any,
    /// These languages fit the text equally well.
    Languages(Vec<Language>),
}

impl Outcome {
    /// The text's own answer: final when reliable, open to a hint when not.
    fn decided(detection: Detection) -> Outcome {
        let open_to = if detection.reliable { OpenTo::Nothing } else { OpenTo::Any };
        Outcome { guess: Some(detection), open_to }
    }

    fn open_to_any(guess: Option<Detection>) -> Outcome {
        Outcome { guess, open_to: OpenTo::Any }
    }

    fn unsupported() -> Outcome {
        Outcome { guess: None, open_to: OpenTo::Nothing }
    }

    fn resolve(self, hint: Option<Language>) -> Option<Detection> {
        let Some(hint) = hint else { return self.guess };
        let guess_is_weak = self.guess.is_none_or(|guess| !guess.reliable);
        let hint_fits = match &self.open_to {
            OpenTo::Nothing => false,
            OpenTo::Any => guess_is_weak,
            OpenTo::Languages(languages) => languages.contains(&hint),
        };
        if !hint_fits {
            return self.guess;
        }
        match self.guess {
            Some(guess) if guess.language == hint => Some(guess),
            // A sure guess that Japanese shares (Han characters alone) keeps its
            // confidence under the hint; a weak one gives way to it entirely.
            Some(guess) if guess.reliable => Some(Detection { language: hint, ..guess }),
            _ => Some(Detection { language: hint, confidence_permille: 0, reliable: false }),
        }
    }
}

/// Text mostly in one non-Latin script.
fn by_script(text: &str, script: Script, weight: u32, scripts: &ScriptCounts) -> Outcome {
    let share_permille = weight * 1000 / scripts.weighted_total().max(1);
    let language = match script {
        Script::Han if scripts.letters(Script::Kana) > 0 => Language::Japanese,
        Script::Han | Script::Kana => Language::Chinese,
        Script::Hangul => Language::Korean,
        Script::Arabic => Language::Arabic,
        Script::Thai => Language::Thai,
        Script::Devanagari => Language::Hindi,
        Script::Cyrillic => Language::Russian,
        Script::Latin | Script::Other => return Outcome::unsupported(),
    };
    let shared_script = matches!(script, Script::Arabic | Script::Cyrillic | Script::Devanagari);
    if shared_script && words(text).len() >= SCRIPT_MODEL_WORDS_MIN {
        let clean = without_neutral_chunks(text);
        if let Some(ModelGuess { language: None, reliable: true, .. }) = model::guess(&clean) {
            return Outcome::unsupported();
        }
    }
    let detection = Detection {
        language,
        confidence_permille: u16::try_from(share_permille.min(1000)).unwrap_or(1000),
        reliable: share_permille >= SCRIPT_SHARE_RELIABLE_PERMILLE,
    };
    // Japanese also writes with Han characters alone (`返金`), so in a Japanese
    // conversation a kana-less message stays Japanese.
    match language {
        Language::Chinese if detection.reliable => {
            Outcome { guess: Some(detection), open_to: OpenTo::Languages(vec![Language::Chinese, Language::Japanese]) }
        }
        _ => Outcome::decided(detection),
    }
}

/// Latin text: lexicon for short or unclear text, model for the rest.
fn latin(text: &str) -> Outcome {
    let words = words(text);
    let lexicon = LexiconScores::of(&words, text);
    if lexicon.counted_words == 0 {
        return Outcome::open_to_any(None);
    }
    let clean = without_neutral_chunks(text);
    let short = words.len() <= SHORT_WORDS_MAX;
    let (top, leaders) = lexicon.leaders();
    let model = model::guess_among(&clean, &Language::ALL);
    if !short && lexicon.known_words * 2 < lexicon.counted_words {
        // Mostly unknown words and the unrestricted model sure of a language Tradewind
        // lacks: Polish, Czech, Tagalog.
        if let Some(ModelGuess { language: None, reliable: true, .. }) = model::guess(&clean) {
            return Outcome::unsupported();
        }
    }
    let model_is_sure = model.is_some_and(|guess| guess.reliable && guess.language.is_some());
    if top > 0 && (short || !model_is_sure) {
        return by_lexicon(&clean, &lexicon, top, leaders);
    }
    let Some(ModelGuess { language: Some(language), confidence_permille, reliable }) = model else {
        return Outcome::open_to_any(None);
    };
    let guess = Detection { language, confidence_permille, reliable };
    match overruled(language, &lexicon) {
        Some(other) => Outcome::decided(Detection { language: other, ..guess }),
        None => Outcome::decided(guess),
    }
}

/// The lexicon's answer: its single leader, or among tied leaders the model's choice
/// (the first in [`Language::ALL`] order when the model has none), open to a hint
/// among them.
fn by_lexicon(clean: &str, lexicon: &LexiconScores, top: u32, leaders: Vec<Language>) -> Outcome {
    if let [leader] = leaders.as_slice() {
        let margin = top - lexicon.best_other_than(*leader);
        let confidence_permille = 1000 * margin / top * lexicon.known_words / lexicon.counted_words.max(1);
        return Outcome::decided(Detection {
            language: *leader,
            confidence_permille: u16::try_from(confidence_permille.min(1000)).unwrap_or(1000),
            reliable: confidence_permille >= LEXICON_RELIABLE_PERMILLE,
        });
    }
    let chosen = model::guess_among(clean, &leaders)
        .and_then(|guess| guess.language)
        .filter(|language| leaders.contains(language))
        .or_else(|| leaders.first().copied());
    let guess = chosen.map(|language| Detection { language, confidence_permille: 0, reliable: false });
    Outcome { guess, open_to: OpenTo::Languages(leaders) }
}

/// The other language of a confusable pair, when the lexicon clearly prefers it to the
/// model's choice.
fn overruled(language: Language, lexicon: &LexiconScores) -> Option<Language> {
    CONFUSABLE.iter().find_map(|(first, second)| {
        let other = match language {
            language if language == *first => *second,
            language if language == *second => *first,
            _ => return None,
        };
        (lexicon.of_language(other) >= lexicon.of_language(language) + LEXICON_OVERRULE_WORDS_MIN).then_some(other)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn language(text: &str) -> Option<Language> {
        detect(text).map(|detection| detection.language)
    }

    #[test]
    fn scripts_name_their_languages() {
        assert_eq!(language("我的订单在哪里？"), Some(Language::Chinese));
        assert_eq!(language("注文した商品はまだ届いていません"), Some(Language::Japanese));
        assert_eq!(language("주문한 상품이 아직 안 왔어요"), Some(Language::Korean));
        assert_eq!(language("أين طلبي؟"), Some(Language::Arabic));
        assert_eq!(language("สวัสดีครับ"), Some(Language::Thai));
        assert_eq!(language("मेरा ऑर्डर कहाँ है"), Some(Language::Hindi));
        assert_eq!(language("Где мой заказ?"), Some(Language::Russian));
        assert_eq!(language("Γεια σας"), None);
    }

    #[test]
    fn short_chat_messages() {
        assert_eq!(language("hola"), Some(Language::Spanish));
        assert_eq!(language("oi"), Some(Language::Portuguese));
        assert_eq!(language("terima kasih"), Some(Language::Indonesian));
        assert_eq!(language("where is my order?"), Some(Language::English));
        assert_eq!(language("obrigado!"), Some(Language::Portuguese));
        assert_eq!(language("¿y mi pedido?"), Some(Language::Spanish));
    }

    #[test]
    fn text_without_words_names_no_language() {
        assert_eq!(detect("1001"), None);
        assert_eq!(detect("👍👍"), None);
        assert_eq!(detect("ok"), None);
        assert_eq!(detect(""), None);
    }

    #[test]
    fn the_hint_keeps_ambiguous_messages() {
        for text in ["ok", "1001", "👍", "TW-1001 ok", "haha"] {
            let detection = detect_with_hint(text, Some(Language::Portuguese));
            assert_eq!(detection.map(|detection| detection.language), Some(Language::Portuguese), "{text}");
            assert_eq!(detection.map(|detection| detection.reliable), Some(false), "{text}");
        }
        assert_eq!(detect_with_hint("terima kasih", Some(Language::Malay)).map(|d| d.language), Some(Language::Malay));
        assert_eq!(detect_with_hint("no", Some(Language::Spanish)).map(|d| d.language), Some(Language::Spanish));
        assert_eq!(detect_with_hint("no", Some(Language::English)).map(|d| d.language), Some(Language::English));
        assert_eq!(detect_with_hint("返金", Some(Language::Japanese)).map(|d| d.language), Some(Language::Japanese));
    }

    #[test]
    fn the_hint_gives_way_to_a_clear_language() {
        let detection = detect_with_hint("hola, ¿dónde está mi pedido?", Some(Language::English));
        assert_eq!(detection.map(|d| (d.language, d.reliable)), Some((Language::Spanish, true)));
        assert_eq!(
            detect_with_hint("obrigado", Some(Language::Spanish)).map(|d| d.language),
            Some(Language::Portuguese)
        );
        assert_eq!(detect_with_hint("谢谢", Some(Language::English)).map(|d| d.language), Some(Language::Chinese));
        // One Spanish word among unknown ones is weak evidence: the conversation's
        // language stays.
        let weak = detect_with_hint("hola xqzt bvrk", Some(Language::English));
        assert_eq!(weak.map(|d| (d.language, d.reliable)), Some((Language::English, false)));
    }

    #[test]
    fn long_texts_are_cut() {
        let text = format!("{}{}", "hola ".repeat(TEXT_CHARS_MAX), "x".repeat(10));
        assert_eq!(bounded(&text).chars().count(), TEXT_CHARS_MAX);
        assert_eq!(language(&text), Some(Language::Spanish));
        assert_eq!(bounded("ñandú"), "ñandú");
    }

    #[test]
    fn malay_is_told_from_indonesian() {
        assert_eq!(language("saya nak tahu bila barang sampai"), Some(Language::Malay));
        assert_eq!(language("kak, barangnya belum sampai nih"), Some(Language::Indonesian));
    }

    proptest! {
        #[test]
        fn any_text_gets_a_bounded_answer(text in "\\PC{0,300}") {
            if let Some(detection) = detect(&text) {
                prop_assert!(detection.confidence_permille <= 1000);
            }
        }

        #[test]
        fn text_without_letters_keeps_the_hint(text in "[0-9 #.,!?+\\-]{0,40}") {
            let detection = detect_with_hint(&text, Some(Language::Indonesian));
            prop_assert_eq!(detection, Some(Detection { language: Language::Indonesian, confidence_permille: 0, reliable: false }));
            prop_assert_eq!(detect(&text), None);
        }
    }
}
