//! Languages: the `Language` every other crate names, detection of a message's
//! language with an embedded model (no network), and pluggable translation.
//!
//! - `language.rs`: the languages Tradewind knows, their codes and writing direction.
//! - `detect.rs`: [`detect`] and [`detect_with_hint`], a message's language from its
//!   script, an embedded lexicon of chat words and whatlang's trigram model.
//! - `script.rs`: which writing systems a text uses.
//! - `words.rs`: a message's words as the detector compares them (folded, no URLs or
//!   order numbers).
//! - `lexicon.rs`: the common short chat words of each language.
//! - `model.rs`: whatlang's trigram model mapped onto [`Language`].
//! - `translate.rs`: [`Translator`] over the two services, [`TranslatorConfig`] from the
//!   server's flags, [`Translation`] and [`TranslateError`].
//! - `libretranslate.rs`: [`LibreTranslateClient`], `POST {base}/translate`.
//! - `openai.rs`: [`OpenAiClient`], `POST {base}/chat/completions` as a translator.
//! - `transport.rs`: one JSON POST with a timeout, a bounded answer and one retry.
//! - `secret.rs`: [`ApiKey`], which prints as `***`.
//! - `fake` (feature `fake`): local fake LibreTranslate and OpenAI servers for tests.

mod detect;
mod language;
mod lexicon;
mod model;
mod script;
mod words;

pub mod libretranslate;
pub mod openai;
pub mod secret;
pub mod translate;
pub mod transport;

#[cfg(any(test, feature = "fake"))]
pub mod fake;

pub use detect::{Detection, TEXT_CHARS_MAX, detect, detect_with_hint};
pub use language::{Language, LanguageError};
pub use libretranslate::LibreTranslateClient;
pub use openai::OpenAiClient;
pub use secret::ApiKey;
pub use translate::{
    ConfigError, PROVIDER_NONE, TranslateError, Translation, Translator, TranslatorConfig, TranslatorKind,
};
