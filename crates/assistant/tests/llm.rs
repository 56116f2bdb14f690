//! The chat-model path against a local fake OpenAI-compatible server: tool calls and a
//! grounded answer, a hallucinated answer thrown away, the verification gate on model
//! requested lookups, handoffs that never reach the model, and every failure of the model
//! falling back to the embedded engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use std::time::Duration;
use tradewind_assistant::eval::{self, FIXTURES_JSON, Fixtures};
use tradewind_assistant::llm::ApiKey;
use tradewind_assistant::llm::fake::{FakeChat, Scripted};
use tradewind_assistant::tools::{Refusal, ToolOutcome};
use tradewind_assistant::turn::FallbackCause;
use tradewind_assistant::{
    AnswerSource, Context, Engine, HandoffReason, LlmConfig, LlmEngine, ToolCall, UnsupportedFact, VerifiedBuyer,
};
use tradewind_language::Language;

const KEY: &str = "sk-test-never-printed";

fn fixtures() -> Fixtures {
    eval::load_fixtures(FIXTURES_JSON).unwrap()
}

fn engine(fake: &FakeChat) -> LlmEngine {
    let mut config = LlmConfig::new(fake.base_url(), ApiKey::new(KEY), "test-model");
    config.timeout = Duration::from_millis(500);
    config.tool_rounds_max = 2;
    LlmEngine::new(config, Engine::new().unwrap()).unwrap()
}

fn ana(fixtures: &Fixtures) -> Context {
    let email = "ana.souza@example.com";
    Context {
        merchant_name: fixtures.merchant.clone(),
        verified: Some(VerifiedBuyer {
            email: email.to_owned(),
            order_numbers: fixtures.tools.order_numbers_of(email),
        }),
        ..Context::default()
    }
}

#[tokio::test]
async fn the_model_calls_a_tool_then_answers_from_it() {
    let fixtures = fixtures();
    let fake = FakeChat::start().await.unwrap();
    fake.push(Scripted::tool_call("lookup_order", json!({ "number": "1001" })));
    fake.push(Scripted::answer("Tu pedido 1001 está enviado con Correios; el número de seguimiento es BR123456789BR."));
    let turn =
        engine(&fake).respond(&ana(&fixtures), "¿dónde está mi pedido 1001?", Language::Spanish, &fixtures.tools).await;
    assert_eq!(turn.source, AnswerSource::Model);
    assert_eq!(
        turn.reply.as_deref(),
        Some("Tu pedido 1001 está enviado con Correios; el número de seguimiento es BR123456789BR.")
    );
    assert_eq!(fixtures.tools.calls(), [ToolCall::LookupOrder { number: "1001".to_owned() }]);
    assert!(matches!(turn.tool_log[0].outcome, ToolOutcome::Returned(_)));

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].authorization.as_deref(), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(requests[0].body["model"], "test-model");
    let tools: Vec<&str> = requests[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["lookup_order", "buyer_orders", "search_knowledge"]);
    let system = requests[0].messages()[0]["content"].as_str().unwrap().to_owned();
    assert!(system.contains("Answer in Spanish") && system.contains("verified as ana.souza@example.com"), "{system}");
    let second = requests[1].messages();
    let tool_result = second.last().unwrap();
    assert_eq!(tool_result["role"], "tool");
    assert_eq!(tool_result["tool_call_id"], second[second.len() - 2]["tool_calls"][0]["id"]);
    let facts: serde_json::Value = serde_json::from_str(tool_result["content"].as_str().unwrap()).unwrap();
    assert_eq!(facts["status"], "shipped");
    assert_eq!(facts["shipment"]["tracking_number"], "BR123456789BR");
    assert_eq!(facts["total"], "89.90 BRL");
}

#[tokio::test]
async fn a_hallucinated_answer_is_replaced_by_the_embedded_one() {
    let fixtures = fixtures();
    let fake = FakeChat::start().await.unwrap();
    fake.push(Scripted::answer("Your order 1001 was delivered on 2 Nov 2026."));
    let turn = engine(&fake).respond(&ana(&fixtures), "where is order 1001?", Language::English, &fixtures.tools).await;
    assert!(
        matches!(turn.source, AnswerSource::ModelFallback(FallbackCause::Unsupported(UnsupportedFact::Status(_)))),
        "{:?}",
        turn.source
    );
    let reply = turn.reply.unwrap();
    assert!(reply.starts_with("Order 1001 (placed on 1 Nov 2026) is shipped."), "{reply}");

    let fake = FakeChat::start().await.unwrap();
    fake.push(Scripted::tool_call("lookup_order", json!({ "number": "1001" })));
    fake.push(Scripted::answer("Your refund of 89.90 BRL will arrive on 20 Nov 2026."));
    let turn = engine(&fake).respond(&ana(&fixtures), "where is order 1001?", Language::English, &fixtures.tools).await;
    assert!(matches!(turn.source, AnswerSource::ModelFallback(FallbackCause::Unsupported(_))), "{:?}", turn.source);
    assert_eq!(turn.tool_log.len(), 2, "the model's call and the embedded engine's are both logged");
}

