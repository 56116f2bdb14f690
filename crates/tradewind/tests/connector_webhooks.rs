//! Incoming provider webhooks (`POST /v1/connectors/{id}/webhooks`) end to end, on
//! SQLite and PostgreSQL, with the test playing the sandbox provider: a signed event
//! moves a SOFORT payment to processing and then succeeded with its ledger postings,
//! balance transaction and outgoing events; a bad, missing or stale signature answers
//! 400 and changes nothing (the tolerance follows the merchant's sandbox clock); a
//! replay has no second effect; out-of-order events end in the right final state;
//! events about another merchant's objects are ignored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, ledger_verifies};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use support::{Answer, assert_error, row_counts};
use tradewind_api::flows::connector_webhooks::signed_sandbox_webhook;

on_both_backends!(
    a_signed_event_moves_a_payment_with_its_money_and_events,
    bad_or_stale_signatures_change_nothing,
    a_replay_has_no_second_effect,
    out_of_order_events_end_in_the_right_state,
    events_about_other_merchants_objects_are_ignored,
);

/// A sandbox connector account and the secret its provider signs with.
struct Account {
    id: String,
    secret: String,
}

async fn sandbox_account(app: &TestApp, key: &str, methods: &[&str]) -> Account {
    let (status, account) = app
        .post_with_key(key, "/v1/connector_accounts", json!({"connector": "sandbox", "payment_methods": methods}))
        .await;
    assert_eq!(status, 200, "{account}");
    Account { id: text(&account["id"]), secret: text(&account["webhook_secret"]) }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}")).to_owned()
}

/// The merchant's sandbox time.
async fn merchant_now(app: &TestApp, key: &str) -> i64 {
    app.get_with_key(key, "/v1/sandbox/clock").await.1["frozen_time"].as_i64().unwrap()
}

fn event(id: &str, event_type: &str, data: Value) -> Value {
    json!({"id": id, "type": event_type, "created": 1_700_000_000, "data": data})
}

