//! Prints the embedded assistant's evaluation: intent accuracy, answer checks, fabricated
//! facts, per-language scores, the confusion between intents and answer latency.
//!
//! `cargo run -p tradewind-assistant --bin assistant-eval [-- --misses]`, or
//! `… -- --explain "¿dónde está mi pedido?" es` for what the engine reads in one message.

use std::process::ExitCode;
use tradewind_assistant::Engine;
use tradewind_assistant::eval::{self, FIXTURES_JSON, QUESTIONS_JSONL};
use tradewind_language::Language;

/// The set is answered this many times for the latency figures (the first pass warms up).
const LATENCY_PASSES: usize = 5;

/// Prints what the engine understands of one message: cues, intent, entities.
fn explain(message: &str, language: Language) -> ExitCode {
    match Engine::new() {
        Ok(engine) => {
            let understanding = engine.understand(message, language);
            println!("cues: {:?}", understanding.classification.cues.to_vec());
            println!(
                "intent: {} (confidence {:.2}, general question {})",
                understanding.classification.intent.name(),
                understanding.classification.confidence,
                understanding.classification.general_question
            );
            println!("entities: {:?}", understanding.entities);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().collect();
    let show_misses = arguments.iter().any(|argument| argument == "--misses");
    if let Some(position) = arguments.iter().position(|argument| argument == "--explain") {
        let language = arguments.get(position + 2).and_then(|code| Language::parse(code).ok());
        return explain(arguments.get(position + 1).map_or("", String::as_str), language.unwrap_or(Language::English));
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let loaded = eval::load_questions(QUESTIONS_JSONL)
        .and_then(|questions| Ok((questions, eval::load_fixtures(FIXTURES_JSON)?)));
    let (questions, fixtures) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("cannot load the evaluation set: {error}");
            return ExitCode::FAILURE;
        }
    };
    let engine = match Engine::new() {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let mut report = runtime.block_on(eval::run(&engine, &questions, &fixtures));
    let mut latencies = Vec::new();
    for _ in 0..LATENCY_PASSES {
        latencies.extend(runtime.block_on(eval::run(&engine, &questions, &fixtures)).latencies_micros);
    }
    latencies.sort_unstable();
    report.latencies_micros = latencies;

    println!("embedded assistant evaluation: {} questions", report.total);
    println!();
    println!("{:<10} {:>9} {:>9} {:>10} {:>9}", "language", "questions", "intent", "accuracy", "answers");
    for (language, score) in &report.per_language {
        println!(
            "{:<10} {:>9} {:>9} {:>9.1}% {:>9}",
            language,
            score.total,
            score.intent_correct,
            100.0 * score.intent_correct as f64 / score.total.max(1) as f64,
            score.answer_checks_passed
        );
    }
    println!(
        "{:<10} {:>9} {:>9} {:>9.1}% {:>9}",
        "all",
        report.total,
        report.intent_correct,
        100.0 * report.intent_accuracy,
        report.answer_checks_passed
    );
    println!();
    println!("intent accuracy       {:.1}%", 100.0 * report.intent_accuracy);
    println!("answer checks passed  {:.1}%", 100.0 * report.answer_check_rate);
    println!("fabricated facts      {}", report.fabricated.len());
    for (id, fact) in &report.fabricated {
        println!("  {id}: {fact}");
    }
    println!(
        "answer latency        p50 {} µs, p99 {} µs ({} answers)",
        report.latency_percentile_micros(50.0),
        report.latency_percentile_micros(99.0),
        report.latencies_micros.len()
    );
    let slowest: Vec<String> = report.slowest.iter().map(|(id, micros)| format!("{id} {micros} µs")).collect();
    println!("slowest (first pass)  {}", slowest.join(", "));
    if !report.confusion.is_empty() {
        println!();
        println!("confusion (expected → got: count)");
        for ((expected, got), count) in &report.confusion {
            println!("  {expected} → {got}: {count}");
        }
    }
    if show_misses {
        println!();
        for miss in &report.misses {
            println!("{} expected {} got {}: {:?}", miss.id, miss.expected.name(), miss.got.name(), miss.problems);
            println!("    {}", miss.reply);
        }
    }
    ExitCode::SUCCESS
}
