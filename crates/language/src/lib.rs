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

mod detect;
mod language;
mod lexicon;
mod model;
mod script;
mod words;

pub use detect::{Detection, TEXT_CHARS_MAX, detect, detect_with_hint};
pub use language::{Language, LanguageError};
