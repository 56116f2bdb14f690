//! Real connector accounts end to end, on SQLite and PostgreSQL, against the local fake
//! Stripe and PayPal: a merchant whose card account is Stripe and whose PayPal account
//! is PayPal pays, is declined (a hard decline is tried once), completes 3-D Secure and
//! PayPal approval through `/connectors/return/{attempt}`, refunds at the provider,
//! receives the providers' webhooks (verified; a bad signature changes nothing; a replay
//! has no second effect) and, when a webhook is lost, the status sync finds the outcome.
//! No card number or secret reaches the logs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, balance_of, card, ledger_verifies, logs};
use serde_json::{Value, json};
use support::row_counts;
use tradewind_providers::fake::{FakePaypal, FakeStripe};
use tradewind_providers::stripe::sign;
use tradewind_providers::{PaypalClient, PaypalConfig};

on_both_backends!(
    a_stripe_payment_succeeds_with_its_money,
    a_hard_decline_is_tried_once,
    three_d_secure_completes_through_the_return_route,
    a_stripe_refund_is_made_at_stripe,
    stripe_webhooks_move_payments_once_and_only_when_signed,
    a_paypal_payment_is_approved_captured_and_refunded,
    paypal_webhooks_are_verified_through_paypal,
    the_status_sync_resolves_a_payment_whose_webhook_was_lost,
    no_card_number_or_secret_is_logged,
);

const STRIPE_KEY: &str = "sk_test_51E2eProvidersKey0000000000";
const STRIPE_WEBHOOK_SECRET: &str = "whsec_e2eProvidersSigningSecret";
const PAYPAL_CLIENT_ID: &str = "client-e2eProvidersClientId";
const PAYPAL_CLIENT_SECRET: &str = "secret-e2eProvidersClientSecret";
const PAYPAL_WEBHOOK_ID: &str = "WH-e2eProvidersWebhookId";
const RETURN_URL: &str = "https://shop.example/return";

/// The fakes and the merchant's accounts on them.
struct Providers {
    stripe: FakeStripe,
    paypal: FakePaypal,
    stripe_account: String,
    paypal_account: String,
}

async fn account(app: &TestApp, body: Value) -> String {
    let (status, account) = app.post("/v1/connector_accounts", body).await;
    assert_eq!(status, 200, "{account}");
    text(&account["id"])
}

async fn providers(app: &TestApp) -> Providers {
    logs();
    let stripe = FakeStripe::start(STRIPE_KEY).await.unwrap();
    let paypal = FakePaypal::start(PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET).await.unwrap();
    let stripe_account = account(
        app,
        json!({"connector": "stripe", "payment_methods": ["card"], "base_url": stripe.base_url,
               "credentials": {"secret_key": STRIPE_KEY, "webhook_secret": STRIPE_WEBHOOK_SECRET}}),
    )
    .await;
    let paypal_account = account(
        app,
        json!({"connector": "paypal", "payment_methods": ["paypal"], "base_url": paypal.base_url,
               "credentials": {"client_id": PAYPAL_CLIENT_ID, "client_secret": PAYPAL_CLIENT_SECRET,
                               "webhook_id": PAYPAL_WEBHOOK_ID}}),
    )
    .await;
    Providers { stripe, paypal, stripe_account, paypal_account }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}")).to_owned()
}

async fn intent(app: &TestApp, id: &str) -> Value {
    let (status, intent) = app.get(&format!("/v1/payment_intents/{id}")).await;
    assert_eq!(status, 200, "{intent}");
    intent
}

/// The PaymentIntent ids the fake Stripe created, oldest first.
fn stripe_intents(providers: &Providers) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for index in 1..=50 {
        let id = format!("pi_Fake{index:020}");
        if providers.stripe.payment_intent(&id).is_some() {
            ids.push(id);
        }
    }
    ids
}

/// A card payment that waits on 3-D Secure at the fake: (intent, the fake's page).
async fn three_d_secure_payment(app: &TestApp) -> (Value, String) {
    let (status, paying) = app.pay(4_200, "usd", "US", card("4000002500003155")).await;
    assert_eq!((status, paying["status"].as_str()), (200, Some("requires_action")), "{paying}");
    let url = text(&paying["next_action"]["redirect_to_url"]["url"]);
    (paying, url)
}

