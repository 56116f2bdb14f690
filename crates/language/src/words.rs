//! The words of a chat message, as the detector compares them: lower case, accents
//! folded (`não` → `nao`, `dónde` → `donde`, because buyers type both), and without the
//! parts that belong to no language (URLs, e-mail addresses, order numbers, emoji).

/// The most words of one message the detector looks at.
pub(crate) const WORDS_MAX: usize = 200;

/// The words of `text`, folded, at most [`WORDS_MAX`].
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|chunk| !is_language_neutral(chunk))
        .flat_map(|chunk| chunk.split(|character: char| !(character.is_alphabetic() || is_apostrophe(character))))
        .map(|word| word.trim_matches(is_apostrophe))
        .filter(|word| !word.is_empty())
        .map(fold)
        .take(WORDS_MAX)
        .collect()
}

/// The text without the chunks [`words`] skips, for the statistical model.
pub(crate) fn without_neutral_chunks(text: &str) -> String {
    text.split_whitespace().filter(|chunk| !is_language_neutral(chunk)).collect::<Vec<_>>().join(" ")
}

/// URLs, e-mail addresses and anything with a digit in it (order numbers such as
/// `TW-1001`, amounts, dates, tracking codes) say nothing about the language.
fn is_language_neutral(chunk: &str) -> bool {
    chunk.contains("://")
        || chunk.starts_with("www.")
        || chunk.contains('@')
        || chunk.chars().any(|character| character.is_ascii_digit())
}

fn is_apostrophe(character: char) -> bool {
    matches!(character, '\'' | '’' | 'ʼ')
}

/// Lower case with the common Latin accents removed and apostrophes made `'`.
pub(crate) fn fold(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    for character in word.chars().flat_map(char::to_lowercase) {
        match character {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' => folded.push('a'),
            'ç' | 'ć' | 'č' => folded.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => folded.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ı' | 'ī' => folded.push('i'),
            'ñ' | 'ń' | 'ň' => folded.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'ơ' => folded.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ư' => folded.push('u'),
            'ý' | 'ÿ' => folded.push('y'),
            'ğ' => folded.push('g'),
            'ş' | 'ś' | 'š' => folded.push('s'),
            'đ' => folded.push('d'),
            'ß' => folded.push_str("ss"),
            '’' | 'ʼ' => folded.push('\''),
            other => folded.push(other),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn folding_is_idempotent(word in "\\PC{0,40}") {
            let once = fold(&word);
            prop_assert_eq!(fold(&once), once.clone());
        }
    }

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("NÃO"), "nao");
        assert_eq!(fold("¿Dónde"), "¿donde");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("don’t"), "don't");
    }

    #[test]
    fn skips_order_numbers_links_and_emoji() {
        assert_eq!(
            words("¿Dónde está mi pedido #TW-1001? https://shop.test/o/1 👍 ana@shop.test"),
            ["donde", "esta", "mi", "pedido"]
        );
        assert_eq!(words("I haven't received it!!"), ["i", "haven't", "received", "it"]);
        assert_eq!(words("1001 👍 ?!"), Vec::<String>::new());
        assert_eq!(without_neutral_chunks("where is 1001 now"), "where is now");
    }

    #[test]
    fn bounds_the_words() {
        assert_eq!(words(&"hola ".repeat(WORDS_MAX * 2)).len(), WORDS_MAX);
    }
}
