//! The support desk (`--support`): two measurements.
//!
//! 1. The embedded assistant alone: every question of the evaluation set
//!    (`crates/assistant/eval/`) answered in process against its fixture tools, timed one
//!    answer at a time; p50/p99 per answer and answers per second.
//! 2. Concurrent conversations on one node: the server on a fresh database of each
//!    backend, 20 agents online (capacity 50 each), the assistant off; C buyers each open
//!    a widget conversation, then for the run's length every buyer writes and an agent
//!    replies, one round after another, all conversations at once. Printed per C: rounds
//!    per second and p50/p99 of one round (the buyer's message stored, translated,
//!    routed and broadcast, and the agent's reply the same). "Sustained" means the
//!    round's p99 stays under [`ROUND_P99_TARGET_MS`].

use crate::report::{median, nearest_rank};
use crate::server::{Backend, Server};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tradewind_assistant::eval::{context_for, load_fixtures, load_questions};

const QUESTIONS: &str = include_str!("../../assistant/eval/questions.jsonl");
const FIXTURES: &str = include_str!("../../assistant/eval/fixtures.json");
/// Passes over the evaluation set per run (the first is a warm-up, not measured).
const ASSISTANT_PASSES: usize = 20;
const AGENTS: usize = 20;
const AGENT_CAPACITY: i64 = 50;
/// A round's p99 under this counts as sustained.
pub const ROUND_P99_TARGET_MS: f64 = 1_000.0;

/// `--support`: the assistant, then each backend's conversation cells.
pub async fn measure(backends: &[Backend], conversations: &[usize], seconds: f64, runs: usize) -> anyhow::Result<()> {
    println!("tradewind-bench --support: the embedded assistant, and concurrent conversations with agents replying");
    println!("command   {}", std::env::args().collect::<Vec<_>>().join(" "));
    println!();
    measure_assistant(runs).await?;
    println!();
    println!(
        "{:<9} {:>13} {:>9} {:>12} {:>12} {:>10} {:>5}",
        "backend", "conversations", "rounds/s", "round p50 ms", "round p99 ms", "sustained", "runs"
    );
    for &backend in backends {
        for &count in conversations {
            let mut rates = Vec::new();
            let mut p50s = Vec::new();
            let mut p99s = Vec::new();
            for _ in 0..runs {
                let run = conversations_run(backend, count, Duration::from_secs_f64(seconds)).await?;
                rates.push(run.rounds_per_second);
                p50s.push(run.p50_ms);
                p99s.push(run.p99_ms);
            }
            let p99 = median(p99s);
            println!(
                "{:<9} {:>13} {:>9.0} {:>12.1} {:>12.1} {:>10} {:>5}",
                backend.name(),
                count,
                median(rates),
                median(p50s),
                p99,
                if p99 < ROUND_P99_TARGET_MS { "yes" } else { "no" },
                runs
            );
        }
    }
    Ok(())
}

async fn measure_assistant(runs: usize) -> anyhow::Result<()> {
    let questions = load_questions(QUESTIONS)?;
    let fixtures = load_fixtures(FIXTURES)?;
    let engine = tradewind_assistant::Engine::new()?;
    let mut p50s = Vec::new();
    let mut p99s = Vec::new();
    let mut rates = Vec::new();
    for _ in 0..runs {
        let mut latencies_us = Vec::with_capacity(questions.len() * ASSISTANT_PASSES);
        let started = Instant::now();
        for pass in 0..ASSISTANT_PASSES {
            for question in &questions {
                let context = context_for(question, &fixtures);
                let begun = Instant::now();
                let turn = engine.respond(&context, &question.text, question.language, &fixtures.tools).await;
                let elapsed = begun.elapsed();
                std::hint::black_box(turn);
                if pass > 0 {
                    latencies_us.push(elapsed.as_secs_f64() * 1e6);
                }
            }
        }
        let measured = started.elapsed().as_secs_f64();
        latencies_us.sort_by(f64::total_cmp);
        p50s.push(nearest_rank(&latencies_us, 0.50).unwrap_or(0.0));
        p99s.push(nearest_rank(&latencies_us, 0.99).unwrap_or(0.0));
        rates.push((questions.len() * ASSISTANT_PASSES) as f64 / measured);
    }
    println!(
        "assistant (embedded, in process): {} questions x {} passes per run, {} runs",
        questions.len(),
        ASSISTANT_PASSES - 1,
        runs
    );
    println!("{:>14} {:>14} {:>10}", "answer p50 us", "answer p99 us", "answers/s");
    println!("{:>14.1} {:>14.1} {:>10.0}", median(p50s), median(p99s), median(rates));
    Ok(())
}

