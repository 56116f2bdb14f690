//! Local fake translation services (feature `fake`, and this crate's own tests): axum
//! servers on `127.0.0.1:0` that speak LibreTranslate's and OpenAI's chat API shapes
//! and translate deterministically (a small phrasebook, otherwise `[target] text`).
//!
//! - [`FakeLibreTranslate`]: `POST /translate`, `source: auto` detected with this
//!   crate's detector, `{error}` answers with LibreTranslate's statuses.
//! - [`FakeOpenAi`]: `POST /v1/chat/completions`, reading the target language from the
//!   system prompt, `{error: {message, type, code}}` answers.
//!
//! Both record every request ([`FakeServer::requests`]) and take fault switches that
//! act before the API does ([`FakeServer::fault_next`]): a 500 or 429 in the service's
//! error shape, no answer at all, malformed JSON, an answer over the client's size
//! bound, an answer without text. Start one with `start()` (no key required) or
//! `start_with_key(key)`; each returns `(base_url, fake)`, and dropping the fake stops
//! its server.

// The fakes' handlers fail with the finished axum `Response`; its size costs nothing
// in a test server.
#![allow(clippy::result_large_err)]

mod libretranslate;
mod openai;
mod phrasebook;

pub use libretranslate::FakeLibreTranslate;
pub use openai::FakeOpenAi;
pub use phrasebook::translate_phrase;

use crate::Language;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::JoinHandle;

/// The largest request body a fake reads.
const REQUEST_BYTES_MAX: usize = 1024 * 1024;
/// The most faults queued at once.
const FAULTS_MAX: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    #[error("the fake could not listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// What a fake does to one request instead of answering it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A 500 in the service's error shape.
    ServerError,
    /// A 429 in the service's error shape.
    RateLimited,
    /// No answer, ever (the client times out).
    Hang,
    /// A 200 whose body is not JSON.
    Malformed,
    /// A 200 larger than the client reads.
    Oversized,
    /// A 200 in the right shape without a translation.
    EmptyAnswer,
}

/// One request a fake received, before any fault.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// What a fake's middleware and handlers share.
pub(crate) struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<VecDeque<Fault>>,
    /// The key requests must carry, if any.
    pub(crate) api_key: Option<String>,
    /// Languages the fake answers as unsupported.
    pub(crate) unsupported: Mutex<Vec<Language>>,
    /// The service's answer to a fault other than [`Fault::Hang`].
    render_fault: fn(Fault) -> Response,
}

/// Locks a fake's state; a test that panicked while holding it leaves it usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The middleware in front of every route: record, then apply a fault if one is due.
async fn record_and_fault(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BYTES_MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    lock(&shared.requests).push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: header_pairs(&parts.headers),
        body: bytes.to_vec(),
    });
    let fault = lock(&shared.faults).pop_front();
    match fault {
        Some(Fault::Hang) => std::future::pending().await,
        Some(fault) => (shared.render_fault)(fault),
        None => next.run(Request::from_parts(parts, Body::from(bytes))).await,
    }
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect()
}

/// A JSON answer with a status.
pub(crate) fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// The body of [`Fault::Oversized`]: valid JSON, larger than the client's bound.
pub(crate) fn oversized_body(field: &str) -> Response {
    let filler = "x".repeat(crate::transport::RESPONSE_BYTES_MAX + 1);
    json_response(StatusCode::OK, serde_json::json!({ field: filler }))
}

/// The body of [`Fault::Malformed`].
pub(crate) fn malformed_body() -> Response {
    (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "application/json")], "{\"translatedText\": ").into_response()
}

/// A running fake: its address, its shared state, its server task.
pub struct FakeServer {
    /// `http://127.0.0.1:<port>` plus the API's prefix: the base URL to configure.
    pub base_url: String,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl FakeServer {
    /// Binds `127.0.0.1:0` and serves `router` (built from the shared state) under the
    /// fault middleware. `prefix` is appended to the address for [`FakeServer::base_url`].
    async fn start(
        api_key: Option<&str>,
        prefix: &str,
        render_fault: fn(Fault) -> Response,
        router: impl FnOnce(Arc<Shared>) -> Router,
    ) -> Result<FakeServer, FakeError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}{prefix}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            requests: Mutex::default(),
            faults: Mutex::default(),
            api_key: api_key.map(str::to_owned),
            unsupported: Mutex::default(),
            render_fault,
        });
        let layer = axum::middleware::from_fn_with_state(Arc::clone(&shared), record_and_fault);
        let app = router(Arc::clone(&shared)).layer(layer);
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "fake translation server stopped");
            }
        });
        Ok(FakeServer { base_url, shared, server })
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The next `count` requests meet `fault` instead of the API (after any faults
    /// already queued; at most 64 queued).
    pub fn fault_next(&self, fault: Fault, count: usize) {
        let mut faults = lock(&self.shared.faults);
        let room = FAULTS_MAX.saturating_sub(faults.len());
        faults.extend(std::iter::repeat_n(fault, count.min(room)));
    }

    /// From now on the fake refuses `language` as a source or target, as a server
    /// without that language's model does.
    pub fn unsupported(&self, language: Language) {
        lock(&self.shared.unsupported).push(language);
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}
