//! Invariants over generated inputs: every template answer about any order passes the
//! guardrail in every language; no text makes the text functions, the entity extractor,
//! the guardrail or knowledge search panic; an unverified buyer never causes an order
//! tool call whatever they write.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use tradewind_assistant::answers::{self, all_phrases};
use tradewind_assistant::eval::{self, FIXTURES_JSON};
use tradewind_assistant::facts::{
    OrderFacts, OrderItemFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundFacts, RefundStatus, ShipmentFacts,
    ShipmentStatus,
};
use tradewind_assistant::{Context, Engine, ToolOutput, check_facts, entities, text};
use tradewind_language::Language;
use tradewind_money::{Currency, Money};

// 2020-01-01 to 2035-01-01.
const TIME_RANGE: std::ops::Range<i64> = 1_577_836_800..2_051_222_400;

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["USD", "EUR", "BRL", "JPY", "KWD", "IDR", "CNY", "SAR", "MXN", "CLF"])
        .prop_map(|code| Currency::parse(code).unwrap())
}

fn order() -> impl Strategy<Value = OrderFacts> {
    let order_status = prop::sample::select(vec![
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Canceled,
        OrderStatus::Refunded,
    ]);
    let payment_status = prop::sample::select(vec![
        PaymentStatus::RequiresPaymentMethod,
        PaymentStatus::RequiresAction,
        PaymentStatus::Processing,
        PaymentStatus::Succeeded,
        PaymentStatus::Canceled,
        PaymentStatus::Failed,
    ]);
    let refund_status = prop::sample::select(vec![
        RefundStatus::Pending,
        RefundStatus::Succeeded,
        RefundStatus::Failed,
        RefundStatus::Canceled,
    ]);
    let shipment_status = prop::sample::select(vec![
        ShipmentStatus::LabelCreated,
        ShipmentStatus::InTransit,
        ShipmentStatus::OutForDelivery,
        ShipmentStatus::Delivered,
        ShipmentStatus::Exception,
    ]);
    (
        100u32..99_999_999,
        order_status,
        TIME_RANGE,
        currency(),
        1i64..10_000_000_000,
        prop::collection::vec((payment_status, 1i64..10_000_000_000, TIME_RANGE), 0..3),
        prop::collection::vec((refund_status, 1i64..10_000_000_000, TIME_RANGE, prop::option::of(TIME_RANGE)), 0..3),
        prop::option::of((shipment_status, "[A-Z]{2}[0-9]{9,14}", TIME_RANGE, prop::option::of(TIME_RANGE))),
        1u32..20,
    )
        .prop_map(|(number, status, placed_at, currency, total, payments, refunds, shipment, quantity)| {
            OrderFacts {
                number: number.to_string(),
                status,
                placed_at,
                total: Money::new(total, currency),
                items: vec![OrderItemFacts { name: "Linen shirt".to_owned(), quantity }],
                payments: payments
                    .into_iter()
                    .map(|(status, amount, created_at)| PaymentFacts {
                        status,
                        amount: Money::new(amount, currency),
                        method: "card".to_owned(),
                        created_at,
                    })
                    .collect(),
                refunds: refunds
                    .into_iter()
                    .map(|(status, amount, created_at, expected_by)| RefundFacts {
                        status,
                        amount: Money::new(amount, currency),
                        created_at,
                        expected_by,
                    })
                    .collect(),
                shipment: shipment.map(|(status, tracking_number, shipped_at, estimated_delivery)| ShipmentFacts {
                    carrier: "DHL".to_owned(),
                    tracking_url: Some(format!("https://track.example/{tracking_number}")),
                    tracking_number,
                    status,
                    shipped_at,
                    estimated_delivery,
                }),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn template_answers_are_always_grounded(order in order()) {
        let outputs = [ToolOutput::Order(Box::new(order.clone()))];
        for phrases in all_phrases() {
            for answer in [
                answers::order_status(phrases, &order),
                answers::shipment(phrases, &order),
                answers::payment(phrases, &order),
                answers::refunds(phrases, &order, None),
            ] {
                prop_assert_eq!(check_facts(&answer, &outputs), Ok(()), "{:?}: {}", phrases.language(), answer);
            }
            let overview = answers::orders_overview(phrases, std::slice::from_ref(&order));
            let listed = [ToolOutput::Orders(vec![order.clone()])];
            prop_assert_eq!(check_facts(&overview, &listed), Ok(()), "{:?}: {}", phrases.language(), overview);
        }
    }

    #[test]
    fn text_functions_never_panic(message in "\\PC{0,300}") {
        let folded = text::fold(&message);
        let _ = text::words(&folded);
        let _ = entities::extract(&message);
        let _ = check_facts(&message, &[]);
    }

    #[test]
    fn search_coverage_stays_a_share(query in "\\PC{0,200}") {
        let index = knowledge_index();
        for hit in index.search(&query, Some(Language::English), 5) {
            prop_assert!((0.0..=1.0).contains(&hit.coverage), "{}", hit.coverage);
        }
    }

    #[test]
    fn unverified_buyers_never_cause_an_order_lookup(message in "\\PC{0,120}", digits in 1000u32..9999) {
        let fixtures = eval::load_fixtures(FIXTURES_JSON).unwrap();
        let engine = Engine::new().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let message = format!("{message} order {digits}");
        for language in Language::SPOKEN {
            let turn = runtime.block_on(engine.respond(&Context::new("Shop"), &message, language, &fixtures.tools));
            prop_assert!(turn.tool_log.iter().all(|record| !record.call.discloses_orders()));
        }
        prop_assert!(fixtures.tools.calls().iter().all(|call| !call.discloses_orders()));
    }
}

fn knowledge_index() -> tradewind_assistant::KnowledgeIndex {
    use tradewind_assistant::Article;
    use tradewind_payments::id::ArticleId;
    let article = |title: &str, body: &str| Article {
        id: ArticleId::generate(),
        language: Language::English,
        title: title.to_owned(),
        body: body.to_owned(),
    };
    tradewind_assistant::KnowledgeIndex::build(vec![
        article("Returns", "You can return any item within 30 days."),
        article("Shipping", "Orders ship within 2 days. 运费 免运费. الشحن مجاني."),
    ])
    .unwrap()
}
