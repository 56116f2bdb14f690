//! Connector accounts end to end, on SQLite and PostgreSQL: created, listed in the
//! merchant's order (with a cursor and a method filter), retrieved, updated and
//! disabled; credentials never in an answer, a log line or a stored byte in the clear,
//! encrypted with the configured key and bound to their row; bad input a typed 400
//! that writes nothing; another merchant sees nothing; sandbox faults validated and
//! round-tripped; payments without connector accounts still go to the implicit sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{Backend, TestApp, card, logs, test_credentials_key};
use serde_json::{Value, json};
use std::sync::Arc;
use support::{assert_error, message_without, row_counts};
use tradewind_api::credentials::{Binding, Column, Credentials, CredentialsKey};
use tradewind_api::flows::connector_accounts::{self as flow, ConnectorAccount};
use tradewind_api::state::AppState;
use tradewind_api::{ApiConfig, SystemClock};
use tradewind_connectors::faults::FaultDecision;
use tradewind_storage::connector_accounts;

on_both_backends!(
    accounts_are_created_listed_in_order_updated_and_disabled,
    credentials_are_encrypted_bound_to_their_row_and_never_shown,
    bad_input_is_a_typed_400_that_writes_nothing,
    another_merchant_sees_nothing,
    sandbox_faults_are_validated_and_round_trip,
    payments_without_connector_accounts_use_the_implicit_sandbox,
);

/// A secret no other test uses, so finding it anywhere means this test leaked it.
fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

fn stripe_body(secret_key: &str, webhook_secret: &str) -> Value {
    json!({
        "connector": "stripe",
        "label": "Stripe EU",
        "payment_methods": ["card"],
        "credentials": {"secret_key": secret_key, "webhook_secret": webhook_secret},
        "base_url": "http://127.0.0.1:12111",
    })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, account) = app.post("/v1/connector_accounts", body).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["object"], "connector_account", "{account}");
    account
}

async fn delete(app: &TestApp, path: &str) -> support::Answer {
    support::send(app, reqwest::Method::DELETE, path, Some(&app.secret_key), None).await
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list["data"].as_array().unwrap().iter().map(id).collect()
}

/// An application state on the test's database with the test key, for the functions
/// routing will call.
async fn state_with(app: &TestApp, credentials_key: CredentialsKey) -> AppState {
    let store = tradewind::startup::connect(&app.database_url).await.expect("store");
    let config = ApiConfig {
        public_base_url: app.base_url.clone(),
        fingerprint_key: Arc::from(&b"unused"[..]),
        fx_markup_basis_points: 40,
        credentials_key,
        ledger_postings: true,
    };
    AppState::new(store, config, Arc::new(SystemClock))
}

async fn row(state: &AppState, merchant_id: &str, id: &str) -> connector_accounts::ConnectorAccountRow {
    connector_accounts::get(state.store.pool(), merchant_id, id).await.unwrap().expect("stored row")
}

