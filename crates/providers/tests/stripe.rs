//! The Stripe client against the fake Stripe: payments, declines, 3-D Secure, refunds,
//! retries under one idempotency key, timeouts, credentials and signed webhooks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;
use support::{Receiver, now};
use tradewind_money::{Currency, Money};
use tradewind_payments::card::CardNumber;
use tradewind_providers::fake::FakeStripe;
use tradewind_providers::stripe::{
    CardDetails, CreatePayment, SignatureError, StripePaymentMethod, parse_stripe_event, sign, verify_stripe_signature,
};
use tradewind_providers::transport::RetryPolicy;
use tradewind_providers::{
    CaptureMethod, Decline, ProviderError, ProviderEventKind, ProviderPaymentStatus, ProviderRefundStatus, Secret,
    StripeClient, StripeConfig,
};

const KEY: &str = "sk_test_51FakeKeyForTradewindTests";
const WEBHOOK_SECRET: &str = "whsec_fake_endpoint_secret";

fn config(fake: &FakeStripe) -> StripeConfig {
    let mut config = StripeConfig::new(KEY);
    config.base_url = fake.base_url.clone();
    config.timeout = Duration::from_secs(5);
    config.retry = RetryPolicy { max_retries: 2, backoff: Duration::ZERO };
    config
}

async fn started() -> (FakeStripe, StripeClient) {
    let fake = FakeStripe::start(KEY).await.unwrap();
    let client = StripeClient::new(config(&fake)).unwrap();
    (fake, client)
}

fn money(minor: i64, code: &str) -> Money {
    Money::new(minor, Currency::parse(code).unwrap())
}

fn card(number: &str) -> StripePaymentMethod {
    StripePaymentMethod::Card(CardDetails {
        number: CardNumber::parse(number).unwrap(),
        exp_month: 12,
        exp_year: 2034,
        cvc: Secret::new("123"),
    })
}

fn payment(number: &str, amount: Money, attempt: &str) -> CreatePayment {
    CreatePayment {
        amount,
        capture_method: CaptureMethod::Automatic,
        payment_method: card(number),
        return_url: "https://shop.test/return?order=7".to_owned(),
        reference: attempt.to_owned(),
        idempotency_key: format!("idem_{attempt}"),
    }
}

fn declined(result: Result<impl std::fmt::Debug, ProviderError>) -> Decline {
    match result {
        Err(ProviderError::Declined(decline)) => *decline,
        other => panic!("expected a decline, got {other:?}"),
    }
}

#[tokio::test]
async fn a_card_payment_succeeds_with_stripes_request_shape() {
    let (fake, client) = started().await;
    let paid = client.create_payment(&payment("4242424242424242", money(1_234, "USD"), "pa_1")).await.unwrap();
    assert_eq!(paid.status, ProviderPaymentStatus::Succeeded);
    assert_eq!(paid.amount, money(1_234, "USD"));
    assert_eq!(paid.amount_received, money(1_234, "USD"));
    assert_eq!(paid.reference.as_deref(), Some("pa_1"));
    assert!(paid.charge_id.as_deref().is_some_and(|charge| charge.starts_with("ch_")));
    assert!(paid.provider_id.starts_with("pi_"));

    let sent = fake.requests_to("/v1/payment_intents").pop().unwrap();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(sent.header("idempotency-key"), Some("idem_pa_1"));
    assert!(sent.header("stripe-version").is_some());
    assert!(sent.header("content-type").unwrap().starts_with("application/x-www-form-urlencoded"));
    assert_eq!(sent.form_field("amount").as_deref(), Some("1234"));
    assert_eq!(sent.form_field("currency").as_deref(), Some("usd"));
    assert_eq!(sent.form_field("confirm").as_deref(), Some("true"));
    assert_eq!(sent.form_field("capture_method").as_deref(), Some("automatic"));
    assert_eq!(sent.form_field("payment_method_data[type]").as_deref(), Some("card"));
    assert_eq!(sent.form_field("payment_method_data[card][number]").as_deref(), Some("4242424242424242"));
    assert_eq!(sent.form_field("payment_method_data[card][exp_year]").as_deref(), Some("2034"));
    assert_eq!(sent.form_field("metadata[tradewind_attempt]").as_deref(), Some("pa_1"));
    assert_eq!(sent.form_field("return_url").as_deref(), Some("https://shop.test/return?order=7"));

    let retrieved = client.retrieve_payment(&paid.provider_id).await.unwrap();
    assert_eq!(retrieved, paid);
}

