//! Local methods end to end through their sandboxes: PayPal, iDEAL, SOFORT, the
//! wallets (redirect and QR, with expiry), Boleto, bank transfer and cash on
//! delivery; the sandbox clock drives every delay.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestApp;
use serde_json::{Value, json};

on_both_backends!(
    paypal_approve_cancel_and_manual_capture,
    ideal_approve_decline_abandon,
    sofort_processing_for_days,
    wallets_by_qr_and_redirect_with_expiry,
    boleto_voucher_paid_and_expired,
    bank_transfer_partial_exact_and_over,
    cash_on_delivery_collected_and_refused,
    methods_by_market,
);

fn redirect_url(intent: &Value) -> String {
    intent["next_action"]["redirect_to_url"]["url"].as_str().expect("redirect url").to_owned()
}

async fn status_of(app: &TestApp, intent: &Value) -> Value {
    app.get(&format!("/v1/payment_intents/{}", intent["id"].as_str().unwrap())).await.1
}

async fn paypal_approve_cancel_and_manual_capture(app: TestApp) {
    let (status, intent) = app.pay(2500, "usd", "US", json!({"type": "paypal", "paypal": {}})).await;
    assert_eq!(status, 200, "{intent}");
    assert_eq!(intent["status"], "requires_action");
    assert_eq!(intent["next_action"]["type"], "redirect_to_url");
    assert_eq!(intent["next_action"]["redirect_to_url"]["return_url"], "https://shop.example/return");
    let url = redirect_url(&intent);
    let (page_status, _, page) = app.get_page(&url).await;
    assert_eq!(page_status, 200);
    assert!(page.to_lowercase().contains("paypal"));
    let (status, location) = app.post_form(&url, &[("choice", "approve")]).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("payment_intent="));
    let done = status_of(&app, &intent).await;
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["payment_method"]["paypal"]["order_id"].as_str().map(str::len), Some(17));

    let (_, intent) = app.pay(2500, "usd", "US", json!({"type": "paypal"})).await;
    app.post_form(&redirect_url(&intent), &[("choice", "abandon")]).await;
    let canceled = status_of(&app, &intent).await;
    assert_eq!(canceled["status"], "requires_payment_method");
    assert!(canceled["last_payment_error"]["code"].is_string());

    let (_, intent) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 900, "currency": "eur", "capture_method": "manual", "confirm": true, "return_url": "https://shop.example/r",
                   "payment_method_types": ["paypal"], "payment_method_data": {"type": "paypal"}}),
        )
        .await;
    app.post_form(&redirect_url(&intent), &[("choice", "approve")]).await;
    assert_eq!(status_of(&app, &intent).await["status"], "requires_capture");
}

async fn ideal_approve_decline_abandon(app: TestApp) {
    for (choice, expected) in
        [("approve", "succeeded"), ("decline", "requires_payment_method"), ("abandon", "requires_payment_method")]
    {
        let (status, intent) = app.pay(3500, "eur", "NL", json!({"type": "ideal", "ideal": {"bank": "ing"}})).await;
        assert_eq!(status, 200, "{intent}");
        assert_eq!(intent["payment_method"]["ideal"]["bank"], "ing");
        let (status, _) = app.post_form(&redirect_url(&intent), &[("choice", choice)]).await;
        assert_eq!(status, 303);
        let after = status_of(&app, &intent).await;
        assert_eq!(after["status"], expected, "{choice}");
        if choice != "approve" {
            assert!(after["last_payment_error"]["message"].is_string());
        }
    }
    // Redirect methods need somewhere to come back to.
    let (status, error) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 3500, "currency": "eur", "customer": {"country": "NL"}, "confirm": true,
                "payment_method_data": {"type": "ideal"}}),
        )
        .await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("return_url")));
}