async fn accounts_are_created_listed_in_order_updated_and_disabled(app: TestApp) {
    let sandbox = create(
        &app,
        json!({"connector": "sandbox", "payment_methods": ["card", "sofort", "card"], "countries": ["de", "AT"],
               "currencies": ["EUR"], "fees": {"card": {"percent_basis_points": 250}}, "fx_spread_basis_points": 30}),
    )
    .await;
    assert_eq!(sandbox["connector"], "sandbox");
    assert_eq!(sandbox["label"], "sandbox", "the label defaults to the connector");
    assert_eq!(sandbox["payment_methods"], json!(["card", "sofort"]), "deduplicated, in order");
    assert_eq!((sandbox["countries"].clone(), sandbox["currencies"].clone()), (json!(["DE", "AT"]), json!(["eur"])));
    assert_eq!(sandbox["fees"], json!({"card": {"percent_basis_points": 250}}));
    assert_eq!((sandbox["mode"].as_str(), sandbox["status"].as_str()), (Some("test"), Some("enabled")));
    assert_eq!((sandbox["position"].as_i64(), sandbox["credentials"].clone()), (Some(0), json!({})));
    assert_eq!(sandbox["faults"]["error_rate_percent"], 0, "a sandbox starts without faults: {sandbox}");
    assert!(sandbox["webhook_secret"].as_str().unwrap().starts_with("whsec_"), "shown on create: {sandbox}");
    let webhook_url = app.url(&format!("/v1/connectors/{}/webhooks", id(&sandbox)));
    assert_eq!(sandbox["webhook_url"], json!(webhook_url));

    let stripe = create(&app, stripe_body(&unique("sk_test_"), &unique("whsec_"))).await;
    assert_eq!((stripe["position"].as_i64(), stripe["faults"].clone()), (Some(1), Value::Null), "{stripe}");
    assert!(stripe.get("webhook_secret").is_none(), "a real connector's secret is never shown: {stripe}");
    assert_eq!(stripe["base_url"], "http://127.0.0.1:12111");
    let paypal = create(
        &app,
        json!({"connector": "paypal", "payment_methods": ["paypal"], "position": 5, "mode": "live",
               "credentials": {"client_id": unique("client-"), "client_secret": unique("secret-"),
                               "webhook_id": unique("WH-")}}),
    )
    .await;
    assert_eq!((paypal["position"].as_i64(), paypal["mode"].as_str()), (Some(5), Some("live")));

    let (status, list) = app.get("/v1/connector_accounts").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list), [id(&sandbox), id(&stripe), id(&paypal)], "the merchant's order");
    let (_, first) = app.get("/v1/connector_accounts?limit=1").await;
    assert_eq!((ids(&first), first["has_more"].as_bool()), (vec![id(&sandbox)], Some(true)));
    let (_, rest) = app.get(&format!("/v1/connector_accounts?starting_after={}", id(&sandbox))).await;
    assert_eq!((ids(&rest), rest["has_more"].as_bool()), (vec![id(&stripe), id(&paypal)], Some(false)));
    let (_, cards) = app.get("/v1/connector_accounts?payment_method=card").await;
    assert_eq!(ids(&cards), [id(&sandbox), id(&stripe)]);
    let (_, transfers) = app.get("/v1/connector_accounts?payment_method=bank_transfer").await;
    assert_eq!(ids(&transfers), Vec::<String>::new());

    // Moving Stripe last reorders; updates show at once and on retrieval.
    let path = format!("/v1/connector_accounts/{}", id(&stripe));
    let (status, updated) = app
        .post(
            &path,
            json!({"position": 10, "label": "Stripe (backup)", "fees": {"card": {"fixed_amount": 0}},
                   "currencies": ["usd", "eur"], "settlement_currency": "eur", "fx_spread_basis_points": 50}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!((updated["label"].as_str(), updated["position"].as_i64()), (Some("Stripe (backup)"), Some(10)));
    assert_eq!(updated["currencies"], json!(["usd", "eur"]));
    assert_eq!(
        (updated["settlement_currency"].as_str(), updated["fx_spread_basis_points"].as_i64()),
        (Some("eur"), Some(50))
    );
    assert_eq!(app.get(&path).await.1, updated);
    let (_, list) = app.get("/v1/connector_accounts").await;
    assert_eq!(ids(&list), [id(&sandbox), id(&paypal), id(&stripe)]);
    let (_, cleared) =
        app.post(&path, json!({"currencies": null, "settlement_currency": null, "fees": {"card": null}})).await;
    assert_eq!((cleared["currencies"].clone(), cleared["settlement_currency"].clone()), (Value::Null, Value::Null));
    assert_eq!(cleared["fees"], Value::Null, "back to the default schedule: {cleared}");

    // What routing reads: the enabled accounts for a method, in order, typed.
    let state = state_with(&app, test_credentials_key()).await;
    let eligible = connector_accounts::eligible_for(state.store.pool(), &app.merchant_id, "card").await.unwrap();
    assert_eq!(eligible.iter().map(|row| row.id.clone()).collect::<Vec<_>>(), [id(&sandbox), id(&stripe)]);
    let typed = ConnectorAccount::from_row(&eligible[0]).unwrap();
    let eur = tradewind_money::Currency::parse("EUR").unwrap();
    let usd = tradewind_money::Currency::parse("USD").unwrap();
    let card_method = tradewind_payments::method::PaymentMethodType::Card;
    assert!(typed.serves(card_method, Some("de"), eur));
    assert!(!typed.serves(card_method, Some("US"), eur), "not a country it serves");
    assert!(!typed.serves(card_method, Some("DE"), usd), "not a currency it serves");
    assert!(!typed.serves(tradewind_payments::method::PaymentMethodType::Ideal, None, eur));
    let card_fees = typed.fee_schedule(tradewind_settlement::fees::Method::Card).unwrap();
    assert_eq!(card_fees.terms().percent_basis_points, 250, "the account's terms over the default");
    assert_eq!(ConnectorAccount::from_row(&eligible[1]).unwrap().api_base_url(), Some("http://127.0.0.1:12111"));

    // Disabling keeps the account (payments refer to it) but routing stops using it.
    let (status, disabled) = delete(&app, &path).await;
    assert_eq!((status, disabled["status"].as_str()), (200, Some("disabled")), "{disabled}");
    assert_eq!(app.get(&path).await.1["status"], "disabled");
    let eligible = connector_accounts::eligible_for(state.store.pool(), &app.merchant_id, "card").await.unwrap();
    assert_eq!(eligible.iter().map(|row| row.id.clone()).collect::<Vec<_>>(), [id(&sandbox)]);
    let (_, enabled) = app.post(&path, json!({"status": "enabled"})).await;
    assert_eq!(enabled["status"], "enabled");
    state.store.close().await;

    let (_, openapi) = app.get("/openapi.json").await;
    for (verb, path) in [
        ("post", "/v1/connector_accounts"),
        ("get", "/v1/connector_accounts"),
        ("get", "/v1/connector_accounts/{id}"),
        ("post", "/v1/connector_accounts/{id}"),
        ("delete", "/v1/connector_accounts/{id}"),
        ("get", "/v1/connector_accounts/{id}/faults"),
        ("post", "/v1/connector_accounts/{id}/faults"),
        ("post", "/v1/connectors/{connector_account_id}/webhooks"),
    ] {
        assert_eq!(openapi["paths"][path][verb]["tags"][0], "Connectors", "{verb} {path} in the OpenAPI document");
    }
    assert!(openapi["components"]["schemas"]["ConnectorAccountObject"]["properties"]["credentials"].is_object());
}

async fn credentials_are_encrypted_bound_to_their_row_and_never_shown(app: TestApp) {
    let logs = logs();
    let secret_key = unique("sk_test_");
    let webhook_secret = unique("whsec_");
    let (status, stripe, replayed) =
        app.post_idempotent("/v1/connector_accounts", "create-stripe", stripe_body(&secret_key, &webhook_secret)).await;
    assert_eq!((status, replayed), (200, None), "{stripe}");
    let masked = format!("sk_test_…{}", &secret_key[secret_key.len() - 4..]);
    assert_eq!(stripe["credentials"]["secret_key"], json!(masked), "{stripe}");
    let other = create(&app, stripe_body(&unique("sk_test_"), &unique("whsec_"))).await;
    let sandbox = create(&app, json!({"connector": "sandbox", "payment_methods": ["card"]})).await;
    let sandbox_secret = sandbox["webhook_secret"].as_str().unwrap().to_owned();
    let new_secret_key = unique("sk_test_");
    let path = format!("/v1/connector_accounts/{}", id(&stripe));
    let (status, replaced) =
        app.post(&path, json!({"credentials": {"secret_key": new_secret_key, "webhook_secret": webhook_secret}})).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(
        replaced["credentials"]["secret_key"],
        json!(format!("sk_test_…{}", &new_secret_key[new_secret_key.len() - 4..]))
    );

    // No answer carries a credential (nor the sandbox's secret after its create).
    let answers = [
        stripe.to_string(),
        replaced.to_string(),
        app.get(&path).await.1.to_string(),
        app.get("/v1/connector_accounts?limit=100").await.1.to_string(),
        app.get(&format!("/v1/connector_accounts/{}", id(&sandbox))).await.1.to_string(),
    ];
    for answer in &answers {
        for secret in [&secret_key, &new_secret_key, &webhook_secret, &sandbox_secret] {
            assert!(!answer.contains(secret.as_str()), "{secret} in {answer}");
            assert!(!answer.contains(&secret[8..24]), "part of {secret} in {answer}");
        }
    }

    // Stored: `v1:` ciphertexts that decrypt with the test key and this row only.
    let state = state_with(&app, test_credentials_key()).await;
    let stored = row(&state, &app.merchant_id, &id(&stripe)).await;
    assert!(stored.credentials_ciphertext.starts_with("v1:"), "{stored:?}");
    for column in [&stored.credentials_ciphertext, &stored.webhook_secret_ciphertext, &stored.credentials_hint] {
        assert!(!column.contains(&new_secret_key) && !column.contains(&webhook_secret), "plaintext stored");
    }
    let binding =
        Binding { merchant_id: &app.merchant_id, connector_account_id: &stored.id, column: Column::Credentials };
    let plaintext = test_credentials_key().open(&stored.credentials_ciphertext, &binding).unwrap();
    assert!(plaintext.expose().contains(&new_secret_key), "the replaced key is what is stored");
    let another_key = CredentialsKey::parse(&CredentialsKey::generate_text().unwrap()).unwrap();
    assert!(another_key.open(&stored.credentials_ciphertext, &binding).is_err(), "another key cannot decrypt");
    let credentials = flow::credentials(&state, &stored).unwrap();
    let Credentials::Stripe { secret_key: decrypted, webhook_secret: decrypted_webhook } = &credentials else {
        panic!("stripe credentials expected");
    };
    assert_eq!((decrypted.expose(), decrypted_webhook.expose()), (new_secret_key.as_str(), webhook_secret.as_str()));
    assert!(!format!("{credentials:?} {stored:?}").contains(&new_secret_key), "Debug redacts");
    let sandbox_row = row(&state, &app.merchant_id, &id(&sandbox)).await;
    assert_eq!(flow::webhook_secret(&state, &sandbox_row).unwrap().expose(), sandbox_secret);
    assert_eq!(flow::credentials(&state, &sandbox_row).unwrap(), Credentials::Sandbox);

    // A wrong key is a typed 500, never a panic.
    let wrong = state_with(&app, another_key).await;
    let error = flow::credentials(&wrong, &stored).unwrap_err();
    assert_eq!((error.status.as_u16(), error.code.as_str()), (500, "internal_error"));

    // A ciphertext copied to another row does not decrypt there.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE connector_accounts SET credentials_ciphertext = $1 WHERE id = $2")
        .bind(&stored.credentials_ciphertext)
        .bind(id(&other))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let moved = row(&state, &app.merchant_id, &id(&other)).await;
    assert_eq!(flow::credentials(&state, &moved).unwrap_err().status.as_u16(), 500);
    // Over HTTP too: a sandbox whose webhook secret was copied from another account
    // answers a typed 500 to a webhook signed with that secret, and records nothing.
    let second_sandbox = create(&app, json!({"connector": "sandbox", "payment_methods": ["card"]})).await;
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE connector_accounts SET webhook_secret_ciphertext = $1 WHERE id = $2")
        .bind(&sandbox_row.webhook_secret_ciphertext)
        .bind(id(&second_sandbox))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let now = app.get("/v1/sandbox/clock").await.1["frozen_time"].as_i64().unwrap();
    let event = json!({"id": "evt_moved", "type": "payment.succeeded", "created": now, "data": {"attempt": "pa_x"}});
    let signed = tradewind_api::flows::connector_webhooks::signed_sandbox_webhook(&sandbox_secret, &event, now);
    let before = row_counts(&app).await;
    let answer = app
        .client
        .post(app.url(&format!("/v1/connectors/{}/webhooks", id(&second_sandbox))))
        .header("Tradewind-Signature", &signed.signature)
        .body(signed.body.clone())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let answer = (status, answer.json::<Value>().await.unwrap());
    assert_error(&answer, 500, "internal_error", None);
    assert_eq!(row_counts(&app).await, before);

    // Nothing logged them.
    let logged = String::from_utf8_lossy(&logs.0.lock().expect("logs")).into_owned();
    assert!(logged.contains("/v1/connector_accounts"), "the logs were captured");
    for secret in [&secret_key, &new_secret_key, &webhook_secret, &sandbox_secret] {
        assert!(!logged.contains(secret.as_str()), "{secret} reached the logs");
    }
    if app.backend == Backend::Sqlite {
        let path = app.database_url.trim_start_matches("sqlite://").to_owned();
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            bytes.extend(std::fs::read(format!("{path}{suffix}")).unwrap_or_default());
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(&stored.credentials_ciphertext[..40]), "the database was read");
        for secret in [&secret_key, &new_secret_key, &webhook_secret, &sandbox_secret] {
            assert!(!text.contains(secret.as_str()), "{secret} stored in the clear");
        }
    }
    state.store.close().await;
    wrong.store.close().await;
}

