//! The PayPal client against the fake PayPal: OAuth tokens, orders from creation
//! through approval to capture, declines, authorisations, refunds, exact amounts and
//! webhook verification.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use support::Receiver;
use tradewind_money::{Currency, Money};
use tradewind_providers::fake::FakePaypal;
use tradewind_providers::paypal::{CreateOrder, Transmission, parse_paypal_event};
use tradewind_providers::transport::RetryPolicy;
use tradewind_providers::{
    CaptureMethod, Clock, PaypalClient, PaypalConfig, ProviderError, ProviderEventKind, ProviderPayment,
    ProviderPaymentStatus, ProviderRefundStatus,
};

const CLIENT_ID: &str = "AfakeClientIdForTradewind";
const CLIENT_SECRET: &str = "EfakeClientSecretForTradewind";
const WEBHOOK_ID: &str = "8PT597110X687430LKGECATA";
const TOKEN_PATH: &str = "/v1/oauth2/token";

/// A clock the test moves by hand.
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn config(fake: &FakePaypal) -> PaypalConfig {
    let mut config = PaypalConfig::at(&fake.base_url, CLIENT_ID, CLIENT_SECRET);
    config.timeout = Duration::from_secs(5);
    config.retry = RetryPolicy { max_retries: 2, backoff: Duration::ZERO };
    config
}

