//! Disputes end to end: the sandbox's dispute cards open chargebacks and inquiries
//! through the due-work sweep (driven by the sandbox clock); evidence is saved,
//! submitted and decided; a chargeback's money is withdrawn, reinstated or lost in the
//! ledger, with balance transactions and events; refunds of a disputed payment are
//! refused; an inquiry answered with losing evidence escalates to a chargeback and its
//! money moves then; bad input and other merchants' ids write nothing — on SQLite and
//! PostgreSQL, with `tradewind ledger verify` after money moves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card, ledger_verifies};
use serde_json::{Value, json};
use support::{MISSING_DISPUTE, assert_error, message_without, row_counts};

on_both_backends!(
    a_chargeback_is_withdrawn_then_reinstated_when_won,
    a_chargeback_takes_only_its_own_payments_pending_funds,
    a_closed_chargeback_is_lost_and_leaves_a_negative_balance,
    losing_evidence_and_a_missed_deadline_lose,
    an_inquiry_moves_no_money_and_closes,
    an_inquiry_with_losing_evidence_escalates_to_a_chargeback,
    other_cards_open_no_dispute,
    concurrent_submissions_have_one_winner,
    bad_input_is_named_and_writes_nothing,
    another_merchants_disputes_answer_like_missing_ones,
);

const DAY_SECONDS: i64 = 86_400;
/// The sandbox card's fee on 100.00 USD (2.9% + 0.30) and its dispute fee.
const CARD_FEE: i64 = 320;
const DISPUTE_FEE: i64 = 1_500;

/// The amount of `bucket` in USD, 0 when the merchant has none.
async fn usd(app: &TestApp, bucket: &str) -> i64 {
    common::balance_of(app, bucket, "usd").await
}

