#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::answers;
use crate::facts::{OrderItemFacts, PaymentFacts, RefundFacts, ShipmentFacts};

// 2026-11-01T12:00:00Z and the next days.
const NOVEMBER_FIRST: i64 = 1_793_534_400;
const DAY: i64 = 86_400;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

fn order() -> OrderFacts {
    OrderFacts {
        number: "1001".to_owned(),
        status: OrderStatus::Shipped,
        placed_at: NOVEMBER_FIRST,
        total: usd(2500),
        items: vec![OrderItemFacts { name: "Linen shirt".to_owned(), quantity: 2 }],
        payments: vec![PaymentFacts {
            status: PaymentStatus::Succeeded,
            amount: usd(2500),
            method: "card".to_owned(),
            created_at: NOVEMBER_FIRST,
        }],
        refunds: vec![RefundFacts {
            status: RefundStatus::Pending,
            amount: usd(1000),
            created_at: NOVEMBER_FIRST + 2 * DAY,
            expected_by: Some(NOVEMBER_FIRST + 9 * DAY),
        }],
        shipment: Some(ShipmentFacts {
            carrier: "DHL".to_owned(),
            tracking_number: "JD014600006281230".to_owned(),
            tracking_url: Some("https://track.example/JD014600006281230".to_owned()),
            status: ShipmentStatus::InTransit,
            shipped_at: NOVEMBER_FIRST + DAY,
            estimated_delivery: Some(NOVEMBER_FIRST + 6 * DAY),
        }),
    }
}

#[test]
fn every_template_answer_passes_in_every_language() {
    let outputs = [ToolOutput::Order(Box::new(order()))];
    for phrases in all_phrases() {
        for answer in [
            answers::order_status(phrases, &order()),
            answers::shipment(phrases, &order()),
            answers::payment(phrases, &order()),
            answers::refunds(phrases, &order(), None),
        ] {
            assert_eq!(check_facts(&answer, &outputs), Ok(()), "{:?}: {answer}", phrases.language());
        }
    }
}

#[test]
fn invented_facts_are_caught() {
    let outputs = [ToolOutput::Order(Box::new(order()))];
    let cases = [
        ("Your order 1002 has shipped.", UnsupportedFact::OrderNumber("1002".to_owned())),
        ("The total is 30.00 USD.", UnsupportedFact::Amount("30.00 USD".to_owned())),
        ("The total is $31.", UnsupportedFact::Amount("31 USD".to_owned())),
        ("Tracking number JD99999999.", UnsupportedFact::TrackingNumber("jd99999999".to_owned())),
        ("It will arrive on 9 Nov 2026.", UnsupportedFact::Date("9 nov".to_owned())),
        ("Your order was delivered.", UnsupportedFact::Status("delivered".to_owned())),
        ("Tu pedido fue entregado.", UnsupportedFact::Status("entregado".to_owned())),
        ("订单已签收。", UnsupportedFact::Status("已签收".to_owned())),
        ("预计2026年11月20日送达", UnsupportedFact::Date("11月20日".to_owned())),
        ("تم التسليم", UnsupportedFact::Status("تم التسليم".to_owned())),
    ];
    for (answer, expected) in cases {
        assert_eq!(check_facts(answer, &outputs), Err(expected), "{answer}");
    }
}

#[test]
fn supported_facts_pass_in_other_forms() {
    let outputs = [ToolOutput::Order(Box::new(order()))];
    assert_eq!(check_facts("Your payment of $25 went through: 25 USD on Nov 1.", &outputs), Ok(()));
    assert_eq!(check_facts("طلبك رقم ١٠٠١ في الطريق", &outputs), Ok(()));
    assert_eq!(check_facts("Expected 2026-11-07.", &outputs), Ok(()));
}

#[test]
fn nothing_returned_supports_no_order_fact() {
    assert!(check_facts("Your order 1001 is on its way", &[]).is_err());
    assert_eq!(check_facts("Please confirm your order number and email.", &[]), Ok(()));
    let not_found = [ToolOutput::OrderNotFound { number: "1009".to_owned() }];
    assert_eq!(check_facts("I couldn't find order 1009.", &not_found), Ok(()));
}

#[test]
fn a_returned_tracking_number_that_starts_like_rupiah_is_a_code_not_an_amount() {
    let mut facts = order();
    if let Some(shipment) = facts.shipment.as_mut() {
        shipment.tracking_number = "RP000000000".to_owned();
    }
    let outputs = [ToolOutput::Order(Box::new(facts))];
    assert_eq!(check_facts("Tracking number RP000000000, with DHL.", &outputs), Ok(()));
    assert_eq!(check_facts("运单号RP000000000。", &outputs), Ok(()));
    assert!(check_facts("You paid Rp50000 for it.", &outputs).is_err(), "a real rupiah amount is still checked");
    assert!(check_facts("Tracking number RP000000001.", &outputs).is_err(), "another code is not supported");
}
