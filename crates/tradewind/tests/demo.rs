//! The demo's seed: its merchant ends with settled and pending money, balance
//! transactions of several kinds, an open dispute, a forecast with days to come, and
//! books that verify.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::sync::Arc;
use tradewind::config::Config;
use tradewind::startup::Application;
use tradewind_api::SystemClock;

async fn get(client: &reqwest::Client, base: &str, key: &str, path: &str) -> Value {
    let response = client.get(format!("{base}{path}")).bearer_auth(key).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_balances_transactions_and_a_forecast() {
    let directory = std::env::temp_dir().join(format!("tradewind_demo_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&directory).unwrap();
    let config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}/demo.db", directory.display()),
        public_url: None,
        fingerprint_key: b"demo test fingerprint key 32 byt".to_vec(),
        fx_markup_basis_points: tradewind::config::DEFAULT_FX_MARKUP_BASIS_POINTS,
        credentials_key: tradewind_api::credentials::CredentialsKey::from_bytes(&[7; 32]).unwrap(),
        realtime_cluster: None,
        translation: None,
        assistant_model: None,
    };
    let application = Application::build(&config, Arc::new(SystemClock)).await.unwrap();
    let demo = tradewind::demo::seed(&application.state).await.unwrap();
    let base = application.base_url.clone();
    let store = application.state.store.clone();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let key = demo.secret_key.as_str();

    let balance = get(&client, &base, key, "/v1/balance").await;
    let usd = |bucket: &str| {
        balance[bucket]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["currency"] == "usd")
            .map(|entry| entry["amount"].as_i64().unwrap())
    };
    assert!(usd("available").unwrap_or(0) > 0, "settled money: {balance}");
    assert!(usd("pending").unwrap_or(0) > 0, "money on its way: {balance}");
    let transactions = get(&client, &base, key, "/v1/balance_transactions?limit=100").await;
    let kinds: std::collections::BTreeSet<&str> =
        transactions["data"].as_array().unwrap().iter().map(|row| row["type"].as_str().unwrap()).collect();
    assert!(kinds.contains("charge") && kinds.contains("refund"), "{kinds:?}");
    let forecast = get(&client, &base, key, "/v1/balance/forecast?days=30").await;
    assert!(
        forecast["days"].as_array().unwrap().iter().any(|day| day["becomes_available"].as_i64().unwrap() > 0),
        "{forecast}"
    );
    let disputes = get(&client, &base, key, "/v1/disputes").await;
    let [dispute] = disputes["data"].as_array().unwrap().as_slice() else { panic!("one dispute: {disputes}") };
    assert_eq!(dispute["status"], "needs_response", "{dispute}");
    // The support desk: sample orders, articles, canned responses, agents who can sign in.
    let orders = get(&client, &base, key, "/v1/orders?limit=10").await;
    let numbers: Vec<&str> =
        orders["data"].as_array().unwrap().iter().map(|order| order["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["1003", "1002", "1001"], "{orders}");
    assert_eq!(orders["data"][2]["status"], "shipped");
    assert_eq!(orders["data"][2]["payment_intents"].as_array().unwrap().len(), 1);
    let articles = get(&client, &base, key, "/v1/support/articles").await;
    assert!(articles["data"].as_array().unwrap().len() >= 6, "{articles}");
    let canned = get(&client, &base, key, "/v1/support/canned_responses").await;
    assert_eq!(canned["data"].as_array().unwrap().len(), 3);
    let (email, _, _, _) = tradewind::demo_support::DEMO_AGENTS[1];
    let session: serde_json::Value = client
        .post(format!("{base}/v1/support/sessions"))
        .json(&serde_json::json!({"email": email, "password": tradewind::demo_support::DEMO_AGENT_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(session["token"].as_str().unwrap().starts_with("ags_"), "{session}");
    let verification = tradewind::ledger_check::verify_ledger(&store).await.unwrap();
    assert!(verification.violations.is_empty(), "{:?}", verification.violations);
    assert!(verification.transfers > 0);

    let _ = shutdown.send(());
    server.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&directory);
}
