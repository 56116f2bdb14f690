//! The detector against corpora of realistic buyer chat messages: `detection.tsv`
//! (written with the lexicon) and `detection_holdout.tsv` (written after it, never used
//! to tune it). At least 90% of each must come out right, overall and for each spoken
//! language. Run with `--nocapture` to see the figures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use tradewind_language::{Language, detect};

/// The least share of the corpus, in thousandths, that must be detected right.
const ACCURACY_MIN_PERMILLE: usize = 900;
/// Each spoken language has at least this many messages in the corpus.
const MESSAGES_PER_SPOKEN_LANGUAGE_MIN: usize = 15;
/// Each spoken language has at least this many held-out messages (too few to hold each
/// language to 90% on its own: one miss in ten is 90%, so only the total is held to it).
const HOLDOUT_PER_SPOKEN_LANGUAGE_MIN: usize = 10;

fn corpus(lines: &'static str) -> Vec<(Language, &'static str)> {
    lines
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
    check("corpus", &corpus(include_str!("corpus/detection.tsv")), MESSAGES_PER_SPOKEN_LANGUAGE_MIN, true);
}

#[test]
fn detects_at_least_ninety_percent_of_the_held_out_messages() {
    check("held-out", &corpus(include_str!("corpus/detection_holdout.tsv")), HOLDOUT_PER_SPOKEN_LANGUAGE_MIN, false);
}

fn check(name: &str, corpus: &[(Language, &str)], per_spoken_language_min: usize, each_language: bool) {
    let mut per_language: BTreeMap<Language, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for (expected, text) in corpus {
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
    println!(
        "language detection, {name}: {right}/{} right ({:.1}%)",
        corpus.len(),
        100.0 * right as f64 / corpus.len() as f64
    );
    for (language, (right, total)) in &per_language {
        println!("  {language}: {right}/{total}");
    }
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    for language in Language::SPOKEN {
        let (right, total) = per_language.get(&language).copied().unwrap_or_default();
        assert!(total >= per_spoken_language_min, "{language}: only {total} messages in the corpus");
        assert!(!each_language || right * 1000 >= total * ACCURACY_MIN_PERMILLE, "{language}: {right}/{total}");
    }
    assert!(right * 1000 >= corpus.len() * ACCURACY_MIN_PERMILLE, "{right}/{}", corpus.len());
}