async fn bad_input_is_a_typed_400_that_writes_nothing(app: TestApp) {
    let stripe = create(&app, stripe_body(&unique("sk_test_"), &unique("whsec_"))).await;
    let sandbox = create(&app, json!({"connector": "sandbox", "payment_methods": ["sofort"]})).await;
    let before = row_counts(&app).await;
    let sandbox_with = |extra: Value| {
        let mut body = json!({"connector": "sandbox", "payment_methods": ["card"]});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let key = unique("sk_test_");
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"connector": "adyen", "payment_methods": ["card"]}), "parameter_invalid", "connector"),
        (
            json!({"connector": "stripe", "payment_methods": ["sofort"]}),
            "payment_method_unsupported",
            "payment_methods[0]",
        ),
        (
            json!({"connector": "paypal", "payment_methods": ["card"]}),
            "payment_method_unsupported",
            "payment_methods[0]",
        ),
        (sandbox_with(json!({"payment_methods": ["cheque"]})), "parameter_invalid", "payment_methods[0]"),
        (sandbox_with(json!({"payment_methods": []})), "parameter_missing", "payment_methods"),
        (sandbox_with(json!({"countries": ["DE", "USA"]})), "parameter_invalid", "countries[1]"),
        (sandbox_with(json!({"countries": []})), "parameter_invalid", "countries"),
        (sandbox_with(json!({"currencies": ["xyz"]})), "invalid_currency", "currencies[0]"),
        (sandbox_with(json!({"settlement_currency": "eu"})), "invalid_currency", "settlement_currency"),
        (sandbox_with(json!({"fees": {"sofort": {}}})), "payment_method_not_on_account", "fees[sofort]"),
        (
            sandbox_with(json!({"fees": {"card": {"percent_basis_points": 10_001}}})),
            "parameter_invalid",
            "fees[card][percent_basis_points]",
        ),
        (
            sandbox_with(json!({"fees": {"card": {"fixed_amount": -1}}})),
            "parameter_invalid_integer",
            "fees[card][fixed_amount]",
        ),
        (sandbox_with(json!({"fx_spread_basis_points": 2_001})), "parameter_invalid_integer", "fx_spread_basis_points"),
        (sandbox_with(json!({"base_url": "http://localhost"})), "parameter_invalid", "base_url"),
        (sandbox_with(json!({"mode": "live"})), "parameter_invalid", "mode"),
        (sandbox_with(json!({"mode": "production"})), "parameter_invalid", "mode"),
        (sandbox_with(json!({"label": " "})), "parameter_invalid", "label"),
        (sandbox_with(json!({"position": -1})), "parameter_invalid_integer", "position"),
        (sandbox_with(json!({"credentials": {"secret_key": key}})), "parameter_unknown", "credentials[secret_key]"),
        (
            sandbox_with(json!({"faults": {"error_rate_percent": 101}})),
            "parameter_invalid",
            "faults[error_rate_percent]",
        ),
        (
            sandbox_with(json!({"faults": {"error_rate_percent": 300}})),
            "parameter_invalid",
            "faults[error_rate_percent]",
        ),
        (
            sandbox_with(json!({"faults": {"error_rate_percent": 60, "soft_decline_rate_percent": 41}})),
            "parameter_invalid",
            "faults[error_rate_percent]",
        ),
        (sandbox_with(json!({"faults": {"latency_ms": 30_001}})), "parameter_invalid", "faults[latency_ms]"),
        (
            sandbox_with(json!({"faults": {"outages": [{"start": 100, "end": 100}]}})),
            "parameter_invalid",
            "faults[outages[0][start]]",
        ),
        (sandbox_with(json!({"faults": [20]})), "parameter_invalid", "faults"),
        (sandbox_with(json!({"colour": "red"})), "parameter_unknown", "colour"),
        (
            json!({"connector": "stripe", "payment_methods": ["card"], "base_url": "ftp://example.com",
                   "credentials": {"secret_key": key, "webhook_secret": "whsec_0123456789abcdef"}}),
            "url_invalid",
            "base_url",
        ),
        (
            json!({"connector": "stripe", "payment_methods": ["card"], "mode": "live",
                   "credentials": {"secret_key": key, "webhook_secret": "whsec_0123456789abcdef"}}),
            "credentials_invalid",
            "credentials[secret_key]",
        ),
        (
            json!({"connector": "stripe", "payment_methods": ["card"], "credentials": {"secret_key": key}}),
            "parameter_missing",
            "credentials[webhook_secret]",
        ),
        (
            json!({"connector": "stripe", "payment_methods": ["card"],
                   "credentials": {"secret_key": key, "webhook_secret": "whsec_0123456789abcdef"},
                   "faults": {}}),
            "faults_not_supported",
            "faults",
        ),
        (
            json!({"connector": "paypal", "payment_methods": ["paypal"],
                   "credentials": {"client_id": "a", "client_secret": "b", "webhook_id": "c", "secret_key": key}}),
            "parameter_unknown",
            "credentials[secret_key]",
        ),
    ];
    for (body, code, param) in cases {
        let answer = app.post("/v1/connector_accounts", body.clone()).await;
        assert_error(&answer, 400, code, Some(param));
        assert!(!answer.1.to_string().contains(&key), "a credential echoed in {}", answer.1);
    }
    let stripe_path = format!("/v1/connector_accounts/{}", id(&stripe));
    let sandbox_path = format!("/v1/connector_accounts/{}", id(&sandbox));
    let updates: Vec<(&str, Value, &str, &str)> = vec![
        (&stripe_path, json!({"status": "paused"}), "parameter_invalid", "status"),
        (&stripe_path, json!({"payment_methods": ["paypal"]}), "payment_method_unsupported", "payment_methods[0]"),
        (&stripe_path, json!({"faults": {}}), "faults_not_supported", "faults"),
        (&stripe_path, json!({"credentials": {"secret_key": key}}), "parameter_missing", "credentials[webhook_secret]"),
        (&stripe_path, json!({"base_url": "not a url"}), "url_invalid", "base_url"),
        (&stripe_path, json!({"connector": "paypal"}), "parameter_unknown", "connector"),
        (&sandbox_path, json!({"fees": {"card": {}}}), "payment_method_not_on_account", "fees[card]"),
        (&sandbox_path, json!({"credentials": {"client_id": "x"}}), "parameter_unknown", "credentials[client_id]"),
        (
            &sandbox_path,
            json!({"faults": {"timeout_rate_percent": 101}}),
            "parameter_invalid",
            "faults[timeout_rate_percent]",
        ),
    ];
    for (path, body, code, param) in updates {
        assert_error(&app.post(path, body).await, 400, code, Some(param));
    }
    // Fee terms of a method the update drops must be dropped with it.
    app.post(
        &sandbox_path,
        json!({"payment_methods": ["sofort", "card"], "fees": {"card": {"percent_basis_points": 100}}}),
    )
    .await;
    let before_drop = row_counts(&app).await;
    let stored_before = app.get(&sandbox_path).await.1;
    assert_error(
        &app.post(&sandbox_path, json!({"payment_methods": ["sofort"]})).await,
        400,
        "payment_method_not_on_account",
        Some("payment_methods"),
    );
    assert_eq!(app.get(&sandbox_path).await.1, stored_before, "a refused update changes nothing");
    assert_eq!(row_counts(&app).await, before_drop);
    let (status, dropped) =
        app.post(&sandbox_path, json!({"payment_methods": ["sofort"], "fees": {"card": null}})).await;
    assert_eq!((status, dropped["fees"].clone()), (200, Value::Null), "{dropped}");

    assert_error(
        &app.post(&format!("{stripe_path}/faults"), json!({})).await,
        400,
        "faults_not_supported",
        Some("faults"),
    );
    assert_error(&app.get(&format!("{stripe_path}/faults")).await, 400, "faults_not_supported", Some("faults"));
    assert_error(
        &app.post(&format!("{sandbox_path}/faults"), json!({"outages": [{"start": 5, "end": 1}]})).await,
        400,
        "parameter_invalid",
        Some("faults[outages[0][start]]"),
    );
    for query in ["payment_method=cheque", "starting_after=pi_x", "limit=0", "colour=red"] {
        let answer = app.get(&format!("/v1/connector_accounts?{query}")).await;
        assert_eq!(answer.0, 400, "{query}: {}", answer.1);
    }
    let missing = "mca_00000000000000000000000000";
    for path in [format!("/v1/connector_accounts/{missing}"), "/v1/connector_accounts/nonsense".to_owned()] {
        assert_error(&app.get(&path).await, 404, "resource_missing", Some("id"));
        assert_error(&app.post(&path, json!({"label": "x"})).await, 404, "resource_missing", Some("id"));
        assert_error(&delete(&app, &path).await, 404, "resource_missing", Some("id"));
    }
    let counts = row_counts(&app).await;
    assert_eq!(counts.get("connector_accounts"), before.get("connector_accounts"), "no account added");
    let changed: Vec<_> = counts.iter().filter(|(table, count)| before.get(*table) != Some(*count)).collect();
    assert!(changed.is_empty(), "rejected requests wrote {changed:?}");
}