/// POSTs `body` with `signature` (no header when `None`) to the account's webhook URL.
async fn deliver(app: &TestApp, account_id: &str, body: &str, signature: Option<&str>) -> Answer {
    let mut request = app
        .client
        .post(app.url(&format!("/v1/connectors/{account_id}/webhooks")))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("Tradewind-Signature", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Signs `event` with the account's secret at `timestamp` and delivers it.
async fn send_at(app: &TestApp, account: &Account, event: &Value, timestamp: i64) -> Answer {
    let signed = signed_sandbox_webhook(&account.secret, event, timestamp);
    deliver(app, &account.id, &signed.body, Some(&signed.signature)).await
}

/// Delivers `event` signed now (the merchant's clock) and expects `outcome`.
async fn send(app: &TestApp, account: &Account, event: &Value, outcome: &str) {
    let now = merchant_now(app, &app.secret_key).await;
    let (status, receipt) = send_at(app, account, event, now).await;
    assert_eq!(status, 200, "{event}: {receipt}");
    assert_eq!(receipt, json!({"received": true, "duplicate": false, "outcome": outcome}), "{event}");
}

/// A SOFORT payment waiting on the provider's page: (intent id, attempt id).
async fn sofort_payment(app: &TestApp, key: &str) -> (String, String) {
    let (status, intent) = app
        .post_with_key(
            key,
            "/v1/payment_intents",
            json!({"amount": 5_000, "currency": "eur", "customer": {"country": "DE"}, "confirm": true,
                   "return_url": "https://shop.example/return",
                   "payment_method_data": {"type": "sofort", "sofort": {"country": "DE"}}}),
        )
        .await;
    assert_eq!((status, intent["status"].as_str()), (200, Some("requires_action")), "{intent}");
    (text(&intent["id"]), text(&intent["latest_attempt"]))
}

async fn intent(app: &TestApp, key: &str, id: &str) -> Value {
    let (status, intent) = app.get_with_key(key, &format!("/v1/payment_intents/{id}")).await;
    assert_eq!(status, 200, "{intent}");
    intent
}

/// The types of the outgoing events about `object_id`, oldest first.
async fn event_types(app: &TestApp, object_id: &str) -> Vec<String> {
    let (status, events) = app.get(&format!("/v1/events?object_id={object_id}&limit=100")).await;
    assert_eq!(status, 200, "{events}");
    let mut types: Vec<String> = events["data"].as_array().unwrap().iter().map(|event| text(&event["type"])).collect();
    types.reverse();
    types
}

/// How each table's row count moved since `before` (tables that did not move left out).
fn moved(before: &BTreeMap<&'static str, i64>, after: &BTreeMap<&'static str, i64>) -> BTreeMap<&'static str, i64> {
    after
        .iter()
        .filter(|(table, count)| before[*table] != **count)
        .map(|(table, count)| (*table, count - before[*table]))
        .collect()
}

/// Every provider event recorded, as (event id, outcome), in id order.
async fn recorded(app: &TestApp) -> Vec<(String, String)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let rows =
        sqlx::query_as("SELECT provider_event_id, outcome FROM connector_webhook_events ORDER BY provider_event_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows
}

async fn a_signed_event_moves_a_payment_with_its_money_and_events(app: TestApp) {
    let account = sandbox_account(&app, &app.secret_key, &["sofort"]).await;
    let (intent_id, attempt_id) = sofort_payment(&app, &app.secret_key).await;
    let start = row_counts(&app).await;

    send(&app, &account, &event("evt_p1", "payment.processing", json!({"attempt": attempt_id})), "applied").await;
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await["status"], "processing");
    let processing = row_counts(&app).await;
    assert_eq!(moved(&start, &processing), BTreeMap::from([("connector_webhook_events", 1), ("events", 1)]));
    // The provider decides the outcome: no schedule settles it meanwhile.
    app.advance_clock(10 * 86_400).await;
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await["status"], "processing");

    let body = event("evt_p2", "payment.succeeded", json!({"attempt": attempt_id}));
    send(&app, &account, &body, "applied").await;
    let succeeded = intent(&app, &app.secret_key, &intent_id).await;
    assert_eq!((succeeded["status"].as_str(), succeeded["amount_received"].as_i64()), (Some("succeeded"), Some(5_000)));
    let after = row_counts(&app).await;
    let changes = moved(&processing, &after);
    assert_eq!((changes["connector_webhook_events"], changes["events"], changes["balance_transactions"]), (1, 1, 1));
    assert!(changes["ledger_transfers"] >= 2, "the capture and its fee were posted: {changes:?}");
    let (_, transactions) = app.get("/v1/balance_transactions?limit=100").await;
    let charge = transactions["data"].as_array().unwrap().iter().find(|row| row["source"] == json!(intent_id));
    let charge = charge.unwrap_or_else(|| panic!("no balance transaction for {intent_id}: {transactions}"));
    assert_eq!((charge["type"].as_str(), charge["amount"].as_i64()), (Some("charge"), Some(5_000)), "{charge}");
    assert!(charge["fee"].as_i64().unwrap() > 0, "{charge}");
    let types = event_types(&app, &intent_id).await;
    assert_eq!(types[types.len() - 2..], ["payment_intent.processing", "payment_intent.succeeded"], "{types:?}");
    assert_eq!(types.iter().filter(|kind| *kind == "payment_intent.succeeded").count(), 1, "{types:?}");
    let (_, attempts) = app.get(&format!("/v1/payment_intents/{intent_id}/attempts")).await;
    assert_eq!(attempts["data"][0]["status"], "captured", "{attempts}");

    // What was recorded: each event once, applied, with the digest of its raw body.
    let expected_digest = hex::encode(Sha256::digest(body.to_string().as_bytes()));
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let (digest, merchant, object): (String, String, String) = sqlx::query_as(
        "SELECT payload_sha256, merchant_id, object_id FROM connector_webhook_events WHERE provider_event_id = 'evt_p2'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!((digest, merchant, object), (expected_digest, app.merchant_id.clone(), attempt_id.clone()));
    assert_eq!(
        recorded(&app).await,
        [("evt_p1".to_owned(), "applied".to_owned()), ("evt_p2".to_owned(), "applied".to_owned())]
    );

    // A SOFORT refund waits for the provider too.
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": intent_id, "amount": 2_000})).await;
    assert_eq!((status, refund["status"].as_str()), (200, Some("pending")), "{refund}");
    let refund_id = text(&refund["id"]);
    send(&app, &account, &event("evt_r1", "refund.succeeded", json!({"refund": refund_id})), "applied").await;
    assert_eq!(app.get(&format!("/v1/refunds/{refund_id}")).await.1["status"], "succeeded");
    assert_eq!(event_types(&app, &refund_id).await.last().map(String::as_str), Some("refund.updated"));
    ledger_verifies(&app);
}