#[tokio::test]
async fn zero_decimal_amounts_go_as_they_are() {
    let (fake, client) = started().await;
    let paid = client.create_payment(&payment("4242424242424242", money(1_500, "JPY"), "pa_jpy")).await.unwrap();
    assert_eq!(paid.amount_received, money(1_500, "JPY"));
    let sent = fake.requests_to("/v1/payment_intents").pop().unwrap();
    assert_eq!(sent.form_field("amount").as_deref(), Some("1500"));
    assert_eq!(sent.form_field("currency").as_deref(), Some("jpy"));
}

#[tokio::test]
async fn a_test_payment_method_id_pays_too() {
    let (fake, client) = started().await;
    let mut request = payment("4242424242424242", money(500, "EUR"), "pa_pm");
    request.payment_method = StripePaymentMethod::Id("pm_card_visa".to_owned());
    let paid = client.create_payment(&request).await.unwrap();
    assert_eq!(paid.status, ProviderPaymentStatus::Succeeded);
    let sent = fake.requests_to("/v1/payment_intents").pop().unwrap();
    assert_eq!(sent.form_field("payment_method").as_deref(), Some("pm_card_visa"));
    assert_eq!(sent.form_field("payment_method_data[card][number]"), None);
}

#[tokio::test]
async fn manual_capture_authorizes_then_captures() {
    let (_fake, client) = started().await;
    let mut request = payment("4242424242424242", money(2_000, "USD"), "pa_manual");
    request.capture_method = CaptureMethod::Manual;
    let authorized = client.create_payment(&request).await.unwrap();
    assert_eq!(authorized.status, ProviderPaymentStatus::Authorized);
    assert_eq!(authorized.amount_capturable, money(2_000, "USD"));
    assert_eq!(authorized.amount_received, money(0, "USD"));

    let captured = client.capture_payment(&authorized.provider_id, Some(money(1_500, "USD")), "cap_1").await.unwrap();
    assert_eq!(captured.status, ProviderPaymentStatus::Succeeded);
    assert_eq!(captured.amount_received, money(1_500, "USD"));

    let again = client.capture_payment(&authorized.provider_id, None, "cap_2").await;
    assert!(
        matches!(&again, Err(ProviderError::InvalidRequest { code, .. }) if code == "payment_intent_unexpected_state"),
        "{again:?}"
    );
}

#[tokio::test]
async fn an_authorization_can_be_canceled() {
    let (_fake, client) = started().await;
    let mut request = payment("4242424242424242", money(800, "USD"), "pa_cancel");
    request.capture_method = CaptureMethod::Manual;
    let authorized = client.create_payment(&request).await.unwrap();
    let canceled = client.cancel_payment(&authorized.provider_id, "cancel_1").await.unwrap();
    assert_eq!(canceled.status, ProviderPaymentStatus::Canceled);
    assert_eq!(canceled.amount_capturable, money(0, "USD"));
}

#[tokio::test]
async fn hard_declines_are_not_retriable() {
    let (_fake, client) = started().await;
    for (number, code, decline_code) in [
        ("4000000000009979", "card_declined", "stolen_card"),
        ("4000000000009987", "card_declined", "lost_card"),
        ("4000000000000069", "expired_card", "expired_card"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
    ] {
        let result = client.create_payment(&payment(number, money(1_000, "USD"), &format!("pa_{number}"))).await;
        let decline = declined(result);
        assert_eq!(decline.code, code);
        assert_eq!(decline.decline_code.as_deref(), Some(decline_code));
        assert!(!decline.retriable, "{decline_code} must not be retried");

        // The declined PaymentIntent exists and says the same on retrieve.
        let payment_id = decline.payment_id.clone().expect("the decline names its PaymentIntent");
        let retrieved = client.retrieve_payment(&payment_id).await.unwrap();
        assert_eq!(retrieved.status, ProviderPaymentStatus::Failed(decline));
    }
}

#[tokio::test]
async fn soft_declines_are_retriable() {
    let (_fake, client) = started().await;
    let result = client.create_payment(&payment("4000000000000002", money(1_000, "USD"), "pa_soft")).await;
    let error = result.as_ref().map(|_| ()).unwrap_err().clone();
    assert!(error.is_retriable());
    assert!(!error.is_ambiguous());
    let decline = declined(result);
    assert_eq!(decline.decline_code.as_deref(), Some("generic_decline"));
    assert_eq!(decline.message, "Your card was declined.");
}

#[tokio::test]
async fn three_d_secure_redirects_then_succeeds() {
    let (fake, client) = started().await;
    let pending = client.create_payment(&payment("4000002500003155", money(4_200, "EUR"), "pa_3ds")).await.unwrap();
    let ProviderPaymentStatus::RequiresAction { redirect_url: Some(url) } = &pending.status else {
        panic!("expected a redirect, got {:?}", pending.status);
    };
    assert_eq!(*url, format!("{}/3ds/{}", fake.base_url, pending.provider_id));
    assert_eq!(pending.amount_received, money(0, "EUR"));

    // The buyer completes the challenge on the page and is sent back.
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = browser.get(url).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("outcome=complete"));
    let finished = browser.post(format!("{url}?outcome=complete")).send().await.unwrap();
    assert_eq!(finished.status(), 303);
    let location = finished.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("https://shop.test/return?order=7&payment_intent={}&redirect_status=succeeded", pending.provider_id)
    );

    let paid = client.retrieve_payment(&pending.provider_id).await.unwrap();
    assert_eq!(paid.status, ProviderPaymentStatus::Succeeded);
    assert_eq!(paid.amount_received, money(4_200, "EUR"));
}

