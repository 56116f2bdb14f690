//! A fake LibreTranslate: `POST /translate` with LibreTranslate's request and answer
//! shapes, its `{error}` bodies and statuses (400 bad request or unsupported language,
//! 403 invalid key, 429 slow down, 500 cannot translate).

use super::{FakeError, FakeServer, Fault, Shared, json_response, lock, malformed_body, oversized_body};
use crate::Language;
use crate::detect::detect;
use crate::fake::phrasebook::translate_phrase;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;
use std::ops::Deref;
use std::sync::Arc;

/// A running fake LibreTranslate; derefs to its [`FakeServer`].
pub struct FakeLibreTranslate {
    server: FakeServer,
}

impl Deref for FakeLibreTranslate {
    type Target = FakeServer;

    fn deref(&self) -> &FakeServer {
        &self.server
    }
}

impl FakeLibreTranslate {
    /// A fake that needs no key: `(base_url, fake)`.
    pub async fn start() -> Result<(String, FakeLibreTranslate), FakeError> {
        Self::start_inner(None).await
    }

    /// A fake that answers 403 unless the body's `api_key` is `key`.
    pub async fn start_with_key(key: &str) -> Result<(String, FakeLibreTranslate), FakeError> {
        Self::start_inner(Some(key)).await
    }

    async fn start_inner(key: Option<&str>) -> Result<(String, FakeLibreTranslate), FakeError> {
        let server = FakeServer::start(key, "", fault, |shared| {
            Router::new().route("/translate", post(translate)).with_state(shared)
        })
        .await?;
        Ok((server.base_url.clone(), FakeLibreTranslate { server }))
    }
}

fn fault(fault: Fault) -> Response {
    match fault {
        Fault::ServerError => error(StatusCode::INTERNAL_SERVER_ERROR, "Cannot translate text: model failed"),
        Fault::RateLimited => error(StatusCode::TOO_MANY_REQUESTS, "Slowdown: 30 per 1 minute"),
        Fault::Malformed => malformed_body(),
        Fault::Oversized => oversized_body("translatedText"),
        Fault::EmptyAnswer | Fault::Hang => json_response(StatusCode::OK, json!({})),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, json!({ "error": message }))
}

#[derive(Deserialize)]
struct TranslateRequest {
    q: Option<String>,
    source: Option<String>,
    target: Option<String>,
    api_key: Option<String>,
}

async fn translate(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<TranslateRequest>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Invalid request: the body is not JSON");
    };
    if shared.api_key.is_some() && request.api_key != shared.api_key {
        return error(StatusCode::FORBIDDEN, "Invalid API key");
    }
    let (Some(text), Some(source), Some(target)) = (request.q, request.source, request.target) else {
        return error(StatusCode::BAD_REQUEST, "Invalid request: missing q, source or target parameter");
    };
    let supported =
        |code: &str| Language::parse(code).ok().filter(|language| !lock(&shared.unsupported).contains(language));
    let Some(target_language) = supported(&target) else {
        return error(StatusCode::BAD_REQUEST, &format!("{target} is not supported"));
    };
    let detected = if source == "auto" {
        let detection = detect(&text);
        let language = detection.map_or(Language::English, |detection| detection.language);
        let confidence = detection.map_or(0.0, |detection| f64::from(detection.confidence_permille) / 10.0);
        Some(json!({ "language": language.code(), "confidence": confidence }))
    } else if supported(&source).is_none() {
        return error(StatusCode::BAD_REQUEST, &format!("{source} is not supported"));
    } else {
        None
    };
    let translated = translate_phrase(&text, target_language);
    let mut answer = json!({ "translatedText": translated });
    if let Some(detected) = detected {
        answer["detectedLanguage"] = detected;
    }
    json_response(StatusCode::OK, answer)
}
