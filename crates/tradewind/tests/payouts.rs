//! Payouts and the rolling reserve: a reserve held at settlement and released on its
//! date; manual payouts paid, failed by the sandbox bank's test accounts, or canceled;
//! scheduled payouts made by the sweep at the merchant's clock with the minimum
//! respected; concurrent payouts and refunds against one balance; a negative balance
//! (a chargeback the balances could not cover) recovered from the next settlement and
//! reserve release; bad input and tenancy; `tradewind ledger verify` after money moves —
//! on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card, ledger_verifies};
use serde_json::{Value, json};
use support::{MISSING_PAYOUT, assert_error, row_counts};
use time::{Duration, OffsetDateTime};

on_both_backends!(
    reserve_is_held_and_released_on_its_date,
    a_negative_balance_is_recovered_from_the_next_settlement,
    a_reserve_release_recovers_what_its_settlement_could_not,
    manual_payout_is_paid,
    failed_payout_returns_the_funds,
    pending_payout_can_be_canceled_once,
    scheduled_payouts_follow_the_schedule_and_minimum,
    concurrent_payouts_and_refunds_never_overdraw,
    payout_routes_check_input_and_tenancy,
);

const DAY: i64 = 86_400;
/// The sandbox bank's accounts (see `tradewind_connectors::payout`).
const PAID_ACCOUNT: &str = "000123456789";
const CLOSED_ACCOUNT: &str = "000111111113";

async fn balance(app: &TestApp) -> Value {
    let (status, balance) = app.get("/v1/balance").await;
    assert_eq!(status, 200, "{balance}");
    balance
}

/// The amount of `bucket` in USD, 0 when the merchant has none.
fn usd(balance: &Value, bucket: &str) -> i64 {
    balance[bucket]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["currency"] == "usd")
        .map_or(0, |entry| entry["amount"].as_i64().unwrap())
}

async fn now_of(app: &TestApp) -> i64 {
    let (_, clock) = app.get("/v1/sandbox/clock").await;
    clock["frozen_time"].as_i64().unwrap()
}

/// Moves the merchant's clock to one minute past `at`.
async fn advance_to(app: &TestApp, at: i64) -> Value {
    let now = now_of(app).await;
    app.advance_clock((at - now + 60).max(1)).await
}

async fn transactions(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, list) = app.get(&format!("/v1/balance_transactions?limit=100&{query}")).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

async fn settings(app: &TestApp, body: Value) -> Value {
    let (status, settings) = app.post("/v1/account/settings", body).await;
    assert_eq!(status, 200, "{settings}");
    settings
}

async fn bank_account(app: &TestApp, number: &str) {
    let body = json!({"bank_account": {"account_holder_name": "Ana Souza", "account_number": number, "bank_code": "110000000"}});
    let settings = settings(app, body).await;
    assert_eq!(settings["bank_account"]["last4"], json!(&number[number.len() - 4..]), "{settings}");
}

/// Pays 100.00 by card and settles it: 96.80 (after the 3.20 fee) becomes available,
/// less the reserve. Returns the payment id.
async fn settled_payment(app: &TestApp) -> String {
    let (status, paid) = app.pay(10_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let payment = paid["id"].as_str().unwrap().to_owned();
    let charge = transactions(app, &format!("payment_intent={payment}")).await.remove(0);
    let clock = advance_to(app, charge["available_on"].as_i64().unwrap()).await;
    assert_eq!(clock["funds_settled"], 1, "{clock}");
    payment
}

async fn payout(app: &TestApp, amount: i64) -> (u16, Value) {
    app.post("/v1/payouts", json!({"amount": amount, "currency": "usd", "description": "Weekly sweep"})).await
}

async fn get_payout(app: &TestApp, id: &str) -> Value {
    let (status, payout) = app.get(&format!("/v1/payouts/{id}")).await;
    assert_eq!(status, 200, "{payout}");
    payout
}

/// The event types recorded for `object`, oldest first.
async fn events_of(app: &TestApp, object: &str) -> Vec<String> {
    let (status, list) = app.get("/v1/events?limit=100").await;
    assert_eq!(status, 200, "{list}");
    let mut types: Vec<String> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["data"]["object"]["id"] == object || event["object_id"] == object)
        .map(|event| event["type"].as_str().unwrap().to_owned())
        .collect();
    types.reverse();
    types
}