/// Completes 3-D Secure at the fake; answers where the fake sends the buyer.
async fn complete_at_fake(app: &TestApp, url: &str) -> String {
    let (status, location) = app.post_form(&format!("{url}?outcome=complete"), &[]).await;
    assert_eq!(status, 303);
    location.unwrap()
}

/// Follows the provider's redirect back to the server: the merchant's return URL.
async fn come_back(app: &TestApp, location: &str, paying: &Value) -> String {
    let (status, next, body) = app.get_page(location).await;
    assert_eq!(status, 303, "{body}");
    let next = next.unwrap();
    let expected = format!(
        "{RETURN_URL}?payment_intent={}&payment_intent_client_secret={}",
        text(&paying["id"]),
        text(&paying["client_secret"])
    );
    assert_eq!(next, expected);
    next
}

async fn a_stripe_payment_succeeds_with_its_money(app: TestApp) {
    let providers = providers(&app).await;
    let (status, paid) = app.pay(2_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!((status, paid["status"].as_str()), (200, Some("succeeded")), "{paid}");
    assert_eq!(paid["amount_received"], 2_000);
    let charged = providers.stripe.requests_to("/v1/payment_intents");
    assert_eq!(charged.len(), 1, "one PaymentIntent at Stripe");
    assert_eq!(
        charged[0].form_field("metadata[tradewind_attempt]"),
        paid["latest_attempt"].as_str().map(str::to_owned)
    );
    assert_eq!(paid["connector"].as_str(), Some(providers.stripe_account.as_str()), "{paid}");
    // The capture is booked as a sandbox capture is: a charge balance transaction and
    // the net in the merchant's pending balance.
    let (_, transactions) = app.get(&format!("/v1/balance_transactions?source={}", text(&paid["id"]))).await;
    assert!(transactions.to_string().contains("\"charge\""), "{transactions}");
    assert!(balance_of(&app, "pending", "usd").await > 0);
    ledger_verifies(&app);
}

async fn a_hard_decline_is_tried_once(app: TestApp) {
    let providers = providers(&app).await;
    let before = row_counts(&app).await;
    let (status, declined) = app.pay(2_000, "usd", "US", card("4000000000009979")).await;
    assert_eq!(status, 402, "{declined}");
    assert_eq!(declined["error"]["decline_code"], "stolen_card", "{declined}");
    assert_eq!(providers.stripe.requests_to("/v1/payment_intents").len(), 1, "a hard decline is not retried");
    assert!(row_counts(&app).await["ledger_transfers"] == before["ledger_transfers"], "no money moved");
}

async fn three_d_secure_completes_through_the_return_route(app: TestApp) {
    let _providers = providers(&app).await;
    let (paying, url) = three_d_secure_payment(&app).await;
    let location = complete_at_fake(&app, &url).await;
    // As Stripe does, the fake adds the PaymentIntent and `redirect_status`.
    assert!(location.starts_with(&app.url(&format!("/connectors/return/{}?", text(&paying["latest_attempt"])))));
    come_back(&app, &location, &paying).await;
    let paid = intent(&app, &text(&paying["id"])).await;
    assert_eq!((paid["status"].as_str(), paid["amount_received"].as_i64()), (Some("succeeded"), Some(4_200)));
    // A second visit redirects the same way and changes nothing.
    let counts = row_counts(&app).await;
    come_back(&app, &location, &paying).await;
    assert_eq!(row_counts(&app).await, counts);
    // An attempt id that names nothing is a 404.
    let (status, _, _) = app.get_page(&app.url("/connectors/return/pa_00000000000000000000000000")).await;
    assert_eq!(status, 404);
    ledger_verifies(&app);
}

async fn a_stripe_refund_is_made_at_stripe(app: TestApp) {
    let providers = providers(&app).await;
    let (_, paid) = app.pay(3_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": paid["id"], "amount": 1_000})).await;
    assert_eq!((status, refund["status"].as_str()), (200, Some("succeeded")), "{refund}");
    let made = providers.stripe.requests_to("/v1/refunds");
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].form_field("amount").as_deref(), Some("1000"));
    assert_eq!(made[0].header("idempotency-key"), refund["id"].as_str());
    let pi = stripe_intents(&providers).pop().unwrap();
    assert_eq!(made[0].form_field("payment_intent"), Some(pi));
    // Stripe refusing (more than it has left) writes nothing.
    providers.stripe.fail_next(10);
    let before = row_counts(&app).await;
    let (status, refused) = app.post("/v1/refunds", json!({"payment_intent": paid["id"], "amount": 500})).await;
    assert_eq!(status, 502, "{refused}");
    assert_eq!(row_counts(&app).await, before);

    // A retry under the same `Idempotency-Key` after a 502 reaches Stripe under the same
    // key as the lost tries, so Stripe refunds it at most once.
    providers.stripe.fail_next(3);
    let (status, refused, _) =
        app.post_idempotent("/v1/refunds", "refund-once", json!({"payment_intent": paid["id"], "amount": 500})).await;
    assert_eq!(status, 502, "{refused}");
    let (status, refund, _) =
        app.post_idempotent("/v1/refunds", "refund-once", json!({"payment_intent": paid["id"], "amount": 500})).await;
    assert_eq!((status, refund["status"].as_str()), (200, Some("succeeded")), "{refund}");
    let keys: Vec<_> = providers.stripe.requests_to("/v1/refunds")[made.len() + 3..]
        .iter()
        .map(|request| request.header("idempotency-key").map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 4, "three lost tries and the retry");
    assert!(keys.iter().all(|key| key.is_some() && *key == keys[0]), "{keys:?}");
    assert_ne!(keys[0].as_deref(), refund["id"].as_str(), "the key follows the client's, not the new refund id");
    ledger_verifies(&app);
}