#[tokio::test]
async fn an_unverified_buyers_lookup_is_refused_and_logged() {
    let fixtures = fixtures();
    let fake = FakeChat::start().await.unwrap();
    fake.push(Scripted::ToolCalls(vec![
        ("lookup_order".to_owned(), json!({ "number": "1001" })),
        ("buyer_orders".to_owned(), json!({})),
    ]));
    fake.push(Scripted::answer("To check that, please confirm your order number and the email you used."));
    let context = Context::new(fixtures.merchant.clone());
    let turn = engine(&fake).respond(&context, "where is my order 1001", Language::English, &fixtures.tools).await;
    assert_eq!(turn.source, AnswerSource::Model);
    assert!(turn.needs_verification);
    assert!(fixtures.tools.calls().is_empty(), "{:?}", fixtures.tools.calls());
    assert_eq!(turn.tool_log.len(), 2);
    assert!(turn.tool_log.iter().all(|record| record.outcome == ToolOutcome::Refused(Refusal::NotVerified)));
    assert!(turn.tool_log[0].summary().contains("refused: the buyer is not verified"));
    let results = fake.requests()[1].messages();
    let refusal = results.last().unwrap()["content"].as_str().unwrap().to_owned();
    assert!(refusal.contains("ask for the order number and the email"), "{refusal}");
}

#[tokio::test]
async fn a_verified_buyer_cannot_look_up_someone_elses_order() {
    let fixtures = fixtures();
    let fake = FakeChat::start().await.unwrap();
    fake.push(Scripted::tool_call("lookup_order", json!({ "number": "1008" })));
    fake.push(Scripted::answer("I can only see your own orders."));
    let turn =
        engine(&fake).respond(&ana(&fixtures), "what about order 1008", Language::English, &fixtures.tools).await;
    assert!(fixtures.tools.calls().is_empty());
    assert_eq!(turn.tool_log[0].outcome, ToolOutcome::Refused(Refusal::NotBuyersOrder));
}

#[tokio::test]
async fn handoffs_never_reach_the_model() {
    let fixtures = fixtures();
    let fake = FakeChat::start().await.unwrap();
    let engine = engine(&fake);
    let human =
        engine.respond(&ana(&fixtures), "quero falar com um atendente", Language::Portuguese, &fixtures.tools).await;
    assert_eq!(human.handoff.map(|handoff| handoff.reason), Some(HandoffReason::Requested));
    let fraud = engine.respond(&ana(&fixtures), "这是诈骗", Language::Chinese, &fixtures.tools).await;
    assert!(matches!(fraud.handoff.map(|handoff| handoff.reason), Some(HandoffReason::Sensitive(_))));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn model_failures_fall_back_to_the_embedded_engine() {
    let fixtures = fixtures();
    let scripts = [
        Scripted::Status(500),
        Scripted::Status(401),
        Scripted::Oversized,
        Scripted::Delayed(Duration::from_secs(3), Box::new(Scripted::answer("too late"))),
    ];
    for script in scripts {
        let fake = FakeChat::start().await.unwrap();
        fake.push(script.clone());
        let turn =
            engine(&fake).respond(&ana(&fixtures), "where is order 1001?", Language::English, &fixtures.tools).await;
        let AnswerSource::ModelFallback(FallbackCause::ModelError(error)) = &turn.source else {
            panic!("{script:?}: {:?}", turn.source);
        };
        assert!(!error.contains(KEY), "{error}");
        assert!(turn.reply.unwrap().starts_with("Order 1001"), "{script:?}");
    }
}

#[tokio::test]
async fn endless_tool_calls_are_cut_off() {
    let fixtures = fixtures();
    let fake = FakeChat::start().await.unwrap();
    for _ in 0..5 {
        fake.push(Scripted::tool_call("search_knowledge", json!({ "query": "returns" })));
    }
    let turn = engine(&fake).respond(&ana(&fixtures), "how do returns work?", Language::English, &fixtures.tools).await;
    assert_eq!(turn.source, AnswerSource::ModelFallback(FallbackCause::TooManyRounds));
    assert_eq!(fake.requests().len(), 3, "two tool rounds, then the cut");
    assert!(turn.reply.unwrap().contains("Returns and exchanges"));
}

#[tokio::test]
async fn knowledge_answers_from_the_model_pass_when_grounded() {
    let fixtures = fixtures();
    let fake = FakeChat::start().await.unwrap();
    fake.push(Scripted::tool_call("search_knowledge", json!({ "query": "shipping costs" })));
    fake.push(Scripted::answer("Shipping is free on orders over 50 USD (from our article “Shipping costs”)."));
    let context = Context::new(fixtures.merchant.clone());
    let turn = engine(&fake).respond(&context, "is shipping free?", Language::English, &fixtures.tools).await;
    assert_eq!(turn.source, AnswerSource::Model, "{:?}", turn.source);
    assert_eq!(
        fixtures.tools.calls(),
        [ToolCall::SearchKnowledge { query: "shipping costs".to_owned(), language: Some(Language::English) }]
    );
}