async fn reserve_is_held_and_released_on_its_date(app: TestApp) {
    let configured = settings(&app, json!({"reserve_basis_points": 1_000, "reserve_days": 7})).await;
    assert_eq!(
        (configured["reserve_basis_points"].as_i64(), configured["reserve_days"].as_i64()),
        (Some(1_000), Some(7))
    );
    let payment = settled_payment(&app).await;

    // 10% of the 96.80 settled is held: 9.68.
    let settled = balance(&app).await;
    assert_eq!((usd(&settled, "available"), usd(&settled, "reserved"), usd(&settled, "pending")), (8_712, 968, 0));
    let rows = transactions(&app, &format!("source={payment}")).await;
    let hold = rows.iter().find(|row| row["type"] == "reserve_hold").unwrap();
    let release = rows.iter().find(|row| row["type"] == "reserve_release").unwrap();
    let charge = rows.iter().find(|row| row["type"] == "charge").unwrap();
    assert_eq!((hold["net"].as_i64(), hold["status"].as_str()), (Some(-968), Some("available")));
    assert_eq!((release["net"].as_i64(), release["status"].as_str()), (Some(968), Some("pending")));
    let release_on = charge["available_on"].as_i64().unwrap() + 7 * DAY;
    assert_eq!(release["available_on"].as_i64(), Some(release_on));
    // The available balance transactions add up to the available balance.
    let available: i64 =
        transactions(&app, "status=available").await.iter().map(|row| row["net"].as_i64().unwrap()).sum();
    assert_eq!(available, 8_712);

    let (status, reserves) = app.get("/v1/balance/reserves").await;
    assert_eq!(status, 200, "{reserves}");
    let [reserve] = reserves["data"].as_array().unwrap().clone().try_into().unwrap();
    assert_eq!((reserve["amount"].as_i64(), reserve["status"].as_str()), (Some(968), Some("held")));
    assert_eq!(
        (reserve["release_on"].as_i64(), reserve["source"].as_str()),
        (Some(release_on), Some(payment.as_str()))
    );

    // The forecast shows the release on its day.
    let (status, forecast) = app.get("/v1/balance/forecast?days=30").await;
    assert_eq!(status, 200, "{forecast}");
    let release_date = OffsetDateTime::from_unix_timestamp(release_on).unwrap().date().to_string();
    let day = forecast["days"].as_array().unwrap().iter().find(|day| day["date"] == release_date.as_str()).unwrap();
    assert_eq!(
        (day["reserve_released"].as_i64(), day["projected_available"].as_i64()),
        (Some(968), Some(9_680)),
        "{day}"
    );
    ledger_verifies(&app);

    // A minute before its date nothing moves; on its date it is released.
    advance_to(&app, release_on - 120).await;
    assert_eq!(usd(&balance(&app).await, "reserved"), 968);
    advance_to(&app, release_on).await;
    let released = balance(&app).await;
    assert_eq!((usd(&released, "available"), usd(&released, "reserved")), (9_680, 0));
    let release = transactions(&app, "type=reserve_release").await.remove(0);
    assert_eq!(release["status"], "available");
    let (_, reserves) = app.get("/v1/balance/reserves?status=released").await;
    assert_eq!(reserves["data"][0]["status"], "released", "{reserves}");
    let (_, held) = app.get("/v1/balance/reserves?status=held").await;
    assert_eq!(held["data"], json!([]));
    ledger_verifies(&app);
}

/// What the merchant owes in USD: its `negative_balance` ledger account, read straight
/// from the database (the API shows it only netted into `available`).
async fn owed(app: &TestApp) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.expect("connect to the test database");
    let owed: Option<i64> = sqlx::query_scalar(
        "SELECT debits_posted - credits_posted FROM ledger_balances \
         WHERE merchant_id = $1 AND kind = 'negative_balance' AND currency = 'USD'",
    )
    .bind(&app.merchant_id)
    .fetch_optional(&pool)
    .await
    .expect("read the negative balance");
    pool.close().await;
    owed.unwrap_or(0)
}

