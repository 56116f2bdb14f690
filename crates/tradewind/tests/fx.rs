//! Exchange rates and FX quotes: the ECB snapshot seeded at start-up (direct, inverse
//! and cross rates), merchants' manual rates and their precedence, quotes that lock a
//! marked-up rate and convert across minor-unit exponents, expiry on the sandbox
//! clock, `rate_for` and `claim_quote` as the payment flows will call them, bad input,
//! tenancy, and `tradewind fx import` from a file and from a URL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestApp;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output};
use tradewind_api::flows::fx::{claim_quote, claim_refusal, rate_for};
use tradewind_money::Currency;
use tradewind_settlement::fx::RateSource;
use tradewind_storage::fx_quotes;

on_both_backends!(
    seeded_ecb_rates_answer_direct_inverse_and_cross_pairs,
    manual_rates_take_precedence_for_their_merchant_only,
    quotes_lock_the_marked_up_rate_across_exponents,
    quotes_expire_on_the_sandbox_clock,
    rate_for_and_claim_quote,
    bad_input_is_named_and_writes_nothing,
    another_merchants_quote_is_missing,
    the_cli_imports_ecb_rates_from_a_file_and_a_url,
);

/// 2026-11-25 00:00 UTC, the reference day of the embedded ECB snapshot.
const SNAPSHOT_AS_OF: i64 = 1_795_564_800;
/// 2026-11-26 00:00 UTC, the day of `tests/fixtures/eurofxref-daily-2026-11-26.xml`.
const FIXTURE_AS_OF: i64 = 1_795_651_200;

fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

async fn rate(app: &TestApp, base: &str, quote: &str) -> Value {
    let (status, body) = app.get(&format!("/v1/fx_rates?base={base}&quote={quote}")).await;
    assert_eq!(status, 200, "{base}→{quote}: {body}");
    body
}

async fn quote(app: &TestApp, body: Value) -> Value {
    let (status, quote) = app.post("/v1/fx_quotes", body).await;
    assert_eq!(status, 200, "{quote}");
    quote
}

async fn set_rate(app: &TestApp, base: &str, quote: &str, rate: &str) -> Value {
    let (status, body) = app.post("/v1/fx_rates", json!({"base": base, "quote": quote, "rate": rate})).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Rows in the FX tables, read straight from the database.
async fn fx_row_counts(app: &TestApp) -> (i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.expect("connect to the test database");
    let mut counts = [0; 2];
    for (count, table) in counts.iter_mut().zip(["fx_rates", "fx_quotes"]) {
        *count = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&pool)
            .await
            .expect("count rows");
    }
    pool.close().await;
    (counts[0], counts[1])
}

async fn seeded_ecb_rates_answer_direct_inverse_and_cross_pairs(app: TestApp) {
    let eur_usd = rate(&app, "eur", "usd").await;
    assert_eq!(
        eur_usd,
        json!({"object": "fx_rate", "base": "eur", "quote": "usd", "rate": "1.0412", "source": "ecb",
               "as_of": SNAPSHOT_AS_OF, "path": "direct"})
    );
    // Upper-case codes read the same.
    assert_eq!(rate(&app, "EUR", "USD").await, eur_usd);
    // 1 / 1.0412 = 0.96043027276219746446407990779869…, to a Decimal's 28 places.
    let usd_eur = rate(&app, "usd", "eur").await;
    assert_eq!(
        (usd_eur["rate"].as_str(), usd_eur["path"].as_str()),
        (Some("0.9604302727621974644640799078"), Some("inverse"))
    );
    // USD → EUR → JPY: 0.9604302727621974644640799078 × 160.52
    // = 154.168267383787936995774106800056…, rounded to the 29 digits a Decimal holds
    // (…410680) and shown without the trailing zero.
    let usd_jpy = rate(&app, "usd", "jpy").await;
    assert_eq!(
        usd_jpy,
        json!({"object": "fx_rate", "base": "usd", "quote": "jpy", "rate": "154.1682673837879369957741068",
               "source": "ecb", "as_of": SNAPSHOT_AS_OF, "path": "cross"})
    );
    // The reference lists the FX routes.
    let (_, openapi) = app.get("/openapi.json").await;
    for (path, verb) in
        [("/v1/fx_rates", "get"), ("/v1/fx_rates", "post"), ("/v1/fx_quotes", "post"), ("/v1/fx_quotes/{id}", "get")]
    {
        assert_eq!(openapi["paths"][path][verb]["tags"][0], "FX", "{verb} {path}");
    }
    assert!(openapi["components"]["schemas"]["FxQuoteObject"].is_object());
    // No ECB rate reaches the Kuwaiti dinar.
    let (status, error) = app.get("/v1/fx_rates?base=usd&quote=kwd").await;
    assert_eq!(
        (status, error["error"]["code"].as_str(), error["error"]["param"].as_str()),
        (400, Some("fx_rate_unavailable"), Some("quote")),
        "{error}"
    );
}

