//! Search terms: stop words dropped and light, rule-based stemming per language, so that
//! `returns`/`returned`, `devoluciones`/`devolución`, `pengembalian`/`mengembalikan` and
//! `الإرجاع`/`إرجاع` meet. Han runs become bigrams. Light on purpose: an over-eager stemmer
//! merges words buyers mean differently, and BM25 forgives a missed plural.

use crate::text::{Script, bigrams, fold, words};
use tradewind_language::Language;

/// A word shorter than this (in characters) is never stemmed.
const STEM_INPUT_CHARS_MIN: usize = 4;
/// Stemming never leaves fewer characters than this.
const STEM_OUTPUT_CHARS_MIN: usize = 3;

const ENGLISH_STOP: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "i", "you", "we", "it", "my", "your", "our",
    "me", "to", "of", "for", "in", "on", "at", "by", "and", "or", "do", "does", "did", "can", "could", "what", "how",
    "which", "this", "that", "with", "have", "has", "will", "would", "please", "there", "any", "if", "from", "about",
    "so", "im", "ive", "its", "hi", "hello", "hey", "pls", "plz", "thanks", "thank", "get", "need", "want", "know",
    "tell", "there", "they", "them", "some", "just", "long", "take", "takes",
];
const SPANISH_STOP: &[&str] = &[
    "el", "la", "los", "las", "un", "una", "unos", "de", "del", "al", "a", "en", "y", "o", "que", "mi", "mis", "tu",
    "su", "sus", "es", "son", "por", "para", "con", "se", "me", "lo", "le", "como", "cual", "hay", "puedo", "esta",
    "este", "yo", "favor", "hola", "gracias", "quiero", "saber", "necesito", "tengo", "hay", "cual", "cuanto",
];
const PORTUGUESE_STOP: &[&str] = &[
    "o", "a", "os", "as", "um", "uma", "de", "do", "da", "dos", "das", "no", "na", "em", "e", "ou", "que", "meu",
    "minha", "meus", "seu", "sua", "por", "para", "com", "se", "me", "como", "qual", "posso", "eu", "voces", "favor",
    "oi", "ola", "obrigado", "obrigada", "quero", "saber", "preciso", "tem", "pra", "vou", "ter", "da",
];
const INDONESIAN_STOP: &[&str] = &[
    "saya",
    "aku",
    "anda",
    "kamu",
    "yang",
    "di",
    "ke",
    "dari",
    "dan",
    "atau",
    "untuk",
    "dengan",
    "ini",
    "itu",
    "apa",
    "apakah",
    "bagaimana",
    "ada",
    "bisa",
    "mau",
    "tolong",
    "ya",
    "kak",
    "gan",
    "min",
    "gimana",
    "cara",
    "caranya",
    "gak",
    "ga",
    "kok",
    "sih",
    "dong",
    "nih",
    "halo",
    "berapa",
    "seperti",
    "lama",
];
const ARABIC_STOP: &[&str] =
    &["في", "من", "الي", "علي", "عن", "هل", "ما", "ماذا", "كيف", "انا", "هذا", "هذه", "او", "و", "مع", "لو"];
/// Chinese function words and question words, removed from a Han run before it is cut
/// into bigrams (longest first, so `怎么样` goes whole).
const CHINESE_STOP: &[&str] = &[
    "怎么样",
    "是不是",
    "能不能",
    "有没有",
    "请问",
    "怎么",
    "什么",
    "如何",
    "可以",
    "一下",
    "多少",
    "一般",
    "你们",
    "我们",
    "的",
    "了",
    "吗",
    "呢",
    "吧",
    "我",
    "你",
    "是",
    "要",
];