#[tokio::test]
async fn a_failed_challenge_is_a_hard_decline() {
    let (_fake, client) = started().await;
    let pending = client.create_payment(&payment("4000002500003155", money(4_200, "EUR"), "pa_3ds_f")).await.unwrap();
    let ProviderPaymentStatus::RequiresAction { redirect_url: Some(url) } = &pending.status else { panic!() };
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let finished = browser.post(format!("{url}?outcome=fail")).send().await.unwrap();
    assert!(finished.headers()["location"].to_str().unwrap().ends_with("redirect_status=failed"));

    let failed = client.retrieve_payment(&pending.provider_id).await.unwrap();
    let ProviderPaymentStatus::Failed(decline) = failed.status else { panic!("{:?}", failed.status) };
    assert_eq!(decline.code, "payment_intent_authentication_failure");
    assert!(!decline.retriable);
}

#[tokio::test]
async fn refunds_in_part_then_refuse_more_than_is_left() {
    let (fake, client) = started().await;
    let paid = client.create_payment(&payment("4242424242424242", money(5_000, "USD"), "pa_refund")).await.unwrap();

    let refund = client.create_refund(&paid.provider_id, money(1_200, "USD"), "re_1", "idem_re_1").await.unwrap();
    assert_eq!(refund.status, ProviderRefundStatus::Succeeded);
    assert_eq!(refund.amount, money(1_200, "USD"));
    assert_eq!(refund.payment_id.as_deref(), Some(paid.provider_id.as_str()));
    assert_eq!(refund.charge_id, paid.charge_id);
    let sent = fake.requests_to("/v1/refunds").pop().unwrap();
    assert_eq!(sent.form_field("payment_intent").as_deref(), Some(paid.provider_id.as_str()));
    assert_eq!(sent.form_field("amount").as_deref(), Some("1200"));
    assert_eq!(sent.header("idempotency-key"), Some("idem_re_1"));

    assert_eq!(client.retrieve_refund(&refund.id).await.unwrap(), refund);

    let too_much = client.create_refund(&paid.provider_id, money(3_801, "USD"), "re_2", "idem_re_2").await;
    assert!(matches!(&too_much, Err(ProviderError::InvalidRequest { code, .. }) if code == "amount_too_large"));
    let rest = client.create_refund(&paid.provider_id, money(3_800, "USD"), "re_3", "idem_re_3").await.unwrap();
    assert_eq!(rest.amount, money(3_800, "USD"));
}

#[tokio::test]
async fn the_same_idempotency_key_creates_one_payment() {
    let (fake, client) = started().await;
    let request = payment("4242424242424242", money(700, "USD"), "pa_twice");
    let first = client.create_payment(&request).await.unwrap();
    let second = client.create_payment(&request).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(fake.requests_to("/v1/payment_intents").len(), 2);

    // The same key with other parameters is refused.
    let mut other = request.clone();
    other.amount = money(701, "USD");
    let refused = client.create_payment(&other).await;
    assert!(matches!(&refused, Err(ProviderError::InvalidRequest { code, .. }) if code == "idempotency_error"));

    // So is the same key on another endpoint.
    let refund = client.create_refund(&first.provider_id, money(100, "USD"), "re_x", "idem_pa_twice").await;
    assert!(matches!(&refund, Err(ProviderError::InvalidRequest { code, .. }) if code == "idempotency_error"));
}

