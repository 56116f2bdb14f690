//! A merchant's knowledge base, searchable: BM25 over each article's title (counted
//! three times) and body, with the tokenisation of [`stem`] (accents folded, Han bigrams,
//! Arabic normalised, light stemming), only articles in the query's language when the
//! knowledge base has any in it (else all, preferring none), and a snippet made of the
//! article's lead or best-matching sentences.
//!
//! The index is built once per knowledge base (the server rebuilds it when an article
//! changes) and searched without allocation beyond the results.

pub mod stem;

use crate::facts::ArticleHit;
use crate::text::truncate_chars;
use std::collections::HashMap;
use tradewind_language::Language;
use tradewind_payments::id::ArticleId;

/// Articles one index holds.
pub const ARTICLES_MAX: usize = 5_000;
/// The longest article body, in characters.
pub const ARTICLE_BODY_CHARS_MAX: usize = 20_000;
/// The longest article title, in characters.
pub const ARTICLE_TITLE_CHARS_MAX: usize = 200;
/// A title term counts this many times a body term: titles name what an article is about.
const TITLE_WEIGHT: usize = 3;
/// A longer query is cut to this many characters before it is tokenised.
pub const QUERY_CHARS_MAX: usize = 500;
/// A query's distinct terms beyond this are ignored.
const QUERY_TERMS_MAX: usize = 32;
/// Results one search returns at most.
pub const SEARCH_LIMIT_MAX: usize = 20;
/// The longest snippet, in characters.
pub const SNIPPET_CHARS_MAX: usize = 320;
/// BM25's term-frequency saturation and length normalisation (the usual values).
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;
/// An article in the query's language scores this many times higher, so a Spanish
/// question is answered from the Spanish article when both exist.
const SAME_LANGUAGE_BOOST: f32 = 2.0;

/// An article as the merchant wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: ArticleId,
    pub language: Language,
    pub title: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KnowledgeError {
    #[error("a knowledge base holds at most {ARTICLES_MAX} articles")]
    TooManyArticles,
    #[error("article {id} is longer than {ARTICLE_BODY_CHARS_MAX} characters")]
    BodyTooLong { id: ArticleId },
    #[error("the title of article {id} is longer than {ARTICLE_TITLE_CHARS_MAX} characters")]
    TitleTooLong { id: ArticleId },
}

/// One sentence of an article body and its terms, for snippets.
#[derive(Debug, Clone)]
struct Sentence {
    text: String,
    terms: Vec<String>,
}

#[derive(Debug, Clone)]
struct IndexedArticle {
    article: Article,
    /// Terms counted (title [`TITLE_WEIGHT`] times).
    length: u32,
    sentences: Vec<Sentence>,
    title_terms: Vec<String>,
}

/// A searchable knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeIndex {
    articles: Vec<IndexedArticle>,
    /// Term → (article index, term frequency).
    postings: HashMap<String, Vec<(u32, u32)>>,
    average_length: f32,
    /// Articles per language.
    languages: HashMap<Language, usize>,
}