async fn sofort_processing_for_days(app: TestApp) {
    let (_, ok) = app.pay(5000, "eur", "DE", json!({"type": "sofort", "sofort": {"country": "DE"}})).await;
    let (_, bad) = app
        .pay(
            5000,
            "eur",
            "DE",
            json!({"type": "sofort", "sofort": {"country": "DE", "iban": "DE62370400440532013001"}}),
        )
        .await;
    for intent in [&ok, &bad] {
        app.post_form(&redirect_url(intent), &[("choice", "approve")]).await;
        assert_eq!(status_of(&app, intent).await["status"], "processing");
    }
    let clock = app.advance_clock(86_400).await;
    assert_eq!(clock["settled"], 0, "still processing after one day");
    assert_eq!(status_of(&app, &ok).await["status"], "processing");
    let clock = app.advance_clock(86_400 + 60).await;
    assert_eq!(clock["settled"], 2);
    assert_eq!(status_of(&app, &ok).await["status"], "succeeded");
    let failed = status_of(&app, &bad).await;
    assert_eq!(failed["status"], "requires_payment_method");
    assert!(failed["last_payment_error"]["code"].is_string());
    let (_, methods) = app.get("/v1/payment_methods?country=DE&currency=eur").await;
    let sofort = methods["data"].as_array().unwrap().iter().find(|m| m["type"] == "sofort").cloned().unwrap();
    assert!(sofort["legacy"].as_str().unwrap().contains("Klarna"));
}

async fn wallets_by_qr_and_redirect_with_expiry(app: TestApp) {
    // GrabPay by QR: code, sandbox "scan" page, approval.
    let (status, intent) = app.pay(6800, "sgd", "SG", json!({"type": "grabpay", "grabpay": {"flow": "qr_code"}})).await;
    assert_eq!(status, 200, "{intent}");
    let qr = &intent["next_action"]["display_qr_code"];
    assert_eq!(intent["next_action"]["type"], "display_qr_code");
    assert!(qr["data"].as_str().unwrap().contains("grabpay"));
    let expires_at = qr["expires_at"].as_i64().unwrap();
    assert!((14 * 60..=15 * 60 + 5).contains(&(expires_at - intent["created"].as_i64().unwrap())));
    let svg_url = qr["image_url_svg"].as_str().unwrap();
    let response = app.client.get(svg_url).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(response.text().await.unwrap().contains("<svg"));
    let hosted = qr["hosted_page_url"].as_str().unwrap();
    let (status, _) = app.post_form(hosted, &[("choice", "approve")]).await;
    assert_eq!(status, 200, "QR flows end on the provider page");
    assert_eq!(status_of(&app, &intent).await["status"], "succeeded");

    // GoPay QR left unpaid expires after its timeout.
    let (_, unpaid) = app.pay(15_000_000, "idr", "ID", json!({"type": "gopay", "gopay": {"flow": "qr_code"}})).await;
    assert!(unpaid["next_action"]["display_qr_code"]["data"].as_str().unwrap().starts_with("000201"), "EMVCo payload");
    let clock = app.advance_clock(10 * 60).await;
    assert_eq!(clock["expired"], 0);
    assert_eq!(status_of(&app, &unpaid).await["status"], "requires_action");
    let clock = app.advance_clock(6 * 60).await;
    assert_eq!(clock["expired"], 1);
    let expired = status_of(&app, &unpaid).await;
    assert_eq!(expired["status"], "requires_payment_method");
    assert_eq!(expired["last_payment_error"]["code"], "payment_intent_payment_attempt_expired");
    let (status, _) = app
        .post_form(
            unpaid["next_action"]["display_qr_code"]["hosted_page_url"].as_str().unwrap(),
            &[("choice", "approve")],
        )
        .await;
    assert_eq!(status, 409, "an expired attempt cannot be paid");

    // ShopeePay by redirect, declined in the app.
    let (_, intent) = app.pay(150_000, "php", "PH", json!({"type": "shopeepay"})).await;
    assert_eq!(intent["next_action"]["type"], "redirect_to_url");
    app.post_form(&redirect_url(&intent), &[("choice", "decline")]).await;
    let declined = status_of(&app, &intent).await;
    assert_eq!(declined["status"], "requires_payment_method");
    let (status, error) = app.pay(6800, "sgd", "SG", json!({"type": "grabpay", "grabpay": {"flow": "nfc"}})).await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("payment_method_data[grabpay][flow]")));
}