/// A Stripe event about `object`, signed with `secret` at `timestamp`: (body, header).
fn stripe_event(id: &str, event_type: &str, object: Value, secret: &str, timestamp: i64) -> (String, String) {
    let body = json!({"id": id, "object": "event", "created": timestamp, "type": event_type,
                      "data": {"object": object}, "livemode": false})
    .to_string();
    let header = sign(body.as_bytes(), secret, timestamp);
    (body, header)
}

async fn deliver(app: &TestApp, account: &str, body: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url(&format!("/v1/connectors/{account}/webhooks")))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn merchant_now(app: &TestApp) -> i64 {
    app.get("/v1/sandbox/clock").await.1["frozen_time"].as_i64().unwrap()
}

async fn stripe_webhooks_move_payments_once_and_only_when_signed(app: TestApp) {
    let providers = providers(&app).await;
    let (paying, url) = three_d_secure_payment(&app).await;
    // The buyer completes 3-D Secure but never comes back: the webhook says.
    complete_at_fake(&app, &url).await;
    let pi = stripe_intents(&providers).pop().unwrap();
    let object = providers.stripe.payment_intent(&pi).unwrap();
    assert_eq!(object["status"], "succeeded");
    let now = merchant_now(&app).await;
    let (body, header) =
        stripe_event("evt_e2e_1", "payment_intent.succeeded", object.clone(), STRIPE_WEBHOOK_SECRET, now);

    let before = row_counts(&app).await;
    let (forged_body, forged) = stripe_event("evt_e2e_1", "payment_intent.succeeded", object, "whsec_wrong", now);
    let (status, answer) =
        deliver(&app, &providers.stripe_account, &forged_body, &[("Stripe-Signature", &forged)]).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("signature_invalid")), "{answer}");
    let (status, _) = deliver(&app, &providers.stripe_account, &body, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(row_counts(&app).await, before, "a refused webhook writes nothing");
    assert_eq!(intent(&app, &text(&paying["id"])).await["status"], "requires_action");

    let (status, receipt) = deliver(&app, &providers.stripe_account, &body, &[("Stripe-Signature", &header)]).await;
    assert_eq!(receipt, json!({"received": true, "duplicate": false, "outcome": "applied"}), "{status}");
    let paid = intent(&app, &text(&paying["id"])).await;
    assert_eq!((paid["status"].as_str(), paid["amount_received"].as_i64()), (Some("succeeded"), Some(4_200)));
    let counts = row_counts(&app).await;
    let (_, replay) = deliver(&app, &providers.stripe_account, &body, &[("Stripe-Signature", &header)]).await;
    assert_eq!(replay, json!({"received": true, "duplicate": true}));
    // The same news under another event id (Stripe sending it again) is stale.
    let sent = providers
        .stripe
        .send_webhook(
            &app.url(&format!("/v1/connectors/{}/webhooks", providers.stripe_account)),
            STRIPE_WEBHOOK_SECRET,
            "payment_intent.succeeded",
            providers.stripe.payment_intent(&pi).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(sent.status, 200);
    let mut after = row_counts(&app).await;
    assert_eq!(after.remove("connector_webhook_events"), Some(counts["connector_webhook_events"] + 1));
    let mut counts = counts;
    counts.remove("connector_webhook_events");
    assert_eq!(after, counts, "no second effect");
    ledger_verifies(&app);
}

/// The fake PayPal's approval page for `paying`, approved (or canceled) by the buyer:
/// where PayPal sends the buyer next.
async fn at_paypal(app: &TestApp, paying: &Value, action: &str) -> String {
    let url = text(&paying["next_action"]["redirect_to_url"]["url"]);
    let (status, location) = app.post_form(&format!("{url}&action={action}"), &[]).await;
    assert_eq!(status, 303);
    location.unwrap()
}

async fn paypal_payment(app: &TestApp, amount: i64) -> Value {
    let (status, paying) = app.pay(amount, "usd", "US", json!({"type": "paypal"})).await;
    assert_eq!((status, paying["status"].as_str()), (200, Some("requires_action")), "{paying}");
    paying
}

async fn a_paypal_payment_is_approved_captured_and_refunded(app: TestApp) {
    let providers = providers(&app).await;
    let paying = paypal_payment(&app, 2_500).await;
    let location = at_paypal(&app, &paying, "approve").await;
    assert!(location.starts_with(&app.url(&format!("/connectors/return/{}", text(&paying["latest_attempt"])))));
    come_back(&app, &location, &paying).await;
    let paid = intent(&app, &text(&paying["id"])).await;
    assert_eq!((paid["status"].as_str(), paid["amount_received"].as_i64()), (Some("succeeded"), Some(2_500)));
    let captures = providers.paypal.requests().into_iter().filter(|request| request.path.ends_with("/capture")).count();
    assert_eq!(captures, 1);
    come_back(&app, &location, &paying).await;
    assert_eq!(
        providers.paypal.requests().into_iter().filter(|request| request.path.ends_with("/capture")).count(),
        1,
        "a second visit captures nothing"
    );

    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": paid["id"]})).await;
    assert_eq!((status, refund["status"].as_str()), (200, Some("succeeded")), "{refund}");
    let refunds: Vec<_> =
        providers.paypal.requests().into_iter().filter(|request| request.path.ends_with("/refund")).collect();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].json().unwrap()["amount"]["value"], "25.00");

    // A buyer who cancels at PayPal comes back to an intent that waits for another try.
    let other = paypal_payment(&app, 900).await;
    let canceled = at_paypal(&app, &other, "cancel").await;
    assert!(canceled.contains("?canceled=true&token="), "{canceled}");
    come_back(&app, &canceled, &other).await;
    assert_eq!(intent(&app, &text(&other["id"])).await["status"], "requires_payment_method");
    // Orders, captures, a refund and returns: one OAuth token served them all.
    assert_eq!(providers.paypal.requests_to("/v1/oauth2/token").len(), 1);
    ledger_verifies(&app);
}