#[tokio::test]
async fn retries_after_two_500s_under_the_same_idempotency_key() {
    let (fake, client) = started().await;
    fake.fail_next(2);
    let paid = client.create_payment(&payment("4242424242424242", money(999, "USD"), "pa_retry")).await.unwrap();
    assert_eq!(paid.status, ProviderPaymentStatus::Succeeded);

    let sent = fake.requests_to("/v1/payment_intents");
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|request| request.header("idempotency-key") == Some("idem_pa_retry")));
    assert!(sent.iter().all(|request| request.body == sent[0].body));
}

#[tokio::test]
async fn bounded_retries_give_up() {
    let (fake, client) = started().await;
    fake.fail_next(10);
    let result = client.create_payment(&payment("4242424242424242", money(999, "USD"), "pa_down")).await;
    let error = result.unwrap_err();
    assert_eq!(error, ProviderError::Unavailable { status: 500 });
    assert!(error.is_retriable());
    assert!(!error.is_ambiguous());
    assert_eq!(fake.requests_to("/v1/payment_intents").len(), 3);
}

#[tokio::test]
async fn a_timeout_is_ambiguous() {
    let fake = FakeStripe::start(KEY).await.unwrap();
    let mut config = config(&fake);
    config.timeout = Duration::from_millis(200);
    config.retry.max_retries = 1;
    let client = StripeClient::new(config).unwrap();
    fake.hang_next(10);

    let error = client.create_payment(&payment("4242424242424242", money(999, "USD"), "pa_slow")).await.unwrap_err();
    assert_eq!(error, ProviderError::Timeout);
    assert!(error.is_ambiguous(), "the charge may have happened: sync before failing over");
    let sent = fake.requests_to("/v1/payment_intents");
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|request| request.header("idempotency-key") == Some("idem_pa_slow")));
}