/// Pays 100.00 with the card that opens a fraudulent chargeback, and opens it: the 115.00
/// withdrawn (amount and 15.00 fee) takes the payment's 96.80 pending, and the merchant
/// owes the other 18.20.
async fn chargeback_leaving_a_debt(app: &TestApp) {
    let (status, paid) = app.pay(10_000, "usd", "US", card("4000000000000259")).await;
    assert_eq!(status, 200, "{paid}");
    app.advance_clock(1).await;
    let owing = balance(app).await;
    assert_eq!((usd(&owing, "available"), usd(&owing, "pending"), usd(&owing, "disputed")), (-1_820, 0, 10_000));
    assert_eq!(owed(app).await, 1_820);
}

/// The balance transactions recording a negative balance recovery from `payment`.
async fn recoveries(app: &TestApp, payment: &str) -> Vec<Value> {
    let rows = transactions(app, &format!("source={payment}")).await;
    rows.into_iter().filter(|row| row["reporting_category"] == "negative_balance_recovery").collect()
}

/// The nets of the available balance transactions add up to the available balance shown.
async fn available_nets_add_up(app: &TestApp) {
    let nets: i64 = transactions(app, "status=available").await.iter().map(|row| row["net"].as_i64().unwrap()).sum();
    assert_eq!(nets, usd(&balance(app).await, "available"));
}