async fn paypal_webhooks_are_verified_through_paypal(app: TestApp) {
    let providers = providers(&app).await;
    let paying = paypal_payment(&app, 1_500).await;
    at_paypal(&app, &paying, "approve").await;
    // Tradewind's capture went through but its answer was lost: PayPal's webhook says.
    let client =
        PaypalClient::new(PaypalConfig::at(&providers.paypal.base_url, PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET))
            .unwrap();
    let order = order_of(&paying);
    let captured = client.capture_order(&order, "test-capture").await.unwrap();
    let capture = providers.paypal.capture(captured.charge_id.as_deref().unwrap()).unwrap();
    let webhook_url = app.url(&format!("/v1/connectors/{}/webhooks", providers.paypal_account));

    // A transmission PayPal did not send is refused, and nothing is written.
    let before = row_counts(&app).await;
    let forged = json!({"id": "WH-FORGED", "event_version": "1.0", "create_time": "2026-01-01T00:00:00Z",
                        "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": capture})
    .to_string();
    let headers = [
        ("PAYPAL-TRANSMISSION-ID", "00000000-fake-11e5-baa3-778b53f4ae55"),
        ("PAYPAL-TRANSMISSION-TIME", "2026-01-01T00:00:00Z"),
        ("PAYPAL-TRANSMISSION-SIG", "Zm9yZ2Vk"),
        ("PAYPAL-CERT-URL", "https://api.paypal.com/v1/notifications/certs/CERT-forged"),
        ("PAYPAL-AUTH-ALGO", "SHA256withRSA"),
    ];
    let (status, answer) = deliver(&app, &providers.paypal_account, &forged, &headers).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("signature_invalid")), "{answer}");
    assert_eq!(row_counts(&app).await, before);

    let sent = providers
        .paypal
        .send_webhook(&webhook_url, PAYPAL_WEBHOOK_ID, "PAYMENT.CAPTURE.COMPLETED", capture)
        .await
        .unwrap();
    assert_eq!(sent.status, 200);
    let paid = intent(&app, &text(&paying["id"])).await;
    assert_eq!((paid["status"].as_str(), paid["amount_received"].as_i64()), (Some("succeeded"), Some(1_500)));
    // The capture PayPal named is the one refunds take.
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": paid["id"], "amount": 500})).await;
    assert_eq!((status, refund["status"].as_str()), (200, Some("succeeded")), "{refund}");
    let refunded: Vec<_> =
        providers.paypal.requests().into_iter().filter(|request| request.path.ends_with("/refund")).collect();
    assert_eq!(refunded[0].path, format!("/v2/payments/captures/{}/refund", captured.charge_id.unwrap()));
    ledger_verifies(&app);
}