async fn manual_rates_take_precedence_for_their_merchant_only(app: TestApp) {
    let set = set_rate(&app, "eur", "usd", "1.1000").await;
    assert_eq!(set["object"], "fx_rate");
    assert_eq!((set["base"].as_str(), set["quote"].as_str()), (Some("eur"), Some("usd")));
    assert_eq!((set["rate"].as_str(), set["source"].as_str()), (Some("1.1"), Some("manual")), "{set}");
    let read = rate(&app, "eur", "usd").await;
    assert_eq!(read, set, "the manual rate reads back as set");
    // Its inverse, and a cross leg through EUR, come from the manual rate too.
    let inverse = rate(&app, "usd", "eur").await;
    assert_eq!(
        (inverse["rate"].as_str(), inverse["source"].as_str()),
        (Some("0.9090909090909090909090909091"), Some("manual"))
    );
    let cross = rate(&app, "usd", "jpy").await;
    assert_eq!((cross["source"].as_str(), cross["path"].as_str()), (Some("mixed"), Some("cross")), "{cross}");
    // A later rate for the same pair replaces it.
    app.advance_clock(60).await;
    set_rate(&app, "eur", "usd", "1.2").await;
    assert_eq!(rate(&app, "eur", "usd").await["rate"], "1.2");
    // A pair no ECB rate reaches works once the merchant sets it.
    set_rate(&app, "usd", "kwd", "0.3075").await;
    assert_eq!(rate(&app, "kwd", "usd").await["path"], "inverse");

    // Another merchant still gets the platform's rates.
    let (other, _) = app.second_merchant().await;
    let (status, theirs) = app.get_with_key(&other, "/v1/fx_rates?base=eur&quote=usd").await;
    assert_eq!((status, theirs["rate"].as_str(), theirs["source"].as_str()), (200, Some("1.0412"), Some("ecb")));
    let (status, _) = app.get_with_key(&other, "/v1/fx_rates?base=usd&quote=kwd").await;
    assert_eq!(status, 400);
    // Rates need the secret key.
    let (status, _) = app.get_with_key(&app.publishable_key, "/v1/fx_rates?base=eur&quote=usd").await;
    assert_eq!(status, 403);
}

