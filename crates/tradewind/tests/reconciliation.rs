//! Reconciliation: a sandbox connector's settlement report for the merchant's settled
//! payments, refunds and disputes, imported through the API and the CLI and matched
//! against its balance transactions — a clean file, missing lines on either side and
//! amount mismatches, the provider's own fee lines, a re-import, malformed files,
//! tenancy, and a file of 10,000+ lines —
//! on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card, ledger_verifies};
use serde_json::{Value, json};
use std::fmt::Write;
use std::process::{Command, Output};
use support::{assert_error, row_counts};
use time::{Date, Duration, OffsetDateTime};

on_both_backends!(
    a_clean_report_matches_every_transaction,
    failed_refunds_and_zero_decimal_currencies_reconcile,
    disputes_reversals_and_provider_fees_reconcile,
    missing_lines_and_mismatches_are_reported_exactly,
    importing_the_same_report_twice_changes_nothing,
    malformed_reports_answer_400_and_write_nothing,
    reports_and_matching_stay_within_the_merchant,
    the_cli_imports_a_large_report_like_the_api,
);

const HEADER: &str = "provider_reference,type,gross,fee,net,currency,settlement_date\n";

async fn post_csv_with_key(app: &TestApp, key: &str, path: &str, body: String) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(key)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn import_with_key(app: &TestApp, key: &str, csv: String) -> Value {
    let (status, report) = post_csv_with_key(app, key, "/v1/reconciliation/reports?connector=sandbox_card", csv).await;
    assert_eq!(status, 200, "{report}");
    report
}

async fn import(app: &TestApp, csv: String) -> Value {
    import_with_key(app, &app.secret_key, csv).await
}

/// The merchant's sandbox today.
async fn today(app: &TestApp) -> Date {
    let (status, clock) = app.get("/v1/sandbox/clock").await;
    assert_eq!(status, 200, "{clock}");
    OffsetDateTime::from_unix_timestamp(clock["frozen_time"].as_i64().unwrap()).unwrap().date()
}

/// The sandbox connector's report of the last 30 days.
async fn sandbox_report_with_key(app: &TestApp, key: &str) -> String {
    let to = today(app).await;
    let from = to - Duration::days(30);
    let path = format!("/v1/sandbox/settlement_report?connector=sandbox_card&from={from}&to={to}");
    let response = app.client.get(app.url(&path)).bearer_auth(key).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    response.text().await.unwrap()
}

async fn sandbox_report(app: &TestApp) -> String {
    sandbox_report_with_key(app, &app.secret_key).await
}

/// What the tests settle: two card charges and a partial refund of the first.
struct Settled {
    first: String,
    second: String,
    refund: String,
}

/// Pays 100.00 and 25.00 USD by card, refunds 10.00 of the first, and moves the
/// sandbox clock ten days on so the connector has settled all three.
async fn settle(app: &TestApp) -> Settled {
    let (status, first) = app.pay(10_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{first}");
    let (status, second) = app.pay(2_500, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{second}");
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": first["id"], "amount": 1_000})).await;
    assert_eq!(status, 200, "{refund}");
    app.advance_clock(10 * 86_400).await;
    let text = |value: &Value| value.as_str().unwrap().to_owned();
    Settled { first: text(&first["id"]), second: text(&second["id"]), refund: text(&refund["id"]) }
}

/// The report's data lines that start with `reference,type,`.
fn line_of<'a>(csv: &'a str, reference: &str, kind: &str) -> &'a str {
    csv.lines().find(|line| line.starts_with(&format!("{reference},{kind},"))).unwrap_or_else(|| panic!("{csv}"))
}

fn counts(report: &Value) -> [i64; 5] {
    let counts = &report["counts"];
    ["lines", "matched", "missing_in_platform", "missing_in_report", "amount_mismatch"]
        .map(|name| counts[name].as_i64().unwrap_or_else(|| panic!("{name} in {report}")))
}