/// The search terms of a text written in `language` (`None`: stemmed as English, which
/// only touches Latin words).
pub fn terms(text: &str, language: Option<Language>) -> Vec<String> {
    let folded = fold(text);
    let mut terms = Vec::new();
    for word in words(&folded) {
        match word.script {
            Script::Han => {
                // Function words split the run: `怎么取消订单` → `取消订单`.
                let mut run = word.text.clone();
                for stop in CHINESE_STOP {
                    run = run.replace(stop, " ");
                }
                for piece in run.split_whitespace() {
                    terms.extend(bigrams(piece));
                }
            }
            Script::Arabic => {
                if !ARABIC_STOP.contains(&word.text.as_str()) {
                    terms.push(stem_arabic(&word.text));
                }
            }
            Script::Spaced => {
                let language = language.unwrap_or(Language::English);
                if !stop_words(language).contains(&word.text.as_str()) {
                    terms.push(stem(&word.text, language));
                }
            }
        }
    }
    terms
}

fn stop_words(language: Language) -> &'static [&'static str] {
    match language {
        Language::Spanish => SPANISH_STOP,
        Language::Portuguese => PORTUGUESE_STOP,
        Language::Indonesian | Language::Malay => INDONESIAN_STOP,
        _ => ENGLISH_STOP,
    }
}

/// Stems one folded Latin-script word of `language`.
pub fn stem(word: &str, language: Language) -> String {
    if word.chars().count() < STEM_INPUT_CHARS_MIN || word.bytes().any(|byte| byte.is_ascii_digit()) {
        return word.to_owned();
    }
    match language {
        Language::Spanish => stem_romance(word, &[("ciones", "cion"), ("siones", "sion"), ("es", ""), ("s", "")]),
        Language::Portuguese => stem_romance(word, &[("coes", "cao"), ("oes", "ao"), ("ais", "al"), ("s", "")]),
        Language::Indonesian | Language::Malay => stem_indonesian(word),
        _ => stem_english(word),
    }
}

fn strip<'a>(word: &'a str, suffix: &str) -> Option<&'a str> {
    word.strip_suffix(suffix).filter(|rest| rest.chars().count() >= STEM_OUTPUT_CHARS_MIN)
}

fn stem_english(word: &str) -> String {
    let mut stem = word.to_owned();
    if let Some(rest) = strip(&stem, "ies") {
        stem = format!("{rest}y");
    } else if stem.ends_with("ss") {
    } else if let Some(rest) = strip(&stem, "s") {
        stem = rest.to_owned();
    }
    for suffix in ["ing", "ed"] {
        if let Some(rest) = strip(&stem, suffix) {
            stem = rest.to_owned();
            break;
        }
    }
    if stem.chars().count() > 5
        && let Some(rest) = strip(&stem, "y")
        && !rest.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        stem = rest.to_owned();
    }
    // `shipp` (from `shipped`, `shipping`) meets `ship`.
    let bytes = stem.as_bytes();
    if bytes.len() > 3
        && bytes[bytes.len() - 1] == bytes[bytes.len() - 2]
        && !b"slaeiou".contains(&bytes[bytes.len() - 1])
    {
        stem.pop();
    }
    stem
}

/// Spanish and Portuguese: plural endings, then the final gender vowel.
fn stem_romance(word: &str, plurals: &[(&str, &str)]) -> String {
    let mut stem = word.to_owned();
    for (suffix, replacement) in plurals {
        if let Some(rest) = strip(&stem, suffix) {
            stem = format!("{rest}{replacement}");
            break;
        }
    }
    if let Some(rest) = stem.strip_suffix(['a', 'o', 'e']).filter(|rest| rest.chars().count() >= STEM_OUTPUT_CHARS_MIN)
    {
        stem = rest.to_owned();
    }
    stem
}