struct ConversationsRun {
    rounds_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn call(client: &reqwest::Client, base: &str, key: &str, path: &str, body: Value) -> anyhow::Result<Value> {
    let response = client.post(format!("{base}{path}")).bearer_auth(key).json(&body).send().await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "{path} answered {status}: {answer}");
    Ok(answer)
}

async fn conversations_run(backend: Backend, count: usize, duration: Duration) -> anyhow::Result<ConversationsRun> {
    let server = Server::start(backend, true).await?;
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::builder().pool_max_idle_per_host(count.max(16)).build()?;
    let secret = server.secret_key.clone();
    call(&client, &base, &secret, "/v1/support/settings", json!({"assistant_enabled": false})).await?;
    for index in 0..AGENTS {
        let agent = call(
            &client,
            &base,
            &secret,
            "/v1/support/agents",
            json!({"email": format!("agent{index}@bench.example"), "name": format!("Agent {index}"),
                   "languages": ["en"], "capacity": AGENT_CAPACITY}),
        )
        .await?;
        let id = agent["id"].as_str().unwrap_or_default();
        call(&client, &base, &secret, &format!("/v1/support/agents/{id}"), json!({"presence": "online"})).await?;
    }
    let publishable = publishable_key(&server).await?;
    let mut conversations = Vec::with_capacity(count);
    for _ in 0..count {
        let session = call(&client, &base, &publishable, "/v1/widget/sessions", json!({"language": "en"})).await?;
        let visitor = session["token"].as_str().unwrap_or_default().to_owned();
        let conversation =
            call(&client, &base, &visitor, "/v1/widget/conversations", json!({"text": "Hello, where is my parcel?"}))
                .await?;
        conversations.push((visitor, conversation["id"].as_str().unwrap_or_default().to_owned()));
    }
    let deadline = Instant::now() + duration;
    let base = Arc::new(base);
    let secret = Arc::new(secret);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for (visitor, conversation) in conversations {
        let (client, base, secret) = (client.clone(), Arc::clone(&base), Arc::clone(&secret));
        tasks.push(tokio::spawn(async move {
            let mut rounds_ms = Vec::new();
            while Instant::now() < deadline {
                let begun = Instant::now();
                let buyer = format!("/v1/widget/conversations/{conversation}/messages");
                call(&client, &base, &visitor, &buyer, json!({"text": "Any news about my order?"})).await?;
                let agent = format!("/v1/conversations/{conversation}/messages");
                call(&client, &base, &secret, &agent, json!({"text": "It left the warehouse this morning."})).await?;
                rounds_ms.push(begun.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(rounds_ms)
        }));
    }
    let mut rounds_ms = Vec::new();
    for task in tasks {
        rounds_ms.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    server.stop().await?;
    rounds_ms.sort_by(f64::total_cmp);
    Ok(ConversationsRun {
        rounds_per_second: rounds_ms.len() as f64 / elapsed,
        p50_ms: nearest_rank(&rounds_ms, 0.50).unwrap_or(0.0),
        p99_ms: nearest_rank(&rounds_ms, 0.99).unwrap_or(0.0),
    })
}

/// The merchant's publishable key (the widget starts with it).
async fn publishable_key(server: &Server) -> anyhow::Result<String> {
    server.publishable_key.clone().ok_or_else(|| anyhow::anyhow!("the bench server has no publishable key"))
}
