//! What prices and settles a merchant's payments: negotiated fee terms per method, the
//! international surcharge (a card issued outside the merchant's country), a settlement
//! currency that converts captures (at the latest rate, or at exactly a locked FX
//! quote's) and refunds them back at the charge's rate, and an overdraft on the
//! available balance. Every test checks the books with `tradewind ledger verify`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, balance_of, card, ledger_verifies};
use serde_json::{Value, json};
use support::{assert_error, row_counts};

on_both_backends!(
    a_settlement_currency_converts_captures_and_refunds_them_back_at_the_charge_rate,
    a_payment_confirmed_with_a_quote_converts_at_exactly_its_rate,
    conversions_round_once_across_exponents,
    a_converted_payment_is_disputed_in_the_settlement_currency,
    fee_overrides_and_the_international_surcharge_price_each_payment,
    bad_settings_are_named_and_change_nothing,
    a_negative_balance_limit_lets_a_refund_overdraw_the_available_balance,
);

async fn settings(app: &TestApp, body: Value) -> Value {
    let (status, settings) = app.post("/v1/account/settings", body).await;
    assert_eq!(status, 200, "{settings}");
    settings
}

async fn set_rate(app: &TestApp, base: &str, quote: &str, rate: &str) {
    let (status, body) = app.post("/v1/fx_rates", json!({"base": base, "quote": quote, "rate": rate})).await;
    assert_eq!(status, 200, "{body}");
}

async fn transactions(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, list) = app.get(&format!("/v1/balance_transactions?limit=100&{query}")).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

/// The payment's charge balance transaction.
async fn charge_of(app: &TestApp, payment: &Value) -> Value {
    let id = payment["id"].as_str().unwrap();
    let rows = transactions(app, &format!("payment_intent={id}&type=charge")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0].clone()
}

async fn paid(app: &TestApp, amount: i64, number: &str) -> Value {
    let (status, payment) = app.pay(amount, "usd", "US", card(number)).await;
    assert_eq!(status, 200, "{payment}");
    assert_eq!(payment["status"], "succeeded", "{payment}");
    payment
}

async fn refund(app: &TestApp, payment: &Value, amount: i64) -> (u16, Value) {
    app.post("/v1/refunds", json!({"payment_intent": payment["id"], "amount": amount})).await
}

