//! A local OpenAI-compatible chat server (feature `fake`) for tests: it plays scripted
//! answers in order — tool calls, a final text, an HTTP error, a slow or an oversized
//! answer — and records every request with its `Authorization` header. Dropping it stops
//! the server.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;

/// One answer the fake gives, in order.
#[derive(Debug, Clone)]
pub enum Scripted {
    /// The model calls these tools (name, JSON arguments).
    ToolCalls(Vec<(String, Value)>),
    /// The model answers in text.
    Answer(String),
    /// The API fails with this HTTP status.
    Status(u16),
    /// The answer comes after this long (a client with a shorter timeout gives up).
    Delayed(Duration, Box<Scripted>),
    /// A successful answer larger than any client should read.
    Oversized,
}

impl Scripted {
    pub fn tool_call(name: &str, arguments: Value) -> Scripted {
        Scripted::ToolCalls(vec![(name.to_owned(), arguments)])
    }

    pub fn answer(text: &str) -> Scripted {
        Scripted::Answer(text.to_owned())
    }
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedChat {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

impl RecordedChat {
    /// The request's messages.
    pub fn messages(&self) -> Vec<Value> {
        self.body.get("messages").and_then(Value::as_array).cloned().unwrap_or_default()
    }
}

#[derive(Default)]
struct FakeState {
    script: Mutex<VecDeque<Scripted>>,
    requests: Mutex<Vec<RecordedChat>>,
    call_counter: AtomicU32,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub struct FakeChat {
    base_url: String,
    state: Arc<FakeState>,
    server: JoinHandle<()>,
}

impl FakeChat {
    /// Starts the fake on `127.0.0.1:0`.
    pub async fn start() -> Result<FakeChat, std::io::Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/v1", listener.local_addr()?);
        let state = Arc::new(FakeState::default());
        let app = Router::new().route("/v1/chat/completions", post(complete)).with_state(Arc::clone(&state));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "fake chat server stopped");
            }
        });
        Ok(FakeChat { base_url, state, server })
    }

    /// The base URL to configure (`http://127.0.0.1:PORT/v1`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Queues the next answer.
    pub fn push(&self, scripted: Scripted) {
        lock(&self.state.script).push_back(scripted);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedChat> {
        lock(&self.state.requests).clone()
    }
}

impl Drop for FakeChat {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn complete(State(state): State<Arc<FakeState>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let authorization = headers.get("authorization").and_then(|value| value.to_str().ok()).map(str::to_owned);
    lock(&state.requests).push(RecordedChat { path: "/v1/chat/completions".to_owned(), authorization, body });
    let next = lock(&state.script).pop_front();
    let mut scripted = next.unwrap_or(Scripted::Status(500));
    while let Scripted::Delayed(delay, then) = scripted {
        tokio::time::sleep(delay).await;
        scripted = *then;
    }
    match scripted {
        Scripted::ToolCalls(calls) => {
            let tool_calls: Vec<Value> = calls
                .into_iter()
                .map(|(name, arguments)| {
                    let id = format!("call_{}", state.call_counter.fetch_add(1, Ordering::SeqCst));
                    json!({ "id": id, "type": "function", "function": { "name": name, "arguments": arguments.to_string() } })
                })
                .collect();
            let message = json!({ "role": "assistant", "content": null, "tool_calls": tool_calls });
            Json(completion(message, "tool_calls")).into_response()
        }
        Scripted::Answer(text) => {
            Json(completion(json!({ "role": "assistant", "content": text }), "stop")).into_response()
        }
        Scripted::Status(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = json!({ "error": { "message": "scripted failure", "type": "server_error" } });
            (status, Json(error)).into_response()
        }
        Scripted::Oversized => {
            let padding = "x".repeat(2 * super::client::RESPONSE_BYTES_MAX);
            Json(completion(json!({ "role": "assistant", "content": padding }), "stop")).into_response()
        }
        Scripted::Delayed(..) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn completion(message: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": "fake",
        "choices": [{ "index": 0, "message": message, "finish_reason": finish_reason }],
    })
}
