//! Languages: the `Language` every other crate names, detection of a message's
//! language with an embedded model (no network), and pluggable translation.
//!
//! - `language.rs`: the languages Tradewind knows, their codes and writing direction.

mod language;

pub use language::{Language, LanguageError};
