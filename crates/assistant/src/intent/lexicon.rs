//! The cue phrases of every spoken language, compiled once into one Aho-Corasick
//! automaton and matched against a message's folded words in a single pass.
//!
//! A phrase is written folded or not (it is folded at build time) with this syntax:
//! `where is` matches whole words; `refund*` any word starting with `refund`; `*طلب*`
//! the letters anywhere (Arabic attaches pronouns and prepositions to words); Han phrases
//! always match anywhere, as Chinese has no spaces. Every language's phrases are matched
//! whatever the message's detected language: buyers mix languages and detection of short
//! messages errs, and the concepts are the same.
//!
//! Words that are one or two edits away from a lexicon word (`oder`, `tracknig`,
//! `reembolzo`) are read as that word before matching.

mod arabic;
mod chinese;
mod english;
mod indonesian;
mod portuguese;
mod spanish;

use super::{Cue, CueSet};
use crate::text::{Script, fold, words};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::{HashMap, HashSet};
use tradewind_language::Language;

/// A message is matched on at most this many characters.
pub const MESSAGE_CHARS_MAX: usize = 2_000;
/// Words shorter than this are never corrected (too many neighbours).
const CORRECTION_CHARS_MIN: usize = 5;
/// Words at least this long may be two edits away from their lexicon word.
const TWO_EDITS_CHARS_MIN: usize = 9;
/// Common words that are one edit from a lexicon word and must stay themselves.
const NEVER_CORRECTED: &[&str] = &["there", "these", "those", "other", "order", "where", "thank", "about", "check"];

/// The compiled cue phrases.
#[derive(Debug, Clone)]
pub struct Lexicon {
    automaton: AhoCorasick,
    cues: Vec<Cue>,
    /// Latin-script lexicon words by length with their language, for typo correction.
    vocabulary: HashMap<usize, Vec<(String, Language)>>,
    known: HashSet<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("the intent lexicon does not compile: {0}")]
pub struct LexiconError(#[from] aho_corasick::BuildError);

/// Every language's phrases, with their language.
fn phrases() -> impl Iterator<Item = (Language, &'static (&'static str, Cue))> {
    let tagged = |language: Language, cues: &'static [(&'static str, Cue)]| cues.iter().map(move |cue| (language, cue));
    tagged(Language::English, english::CUES)
        .chain(tagged(Language::Spanish, spanish::CUES))
        .chain(tagged(Language::Portuguese, portuguese::CUES))
        .chain(tagged(Language::Indonesian, indonesian::CUES))
        .chain(tagged(Language::Chinese, chinese::CUES))
        .chain(tagged(Language::Arabic, arabic::CUES))
}

/// The phrase's core folded and its words joined by single spaces.
fn normalise(phrase: &str) -> String {
    let folded = fold(phrase);
    words(&folded).into_iter().map(|word| word.text).collect::<Vec<_>>().join(" ")
}

impl Lexicon {
    pub fn build() -> Result<Lexicon, LexiconError> {
        let mut patterns = Vec::new();
        let mut cues = Vec::new();
        let mut vocabulary: HashMap<usize, Vec<(String, Language)>> = HashMap::new();
        let mut known = HashSet::new();
        for (language, (phrase, cue)) in phrases() {
            let open_start = phrase.starts_with('*');
            let open_end = phrase.ends_with('*');
            let core = normalise(phrase.trim_matches('*'));
            if core.is_empty() {
                continue;
            }
            let han = core.chars().any(crate::text::is_han);
            let pattern = if han {
                core.clone()
            } else {
                format!("{}{core}{}", if open_start { "" } else { " " }, if open_end { "" } else { " " })
            };
            // Sensitive words are no correction target: `count` must not become `court`.
            let correctable = !matches!(cue, Cue::Chargeback | Cue::Fraud | Cue::Legal | Cue::Complaint);
            for word in words(&core) {
                known.insert(word.text.clone());
                if correctable && word.script == Script::Spaced && word.text.chars().count() >= 3 {
                    let bucket = vocabulary.entry(word.text.chars().count()).or_default();
                    let entry = (word.text, language);
                    if !bucket.contains(&entry) {
                        bucket.push(entry);
                    }
                }
            }
            patterns.push(pattern);
            cues.push(*cue);
        }
        let automaton = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns)?;
        Ok(Lexicon { automaton, cues, vocabulary, known })
    }

    /// The cues of a message written in `language` (misspellings are corrected towards
    /// that language's words and English ones; phrases of every language match).
    pub fn cues(&self, message: &str, language: Language) -> CueSet {
        let folded = fold(crate::text::truncate_chars(message, MESSAGE_CHARS_MAX));
        let mut padded = String::with_capacity(folded.len() + 8);
        padded.push(' ');
        for word in words(&folded) {
            match self.correct(&word.text, word.script, language) {
                Some(corrected) => padded.push_str(corrected),
                None => padded.push_str(&word.text),
            }
            padded.push(' ');
        }
        let mut cues = CueSet::default();
        for found in self.automaton.find_overlapping_iter(&padded) {
            if let Some(cue) = self.cues.get(found.pattern().as_usize()) {
                cues.insert(*cue);
            }
        }
        cues
    }

    /// The lexicon word a misspelt word stands for, if exactly one is close enough.
    fn correct(&self, word: &str, script: Script, language: Language) -> Option<&str> {
        let length = word.chars().count();
        if script != Script::Spaced
            || length < CORRECTION_CHARS_MIN
            || self.known.contains(word)
            || NEVER_CORRECTED.contains(&word)
            || !word.is_ascii()
            || word.bytes().any(|byte| byte.is_ascii_digit())
        {
            return None;
        }
        let edits_max = if length >= TWO_EDITS_CHARS_MIN { 2 } else { 1 };
        let mut best: Option<(usize, &str)> = None;
        for candidate_length in length.saturating_sub(edits_max)..=length + edits_max {
            let candidates = self.vocabulary.get(&candidate_length).into_iter().flatten();
            for (candidate, _) in candidates.filter(|(_, from)| *from == language || *from == Language::English) {
                let distance = edit_distance(word, candidate, edits_max);
                if distance <= edits_max && best.is_none_or(|(best_distance, _)| distance < best_distance) {
                    best = Some((distance, candidate));
                }
            }
        }
        best.map(|(_, candidate)| candidate)
    }
}

