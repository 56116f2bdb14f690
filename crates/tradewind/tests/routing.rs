//! Routing and failover across a merchant's sandbox connector accounts, under fault
//! injection: soft declines, errors, outages and timeouts fail over with exactly one
//! capture; a timeout whose charge happened is not retried; hard declines and 3-D
//! Secure are never retried; circuit breakers take a failing connector out; rules pick
//! and explain; `/v1/routing/simulate` answers without charging; bad rules are typed
//! 400s that write nothing; rules name only the merchant's own accounts — on SQLite and
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card, ledger_verifies};
use serde_json::{Value, json};
use support::{assert_error, row_counts};

on_both_backends!(
    soft_declines_fail_over_with_exactly_one_capture,
    timeouts_fail_over_only_when_nothing_was_charged,
    hard_declines_and_three_d_secure_are_never_retried,
    errors_open_the_breaker_and_traffic_shifts,
    rules_pick_explain_and_simulate,
    least_cost_follows_the_amount,
    bad_rules_are_typed_400s_that_write_nothing,
    the_retry_budget_bounds_the_tries,
);

async fn sandbox_account(app: &TestApp, label: &str, faults: Value) -> String {
    let (status, account) = app
        .post(
            "/v1/connector_accounts",
            json!({"connector": "sandbox", "label": label, "payment_methods": ["card"], "faults": faults}),
        )
        .await;
    assert_eq!(status, 200, "{account}");
    account["id"].as_str().unwrap().to_owned()
}

async fn set_rules(app: &TestApp, rules: Value) {
    let (status, answer) = app.post("/v1/routing/rules", json!({"rules": rules})).await;
    assert_eq!(status, 200, "{answer}");
}

async fn attempts(app: &TestApp, payment: &Value) -> Vec<Value> {
    let id = payment["id"].as_str().or_else(|| payment["error"]["payment_intent"]["id"].as_str()).unwrap();
    let (status, list) = app.get(&format!("/v1/payment_intents/{id}/attempts")).await;
    assert_eq!(status, 200, "{list}");
    let mut data = list["data"].as_array().unwrap().clone();
    data.sort_by_key(|attempt| attempt["created"].as_i64());
    data
}

/// Charges booked for `payment`: one balance transaction of type `charge` per capture.
async fn charges(app: &TestApp, payment: &Value) -> usize {
    let id = payment["id"].as_str().unwrap();
    let (status, list) = app.get(&format!("/v1/balance_transactions?payment_intent={id}&limit=100")).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().iter().filter(|transaction| transaction["type"] == "charge").count()
}

fn priority(connectors: &[&str]) -> Value {
    json!([{"id": "first_choice", "name": "Primary then backup", "conditions": {},
            "strategy": {"type": "priority", "connectors": connectors}}])
}

/// Connectors of the attempts, first to last.
fn connectors(attempts: &[Value]) -> Vec<String> {
    attempts.iter().map(|attempt| attempt["connector"].as_str().unwrap().to_owned()).collect()
}

async fn soft_declines_fail_over_with_exactly_one_capture(app: TestApp) {
    let flaky = sandbox_account(&app, "flaky", json!({"soft_decline_rate_percent": 100})).await;
    let backup = sandbox_account(&app, "backup", json!({})).await;
    set_rules(&app, priority(&[&flaky, &backup])).await;

    let (status, paid) = app.pay(10_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "succeeded");
    let tries = attempts(&app, &paid).await;
    assert_eq!(connectors(&tries), [flaky.clone(), backup.clone()]);
    assert_eq!(
        (tries[0]["status"].as_str(), tries[0]["decline_code"].as_str()),
        (Some("failed"), Some("try_again_later"))
    );
    assert_eq!(tries[1]["status"], "captured");
    let routing = tries[1]["routing"].as_str().unwrap();
    assert!(routing.contains("Failover to") && routing.contains(&flaky), "{routing}");
    assert!(tries[0]["routing"].as_str().unwrap().contains("Primary then backup"), "{}", tries[0]["routing"]);
    assert_eq!(charges(&app, &paid).await, 1, "exactly one capture");
    ledger_verifies(&app);
}

