//! The embedded engine's tool paths: the verification gate, the buyer's own orders only,
//! handoffs (requested, sensitive, tagged, low confidence, repeated failure, tool
//! failure) with their summary, and answers in the buyer's language.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tradewind_assistant::eval::{self, FIXTURES_JSON, Fixtures};
use tradewind_assistant::{
    Context, Engine, HandoffReason, Intent, RecentTurn, SensitiveTopic, Speaker, ToolCall, ToolError, ToolOutput,
    Tools, VerifiedBuyer,
};
use tradewind_language::Language;

fn fixtures() -> Fixtures {
    eval::load_fixtures(FIXTURES_JSON).unwrap()
}

fn verified(fixtures: &Fixtures, email: &str) -> Context {
    Context {
        merchant_name: fixtures.merchant.clone(),
        verified: Some(VerifiedBuyer {
            email: email.to_owned(),
            order_numbers: fixtures.tools.order_numbers_of(email),
        }),
        ..Context::default()
    }
}

fn anonymous(fixtures: &Fixtures) -> Context {
    Context::new(fixtures.merchant.clone())
}

#[tokio::test]
async fn an_unverified_buyer_gets_no_order_data_and_no_order_tool_is_called() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let questions = [
        (Language::English, "where is my order 1001?"),
        (Language::Spanish, "¿dónde está mi pedido 1001?"),
        (Language::Chinese, "我的订单1001到哪了"),
        (Language::Portuguese, "cadê meu pedido 1001"),
        (Language::Indonesian, "pesanan 1001 saya di mana"),
        (Language::Arabic, "أين طلبي 1001"),
        (Language::English, "did my payment for order 1008 go through?"),
        (Language::English, "where is my refund for order 1008?"),
        (Language::English, "tracking number for 1008 please"),
    ];
    for (language, question) in questions {
        fixtures.tools.clear_calls();
        let turn = engine.respond(&anonymous(&fixtures), question, language, &fixtures.tools).await;
        assert!(turn.needs_verification, "{question}: {turn:?}");
        assert!(turn.intent.needs_order(), "{question}: {:?}", turn.intent);
        assert!(
            fixtures.tools.calls().iter().all(|call| !call.discloses_orders()),
            "{question}: {:?}",
            fixtures.tools.calls()
        );
        let reply = turn.reply.unwrap();
        for fact in ["1001", "1008", "BR123456789BR", "1Z999AA10123456784", "89.90", "120.00"] {
            assert!(!reply.contains(fact), "{question}: {reply}");
        }
    }
}

#[tokio::test]
async fn the_details_a_buyer_gives_are_returned_for_verification() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let message = "mi pedido es el #1001 y mi correo Ana.Souza@example.com, ¿ya lo enviaron?";
    let turn = engine.respond(&anonymous(&fixtures), message, Language::Spanish, &fixtures.tools).await;
    assert!(turn.needs_verification);
    assert_eq!(turn.entities.order_number.as_deref(), Some("1001"));
    assert_eq!(turn.entities.email.as_deref(), Some("ana.souza@example.com"));
}

#[tokio::test]
async fn a_failing_search_hands_off_keeping_the_intent() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let turn =
        engine.respond(&anonymous(&fixtures), "what is your return policy?", Language::English, &BrokenTools).await;
    assert_eq!(turn.intent, Intent::ReturnPolicy);
    assert_eq!(turn.handoff.map(|handoff| handoff.reason), Some(HandoffReason::ToolFailure));
}

#[tokio::test]
async fn a_verified_buyer_gets_the_order_from_the_tools_in_their_language() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let context = verified(&fixtures, "ana.souza@example.com");
    let turn = engine.respond(&context, "¿Dónde está mi pedido 1001?", Language::Spanish, &fixtures.tools).await;
    assert_eq!(turn.intent, Intent::OrderStatus);
    let reply = turn.reply.unwrap();
    assert!(
        reply.contains("El pedido 1001") && reply.contains("enviado") && reply.contains("BR123456789BR"),
        "{reply}"
    );
    assert!(reply.contains("1 de noviembre de 2026") && reply.contains("89.90 BRL"), "{reply}");
    assert_eq!(fixtures.tools.calls(), [ToolCall::LookupOrder { number: "1001".to_owned() }]);
    assert_eq!(turn.tool_log.len(), 1);
    assert!(
        turn.tool_log[0].summary().starts_with("lookup_order 1001 → order 1001: shipped"),
        "{}",
        turn.tool_log[0].summary()
    );
    assert!(turn.handoff.is_none() && !turn.failed && !turn.needs_verification);
}

#[tokio::test]
async fn another_buyers_order_is_never_looked_up() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let context = verified(&fixtures, "john.miller@example.com");
    let turn = engine.respond(&context, "where is order 1001?", Language::English, &fixtures.tools).await;
    assert!(turn.failed);
    assert!(fixtures.tools.calls().is_empty(), "{:?}", fixtures.tools.calls());
    let reply = turn.reply.unwrap();
    assert!(!reply.contains("1001") && !reply.contains("BR123456789BR"), "{reply}");
}

#[tokio::test]
async fn the_refund_answer_quotes_the_refund_policy() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let context = verified(&fixtures, "john.miller@example.com");
    let turn = engine.respond(&context, "where is my refund?", Language::English, &fixtures.tools).await;
    let reply = turn.reply.unwrap();
    assert!(
        reply.contains("Your refund of 40.00 USD for order 1008 was issued on 7 Nov 2026; its status is: pending."),
        "{reply}"
    );
    assert!(reply.contains("It should reach your account by 17 Nov 2026."), "{reply}");
    assert!(reply.contains("How long refunds take") && reply.contains("5 to 10 business days"), "{reply}");
    let calls = fixtures.tools.calls();
    assert!(matches!(calls[0], ToolCall::BuyerOrders { .. }) && matches!(calls[1], ToolCall::SearchKnowledge { .. }));
}