/// Words longer than this are never corrected (and the distance rows fit on the stack).
const CORRECTION_CHARS_MAX: usize = 31;

/// Optimal string alignment distance between ASCII words (a swap of neighbours is one
/// edit), giving up past `limit` (the result is then `limit + 1`). Three rolling rows on
/// the stack: this runs for every unknown word against its length's lexicon words.
fn edit_distance(left: &str, right: &str, limit: usize) -> usize {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    if left.len().abs_diff(right.len()) > limit
        || left.len() > CORRECTION_CHARS_MAX
        || right.len() > CORRECTION_CHARS_MAX
    {
        return limit + 1;
    }
    let width = right.len() + 1;
    let mut before_previous = [0usize; CORRECTION_CHARS_MAX + 1];
    let mut previous = [0usize; CORRECTION_CHARS_MAX + 1];
    let mut current = [0usize; CORRECTION_CHARS_MAX + 1];
    for (column, cell) in previous.iter_mut().take(width).enumerate() {
        *cell = column;
    }
    for row in 1..=left.len() {
        current[0] = row;
        let mut row_minimum = row;
        for column in 1..width {
            let cost = usize::from(left[row - 1] != right[column - 1]);
            let mut value = (previous[column] + 1).min(current[column - 1] + 1).min(previous[column - 1] + cost);
            if row > 1 && column > 1 && left[row - 1] == right[column - 2] && left[row - 2] == right[column - 1] {
                value = value.min(before_previous[column - 2] + 1);
            }
            current[column] = value;
            row_minimum = row_minimum.min(value);
        }
        if row_minimum > limit {
            return limit + 1;
        }
        before_previous = previous;
        previous = current;
    }
    previous[right.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_swaps_once() {
        assert_eq!(edit_distance("tracknig", "tracking", 2), 1);
        assert_eq!(edit_distance("oder", "order", 1), 1);
        assert_eq!(edit_distance("refund", "refund", 1), 0);
        assert_eq!(edit_distance("abcdef", "uvwxyz", 2), 3);
    }

    #[test]
    fn finds_cues_across_scripts() {
        let lexicon = Lexicon::build().unwrap();
        let cues = lexicon.cues("Where's my order?", Language::English);
        assert!(cues.contains(Cue::Where) && cues.contains(Cue::Order) && cues.contains(Cue::Mine));
        assert!(lexicon.cues("我的订单到哪了", Language::Chinese).contains(Cue::Order));
        assert!(lexicon.cues("أين طلبي", Language::Arabic).contains(Cue::Where));
        assert!(lexicon.cues("أين طلبي", Language::Arabic).contains(Cue::Order));
        assert!(lexicon.cues("cadê meu pedido", Language::Portuguese).contains(Cue::Where));
        assert!(lexicon.cues("pesanan saya di mana", Language::Indonesian).contains(Cue::Where));
        assert!(lexicon.cues("i want a refnud", Language::English).contains(Cue::Refund));
    }
}