async fn timeouts_fail_over_only_when_nothing_was_charged(app: TestApp) {
    // The provider never got the request: failing over is safe.
    let lost = sandbox_account(&app, "request lost", json!({"timeout_rate_percent": 100})).await;
    let backup = sandbox_account(&app, "backup", json!({})).await;
    set_rules(&app, priority(&[&lost, &backup])).await;
    let (status, paid) = app.pay(5_000, "eur", "DE", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let tries = attempts(&app, &paid).await;
    assert_eq!(connectors(&tries), [lost.clone(), backup.clone()]);
    assert_eq!(tries[0]["error_code"], "connector_timeout");
    assert_eq!(charges(&app, &paid).await, 1);

    // The provider charged and its answer was lost: asking it finds the charge, and no
    // other connector is tried.
    let charged =
        sandbox_account(&app, "answer lost", json!({"timeout_rate_percent": 100, "timeout_after_processing": true}))
            .await;
    set_rules(&app, priority(&[&charged, &backup])).await;
    let (status, paid) = app.pay(5_000, "eur", "DE", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "succeeded");
    let tries = attempts(&app, &paid).await;
    assert_eq!(connectors(&tries), [charged]);
    assert_eq!(tries[0]["status"], "captured");
    assert_eq!(charges(&app, &paid).await, 1);
    ledger_verifies(&app);
}

async fn hard_declines_and_three_d_secure_are_never_retried(app: TestApp) {
    let first = sandbox_account(&app, "first", json!({})).await;
    let second = sandbox_account(&app, "second", json!({})).await;
    set_rules(&app, priority(&[&first, &second])).await;

    for (number, decline_code) in
        [("4000000000009979", "stolen_card"), ("4000000000000069", "expired_card"), ("4100000000000019", "fraudulent")]
    {
        let (status, declined) = app.pay(2_000, "usd", "US", card(number)).await;
        assert_eq!(status, 402, "{declined}");
        assert_eq!(declined["error"]["decline_code"], decline_code, "{declined}");
        let tries = attempts(&app, &declined).await;
        assert_eq!(connectors(&tries), std::slice::from_ref(&first), "{number} is a hard decline");
    }

    // A soft decline from the card itself fails over, and fails again at the next.
    let (status, declined) = app.pay(2_000, "usd", "US", card("4000000000000002")).await;
    assert_eq!(status, 402, "{declined}");
    assert_eq!(connectors(&attempts(&app, &declined).await), [first.clone(), second.clone()]);

    // The buyer must authenticate: that is the outcome, not something to retry.
    let (status, pending) = app.pay(2_000, "usd", "US", card("4000002760003184")).await;
    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["status"], "requires_action");
    assert_eq!(connectors(&attempts(&app, &pending).await), [first]);
}

