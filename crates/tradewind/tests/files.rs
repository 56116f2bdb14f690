//! Files and early fraud warnings end to end: PDF and PNG uploads read back byte for
//! byte; a file of another type (by its bytes), too large, empty, with another purpose
//! or malformed is a typed 4xx that writes nothing; another merchant's file answers like
//! a missing one; an upload with an `Idempotency-Key` replays; file evidence wins a
//! dispute and another merchant's file is refused as evidence; the early-fraud-warning
//! card raises one warning through the sweep, listed, filtered and no longer actionable
//! once the payment is refunded — on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card, ledger_verifies};
use serde_json::{Value, json};
use support::{
    FormPart, assert_error, message_without, pdf_bytes, png_bytes, row_counts, send, upload, upload_on, upload_with,
};

on_both_backends!(
    uploads_read_back_byte_for_byte,
    bad_uploads_are_typed_and_write_nothing,
    an_upload_with_an_idempotency_key_replays,
    another_merchants_files_answer_like_missing_ones,
    file_evidence_wins_and_foreign_files_are_refused,
    the_early_fraud_warning_card_raises_one_warning,
);

const DAY_SECONDS: i64 = 86_400;
const MISSING_FILE: &str = "file_00000000000000000000000000";
/// The largest file accepted (`FILE_SIZE_MAX_BYTES`).
const FILE_SIZE_MAX_BYTES: usize = 5 * 1024 * 1024;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// GETs raw bytes and the content type.
async fn get_bytes(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let response = app.client.get(app.url(path)).bearer_auth(&app.secret_key).send().await.expect("request");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, response.bytes().await.expect("body").to_vec())
}

async fn uploads_read_back_byte_for_byte(app: TestApp) {
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];
    let cases: [(&str, Vec<u8>, &str, &str); 3] = [
        ("receipt.pdf", pdf_bytes(), "pdf", "application/pdf"),
        // Named and sent as something else: the bytes decide.
        ("scan.jpeg.png", png_bytes(), "png", "image/png"),
        ("../../photo.jpg", jpeg.to_vec(), "jpg", "image/jpeg"),
    ];
    let mut ids = Vec::new();
    for (filename, bytes, file_type, content_type) in &cases {
        let (status, file) = upload(&app, filename, bytes).await;
        assert_eq!(status, 200, "{file}");
        assert!(file["id"].as_str().unwrap().starts_with("file_"), "{file}");
        assert_eq!(file["object"], "file");
        assert_eq!(file["purpose"], "dispute_evidence");
        assert_eq!(file["type"], *file_type);
        assert_eq!(file["size"].as_u64(), Some(bytes.len() as u64));
        assert!(file["created"].as_i64().unwrap() > 0);
        let file_id = id(&file);
        let (status, retrieved) = app.get(&format!("/v1/files/{file_id}")).await;
        assert_eq!((status, &retrieved), (200, &file));
        let (status, actual_type, actual) = get_bytes(&app, &format!("/v1/files/{file_id}/contents")).await;
        assert_eq!((status, actual_type.as_str()), (200, *content_type));
        assert_eq!(&actual, bytes, "{filename}");
        ids.push(file_id);
    }
    let (_, openapi) = app.get("/openapi.json").await;
    for path in [
        "/v1/files",
        "/v1/files/{id}",
        "/v1/files/{id}/contents",
        "/v1/radar/early_fraud_warnings",
        "/v1/radar/early_fraud_warnings/{id}",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} missing from /openapi.json");
    }
    assert!(openapi["components"]["schemas"]["FileObject"]["properties"]["type"].is_object(), "{openapi}");
    let (_, photo) = app.get(&format!("/v1/files/{}", ids[2])).await;
    assert_eq!(photo["filename"], "photo.jpg", "the path is dropped: {photo}");

    // Newest first, a page at a time.
    let (status, page) = app.get("/v1/files?limit=2").await;
    assert_eq!(status, 200, "{page}");
    let listed: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(listed, [ids[2].clone(), ids[1].clone()]);
    assert_eq!((page["has_more"].as_bool(), page["url"].as_str()), (Some(true), Some("/v1/files")));
    let (_, rest) = app.get(&format!("/v1/files?limit=2&starting_after={}&purpose=dispute_evidence", ids[1])).await;
    let listed: Vec<String> = rest["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!((listed, rest["has_more"].as_bool()), (vec![ids[0].clone()], Some(false)));
}

