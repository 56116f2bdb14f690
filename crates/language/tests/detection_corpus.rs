//! The detector against a corpus of realistic buyer chat messages
//! (`tests/corpus/detection.tsv`): at least 90% must come out right, overall and for
//! each spoken language. Run with `--nocapture` to see the figures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use tradewind_language::{Language, detect};

/// The least share of the corpus, in thousandths, that must be detected right.
const ACCURACY_MIN_PERMILLE: usize = 900;
/// Each spoken language has at least this many messages in the corpus.
const MESSAGES_PER_SPOKEN_LANGUAGE_MIN: usize = 15;

fn corpus() -> Vec<(Language, &'static str)> {
    include_str!("corpus/detection.tsv")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (code, text) = line.split_once('\t').unwrap_or_else(|| panic!("no tab in `{line}`"));
            (Language::parse(code).unwrap(), text)
        })
        .collect()
}

#[test]
fn detects_at_least_ninety_percent_of_the_corpus() {
    let corpus = corpus();
    let mut per_language: BTreeMap<Language, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for (expected, text) in &corpus {
        let found = detect(text).map(|detection| detection.language);
        let entry = per_language.entry(*expected).or_default();
        entry.1 += 1;
        if found == Some(*expected) {
            entry.0 += 1;
        } else {
            misses.push(format!("  {expected} detected as {found:?}: {text}"));
        }
    }
    let right: usize = per_language.values().map(|(right, _)| right).sum();
    println!("language detection: {right}/{} right ({:.1}%)", corpus.len(), 100.0 * right as f64 / corpus.len() as f64);
    for (language, (right, total)) in &per_language {
        println!("  {language}: {right}/{total}");
    }
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    for language in Language::SPOKEN {
        let (right, total) = per_language.get(&language).copied().unwrap_or_default();
        assert!(total >= MESSAGES_PER_SPOKEN_LANGUAGE_MIN, "{language}: only {total} messages in the corpus");
        assert!(right * 1000 >= total * ACCURACY_MIN_PERMILLE, "{language}: {right}/{total}");
    }
    assert!(right * 1000 >= corpus.len() * ACCURACY_MIN_PERMILLE, "{right}/{}", corpus.len());
}
