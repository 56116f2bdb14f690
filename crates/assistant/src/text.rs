//! Text normalisation shared by knowledge search, intent matching, entity extraction and
//! the guardrail: one folding so that `Envío`, `envio` and `ENVIO` are the same word, and
//! `أين` and `اين` the same Arabic word.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercases, folds accents and compatibility forms (NFKD without combining marks:
/// `á` → `a`, fullwidth `１` → `1`), normalises Arabic (alef forms → `ا`, taa marbuta →
/// `ه`, alef maqsura → `ي`, tatweel and harakat dropped) and maps Arabic-Indic digits to
/// ASCII digits.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for character in text.nfkd() {
        if is_combining_mark(character) {
            continue;
        }
        match character {
            'ٱ' => folded.push('ا'),
            'ة' => folded.push('ه'),
            'ى' => folded.push('ي'),
            'ـ' => {}
            '٠'..='٩' => folded.push(shift_digit(character, '٠')),
            '۰'..='۹' => folded.push(shift_digit(character, '۰')),
            // The typographic apostrophe folds to the ASCII one so word joining sees one.
            '’' | 'ʼ' => folded.push('\''),
            _ => folded.extend(character.to_lowercase()),
        }
    }
    folded
}

fn shift_digit(character: char, zero: char) -> char {
    let offset = u32::from(character) - u32::from(zero);
    char::from_digit(offset, 10).unwrap_or('0')
}

/// Whether a character is written without spaces between words (Chinese, Japanese kana),
/// so its runs are indexed as character bigrams.
pub fn is_han(character: char) -> bool {
    matches!(u32::from(character),
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

pub fn is_arabic(character: char) -> bool {
    matches!(u32::from(character), 0x0600..=0x06FF | 0x0750..=0x077F)
}

/// What a word is written in, which decides how it is matched and stemmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Latin letters, digits and anything else alphanumeric with spaces between words.
    Spaced,
    /// A run of Han characters (no spaces between words).
    Han,
    /// An Arabic word (clitics attached).
    Arabic,
}

/// A word of folded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub script: Script,
}

/// Splits already folded text into words: runs of alphanumeric characters of one script,
/// with Han runs kept whole (callers split them into bigrams). An apostrophe between
/// letters joins them (`where's` → `wheres`, `don't` → `dont`) because buyers write both.
pub fn words(folded: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut current_script = Script::Spaced;
    let mut characters = folded.chars().peekable();
    while let Some(character) = characters.next() {
        let script = if is_han(character) {
            Some(Script::Han)
        } else if is_arabic(character) && character.is_alphanumeric() {
            Some(Script::Arabic)
        } else if character.is_alphanumeric() {
            Some(Script::Spaced)
        } else {
            None
        };
        match script {
            Some(script) => {
                if !current.is_empty() && script != current_script {
                    words.push(Word { text: std::mem::take(&mut current), script: current_script });
                }
                current_script = script;
                current.push(character);
            }
            None => {
                let joins = character == '\''
                    && current_script == Script::Spaced
                    && !current.is_empty()
                    && characters.peek().is_some_and(|next| next.is_alphabetic() && !is_han(*next));
                if !joins && !current.is_empty() {
                    words.push(Word { text: std::mem::take(&mut current), script: current_script });
                }
            }
        }
    }
    if !current.is_empty() {
        words.push(Word { text: current, script: current_script });
    }
    words
}

/// The Han run's overlapping character bigrams (`订单状态` → `订单`, `单状`, `状态`); a
/// single character stays a unigram.
pub fn bigrams(run: &str) -> Vec<String> {
    let characters: Vec<char> = run.chars().collect();
    if characters.len() < 2 {
        return vec![run.to_owned()];
    }
    characters.windows(2).map(|pair| pair.iter().collect()).collect()
}

/// Truncates to at most `characters_max` characters, at a character boundary.
pub fn truncate_chars(text: &str, characters_max: usize) -> &str {
    match text.char_indices().nth(characters_max) {
        Some((index, _)) => &text[..index],
        None => text,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_arabic_and_digits() {
        assert_eq!(fold("Envío DEVOLUÇÃO"), "envio devolucao");
        assert_eq!(fold("أين إرجاع آخر"), "اين ارجاع اخر");
        assert_eq!(fold("سياسة الإرجاع"), "سياسه الارجاع");
        assert_eq!(fold("طلب ١٠٠١"), "طلب 1001");
        assert_eq!(fold("订单１００１"), "订单1001");
        assert_eq!(fold("Where’s"), "where's");
    }

    #[test]
    fn splits_scripts_and_joins_apostrophes() {
        let split = words(&fold("Where's my order #1001? 我的订单1001到哪了 أين طلبي"));
        let texts: Vec<&str> = split.iter().map(|word| word.text.as_str()).collect();
        assert_eq!(texts, ["wheres", "my", "order", "1001", "我的订单", "1001", "到哪了", "اين", "طلبي"]);
        assert_eq!(split[4].script, Script::Han);
        assert_eq!(split[7].script, Script::Arabic);
    }

    #[test]
    fn bigrams_overlap() {
        assert_eq!(bigrams("订单状态"), ["订单", "单状", "状态"]);
        assert_eq!(bigrams("单"), ["单"]);
    }

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate_chars("订单状态", 2), "订单");
        assert_eq!(truncate_chars("abc", 10), "abc");
    }
}
