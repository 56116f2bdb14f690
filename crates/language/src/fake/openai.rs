//! A fake OpenAI-compatible chat API: `POST /v1/chat/completions` with OpenAI's
//! request and answer shapes and its `{error: {message, type, code}}` bodies (401 for a
//! wrong key, echoing it as OpenAI's message does, so clients prove they scrub it).
//! It reads the target language from the system prompt's `into Name (code)`.

use super::{FakeError, FakeServer, Fault, Shared, json_response, malformed_body, oversized_body};
use crate::Language;
use crate::fake::phrasebook::translate_phrase;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;
use std::ops::Deref;
use std::sync::Arc;

/// A running fake chat API; derefs to its [`FakeServer`]. Its base URL ends in `/v1`,
/// like OpenAI's.
pub struct FakeOpenAi {
    server: FakeServer,
}

impl Deref for FakeOpenAi {
    type Target = FakeServer;

    fn deref(&self) -> &FakeServer {
        &self.server
    }
}

impl FakeOpenAi {
    /// A fake that needs no key: `(base_url, fake)`.
    pub async fn start() -> Result<(String, FakeOpenAi), FakeError> {
        Self::start_inner(None).await
    }

    /// A fake that answers 401 unless `Authorization: Bearer {key}` is sent.
    pub async fn start_with_key(key: &str) -> Result<(String, FakeOpenAi), FakeError> {
        Self::start_inner(Some(key)).await
    }

    async fn start_inner(key: Option<&str>) -> Result<(String, FakeOpenAi), FakeError> {
        let server = FakeServer::start(key, "/v1", fault, |shared| {
            Router::new().route("/v1/chat/completions", post(completions)).with_state(shared)
        })
        .await?;
        Ok((server.base_url.clone(), FakeOpenAi { server }))
    }
}

fn fault(fault: Fault) -> Response {
    match fault {
        Fault::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request.",
            "server_error",
            None,
        ),
        Fault::RateLimited => error(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit reached: 3 requests per minute.",
            "requests",
            Some("rate_limit_exceeded"),
        ),
        Fault::Malformed => malformed_body(),
        Fault::Oversized => oversized_body("id"),
        Fault::EmptyAnswer | Fault::Hang => completion("fake-model", None),
    }
}

fn error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> Response {
    json_response(status, json!({ "error": { "message": message, "type": kind, "param": null, "code": code } }))
}

fn completion(model: &str, content: Option<&str>) -> Response {
    json_response(
        StatusCode::OK,
        json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": content },
                "finish_reason": "stop"
            }],
            "usage": { "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0 }
        }),
    )
}

#[derive(Deserialize)]
struct ChatRequest {
    model: String,
    messages: Vec<ChatMessage>,
}

#[derive(Deserialize)]
struct ChatMessage {
    role: String,
    content: String,
}

async fn completions(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(key) = &shared.api_key {
        let sent = headers.get("authorization").and_then(|value| value.to_str().ok()).unwrap_or_default();
        if sent.strip_prefix("Bearer ") != Some(key.as_str()) {
            let echoed = sent.strip_prefix("Bearer ").unwrap_or(sent);
            let message = format!("Incorrect API key provided: {echoed}.");
            return error(StatusCode::UNAUTHORIZED, &message, "invalid_request_error", Some("invalid_api_key"));
        }
    }
    let Ok(request) = serde_json::from_slice::<ChatRequest>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            "invalid_request_error",
            None,
        );
    };
    let content = |role: &str| request.messages.iter().find(|message| message.role == role).map(|m| m.content.as_str());
    let target = content("system").and_then(target_of);
    let (Some(target), Some(text)) = (target, content("user")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "The fake needs a system prompt naming `into Name (code)` and a user message.",
            "invalid_request_error",
            None,
        );
    };
    completion(&request.model, Some(&translate_phrase(text, target)))
}

/// The language named as `into Name (code)` in a system prompt.
fn target_of(prompt: &str) -> Option<Language> {
    let after = prompt.split_once(" into ")?.1;
    let code = after.split_once('(')?.1.split_once(')')?.0;
    Language::parse(code).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_target_from_the_prompt() {
        let prompt = crate::openai::system_prompt(Some(Language::Spanish), Language::Indonesian);
        assert_eq!(target_of(&prompt), Some(Language::Indonesian));
        assert_eq!(target_of("translate to French"), None);
    }
}
