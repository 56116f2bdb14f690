//! `GET /sdk/realtime.js`: the JavaScript client for `/v1/realtime`
//! (`assets/sdk/realtime.js`), an ES module that browsers import straight from the
//! server. No key is needed: the file is public code, and it is served with
//! `Access-Control-Allow-Origin: *` because a merchant's own site imports it across
//! origins (module scripts are fetched in CORS mode).
//!
//! Its URL carries no content hash (merchants write it into their pages), so unlike
//! `/assets/` it is cached for an hour and revalidated with an `ETag`; [`public_asset`]
//! serves the chat widget's files the same way.

use crate::pages;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The SDK's path under `assets/`.
const SDK_ASSET: &str = "sdk/realtime.js";
/// How long browsers and proxies may use their copy before asking again.
const CACHE_CONTROL: &str = "public, max-age=3600";

/// Serves the realtime SDK, or `304 Not Modified` when the browser's copy is current.
pub async fn realtime_js(request_headers: HeaderMap) -> Response {
    public_asset(SDK_ASSET, &request_headers)
}

/// Serves an embedded file that other sites load from a fixed URL (the SDK, the chat
/// widget): readable from any origin, cached for an hour and revalidated with an
/// `ETag` of its content hash (`304` when `If-None-Match` names it).
pub(crate) fn public_asset(path: &str, request_headers: &HeaderMap) -> Response {
    let (Some((content_type, bytes)), Some(version)) = (pages::asset(path), pages::asset_version(path)) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!("\"{version}\"");
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        (header::ETAG, HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, bytes.into_owned()).into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use axum::body::to_bytes;

    #[tokio::test]
    async fn serves_the_module_with_a_revalidating_cache() {
        let response = realtime_js(HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert_eq!(headers[header::CACHE_CONTROL], CACHE_CONTROL);
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("export class RealtimeClient"), "the body is the SDK");

        let mut conditional = HeaderMap::new();
        conditional.insert(header::IF_NONE_MATCH, headers[header::ETAG].clone());
        let response = realtime_js(conditional).await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);

        let mut stale = HeaderMap::new();
        stale.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"0000\""));
        assert_eq!(realtime_js(stale).await.status(), StatusCode::OK);
    }
}