async fn bad_or_stale_signatures_change_nothing(app: TestApp) {
    let account = sandbox_account(&app, &app.secret_key, &["sofort"]).await;
    let (intent_id, attempt_id) = sofort_payment(&app, &app.secret_key).await;
    let (status, stripe) = app
        .post(
            "/v1/connector_accounts",
            json!({"connector": "stripe", "payment_methods": ["card"],
                   "credentials": {"secret_key": "sk_test_0123456789abcdef", "webhook_secret": "whsec_0123456789abcdef"}}),
        )
        .await;
    assert_eq!(status, 200, "{stripe}");
    let succeeded = event("evt_s1", "payment.succeeded", json!({"attempt": attempt_id}));
    let body = succeeded.to_string();
    let now = merchant_now(&app, &app.secret_key).await;
    let good = signed_sandbox_webhook(&account.secret, &succeeded, now);
    let forged = signed_sandbox_webhook("whsec_not_the_secret", &succeeded, now);
    let other_body = event("evt_s1", "payment.failed", json!({"attempt": attempt_id})).to_string();
    let before = row_counts(&app).await;

    let cases: Vec<(&str, &str, Option<String>, &str)> = vec![
        ("no signature", &body, None, "signature_invalid"),
        ("another secret", &body, Some(forged.signature.clone()), "signature_invalid"),
        ("another body", &other_body, Some(good.signature.clone()), "signature_invalid"),
        (
            "no timestamp",
            &body,
            Some(good.signature.split(',').skip(1).collect::<Vec<_>>().join(",")),
            "signature_invalid",
        ),
        ("not hex", &body, Some(format!("t={now},v1=zz")), "signature_invalid"),
        ("not a header", &body, Some("garbage".to_owned()), "signature_invalid"),
        (
            "too old",
            &body,
            Some(signed_sandbox_webhook(&account.secret, &succeeded, now - 360).signature),
            "signature_timestamp_outside_tolerance",
        ),
        (
            "too new",
            &body,
            Some(signed_sandbox_webhook(&account.secret, &succeeded, now + 360).signature),
            "signature_timestamp_outside_tolerance",
        ),
    ];
    for (case, body, signature, code) in cases {
        let answer = deliver(&app, &account.id, body, signature.as_deref()).await;
        assert_error(&answer, 400, code, None);
        assert_eq!(row_counts(&app).await, before, "{case} wrote something");
    }
    for missing in ["mca_00000000000000000000000000", "nonsense"] {
        assert_error(&deliver(&app, missing, &body, Some(&good.signature)).await, 404, "resource_missing", Some("id"));
    }
    // Verified but unreadable: a typed 400, nothing recorded.
    let malformed = signed_sandbox_webhook(&account.secret, &json!({"type": "payment.succeeded"}), now);
    assert_error(
        &deliver(&app, &account.id, &malformed.body, Some(&malformed.signature)).await,
        400,
        "parameter_missing",
        Some("id"),
    );
    let signed_text = tradewind_connectors::webhook_signature::header(&[&account.secret], now, b"not json");
    assert_error(
        &deliver(&app, &account.id, "not json", Some(&signed_text)).await,
        400,
        "parameter_invalid_json",
        None,
    );
    // A Stripe account verifies `Stripe-Signature`: a sandbox signature is refused,
    // nothing recorded (tests/providers_e2e.rs covers Stripe's own signatures).
    let unsigned = deliver(&app, &text(&stripe["id"]), &body, Some(&good.signature)).await;
    assert_error(&unsigned, 400, "signature_invalid", None);
    assert_eq!(row_counts(&app).await, before);
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await["status"], "requires_action");

    // The tolerance follows the merchant's sandbox clock, not the server's.
    app.advance_clock(600).await;
    let before = row_counts(&app).await;
    let server_now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (status, receipt) = send_at(&app, &account, &succeeded, server_now).await;
    assert_error(&(status, receipt), 400, "signature_timestamp_outside_tolerance", None);
    assert_eq!(row_counts(&app).await, before);
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await["status"], "requires_action");
    send(&app, &account, &succeeded, "applied").await;
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await["status"], "succeeded");
}