/// The PayPal order of `paying`: the `token` of its approval URL.
fn order_of(paying: &Value) -> String {
    let url = text(&paying["next_action"]["redirect_to_url"]["url"]);
    url.split("token=").nth(1).unwrap().split('&').next().unwrap().to_owned()
}

async fn the_status_sync_resolves_a_payment_whose_webhook_was_lost(app: TestApp) {
    let providers = providers(&app).await;
    let (card_paying, url) = three_d_secure_payment(&app).await;
    complete_at_fake(&app, &url).await;
    let paypal_paying = paypal_payment(&app, 1_200).await;
    at_paypal(&app, &paypal_paying, "approve").await;
    // Not yet: the sync waits fifteen minutes before asking.
    app.advance_clock(60).await;
    assert_eq!(intent(&app, &text(&card_paying["id"])).await["status"], "requires_action");
    assert_eq!(intent(&app, &text(&paypal_paying["id"])).await["status"], "requires_action");
    app.advance_clock(15 * 60).await;
    let card_paid = intent(&app, &text(&card_paying["id"])).await;
    assert_eq!((card_paid["status"].as_str(), card_paid["amount_received"].as_i64()), (Some("succeeded"), Some(4_200)));
    let paypal_paid = intent(&app, &text(&paypal_paying["id"])).await;
    assert_eq!(paypal_paid["status"], "succeeded", "the approved order was captured: {paypal_paid}");
    assert_eq!(providers.paypal.requests().into_iter().filter(|request| request.path.ends_with("/capture")).count(), 1);
    // Nothing left to ask: another advance calls no provider.
    let asked = providers.stripe.requests().len() + providers.paypal.requests().len();
    app.advance_clock(16 * 60).await;
    assert_eq!(providers.stripe.requests().len() + providers.paypal.requests().len(), asked);
    ledger_verifies(&app);
}

async fn no_card_number_or_secret_is_logged(app: TestApp) {
    let providers = providers(&app).await;
    let (_, paid) = app.pay(1_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    app.post("/v1/refunds", json!({"payment_intent": paid["id"]})).await;
    let paying = paypal_payment(&app, 800).await;
    let location = at_paypal(&app, &paying, "approve").await;
    come_back(&app, &location, &paying).await;
    drop(providers);
    let logged = String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned();
    for secret in ["4242424242424242", STRIPE_KEY, STRIPE_WEBHOOK_SECRET, PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID] {
        assert!(!logged.contains(secret), "{secret} was logged");
    }
}