async fn boleto_voucher_paid_and_expired(app: TestApp) {
    let boleto = json!({"type": "boleto", "boleto": {"tax_id": "123.456.789-09"}});
    let (status, intent) = app.pay(15_990, "brl", "BR", boleto.clone()).await;
    assert_eq!(status, 200, "{intent}");
    let voucher = &intent["next_action"]["display_voucher"];
    assert_eq!(intent["next_action"]["type"], "display_voucher");
    assert_eq!(voucher["barcode"].as_str().map(str::len), Some(44));
    let digits: String = voucher["number"].as_str().unwrap().chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 47);
    assert!(voucher["expires_at"].as_i64().unwrap() > intent["created"].as_i64().unwrap() + 2 * 86_400);
    let (page_status, _, page) = app.get_page(voucher["hosted_voucher_url"].as_str().unwrap()).await;
    assert_eq!(page_status, 200);
    assert!(page.contains("<svg") && page.contains(voucher["number"].as_str().unwrap()));
    assert!(!page.contains("123.456.789-09"), "the full tax id never reaches a page");
    assert_eq!(intent["payment_method"]["boleto"]["tax_id_kind"], "cpf");

    let id = intent["id"].as_str().unwrap();
    let (status, paid) = app.post(&format!("/v1/sandbox/boletos/{id}/pay"), json!({})).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "processing");
    let clock = app.advance_clock(4 * 86_400).await;
    assert!(clock["settled"].as_u64().unwrap() >= 1);
    assert_eq!(status_of(&app, &intent).await["status"], "succeeded");
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": id})).await;
    assert_eq!((status, refund["error"]["code"].as_str()), (400, Some("refund_not_supported")));

    let (_, unpaid) = app.pay(15_990, "brl", "BR", boleto.clone()).await;
    app.advance_clock(5 * 86_400).await;
    let expired = status_of(&app, &unpaid).await;
    assert_eq!(expired["status"], "requires_payment_method");
    assert_eq!(expired["last_payment_error"]["code"], "payment_intent_payment_attempt_expired");

    for (amount, tax_id, param) in [
        (499, "123.456.789-09", "amount"),
        (5_000_000, "123.456.789-09", "amount"),
        (1000, "123.456.789-00", "payment_method_data[boleto][tax_id]"),
    ] {
        let (status, error) =
            app.pay(amount, "brl", "BR", json!({"type": "boleto", "boleto": {"tax_id": tax_id}})).await;
        assert_eq!((status, error["error"]["param"].as_str()), (400, Some(param)), "{error}");
    }
    let (status, cnpj) =
        app.pay(10_000, "brl", "BR", json!({"type": "boleto", "boleto": {"tax_id": "11.222.333/0001-81"}})).await;
    assert_eq!((status, cnpj["payment_method"]["boleto"]["tax_id_kind"].as_str()), (200, Some("cnpj")));
}