async fn a_negative_balance_is_recovered_from_the_next_settlement(app: TestApp) {
    chargeback_leaving_a_debt(&app).await;

    // 50.00 (fee 1.75) settles 48.25: 18.20 of it repays the debt first.
    let (status, paid) = app.pay(5_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let payment = paid["id"].as_str().unwrap().to_owned();
    let charge = transactions(&app, &format!("payment_intent={payment}")).await.remove(0);
    assert_eq!(charge["net"], 4_825);
    advance_to(&app, charge["available_on"].as_i64().unwrap()).await;
    let settled = balance(&app).await;
    assert_eq!((usd(&settled, "available"), usd(&settled, "pending")), (4_825 - 1_820, 0));
    assert_eq!(owed(&app).await, 0);
    let [recovery] = recoveries(&app, &payment).await.try_into().unwrap();
    assert_eq!((recovery["type"].as_str(), recovery["status"].as_str()), (Some("adjustment"), Some("available")));
    // The balance shown (available less what is owed) does not change with a recovery.
    assert_eq!((recovery["amount"].as_i64(), recovery["net"].as_i64()), (Some(0), Some(0)));
    let description = recovery["description"].as_str().unwrap();
    assert!(description.contains("18.20 USD"), "{description}");
    available_nets_add_up(&app).await;
    ledger_verifies(&app);

    // With nothing owed, the next settlement recovers nothing.
    let (status, later) = app.pay(1_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{later}");
    let later = later["id"].as_str().unwrap().to_owned();
    app.advance_clock(5 * DAY).await;
    assert_eq!(usd(&balance(&app).await, "available"), 4_825 - 1_820 + 1_000 - 59);
    assert!(recoveries(&app, &later).await.is_empty());
    available_nets_add_up(&app).await;
    ledger_verifies(&app);
}

async fn a_reserve_release_recovers_what_its_settlement_could_not(app: TestApp) {
    settings(&app, json!({"reserve_basis_points": 5_000, "reserve_days": 7})).await;
    chargeback_leaving_a_debt(&app).await;

    // 20.00 (fee 0.88) settles 19.12: half is held, and the 9.56 released repays part of
    // the 18.20 owed.
    let (status, paid) = app.pay(2_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let payment = paid["id"].as_str().unwrap().to_owned();
    let charge = transactions(&app, &format!("payment_intent={payment}")).await.remove(0);
    let settles_on = charge["available_on"].as_i64().unwrap();
    advance_to(&app, settles_on).await;
    let settled = balance(&app).await;
    assert_eq!((usd(&settled, "available"), usd(&settled, "reserved")), (-864, 956));
    assert_eq!(owed(&app).await, 864);
    available_nets_add_up(&app).await;
    ledger_verifies(&app);

    // The reserve's release repays the rest, and 0.92 is left to spend.
    advance_to(&app, settles_on + 7 * DAY).await;
    let released = balance(&app).await;
    assert_eq!((usd(&released, "available"), usd(&released, "reserved")), (92, 0));
    assert_eq!(owed(&app).await, 0);
    let descriptions: Vec<String> =
        recoveries(&app, &payment).await.iter().map(|row| row["description"].as_str().unwrap().to_owned()).collect();
    assert_eq!(descriptions.len(), 2, "{descriptions:?}");
    assert!(descriptions.iter().any(|text| text.contains("9.56 USD") && text.contains("settlement")));
    assert!(descriptions.iter().any(|text| text.contains("8.64 USD") && text.contains("reserve release")));
    available_nets_add_up(&app).await;
    ledger_verifies(&app);
}

async fn manual_payout_is_paid(app: TestApp) {
    bank_account(&app, PAID_ACCOUNT).await;
    settled_payment(&app).await;
    let (status, created) = payout(&app, 5_000).await;
    assert_eq!((status, created["status"].as_str()), (200, Some("pending")), "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("po_"), "{id}");
    assert_eq!(created["destination"]["last4"], "6789");
    assert!(!created.to_string().contains(PAID_ACCOUNT), "the account number is never shown: {created}");
    assert_eq!(created["automatic"], false);
    let arrival = created["arrival_date"].as_i64().unwrap();
    assert!(arrival > created["created"].as_i64().unwrap() && arrival % DAY == 0, "{created}");

    let moved = balance(&app).await;
    assert_eq!((usd(&moved, "available"), usd(&moved, "in_transit")), (4_680, 5_000));
    let [row] = transactions(&app, &format!("source={id}")).await.try_into().unwrap();
    assert_eq!((row["type"].as_str(), row["net"].as_i64()), (Some("payout"), Some(-5_000)));
    // More than is available is refused, and nothing is written.
    let rows = row_counts(&app).await;
    let answer = payout(&app, 4_681).await;
    assert_error(&answer, 400, "balance_insufficient", Some("amount"));
    assert_eq!(row_counts(&app).await, rows);
    ledger_verifies(&app);

    // The bank takes it after an hour, and it arrives on its arrival date.
    app.advance_clock(3_600).await;
    assert_eq!(get_payout(&app, &id).await["status"], "in_transit");
    advance_to(&app, arrival).await;
    assert_eq!(get_payout(&app, &id).await["status"], "paid");
    let paid = balance(&app).await;
    assert_eq!((usd(&paid, "available"), usd(&paid, "in_transit")), (4_680, 0));
    assert_eq!(events_of(&app, &id).await, ["payout.created", "payout.updated", "payout.paid"]);
    ledger_verifies(&app);
}

async fn failed_payout_returns_the_funds(app: TestApp) {
    bank_account(&app, CLOSED_ACCOUNT).await;
    settled_payment(&app).await;
    let (status, created) = payout(&app, 9_680).await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(usd(&balance(&app).await, "available"), 0);
    advance_to(&app, created["arrival_date"].as_i64().unwrap()).await;
    let failed = get_payout(&app, &id).await;
    assert_eq!((failed["status"].as_str(), failed["failure_code"].as_str()), (Some("failed"), Some("account_closed")));
    let after = balance(&app).await;
    assert_eq!((usd(&after, "available"), usd(&after, "in_transit")), (9_680, 0));
    let rows = transactions(&app, &format!("source={id}")).await;
    let failure = rows.iter().find(|row| row["type"] == "payout_failure").unwrap();
    assert_eq!(failure["net"].as_i64(), Some(9_680));
    assert_eq!(events_of(&app, &id).await.last().map(String::as_str), Some("payout.failed"));
    ledger_verifies(&app);
}

async fn pending_payout_can_be_canceled_once(app: TestApp) {
    bank_account(&app, PAID_ACCOUNT).await;
    settled_payment(&app).await;
    let (_, created) = payout(&app, 3_000).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, canceled) = app.post(&format!("/v1/payouts/{id}/cancel"), json!({})).await;
    assert_eq!((status, canceled["status"].as_str()), (200, Some("canceled")), "{canceled}");
    let after = balance(&app).await;
    assert_eq!((usd(&after, "available"), usd(&after, "in_transit")), (9_680, 0));
    let rows = transactions(&app, &format!("source={id}")).await;
    assert!(rows.iter().any(|row| row["type"] == "payout_cancel" && row["net"] == 3_000), "{rows:?}");
    let answer = app.post(&format!("/v1/payouts/{id}/cancel"), json!({})).await;
    assert_error(&answer, 409, "payout_not_cancelable", None);
    assert_eq!(events_of(&app, &id).await, ["payout.created", "payout.canceled"]);

    // Once the bank has it, it cannot be canceled.
    let (_, second) = payout(&app, 2_000).await;
    let second = second["id"].as_str().unwrap().to_owned();
    app.advance_clock(3_600).await;
    let answer = app.post(&format!("/v1/payouts/{second}/cancel"), json!({})).await;
    assert_error(&answer, 409, "payout_not_cancelable", None);
    assert_eq!(get_payout(&app, &second).await["status"], "in_transit");
    // A canceled payout never moves again.
    advance_to(&app, created["arrival_date"].as_i64().unwrap() + DAY).await;
    assert_eq!(get_payout(&app, &id).await["status"], "canceled");
    assert_eq!(usd(&balance(&app).await, "available"), 7_680);
    ledger_verifies(&app);
}

async fn automatic_payouts(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/v1/payouts?limit=100").await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().iter().filter(|payout| payout["automatic"] == true).cloned().collect()
}

async fn scheduled_payouts_follow_the_schedule_and_minimum(app: TestApp) {
    bank_account(&app, PAID_ACCOUNT).await;
    settled_payment(&app).await;
    // Daily, but the balance is under the minimum: nothing is paid out.
    settings(&app, json!({"payout_schedule": "daily", "minimum_amount": 10_000})).await;
    app.advance_clock(DAY).await;
    assert!(automatic_payouts(&app).await.is_empty());
    assert_eq!(usd(&balance(&app).await, "available"), 9_680);

    // Under a lower minimum the next day's sweep pays out the whole balance, once.
    settings(&app, json!({"minimum_amount": 1_000})).await;
    app.advance_clock(DAY).await;
    let [first] = automatic_payouts(&app).await.try_into().unwrap();
    assert_eq!((first["amount"].as_i64(), first["status"].as_str()), (Some(9_680), Some("pending")), "{first}");
    app.advance_clock(60).await;
    assert_eq!(automatic_payouts(&app).await.len(), 1, "one payout a day");
    assert_eq!(usd(&balance(&app).await, "available"), 0);

    // Weekly, three days from now: a new payment's funds are paid out on that day only.
    let today = OffsetDateTime::from_unix_timestamp(now_of(&app).await).unwrap().date();
    let anchor = (today + Duration::days(3)).weekday().to_string().to_lowercase();
    let weekly = settings(&app, json!({"payout_schedule": "weekly", "weekly_anchor": anchor})).await;
    assert_eq!(weekly["weekly_anchor"], json!(anchor));
    settled_payment(&app).await;
    let available = usd(&balance(&app).await, "available");
    assert_eq!(available, 9_680);
    // The forecast shows the payout on the anchor day.
    let (_, forecast) = app.get("/v1/balance/forecast?days=14").await;
    let payout_days: Vec<&Value> =
        forecast["days"].as_array().unwrap().iter().filter(|day| day["payouts"].as_i64() != Some(0)).collect();
    assert!(!payout_days.is_empty(), "{forecast}");
    assert_eq!(payout_days[0]["payouts"].as_i64(), Some(available), "{forecast}");
    let before: Vec<Value> = automatic_payouts(&app).await.iter().map(|payout| payout["id"].clone()).collect();
    let mut created_on = Vec::new();
    for _ in 0..7 {
        app.advance_clock(DAY).await;
        let weekday = OffsetDateTime::from_unix_timestamp(now_of(&app).await).unwrap().weekday();
        for payout in automatic_payouts(&app).await {
            let seen = before.contains(&payout["id"]) || created_on.iter().any(|(id, _)| *id == payout["id"]);
            if !seen {
                created_on.push((payout["id"].clone(), weekday.to_string().to_lowercase()));
            }
        }
    }
    assert_eq!(created_on.len(), 1, "{created_on:?}");
    assert_eq!(created_on[0].1, anchor);
    assert_eq!(usd(&balance(&app).await, "available"), 0);

    // Monthly, on the day of the month two days after the funds settle.
    settled_payment(&app).await;
    let today = OffsetDateTime::from_unix_timestamp(now_of(&app).await).unwrap().date();
    let anchor_day = (today + Duration::days(2)).day();
    settings(&app, json!({"payout_schedule": "monthly", "monthly_anchor": anchor_day})).await;
    let before = automatic_payouts(&app).await.len();
    let mut paid_on = Vec::new();
    for _ in 0..5 {
        app.advance_clock(DAY).await;
        if automatic_payouts(&app).await.len() > before + paid_on.len() {
            paid_on.push(OffsetDateTime::from_unix_timestamp(now_of(&app).await).unwrap().day());
        }
    }
    assert_eq!(paid_on, [anchor_day]);
    assert_eq!(usd(&balance(&app).await, "available"), 0);
    ledger_verifies(&app);
}

async fn concurrent_payouts_and_refunds_never_overdraw(app: TestApp) {
    bank_account(&app, PAID_ACCOUNT).await;
    let payment = settled_payment(&app).await;
    // 96.80 available; 16 payouts of 10.00 and 4 refunds of 10.00 (each 9.68 net of the
    // fee share returned) compete for it.
    let payouts: Vec<_> = (0..16).map(|_| payout(&app, 1_000)).collect();
    let refunds: Vec<_> =
        (0..4).map(|_| app.post("/v1/refunds", json!({"payment_intent": payment, "amount": 1_000}))).collect();
    let (payouts, refunds) = tokio::join!(futures::future::join_all(payouts), futures::future::join_all(refunds));
    let statuses: Vec<u16> = payouts.iter().chain(&refunds).map(|(status, _)| *status).collect();
    assert!(statuses.iter().all(|status| [200, 400, 409].contains(status)), "{payouts:?} {refunds:?}");
    let paid_out = payouts.iter().filter(|(status, _)| *status == 200).count() as i64 * 1_000;
    let refunded = refunds.iter().filter(|(status, _)| *status == 200).count() as i64 * 968;
    assert!(paid_out > 0, "{payouts:?}");
    let after = balance(&app).await;
    assert!(usd(&after, "available") >= 0, "{after}");
    assert_eq!(usd(&after, "available"), 9_680 - paid_out - refunded, "{after}");
    assert_eq!(usd(&after, "in_transit"), paid_out);
    // Every posting has its balance transaction: their nets add up to the balance.
    let nets: i64 = transactions(&app, "status=available").await.iter().map(|row| row["net"].as_i64().unwrap()).sum();
    assert_eq!(nets, usd(&after, "available"));
    let (_, listed) = app.get("/v1/payouts?limit=100&status=pending").await;
    assert_eq!(listed["data"].as_array().unwrap().len() as i64 * 1_000, paid_out);
    ledger_verifies(&app);
}

async fn payout_routes_check_input_and_tenancy(app: TestApp) {
    // Without a bank account there is nowhere to pay to.
    let answer = payout(&app, 100).await;
    assert_error(&answer, 400, "no_external_account", None);
    let rows = row_counts(&app).await;
    for (body, param) in [
        (json!({"reserve_basis_points": 10_001, "reserve_days": 3}), "reserve_basis_points"),
        (json!({"reserve_basis_points": 100}), "reserve_days"),
        (json!({"reserve_days": 366}), "reserve_days"),
        (json!({"payout_schedule": "hourly"}), "payout_schedule"),
        (json!({"payout_schedule": "weekly", "weekly_anchor": "funday"}), "weekly_anchor"),
        (json!({"payout_schedule": "monthly", "monthly_anchor": 32}), "monthly_anchor"),
        (json!({"minimum_amount": -1}), "minimum_amount"),
        (
            json!({"bank_account": {"account_holder_name": "A", "account_number": "12ab"}}),
            "bank_account[account_number]",
        ),
        (json!({"bank_account": {"account_holder_name": "A", "iban": "DE00370400440532013000"}}), "bank_account[iban]"),
        (
            json!({"bank_account": {"account_holder_name": " ", "account_number": PAID_ACCOUNT}}),
            "bank_account[account_holder_name]",
        ),
        (json!({"bank_account": {"account_holder_name": "A"}}), "bank_account[iban]"),
    ] {
        let (status, error) = app.post("/v1/account/settings", body.clone()).await;
        assert_eq!((status, error["error"]["param"].as_str()), (400, Some(param)), "{body}: {error}");
    }
    assert_eq!(row_counts(&app).await, rows, "rejected settings write nothing");
    let (_, unchanged) = app.get("/v1/account/settings").await;
    assert_eq!(
        (unchanged["reserve_basis_points"].as_i64(), unchanged["payout_schedule"].as_str()),
        (Some(0), Some("manual"))
    );

    bank_account(&app, PAID_ACCOUNT).await;
    let iban =
        settings(&app, json!({"bank_account": {"account_holder_name": "Ana", "iban": "DE89 3704 0044 0532 0130 00"}}))
            .await;
    assert_eq!(
        (iban["bank_account"]["last4"].as_str(), iban["bank_account"]["country"].as_str()),
        (Some("3000"), Some("DE"))
    );
    settled_payment(&app).await;
    let rows = row_counts(&app).await;
    for (body, param) in [
        (json!({"amount": 0, "currency": "usd"}), "amount"),
        (json!({"amount": -5, "currency": "usd"}), "amount"),
        (json!({"amount": 100, "currency": "xyz"}), "currency"),
        (json!({"amount": 100, "currency": "usd", "description": "x".repeat(1_001)}), "description"),
        (json!({"amount": 100, "currency": "eur"}), "amount"),
    ] {
        let (status, error) = app.post("/v1/payouts", body.clone()).await;
        assert_eq!((status, error["error"]["param"].as_str()), (400, Some(param)), "{body}: {error}");
    }
    assert_eq!(row_counts(&app).await, rows, "rejected payouts write nothing");
    for (path, param) in [
        ("/v1/payouts?status=lost", "status"),
        ("/v1/payouts?currency=xyz", "currency"),
        ("/v1/payouts?limit=0", "limit"),
        ("/v1/payouts?starting_after=pi_123", "starting_after"),
        ("/v1/balance/reserves?status=frozen", "status"),
        ("/v1/balance/reserves?limit=101", "limit"),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!((status, body["error"]["param"].as_str()), (400, Some(param)), "{path}: {body}");
    }

    let (_, created) = payout(&app, 1_000).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, second) = payout(&app, 1_000).await;
    // Cursor pagination, newest first, and filters.
    let (_, page) = app.get("/v1/payouts?limit=1").await;
    assert_eq!((page["data"][0]["id"].clone(), page["has_more"].as_bool()), (second["id"].clone(), Some(true)));
    let (_, next) = app.get(&format!("/v1/payouts?limit=1&starting_after={}", second["id"].as_str().unwrap())).await;
    assert_eq!(next["data"][0]["id"], json!(id));
    let (_, euros) = app.get("/v1/payouts?currency=eur").await;
    assert_eq!(euros["data"], json!([]));

    let (other_key, other_publishable) = app.second_merchant().await;
    for path in [format!("/v1/payouts/{id}"), format!("/v1/payouts/{MISSING_PAYOUT}")] {
        let (status, body) = app.get_with_key(&other_key, &path).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("resource_missing")), "{body}");
    }
    let (status, _) = app.post_with_key(&other_key, &format!("/v1/payouts/{id}/cancel"), json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(get_payout(&app, &id).await["status"], "pending");
    let (_, theirs) = app.get_with_key(&other_key, "/v1/payouts").await;
    assert_eq!(theirs["data"], json!([]));
    let (_, their_settings) = app.get_with_key(&other_key, "/v1/account/settings").await;
    assert_eq!(their_settings["bank_account"], Value::Null);
    let (status, _) = app.post_with_key(&other_key, "/v1/payouts", json!({"amount": 100, "currency": "usd"})).await;
    assert_eq!(status, 400, "no bank account, no balance");
    let (status, _) = app.get_with_key(&other_publishable, "/v1/payouts").await;
    assert_eq!(status, 403, "a publishable key cannot read payouts");
    let (status, _) = app.get_with_key(&other_publishable, "/v1/account/settings").await;
    assert_eq!(status, 403);
    ledger_verifies(&app);
}