async fn another_merchant_sees_nothing(app: TestApp) {
    let account = create(&app, stripe_body(&unique("sk_test_"), &unique("whsec_"))).await;
    let sandbox = create(&app, json!({"connector": "sandbox", "payment_methods": ["card"]})).await;
    let (other_key, _) = app.second_merchant().await;
    let missing = "mca_00000000000000000000000000";
    let before = row_counts(&app).await;
    for target in [id(&account), id(&sandbox)] {
        let path = format!("/v1/connector_accounts/{target}");
        let theirs = app.get_with_key(&other_key, &path).await;
        assert_error(&theirs, 404, "resource_missing", Some("id"));
        let nobody = app.get_with_key(&other_key, &format!("/v1/connector_accounts/{missing}")).await;
        assert_eq!(message_without(&theirs, &target), message_without(&nobody, missing), "indistinguishable");
        assert_error(
            &app.post_with_key(&other_key, &path, json!({"label": "mine"})).await,
            404,
            "resource_missing",
            Some("id"),
        );
        assert_error(
            &app.post_with_key(&other_key, &format!("{path}/faults"), json!({})).await,
            404,
            "resource_missing",
            Some("id"),
        );
        assert_error(
            &app.get_with_key(&other_key, &format!("{path}/faults")).await,
            404,
            "resource_missing",
            Some("id"),
        );
        let response = app.client.delete(app.url(&path)).bearer_auth(&other_key).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }
    let (status, list) = app.get_with_key(&other_key, "/v1/connector_accounts").await;
    assert_eq!((status, ids(&list)), (200, Vec::<String>::new()), "{list}");
    let (status, list) =
        app.get_with_key(&other_key, &format!("/v1/connector_accounts?starting_after={}", id(&account))).await;
    assert_eq!((status, ids(&list)), (200, Vec::<String>::new()), "another merchant's cursor finds nothing");
    assert_eq!(row_counts(&app).await, before);
    assert_eq!(app.get(&format!("/v1/connector_accounts/{}", id(&account))).await.1["label"], "Stripe EU");
    let state = state_with(&app, test_credentials_key()).await;
    let other_id = app.get_with_key(&other_key, "/v1/account").await.1["id"].as_str().unwrap().to_owned();
    assert!(connector_accounts::eligible_for(state.store.pool(), &other_id, "card").await.unwrap().is_empty());
    assert!(connector_accounts::get(state.store.pool(), &other_id, &id(&account)).await.unwrap().is_none());
    state.store.close().await;
}