impl KnowledgeIndex {
    pub fn build(articles: Vec<Article>) -> Result<KnowledgeIndex, KnowledgeError> {
        if articles.len() > ARTICLES_MAX {
            return Err(KnowledgeError::TooManyArticles);
        }
        let mut index = KnowledgeIndex::default();
        let mut total_length: u64 = 0;
        for (position, article) in articles.into_iter().enumerate() {
            if article.body.chars().count() > ARTICLE_BODY_CHARS_MAX {
                return Err(KnowledgeError::BodyTooLong { id: article.id });
            }
            if article.title.chars().count() > ARTICLE_TITLE_CHARS_MAX {
                return Err(KnowledgeError::TitleTooLong { id: article.id });
            }
            let language = Some(article.language);
            let title_terms = stem::terms(&article.title, language);
            let body_terms = stem::terms(&article.body, language);
            let mut frequencies: HashMap<String, u32> = HashMap::new();
            for term in &title_terms {
                *frequencies.entry(term.clone()).or_default() += TITLE_WEIGHT as u32;
            }
            for term in &body_terms {
                *frequencies.entry(term.clone()).or_default() += 1;
            }
            let length = (title_terms.len() * TITLE_WEIGHT + body_terms.len()) as u32;
            total_length += u64::from(length);
            let position = position as u32;
            for (term, frequency) in frequencies {
                index.postings.entry(term).or_default().push((position, frequency));
            }
            let sentences = split_sentences(&article.body)
                .into_iter()
                .map(|text| Sentence { terms: stem::terms(&text, language), text })
                .collect();
            *index.languages.entry(article.language).or_default() += 1;
            index.articles.push(IndexedArticle { article, length, sentences, title_terms });
        }
        index.average_length =
            if index.articles.is_empty() { 1.0 } else { (total_length as f32 / index.articles.len() as f32).max(1.0) };
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The best `limit` articles for `query` (at most [`SEARCH_LIMIT_MAX`]), articles in
    /// `language` first among equals. Articles matching none of the query's terms are
    /// never returned.
    pub fn search(&self, query: &str, language: Option<Language>, limit: usize) -> Vec<ArticleHit> {
        let limit = limit.min(SEARCH_LIMIT_MAX);
        let query = truncate_chars(query, QUERY_CHARS_MAX);
        let mut query_terms = stem::terms(query, language);
        query_terms.sort();
        query_terms.dedup();
        query_terms.truncate(QUERY_TERMS_MAX);
        if query_terms.is_empty() || self.articles.is_empty() || limit == 0 {
            return Vec::new();
        }
        let count = self.articles.len() as f32;
        let idf = |document_frequency: usize| {
            let document_frequency = document_frequency as f32;
            (1.0 + (count - document_frequency + 0.5) / (document_frequency + 0.5)).ln()
        };
        // Coverage weighs each query term by its rarity; a term no article has (a typo, a
        // word of another topic) weighs as the rarest and counts as unmatched.
        let weights: Vec<f32> =
            query_terms.iter().map(|term| idf(self.postings.get(term).map_or(0, Vec::len))).collect();
        let weight_total: f32 = weights.iter().sum();
        // A question in a language the knowledge base is written in is answered from that
        // language's articles only: a Portuguese buyer gets no English article because an
        // English word happened to match.
        let only_language = language.filter(|language| self.languages.contains_key(language));
        let mut scores: HashMap<u32, (f32, f32)> = HashMap::new();
        for (term, weight) in query_terms.iter().zip(&weights) {
            let Some(postings) = self.postings.get(term) else { continue };
            for &(position, frequency) in postings {
                if only_language.is_some_and(|language| self.articles[position as usize].article.language != language) {
                    continue;
                }
                let length = self.articles[position as usize].length as f32;
                let frequency = frequency as f32;
                let saturation = frequency * (BM25_K1 + 1.0)
                    / (frequency + BM25_K1 * (1.0 - BM25_B + BM25_B * length / self.average_length));
                let entry = scores.entry(position).or_default();
                entry.0 += weight * saturation;
                entry.1 += weight;
            }
        }
        let mut ranked: Vec<(u32, f32, f32)> = scores
            .into_iter()
            .map(|(position, (score, matched_weight))| {
                let article = &self.articles[position as usize].article;
                let boost = if Some(article.language) == language { SAME_LANGUAGE_BOOST } else { 1.0 };
                (position, score * boost, matched_weight / weight_total.max(f32::MIN_POSITIVE))
            })
            .collect();
        ranked.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|(position, score, coverage)| {
                let indexed = &self.articles[position as usize];
                ArticleHit {
                    id: indexed.article.id.clone(),
                    title: indexed.article.title.clone(),
                    snippet: snippet(indexed, &query_terms),
                    score,
                    coverage: coverage.min(1.0),
                }
            })
            .collect()
    }
}

/// The article's lead when its title matches the query (the article is about the
/// question, and its first sentences state the answer), else its sentence sharing most
/// query terms; followed by the next sentences while they fit in [`SNIPPET_CHARS_MAX`].
fn snippet(indexed: &IndexedArticle, query_terms: &[String]) -> String {
    let shared = |sentence: &Sentence| query_terms.iter().filter(|term| sentence.terms.contains(term)).count();
    let title_matches = indexed.title_terms.iter().any(|term| query_terms.contains(term));
    let best = if title_matches {
        0
    } else {
        indexed
            .sentences
            .iter()
            .enumerate()
            .max_by(|left, right| shared(left.1).cmp(&shared(right.1)).then(right.0.cmp(&left.0)))
            .map_or(0, |(position, _)| position)
    };
    let mut snippet = String::new();
    for sentence in indexed.sentences.iter().skip(best) {
        let joined = if snippet.is_empty() { sentence.text.clone() } else { format!("{snippet} {}", sentence.text) };
        if joined.chars().count() > SNIPPET_CHARS_MAX {
            if snippet.is_empty() {
                snippet = format!("{}…", truncate_chars(&joined, SNIPPET_CHARS_MAX - 1).trim_end());
            }
            break;
        }
        snippet = joined;
    }
    snippet
}