async fn a_settlement_currency_converts_captures_and_refunds_them_back_at_the_charge_rate(app: TestApp) {
    // A manual 0.9 EUR per USD; with the platform's 0.40% markup, 0.9036.
    set_rate(&app, "usd", "eur", "0.9").await;
    let shown = settings(&app, json!({"settlement_currency": "EUR"})).await;
    assert_eq!(shown["settlement_currency"], "eur", "{shown}");

    let payment = paid(&app, 10_000, "4242424242424242").await;
    let charge = charge_of(&app, &payment).await;
    // $100.00 → €90.36. Fee in EUR: 2.9% = 2.62, the $0.30 fixed part at the mid
    // rate = 0.27, the 1% conversion surcharge = 0.90: 3.79.
    assert_eq!(
        (&charge["currency"], &charge["amount"], &charge["fee"], &charge["net"], &charge["exchange_rate"]),
        (&json!("eur"), &json!(9_036), &json!(379), &json!(8_657), &json!("0.9036")),
        "{charge}"
    );
    let kinds: Vec<&str> =
        charge["fee_details"].as_array().unwrap().iter().map(|d| d["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["percentage", "fixed", "currency_conversion"], "{charge}");
    assert_eq!(balance_of(&app, "pending", "eur").await, 8_657);
    assert_eq!(balance_of(&app, "pending", "usd").await, 0, "nothing is left in the buyer's currency");

    // Three partial refunds at the charge's rate, on cumulative amounts: together they
    // cost exactly the €90.36 the charge brought in and give back the whole fee, even
    // after the rate moved.
    set_rate(&app, "usd", "eur", "0.95").await;
    let mut settled = Vec::new();
    for amount in [3_333, 3_333, 3_334] {
        let (status, refunded) = refund(&app, &payment, amount).await;
        assert_eq!(status, 200, "{refunded}");
        let row = transactions(&app, &format!("source={}", refunded["id"].as_str().unwrap())).await.remove(0);
        assert_eq!((&row["currency"], &row["exchange_rate"]), (&json!("eur"), &json!("0.9036")), "{row}");
        settled.push((row["amount"].as_i64().unwrap(), row["fee"].as_i64().unwrap()));
    }
    assert_eq!(settled.iter().map(|(amount, _)| amount).sum::<i64>(), -9_036, "{settled:?}");
    assert_eq!(settled.iter().map(|(_, fee)| fee).sum::<i64>(), -379, "{settled:?}");
    assert_eq!(settled[0].0, -3_012, "3333 × 0.9036 = 3011.70 rounds to 3012");
    assert_eq!(balance_of(&app, "pending", "eur").await, 0);
    ledger_verifies(&app);
}

async fn conversions_round_once_across_exponents(app: TestApp) {
    // $19.99 (exponent 2) settled in JPY (0) at 150 × 1.004 = 150.6: ¥3010.494 → ¥3010.
    // Fee in JPY: 2.9% = 87.29 → 87, $0.30 at the mid rate = ¥45, 1% = 30.1 → 30.
    set_rate(&app, "usd", "jpy", "150").await;
    settings(&app, json!({"settlement_currency": "jpy"})).await;
    let charge = charge_of(&app, &paid(&app, 1_999, "4242424242424242").await).await;
    assert_eq!(
        (&charge["currency"], &charge["amount"], &charge["fee"], &charge["exchange_rate"]),
        (&json!("jpy"), &json!(3_010), &json!(162), &json!("150.6")),
        "{charge}"
    );
    // In KWD (3) at 0.3 × 1.004 = 0.3012: 6.020988 KWD → 6.021. Fee in fils: 2.9% =
    // 174.609 → 175, $0.30 at the mid rate = 90, 1% = 60.21 → 60.
    set_rate(&app, "usd", "kwd", "0.3").await;
    settings(&app, json!({"settlement_currency": "kwd"})).await;
    let charge = charge_of(&app, &paid(&app, 1_999, "4242424242424242").await).await;
    assert_eq!(
        (&charge["currency"], &charge["amount"], &charge["fee"], &charge["exchange_rate"]),
        (&json!("kwd"), &json!(6_021), &json!(325), &json!("0.3012")),
        "{charge}"
    );
    // From JPY (0) into EUR (2): ¥1234 at 0.006 × 1.004 = 0.006024 → €7.433616 → €7.43.
    set_rate(&app, "jpy", "eur", "0.006").await;
    settings(&app, json!({"settlement_currency": "eur"})).await;
    let (status, yen) = app.pay(1_234, "jpy", "JP", card("4242424242424242")).await;
    assert_eq!(status, 200, "{yen}");
    let charge = charge_of(&app, &yen).await;
    assert_eq!((&charge["currency"], &charge["amount"]), (&json!("eur"), &json!(743)), "{charge}");
    // No rate known for the pair: the payment settles in its own currency rather than fail.
    let (status, dirham) = app.pay(50_000, "aed", "AE", card("4242424242424242")).await;
    assert_eq!(status, 200, "{dirham}");
    let charge = charge_of(&app, &dirham).await;
    assert_eq!((&charge["currency"], &charge["exchange_rate"]), (&json!("aed"), &Value::Null), "{charge}");
    ledger_verifies(&app);
}

async fn a_converted_payment_is_disputed_in_the_settlement_currency(app: TestApp) {
    set_rate(&app, "usd", "eur", "0.9").await;
    settings(&app, json!({"settlement_currency": "eur"})).await;
    let mut disputes = Vec::new();
    for _ in 0..2 {
        let payment = paid(&app, 10_000, "4000000000000259").await;
        app.advance_clock(1).await;
        let (_, list) = app.get(&format!("/v1/disputes?payment_intent={}", payment["id"].as_str().unwrap())).await;
        let dispute = list["data"][0].clone();
        // The dispute states the buyer's currency; the merchant's money moves in EUR.
        assert_eq!(
            (&dispute["amount"], &dispute["currency"], &dispute["fee"]),
            (&json!(10_000), &json!("usd"), &json!(1_500))
        );
        let id = dispute["id"].as_str().unwrap().to_owned();
        let withdrawal = transactions(&app, &format!("source={id}")).await.remove(0);
        // $100.00 and the $15.00 fee at the charge's 0.9036: €90.36 and €13.55 (13.554).
        assert_eq!(
            (&withdrawal["currency"], &withdrawal["amount"], &withdrawal["fee"], &withdrawal["exchange_rate"]),
            (&json!("eur"), &json!(-9_036), &json!(1_355), &json!("0.9036")),
            "{withdrawal}"
        );
        disputes.push(id);
    }
    assert_eq!(balance_of(&app, "disputed", "eur").await, 2 * 9_036);
    assert_eq!(balance_of(&app, "disputed", "usd").await, 0);
    // The payments' €86.57 pending each covered part of €103.91 each: the rest is owed,
    // shown as a negative available balance, and the forecast starts from it.
    let owed = 2 * (9_036 + 1_355 - 8_657);
    assert_eq!(balance_of(&app, "available", "eur").await, -owed);
    let (_, forecast) = app.get("/v1/balance/forecast?days=3").await;
    let today = forecast["days"].as_array().unwrap().iter().find(|day| day["currency"] == "eur").unwrap().clone();
    assert_eq!(today["projected_available"], json!(-owed), "{forecast}");
    ledger_verifies(&app);

    // One is lost (the buyer's dollars go back through the FX position), one won.
    for (id, text) in disputes.iter().zip(["losing_evidence", "winning_evidence"]) {
        let (status, body) =
            app.post(&format!("/v1/disputes/{id}"), json!({"evidence": {"uncategorized_text": text}})).await;
        assert_eq!(status, 200, "{body}");
    }
    app.advance_clock(86_400 + 60).await;
    let (_, lost) = app.get(&format!("/v1/disputes/{}", disputes[0])).await;
    let (_, won) = app.get(&format!("/v1/disputes/{}", disputes[1])).await;
    assert_eq!((lost["status"].as_str(), won["status"].as_str()), (Some("lost"), Some("won")));
    let reversal = transactions(&app, &format!("source={}&type=adjustment", disputes[1])).await.remove(0);
    assert_eq!(
        (&reversal["currency"], &reversal["amount"], &reversal["fee"], &reversal["exchange_rate"]),
        (&json!("eur"), &json!(9_036), &json!(-1_355), &json!("0.9036")),
        "{reversal}"
    );
    assert_eq!(balance_of(&app, "disputed", "eur").await, 0);
    ledger_verifies(&app);
}

async fn a_payment_confirmed_with_a_quote_converts_at_exactly_its_rate(app: TestApp) {
    set_rate(&app, "usd", "eur", "0.9").await;
    settings(&app, json!({"settlement_currency": "eur"})).await;
    let quote = |body: Value| {
        let app = &app;
        async move {
            let (status, quote) = app.post("/v1/fx_quotes", body).await;
            assert_eq!(status, 200, "{quote}");
            quote["id"].as_str().unwrap().to_owned()
        }
    };
    let locked = quote(json!({"from_currency": "usd", "to_currency": "eur", "amount": 10_000})).await;
    // The rate moves after the quote: the payment still converts at the locked 0.9036.
    set_rate(&app, "usd", "eur", "0.8").await;
    let intent = |amount: i64| {
        let app = &app;
        async move {
            let (status, intent) = app.post("/v1/payment_intents", json!({"amount": amount, "currency": "usd"})).await;
            assert_eq!(status, 200, "{intent}");
            intent["id"].as_str().unwrap().to_owned()
        }
    };
    let confirm = |id: String, quote: String| {
        let app = &app;
        async move {
            app.post(
                &format!("/v1/payment_intents/{id}/confirm"),
                json!({"payment_method_data": card("4242424242424242"), "fx_quote": quote}),
            )
            .await
        }
    };
    let first = intent(10_000).await;
    let (status, confirmed) = confirm(first.clone(), locked.clone()).await;
    assert_eq!((status, confirmed["status"].as_str()), (200, Some("succeeded")), "{confirmed}");
    let charge = charge_of(&app, &confirmed).await;
    assert_eq!((&charge["amount"], &charge["exchange_rate"]), (&json!(9_036), &json!("0.9036")), "{charge}");
    let (_, used) = app.get(&format!("/v1/fx_quotes/{locked}")).await;
    assert_eq!((&used["status"], &used["used_by"]), (&json!("used"), &json!(first)), "{used}");

    // A quote serves one payment; a refusal writes nothing.
    let second = intent(10_000).await;
    let before = row_counts(&app).await;
    let answer = confirm(second.clone(), locked.clone()).await;
    assert_error(&answer, 400, "fx_quote_invalid", Some("fx_quote"));
    // Into another currency than the account settles in, for another amount, unknown.
    let pounds = quote(json!({"from_currency": "usd", "to_currency": "gbp", "amount": 10_000})).await;
    assert_error(&confirm(second.clone(), pounds).await, 400, "fx_quote_invalid", Some("fx_quote"));
    let smaller = quote(json!({"from_currency": "usd", "to_currency": "eur", "amount": 5_000})).await;
    assert_error(&confirm(second.clone(), smaller).await, 400, "fx_quote_invalid", Some("fx_quote"));
    let unknown = "fxq_0000000000000000000000000A".to_owned();
    assert_error(&confirm(second.clone(), unknown).await, 400, "fx_quote_invalid", Some("fx_quote"));
    // An expired quote says so.
    let expiring = quote(json!({"from_currency": "usd", "to_currency": "eur", "amount": 10_000})).await;
    app.advance_clock(901).await;
    let before_expired = row_counts(&app).await;
    assert_error(&confirm(second.clone(), expiring).await, 400, "fx_quote_expired", Some("fx_quote"));
    assert_eq!(row_counts(&app).await, before_expired);
    assert_eq!(before["payment_attempts"], before_expired["payment_attempts"], "no refusal wrote an attempt");
    let (_, still) = app.get(&format!("/v1/payment_intents/{second}")).await;
    assert_eq!(still["status"], "requires_payment_method", "{still}");

    // Another merchant cannot use this merchant's quote.
    let (other_key, _) = app.second_merchant().await;
    let fresh = quote(json!({"from_currency": "usd", "to_currency": "eur", "amount": 10_000})).await;
    let (status, theirs) =
        app.post_with_key(&other_key, "/v1/payment_intents", json!({"amount": 10_000, "currency": "usd"})).await;
    assert_eq!(status, 200, "{theirs}");
    let answer = app
        .post_with_key(
            &other_key,
            &format!("/v1/payment_intents/{}/confirm", theirs["id"].as_str().unwrap()),
            json!({"payment_method_data": card("4242424242424242"), "fx_quote": fresh}),
        )
        .await;
    assert_error(&answer, 400, "fx_quote_invalid", Some("fx_quote"));

    // Creating and confirming in one call books the quote too; without `confirm` it is refused.
    let answer = app.post("/v1/payment_intents", json!({"amount": 10_000, "currency": "usd", "fx_quote": fresh})).await;
    assert_error(&answer, 400, "parameter_invalid", Some("fx_quote"));
    let (status, one_call) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 10_000, "currency": "usd", "confirm": true,
                   "payment_method_data": card("4242424242424242"), "fx_quote": fresh}),
        )
        .await;
    assert_eq!(status, 200, "{one_call}");
    // That quote was locked after the rate moved: 0.8 × 1.004 = 0.8032.
    let charge = charge_of(&app, &one_call).await;
    assert_eq!((&charge["amount"], &charge["exchange_rate"]), (&json!(8_032), &json!("0.8032")), "{charge}");
    ledger_verifies(&app);
}

