//! Local fake Stripe and PayPal servers (feature `fake`), for tests: each is an axum
//! server on `127.0.0.1:0` that keeps its objects in memory and answers with the
//! provider's documented request and response shapes.
//!
//! - [`stripe::FakeStripe`]: PaymentIntents with Stripe's test cards (3-D Secure on a
//!   page of its own), refunds, `Idempotency-Key` replay, signed webhooks.
//! - [`paypal::FakePaypal`]: OAuth2 client credentials, Orders v2 with an approval page,
//!   captures, authorisations, refunds, `PayPal-Request-Id` replay, webhooks it sends
//!   and verifies.
//!
//! Both share a [`FakeServer`] (reached through `Deref`): its `base_url`, every request
//! it received ([`FakeServer::requests`]) and fault switches that act before routing —
//! fail the next N requests with a 500 ([`FakeServer::fail_next`]) or never answer them
//! ([`FakeServer::hang_next`]). A failed or hung request never reaches the provider
//! logic, as when a load balancer fails it, so it saves nothing under its idempotency
//! key. Dropping a fake stops its server.

// The fakes' helpers fail with the finished axum `Response` a handler returns; its size
// costs nothing in a test server.
#![allow(clippy::result_large_err)]

pub mod paypal;
pub mod stripe;

pub use paypal::FakePaypal;
pub use stripe::FakeStripe;

use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::JoinHandle;

/// The largest request body a fake reads.
const REQUEST_BYTES_MAX: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    #[error("the fake could not listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("the webhook could not be sent: {0}")]
    Send(#[from] reqwest::Error),
    #[error("the webhook could not be built: {0}")]
    Build(#[from] serde_json::Error),
}

/// One request a fake received, before any fault or check.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }

    /// The body as `application/x-www-form-urlencoded` pairs, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        decode_form(&self.body)
    }

    /// The value of one form field.
    pub fn form_field(&self, key: &str) -> Option<String> {
        self.form().into_iter().find(|(name, _)| name == key).map(|(_, value)| value)
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Decodes `a=1&b%5Bc%5D=x+y` into pairs (`+` is a space, `%XX` a byte).
pub fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|byte| *byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |byte| *byte == b'=');
            let key = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let mut index = 0;
    while index < text.len() {
        let hex = text.get(index + 1..index + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match (text[index], hex.and_then(|pair| u8::from_str_radix(pair, 16).ok())) {
            (b'%', Some(byte)) => {
                bytes.push(byte);
                index += 3;
            }
            (b'+', _) => {
                bytes.push(b' ');
                index += 1;
            }
            (byte, _) => {
                bytes.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What every fake shares: the requests it saw and its fault switches.
#[derive(Default)]
pub struct Recorder {
    requests: Mutex<Vec<RecordedRequest>>,
    fail_next: AtomicU32,
    hang_next: AtomicU32,
}

/// Takes one from a counter if it is above zero.
fn take_one(counter: &AtomicU32) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1)).is_ok()
}

/// Locks a fake's state; a test that panicked while holding it leaves it usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The middleware in front of every route: record, then apply a fault if one is due.
/// `fault` is the provider's 500 body.
async fn record_and_fault(
    State((recorder, fault)): State<(Arc<Recorder>, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BYTES_MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    lock(&recorder.requests).push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: header_pairs(&parts.headers),
        body: bytes.to_vec(),
    });
    if take_one(&recorder.hang_next) {
        std::future::pending::<()>().await;
    }
    if take_one(&recorder.fail_next) {
        let headers = [(axum::http::header::CONTENT_TYPE, "application/json")];
        return (StatusCode::INTERNAL_SERVER_ERROR, headers, fault).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect()
}

/// Answers saved under idempotency keys (Stripe's `Idempotency-Key`, PayPal's
/// `PayPal-Request-Id`).
#[derive(Default)]
pub(crate) struct Replays {
    saved: Mutex<HashMap<String, Saved>>,
}

enum Saved {
    InProgress,
    Done { fingerprint: Vec<u8>, status: StatusCode, body: Bytes },
}

/// How a provider treats its idempotency keys.
pub(crate) struct IdempotencyRules {
    /// The request header that carries the key.
    pub header: &'static str,
    /// The answer while the key's first request still runs.
    pub in_progress: fn() -> Response,
    /// The answer to the key reused for another request (another body or path);
    /// `None` replays regardless.
    pub mismatch: Option<fn(&str) -> Response>,
    /// Whether a key belongs to one path (PayPal's request ids) or to the whole
    /// account (Stripe's keys: the same key on another endpoint is a mismatch).
    pub per_path: bool,
}

/// Saves each POST's answer under its key and replays it (with
/// `Idempotent-Replayed: true`) for a later request with the same key.
pub(crate) async fn idempotent(replays: &Replays, rules: &IdempotencyRules, request: Request, next: Next) -> Response {
    let key = request.headers().get(rules.header).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let (Some(key), true) = (key, request.method() == axum::http::Method::POST) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BYTES_MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fingerprint = [parts.uri.path().as_bytes(), b" ", &bytes].concat();
    let key = if rules.per_path { format!("{} {key}", parts.uri.path()) } else { key };
    match lock(&replays.saved).get(&key) {
        Some(Saved::InProgress) => return (rules.in_progress)(),
        Some(Saved::Done { fingerprint: saved, status, body }) => match rules.mismatch {
            Some(mismatch) if *saved != fingerprint => return mismatch(&key),
            _ => {
                let mut replay = (*status, body.clone()).into_response();
                replay.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
                let json = HeaderValue::from_static("application/json");
                replay.headers_mut().insert(axum::http::header::CONTENT_TYPE, json);
                return replay;
            }
        },
        None => {}
    }
    lock(&replays.saved).insert(key.clone(), Saved::InProgress);
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, REQUEST_BYTES_MAX).await.unwrap_or_default();
    lock(&replays.saved).insert(key, Saved::Done { fingerprint, status: parts.status, body: body.clone() });
    Response::from_parts(parts, Body::from(body))
}