async fn started() -> (FakePaypal, PaypalClient) {
    let fake = FakePaypal::start(CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let client = PaypalClient::new(config(&fake)).unwrap();
    (fake, client)
}

fn money(minor: i64, code: &str) -> Money {
    Money::new(minor, Currency::parse(code).unwrap())
}

fn order(amount: Money, attempt: &str) -> CreateOrder {
    CreateOrder {
        amount,
        capture_method: CaptureMethod::Automatic,
        reference: attempt.to_owned(),
        return_url: "https://shop.test/paypal/return".to_owned(),
        cancel_url: "https://shop.test/paypal/cancel".to_owned(),
        request_id: format!("req_{attempt}"),
    }
}

fn approval_url(payment: &ProviderPayment) -> String {
    match &payment.status {
        ProviderPaymentStatus::RequiresAction { redirect_url: Some(url) } => url.clone(),
        other => panic!("expected an approval redirect, got {other:?}"),
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The buyer approves at the fake's checkout page; returns where PayPal sends them.
async fn approve(url: &str, buyer: Option<&str>) -> String {
    let buyer = buyer.map(|email| format!("&buyer={email}")).unwrap_or_default();
    let response = browser().post(format!("{url}&action=approve{buyer}")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Creates, approves and captures an order.
async fn paid(client: &PaypalClient, amount: Money, attempt: &str) -> ProviderPayment {
    let created = client.create_order(&order(amount, attempt)).await.unwrap();
    approve(&approval_url(&created), None).await;
    client.capture_order(&created.provider_id, &format!("cap_{attempt}")).await.unwrap()
}

#[tokio::test]
async fn create_approve_capture_completes() {
    let (fake, client) = started().await;
    let created = client.create_order(&order(money(1_234, "USD"), "pa_pp1")).await.unwrap();
    let url = approval_url(&created);
    assert_eq!(url, format!("{}/checkoutnow?token={}", fake.base_url, created.provider_id));
    assert_eq!(created.amount, money(1_234, "USD"));
    assert_eq!(created.reference.as_deref(), Some("pa_pp1"));

    let sent = fake.requests_to("/v2/checkout/orders").pop().unwrap();
    assert_eq!(sent.header("paypal-request-id"), Some("req_pa_pp1"));
    assert!(sent.header("authorization").unwrap().starts_with("Bearer A21AA"));
    let body = sent.json().unwrap();
    assert_eq!(body["intent"], "CAPTURE");
    let unit = &body["purchase_units"][0];
    assert_eq!(unit["amount"], serde_json::json!({"currency_code": "USD", "value": "12.34"}));
    assert_eq!((unit["custom_id"].as_str(), unit["invoice_id"].as_str()), (Some("pa_pp1"), Some("pa_pp1")));
    let context = &body["payment_source"]["paypal"]["experience_context"];
    assert_eq!(context["return_url"], "https://shop.test/paypal/return");
    assert_eq!(context["cancel_url"], "https://shop.test/paypal/cancel");
    assert_eq!(context["user_action"], "PAY_NOW");

    let back = approve(&url, None).await;
    assert!(back.starts_with(&format!("https://shop.test/paypal/return?token={}&PayerID=", created.provider_id)));
    assert_eq!(client.get_order(&created.provider_id).await.unwrap().status, ProviderPaymentStatus::Approved);

    let captured = client.capture_order(&created.provider_id, "cap_pp1").await.unwrap();
    assert_eq!(captured.status, ProviderPaymentStatus::Succeeded);
    assert_eq!(captured.amount_received, money(1_234, "USD"));
    let capture_id = captured.charge_id.clone().expect("the capture to refund");
    assert!(fake.capture(&capture_id).is_some());
    assert_eq!(client.get_order(&created.provider_id).await.unwrap(), captured);
}

#[tokio::test]
async fn the_token_is_fetched_once_and_cached() {
    let (fake, client) = started().await;
    let first = paid(&client, money(500, "USD"), "pa_cache").await;
    client.get_order(&first.provider_id).await.unwrap();
    client.create_order(&order(money(600, "USD"), "pa_cache2")).await.unwrap();

    let tokens = fake.requests_to(TOKEN_PATH);
    assert_eq!(tokens.len(), 1, "one token serves every call");
    let basic = format!("Basic {}", base64_of(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    assert_eq!(tokens[0].header("authorization"), Some(basic.as_str()));
    assert_eq!(tokens[0].form_field("grant_type").as_deref(), Some("client_credentials"));
    let bearer = fake.requests_to(&format!("/v2/checkout/orders/{}", first.provider_id))[0]
        .header("authorization")
        .map(str::to_owned);
    assert!(
        fake.requests()
            .iter()
            .filter(|request| request.path != TOKEN_PATH && !request.path.starts_with("/checkoutnow"))
            .all(|request| request.header("authorization").map(str::to_owned) == bearer)
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn concurrent_calls_share_one_token_fetch() {
    let (fake, client) = started().await;
    let requests =
        [order(money(100, "USD"), "pa_c1"), order(money(200, "USD"), "pa_c2"), order(money(300, "USD"), "pa_c3")];
    let (one, two, three) = tokio::join!(
        client.create_order(&requests[0]),
        client.create_order(&requests[1]),
        client.create_order(&requests[2]),
    );
    assert_eq!(
        [one.unwrap().amount, two.unwrap().amount, three.unwrap().amount],
        [money(100, "USD"), money(200, "USD"), money(300, "USD")]
    );
    assert_eq!(fake.requests_to(TOKEN_PATH).len(), 1);
}

#[tokio::test]
async fn the_token_is_refreshed_shortly_before_it_expires() {
    let fake = FakePaypal::start(CLIENT_ID, CLIENT_SECRET).await.unwrap();
    fake.set_token_lifetime(1_000);
    let clock = Arc::new(ManualClock(AtomicI64::new(10_000)));
    let client = PaypalClient::with_clock(config(&fake), clock.clone()).unwrap();
    let created = client.create_order(&order(money(500, "USD"), "pa_clock")).await.unwrap();

    // The refresh margin is min(300 s, half the lifetime): good until 10,700.
    clock.0.store(10_699, Ordering::SeqCst);
    client.get_order(&created.provider_id).await.unwrap();
    assert_eq!(fake.requests_to(TOKEN_PATH).len(), 1);
    clock.0.store(10_700, Ordering::SeqCst);
    client.get_order(&created.provider_id).await.unwrap();
    assert_eq!(fake.requests_to(TOKEN_PATH).len(), 2);
}

#[tokio::test]
async fn a_refused_token_is_replaced_once() {
    let (fake, client) = started().await;
    let created = client.create_order(&order(money(500, "USD"), "pa_401")).await.unwrap();
    fake.expire_tokens();
    let again = client.get_order(&created.provider_id).await.unwrap();
    assert_eq!(again.provider_id, created.provider_id);
    assert_eq!(fake.requests_to(TOKEN_PATH).len(), 2);
    assert_eq!(fake.requests_to(&format!("/v2/checkout/orders/{}", created.provider_id)).len(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_an_authentication_error() {
    let fake = FakePaypal::start(CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let mut config = config(&fake);
    config.client_secret = "not-the-secret".into();
    let client = PaypalClient::new(config).unwrap();
    let error = client.get_order("5O190127TN364715T").await.unwrap_err();
    assert!(matches!(error, ProviderError::Authentication { .. }), "{error:?}");
    assert!(!error.is_retriable());
    assert_eq!(fake.requests().len(), 1);
    assert!(!format!("{client:?}").contains("not-the-secret"));
}

#[tokio::test]
async fn capture_before_approval_is_order_not_approved() {
    let (_fake, client) = started().await;
    let created = client.create_order(&order(money(500, "USD"), "pa_early")).await.unwrap();
    let error = client.capture_order(&created.provider_id, "cap_early").await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::PayerActionRequired { code, .. } if code == "ORDER_NOT_APPROVED"),
        "{error:?}"
    );
    assert!(!error.is_retriable());
}

#[tokio::test]
async fn a_declined_instrument_sends_the_buyer_back() {
    let (fake, client) = started().await;
    fake.decline_buyer("broke@example.com");
    let created = client.create_order(&order(money(2_500, "EUR"), "pa_declined")).await.unwrap();
    let url = approval_url(&created);
    approve(&url, Some("broke@example.com")).await;

    let error = client.capture_order(&created.provider_id, "cap_declined_1").await.unwrap_err();
    let ProviderError::Declined(decline) = &error else { panic!("{error:?}") };
    assert_eq!(decline.code, "INSTRUMENT_DECLINED");
    assert!(!decline.retriable, "retriable by the buyer, never silently");
    assert_eq!(decline.redirect_url.as_deref(), Some(url.as_str()));

    // The buyer picks another funding source and the capture goes through.
    approve(&url, Some("rich@example.com")).await;
    let captured = client.capture_order(&created.provider_id, "cap_declined_2").await.unwrap();
    assert_eq!(captured.status, ProviderPaymentStatus::Succeeded);
}

#[tokio::test]
async fn refunds_part_of_a_capture() {
    let (fake, client) = started().await;
    let captured = paid(&client, money(5_000, "USD"), "pa_refund").await;
    let capture_id = captured.charge_id.unwrap();

    let refund = client.refund_capture(&capture_id, money(1_250, "USD"), "re_pp1", "req_re_pp1").await.unwrap();
    assert_eq!(refund.status, ProviderRefundStatus::Succeeded);
    assert_eq!(refund.amount, money(1_250, "USD"));
    assert_eq!(refund.charge_id.as_deref(), Some(capture_id.as_str()));
    let sent = fake.requests_to(&format!("/v2/payments/captures/{capture_id}/refund")).pop().unwrap();
    assert_eq!(sent.json().unwrap()["amount"], serde_json::json!({"currency_code": "USD", "value": "12.50"}));
    assert_eq!(sent.header("paypal-request-id"), Some("req_re_pp1"));
    assert_eq!(client.get_refund(&refund.id).await.unwrap(), refund);

    let too_much = client.refund_capture(&capture_id, money(3_751, "USD"), "re_pp2", "req_re_pp2").await;
    assert!(matches!(&too_much, Err(ProviderError::InvalidRequest { code, .. }) if code == "REFUND_AMOUNT_EXCEEDED"));
    // The order still reads as paid: a refund is its own object.
    assert_eq!(client.get_order(&captured.provider_id).await.unwrap().status, ProviderPaymentStatus::Succeeded);
}

#[tokio::test]
async fn amounts_are_exact_in_jpy_usd_and_kwd() {
    let (fake, client) = started().await;
    for (minor, code, value, refunded, refund_value) in
        [(1_500, "JPY", "1500", 499, "499"), (1_999, "USD", "19.99", 1, "0.01"), (12_345, "KWD", "12.345", 5, "0.005")]
    {
        let amount = money(minor, code);
        let attempt = format!("pa_{code}");
        let created = client.create_order(&order(amount, &attempt)).await.unwrap();
        let sent = fake.requests_to("/v2/checkout/orders").pop().unwrap().json().unwrap();
        assert_eq!(sent["purchase_units"][0]["amount"]["value"], value, "{code}");
        assert_eq!(created.amount, amount, "{code}");

        approve(&approval_url(&created), None).await;
        let captured = client.capture_order(&created.provider_id, &format!("cap_{code}")).await.unwrap();
        assert_eq!(captured.amount_received, amount, "{code}");

        let capture_id = captured.charge_id.unwrap();
        let refund = client.refund_capture(&capture_id, money(refunded, code), &attempt, &format!("re_{code}")).await;
        assert_eq!(refund.unwrap().amount, money(refunded, code), "{code}");
        let sent = fake.requests_to(&format!("/v2/payments/captures/{capture_id}/refund")).pop().unwrap();
        assert_eq!(sent.json().unwrap()["amount"]["value"], refund_value, "{code}");
    }
}

#[tokio::test]
async fn an_authorization_is_captured_later() {
    let (_fake, client) = started().await;
    let mut request = order(money(8_000, "USD"), "pa_auth");
    request.capture_method = CaptureMethod::Manual;
    let created = client.create_order(&request).await.unwrap();
    approve(&approval_url(&created), None).await;

    let authorized = client.authorize_order(&created.provider_id, "auth_1").await.unwrap();
    assert_eq!(authorized.status, ProviderPaymentStatus::Authorized);
    assert_eq!(authorized.amount_capturable, money(8_000, "USD"));
    let authorization_id = authorized.charge_id.unwrap();

    let captured =
        client.capture_authorization(&authorization_id, Some(money(6_000, "USD")), "cap_auth").await.unwrap();
    assert_eq!(captured.status, ProviderPaymentStatus::Succeeded);
    assert_eq!(captured.provider_id, created.provider_id);
    assert_eq!(captured.amount_received, money(6_000, "USD"));
    assert_eq!(client.get_order(&created.provider_id).await.unwrap().amount_received, money(6_000, "USD"));

    let voided = client.void_authorization(&authorization_id, "void_auth").await.unwrap_err();
    assert!(matches!(voided, ProviderError::InvalidRequest { .. }), "{voided:?}");
}

#[tokio::test]
async fn retries_under_the_same_request_id_and_replays() {
    let (fake, client) = started().await;
    let first = client.create_order(&order(money(700, "USD"), "pa_warm")).await.unwrap();
    fake.fail_next(2);
    let created = client.create_order(&order(money(700, "USD"), "pa_retry")).await.unwrap();
    let sent: Vec<_> = fake
        .requests_to("/v2/checkout/orders")
        .into_iter()
        .filter(|request| request.header("paypal-request-id") == Some("req_pa_retry"))
        .collect();
    assert_eq!(sent.len(), 3);

    // The same request id again answers the same order.
    let replayed = client.create_order(&order(money(700, "USD"), "pa_retry")).await.unwrap();
    assert_eq!(replayed, created);
    assert_ne!(first.provider_id, created.provider_id);
}

#[tokio::test]
async fn a_webhook_paypal_sent_verifies_and_parses() {
    let (fake, client) = started().await;
    let receiver = Receiver::start().await;
    let captured = paid(&client, money(4_321, "USD"), "pa_hook").await;
    let capture = fake.capture(captured.charge_id.as_deref().unwrap()).unwrap();

    let sent = fake.send_webhook(&receiver.url, WEBHOOK_ID, "PAYMENT.CAPTURE.COMPLETED", capture).await.unwrap();
    assert_eq!(sent.status, 200);
    let delivery = receiver.single();
    let transmission = Transmission::from_headers(&delivery.headers).unwrap();
    assert!(client.verify_webhook(&transmission, WEBHOOK_ID, &delivery.body).await.unwrap());

    // The event went to PayPal byte for byte.
    let verification = fake.requests_to("/v1/notifications/verify-webhook-signature").pop().unwrap();
    let verification_body = String::from_utf8(verification.body).unwrap();
    let event_text = String::from_utf8(delivery.body.clone()).unwrap();
    assert!(verification_body.ends_with(&format!("\"webhook_event\":{event_text}}}")));

    let event = parse_paypal_event(&delivery.body).unwrap();
    assert_eq!(event.id, sent.event_id);
    let ProviderEventKind::Payment(payment) = event.kind else { panic!("{:?}", event.kind) };
    assert_eq!(payment.provider_id, captured.provider_id);
    assert_eq!(payment.status, ProviderPaymentStatus::Succeeded);
    assert_eq!(payment.amount_received, money(4_321, "USD"));
    assert_eq!(payment.reference.as_deref(), Some("pa_hook"));
    assert_eq!(payment.charge_id, captured.charge_id);
}

#[tokio::test]
async fn forged_webhooks_fail_verification() {
    let (fake, client) = started().await;
    let receiver = Receiver::start().await;
    let created = client.create_order(&order(money(900, "USD"), "pa_forged")).await.unwrap();
    approve(&approval_url(&created), None).await;
    let resource = fake.order(&created.provider_id).unwrap();
    fake.send_webhook(&receiver.url, WEBHOOK_ID, "CHECKOUT.ORDER.APPROVED", resource).await.unwrap();
    let delivery = receiver.single();
    let genuine = Transmission::from_headers(&delivery.headers).unwrap();
    assert!(client.verify_webhook(&genuine, WEBHOOK_ID, &delivery.body).await.unwrap());
    let ProviderEventKind::Payment(payment) = parse_paypal_event(&delivery.body).unwrap().kind else { panic!() };
    assert_eq!(payment.status, ProviderPaymentStatus::Approved);

    let body = String::from_utf8(delivery.body.clone()).unwrap();
    let tampered = body.replace("\"9.00\"", "\"0.01\"");
    assert_ne!(tampered, body);
    assert!(!client.verify_webhook(&genuine, WEBHOOK_ID, tampered.as_bytes()).await.unwrap());
    assert!(!client.verify_webhook(&genuine, "ANOTHERWEBHOOK", &delivery.body).await.unwrap());
    let mut forged = genuine.clone();
    forged.transmission_sig = "Zm9yZ2Vk".to_owned();
    assert!(!client.verify_webhook(&forged, WEBHOOK_ID, &delivery.body).await.unwrap());
    let mut unknown = genuine.clone();
    unknown.transmission_id = "00000000-forged".to_owned();
    assert!(!client.verify_webhook(&unknown, WEBHOOK_ID, &delivery.body).await.unwrap());
}

#[tokio::test]
async fn a_refund_webhook_names_the_capture() {
    let (fake, client) = started().await;
    let receiver = Receiver::start().await;
    let captured = paid(&client, money(1_000, "JPY"), "pa_refund_hook").await;
    let capture_id = captured.charge_id.unwrap();
    let refund = client.refund_capture(&capture_id, money(400, "JPY"), "re_hook", "req_re_hook").await.unwrap();
    let resource = fake.refund(&refund.id).unwrap();
    fake.send_webhook(&receiver.url, WEBHOOK_ID, "PAYMENT.CAPTURE.REFUNDED", resource).await.unwrap();

    let delivery = receiver.single();
    let transmission = Transmission::from_headers(&delivery.headers).unwrap();
    assert!(client.verify_webhook(&transmission, WEBHOOK_ID, &delivery.body).await.unwrap());
    let ProviderEventKind::Refund(parsed) = parse_paypal_event(&delivery.body).unwrap().kind else { panic!() };
    assert_eq!(parsed, refund);
    assert_eq!(parsed.charge_id.as_deref(), Some(capture_id.as_str()));
}