async fn errors_open_the_breaker_and_traffic_shifts(app: TestApp) {
    let broken = sandbox_account(&app, "broken", json!({"error_rate_percent": 100})).await;
    let healthy = sandbox_account(&app, "healthy", json!({})).await;
    set_rules(&app, priority(&[&broken, &healthy])).await;

    // Each payment fails over; five errors in a row open the breaker.
    for _ in 0..5 {
        let (status, paid) = app.pay(1_000, "usd", "US", card("4242424242424242")).await;
        assert_eq!(status, 200, "{paid}");
        assert_eq!(connectors(&attempts(&app, &paid).await), [broken.clone(), healthy.clone()]);
    }
    let (status, paid) = app.pay(1_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let tries = attempts(&app, &paid).await;
    assert_eq!(connectors(&tries), std::slice::from_ref(&healthy), "the open breaker takes the broken connector out");
    let (_, simulated) = app
        .post("/v1/routing/simulate", json!({"payment_method_type": "card", "amount": 1000, "currency": "usd"}))
        .await;
    assert_eq!(simulated["connectors"], json!([healthy]));
    assert_eq!(simulated["skipped"][0]["connector"], broken.as_str(), "{simulated}");
    assert_eq!(simulated["skipped"][0]["reason"], "circuit_open", "{simulated}");

    // An outage window fails over the same way.
    let (_, clock) = app.get("/v1/sandbox/clock").await;
    let now = clock["frozen_time"].as_i64().unwrap();
    let down = sandbox_account(&app, "down", json!({"outages": [{"start": now - 60, "end": now + 3600}]})).await;
    set_rules(&app, priority(&[&down, &healthy])).await;
    let (status, paid) = app.pay(1_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    let tries = attempts(&app, &paid).await;
    assert_eq!(connectors(&tries), [down, healthy]);
    assert_eq!(tries[0]["error_code"], "connector_unavailable");
    ledger_verifies(&app);
}

async fn rules_pick_explain_and_simulate(app: TestApp) {
    let europe = sandbox_account(&app, "Europe", json!({})).await;
    let world = sandbox_account(&app, "World", json!({})).await;
    set_rules(
        &app,
        json!([
            {"id": "eu_cards", "name": "EU cards in euros", "conditions": {"currencies": ["EUR"], "card_countries": ["DE", "FR"]},
             "strategy": {"type": "single", "connector": europe}},
            {"id": "big_tickets", "name": "Big tickets", "conditions": {"currencies": ["USD"], "amount_min": 100000},
             "strategy": {"type": "priority", "connectors": [world, europe]}},
        ]),
    )
    .await;
    let (status, rules) = app.get("/v1/routing/rules").await;
    assert_eq!(status, 200, "{rules}");
    assert_eq!(rules["rules"][0]["id"], "eu_cards");

    // A German card (400000 + 276) paying euros matches the first rule.
    let (status, decision) = app
        .post(
            "/v1/routing/simulate",
            json!({"payment_method_type": "card", "amount": 5000, "currency": "eur", "card_number": "4000002760000016"}),
        )
        .await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["connectors"], json!([europe]));
    assert_eq!((decision["rule"]["id"].as_str(), decision["strategy"].as_str()), (Some("eu_cards"), Some("single")));
    let explanation = decision["explanation"].as_str().unwrap();
    assert!(explanation.contains("EU cards in euros") && explanation.contains("Single"), "{explanation}");
    let (_, after) = app.get("/v1/balance_transactions").await;
    assert!(after["data"].as_array().unwrap().is_empty(), "a simulation charges nothing");

    // A big USD payment matches the second; a payment matching no rule takes the
    // default order.
    let (_, decision) = app
        .post("/v1/routing/simulate", json!({"payment_method_type": "card", "amount": 250000, "currency": "usd"}))
        .await;
    assert_eq!(
        (decision["rule"]["id"].as_str(), decision["connectors"].clone()),
        (Some("big_tickets"), json!([world, europe]))
    );
    let (_, decision) = app
        .post("/v1/routing/simulate", json!({"payment_method_type": "card", "amount": 500, "currency": "usd"}))
        .await;
    assert_eq!((decision["rule"].clone(), decision["strategy"].as_str()), (Value::Null, Some("default_order")));

    // A real payment goes where the simulation said, and its attempt says why.
    let (status, paid) = app.pay(5_000, "eur", "DE", card("4000002760000016")).await;
    assert_eq!(status, 200, "{paid}");
    let tries = attempts(&app, &paid).await;
    assert_eq!(connectors(&tries), [europe]);
    assert!(tries[0]["routing"].as_str().unwrap().contains("EU cards in euros"), "{}", tries[0]);
}

async fn least_cost_follows_the_amount(app: TestApp) {
    // Percentage-heavy vs fixed-fee-heavy: small payments are cheaper on the first,
    // large ones on the second.
    let (status, percent) = app
        .post(
            "/v1/connector_accounts",
            json!({"connector": "sandbox", "label": "percent", "payment_methods": ["card"],
                   "fees": {"card": {"percent_basis_points": 400, "fixed_amount": 0, "currency": "usd"}}}),
        )
        .await;
    assert_eq!(status, 200, "{percent}");
    let (status, fixed) = app
        .post(
            "/v1/connector_accounts",
            json!({"connector": "sandbox", "label": "fixed", "payment_methods": ["card"],
                   "fees": {"card": {"percent_basis_points": 100, "fixed_amount": 300, "currency": "usd"}}}),
        )
        .await;
    assert_eq!(status, 200, "{fixed}");
    let (percent, fixed) = (percent["id"].as_str().unwrap(), fixed["id"].as_str().unwrap());
    set_rules(
        &app,
        json!([{"id": "cheapest", "name": "Cheapest", "conditions": {}, "strategy": {"type": "least_cost", "connectors": [percent, fixed]}}]),
    )
    .await;
    for (amount, cheaper) in [(5_000, percent), (50_000, fixed)] {
        let (status, decision) = app
            .post("/v1/routing/simulate", json!({"payment_method_type": "card", "amount": amount, "currency": "usd"}))
            .await;
        assert_eq!(status, 200, "{decision}");
        assert_eq!(decision["connectors"][0], cheaper, "{amount}: {decision}");
        assert!(decision["explanation"].as_str().unwrap().contains("Least cost"), "{decision}");
    }
    let (status, paid) = app.pay(50_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(connectors(&attempts(&app, &paid).await), [fixed.to_owned()]);
}

async fn bad_rules_are_typed_400s_that_write_nothing(app: TestApp) {
    let mine = sandbox_account(&app, "mine", json!({})).await;
    let (other_key, _) = app.second_merchant().await;
    let (status, theirs) = app
        .post_with_key(
            &other_key,
            "/v1/connector_accounts",
            json!({"connector": "sandbox", "payment_methods": ["card"]}),
        )
        .await;
    assert_eq!(status, 200, "{theirs}");
    let theirs = theirs["id"].as_str().unwrap();
    let before = row_counts(&app).await;
    let cases = [
        (
            json!([{"id": "a", "name": "A", "conditions": {}, "strategy": {"type": "single", "connector": theirs}}]),
            "rules[0][strategy][connector]",
            "unknown_connector",
        ),
        (
            json!([{"id": "a", "name": "A", "conditions": {}, "strategy": {"type": "volume_split",
                 "splits": [{"connector": mine, "percent": 60}]}}]),
            "rules[0][strategy][splits]",
            "split_not_100",
        ),
        (
            json!([{"id": "a", "name": "A", "conditions": {"amount_min": 10}, "strategy": {"type": "single", "connector": mine}}]),
            "rules[0][conditions][currencies]",
            "amount_requires_currency",
        ),
    ];
    for (rules, param, code) in cases {
        let answer = app.post("/v1/routing/rules", json!({"rules": rules})).await;
        assert_error(&answer, 400, code, Some(param));
    }
    let (status, error) = app.post("/v1/routing/rules", json!({"rules": [{"id": "a"}]})).await;
    assert_eq!(status, 400, "{error}");
    let (status, error) =
        app.post("/v1/routing/simulate", json!({"payment_method_type": "card", "amount": -5, "currency": "usd"})).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(row_counts(&app).await, before, "refused rules write nothing");
    let (_, rules) = app.get("/v1/routing/rules").await;
    assert_eq!(rules["rules"], json!([]));
    // The other merchant's rules cannot see this merchant's accounts either.
    let answer = app
        .post_with_key(
            &other_key,
            "/v1/routing/rules",
            json!({"rules": [{"id": "a", "name": "A", "conditions": {}, "strategy": {"type": "single", "connector": mine}}]}),
        )
        .await;
    assert_error(&answer, 400, "unknown_connector", Some("rules[0][strategy][connector]"));
}

async fn the_retry_budget_bounds_the_tries(app: TestApp) {
    let mut accounts = Vec::new();
    for label in ["one", "two", "three", "four"] {
        accounts.push(sandbox_account(&app, label, json!({"soft_decline_rate_percent": 100})).await);
    }
    let names: Vec<&str> = accounts.iter().map(String::as_str).collect();
    set_rules(&app, priority(&names)).await;
    let (status, declined) = app.pay(3_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 402, "{declined}");
    assert_eq!(declined["error"]["decline_code"], "try_again_later");
    assert_eq!(connectors(&attempts(&app, &declined).await), accounts[..3].to_vec(), "three tries at most");
    assert_eq!(declined["error"]["payment_intent"]["status"], "requires_payment_method");
}