async fn fee_overrides_and_the_international_surcharge_price_each_payment(app: TestApp) {
    let shown =
        settings(&app, json!({"country": "us", "fees": {"card": {"percent_basis_points": 250, "fixed_amount": 0}}}))
            .await;
    assert_eq!(shown["country"], "US", "{shown}");
    assert_eq!(
        shown["fees"]["card"],
        json!({"percent_basis_points": 250, "fixed_amount": 0, "international_surcharge_basis_points": 150,
               "currency_conversion_surcharge_basis_points": 100, "cap_amount": null, "dispute_fee_amount": 1_500,
               "refund_fee_returned": true, "currency": "usd", "overridden": true})
    );
    assert_eq!(shown["fees"]["paypal"]["overridden"], false, "{shown}");
    assert_eq!(shown["fees"].as_object().unwrap().len(), 10, "every method's schedule is shown");

    // A US card: 2.50%, no fixed part. A German card pays the 1.50% international surcharge too.
    let domestic = paid(&app, 10_000, "4242424242424242").await;
    assert_eq!(domestic["payment_method"]["card"]["country"], "US", "{domestic}");
    assert_eq!(charge_of(&app, &domestic).await["fee"], 250);
    let german = paid(&app, 10_000, "4000002760000016").await;
    assert_eq!(german["payment_method"]["card"]["country"], "DE", "{german}");
    let charge = charge_of(&app, &german).await;
    assert_eq!((&charge["fee"], &charge["net"]), (&json!(400), &json!(9_600)), "{charge}");
    assert_eq!(
        charge["fee_details"],
        json!([{"type": "percentage", "description": "Percentage fee", "amount": 250},
               {"type": "international", "description": "International surcharge", "amount": 150}])
    );

    // Another merchant keeps the default terms, and cannot see these settings.
    let (other_key, _) = app.second_merchant().await;
    let (status, theirs) = app
        .post_with_key(
            &other_key,
            "/v1/payment_intents",
            json!({"amount": 10_000, "currency": "usd", "confirm": true,
                   "payment_method_data": card("4000002760000016")}),
        )
        .await;
    assert_eq!(status, 200, "{theirs}");
    let (_, rows) = app
        .get_with_key(
            &other_key,
            &format!("/v1/balance_transactions?payment_intent={}", theirs["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(rows["data"][0]["fee"], 320, "no country set: no surcharge, default card terms: {rows}");
    let (_, their_settings) = app.get_with_key(&other_key, "/v1/account/settings").await;
    assert_eq!(
        (&their_settings["country"], &their_settings["fees"]["card"]["overridden"]),
        (&Value::Null, &json!(false)),
        "{their_settings}"
    );

    // `null` goes back to the default: 2.9% + 0.30, and the surcharge still applies.
    let shown = settings(&app, json!({"fees": {"card": null}})).await;
    assert_eq!(shown["fees"]["card"]["overridden"], false, "{shown}");
    assert_eq!(charge_of(&app, &paid(&app, 10_000, "4242424242424242").await).await["fee"], 320);
    assert_eq!(charge_of(&app, &paid(&app, 10_000, "4000000760000002").await).await["fee"], 470);
    ledger_verifies(&app);
}

async fn bad_settings_are_named_and_change_nothing(app: TestApp) {
    settings(&app, json!({"country": "DE", "settlement_currency": "eur", "fees": {"ideal": {"fixed_amount": 20}}}))
        .await;
    let (_, before) = app.get("/v1/account/settings").await;
    let cases = [
        (json!({"country": "DEU"}), "parameter_invalid", "country"),
        (json!({"settlement_currency": "euro"}), "invalid_currency", "settlement_currency"),
        (json!({"fees": {"bitcoin": {"percent_basis_points": 1}}}), "parameter_unknown", "fees[bitcoin]"),
        (
            json!({"fees": {"card": {"percent_basis_points": 10_001}}}),
            "parameter_invalid",
            "fees[card][percent_basis_points]",
        ),
        (json!({"fees": {"card": {"fixed_amount": -5}}}), "parameter_invalid_integer", "fees[card][fixed_amount]"),
        (
            json!({"fees": {"card": {"fixed_amount": 5, "currency": "eur"}}}),
            "parameter_invalid",
            "fees[card][currency]",
        ),
        (json!({"fees": {"card": {"currency": "euro"}}}), "invalid_currency", "fees[card][currency]"),
        (json!({"fees": {"gopay": {"fixed_amount": 5}}}), "parameter_missing", "fees[gopay][currency]"),
        (json!({"negative_balance_limits": {"usd": -1}}), "parameter_invalid_integer", "negative_balance_limits[usd]"),
        (json!({"negative_balance_limits": {"xxx": 100}}), "invalid_currency", "negative_balance_limits[xxx]"),
        // A good field beside a bad one is not written either.
        (
            json!({"country": "FR", "fees": {"card": {"percent_basis_points": 20_000}}}),
            "parameter_invalid",
            "fees[card][percent_basis_points]",
        ),
    ];
    for (body, code, param) in cases {
        let answer = app.post("/v1/account/settings", body.clone()).await;
        assert_error(&answer, 400, code, Some(param));
        let (_, after) = app.get("/v1/account/settings").await;
        assert_eq!(after, before, "{body} changed the settings");
    }
    assert_eq!(before["fees"]["ideal"]["fixed_amount"], 20, "{before}");
    // Empty strings clear the country and the settlement currency.
    let cleared = settings(&app, json!({"country": "", "settlement_currency": ""})).await;
    assert_eq!((&cleared["country"], &cleared["settlement_currency"]), (&Value::Null, &Value::Null), "{cleared}");
}

async fn a_negative_balance_limit_lets_a_refund_overdraw_the_available_balance(app: TestApp) {
    // The merchant keeps paying the fee on refunds: a full refund of a settled $100.00
    // payment costs $100.00 of the $96.80 available.
    settings(&app, json!({"fees": {"card": {"refund_fee_returned": false}}})).await;
    let payment = paid(&app, 10_000, "4242424242424242").await;
    let charge = charge_of(&app, &payment).await;
    let (_, clock) = app.get("/v1/sandbox/clock").await;
    let wait = charge["available_on"].as_i64().unwrap() - clock["frozen_time"].as_i64().unwrap() + 60;
    let advanced = app.advance_clock(wait).await;
    assert_eq!(advanced["funds_settled"], 1, "{advanced}");
    assert_eq!(balance_of(&app, "available", "usd").await, 9_680);

    let before = row_counts(&app).await;
    assert_error(&refund(&app, &payment, 10_000).await, 400, "balance_insufficient", None);
    assert_eq!(row_counts(&app).await, before, "a refused refund writes nothing");

    let shown = settings(&app, json!({"negative_balance_limits": {"usd": 500}})).await;
    assert_eq!(shown["negative_balance_limits"], json!({"usd": 500}), "{shown}");
    let (status, refunded) = refund(&app, &payment, 10_000).await;
    assert_eq!(status, 200, "{refunded}");
    assert_eq!(balance_of(&app, "available", "usd").await, -320);
    // The limit holds: nothing more may leave.
    let (status, second) = app.pay(10_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{second}");
    let answer = app.post("/v1/payouts", json!({"amount": 200, "currency": "usd"})).await;
    assert_eq!(answer.0, 400, "{}", answer.1);
    // The limit cannot go below what is already overdrawn; once the balance is back
    // above zero it can be removed (a 0).
    let answer = app.post("/v1/account/settings", json!({"negative_balance_limits": {"usd": 300}})).await;
    assert_error(&answer, 400, "negative_balance_limit_too_low", Some("negative_balance_limits[usd]"));
    let (_, unchanged) = app.get("/v1/account/settings").await;
    assert_eq!(unchanged["negative_balance_limits"], json!({"usd": 500}), "{unchanged}");
    let charge = charge_of(&app, &second).await;
    let (_, clock) = app.get("/v1/sandbox/clock").await;
    app.advance_clock(charge["available_on"].as_i64().unwrap() - clock["frozen_time"].as_i64().unwrap() + 60).await;
    assert_eq!(balance_of(&app, "available", "usd").await, 9_680 - 320);
    let shown = settings(&app, json!({"negative_balance_limits": {"usd": 0}})).await;
    assert_eq!(shown["negative_balance_limits"], json!({}), "{shown}");
    ledger_verifies(&app);
}