#[tokio::test]
async fn a_wrong_key_is_an_authentication_error_and_not_retried() {
    let fake = FakeStripe::start(KEY).await.unwrap();
    let mut config = config(&fake);
    config.secret_key = Secret::new("sk_test_wrong");
    let client = StripeClient::new(config).unwrap();
    let error = client.retrieve_payment("pi_123").await.unwrap_err();
    assert!(matches!(error, ProviderError::Authentication { .. }), "{error:?}");
    assert!(!error.is_retriable());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn an_unknown_payment_is_not_found() {
    let (_fake, client) = started().await;
    let error = client.retrieve_payment("pi_DoesNotExist").await.unwrap_err();
    assert!(matches!(error, ProviderError::NotFound { .. }), "{error:?}");
    let error = client.retrieve_payment("pi_1/../../v1/refunds").await.unwrap_err();
    assert!(matches!(error, ProviderError::InvalidRequest { .. }), "{error:?}");
}

#[tokio::test]
async fn secrets_and_card_numbers_never_print() {
    let (_fake, client) = started().await;
    let printed = format!("{client:?}");
    assert!(!printed.contains(KEY), "{printed}");
    let request = payment("4242424242424242", money(100, "USD"), "pa_debug");
    let printed = format!("{:?}", request.payment_method);
    assert!(printed.contains("4242"), "the last four help support: {printed}");
    assert!(!printed.contains("4242424242424242"), "{printed}");
    assert!(!printed.contains("123"), "the CVC leaked: {printed}");
}

#[tokio::test]
async fn a_webhook_from_stripe_verifies_and_parses() {
    let (fake, client) = started().await;
    let receiver = Receiver::start().await;
    let paid = client.create_payment(&payment("4242424242424242", money(3_000, "USD"), "pa_hook")).await.unwrap();
    let object = fake.payment_intent(&paid.provider_id).unwrap();

    let sent = fake.send_webhook(&receiver.url, WEBHOOK_SECRET, "payment_intent.succeeded", object).await.unwrap();
    assert_eq!(sent.status, 200);
    let delivery = receiver.single();
    let header = delivery.header("stripe-signature");
    assert_eq!(verify_stripe_signature(&delivery.body, header, WEBHOOK_SECRET, now(), 300), Ok(()));

    let event = parse_stripe_event(&delivery.body).unwrap();
    assert_eq!(event.id, sent.event_id);
    assert_eq!(event.event_type, "payment_intent.succeeded");
    let ProviderEventKind::Payment(payment) = event.kind else { panic!("{:?}", event.kind) };
    assert_eq!(payment, paid);
}

#[tokio::test]
async fn tampered_forged_and_stale_webhooks_are_refused() {
    let (fake, _client) = started().await;
    let receiver = Receiver::start().await;
    let object = serde_json::json!({"id": "ch_1", "object": "charge", "amount_refunded": 100, "currency": "usd"});
    fake.send_webhook(&receiver.url, WEBHOOK_SECRET, "charge.refunded", object).await.unwrap();
    let delivery = receiver.single();
    let header = delivery.header("stripe-signature");
    let timestamp: i64 = header.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();

    let mut tampered = delivery.body.clone();
    let position = tampered.iter().position(|byte| *byte == b'1').unwrap();
    tampered[position] = b'9';
    assert_eq!(
        verify_stripe_signature(&tampered, header, WEBHOOK_SECRET, timestamp, 300),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_stripe_signature(&delivery.body, header, "whsec_another", timestamp, 300),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_stripe_signature(&delivery.body, header, WEBHOOK_SECRET, timestamp + 301, 300),
        Err(SignatureError::OutsideTolerance)
    );
    assert_eq!(verify_stripe_signature(&delivery.body, header, WEBHOOK_SECRET, timestamp + 300, 300), Ok(()));

    let ProviderEventKind::Refunded { charge_id, amount_refunded, .. } =
        parse_stripe_event(&delivery.body).unwrap().kind
    else {
        panic!("not a refund event")
    };
    assert_eq!((charge_id.as_str(), amount_refunded), ("ch_1", money(100, "USD")));
}

#[tokio::test]
async fn any_of_several_v1_signatures_may_match() {
    let payload = br#"{"id":"evt_roll","object":"event","created":1,"type":"x","data":{"object":{}}}"#;
    let old_secret = "whsec_old";
    let new_secret = "whsec_new";
    let timestamp = now();
    let old = sign(payload, old_secret, timestamp);
    let new = sign(payload, new_secret, timestamp);
    let new_signature = new.split_once(",v1=").unwrap().1;
    // During a secret roll Stripe signs with both; v0 is ignored.
    let header = format!("{old},v1={new_signature},v0=deadbeef");
    assert_eq!(verify_stripe_signature(payload, &header, new_secret, timestamp, 300), Ok(()));
    assert_eq!(verify_stripe_signature(payload, &header, old_secret, timestamp, 300), Ok(()));
    assert_eq!(verify_stripe_signature(payload, &header, "whsec_third", timestamp, 300), Err(SignatureError::Mismatch));
    let event = parse_stripe_event(payload).unwrap();
    assert_eq!(event.kind, ProviderEventKind::Unknown);
}

#[tokio::test]
async fn refund_and_dispute_events_parse() {
    let (fake, client) = started().await;
    let receiver = Receiver::start().await;
    let paid = client.create_payment(&payment("4242424242424242", money(2_000, "USD"), "pa_events")).await.unwrap();
    let refund = client.create_refund(&paid.provider_id, money(500, "USD"), "re_ev", "idem_re_ev").await.unwrap();
    fake.send_webhook(&receiver.url, WEBHOOK_SECRET, "refund.updated", fake.refund(&refund.id).unwrap()).await.unwrap();
    let delivery = receiver.single();
    assert_eq!(
        verify_stripe_signature(&delivery.body, delivery.header("stripe-signature"), WEBHOOK_SECRET, now(), 300),
        Ok(())
    );
    assert_eq!(parse_stripe_event(&delivery.body).unwrap().kind, ProviderEventKind::Refund(refund));

    let dispute = serde_json::json!({
        "id": "dp_1", "object": "dispute", "amount": 2_000, "currency": "usd", "charge": paid.charge_id,
        "payment_intent": paid.provider_id, "reason": "fraudulent", "status": "needs_response",
    });
    let payload = serde_json::to_vec(&serde_json::json!({
        "id": "evt_dispute", "object": "event", "created": 1_700_000_000, "type": "charge.dispute.created",
        "data": { "object": dispute },
    }))
    .unwrap();
    let event = parse_stripe_event(&payload).unwrap();
    assert_eq!(event.created, 1_700_000_000);
    let ProviderEventKind::Dispute(parsed) = event.kind else { panic!("{:?}", event.kind) };
    assert_eq!(parsed.amount, money(2_000, "USD"));
    assert_eq!(parsed.payment_id.as_deref(), Some(paid.provider_id.as_str()));
    assert_eq!(parsed.charge_id, paid.charge_id);
    assert_eq!(parsed.reason, "fraudulent");
}
