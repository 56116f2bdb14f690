//! The evaluation set as a test: the embedded engine must understand at least 90% of the
//! questions, pass at least 90% of the answer checks and state no fact a tool did not
//! return, over the whole set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tradewind_assistant::Engine;
use tradewind_assistant::eval::{self, FIXTURES_JSON, QUESTIONS_JSONL};
use tradewind_language::Language;

#[tokio::test]
async fn the_embedded_engine_meets_the_bar() {
    let questions = eval::load_questions(QUESTIONS_JSONL).unwrap();
    let fixtures = eval::load_fixtures(FIXTURES_JSON).unwrap();
    let engine = Engine::new().unwrap();
    let report = eval::run(&engine, &questions, &fixtures).await;
    let misses: Vec<String> = report
        .misses
        .iter()
        .map(|miss| format!("{} {:?} → {:?} {:?}", miss.id, miss.expected, miss.got, miss.problems))
        .collect();
    assert!(report.intent_accuracy >= 0.90, "intent accuracy {:.3}: {misses:#?}", report.intent_accuracy);
    assert!(report.answer_check_rate >= 0.90, "answer checks {:.3}: {misses:#?}", report.answer_check_rate);
    assert!(report.fabricated.is_empty(), "fabricated facts: {:?}", report.fabricated);
}

#[test]
fn the_set_is_large_and_covers_every_spoken_language() {
    let questions = eval::load_questions(QUESTIONS_JSONL).unwrap();
    assert!(questions.len() >= 220, "{} questions", questions.len());
    for language in Language::SPOKEN {
        let count = questions.iter().filter(|question| question.language == language).count();
        assert!(count >= 30, "{language}: {count} questions");
    }
    let mut ids: Vec<&str> = questions.iter().map(|question| question.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), questions.len(), "question ids are unique");
}
