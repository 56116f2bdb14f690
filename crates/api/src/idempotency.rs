//! `Idempotency-Key` on POST requests. The first request claims the key; the same key
//! with the same body replays the stored status and body; another body answers 400;
//! a duplicate arriving while the first runs answers 409. Keys live 24 hours.
//! A response of 5xx releases the key so the client can retry, as does one marked
//! [`NotStored`].
//!
//! The request body is buffered to hash it: up to [`BODY_LIMIT_BYTES`] on the JSON
//! routes ([`middleware`]) and up to [`UPLOAD_BODY_LIMIT_BYTES`] on the file upload
//! ([`upload_middleware`]), so an upload with a key is idempotent like any other POST
//! (its response, the small file object, is what is stored).

use crate::error::ApiError;
use crate::extract::{BODY_LIMIT_BYTES, authenticate};
use crate::flows::files::UPLOAD_BODY_LIMIT_BYTES;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tradewind_storage::idempotency::{self, Claim};

pub const KEY_LENGTH_MAX: usize = 255;
pub const KEY_LIFETIME_SECONDS: i64 = 24 * 3600;
/// Responses larger than this are not stored (none of ours are).
const STORED_RESPONSE_BYTES_MAX: usize = 1024 * 1024;

/// Marks a response that shows a secret (a freshly rolled key): it is not kept for
/// replay, so no secret sits in the idempotency table, and a retry runs again.
#[derive(Debug, Clone, Copy)]
pub struct NotStored;

/// The middleware of the JSON routes.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    with_body_limit(&state, request, next, BODY_LIMIT_BYTES).await
}

/// The middleware of the file upload, whose bodies are larger.
pub async fn upload_middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    with_body_limit(&state, request, next, UPLOAD_BODY_LIMIT_BYTES).await
}

/// The same for messages with attachments (support conversations), up to
/// [`crate::routes::widget::MESSAGE_BODY_LIMIT_BYTES`].
pub async fn attachment_middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    with_body_limit(&state, request, next, crate::routes::widget::MESSAGE_BODY_LIMIT_BYTES).await
}

async fn with_body_limit(state: &AppState, request: Request, next: Next, body_limit_bytes: usize) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get("idempotency-key").cloned() else {
        return next.run(request).await;
    };
    match handle(state, key, request, next, body_limit_bytes).await {
        Ok(response) | Err(response) => response,
    }
}

async fn handle(
    state: &AppState,
    key: HeaderValue,
    request: Request,
    next: Next,
    body_limit_bytes: usize,
) -> Result<Response, Response> {
    let key =
        key.to_str().ok().filter(|key| !key.is_empty() && key.len() <= KEY_LENGTH_MAX).map(str::to_owned).ok_or_else(
            || {
                ApiError::invalid(
                    "Idempotency-Key",
                    "parameter_invalid",
                    "`Idempotency-Key` must be 1 to 255 visible characters.",
                )
                .into_response()
            },
        )?;
    let (mut parts, body) = request.into_parts();
    // Without a valid key the handler answers 401 itself; keys are scoped per merchant.
    let Ok(auth) = authenticate(&parts, state).await else {
        return Ok(next.run(Request::from_parts(parts, body)).await);
    };
    let bytes = axum::body::to_bytes(body, body_limit_bytes)
        .await
        .map_err(|_| ApiError::too_large(body_limit_bytes).into_response())?;
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());
    let merchant_id = auth.merchant_id.to_string();
    let now = state.clock.now();
    let claim = idempotency::claim(&state.store, &merchant_id, &key, &request_hash, now, now - KEY_LIFETIME_SECONDS)
        .await
        .map_err(|error| ApiError::from(error).into_response())?;
    match claim {
        Claim::Existing(existing) if existing.request_hash != request_hash => Err(ApiError::idempotency(
            StatusCode::BAD_REQUEST,
            "idempotency_key_in_use",
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        )
        .into_response()),
        Claim::Existing(existing) => match (existing.response_status, existing.response_body) {
            (Some(status), Some(body)) => {
                let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(500)).unwrap_or(StatusCode::OK);
                let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
                response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
                Ok(response)
            }
            _ => Err(ApiError::idempotency(
                StatusCode::CONFLICT,
                "idempotency_key_in_flight",
                "A request with this Idempotency-Key is still being processed; retry after it finishes.",
            )
            .into_response()),
        },
        Claim::Claimed => {
            parts.extensions.insert(auth);
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let (response_parts, response_body) = response.into_parts();
            let body = match axum::body::to_bytes(response_body, STORED_RESPONSE_BYTES_MAX).await {
                Ok(body) => body,
                Err(_) => {
                    let _ = idempotency::release(&state.store, &merchant_id, &key).await;
                    return Err(
                        ApiError::internal(&std::io::Error::other("response too large to store")).into_response()
                    );
                }
            };
            let not_stored = response_parts.extensions.get::<NotStored>().is_some();
            let stored = if response_parts.status.is_server_error() || not_stored {
                idempotency::release(&state.store, &merchant_id, &key).await
            } else {
                let text = String::from_utf8_lossy(&body);
                idempotency::complete(&state.store, &merchant_id, &key, response_parts.status.as_u16(), &text).await
            };
            if let Err(error) = stored {
                tracing::error!(%error, "could not store the idempotent response");
            }
            Ok(Response::from_parts(response_parts, Body::from(body)))
        }
    }
}