async fn bad_uploads_are_typed_and_write_nothing(app: TestApp) {
    let rows = row_counts(&app).await;
    let gif = b"GIF89a\x01\x00\x01\x00".to_vec();
    let mut oversize = pdf_bytes();
    oversize.resize(FILE_SIZE_MAX_BYTES + 1, b' ');
    let mut largest = pdf_bytes();
    largest.resize(FILE_SIZE_MAX_BYTES, b' ');
    let pdf = pdf_bytes();
    let purpose: &[u8] = b"dispute_evidence";
    let cases: Vec<(Vec<FormPart<'_>>, u16, &str, Option<&str>)> = vec![
        (vec![("purpose", None, purpose), ("file", Some("a.png"), &gif)], 400, "file_type_unsupported", Some("file")),
        (vec![("purpose", None, purpose), ("file", Some("a.pdf"), &oversize)], 413, "file_too_large", Some("file")),
        (vec![("purpose", None, purpose), ("file", Some("a.pdf"), b"")], 400, "file_empty", Some("file")),
        (
            vec![("purpose", None, b"identity_document"), ("file", Some("a.pdf"), &pdf)],
            400,
            "parameter_invalid",
            Some("purpose"),
        ),
        // A field in error before a large file: the whole form is read, then answered.
        (
            vec![("purpose", None, b"identity_document"), ("file", Some("a.pdf"), &largest)],
            400,
            "parameter_invalid",
            Some("purpose"),
        ),
        (
            vec![("colour", None, b"red"), ("purpose", None, purpose), ("file", Some("a.pdf"), &largest)],
            400,
            "parameter_unknown",
            Some("colour"),
        ),
        (vec![("purpose", None, purpose)], 400, "parameter_missing", Some("file")),
        (vec![("file", Some("a.pdf"), &pdf)], 400, "parameter_missing", Some("purpose")),
        (
            vec![("purpose", None, purpose), ("file", Some("a.pdf"), &pdf), ("file", Some("b.pdf"), &pdf)],
            400,
            "parameter_invalid",
            Some("file"),
        ),
        (
            vec![("purpose", None, purpose), ("file", Some("a.pdf"), &pdf), ("colour", None, b"red")],
            400,
            "parameter_unknown",
            Some("colour"),
        ),
    ];
    for (parts, status, code, param) in &cases {
        let (answer, _) = upload_with(&app, &app.secret_key, parts, None).await;
        assert_error(&answer, *status, code, *param);
    }
    // A body over the upload route's own limit is refused before it is all read (with an
    // Idempotency-Key too, whose layer buffers up to the same limit). The server answers
    // 413 as soon as the limit is crossed and closes the connection, so the client sees
    // the answer or, if it was still writing, only the cut; each on a connection of its own.
    let mut huge = pdf_bytes();
    huge.resize(FILE_SIZE_MAX_BYTES + 1024 * 1024, b' ');
    let huge_parts: [FormPart<'_>; 2] = [("purpose", None, purpose), ("file", Some("a.pdf"), &huge)];
    for idempotency_key in [None, Some("huge")] {
        let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        if let Ok((answer, _)) = upload_on(&client, &app, &app.secret_key, &huge_parts, idempotency_key).await {
            // The file's limit or the body's, whichever the arriving chunks cross first.
            if answer.1["error"]["code"] == "file_too_large" {
                assert_error(&answer, 413, "file_too_large", Some("file"));
            } else {
                assert_error(&answer, 413, "request_too_large", None);
            }
        }
    }
    // Not a form at all: JSON, or no body.
    let json_body = support::post_bytes(&app, "/v1/files", br#"{"purpose": "dispute_evidence"}"#.to_vec()).await;
    assert_error(&json_body, 400, "parameter_invalid", None);
    // Uploads need the secret key.
    let (answer, _) = upload_with(&app, &app.publishable_key, &cases[0].0, None).await;
    assert_eq!(answer.0, 403, "{answer:?}");
    for (query, param) in
        [("limit=0", "limit"), ("purpose=other", "purpose"), ("starting_after=dp_x", "starting_after")]
    {
        let answer = app.get(&format!("/v1/files?{query}")).await;
        assert_eq!((answer.0, answer.1["error"]["param"].as_str()), (400, Some(param)), "{query}: {answer:?}");
    }
    for missing in ["/v1/files/file_x", "/v1/files/pi_00000000000000000000000000"] {
        assert_error(&app.get(missing).await, 404, "resource_missing", Some("id"));
        assert_error(&app.get(&format!("{missing}/contents")).await, 404, "resource_missing", Some("id"));
    }
    assert_eq!(row_counts(&app).await, rows);

    // The largest file allowed is taken.
    let (status, file) = upload(&app, "large.pdf", &largest).await;
    assert_eq!((status, file["size"].as_u64()), (200, Some(FILE_SIZE_MAX_BYTES as u64)), "{file}");
    let (status, _, bytes) = get_bytes(&app, &format!("/v1/files/{}/contents", id(&file))).await;
    assert_eq!((status, bytes.len()), (200, FILE_SIZE_MAX_BYTES));
    assert_eq!(bytes, largest);
}

async fn an_upload_with_an_idempotency_key_replays(app: TestApp) {
    let pdf = pdf_bytes();
    let parts: [FormPart<'_>; 2] = [("purpose", None, b"dispute_evidence"), ("file", Some("a.pdf"), &pdf)];
    let ((status, first), replayed) = upload_with(&app, &app.secret_key, &parts, Some("upload-1")).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    let ((status, second), replayed) = upload_with(&app, &app.secret_key, &parts, Some("upload-1")).await;
    assert_eq!((status, replayed), (200, true), "{second}");
    assert_eq!(first, second);
    let rows = row_counts(&app).await;
    assert_eq!(rows["files"], 1);
    let png = png_bytes();
    let other: [FormPart<'_>; 2] = [("purpose", None, b"dispute_evidence"), ("file", Some("a.png"), &png)];
    let (answer, _) = upload_with(&app, &app.secret_key, &other, Some("upload-1")).await;
    assert_error(&answer, 400, "idempotency_key_in_use", None);
    assert_eq!(row_counts(&app).await, rows);
}

async fn another_merchants_files_answer_like_missing_ones(app: TestApp) {
    let (status, file) = upload(&app, "receipt.pdf", &pdf_bytes()).await;
    assert_eq!(status, 200, "{file}");
    let file_id = id(&file);
    let (other, _) = app.second_merchant().await;
    let rows = row_counts(&app).await;
    for template in ["/v1/files/{}", "/v1/files/{}/contents"] {
        let theirs = send(&app, reqwest::Method::GET, &template.replace("{}", &file_id), Some(&other), None).await;
        let missing = send(&app, reqwest::Method::GET, &template.replace("{}", MISSING_FILE), Some(&other), None).await;
        assert_error(&theirs, 404, "resource_missing", Some("id"));
        assert_error(&missing, 404, "resource_missing", Some("id"));
        assert_eq!(message_without(&theirs, &file_id), message_without(&missing, MISSING_FILE), "{template}");
    }
    let (status, list) = app.get_with_key(&other, "/v1/files").await;
    assert_eq!((status, list["data"].clone()), (200, json!([])), "{list}");
    assert_eq!(row_counts(&app).await, rows);
}

async fn file_evidence_wins_and_foreign_files_are_refused(app: TestApp) {
    let (status, payment) = app.pay(10_000, "usd", "US", card("4000000000000259")).await;
    assert_eq!(status, 200, "{payment}");
    app.advance_clock(1).await;
    let (_, list) = app.get(&format!("/v1/disputes?payment_intent={}", id(&payment))).await;
    let dispute_id = id(&list["data"][0]);
    let path = format!("/v1/disputes/{dispute_id}");

    // Another merchant's file, a missing one, or no file id: refused, nothing written.
    let (other, _) = app.second_merchant().await;
    let parts: [FormPart<'_>; 2] = [("purpose", None, b"dispute_evidence"), ("file", Some("theirs.pdf"), b"%PDF-1.4")];
    let ((status, theirs), _) = upload_with(&app, &other, &parts, None).await;
    assert_eq!(status, 200, "{theirs}");
    let rows = row_counts(&app).await;
    for (field, value) in [
        ("receipt", id(&theirs)),
        ("uncategorized_file", MISSING_FILE.to_owned()),
        ("shipping_documentation", "dp_x".to_owned()),
    ] {
        let answer = app.post(&path, json!({"evidence": {field: value, "customer_name": "Ana"}})).await;
        let param = format!("evidence[{field}]");
        assert_error(&answer, 400, "resource_missing", Some(&param));
    }
    assert_eq!(row_counts(&app).await, rows);
    let (_, unchanged) = app.get(&path).await;
    assert_eq!(
        (unchanged["status"].as_str(), unchanged["evidence_details"]["has_evidence"].as_bool()),
        (Some("needs_response"), Some(false))
    );

    // Files alone are evidence, and such evidence wins.
    let (status, mine) = upload(&app, "receipt.pdf", &pdf_bytes()).await;
    assert_eq!(status, 200, "{mine}");
    let (status, submitted) =
        app.post(&path, json!({"evidence": {"receipt": id(&mine), "uncategorized_file": id(&mine)}})).await;
    assert_eq!((status, submitted["status"].as_str()), (200, Some("under_review")), "{submitted}");
    assert_eq!(submitted["evidence"]["receipt"], json!(id(&mine)));
    assert_eq!(submitted["evidence"]["uncategorized_text"], Value::Null);
    assert_eq!(submitted["evidence_details"]["has_evidence"], true);
    app.advance_clock(DAY_SECONDS).await;
    let (_, won) = app.get(&path).await;
    assert_eq!(won["status"], "won", "{won}");
    ledger_verifies(&app);
}

async fn the_early_fraud_warning_card_raises_one_warning(app: TestApp) {
    let (status, payment) = app.pay(10_000, "usd", "US", card("4000000000005423")).await;
    assert_eq!((status, payment["status"].as_str()), (200, Some("succeeded")), "{payment}");
    let payment = id(&payment);
    let (status, plain) = app.pay(2_000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{plain}");
    let plain = id(&plain);
    // Sweeps at once and one after the other: one warning.
    futures::future::join(app.advance_clock(1), app.advance_clock(1)).await;
    app.advance_clock(1).await;
    let (status, list) = app.get("/v1/radar/early_fraud_warnings").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["url"], "/v1/radar/early_fraud_warnings");
    let warning = list["data"][0].clone();
    assert!(warning["id"].as_str().unwrap().starts_with("issfr_"), "{warning}");
    assert_eq!(warning["object"], "radar.early_fraud_warning");
    assert_eq!(warning["fraud_type"], "made_with_stolen_card");
    assert_eq!(warning["payment_intent"], json!(payment));
    assert_eq!(warning["actionable"], true);
    let warning_id = id(&warning);
    let (status, retrieved) = app.get(&format!("/v1/radar/early_fraud_warnings/{warning_id}")).await;
    assert_eq!((status, &retrieved), (200, &warning));
    let (_, filtered) = app.get(&format!("/v1/radar/early_fraud_warnings?payment_intent={payment}")).await;
    assert_eq!(filtered["data"], json!([warning]));
    let (_, none) = app.get(&format!("/v1/radar/early_fraud_warnings?payment_intent={plain}")).await;
    assert_eq!(none["data"], json!([]));
    let (_, events) = app.get(&format!("/v1/events?object_id={warning_id}")).await;
    let types: Vec<&str> =
        events["data"].as_array().unwrap().iter().map(|event| event["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["radar.early_fraud_warning.created"], "{events}");
    // A warning moves no money and opens no dispute.
    let (_, transactions) = app.get(&format!("/v1/balance_transactions?payment_intent={payment}")).await;
    assert!(transactions["data"].as_array().unwrap().iter().all(|row| row["type"] == "charge"), "{transactions}");
    let (_, disputes) = app.get("/v1/disputes").await;
    assert_eq!(disputes["data"], json!([]));

    // Bad filters and other merchants.
    let (other, _) = app.second_merchant().await;
    let rows = row_counts(&app).await;
    for (query, param) in
        [("payment_intent=dp_x", "payment_intent"), ("starting_after=pi_x", "starting_after"), ("limit=101", "limit")]
    {
        let answer = app.get(&format!("/v1/radar/early_fraud_warnings?{query}")).await;
        assert_eq!((answer.0, answer.1["error"]["param"].as_str()), (400, Some(param)), "{query}: {answer:?}");
    }
    let theirs = app.get_with_key(&other, &format!("/v1/radar/early_fraud_warnings/{warning_id}")).await;
    assert_error(&theirs, 404, "resource_missing", Some("id"));
    let (_, list) = app.get_with_key(&other, "/v1/radar/early_fraud_warnings").await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(row_counts(&app).await, rows);

    // A partial refund leaves it actionable; a full refund does not.
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": payment, "amount": 4_000})).await;
    assert_eq!(status, 200, "{refund}");
    let (_, partly) = app.get(&format!("/v1/radar/early_fraud_warnings/{warning_id}")).await;
    assert_eq!(partly["actionable"], true);
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": payment})).await;
    assert_eq!(status, 200, "{refund}");
    let (_, refunded) = app.get(&format!("/v1/radar/early_fraud_warnings/{warning_id}")).await;
    assert_eq!(refunded["actionable"], false, "{refunded}");
    app.advance_clock(DAY_SECONDS).await;
    let (_, list) = app.get("/v1/radar/early_fraud_warnings").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "{list}");
    ledger_verifies(&app);
}