/// Splits a body into sentences at `.`, `!`, `?` followed by a space or the end (so
/// `25.00` stays whole), at `。！？؟` and at line breaks.
fn split_sentences(body: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut characters = body.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '\n' {
            push_sentence(&mut sentences, &mut current);
            continue;
        }
        current.push(character);
        let ends = match character {
            '。' | '！' | '？' | '؟' => true,
            '.' | '!' | '?' => characters.peek().is_none_or(|next| next.is_whitespace()),
            _ => false,
        };
        if ends {
            push_sentence(&mut sentences, &mut current);
        }
    }
    push_sentence(&mut sentences, &mut current);
    sentences
}

fn push_sentence(sentences: &mut Vec<String>, current: &mut String) {
    let trimmed = current.trim();
    if !trimmed.is_empty() {
        sentences.push(trimmed.to_owned());
    }
    current.clear();
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn article(language: Language, title: &str, body: &str) -> Article {
        Article { id: ArticleId::generate(), language, title: title.to_owned(), body: body.to_owned() }
    }

    fn index() -> KnowledgeIndex {
        KnowledgeIndex::build(vec![
            article(
                Language::English,
                "Returns and exchanges",
                "You can return any item within 30 days of delivery. Items must be unused. Refunds go to the original payment method.",
            ),
            article(Language::English, "Shipping times", "Orders ship within 2 business days. Delivery to Brazil takes 8 to 15 days."),
            article(Language::Spanish, "Devoluciones", "Puedes devolver cualquier artículo dentro de 30 días desde la entrega."),
            article(Language::Chinese, "退货政策", "收货后30天内可以申请退货。商品必须未使用。"),
            article(Language::Arabic, "سياسة الإرجاع", "يمكنك إرجاع أي منتج خلال 30 يوما من الاستلام."),
        ])
        .unwrap()
    }

    #[test]
    fn finds_the_article_in_each_language() {
        let index = index();
        let hits = index.search("how do I return an item?", Some(Language::English), 3);
        assert_eq!(hits[0].title, "Returns and exchanges");
        assert!(hits[0].snippet.starts_with("You can return any item"), "{}", hits[0].snippet);
        assert_eq!(index.search("¿Cómo devuelvo un artículo?", Some(Language::Spanish), 1)[0].title, "Devoluciones");
        assert_eq!(index.search("怎么退货", Some(Language::Chinese), 1)[0].title, "退货政策");
        assert_eq!(index.search("ما هي سياسة الارجاع", Some(Language::Arabic), 1)[0].title, "سياسة الإرجاع");
        let shipping = index.search("how long does delivery to brazil take", Some(Language::English), 1);
        assert_eq!(shipping[0].title, "Shipping times");
        assert!(shipping[0].snippet.contains("8 to 15 days"));
        assert!(shipping[0].coverage > 0.5, "{}", shipping[0].coverage);
    }

    #[test]
    fn unrelated_queries_find_nothing() {
        let index = index();
        assert!(index.search("zebra xylophone", Some(Language::English), 3).is_empty());
        assert!(index.search("", None, 3).is_empty());
        assert!(index.search("return", None, 0).is_empty());
    }

    #[test]
    fn bounds_are_enforced() {
        let long = "x".repeat(ARTICLE_BODY_CHARS_MAX + 1);
        assert!(matches!(
            KnowledgeIndex::build(vec![article(Language::English, "t", &long)]),
            Err(KnowledgeError::BodyTooLong { .. })
        ));
        let huge_query = "return ".repeat(1_000);
        assert!(!index().search(&huge_query, None, 100).is_empty());
    }

    #[test]
    fn sentences_keep_decimals() {
        assert_eq!(split_sentences("It costs 25.00 USD. Then.\nNext"), ["It costs 25.00 USD.", "Then.", "Next"]);
        assert_eq!(split_sentences("收货后30天。商品"), ["收货后30天。", "商品"]);
    }
}