#[tokio::test]
async fn asking_for_a_person_hands_off_in_every_language() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let requests = [
        (Language::English, "agent please"),
        (Language::English, "I want a human"),
        (Language::Spanish, "quiero hablar con un agente"),
        (Language::Chinese, "转人工"),
        (Language::Portuguese, "quero falar com um atendente"),
        (Language::Indonesian, "mau bicara dengan agen"),
        (Language::Arabic, "أريد التحدث مع موظف"),
    ];
    for (language, request) in requests {
        let turn = engine.respond(&anonymous(&fixtures), request, language, &fixtures.tools).await;
        let handoff = turn.handoff.unwrap_or_else(|| panic!("{request}: no handoff"));
        assert_eq!(handoff.reason, HandoffReason::Requested, "{request}");
        assert_eq!(turn.intent, Intent::HumanRequest);
        assert!(handoff.summary.contains("the buyer asked for a person"), "{}", handoff.summary);
    }
}

#[tokio::test]
async fn sensitive_topics_and_complaint_tags_hand_off() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let cases = [
        ("I'll open a chargeback with my bank", SensitiveTopic::Chargeback),
        ("this looks like fraud, I never made this purchase", SensitiveTopic::Fraud),
        ("my lawyer will contact you", SensitiveTopic::Legal),
        ("I want to file a complaint", SensitiveTopic::Complaint),
    ];
    for (message, topic) in cases {
        let turn = engine.respond(&anonymous(&fixtures), message, Language::English, &fixtures.tools).await;
        assert_eq!(turn.handoff.map(|handoff| handoff.reason), Some(HandoffReason::Sensitive(topic)), "{message}");
        assert!(fixtures.tools.calls().is_empty());
    }
    let mut context = verified(&fixtures, "john.miller@example.com");
    context.tags = vec!["complaint:damaged".to_owned()];
    let turn = engine.respond(&context, "where is my order?", Language::English, &fixtures.tools).await;
    assert_eq!(turn.handoff.map(|handoff| handoff.reason), Some(HandoffReason::Sensitive(SensitiveTopic::Complaint)));
}

#[tokio::test]
async fn a_second_failed_answer_hands_off_with_a_summary() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let mut context = verified(&fixtures, "ana.souza@example.com");
    context.recent_turns = vec![
        RecentTurn { speaker: Speaker::Buyer, text: "oi".to_owned() },
        RecentTurn { speaker: Speaker::Assistant, text: "Olá! Como posso ajudar?".to_owned() },
    ];
    let first = engine.respond(&context, "cadê o pedido 9999?", Language::Portuguese, &fixtures.tools).await;
    assert!(first.failed && first.handoff.is_none(), "{first:?}");
    context.failed_answers = 1;
    let second = engine.respond(&context, "cadê o pedido 9998?", Language::Portuguese, &fixtures.tools).await;
    let handoff = second.handoff.unwrap();
    assert_eq!(handoff.reason, HandoffReason::RepeatedFailure);
    let reply = second.reply.unwrap();
    assert!(reply.starts_with("Não encontrei esse pedido") && reply.contains("uma pessoa da nossa equipe"), "{reply}");
    for expected in [
        "Portuguese",
        "verified as ana.souza@example.com",
        "order_status",
        "order 9998",
        "2 times in a row",
        "Earlier: buyer: \"oi\"",
    ] {
        assert!(handoff.summary.contains(expected), "missing {expected}: {}", handoff.summary);
    }
}

#[tokio::test]
async fn an_unanswerable_question_hands_off_for_low_confidence() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let turn =
        engine.respond(&anonymous(&fixtures), "what's the meaning of life?", Language::English, &fixtures.tools).await;
    assert_eq!(turn.intent, Intent::Unknown);
    assert_eq!(turn.handoff.map(|handoff| handoff.reason), Some(HandoffReason::LowConfidence));
}

struct BrokenTools;

impl Tools for BrokenTools {
    async fn call(&self, _call: &ToolCall) -> Result<ToolOutput, ToolError> {
        Err(ToolError::Timeout)
    }
}

#[tokio::test]
async fn a_failing_tool_hands_off() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let context = verified(&fixtures, "ana.souza@example.com");
    let turn = engine.respond(&context, "where is order 1001", Language::English, &BrokenTools).await;
    let handoff = turn.handoff.unwrap();
    assert_eq!(handoff.reason, HandoffReason::ToolFailure);
    assert!(
        handoff.summary.contains("lookup_order 1001 → failed: the tool did not answer in time"),
        "{}",
        handoff.summary
    );
}

#[tokio::test]
async fn small_talk_and_empty_messages() {
    let fixtures = fixtures();
    let engine = Engine::new().unwrap();
    let hello = engine.respond(&anonymous(&fixtures), "hola!", Language::Spanish, &fixtures.tools).await;
    assert_eq!(hello.intent, Intent::Greeting);
    assert!(hello.reply.unwrap().contains("Lumen & Co"));
    let thanks = engine.respond(&anonymous(&fixtures), "شكرا", Language::Arabic, &fixtures.tools).await;
    assert_eq!(thanks.intent, Intent::Thanks);
    let empty = engine.respond(&anonymous(&fixtures), "   ", Language::English, &fixtures.tools).await;
    assert_eq!(empty.reply, None);
    assert!(empty.handoff.is_none() && !empty.failed);
}