/// Pays `amount` USD cents with `number` and runs the sweep, which opens the card's
/// dispute; returns the payment and its dispute (null when none).
async fn pay_and_sweep(app: &TestApp, amount: i64, number: &str) -> (String, Value) {
    let (status, payment) = app.pay(amount, "usd", "US", card(number)).await;
    assert_eq!((status, payment["status"].as_str()), (200, Some("succeeded")), "{payment}");
    let payment = payment["id"].as_str().unwrap().to_owned();
    app.advance_clock(1).await;
    let (status, list) = app.get(&format!("/v1/disputes?payment_intent={payment}")).await;
    assert_eq!(status, 200, "{list}");
    (payment, list["data"][0].clone())
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn dispute(app: &TestApp, dispute_id: &str) -> Value {
    let (status, body) = app.get(&format!("/v1/disputes/{dispute_id}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn transactions_of(app: &TestApp, payment: &str) -> Vec<Value> {
    let (status, list) = app.get(&format!("/v1/balance_transactions?payment_intent={payment}&limit=100")).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

async fn event_types(app: &TestApp, object_id: &str) -> Vec<String> {
    let (status, list) = app.get(&format!("/v1/events?object_id={object_id}&limit=100")).await;
    assert_eq!(status, 200, "{list}");
    let mut types: Vec<String> =
        list["data"].as_array().unwrap().iter().map(|event| event["type"].as_str().unwrap().to_owned()).collect();
    types.sort();
    types
}

async fn a_chargeback_is_withdrawn_then_reinstated_when_won(app: TestApp) {
    let (payment, opened) = pay_and_sweep(&app, 10_000, "4000000000000259").await;
    assert_eq!(opened["object"], "dispute", "{opened}");
    assert_eq!(opened["status"], "needs_response");
    assert_eq!(opened["reason"], "fraudulent");
    assert_eq!((opened["amount"].as_i64(), opened["fee"].as_i64()), (Some(10_000), Some(DISPUTE_FEE)));
    assert_eq!(opened["is_charge_refundable"], false);
    assert_eq!(opened["evidence_details"]["has_evidence"], false);
    assert_eq!(
        opened["evidence_details"]["due_by"].as_i64().unwrap(),
        opened["created"].as_i64().unwrap() + 7 * DAY_SECONDS
    );
    let dispute_id = id(&opened);

    // 115.00 withdrawn: the payment's 96.80 pending, and 18.20 the merchant now owes.
    assert_eq!(usd(&app, "pending").await, 0);
    assert_eq!(usd(&app, "disputed").await, 10_000);
    assert_eq!(usd(&app, "available").await, -(DISPUTE_FEE + CARD_FEE));
    assert_eq!(usd(&app, "fees_paid").await, CARD_FEE + DISPUTE_FEE);
    let rows = transactions_of(&app, &payment).await;
    let withdrawal = rows.iter().find(|row| row["type"] == "dispute").expect("dispute row");
    assert_eq!(withdrawal["source"], json!(dispute_id));
    assert_eq!(
        (withdrawal["amount"].as_i64(), withdrawal["fee"].as_i64(), withdrawal["net"].as_i64()),
        (Some(-10_000), Some(DISPUTE_FEE), Some(-11_500))
    );
    assert_eq!(withdrawal["status"], "pending");
    assert_eq!(event_types(&app, &dispute_id).await, ["charge.dispute.created", "charge.dispute.funds_withdrawn"]);
    ledger_verifies(&app);

    // The money is held for the dispute: no refund, and nothing written.
    let before = row_counts(&app).await;
    let answer = app.post("/v1/refunds", json!({"payment_intent": payment, "amount": 100})).await;
    assert_error(&answer, 409, "charge_disputed", None);
    assert_eq!(row_counts(&app).await, before);

    // Saved evidence stays editable; submitted evidence goes to review once.
    let path = format!("/v1/disputes/{dispute_id}");
    let (status, saved) = app.post(&path, json!({"evidence": {"customer_name": "Ana Souza"}, "submit": false})).await;
    assert_eq!((status, saved["status"].as_str()), (200, Some("needs_response")), "{saved}");
    assert_eq!(saved["evidence_details"]["has_evidence"], true);
    assert_eq!(saved["evidence_details"]["submission_count"], 0);
    let (status, submitted) = app
        .post(&path, json!({"evidence": {"uncategorized_text": "winning_evidence"}, "metadata": {"case": "7"}}))
        .await;
    assert_eq!((status, submitted["status"].as_str()), (200, Some("under_review")), "{submitted}");
    assert_eq!(submitted["evidence"]["customer_name"], "Ana Souza");
    assert_eq!(submitted["evidence"]["uncategorized_text"], "winning_evidence");
    assert_eq!(submitted["evidence_details"]["submission_count"], 1);
    assert_eq!(submitted["metadata"], json!({"case": "7"}));
    let again = app.post(&path, json!({"evidence": {"customer_name": "Other"}})).await;
    assert_error(&again, 409, "dispute_under_review", None);
    assert_error(&app.post(&format!("{path}/close"), json!({})).await, 409, "dispute_under_review", None);

    // The bank decides a day later: won, the money and the fee come back, and the debt
    // is repaid from them.
    app.advance_clock(DAY_SECONDS).await;
    let won = dispute(&app, &dispute_id).await;
    assert_eq!(won["status"], "won", "{won}");
    assert_eq!(usd(&app, "disputed").await, 0);
    assert_eq!(usd(&app, "available").await, 10_000 - CARD_FEE);
    assert_eq!(usd(&app, "fees_paid").await, CARD_FEE);
    let rows = transactions_of(&app, &payment).await;
    let reversal = rows.iter().find(|row| row["type"] == "adjustment").expect("reversal row");
    assert_eq!(reversal["reporting_category"], "dispute_reversal");
    assert_eq!(
        (reversal["amount"].as_i64(), reversal["fee"].as_i64(), reversal["net"].as_i64()),
        (Some(10_000), Some(-DISPUTE_FEE), Some(11_500))
    );
    let types = event_types(&app, &dispute_id).await;
    assert!(types.contains(&"charge.dispute.closed".to_owned()), "{types:?}");
    assert!(types.contains(&"charge.dispute.funds_reinstated".to_owned()), "{types:?}");
    ledger_verifies(&app);

    // Settlement nets the charge against the dispute: nothing more moves.
    app.advance_clock(5 * DAY_SECONDS).await;
    assert_eq!(usd(&app, "pending").await, 0);
    assert_eq!(usd(&app, "available").await, 10_000 - CARD_FEE);
    ledger_verifies(&app);
}

async fn a_chargeback_takes_only_its_own_payments_pending_funds(app: TestApp) {
    // Another payment's funds are pending beside the disputed one's: 20.00 less 0.88.
    let (status, other) = app.pay(2_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!((status, other["status"].as_str()), (200, Some("succeeded")), "{other}");
    let other_net = 2_000 - 88;
    // The disputed payment is partly refunded while its funds are still pending, before
    // its chargeback opens: an inquiry first (a refund waits for no sweep then, where a
    // chargeback card's dispute opens at whichever sweep comes first), which escalates.
    let (payment, inquiry) = pay_and_sweep(&app, 10_000, "4000000000001976").await;
    assert_eq!(inquiry["status"], "warning_needs_response", "{inquiry}");
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": payment, "amount": 1_000})).await;
    assert_eq!(status, 200, "{refund}");
    let pending_before = usd(&app, "pending").await;
    assert!(pending_before > other_net, "{pending_before}");
    let path = format!("/v1/disputes/{}", id(&inquiry));
    let (status, submitted) = app.post(&path, json!({"evidence": {"uncategorized_text": "losing_evidence"}})).await;
    assert_eq!((status, submitted["status"].as_str()), (200, Some("warning_under_review")), "{submitted}");

    // The chargeback takes what is left of its payment's pending funds (the charge net of
    // the refund, found through the payment and the refund's source) and nothing of the
    // other payment's. A day on, both are still pending (two business days).
    app.advance_clock(DAY_SECONDS).await;
    let escalated = dispute(&app, &id(&inquiry)).await;
    assert_eq!(escalated["status"], "needs_response", "{escalated}");
    assert_eq!(usd(&app, "pending").await, other_net);
    ledger_verifies(&app);

    // Settlement moves each payment's own pending funds: the other payment's, and
    // nothing for the disputed one, whose dispute took them.
    app.advance_clock(5 * DAY_SECONDS).await;
    assert_eq!(usd(&app, "pending").await, 0);
    let rows = transactions_of(&app, &payment).await;
    assert!(rows.iter().all(|row| row["status"] == "available"), "{rows:?}");
    let rows = transactions_of(&app, &id(&other)).await;
    assert!(rows.iter().all(|row| row["status"] == "available"), "{rows:?}");
    ledger_verifies(&app);
}

async fn a_closed_chargeback_is_lost_and_leaves_a_negative_balance(app: TestApp) {
    let (payment, opened) = pay_and_sweep(&app, 5_000, "4000000000002685").await;
    assert_eq!(
        (opened["status"].as_str(), opened["reason"].as_str()),
        (Some("needs_response"), Some("product_not_received"))
    );
    let dispute_id = id(&opened);
    let card_fee = 145 + 30;
    let (status, closed) = app.post(&format!("/v1/disputes/{dispute_id}/close"), json!({})).await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("lost")), "{closed}");
    assert_eq!(usd(&app, "disputed").await, 0);
    assert_eq!(usd(&app, "available").await, -(DISPUTE_FEE + card_fee));
    assert!(event_types(&app, &dispute_id).await.contains(&"charge.dispute.closed".to_owned()));
    ledger_verifies(&app);

    // A closed dispute takes no more evidence and cannot close twice; metadata still changes.
    let path = format!("/v1/disputes/{dispute_id}");
    assert_error(&app.post(&format!("{path}/close"), json!({})).await, 409, "dispute_already_closed", None);
    let answer = app.post(&path, json!({"evidence": {"uncategorized_text": "late"}})).await;
    assert_error(&answer, 409, "dispute_already_closed", None);
    let (status, updated) = app.post(&path, json!({"metadata": {"note": "accepted"}})).await;
    assert_eq!((status, updated["metadata"]["note"].as_str()), (200, Some("accepted")), "{updated}");
    assert_eq!(updated["status"], "lost");
    assert_error(&app.post("/v1/refunds", json!({"payment_intent": payment})).await, 409, "charge_disputed", None);

    // Settlement leaves the debt as it is (the charge was all taken).
    app.advance_clock(5 * DAY_SECONDS).await;
    assert_eq!(usd(&app, "pending").await, 0);
    assert_eq!(usd(&app, "available").await, -(DISPUTE_FEE + card_fee));
    ledger_verifies(&app);

    // Money that comes in later is not paid out while the debt stands: a payout may take
    // only what is left after it.
    let (status, _) = app.pay(20_000, "usd", "US", common::card("4242424242424242")).await;
    assert_eq!(status, 200);
    app.advance_clock(5 * DAY_SECONDS).await;
    let (status, _) = app
        .post(
            "/v1/account/settings",
            json!({"bank_account": {"account_holder_name": "Ana Souza", "account_number": "000123456789", "bank_code": "110000000"}}),
        )
        .await;
    assert_eq!(status, 200);
    let payable = usd(&app, "available").await;
    assert!(payable > 0, "{payable}");
    let too_much = app.post("/v1/payouts", json!({"amount": payable + 1, "currency": "usd"})).await;
    assert_error(&too_much, 400, "balance_insufficient", Some("amount"));
    let (status, payout) = app.post("/v1/payouts", json!({"amount": payable, "currency": "usd"})).await;
    assert_eq!(status, 200, "{payout}");
    assert_eq!(usd(&app, "available").await, 0);
    ledger_verifies(&app);
}

async fn losing_evidence_and_a_missed_deadline_lose(app: TestApp) {
    let (_, first) = pay_and_sweep(&app, 10_000, "4000000000000259").await;
    let (_, second) = pay_and_sweep(&app, 2_000, "4000000000000259").await;
    let (status, submitted) = app
        .post(&format!("/v1/disputes/{}", id(&first)), json!({"evidence": {"uncategorized_text": "losing_evidence"}}))
        .await;
    assert_eq!((status, submitted["status"].as_str()), (200, Some("under_review")), "{submitted}");
    app.advance_clock(DAY_SECONDS).await;
    assert_eq!(dispute(&app, &id(&first)).await["status"], "lost");
    // The unanswered one is still open, and past due only after its deadline.
    let waiting = dispute(&app, &id(&second)).await;
    assert_eq!(
        (waiting["status"].as_str(), waiting["evidence_details"]["past_due"].as_bool()),
        (Some("needs_response"), Some(false))
    );
    app.advance_clock(6 * DAY_SECONDS).await;
    let missed = dispute(&app, &id(&second)).await;
    assert_eq!(missed["status"], "lost", "{missed}");
    assert_eq!(missed["evidence_details"]["past_due"], false);
    assert_eq!(usd(&app, "disputed").await, 0);
    let (status, lost) = app.get("/v1/disputes?status=lost").await;
    assert_eq!((status, lost["data"].as_array().map(Vec::len)), (200, Some(2)), "{lost}");
    ledger_verifies(&app);
}

async fn an_inquiry_moves_no_money_and_closes(app: TestApp) {
    let (payment, inquiry) = pay_and_sweep(&app, 10_000, "4000000000001976").await;
    assert_eq!(inquiry["status"], "warning_needs_response", "{inquiry}");
    assert_eq!((inquiry["fee"].as_i64(), inquiry["is_charge_refundable"].as_bool()), (Some(0), Some(true)));
    assert_eq!(usd(&app, "disputed").await, 0);
    assert_eq!(usd(&app, "pending").await, 10_000 - CARD_FEE);
    assert!(transactions_of(&app, &payment).await.iter().all(|row| row["type"] == "charge"));
    // An inquiry's payment can still be refunded.
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": payment, "amount": 1_000})).await;
    assert_eq!((status, refund["status"].as_str()), (200, Some("succeeded")), "{refund}");
    let path = format!("/v1/disputes/{}", id(&inquiry));
    let (status, submitted) = app.post(&path, json!({"evidence": {"product_description": "Tea"}})).await;
    assert_eq!((status, submitted["status"].as_str()), (200, Some("warning_under_review")), "{submitted}");
    app.advance_clock(DAY_SECONDS).await;
    assert_eq!(dispute(&app, &id(&inquiry)).await["status"], "warning_closed");
    assert_eq!(usd(&app, "disputed").await, 0);
    assert_eq!(
        event_types(&app, &id(&inquiry)).await,
        ["charge.dispute.closed", "charge.dispute.created", "charge.dispute.updated"]
    );
    ledger_verifies(&app);
}

async fn an_inquiry_with_losing_evidence_escalates_to_a_chargeback(app: TestApp) {
    let (payment, inquiry) = pay_and_sweep(&app, 10_000, "4000000000001976").await;
    assert_eq!(inquiry["status"], "warning_needs_response", "{inquiry}");
    let dispute_id = id(&inquiry);
    let path = format!("/v1/disputes/{dispute_id}");
    let (status, submitted) = app.post(&path, json!({"evidence": {"uncategorized_text": "losing_evidence"}})).await;
    assert_eq!((status, submitted["status"].as_str()), (200, Some("warning_under_review")), "{submitted}");
    assert_eq!(submitted["evidence_details"]["submission_count"], 1);
    assert_error(
        &app.post(&path, json!({"evidence": {"customer_name": "Ana"}})).await,
        409,
        "dispute_under_review",
        None,
    );

    // The bank decides for the buyer: a chargeback now, with its money withdrawn.
    let clock = app.advance_clock(DAY_SECONDS).await;
    let decided_at = clock["frozen_time"].as_i64().unwrap();
    let escalated = dispute(&app, &dispute_id).await;
    assert_eq!(escalated["status"], "needs_response", "{escalated}");
    assert_eq!(escalated["reason"], "general");
    assert_eq!((escalated["amount"].as_i64(), escalated["fee"].as_i64()), (Some(10_000), Some(DISPUTE_FEE)));
    assert_eq!(escalated["is_charge_refundable"], false);
    assert_eq!(escalated["evidence_details"]["submission_count"], 0);
    let due_by = escalated["evidence_details"]["due_by"].as_i64().unwrap();
    assert!((decided_at - 5..=decided_at + 5).contains(&(due_by - 7 * DAY_SECONDS)), "{escalated}: {clock}");
    assert!(due_by > inquiry["evidence_details"]["due_by"].as_i64().unwrap());
    assert_eq!(usd(&app, "disputed").await, 10_000);
    assert_eq!(usd(&app, "pending").await, 0);
    assert_eq!(usd(&app, "available").await, -(DISPUTE_FEE + CARD_FEE));
    let rows = transactions_of(&app, &payment).await;
    let withdrawal = rows.iter().find(|row| row["type"] == "dispute").expect("dispute row");
    assert_eq!(
        (withdrawal["amount"].as_i64(), withdrawal["fee"].as_i64(), withdrawal["net"].as_i64()),
        (Some(-10_000), Some(DISPUTE_FEE), Some(-11_500))
    );
    let types = event_types(&app, &dispute_id).await;
    assert!(types.contains(&"charge.dispute.funds_withdrawn".to_owned()), "{types:?}");
    ledger_verifies(&app);
    let before = row_counts(&app).await;
    let refund = app.post("/v1/refunds", json!({"payment_intent": payment, "amount": 100})).await;
    assert_error(&refund, 409, "charge_disputed", None);
    assert_eq!(row_counts(&app).await, before);

    // Nothing more happens until the merchant answers; then it is won like any chargeback.
    app.advance_clock(DAY_SECONDS).await;
    assert_eq!(dispute(&app, &dispute_id).await["status"], "needs_response");
    let (status, file) = support::upload(&app, "receipt.pdf", &support::pdf_bytes()).await;
    assert_eq!(status, 200, "{file}");
    let (status, answered) =
        app.post(&path, json!({"evidence": {"uncategorized_text": "winning_evidence", "receipt": id(&file)}})).await;
    assert_eq!((status, answered["status"].as_str()), (200, Some("under_review")), "{answered}");
    assert_eq!(answered["evidence_details"]["submission_count"], 1);
    assert_error(
        &app.post(&path, json!({"evidence": {"customer_name": "Ana"}})).await,
        409,
        "dispute_under_review",
        None,
    );
    app.advance_clock(DAY_SECONDS).await;
    let won = dispute(&app, &dispute_id).await;
    assert_eq!(won["status"], "won", "{won}");
    assert_eq!(usd(&app, "disputed").await, 0);
    assert_eq!(usd(&app, "available").await + usd(&app, "pending").await, 10_000 - CARD_FEE);
    let rows = transactions_of(&app, &payment).await;
    assert!(rows.iter().any(|row| row["reporting_category"] == "dispute_reversal"), "{rows:?}");
    let types = event_types(&app, &dispute_id).await;
    assert!(types.contains(&"charge.dispute.funds_reinstated".to_owned()), "{types:?}");
    ledger_verifies(&app);

    // An inquiry whose payment was refunded in full before the decision just closes.
    let (payment, inquiry) = pay_and_sweep(&app, 3_000, "4000000000001976").await;
    let (status, _) = app.post("/v1/refunds", json!({"payment_intent": payment})).await;
    assert_eq!(status, 200);
    let path = format!("/v1/disputes/{}", id(&inquiry));
    let (status, _) = app.post(&path, json!({"evidence": {"uncategorized_text": "losing_evidence"}})).await;
    assert_eq!(status, 200);
    app.advance_clock(DAY_SECONDS).await;
    let closed = dispute(&app, &id(&inquiry)).await;
    assert_eq!((closed["status"].as_str(), closed["fee"].as_i64()), (Some("warning_closed"), Some(0)), "{closed}");
    assert_eq!(usd(&app, "disputed").await, 0);
    ledger_verifies(&app);
}

async fn other_cards_open_no_dispute(app: TestApp) {
    let (_, none) = pay_and_sweep(&app, 1_000, "4242424242424242").await;
    assert!(none.is_null(), "{none}");
    // An early fraud warning is only a warning (see tests/files.rs): no dispute either.
    let (_, warning) = pay_and_sweep(&app, 1_000, "4000000000005423").await;
    assert!(warning.is_null(), "{warning}");
    let (status, list) = app.get("/v1/disputes").await;
    assert_eq!((status, list["data"].clone(), list["has_more"].clone()), (200, json!([]), json!(false)), "{list}");
}

async fn concurrent_submissions_have_one_winner(app: TestApp) {
    let (_, opened) = pay_and_sweep(&app, 10_000, "4000000000000259").await;
    let path = format!("/v1/disputes/{}", id(&opened));
    let body = json!({"evidence": {"uncategorized_text": "winning_evidence"}});
    let answers = futures::future::join_all((0..6).map(|_| app.post(&path, body.clone()))).await;
    let won = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(won, 1, "{answers:?}");
    for answer in answers.iter().filter(|(status, _)| *status != 200) {
        let code = answer.1["error"]["code"].as_str().unwrap_or_default();
        assert!(["dispute_under_review", "dispute_unexpected_state"].contains(&code), "{answer:?}");
        assert_eq!(answer.0, 409);
    }
    assert_eq!(dispute(&app, &id(&opened)).await["evidence_details"]["submission_count"], 1);
}

async fn bad_input_is_named_and_writes_nothing(app: TestApp) {
    let (_, opened) = pay_and_sweep(&app, 10_000, "4000000000000259").await;
    let path = format!("/v1/disputes/{}", id(&opened));
    let rows = row_counts(&app).await;
    let long = "x".repeat(20_001);
    let cases = [
        (json!({"evidence": {"uncategorized_text": long}}), "parameter_invalid", "evidence[uncategorized_text]"),
        (json!({"evidence": {"shoe_size": "42"}}), "parameter_unknown", "evidence[shoe_size]"),
        (json!({"evidence": {"customer_name": 5}}), "parameter_invalid", "evidence[customer_name]"),
        (json!({"evidence": "all of it"}), "parameter_invalid", "evidence"),
        (json!({"submit": "yes"}), "parameter_invalid", "submit"),
        (json!({"metadata": {"order": 42}}), "parameter_invalid", "metadata[order]"),
        (json!({"reason": "fraudulent"}), "parameter_unknown", "reason"),
    ];
    for (body, code, param) in cases {
        let answer = app.post(&path, body.clone()).await;
        assert_eq!(answer.0, 400, "{body}: {answer:?}");
        assert_eq!(answer.1["error"]["param"], json!(param), "{body}: {answer:?}");
        let actual = answer.1["error"]["code"].as_str().unwrap_or_default().to_owned();
        assert!(actual == code || actual.starts_with("parameter_"), "{body}: {answer:?}");
    }
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("status=open", "status"),
        ("starting_after=pi_x", "starting_after"),
        ("payment_intent=dp_x", "payment_intent"),
        ("colour=red", "colour"),
    ] {
        let answer = app.get(&format!("/v1/disputes?{query}")).await;
        assert_eq!(answer.0, 400, "{query}: {answer:?}");
        assert_eq!(answer.1["error"]["param"], json!(param), "{query}: {answer:?}");
    }
    let missing_dispute = format!("/v1/disputes/{MISSING_DISPUTE}");
    for missing in ["/v1/disputes/dp_x", missing_dispute.as_str(), "/v1/disputes/re_00000000000000000000000000"] {
        assert_error(&app.get(missing).await, 404, "resource_missing", Some("id"));
        assert_error(&app.post(missing, json!({"submit": true})).await, 404, "resource_missing", Some("id"));
        assert_error(&app.post(&format!("{missing}/close"), json!({})).await, 404, "resource_missing", Some("id"));
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(dispute(&app, &id(&opened)).await["status"], "needs_response");
}

async fn another_merchants_disputes_answer_like_missing_ones(app: TestApp) {
    let (payment, opened) = pay_and_sweep(&app, 10_000, "4000000000000259").await;
    let dispute_id = id(&opened);
    let (other, _) = app.second_merchant().await;
    let rows = row_counts(&app).await;
    let requests = [
        ("GET", "/v1/disputes/{}", None),
        ("POST", "/v1/disputes/{}", Some(json!({"evidence": {"uncategorized_text": "losing_evidence"}}))),
        ("POST", "/v1/disputes/{}/close", Some(json!({}))),
    ];
    for (method, template, body) in &requests {
        let call = |target: &str| {
            let path = template.replace("{}", target);
            let key = other.clone();
            let body = body.clone();
            let app = &app;
            async move {
                match body {
                    Some(body) => app.post_with_key(&key, &path, body).await,
                    None => app.get_with_key(&key, &path).await,
                }
            }
        };
        let theirs = call(&dispute_id).await;
        let missing = call(MISSING_DISPUTE).await;
        assert_error(&theirs, 404, "resource_missing", Some("id"));
        assert_error(&missing, 404, "resource_missing", Some("id"));
        assert_eq!(message_without(&theirs, &dispute_id), message_without(&missing, MISSING_DISPUTE), "{method}");
    }
    for path in ["/v1/disputes".to_owned(), format!("/v1/disputes?payment_intent={payment}")] {
        let (status, list) = app.get_with_key(&other, &path).await;
        assert_eq!((status, list["data"].clone()), (200, json!([])), "{path}: {list}");
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(dispute(&app, &dispute_id).await["status"], "needs_response");
}