/// A running fake: its address, its recorder, its server task.
pub struct FakeServer {
    /// `http://127.0.0.1:<port>`: the base URL to configure a client with.
    pub base_url: String,
    recorder: Arc<Recorder>,
    server: JoinHandle<()>,
}

impl FakeServer {
    /// Binds `127.0.0.1:0` and serves what `build` makes from the base URL: the router
    /// and whatever else the fake keeps (its state).
    async fn start<T>(
        fault: &'static str,
        build: impl FnOnce(&str) -> (Router, T),
    ) -> Result<(FakeServer, T), FakeError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let recorder = Arc::new(Recorder::default());
        let layer = axum::middleware::from_fn_with_state((Arc::clone(&recorder), fault), record_and_fault);
        let (router, kept) = build(&base_url);
        let app = router.layer(layer);
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "fake provider server stopped");
            }
        });
        Ok((FakeServer { base_url, recorder, server }, kept))
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.recorder.requests).clone()
    }

    /// The requests received so far for one path.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|request| request.path == path).collect()
    }

    /// The next `count` requests fail with a 500 in the provider's error shape.
    pub fn fail_next(&self, count: u32) {
        self.recorder.fail_next.store(count, Ordering::SeqCst);
    }

    /// The next `count` requests are never answered (the client times out).
    pub fn hang_next(&self, count: u32) {
        self.recorder.hang_next.store(count, Ordering::SeqCst);
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The Unix time a fake stamps on objects and webhooks.
fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// An HTTP client for a fake's webhooks: bounded, no redirects.
fn webhook_client() -> Result<reqwest::Client, FakeError> {
    Ok(reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// A webhook a fake posted and the receiver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentWebhook {
    pub event_id: String,
    pub status: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_stripe_style_forms() {
        let pairs = decode_form(b"amount=1234&payment_method_data%5Bcard%5D%5Bnumber%5D=4242&return_url=https%3A%2F%2Fx.test%2Fr%3Fa%3D1&note=a+b&empty=");
        assert_eq!(
            pairs,
            vec![
                ("amount".to_owned(), "1234".to_owned()),
                ("payment_method_data[card][number]".to_owned(), "4242".to_owned()),
                ("return_url".to_owned(), "https://x.test/r?a=1".to_owned()),
                ("note".to_owned(), "a b".to_owned()),
                ("empty".to_owned(), String::new()),
            ]
        );
        assert_eq!(percent_decode(b"100%"), "100%");
    }
}
