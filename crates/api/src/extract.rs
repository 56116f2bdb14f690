//! Request extractors: JSON bodies that name the parameter at fault, and API-key
//! authentication (`Authorization: Bearer sk_test_…` or `pk_test_…`).

use crate::error::ApiError;
use crate::keys::hash_key;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use tradewind_payments::id::MerchantId;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// A JSON body parsed with parameter-naming errors. An empty body reads as `{}`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT_BYTES)
            .await
            .map_err(|_| ApiError::too_large(BODY_LIMIT_BYTES))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Renders a serde path as a Stripe parameter: `payment_method_data[card][number]`.
fn stripe_param(path: &serde_path_to_error::Path, field: Option<&str>) -> Option<String> {
    let mut segments: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    if let Some(field) = field {
        segments.push(field.to_owned());
    }
    bracketed(segments)
}

/// `["a", "b", "c"]` as `a[b][c]`; `None` for no segments.
fn bracketed(segments: Vec<String>) -> Option<String> {
    let mut parts = segments.into_iter();
    let first = parts.next()?;
    Some(parts.fold(first, |param, segment| format!("{param}[{segment}]")))
}

/// The backquoted name in serde's "missing field `x`" / "unknown field `x`" messages.
fn quoted_name(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let length = message[start..].find('`')?;
    Some(&message[start..start + length])
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().clone();
            let inner = error.into_inner();
            let syntax = if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                Some(inner.to_string())
            } else {
                // A type can refuse a body before its JSON ends (an object-only type
                // meeting `[`): the body's own syntax decides which error it is.
                serde_json::from_slice::<serde::de::IgnoredAny>(bytes).err().map(|error| error.to_string())
            };
            if let Some(syntax) = syntax {
                return Err(ApiError::bad_request(
                    "parameter_invalid_json",
                    format!("The request body is not valid JSON: {syntax}"),
                ));
            }
            return Err(deserialize_error(&path, &inner.to_string()));
        }
    };
    deserializer.end().map_err(|_| {
        ApiError::bad_request("parameter_invalid_json", "The request body has trailing characters after the JSON.")
    })?;
    if let Some(segments) = nul_path(bytes) {
        let message = "Strings must not contain NUL (\\u0000) characters.";
        return Err(match bracketed(segments) {
            Some(param) => ApiError::invalid(&param, "parameter_invalid", format!("Invalid `{param}`: {message}")),
            None => ApiError::bad_request("parameter_invalid", message),
        });
    }
    Ok(value)
}

/// A value that did not deserialize at `path`, as a 400 naming the parameter (or
/// none, when the whole body or query is at fault).
fn deserialize_error(path: &serde_path_to_error::Path, message: &str) -> ApiError {
    let message = message.split(" at line ").next().unwrap_or_default().to_owned();
    let (code, param) = if message.starts_with("missing field") {
        ("parameter_missing", stripe_param(path, quoted_name(&message)))
    } else if message.starts_with("unknown field") {
        // The path already ends at the unknown key.
        ("parameter_unknown", stripe_param(path, None))
    } else {
        ("parameter_invalid", stripe_param(path, None))
    };
    match param {
        Some(param) => {
            let text = format!("Invalid `{param}`: {message}");
            ApiError::invalid(param, code, text)
        }
        None => ApiError::bad_request(code, message),
    }
}

/// A query string that did not deserialize, as a 400 naming the parameter at fault.
pub fn query_error(rejection: axum::extract::rejection::QueryRejection) -> ApiError {
    let mut source = std::error::Error::source(&rejection);
    while let Some(error) = source {
        if let Some(error) = error.downcast_ref::<serde_path_to_error::Error<serde::de::value::Error>>() {
            return deserialize_error(error.path(), &error.inner().to_string());
        }
        source = error.source();
    }
    ApiError::bad_request("parameter_invalid", rejection.body_text())
}