async fn sandbox_faults_are_validated_and_round_trip(app: TestApp) {
    let faults = json!({"latency_ms": 1_500, "error_rate_percent": 20, "timeout_rate_percent": 10,
                        "soft_decline_rate_percent": 5, "timeout_after_processing": true,
                        "outages": [{"start": 1_000, "end": 2_000}]});
    let account = create(&app, json!({"connector": "sandbox", "payment_methods": ["card"], "faults": faults})).await;
    assert_eq!(account["faults"], faults, "{account}");
    let path = format!("/v1/connector_accounts/{}/faults", id(&account));
    let (status, read) = app.get(&path).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (read["object"].as_str(), read["connector_account"].clone()),
        (Some("connector_faults"), account["id"].clone())
    );
    assert_eq!(read["latency_ms"], 1_500);
    assert_eq!(read["outages"], json!([{"start": 1_000, "end": 2_000}]));

    let now = app.get("/v1/sandbox/clock").await.1["frozen_time"].as_i64().unwrap();
    let replaced = json!({"error_rate_percent": 100, "outages": [{"start": now - 60, "end": now + 60}]});
    let (status, answer) = app.post(&path, replaced).await;
    assert_eq!(
        (status, answer["error_rate_percent"].as_i64(), answer["latency_ms"].as_i64()),
        (200, Some(100), Some(0))
    );
    let state = state_with(&app, test_credentials_key()).await;
    let typed = ConnectorAccount::from_row(&row(&state, &app.merchant_id, &id(&account)).await).unwrap();
    assert_eq!(typed.fault_decision(now), FaultDecision::Outage, "inside the window");
    assert_eq!(typed.fault_decision(now + 61), FaultDecision::Error, "every roll errs at 100%");
    assert_eq!(
        app.get(&format!("/v1/connector_accounts/{}", id(&account))).await.1["faults"],
        answer
            .as_object()
            .map(|object| {
                let mut faults = object.clone();
                faults.remove("object");
                faults.remove("connector_account");
                Value::Object(faults)
            })
            .unwrap()
    );

    let (status, cleared) = app.post(&path, json!({})).await;
    assert_eq!(status, 200, "{cleared}");
    for field in ["latency_ms", "error_rate_percent", "timeout_rate_percent", "soft_decline_rate_percent"] {
        assert_eq!(cleared[field], 0, "{field}: {cleared}");
    }
    assert_eq!((cleared["outages"].clone(), cleared["timeout_after_processing"].clone()), (json!([]), json!(false)));
    let typed = ConnectorAccount::from_row(&row(&state, &app.merchant_id, &id(&account)).await).unwrap();
    assert_eq!(typed.fault_decision(now), FaultDecision::None, "cleared");
    // Faults also change through the account update.
    let (_, updated) = app
        .post(
            &format!("/v1/connector_accounts/{}", id(&account)),
            json!({"faults": {"soft_decline_rate_percent": 100}}),
        )
        .await;
    assert_eq!(updated["faults"]["soft_decline_rate_percent"], 100, "{updated}");
    assert_eq!(app.get(&path).await.1["soft_decline_rate_percent"], 100);
    state.store.close().await;
}

async fn payments_without_connector_accounts_use_the_implicit_sandbox(app: TestApp) {
    let (status, payment) = app.pay(2_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!((status, payment["status"].as_str()), (200, Some("succeeded")), "{payment}");
    let (_, attempts) = app.get(&format!("/v1/payment_intents/{}/attempts", id(&payment))).await;
    assert_eq!(attempts["data"][0]["connector"], "sandbox_card", "{attempts}");
    // Configuring accounts does not break the implicit path (routing is not wired yet).
    create(&app, json!({"connector": "sandbox", "payment_methods": ["card"]})).await;
    let (status, payment) = app.pay(2_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!((status, payment["status"].as_str()), (200, Some("succeeded")), "{payment}");
}