async fn a_replay_has_no_second_effect(app: TestApp) {
    let account = sandbox_account(&app, &app.secret_key, &["sofort"]).await;
    let (intent_id, attempt_id) = sofort_payment(&app, &app.secret_key).await;
    let succeeded = event("evt_once", "payment.succeeded", json!({"attempt": attempt_id}));
    let now = merchant_now(&app, &app.secret_key).await;
    let signed = signed_sandbox_webhook(&account.secret, &succeeded, now);
    let (status, first) = deliver(&app, &account.id, &signed.body, Some(&signed.signature)).await;
    assert_eq!((status, first["outcome"].as_str()), (200, Some("applied")), "{first}");
    let after_first = row_counts(&app).await;
    let answer_after_first = intent(&app, &app.secret_key, &intent_id).await;

    // The same delivery again, the same event re-signed later, and the same id with
    // another type: all duplicates, none with an effect.
    let failed_with_same_id = event("evt_once", "payment.failed", json!({"attempt": attempt_id}));
    let later = signed_sandbox_webhook(&account.secret, &succeeded, now + 60);
    let other = signed_sandbox_webhook(&account.secret, &failed_with_same_id, now);
    for (body, signature) in
        [(&signed.body, &signed.signature), (&later.body, &later.signature), (&other.body, &other.signature)]
    {
        let (status, receipt) = deliver(&app, &account.id, body, Some(signature)).await;
        assert_eq!((status, receipt.clone()), (200, json!({"received": true, "duplicate": true})), "{receipt}");
    }
    assert_eq!(row_counts(&app).await, after_first, "no second posting, event or record");
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await, answer_after_first);

    // Sent twice at once: one applies, the other is a duplicate.
    let (_, second_attempt) = sofort_payment(&app, &app.secret_key).await;
    let racing = event("evt_race", "payment.succeeded", json!({"attempt": second_attempt}));
    let signed = signed_sandbox_webhook(&account.secret, &racing, now);
    let (one, two) = tokio::join!(
        deliver(&app, &account.id, &signed.body, Some(&signed.signature)),
        deliver(&app, &account.id, &signed.body, Some(&signed.signature)),
    );
    let mut duplicates = [one.1["duplicate"].as_bool(), two.1["duplicate"].as_bool()];
    duplicates.sort();
    assert_eq!((one.0, two.0, duplicates), (200, 200, [Some(false), Some(true)]), "{} {}", one.1, two.1);
    let charges = app.get("/v1/balance_transactions?limit=100").await.1["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["type"] == "charge")
        .count();
    assert_eq!(charges, 2, "one charge per payment");
    ledger_verifies(&app);
}