async fn quotes_lock_the_marked_up_rate_across_exponents(app: TestApp) {
    // EUR (2) → USD (2) at the seeded rate: 1.0412 × 1.0040, and €100.00 → $104.53648.
    let eur_usd = quote(&app, json!({"from_currency": "eur", "to_currency": "usd", "amount": 10_000})).await;
    let id = eur_usd["id"].as_str().unwrap();
    assert!(id.starts_with("fxq_") && id.len() == "fxq_".len() + 26, "{id}");
    let created = eur_usd["created"].as_i64().unwrap();
    assert_eq!(
        eur_usd,
        json!({"id": id, "object": "fx_quote", "from_currency": "eur", "to_currency": "usd",
               "rate": "1.0453648", "mid_rate": "1.0412", "markup_basis_points": 40, "source": "ecb",
               "amount": 10_000, "converted_amount": 10_454, "created": created, "expires_at": created + 900,
               "status": "active", "used_by": null})
    );
    let (status, fetched) = app.get(&format!("/v1/fx_quotes/{id}")).await;
    assert_eq!((status, &fetched), (200, &eur_usd));

    // USD (2) → JPY (0) at a manual 150: 150.6 with the markup. $2.50 → ¥376.5, a tie,
    // rounds half to even to ¥376; $19.99 → ¥3010.494 → ¥3010.
    set_rate(&app, "usd", "jpy", "150").await;
    let tie = quote(&app, json!({"from_currency": "usd", "to_currency": "jpy", "amount": 250})).await;
    assert_eq!((tie["rate"].as_str(), tie["mid_rate"].as_str()), (Some("150.6"), Some("150")), "{tie}");
    assert_eq!((tie["converted_amount"].as_i64(), tie["source"].as_str()), (Some(376), Some("manual")));
    let usd_jpy = quote(&app, json!({"from_currency": "USD", "to_currency": "JPY", "amount": 1_999})).await;
    assert_eq!(usd_jpy["converted_amount"], 3_010);

    // JPY (0) → KWD (3) at a manual 0.002: 0.002008 marked up. ¥12345 → 24.78876 KWD,
    // 24.789 in fils.
    set_rate(&app, "jpy", "kwd", "0.002").await;
    let jpy_kwd = quote(&app, json!({"from_currency": "jpy", "to_currency": "kwd", "amount": 12_345})).await;
    assert_eq!((jpy_kwd["rate"].as_str(), jpy_kwd["converted_amount"].as_i64()), (Some("0.002008"), Some(24_789)));
    // KWD (3) → JPY (0) inverts the same manual rate: 500 × 1.004 = 502. 1.234 KWD →
    // ¥619.468 → ¥619.
    let kwd_jpy = quote(&app, json!({"from_currency": "kwd", "to_currency": "jpy", "amount": 1_234})).await;
    assert_eq!((kwd_jpy["rate"].as_str(), kwd_jpy["mid_rate"].as_str()), (Some("502"), Some("500")), "{kwd_jpy}");
    assert_eq!(kwd_jpy["converted_amount"], 619);

    // Without an amount the quote only locks the rate; the window is the caller's.
    let bare = quote(&app, json!({"from_currency": "gbp", "to_currency": "eur", "lock_duration_seconds": 60})).await;
    assert_eq!((bare["amount"].clone(), bare["converted_amount"].clone()), (Value::Null, Value::Null));
    assert_eq!(bare["expires_at"].as_i64().unwrap() - bare["created"].as_i64().unwrap(), 60);
    assert_eq!(bare["source"], "ecb");

    // A quote keeps its rate when the rate moves.
    set_rate(&app, "usd", "jpy", "140").await;
    let (_, again) = app.get(&format!("/v1/fx_quotes/{}", tie["id"].as_str().unwrap())).await;
    assert_eq!((again["rate"].as_str(), again["converted_amount"].as_i64()), (Some("150.6"), Some(376)));
}

async fn quotes_expire_on_the_sandbox_clock(app: TestApp) {
    let locked = quote(&app, json!({"from_currency": "eur", "to_currency": "jpy", "amount": 5_000})).await;
    let path = format!("/v1/fx_quotes/{}", locked["id"].as_str().unwrap());
    app.advance_clock(880).await;
    assert_eq!(app.get(&path).await.1["status"], "active", "20 seconds of the window left");
    app.advance_clock(21).await;
    let (status, expired) = app.get(&path).await;
    assert_eq!((status, expired["status"].as_str()), (200, Some("expired")), "{expired}");
    assert_eq!(expired["rate"], locked["rate"], "an expired quote still shows what it locked");
}