async fn bank_transfer_partial_exact_and_over(app: TestApp) {
    let transfer = json!({"type": "bank_transfer", "bank_transfer": {}});
    let (status, intent) = app.pay(30_000, "eur", "DE", transfer.clone()).await;
    assert_eq!(status, 200, "{intent}");
    let instructions = &intent["next_action"]["awaiting_transfer"];
    assert_eq!(instructions["amount_remaining"], 30_000);
    assert!(instructions["bank_account"]["iban"].as_str().unwrap().starts_with("NL"));
    let reference = instructions["reference"].as_str().unwrap().to_owned();

    let (status, funding) =
        app.post("/v1/sandbox/bank_transfers", json!({"reference": reference, "amount": 10_000})).await;
    assert_eq!(status, 200, "{funding}");
    assert_eq!(funding["funding"], "partial");
    assert_eq!(funding["amount_remaining"], 20_000);
    assert_eq!(funding["payment_intent"]["status"], "requires_action");
    assert_eq!(funding["payment_intent"]["next_action"]["awaiting_transfer"]["amount_remaining"], 20_000);
    let (_, funding) =
        app.post("/v1/sandbox/bank_transfers", json!({"reference": reference.to_lowercase(), "amount": 25_000})).await;
    assert_eq!(funding["funding"], "over");
    assert_eq!(funding["amount_overpaid"], 5_000);
    assert_eq!(funding["payment_intent"]["status"], "succeeded");
    assert_eq!(funding["payment_intent"]["payment_method"]["bank_transfer"]["amount_overpaid"], 5_000);
    let (status, _) = app.post("/v1/sandbox/bank_transfers", json!({"reference": reference, "amount": 1})).await;
    assert_eq!(status, 409, "a settled transfer takes no more funds");

    let (_, exact) = app.pay(5_000, "gbp", "GB", transfer).await;
    let reference = exact["next_action"]["awaiting_transfer"]["reference"].as_str().unwrap().to_owned();
    let (_, funding) = app.post("/v1/sandbox/bank_transfers", json!({"reference": reference, "amount": 5_000})).await;
    assert_eq!(
        (funding["funding"].as_str(), funding["payment_intent"]["status"].as_str()),
        (Some("exact"), Some("succeeded"))
    );
    let (status, _) =
        app.post("/v1/sandbox/bank_transfers", json!({"reference": "TW0000000000000XX", "amount": 5})).await;
    assert_eq!(status, 404);
}

async fn cash_on_delivery_collected_and_refused(app: TestApp) {
    let cod = json!({"type": "cash_on_delivery", "cash_on_delivery": {}});
    let (status, intent) = app.pay(18_500, "aed", "AE", cod.clone()).await;
    assert_eq!(status, 200, "{intent}");
    assert_eq!(intent["next_action"]["type"], "awaiting_delivery");
    let id = intent["id"].as_str().unwrap();
    let (status, collected) = app.post(&format!("/v1/sandbox/deliveries/{id}/collect"), json!({})).await;
    assert_eq!((status, collected["status"].as_str()), (200, Some("succeeded")));

    let (_, refused) = app.pay(12_000, "kwd", "KW", cod.clone()).await;
    let id = refused["id"].as_str().unwrap();
    let (status, body) = app.post(&format!("/v1/sandbox/deliveries/{id}/refuse"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "canceled");
    assert_eq!(body["cancellation_reason"], "delivery_refused");
    assert_eq!(body["last_payment_error"]["code"], "delivery_refused");

    let (status, error) = app.pay(18_500, "usd", "US", cod.clone()).await;
    assert_eq!(status, 400, "{error}");
    let (status, error) = app.pay(600_000, "aed", "AE", cod).await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("amount")), "COD has an amount cap");
}

async fn methods_by_market(app: TestApp) {
    let types = |body: &Value| -> Vec<String> {
        body["data"].as_array().unwrap().iter().map(|m| m["type"].as_str().unwrap().to_owned()).collect()
    };
    let (_, nl) = app.get("/v1/payment_methods?country=NL&currency=eur&amount=1000").await;
    assert_eq!(types(&nl), ["card", "paypal", "ideal", "sofort", "bank_transfer"]);
    let (_, id) =
        app.get_with_key(&app.publishable_key, "/v1/payment_methods?country=ID&currency=IDR&amount=15000000").await;
    assert_eq!(types(&id), ["card", "gopay", "shopeepay"]);
    let (_, br) = app.get("/v1/payment_methods?country=BR&currency=brl&amount=400").await;
    assert!(!types(&br).contains(&"boleto".to_owned()), "below Boleto's R$5.00 minimum");
    let boleto = app.get("/v1/payment_methods?country=BR&currency=brl").await.1["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["type"] == "boleto")
        .cloned()
        .unwrap();
    assert_eq!((boleto["minimum_amount"].as_i64(), boleto["maximum_amount"].as_i64()), (Some(500), Some(4_999_999)));
    assert_eq!(boleto["refunds"], "none");
    let (_, jp) = app.get("/v1/payment_methods?country=JP&currency=jpy").await;
    assert_eq!(jp["data"][0]["minimum_amount"], 50, "JPY has no minor unit");
    let (status, error) = app.get("/v1/payment_methods?country=NL&currency=xyz").await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("currency")));
}