async fn out_of_order_events_end_in_the_right_state(app: TestApp) {
    let account = sandbox_account(&app, &app.secret_key, &["sofort"]).await;
    // Succeeded before processing: the late processing event changes nothing.
    let (first, first_attempt) = sofort_payment(&app, &app.secret_key).await;
    send(&app, &account, &event("evt_a2", "payment.succeeded", json!({"attempt": first_attempt})), "applied").await;
    let before = row_counts(&app).await;
    send(&app, &account, &event("evt_a1", "payment.processing", json!({"attempt": first_attempt})), "ignored_stale")
        .await;
    send(&app, &account, &event("evt_a3", "payment.failed", json!({"attempt": first_attempt})), "ignored_stale").await;
    assert_eq!(moved(&before, &row_counts(&app).await), BTreeMap::from([("connector_webhook_events", 2)]));
    assert_eq!(intent(&app, &app.secret_key, &first).await["status"], "succeeded");

    // Failed, then a late success: the failure stands.
    let (second, second_attempt) = sofort_payment(&app, &app.secret_key).await;
    let failure = json!({"attempt": second_attempt, "failure_code": "payment_method_provider_decline",
                         "failure_message": "The bank declined."});
    send(&app, &account, &event("evt_b1", "payment.failed", failure), "applied").await;
    send(&app, &account, &event("evt_b2", "payment.succeeded", json!({"attempt": second_attempt})), "ignored_stale")
        .await;
    let failed = intent(&app, &app.secret_key, &second).await;
    assert_eq!(failed["status"], "requires_payment_method", "{failed}");
    assert_eq!(failed["last_payment_error"]["code"], "payment_method_provider_decline", "{failed}");
    assert_eq!(failed["amount_received"], 0);

    // A refund that fails gives the money back; a late success changes nothing.
    let (_, refund) = app.post("/v1/refunds", json!({"payment_intent": first, "amount": 1_500})).await;
    assert_eq!(refund["status"], "pending", "{refund}");
    let refund_id = text(&refund["id"]);
    send(&app, &account, &event("evt_c1", "refund.failed", json!({"refund": refund_id})), "applied").await;
    send(&app, &account, &event("evt_c2", "refund.succeeded", json!({"refund": refund_id})), "ignored_stale").await;
    let (_, refund) = app.get(&format!("/v1/refunds/{refund_id}")).await;
    assert_eq!(refund["status"], "failed", "{refund}");
    assert_eq!(intent(&app, &app.secret_key, &first).await["amount_refunded"], 0, "the refund was released");
    let (_, transactions) = app.get("/v1/balance_transactions?limit=100").await;
    assert!(
        transactions["data"].as_array().unwrap().iter().any(|row| row["type"] == "refund_failure"),
        "{transactions}"
    );
    assert_eq!(event_types(&app, &refund_id).await.last().map(String::as_str), Some("refund.failed"));

    // A payment already processing on the provider's page, settled by its event before
    // its schedule: the sweep finds nothing left to do.
    let (third, third_attempt) = sofort_payment(&app, &app.secret_key).await;
    let page = intent(&app, &app.secret_key, &third).await["next_action"]["redirect_to_url"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post_form(&page, &[("choice", "approve")]).await;
    assert_eq!(intent(&app, &app.secret_key, &third).await["status"], "processing");
    send(&app, &account, &event("evt_d1", "payment.processing", json!({"attempt": third_attempt})), "ignored_stale")
        .await;
    send(&app, &account, &event("evt_d2", "payment.succeeded", json!({"attempt": third_attempt})), "applied").await;
    let settled = app.advance_clock(10 * 86_400).await;
    assert_eq!(settled["settled"], 0, "{settled}");
    assert_eq!(event_types(&app, &third).await.iter().filter(|kind| *kind == "payment_intent.succeeded").count(), 1);
    ledger_verifies(&app);
}

async fn events_about_other_merchants_objects_are_ignored(app: TestApp) {
    let (other_key, _) = app.second_merchant().await;
    let theirs = sandbox_account(&app, &other_key, &["sofort", "card"]).await;
    let (intent_id, attempt_id) = sofort_payment(&app, &app.secret_key).await;
    let (status, paid) = app.pay(2_000, "usd", "US", common::card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let (_, refund) = app.post("/v1/refunds", json!({"payment_intent": paid["id"], "amount": 500})).await;
    let before = row_counts(&app).await;
    let other_now = merchant_now(&app, &other_key).await;
    for (event_id, event_type, data) in [
        ("evt_x1", "payment.succeeded", json!({"attempt": attempt_id})),
        ("evt_x2", "refund.failed", json!({"refund": refund["id"]})),
        ("evt_x3", "payment.succeeded", json!({"attempt": "pa_00000000000000000000000000"})),
        ("evt_x4", "charge.dispute.created", json!({})),
    ] {
        let (status, receipt) = send_at(&app, &theirs, &event(event_id, event_type, data), other_now).await;
        assert_eq!((status, receipt["outcome"].as_str()), (200, Some("ignored_unknown")), "{event_id}: {receipt}");
    }
    assert_eq!(moved(&before, &row_counts(&app).await), BTreeMap::from([("connector_webhook_events", 4)]));
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await["status"], "requires_action");

    // This merchant's account for cards only does not move a SOFORT payment; a
    // disabled account still receives for the methods it had.
    let cards_only = sandbox_account(&app, &app.secret_key, &["card"]).await;
    send(&app, &cards_only, &event("evt_y1", "payment.succeeded", json!({"attempt": attempt_id})), "ignored_unknown")
        .await;
    let own = sandbox_account(&app, &app.secret_key, &["sofort"]).await;
    let deleted = support::send(
        &app,
        reqwest::Method::DELETE,
        &format!("/v1/connector_accounts/{}", own.id),
        Some(&app.secret_key),
        None,
    )
    .await;
    assert_eq!(deleted.1["status"], "disabled", "{}", deleted.1);
    send(&app, &own, &event("evt_y2", "payment.succeeded", json!({"attempt": attempt_id})), "applied").await;
    assert_eq!(intent(&app, &app.secret_key, &intent_id).await["status"], "succeeded");
    // Event ids are per account: the other merchant's evt_x1 does not shadow ours.
    send(&app, &own, &event("evt_x1", "payment.processing", json!({"attempt": attempt_id})), "ignored_stale").await;
}