/// Every result of a report with `outcome`, paging two at a time through the cursor.
async fn results(app: &TestApp, report: &str, outcome: Option<&str>) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<i64> = None;
    loop {
        let mut path = format!("/v1/reconciliation/reports/{report}/results?limit=2");
        if let Some(outcome) = outcome {
            write!(path, "&outcome={outcome}").unwrap();
        }
        if let Some(cursor) = cursor {
            write!(path, "&starting_after={cursor}").unwrap();
        }
        let (status, page) = app.get(&path).await;
        assert_eq!(status, 200, "{page}");
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        all.extend(data.iter().cloned());
        if page["has_more"] != json!(true) {
            return all;
        }
        cursor = data.last().unwrap()["sequence"].as_i64();
    }
}

async fn a_clean_report_matches_every_transaction(app: TestApp) {
    let settled = settle(&app).await;
    let csv = sandbox_report(&app).await;
    assert!(csv.starts_with(HEADER), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    // The provider's references are the payment intent and refund ids; 2.9% + 0.30 of
    // 100.00 is 3.20, and 10.00 refunded of 100.00 gives 0.32 of it back.
    let first = line_of(&csv, &settled.first, "charge");
    assert!(first.contains(",charge,100.00,3.20,96.80,USD,"), "{first}");
    let refund = line_of(&csv, &settled.refund, "refund");
    assert!(refund.contains(",refund,-10.00,-0.32,-9.68,USD,"), "{refund}");
    line_of(&csv, &settled.second, "charge");

    let report = import(&app, csv.clone()).await;
    let id = report["id"].as_str().unwrap();
    assert!(id.starts_with("recon_"), "{report}");
    assert_eq!(report["object"], "reconciliation_report");
    assert_eq!((report["status"].as_str(), report["balanced"].as_bool()), (Some("completed"), Some(true)));
    assert_eq!(report["connector"], "sandbox_card");
    assert_eq!(counts(&report), [3, 3, 0, 0, 0]);
    let date = first.rsplit(',').next().unwrap();
    assert!(report["period"]["start"].as_str().unwrap() <= date && date <= report["period"]["end"].as_str().unwrap());

    let matched = results(&app, id, Some("matched")).await;
    assert_eq!(matched.len(), 3);
    let (status, transactions) = app.get("/v1/balance_transactions?limit=100").await;
    assert_eq!(status, 200);
    for result in &matched {
        assert_eq!(result["mismatch"], Value::Null);
        let transaction = transactions["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["id"] == result["balance_transaction"])
            .unwrap_or_else(|| panic!("{result}"));
        assert_eq!(transaction["source"], result["provider_reference"], "{transaction}");
    }
    assert_eq!(results(&app, id, None).await.len(), 3);
    for outcome in ["missing_in_platform", "missing_in_report", "amount_mismatch"] {
        assert!(results(&app, id, Some(outcome)).await.is_empty(), "{outcome}");
    }
    let (status, retrieved) = app.get(&format!("/v1/reconciliation/reports/{id}")).await;
    assert_eq!((status, &retrieved), (200, &report));
    let (status, list) = app.get("/v1/reconciliation/reports").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["data"], json!([report]));
    ledger_verifies(&app);
}

async fn disputes_reversals_and_provider_fees_reconcile(app: TestApp) {
    // A fraudulent chargeback on 100.00 (fee 15.00), won with evidence a day later.
    let (status, paid) = app.pay(10_000, "usd", "US", card("4000000000000259")).await;
    assert_eq!(status, 200, "{paid}");
    let payment = paid["id"].as_str().unwrap();
    app.advance_clock(1).await;
    let (status, disputes) = app.get(&format!("/v1/disputes?payment_intent={payment}")).await;
    assert_eq!(status, 200, "{disputes}");
    let dispute = disputes["data"][0]["id"].as_str().unwrap().to_owned();
    assert!(dispute.starts_with("dp_"), "{disputes}");
    let evidence = json!({"evidence": {"uncategorized_text": "winning_evidence"}});
    let (status, submitted) = app.post(&format!("/v1/disputes/{dispute}"), evidence).await;
    assert_eq!(status, 200, "{submitted}");
    app.advance_clock(86_400).await;
    let (_, won) = app.get(&format!("/v1/disputes/{dispute}")).await;
    assert_eq!(won["status"], "won", "{won}");
    app.advance_clock(10 * 86_400).await;

    // The sandbox reports the charge, the withdrawal and the reversal, all under the ids
    // the platform books them with, and they match clean.
    let csv = sandbox_report(&app).await;
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(line_of(&csv, payment, "charge").contains(",charge,100.00,3.20,96.80,USD,"), "{csv}");
    let withdrawal = line_of(&csv, &dispute, "dispute");
    assert!(withdrawal.contains(",dispute,-100.00,15.00,-115.00,USD,"), "{withdrawal}");
    let reversal = line_of(&csv, &dispute, "dispute_reversal");
    assert!(reversal.contains(",dispute_reversal,100.00,-15.00,115.00,USD,"), "{reversal}");
    let clean = import(&app, csv.clone()).await;
    assert_eq!(counts(&clean), [3, 3, 0, 0, 0], "{clean}");
    assert_eq!(clean["balanced"], true);

    // A dispute fee reported as 20.00 is one mismatch, on the fee.
    let date = withdrawal.rsplit(',').next().unwrap();
    let dearer = csv.replace(withdrawal, &format!("{dispute},dispute,-100.00,20.00,-120.00,USD,{date}"));
    let report = import(&app, dearer).await;
    assert_eq!(counts(&report), [3, 2, 0, 0, 1], "{report}");
    let [mismatch] = results(&app, report["id"].as_str().unwrap(), Some("amount_mismatch")).await.try_into().unwrap();
    assert_eq!(
        (mismatch["provider_reference"].as_str(), mismatch["type"].as_str()),
        (Some(&*dispute), Some("dispute"))
    );
    assert_eq!(
        (mismatch["mismatch"]["field"].as_str(), mismatch["mismatch"]["expected"].as_i64()),
        (Some("fee"), Some(1_500))
    );
    assert_eq!(mismatch["mismatch"]["reported"], 2_000);

    // The provider's monthly fee has no platform transaction: missing in the platform,
    // and said to be a provider fee. A payout line is never a connector's to report.
    let with_fees = format!(
        "{csv}fee_monthly_2026_11,fee,0.00,25.00,-25.00,USD,{date}
po_1QxF1f2G3h4I5j6K,payout,-50.00,0.00,-50.00,USD,{date}
"
    );
    let report = import(&app, with_fees.clone()).await;
    assert_eq!(counts(&report), [5, 3, 2, 0, 0], "{report}");
    assert_eq!(report["balanced"], false);
    let missing = results(&app, report["id"].as_str().unwrap(), Some("missing_in_platform")).await;
    let reasons: Vec<Value> =
        missing.iter().map(|result| json!([result["provider_reference"], result["type"], result["reason"]])).collect();
    assert_eq!(
        reasons,
        [json!(["fee_monthly_2026_11", "fee", "provider_fee"]), json!(["po_1QxF1f2G3h4I5j6K", "payout", "payout"])]
    );
    let matched = results(&app, report["id"].as_str().unwrap(), Some("matched")).await;
    assert!(matched.iter().all(|result| result["reason"].is_null()), "{matched:?}");

    // Importing any of them again answers the same report and writes nothing.
    let rows = row_counts(&app).await;
    assert_eq!(import(&app, csv).await, clean);
    assert_eq!(import(&app, with_fees).await, report);
    assert_eq!(row_counts(&app).await, rows);
    ledger_verifies(&app);
}

async fn failed_refunds_and_zero_decimal_currencies_reconcile(app: TestApp) {
    // A card whose refunds fail a day later: the refund and its failure both settle.
    let (status, paid) = app.pay(3_000, "usd", "US", card("4000000000005126")).await;
    assert_eq!(status, 200, "{paid}");
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": paid["id"], "amount": 1_000})).await;
    assert_eq!(status, 200, "{refund}");
    let (status, yen) = app.pay(1_500, "jpy", "JP", card("4242424242424242")).await;
    assert_eq!(status, 200, "{yen}");
    app.advance_clock(10 * 86_400).await;
    let (_, failed) = app.get(&format!("/v1/refunds/{}", refund["id"].as_str().unwrap())).await;
    assert_eq!(failed["status"], "failed", "{failed}");

    let csv = sandbox_report(&app).await;
    let refund_id = refund["id"].as_str().unwrap();
    let refunded = line_of(&csv, refund_id, "refund");
    let adjustment = line_of(&csv, refund_id, "adjustment");
    // The failure gives back exactly what the refund took.
    let amounts = |line: &str| line.split(',').skip(2).take(3).map(str::to_owned).collect::<Vec<_>>();
    let negated: Vec<String> = amounts(adjustment).iter().map(|amount| format!("-{amount}")).collect();
    assert_eq!(amounts(refunded), negated, "{refunded} / {adjustment}");
    let yen_line = line_of(&csv, yen["id"].as_str().unwrap(), "charge");
    assert!(yen_line.contains(",charge,1500,") && yen_line.contains(",JPY,"), "{yen_line}");
    assert!(!yen_line.contains('.'), "yen has no decimals: {yen_line}");

    let report = import(&app, csv).await;
    assert_eq!(counts(&report), [4, 4, 0, 0, 0], "{report}");
    assert_eq!(report["balanced"], true);
    let kinds: Vec<String> =
        results(&app, report["id"].as_str().unwrap(), None).await.iter().map(|r| r["type"].to_string()).collect();
    assert!(kinds.contains(&"\"adjustment\"".to_owned()), "{kinds:?}");
    ledger_verifies(&app);
}

async fn missing_lines_and_mismatches_are_reported_exactly(app: TestApp) {
    let settled = settle(&app).await;
    let csv = sandbox_report(&app).await;
    let first = line_of(&csv, &settled.first, "charge").to_owned();
    let second = line_of(&csv, &settled.second, "charge").to_owned();
    let date = first.rsplit(',').next().unwrap();
    // The second charge's fee reported as 1.50 (the platform booked 2.9% + 0.30 of
    // 25.00 = 1.03 after rounding); the refund is left out; the report also has a charge
    // and a dispute the platform never saw.
    let fields: Vec<&str> = second.split(',').collect();
    let booked_fee: i64 = fields[3].replace('.', "").parse().unwrap();
    let altered = format!("{},charge,25.00,1.50,23.50,USD,{}", settled.second, fields[6]);
    let report_csv = format!(
        "{HEADER}{first}\n{altered}\npi_00000000000000000000000000,charge,5.00,0.45,4.55,USD,{date}\n\
         dp_1QxD4e5F6g7H8i9J,dispute,-100.00,15.00,-115.00,USD,{date}\n"
    );
    let report = import(&app, report_csv).await;
    let id = report["id"].as_str().unwrap();
    assert_eq!(counts(&report), [4, 1, 2, 1, 1], "{report}");
    assert_eq!(report["balanced"], false);

    let [mismatch] = results(&app, id, Some("amount_mismatch")).await.try_into().unwrap();
    assert_eq!(mismatch["provider_reference"], settled.second.as_str());
    assert_eq!((mismatch["type"].as_str(), mismatch["line"].as_i64()), (Some("charge"), Some(3)));
    assert!(mismatch["balance_transaction"].as_str().unwrap().starts_with("txn_"));
    assert_eq!(
        mismatch["mismatch"],
        json!({"field": "fee", "expected": booked_fee, "expected_currency": "usd", "reported": 150,
               "reported_currency": "usd"})
    );
    let [missing] = results(&app, id, Some("missing_in_report")).await.try_into().unwrap();
    assert_eq!(
        (missing["provider_reference"].as_str(), missing["type"].as_str()),
        (Some(&*settled.refund), Some("refund"))
    );
    assert_eq!(missing["line"], Value::Null);
    assert!(missing["balance_transaction"].as_str().unwrap().starts_with("txn_"));
    let unknown = results(&app, id, Some("missing_in_platform")).await;
    let lines: Vec<(i64, &str)> =
        unknown.iter().map(|result| (result["line"].as_i64().unwrap(), result["type"].as_str().unwrap())).collect();
    assert_eq!(lines, [(4, "charge"), (5, "dispute")]);
    assert!(unknown.iter().all(|result| result["balance_transaction"].is_null()));
    // All five, numbered in report order and then the missing transaction.
    let all = results(&app, id, None).await;
    let sequence: Vec<(i64, &str)> =
        all.iter().map(|result| (result["sequence"].as_i64().unwrap(), result["outcome"].as_str().unwrap())).collect();
    assert_eq!(
        sequence,
        [
            (1, "matched"),
            (2, "amount_mismatch"),
            (3, "missing_in_platform"),
            (4, "missing_in_platform"),
            (5, "missing_in_report")
        ]
    );

    // A line wrong on both gross and fee is one mismatched line with two results, and
    // one in another currency is a currency mismatch.
    let both = format!(
        "{HEADER}{},charge,99.00,3.00,96.00,USD,{date}\n{},charge,25.00,1.03,23.97,EUR,{date}\n",
        settled.first, settled.second
    );
    let report = import(&app, both).await;
    assert_eq!(counts(&report), [2, 0, 0, 1, 2], "{report}");
    let fields: Vec<Value> = results(&app, report["id"].as_str().unwrap(), Some("amount_mismatch"))
        .await
        .iter()
        .map(|result| {
            json!([
                result["line"],
                result["mismatch"]["field"],
                result["mismatch"]["expected"],
                result["mismatch"]["reported"],
                result["mismatch"]["reported_currency"]
            ])
        })
        .collect();
    assert_eq!(
        fields,
        [
            json!([2, "gross", 10_000, 9_900, "usd"]),
            json!([2, "fee", 320, 300, "usd"]),
            json!([3, "currency", 2_500, 2_500, "eur"])
        ]
    );
    ledger_verifies(&app);
}

async fn importing_the_same_report_twice_changes_nothing(app: TestApp) {
    settle(&app).await;
    let csv = sandbox_report(&app).await;
    let first = import(&app, csv.clone()).await;
    let rows = row_counts(&app).await;
    assert_eq!(
        (rows["reconciliation_reports"], rows["reconciliation_lines"], rows["reconciliation_results"]),
        (1, 3, 3)
    );
    let second = import(&app, csv.clone()).await;
    assert_eq!(second, first);
    // The same lines spelled differently (lower-case currency, fewer decimals) are the
    // same report.
    let respelled = csv.replace(",USD,", ",usd,").replace(".00,", ",");
    assert_ne!(respelled, csv);
    assert_eq!(import(&app, respelled).await, first);
    assert_eq!(row_counts(&app).await, rows);
    // Concurrent imports of one new file store it once.
    let extra = format!("{csv}pi_00000000000000000000000000,charge,5.00,0.45,4.55,USD,2026-01-02\n");
    let (left, right) = tokio::join!(import(&app, extra.clone()), import(&app, extra));
    assert_eq!(left["id"], right["id"]);
    let after = row_counts(&app).await;
    assert_eq!((after["reconciliation_reports"], after["reconciliation_lines"]), (2, 7));
    let (status, list) = app.get("/v1/reconciliation/reports?limit=1").await;
    assert_eq!(status, 200);
    assert_eq!((list["data"][0]["id"].clone(), list["has_more"].clone()), (left["id"].clone(), json!(true)));
    let cursor = list["data"][0]["id"].as_str().unwrap();
    let (status, rest) = app.get(&format!("/v1/reconciliation/reports?limit=1&starting_after={cursor}")).await;
    assert_eq!(status, 200);
    assert_eq!((rest["data"][0]["id"].clone(), rest["has_more"].clone()), (first["id"].clone(), json!(false)));
}

async fn malformed_reports_answer_400_and_write_nothing(app: TestApp) {
    let settled = settle(&app).await;
    let good = format!("{},charge,100.00,3.20,96.80,USD,2026-11-24\n", settled.first);
    let before = row_counts(&app).await;
    let path = "/v1/reconciliation/reports";
    for (csv, code, names) in [
        (format!("reference,type,gross,fee,net,currency,date\n{good}"), "report_invalid", "line 1"),
        (format!("{HEADER}{good}pi_2,charge,10.0x,0.59,9.41,USD,2026-11-24\n"), "report_invalid", "line 3"),
        (format!("{HEADER}pi_2,charge,10.00,0.59,9.42,USD,2026-11-24\n{good}"), "report_invalid", "line 2"),
        (format!("{HEADER}{good}{good}pi_2,charge,1.00,0.00,1.00,XYZ,2026-11-24\n"), "report_invalid", "line 4"),
        (format!("{HEADER}{good}pi_2,charge,1.00,0.00,1.00,USD,24/11/2026\n"), "report_invalid", "line 3"),
        (format!("{HEADER}{good}pi_2,chargeback,1.00,0.00,1.00,USD,2026-11-24\n"), "report_invalid", "line 3"),
        (format!("{HEADER}{good}pi_2,charge,1.00\n"), "report_invalid", "line 3"),
        (HEADER.to_owned(), "report_invalid", "no lines"),
        (String::new(), "report_invalid", "empty"),
    ] {
        let answer = post_csv_with_key(&app, &app.secret_key, path, csv.clone()).await;
        assert_error(&answer, 400, code, None);
        let message = answer.1["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{message} should name {names:?} for {csv:?}");
    }
    let answer =
        post_csv_with_key(&app, &app.secret_key, "/v1/reconciliation/reports?connector=visa", good.clone()).await;
    assert_error(&answer, 400, "parameter_invalid", Some("connector"));
    let answer = post_csv_with_key(&app, &app.secret_key, "/v1/reconciliation/reports?merchant=x", good.clone()).await;
    assert_error(&answer, 400, "parameter_unknown", Some("merchant"));
    let answer = app.post(path, json!({"report": good})).await;
    assert_error(&answer, 415, "unsupported_media_type", None);
    // The report body may be larger than a JSON body, within its own limit.
    let large = format!("{HEADER}{}", "pi_2,charge,1.00,0.00,1.00,USD,2026-11-24\n".repeat(3_000));
    assert!(large.len() > 64 * 1024);
    let answer =
        post_csv_with_key(&app, &app.secret_key, path, format!("{large}pi_2,charge,1,0,2,USD,2026-11-24\n")).await;
    assert_error(&answer, 400, "report_invalid", None);
    assert!(answer.1["error"]["message"].as_str().unwrap().contains("line 3002"), "{}", answer.1);
    assert_eq!(row_counts(&app).await, before, "a refused report wrote nothing");

    // The list and results parameters are checked too.
    let report = import(&app, format!("{HEADER}{good}")).await;
    let id = report["id"].as_str().unwrap();
    for (query, param) in [
        ("outcome=lost", "outcome"),
        ("limit=0", "limit"),
        ("starting_after=-1", "starting_after"),
        ("starting_after=abc", "starting_after"),
    ] {
        let answer = app.get(&format!("/v1/reconciliation/reports/{id}/results?{query}")).await;
        assert_eq!(answer.0, 400, "{query}: {}", answer.1);
        assert_eq!(answer.1["error"]["param"], param, "{query}: {}", answer.1);
    }
    let answer = app.get("/v1/reconciliation/reports?starting_after=pi_1").await;
    assert_error(&answer, 400, "parameter_invalid", Some("starting_after"));
    for (query, param) in [
        ("to=2026-11-30", "from"),
        ("from=2026-11-01", "to"),
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("from=2026-11-30&to=2026-11-01", "to"),
        ("from=2025-01-01&to=2026-11-01", "to"),
        ("from=2026-11-01&to=2026-11-30&connector=bank", "connector"),
    ] {
        let answer = app.get(&format!("/v1/sandbox/settlement_report?{query}")).await;
        assert_eq!(answer.0, 400, "{query}: {}", answer.1);
        assert_eq!(answer.1["error"]["param"], param, "{query}: {}", answer.1);
    }
}

async fn reports_and_matching_stay_within_the_merchant(app: TestApp) {
    settle(&app).await;
    let csv = sandbox_report(&app).await;
    let ours = import(&app, csv.clone()).await;
    let id = ours["id"].as_str().unwrap();
    let (other_key, _) = app.second_merchant().await;

    // Another merchant's report answers exactly like a missing one.
    let missing = "recon_00000000000000000000000000";
    for suffix in ["", "/results"] {
        let theirs = app.get_with_key(&other_key, &format!("/v1/reconciliation/reports/{id}{suffix}")).await;
        let absent = app.get_with_key(&other_key, &format!("/v1/reconciliation/reports/{missing}{suffix}")).await;
        assert_error(&theirs, 404, "resource_missing", Some("id"));
        assert_eq!(support::message_without(&theirs, id), support::message_without(&absent, missing));
    }
    let (status, list) = app.get_with_key(&other_key, "/v1/reconciliation/reports").await;
    assert_eq!((status, list["data"].clone()), (200, json!([])));

    // The other merchant has settled nothing: its sandbox report is empty, and our
    // report imported as its own matches none of our transactions.
    assert_eq!(sandbox_report_with_key(&app, &other_key).await, HEADER);
    let theirs = import_with_key(&app, &other_key, csv).await;
    assert_ne!(theirs["id"], ours["id"]);
    assert_eq!(counts(&theirs), [3, 0, 3, 0, 0]);
    assert_eq!(counts(&ours), [3, 3, 0, 0, 0]);
    let (status, retrieved) = app.get(&format!("/v1/reconciliation/reports/{id}")).await;
    assert_eq!((status, retrieved), (200, ours));
}

async fn the_cli_imports_a_large_report_like_the_api(app: TestApp) {
    const EXTRA_LINES: usize = 10_000;
    settle(&app).await;
    let mut csv = sandbox_report(&app).await;
    let date = csv.lines().nth(1).unwrap().rsplit(',').next().unwrap().to_owned();
    for index in 0..EXTRA_LINES {
        writeln!(csv, "pi_{index:026},charge,{}.00,0.30,{}.70,USD,{date}", index + 1, index).unwrap();
    }
    let directory = std::env::temp_dir().join(format!("tradewind_recon_file_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("settlement.csv");
    std::fs::write(&file, &csv).unwrap();

    let run = |arguments: Vec<String>| {
        let app_url = app.database_url.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
                let directory = std::env::temp_dir();
                Command::new(env!("CARGO_BIN_EXE_tradewind"))
                    .args(&arguments)
                    .current_dir(&directory)
                    .env("DATABASE_URL", app_url)
                    .env_remove("TRADEWIND_CONFIG")
                    .output()
                    .expect("run tradewind")
            })
            .await
            .unwrap()
        }
    };
    let path = file.display().to_string();
    let arguments = |merchant: &str, file: &str| {
        ["reconcile", "import", file, "--merchant", merchant, "--connector", "sandbox_card"].map(str::to_owned).to_vec()
    };
    let printed = |output: &Output| -> Value {
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout.clone()).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        serde_json::from_str(&stdout).unwrap()
    };
    let report = printed(&run(arguments(&app.merchant_id, &path)).await);
    assert!(report["id"].as_str().unwrap().starts_with("recon_"), "{report}");
    assert_eq!(counts(&report), [3 + EXTRA_LINES as i64, 3, EXTRA_LINES as i64, 0, 0]);
    let rows = row_counts(&app).await;
    assert_eq!(rows["reconciliation_lines"], 3 + EXTRA_LINES as i64);
    assert_eq!(rows["reconciliation_results"], 3 + EXTRA_LINES as i64);

    // Again through the CLI, and through the API: the same report, nothing written.
    assert_eq!(printed(&run(arguments(&app.merchant_id, &path)).await), report);
    assert_eq!(import(&app, csv.clone()).await, report);
    assert_eq!(row_counts(&app).await, rows);
    let (status, page) = app
        .get(&format!(
            "/v1/reconciliation/reports/{}/results?outcome=missing_in_platform&limit=100",
            report["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!((page["data"].as_array().unwrap().len(), page["has_more"].as_bool()), (100, Some(true)));

    // An unknown merchant, a malformed file and a missing file fail without printing.
    let bad = directory.join("bad.csv");
    std::fs::write(&bad, format!("{HEADER}pi_1,charge,1.00,0.10,0.80,USD,{date}\n")).unwrap();
    for arguments in [
        arguments("acct_00000000000000000000000000", &path),
        arguments(&app.merchant_id, &bad.display().to_string()),
        arguments(&app.merchant_id, &directory.join("absent.csv").display().to_string()),
        arguments("pi_1", &path),
    ] {
        let output = run(arguments.clone()).await;
        assert!(!output.status.success(), "{arguments:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{arguments:?}");
        assert!(!output.stderr.is_empty(), "{arguments:?}");
    }
    let stderr = String::from_utf8_lossy(&run(arguments(&app.merchant_id, &bad.display().to_string())).await.stderr)
        .into_owned();
    assert!(stderr.contains("line 2"), "{stderr}");
    assert_eq!(row_counts(&app).await, rows);
    let _ = std::fs::remove_dir_all(&directory);
    ledger_verifies(&app);
}