/// The path to a NUL character, which PostgreSQL text cannot store. In JSON a NUL
/// only arrives escaped, so bodies without `\u0000` skip the walk. A NUL in a key
/// blames the object holding the key.
fn nul_path(bytes: &[u8]) -> Option<Vec<String>> {
    fn walk(value: &serde_json::Value, segments: &mut Vec<String>) -> bool {
        let children: Vec<(String, &serde_json::Value)> = match value {
            serde_json::Value::String(text) => return text.contains('\0'),
            serde_json::Value::Array(items) => {
                items.iter().enumerate().map(|(index, item)| (index.to_string(), item)).collect()
            }
            serde_json::Value::Object(map) => {
                if map.keys().any(|key| key.contains('\0')) {
                    return true;
                }
                map.iter().map(|(key, item)| (key.clone(), item)).collect()
            }
            _ => return false,
        };
        children.into_iter().any(|(segment, item)| {
            segments.push(segment);
            let found = walk(item, segments);
            if !found {
                segments.pop();
            }
            found
        })
    }
    if !bytes.windows(6).any(|window| window == br"\u0000") {
        return None;
    }
    let document: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let mut segments = Vec::new();
    walk(&document, &mut segments).then_some(segments)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Secret,
    Publishable,
}

/// A request authenticated with any of the merchant's keys.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub merchant_id: MerchantId,
    pub merchant_name: String,
    pub kind: KeyKind,
    /// The merchant's sandbox clock offset.
    pub clock_offset_seconds: i64,
}

impl Authenticated {
    /// The merchant's "now" (real time plus its sandbox clock offset).
    pub fn now(&self, state: &AppState) -> i64 {
        state.clock.now().saturating_add(self.clock_offset_seconds)
    }

    pub fn require_secret(&self) -> Result<(), ApiError> {
        if self.kind != KeyKind::Secret {
            return Err(ApiError::forbidden(
                "This API call cannot be made with a publishable API key. Please use a secret API key.",
            ));
        }
        Ok(())
    }
}

/// A request that must use a secret key.
#[derive(Debug, Clone)]
pub struct SecretAuth(pub Authenticated);

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("You did not provide an API key. Use `Authorization: Bearer <key>`."))?;
    let value = header.to_str().map_err(|_| ApiError::unauthorized("Malformed Authorization header."))?;
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
        .ok_or_else(|| ApiError::unauthorized("Use `Authorization: Bearer <key>`."))
}

/// Shows a key the way Stripe does in errors: prefix and last four only.
fn redacted(key: &str) -> String {
    let prefix: String = key.chars().take(8).collect();
    let suffix: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{prefix}****{suffix}")
}

pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Authenticated, ApiError> {
    if let Some(cached) = parts.extensions.get::<Authenticated>() {
        return Ok(cached.clone());
    }
    let key = bearer(parts)?;
    let kind = if key.starts_with("sk_test_") {
        KeyKind::Secret
    } else if key.starts_with("pk_test_") {
        KeyKind::Publishable
    } else {
        return Err(ApiError::unauthorized(format!("Invalid API Key provided: {}", redacted(key))));
    };
    let key_hash = hash_key(key);
    let now = state.clock.now();
    let found = match state.key_cache.get(&key_hash, now) {
        Some(cached) => cached,
        None => {
            let generation = state.key_cache.generation();
            let found = tradewind_storage::api_keys::find_active(state.store.pool(), &key_hash, now)
                .await?
                .ok_or_else(|| ApiError::unauthorized(format!("Invalid API Key provided: {}", redacted(key))))?;
            state.key_cache.insert(key_hash, found.clone(), generation);
            found
        }
    };
    let merchant_id = MerchantId::parse(&found.merchant_id).map_err(|error| ApiError::internal(&error))?;
    Ok(Authenticated {
        merchant_id,
        merchant_name: found.merchant_name,
        kind,
        clock_offset_seconds: found.clock_offset_seconds,
    })
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await
    }
}

impl FromRequestParts<AppState> for SecretAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let authenticated = authenticate(parts, state).await?;
        authenticated.require_secret()?;
        Ok(SecretAuth(authenticated))
    }
}