async fn rate_for_and_claim_quote(app: TestApp) {
    let store = tradewind::startup::connect(&app.database_url).await.expect("store");
    let state = common::state_on(&app, store.clone());
    let merchant = app.merchant_id.as_str();
    let (usd, jpy, eur) = (currency("USD"), currency("JPY"), currency("EUR"));

    // No quote: the latest rate with the markup; one currency: rate 1, no source.
    let latest = rate_for(&state, merchant, eur, usd, None, 0).await.unwrap();
    assert_eq!((latest.rate.to_string(), latest.mid_rate.to_string()), ("1.0453648".to_owned(), "1.0412".to_owned()));
    assert_eq!((latest.quote_id, latest.source), (None, Some(RateSource::Ecb)));
    let same = rate_for(&state, merchant, jpy, jpy, None, 0).await.unwrap();
    assert_eq!((same.rate.to_string(), same.source), ("1".to_owned(), None));

    let locked = quote(&app, json!({"from_currency": "usd", "to_currency": "jpy", "lock_duration_seconds": 120})).await;
    let id = locked["id"].as_str().unwrap();
    let (created, expires_at) = (locked["created"].as_i64().unwrap(), locked["expires_at"].as_i64().unwrap());
    let applied = rate_for(&state, merchant, usd, jpy, Some(id), created).await.unwrap();
    assert_eq!(applied.rate.to_string(), locked["rate"].as_str().unwrap());
    assert_eq!(applied.mid_rate.to_string(), locked["mid_rate"].as_str().unwrap());
    assert_eq!((applied.quote_id.as_deref(), applied.source), (Some(id), Some(RateSource::Ecb)));
    assert!(rate_for(&state, merchant, usd, jpy, Some(id), expires_at - 1).await.is_ok(), "the last second holds");

    let refusal = |code: &str| (400, code.to_owned(), Some("fx_quote".to_owned()));
    assert_eq!(refused(rate_for(&state, merchant, usd, jpy, Some(id), expires_at).await), refusal("fx_quote_expired"));
    assert_eq!(refused(rate_for(&state, merchant, jpy, usd, Some(id), created).await), refusal("fx_quote_invalid"));
    assert_eq!(refused(rate_for(&state, merchant, usd, eur, Some(id), created).await), refusal("fx_quote_invalid"));
    for bad in ["fxq_00000000000000000000000000", "pi_00000000000000000000000000", "nonsense"] {
        assert_eq!(
            refused(rate_for(&state, merchant, usd, jpy, Some(bad), created).await),
            refusal("fx_quote_invalid")
        );
    }
    let (other_secret, _) = app.second_merchant().await;
    let (_, other_account) = app.get_with_key(&other_secret, "/v1/account").await;
    let other = other_account["id"].as_str().unwrap();
    assert_eq!(refused(rate_for(&state, other, usd, jpy, Some(id), created).await), refusal("fx_quote_invalid"));

    // A quote books one object: again for the same one, never for another, never late.
    let mut transaction = store.begin().await.unwrap();
    claim_quote(transaction.connection(), merchant, id, "pi_first", created + 1).await.unwrap();
    claim_quote(transaction.connection(), merchant, id, "pi_first", created + 2).await.unwrap();
    let taken = claim_quote(transaction.connection(), merchant, id, "pi_second", created + 2).await;
    assert_eq!(refused(taken), refusal("fx_quote_invalid"));
    let foreign = claim_quote(transaction.connection(), other, id, "pi_first", created + 2).await;
    assert_eq!(refused(foreign), refusal("fx_quote_invalid"));
    transaction.commit().await.unwrap();
    let (_, used) = app.get(&format!("/v1/fx_quotes/{id}")).await;
    assert_eq!((used["status"].as_str(), used["used_by"].as_str()), (Some("used"), Some("pi_first")), "{used}");

    let late = quote(&app, json!({"from_currency": "usd", "to_currency": "jpy", "lock_duration_seconds": 1})).await;
    let late_id = late["id"].as_str().unwrap();
    let mut transaction = store.begin().await.unwrap();
    let claimed =
        claim_quote(transaction.connection(), merchant, late_id, "pi_late", late["expires_at"].as_i64().unwrap());
    assert_eq!(refused(claimed.await), refusal("fx_quote_expired"));
    drop(transaction);

    // The same in a write batch: one returned row when claimable, none otherwise.
    let batched = quote(&app, json!({"from_currency": "eur", "to_currency": "usd"})).await;
    let batched_id = batched["id"].as_str().unwrap();
    let at = batched["created"].as_i64().unwrap();
    let mut batch = store.batch();
    fx_quotes::claim_in(&mut batch, merchant, batched_id, "pi_batched", at).unwrap();
    assert!(store.write_if_returned(batch, 1).await.unwrap());
    let mut batch = store.batch();
    fx_quotes::claim_in(&mut batch, merchant, batched_id, "pi_other", at).unwrap();
    assert!(!store.write_if_returned(batch, 1).await.unwrap(), "used by another object");
    assert_eq!(refused::<()>(Err(claim_refusal(&state, merchant, batched_id, at).await)), refusal("fx_quote_invalid"));
    let (_, used) = app.get(&format!("/v1/fx_quotes/{batched_id}")).await;
    assert_eq!(used["used_by"], "pi_batched");
    store.close().await;
}