/// Indonesian, after Nazief and Adriani, lightly: particles, possessives, one derivational
/// suffix, then one prefix with its sound change (`meng-irim` → `kirim`, `mem-esan` →
/// `pesan`).
fn stem_indonesian(word: &str) -> String {
    let mut stem = word.to_owned();
    for group in [&["lah", "kah", "pun", "tah"][..], &["nya", "ku", "mu"], &["kan", "an", "i"]] {
        for suffix in group {
            if let Some(rest) = strip(&stem, suffix) {
                stem = rest.to_owned();
                break;
            }
        }
    }
    const PREFIXES: &[(&str, &str)] = &[
        ("meny", "s"),
        ("peny", "s"),
        ("meng", "k"),
        ("peng", "k"),
        ("mem", "p"),
        ("pem", "p"),
        ("men", "t"),
        ("pen", "t"),
        ("ber", ""),
        ("ter", ""),
        ("per", ""),
        ("di", ""),
        ("me", ""),
        ("pe", ""),
    ];
    for (prefix, restored) in PREFIXES {
        if let Some(rest) = stem.strip_prefix(prefix)
            && rest.chars().count() >= STEM_OUTPUT_CHARS_MIN
            // Bare `me-`/`pe-` only before l, r, w, y (`pelacak`); elsewhere they are the root.
            && (prefix.len() > 2 || *prefix == "di" || rest.starts_with(['l', 'r', 'w', 'y']))
        {
            let starts_with_vowel = rest.starts_with(['a', 'e', 'i', 'o', 'u']);
            stem =
                if starts_with_vowel && !restored.is_empty() { format!("{restored}{rest}") } else { rest.to_owned() };
            break;
        }
    }
    stem
}

/// Arabic: the article and attached conjunctions or prepositions, then one common suffix.
pub fn stem_arabic(word: &str) -> String {
    let mut stem = word.to_owned();
    for prefix in ["وال", "بال", "كال", "فال", "لل", "ال", "و"] {
        if let Some(rest) = stem.strip_prefix(prefix)
            && rest.chars().count() >= STEM_OUTPUT_CHARS_MIN
        {
            stem = rest.to_owned();
            break;
        }
    }
    for suffix in ["ات", "ون", "ين", "ان", "ها", "هم", "كم", "نا", "ه", "ي", "ك"] {
        if let Some(rest) = strip(&stem, suffix) {
            stem = rest.to_owned();
            break;
        }
    }
    stem
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn english_inflections_meet() {
        for (left, right) in [("shipped", "shipping"), ("returns", "returned"), ("policies", "policy"), ("days", "day")]
        {
            assert_eq!(stem(left, Language::English), stem(right, Language::English), "{left} {right}");
        }
        assert_eq!(stem("business", Language::English), "business");
    }

    #[test]
    fn romance_plurals_meet() {
        assert_eq!(stem("devoluciones", Language::Spanish), stem("devolucion", Language::Spanish));
        assert_eq!(stem("pedidos", Language::Spanish), stem("pedido", Language::Spanish));
        assert_eq!(stem("devolucoes", Language::Portuguese), stem("devolucao", Language::Portuguese));
    }

    #[test]
    fn indonesian_affixes_meet() {
        assert_eq!(stem("pengiriman", Language::Indonesian), "kirim");
        assert_eq!(stem("dikirim", Language::Indonesian), "kirim");
        assert_eq!(stem("pengembalian", Language::Indonesian), stem("mengembalikan", Language::Indonesian));
        assert_eq!(stem("pembayaran", Language::Indonesian), "bayar");
        assert_eq!(stem("pesanannya", Language::Indonesian), "pesan");
    }

    #[test]
    fn arabic_clitics_are_removed() {
        assert_eq!(stem_arabic(&fold("الإرجاع")), stem_arabic(&fold("إرجاع")));
        assert_eq!(stem_arabic(&fold("والشحن")), "شحن");
    }

    #[test]
    fn chinese_becomes_bigrams_without_particles() {
        assert_eq!(terms("退货政策", Some(Language::Chinese)), ["退货", "货政", "政策"]);
        assert_eq!(terms("我的订单", None), ["订单"]);
    }
}
