//! Money that adds up: a payment's ledger postings, fee, balance transaction and
//! settlement; refunds before and after settlement; manual capture holds; the forecast
//! against a hand-computed calendar; concurrent refunds; `tradewind ledger verify`
//! after each — on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, card, ledger_verifies};
use serde_json::{Value, json};
use time::{Date, Duration, Month, OffsetDateTime, Time};

on_both_backends!(
    card_payment_books_its_fee_and_settles,
    manual_capture_holds_then_posts_part,
    forecast_follows_each_connectors_calendar,
    concurrent_refunds_never_overdraw,
    deltas_fold_without_changing_a_balance,
    balance_routes_check_input_and_tenancy,
    tables_refuse_rows_that_break_their_rules,
);

async fn balance(app: &TestApp) -> Value {
    let (status, balance) = app.get("/v1/balance").await;
    assert_eq!(status, 200, "{balance}");
    balance
}

/// The amount of `bucket` in `currency`, 0 when the merchant has none.
fn amount(balance: &Value, bucket: &str, currency: &str) -> i64 {
    balance[bucket]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["currency"] == currency)
        .map_or(0, |entry| entry["amount"].as_i64().unwrap())
}

async fn transactions_of(app: &TestApp, payment: &str) -> Vec<Value> {
    let (status, list) = app.get(&format!("/v1/balance_transactions?payment_intent={payment}&limit=100")).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

async fn now_of(app: &TestApp) -> i64 {
    let (_, clock) = app.get("/v1/sandbox/clock").await;
    clock["frozen_time"].as_i64().unwrap()
}

async fn refund(app: &TestApp, payment: &str, amount: i64) -> (u16, Value) {
    app.post("/v1/refunds", json!({"payment_intent": payment, "amount": amount})).await
}

async fn card_payment_books_its_fee_and_settles(app: TestApp) {
    let (status, paid) = app.pay(10_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let payment = paid["id"].as_str().unwrap();

    // 2.9% + 0.30 of 100.00 = 3.20: the pending balance reads the net.
    let [charge] = transactions_of(&app, payment).await.try_into().unwrap();
    assert_eq!((charge["type"].as_str(), charge["amount"].as_i64()), (Some("charge"), Some(10_000)));
    assert_eq!((charge["fee"].as_i64(), charge["net"].as_i64()), (Some(320), Some(9_680)));
    assert_eq!(charge["status"], "pending");
    assert_eq!(charge["fee_details"].as_array().unwrap().len(), 2, "{charge}");
    let available_on = charge["available_on"].as_i64().unwrap();
    assert!(available_on > charge["created"].as_i64().unwrap());
    assert_eq!(available_on % 86_400, 0, "midnight UTC");
    let before = balance(&app).await;
    assert_eq!(amount(&before, "pending", "usd"), 9_680);
    assert_eq!(amount(&before, "available", "usd"), 0);
    assert_eq!(amount(&before, "fees_paid", "usd"), 320);

    // A partial refund before settlement comes out of pending, with the fee's share back:
    // 30.00 of 100.00 returns 0.96 of the 3.20.
    let (status, first) = refund(&app, payment, 3_000).await;
    assert_eq!(status, 200, "{first}");
    let refund_row = transactions_of(&app, payment).await.into_iter().find(|row| row["type"] == "refund").unwrap();
    assert_eq!((refund_row["amount"].as_i64(), refund_row["fee"].as_i64()), (Some(-3_000), Some(-96)));
    assert_eq!((refund_row["net"].as_i64(), refund_row["status"].as_str()), (Some(-2_904), Some("pending")));
    assert_eq!(amount(&balance(&app).await, "pending", "usd"), 9_680 - 2_904);
    ledger_verifies(&app);

    // On `available_on` the sweep settles what is left of the payment.
    let now = now_of(&app).await;
    let clock = app.advance_clock(available_on - now + 60).await;
    assert_eq!(clock["funds_settled"], 1, "{clock}");
    let settled = balance(&app).await;
    assert_eq!((amount(&settled, "pending", "usd"), amount(&settled, "available", "usd")), (0, 6_776));
    assert!(transactions_of(&app, payment).await.iter().all(|row| row["status"] == "available"));

    // The rest, refunded after settlement, comes out of available; the whole fee is back.
    let (status, _) = refund(&app, payment, 7_000).await;
    assert_eq!(status, 200);
    let after = balance(&app).await;
    assert_eq!((amount(&after, "available", "usd"), amount(&after, "fees_paid", "usd")), (0, 0));
    // Nothing left to refund, and nothing in the balance to refund it from.
    let (status, _) = refund(&app, payment, 1).await;
    assert_eq!(status, 400);
    ledger_verifies(&app);
}

async fn manual_capture_holds_then_posts_part(app: TestApp) {
    let create = |capture_method: &str| {
        json!({
            "amount": 5_000, "currency": "usd", "capture_method": capture_method, "confirm": true,
            "customer": {"country": "US"}, "payment_method_data": card("4242424242424242"),
        })
    };
    let (status, held) = app.post("/v1/payment_intents", create("manual")).await;
    assert_eq!((status, held["status"].as_str()), (200, Some("requires_capture")), "{held}");
    let id = held["id"].as_str().unwrap();
    // A hold is not money yet: no posted balance, no balance transaction.
    assert_eq!(amount(&balance(&app).await, "pending", "usd"), 0);
    assert!(transactions_of(&app, id).await.is_empty());
    let (status, captured) =
        app.post(&format!("/v1/payment_intents/{id}/capture"), json!({"amount_to_capture": 3_000})).await;
    assert_eq!((status, captured["status"].as_str()), (200, Some("succeeded")), "{captured}");
    // 2.9% of 30.00 = 0.87, + 0.30.
    let [charge] = transactions_of(&app, id).await.try_into().unwrap();
    assert_eq!((charge["amount"].as_i64(), charge["fee"].as_i64()), (Some(3_000), Some(117)));
    assert_eq!(amount(&balance(&app).await, "pending", "usd"), 2_883);

    // A hold canceled is voided: nothing moves.
    let (_, other) = app.post("/v1/payment_intents", create("manual")).await;
    let other = other["id"].as_str().unwrap();
    let (status, _) = app.post(&format!("/v1/payment_intents/{other}/cancel"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(amount(&balance(&app).await, "pending", "usd"), 2_883);
    ledger_verifies(&app);
}

/// Easter Sunday of `year` (the anonymous Gregorian algorithm).
fn easter(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_calendar_date(year, Month::try_from(month as u8).unwrap(), day as u8).unwrap()
}

fn midnight(date: Date) -> i64 {
    date.midnight().assume_utc().unix_timestamp()
}

async fn forecast_follows_each_connectors_calendar(app: TestApp) {
    // Move the merchant's clock to noon on the Wednesday before the next Good Friday
    // whose Easter ends before 1 May (so TARGET2's 1 May holiday stays out of range).
    let now = now_of(&app).await;
    let today = OffsetDateTime::from_unix_timestamp(now).unwrap().date();
    let easter_sunday = (today.year()..today.year() + 12)
        .map(easter)
        .find(|easter| *easter - Duration::days(4) > today && easter.month() == Month::March)
        .unwrap();
    let wednesday = easter_sunday - Duration::days(4);
    let noon = wednesday.with_time(Time::from_hms(12, 0, 0).unwrap()).assume_utc().unix_timestamp();
    app.advance_clock(noon - now).await;

    // Card, EUR, T+2: Thursday (1); Good Friday, the weekend and Easter Monday are
    // closed (TARGET2); Tuesday (2).
    let (status, card_paid) = app.pay(10_000, "eur", "DE", card("4242424242424242")).await;
    assert_eq!(status, 200, "{card_paid}");
    // Cash on delivery, AED, T+14 on weekends only: Wednesday + 20 calendar days.
    let (status, cod) = app.pay(20_000, "aed", "AE", json!({"type": "cash_on_delivery", "cash_on_delivery": {}})).await;
    assert_eq!(status, 200, "{cod}");
    let (status, collected) =
        app.post(&format!("/v1/sandbox/deliveries/{}/collect", cod["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 200, "{collected}");
    // SOFORT, EUR, T+7: approved now, confirmed two days later on Good Friday, which
    // rolls to Easter Tuesday (day 0); then 7 business days: Easter + 11.
    let (status, sofort) = app.pay(5_000, "eur", "DE", json!({"type": "sofort", "sofort": {"country": "DE"}})).await;
    assert_eq!(status, 200, "{sofort}");
    let redirect = sofort["next_action"]["redirect_to_url"]["url"].as_str().unwrap();
    app.post_form(redirect, &[("choice", "approve")]).await;
    let clock = app.advance_clock(2 * 86_400 + 60).await;
    assert_eq!(clock["settled"], 1, "{clock}");

    let expected = [
        (card_paid["id"].as_str().unwrap(), easter_sunday + Duration::days(2)),
        (cod["id"].as_str().unwrap(), wednesday + Duration::days(20)),
        (sofort["id"].as_str().unwrap(), easter_sunday + Duration::days(11)),
    ];
    let mut nets = Vec::new();
    for (payment, date) in expected {
        let [charge] = transactions_of(&app, payment).await.try_into().unwrap();
        assert_eq!(charge["available_on"].as_i64(), Some(midnight(date)), "{payment}: {charge}");
        nets.push((charge["currency"].as_str().unwrap().to_owned(), date, charge["net"].as_i64().unwrap()));
    }

    let (status, forecast) = app.get("/v1/balance/forecast?days=30").await;
    assert_eq!(status, 200, "{forecast}");
    let days = forecast["days"].as_array().unwrap();
    for (currency, date, net) in &nets {
        let day = days
            .iter()
            .find(|day| day["currency"] == currency.as_str() && day["date"] == date.to_string())
            .unwrap_or_else(|| panic!("no {currency} day {date} in {forecast}"));
        assert_eq!(day["becomes_available"].as_i64(), Some(*net), "{day}");
    }
    // Nothing else becomes available, and the projection ends with all of it.
    let total_eur: i64 = nets.iter().filter(|(currency, ..)| currency == "eur").map(|(.., net)| net).sum();
    let arriving_eur: i64 =
        days.iter().filter(|day| day["currency"] == "eur").map(|day| day["becomes_available"].as_i64().unwrap()).sum();
    assert_eq!(arriving_eur, total_eur);
    let last_eur = days.iter().rev().find(|day| day["currency"] == "eur").unwrap();
    assert_eq!(last_eur["projected_available"].as_i64(), Some(total_eur));
    ledger_verifies(&app);
}

async fn concurrent_refunds_never_overdraw(app: TestApp) {
    let (_, paid) = app.pay(10_000, "usd", "US", card("4242424242424242")).await;
    let payment = paid["id"].as_str().unwrap().to_owned();
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let (app, payment) = (&app, payment.clone());
            async move { refund(app, &payment, 1_000).await.0 }
        })
        .collect();
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 10, "{statuses:?}");
    assert!(statuses.iter().all(|status| [200, 400, 409].contains(status)), "{statuses:?}");
    let after = balance(&app).await;
    // Ten refunds of a tenth each return the whole fee: nothing pending, nothing below 0.
    assert_eq!((amount(&after, "pending", "usd"), amount(&after, "fees_paid", "usd")), (0, 0));
    ledger_verifies(&app);
}

/// Rows of `ledger_account_deltas`, the increments not yet folded into their accounts.
async fn unfolded_deltas(app: &TestApp) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_account_deltas")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

/// On PostgreSQL a capture adds to its accounts through delta rows (no row locks), read
/// with the accounts until the fold moves them in: balances read the same on either
/// side of a fold, and a refund that reads its balance under a lock sees both. SQLite
/// updates its accounts in place and never writes a delta.
async fn deltas_fold_without_changing_a_balance(app: TestApp) {
    let store = tradewind_storage::Store::connect(&app.database_url).await.unwrap();
    let mut payments = Vec::new();
    for amount in [10_000, 2_500, 700] {
        let (status, paid) = app.pay(amount, "usd", "US", card("4242424242424242")).await;
        assert_eq!(status, 200, "{paid}");
        payments.push(paid["id"].as_str().unwrap().to_owned());
    }
    let unfolded = unfolded_deltas(&app).await;
    match app.backend {
        // Three captures, each adding to clearing, pending, fee revenue, and the fees
        // paid memo pair.
        common::Backend::Postgres => assert_eq!(unfolded, 15),
        common::Backend::Sqlite => assert_eq!(unfolded, 0),
    }
    let before = balance(&app).await;
    // 100.00 + 25.00 + 7.00 less 2.9% + 0.30 each (3.20, 1.03, 0.50).
    assert_eq!(amount(&before, "pending", "usd"), 13_200 - 320 - 103 - 50);
    ledger_verifies(&app);

    let folded = tradewind_storage::ledger::fold_deltas(&store).await.unwrap();
    assert_eq!(folded, u64::try_from(unfolded).unwrap());
    assert_eq!(unfolded_deltas(&app).await, 0);
    assert_eq!(balance(&app).await, before);
    ledger_verifies(&app);

    // Part folded, part not: a refund from the pending balance, then a fourth capture.
    let (status, refunded) = refund(&app, &payments[0], 4_000).await;
    assert_eq!(status, 200, "{refunded}");
    let (status, paid) = app.pay(1_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let mixed = balance(&app).await;
    // The refund returns 40% of the first fee (1.28); the capture nets 10.00 − 0.59.
    assert_eq!(amount(&mixed, "pending", "usd"), 12_727 - 4_000 + 128 + 1_000 - 59);
    ledger_verifies(&app);
    tradewind_storage::ledger::fold_deltas(&store).await.unwrap();
    assert_eq!(unfolded_deltas(&app).await, 0);
    assert_eq!(balance(&app).await, mixed);
    ledger_verifies(&app);

    // The fold worker vacuums the folded rows away (PostgreSQL; a no-op on SQLite).
    let vacuums_before = deltas_vacuums(&app).await;
    tradewind_storage::ledger::vacuum_deltas(&store).await.unwrap();
    match app.backend {
        common::Backend::Postgres => assert_eq!(deltas_vacuums(&app).await, vacuums_before + 1),
        common::Backend::Sqlite => assert_eq!(deltas_vacuums(&app).await, 0),
    }
    assert_eq!(balance(&app).await, mixed);
    store.close().await;
}

/// How many times `ledger_account_deltas` was vacuumed (PostgreSQL's statistics; 0 on SQLite).
async fn deltas_vacuums(app: &TestApp) -> i64 {
    if app.backend == common::Backend::Sqlite {
        return 0;
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let count: i64 = sqlx::query_scalar(
        "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'ledger_account_deltas'::regclass",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    count
}

/// The tables keep their rules whatever writes to them (SQLite's CHECKs; PostgreSQL's
/// rule functions, `migrations_postgres/`): a transfer or a balance transaction that
/// breaks one is refused, and one that keeps them all is stored.
async fn tables_refuse_rows_that_break_their_rules(app: TestApp) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let transfer = |id: &str, amount: i64, credit: &str, kind: &str, pending_id: Option<&str>, state: Option<&str>| {
        sqlx::query(
            "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount_minor, currency, code, \
             kind, pending_id, pending_state, source_id, created_at) \
             VALUES ($1, 'acc_a', $2, $3, 'USD', 'capture', $4, $5, $6, NULL, 0)",
        )
        .bind(id.to_owned())
        .bind(credit.to_owned())
        .bind(amount)
        .bind(kind.to_owned())
        .bind(pending_id.map(str::to_owned))
        .bind(state.map(str::to_owned))
        .execute(&pool)
    };
    let broken = [
        ("zero amount", transfer("t1", 0, "acc_b", "single", None, None).await),
        ("debit is credit", transfer("t2", 1, "acc_a", "single", None, None).await),
        ("unknown kind", transfer("t3", 1, "acc_b", "sideways", None, None).await),
        ("post without its hold", transfer("t4", 1, "acc_b", "post_pending", None, None).await),
        ("single naming a hold", transfer("t5", 1, "acc_b", "single", Some("t0"), None).await),
        ("hold without a state", transfer("t6", 1, "acc_b", "pending", None, None).await),
        ("unknown hold state", transfer("t7", 1, "acc_b", "pending", None, Some("lost")).await),
        ("single with a hold state", transfer("t8", 1, "acc_b", "single", None, Some("pending")).await),
    ];
    for (rule, result) in broken {
        assert!(result.is_err(), "{rule}: stored");
    }
    for (id, kind, pending_id, state) in [
        ("ok1", "single", None, None),
        ("ok2", "pending", None, Some("pending")),
        ("ok3", "void_pending", Some("ok2"), None),
    ] {
        transfer(id, 1, "acc_b", kind, pending_id, state).await.unwrap();
    }
    let stored: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transfers WHERE id LIKE 'ok%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 3);

    let balance_transaction = |id: &str, net: i64, status: &str| {
        sqlx::query(
            "INSERT INTO balance_transactions (id, merchant_id, type, reporting_category, amount, fee, net, currency, \
             source_id, status, available_on, created_at) \
             VALUES ($1, $2, 'charge', 'charge', 1000, 59, $3, 'usd', 'pi_rules', $4, 0, 0)",
        )
        .bind(id.to_owned())
        .bind(app.merchant_id.clone())
        .bind(net)
        .bind(status.to_owned())
        .execute(&pool)
    };
    assert!(balance_transaction("txn_r1", 1000, "pending").await.is_err(), "net is not amount less fee");
    assert!(balance_transaction("txn_r2", 941, "settled").await.is_err(), "unknown status");
    balance_transaction("txn_r3", 941, "available").await.unwrap();
    pool.close().await;
}

async fn balance_routes_check_input_and_tenancy(app: TestApp) {
    let (_, paid) = app.pay(2_000, "usd", "US", card("4242424242424242")).await;
    let [charge] = transactions_of(&app, paid["id"].as_str().unwrap()).await.try_into().unwrap();
    let charge_id = charge["id"].as_str().unwrap();
    let (status, fetched) = app.get(&format!("/v1/balance_transactions/{charge_id}")).await;
    assert_eq!((status, fetched["id"].as_str()), (200, Some(charge_id)));

    for (path, param) in [
        ("/v1/balance_transactions?status=settled", "status"),
        ("/v1/balance_transactions?currency=xyz", "currency"),
        ("/v1/balance_transactions?limit=0", "limit"),
        ("/v1/balance_transactions?starting_after=pi_123", "starting_after"),
        ("/v1/balance/forecast?days=0", "days"),
        ("/v1/balance/forecast?days=400", "days"),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!((status, body["error"]["param"].as_str()), (400, Some(param)), "{path}: {body}");
    }
    let (status, body) = app.get("/v1/balance_transactions?colour=red").await;
    assert_eq!(status, 400, "{body}");

    let (other_key, other_publishable) = app.second_merchant().await;
    let (status, _) = app.get_with_key(&other_key, &format!("/v1/balance_transactions/{charge_id}")).await;
    assert_eq!(status, 404);
    let (status, missing) = app.get(&format!("/v1/balance_transactions/{}", "txn_00000000000000000000000000")).await;
    assert_eq!((status, missing["error"]["code"].as_str()), (404, Some("resource_missing")));
    let (_, theirs) = app.get_with_key(&other_key, "/v1/balance").await;
    assert_eq!(theirs["pending"], json!([]), "{theirs}");
    let (_, their_list) = app.get_with_key(&other_key, "/v1/balance_transactions").await;
    assert_eq!(their_list["data"], json!([]));
    let (status, _) = app.get_with_key(&other_publishable, "/v1/balance").await;
    assert_eq!(status, 403, "a publishable key cannot read balances");
}