/// A refused call's status, code and parameter.
fn refused<T: std::fmt::Debug>(result: Result<T, tradewind_api::error::ApiError>) -> (u16, String, Option<String>) {
    let error = result.expect_err("refused");
    (error.status.as_u16(), error.code.clone(), error.param.clone())
}

async fn bad_input_is_named_and_writes_nothing(app: TestApp) {
    let before = fx_row_counts(&app).await;
    let valid_quote = json!({"from_currency": "usd", "to_currency": "jpy", "amount": 1_000});
    let quote_cases = [
        ("from_currency", json!("usx"), "invalid_currency"),
        ("to_currency", json!("yen"), "invalid_currency"),
        ("to_currency", json!("usd"), "parameter_invalid"),
        ("amount", json!(-5), "amount_too_small"),
        ("amount", json!(0), "amount_too_small"),
        ("amount", json!(10.5), "parameter_invalid"),
        ("amount", json!(i64::MAX), "amount_too_large"),
        ("lock_duration_seconds", json!(86_401), "parameter_invalid"),
        ("lock_duration_seconds", json!(0), "parameter_invalid"),
        ("lock_duration_seconds", json!("900"), "parameter_invalid"),
    ];
    for (param, value, code) in quote_cases {
        let mut body = valid_quote.clone();
        body[param] = value.clone();
        let (status, error) = app.post("/v1/fx_quotes", body).await;
        assert_eq!(
            (status, error["error"]["param"].as_str(), error["error"]["code"].as_str()),
            (400, Some(param), Some(code)),
            "{param} = {value}: {error}"
        );
    }
    let (status, error) = app.post("/v1/fx_quotes", json!({"from_currency": "usd", "to_currency": "kwd"})).await;
    assert_eq!((status, error["error"]["code"].as_str()), (400, Some("fx_rate_unavailable")), "{error}");
    let (status, error) = app.post("/v1/fx_quotes", json!({"to_currency": "usd"})).await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("from_currency")), "{error}");

    let valid_rate = json!({"base": "usd", "quote": "kwd", "rate": "0.3075"});
    let rate_cases = [
        ("base", json!("zzz"), "invalid_currency"),
        ("quote", json!("usd"), "parameter_invalid"),
        ("rate", json!("0"), "parameter_invalid"),
        ("rate", json!("-1.5"), "parameter_invalid"),
        ("rate", json!("1e3"), "parameter_invalid"),
        ("rate", json!("1,5"), "parameter_invalid"),
        ("rate", json!("abc"), "parameter_invalid"),
        ("rate", json!(""), "parameter_invalid"),
        ("rate", json!(0.3075), "parameter_invalid"),
    ];
    for (param, value, code) in rate_cases {
        let mut body = valid_rate.clone();
        body[param] = value.clone();
        let (status, error) = app.post("/v1/fx_rates", body).await;
        assert_eq!(
            (status, error["error"]["param"].as_str(), error["error"]["code"].as_str()),
            (400, Some(param), Some(code)),
            "{param} = {value}: {error}"
        );
    }
    for (query, param) in [
        ("base=usd&quote=usd", "quote"),
        ("base=xxx&quote=usd", "base"),
        ("base=usd", "quote"),
        ("base=usd&quote=eur&x=1", "x"),
    ] {
        let (status, error) = app.get(&format!("/v1/fx_rates?{query}")).await;
        assert_eq!((status, error["error"]["param"].as_str()), (400, Some(param)), "{query}: {error}");
    }
    assert_eq!(fx_row_counts(&app).await, before, "a refused request writes nothing");
}

async fn another_merchants_quote_is_missing(app: TestApp) {
    let mine = quote(&app, json!({"from_currency": "eur", "to_currency": "usd"})).await;
    let id = mine["id"].as_str().unwrap();
    let (other, _) = app.second_merchant().await;
    let (status, theirs) = app.get_with_key(&other, &format!("/v1/fx_quotes/{id}")).await;
    let missing_id = "fxq_00000000000000000000000000";
    let (missing_status, missing) = app.get(&format!("/v1/fx_quotes/{missing_id}")).await;
    assert_eq!((status, missing_status), (404, 404), "{theirs}");
    let message = |body: &Value, id: &str| body["error"]["message"].as_str().unwrap().replace(id, "<id>");
    assert_eq!(message(&theirs, id), message(&missing, missing_id));
    assert_eq!(theirs["error"]["code"], missing["error"]["code"]);
    let (status, _) = app.get("/v1/fx_quotes/pi_00000000000000000000000000").await;
    assert_eq!(status, 404);
    let (status, _) = app.get_with_key(&app.publishable_key, &format!("/v1/fx_quotes/{id}")).await;
    assert_eq!(status, 403);
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eurofxref-daily-2026-11-26.xml")
}

/// Runs the built binary with `DATABASE_URL` and no configuration inherited.
fn tradewind(database_url: &str, arguments: &[&str]) -> Output {
    let directory = std::env::temp_dir().join(format!("tradewind_fx_cli_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_tradewind"))
        .args(arguments)
        .current_dir(&directory)
        .env("DATABASE_URL", database_url)
        .env_remove("TRADEWIND_CONFIG")
        .env_remove("TRADEWIND_FX_MARKUP_BASIS_POINTS")
        .output()
        .expect("run tradewind");
    let _ = std::fs::remove_dir_all(&directory);
    output
}

async fn run_cli(app: &TestApp, arguments: &[&str]) -> Output {
    let database_url = app.database_url.clone();
    let arguments: Vec<String> = arguments.iter().map(|argument| (*argument).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
        tradewind(&database_url, &arguments)
    })
    .await
    .expect("cli")
}

fn printed_report(output: &Output) -> Value {
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout.clone()).expect("utf-8");
    assert_eq!(text.lines().count(), 1, "one JSON line: {text:?}");
    serde_json::from_str(&text).expect("JSON on stdout")
}

/// Serves `body` at `/eurofxref-daily.xml` on a loopback port until the test ends.
async fn serve_document(body: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let router = axum::Router::new().route(
        "/eurofxref-daily.xml",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "text/xml")], body) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}/eurofxref-daily.xml")
}

async fn the_cli_imports_ecb_rates_from_a_file_and_a_url(app: TestApp) {
    let document = std::fs::read_to_string(fixture()).expect("fixture");
    let url = serve_document(document).await;
    let from_url = printed_report(&run_cli(&app, &["fx", "import", &url]).await);
    assert_eq!(from_url, json!({"days": 1, "rates": 29, "inserted": 29, "latest_day": "2026-11-26", "skipped": []}));
    let eur_usd = rate(&app, "eur", "usd").await;
    assert_eq!((eur_usd["rate"].as_str(), eur_usd["as_of"].as_i64()), (Some("1.0437"), Some(FIXTURE_AS_OF)));
    assert_eq!(rate(&app, "eur", "jpy").await["rate"], "161.03");
    // The same publication from a file adds nothing.
    let path = fixture().display().to_string();
    let from_file = printed_report(&run_cli(&app, &["fx", "import", &path]).await);
    assert_eq!((from_file["rates"].as_i64(), from_file["inserted"].as_i64()), (Some(29), Some(0)), "{from_file}");
    // Quotes use the newest day.
    let locked = quote(&app, json!({"from_currency": "eur", "to_currency": "usd", "amount": 10_000})).await;
    assert_eq!((locked["mid_rate"].as_str(), locked["converted_amount"].as_i64()), (Some("1.0437"), Some(10_479)));

    // Bad sources fail loudly and print nothing.
    let (before, _) = fx_row_counts(&app).await;
    let not_ecb = std::env::temp_dir().join(format!("not_ecb_{}.xml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&not_ecb, "<rates/>").expect("write");
    let missing_url = format!("{}/missing.xml", url.trim_end_matches("/eurofxref-daily.xml"));
    for source in [not_ecb.display().to_string(), "/nonexistent/eurofxref.xml".to_owned(), missing_url] {
        let output = run_cli(&app, &["fx", "import", &source]).await;
        assert!(!output.status.success(), "{source}: {output:?}");
        assert!(output.stdout.is_empty(), "{source}: {output:?}");
        assert!(!output.stderr.is_empty(), "{source}: the failure is explained");
    }
    let _ = std::fs::remove_file(&not_ecb);
    assert_eq!(fx_row_counts(&app).await.0, before);
}
