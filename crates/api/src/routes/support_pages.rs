//! The support desk's pages and files: the chat widget that shops embed
//! (`GET /widget.js` and its modules and stylesheet under `GET /widget/{file}`), the
//! agent console (`GET /console`) and a demo shop per merchant
//! (`GET /demo/shop/{merchant}`), plus [`widget_cors`], the CORS layer the buyer-facing
//! `/v1/widget/*` routes need because the widget calls them from shops' own origins.
//!
//! The widget's files are public code served like the realtime SDK (`sdk.rs`): any
//! origin may load them (they are ES modules, fetched in CORS mode), cached for an
//! hour and revalidated by `ETag`.

use crate::error::{ApiError, ApiResult};
use crate::pages::{self, Locale, ShopPage};
use crate::routes::sdk::public_asset;
use crate::state::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use tradewind_payments::id::MerchantId;
use tradewind_storage::{api_keys, merchants};

/// The widget's files under `assets/widget/`, the only names `/widget/{file}` serves.
const WIDGET_FILES: &[&str] = &[
    "widget.js",
    "widget-app.js",
    "widget-view.js",
    "widget-core.js",
    "widget-strings.js",
    "widget-dom.js",
    "desk-client.js",
    "widget.css",
];
/// How long a browser may reuse a CORS preflight answer for `/v1/widget/*`.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";
/// What the widget sends: its bearer token, JSON bodies (and multipart uploads).
const WIDGET_REQUEST_HEADERS: &str = "authorization, content-type";
const WIDGET_METHODS: &str = "GET, POST, OPTIONS";

/// `GET /widget.js`: the one file a shop's `<script>` tag names.
pub async fn widget_js(request_headers: HeaderMap) -> Response {
    public_asset("widget/widget.js", &request_headers)
}

/// `GET /widget/{file}`: the modules and stylesheet `widget.js` loads.
pub async fn widget_file(Path(file): Path<String>, request_headers: HeaderMap) -> Response {
    if !WIDGET_FILES.contains(&file.as_str()) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    public_asset(&format!("widget/{file}"), &request_headers)
}

/// The pages' Content-Security-Policy: scripts, styles and fetches from this server
/// only (the realtime socket is named by scheme, as `'self'` does not cover `ws:` in
/// every browser), pictures also from `blob:` (attachments are fetched with a token and
/// shown as object URLs), never framed by another site.
fn content_security_policy(public_base_url: &str) -> String {
    let socket =
        public_base_url.trim_end_matches('/').replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self' {socket}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

fn page(state: &AppState, result: Result<String, pages::PageError>, status: StatusCode) -> ApiResult<Response> {
    let html = result.map_err(|error| ApiError::internal(&error))?;
    let policy = content_security_policy(&state.config.public_base_url);
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// `GET /console`: the agent console. It signs in through the API, so the page itself
/// needs no session.
pub async fn console_page(State(state): State<AppState>) -> ApiResult<Response> {
    page(&state, pages::render_console(), StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct ShopQuery {
    /// The widget's language (`es`, `pt-BR`, …); unsupported values are ignored.
    pub lang: Option<String>,
    /// The buyer's time zone for the widget (`America/New_York`).
    pub tz: Option<String>,
}

/// `GET /demo/shop/{merchant}`: a demo storefront of that merchant with the chat widget
/// and the merchant's live publishable key; a 404 page for an unknown merchant or one
/// without a live publishable key.
pub async fn shop_page(
    State(state): State<AppState>,
    Path(merchant_id): Path<String>,
    Query(query): Query<ShopQuery>,
) -> ApiResult<Response> {
    let missing = || {
        page(
            &state,
            pages::render_message("Shop not found", "There is no demo shop at this address."),
            StatusCode::NOT_FOUND,
        )
    };
    if MerchantId::parse(&merchant_id).is_err() {
        return missing();
    }
    let Some(merchant) = merchants::get(state.store.pool(), &merchant_id).await? else {
        return missing();
    };
    let now = state.clock.now().saturating_add(merchant.clock_offset_seconds);
    let Some(publishable_key) = api_keys::publishable_key(state.store.pool(), &merchant_id, now).await? else {
        return missing();
    };
    let shop = ShopPage {
        merchant_name: &merchant.name,
        publishable_key: &publishable_key,
        language: query.lang.as_deref().and_then(Locale::parse),
        time_zone: query.tz.as_deref(),
    };
    page(&state, pages::render_shop(&shop), StatusCode::OK)
}

/// CORS for `/v1/widget/*`: the widget runs on each shop's own origin and authenticates
/// with a bearer token (never cookies), so any origin may call these routes. Preflights
/// are answered here, before authentication, and every answer names `*` as allowed.
pub async fn widget_cors(request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS;
    let mut response = if preflight { StatusCode::NO_CONTENT.into_response() } else { next.run(request).await };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if preflight {
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(WIDGET_METHODS));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(WIDGET_REQUEST_HEADERS));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS));
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::routing::post;
    use tower::ServiceExt;

    async fn body_text(response: Response) -> String {
        String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_widget_loader_is_served_to_any_origin_and_revalidated() {
        let response = widget_js(HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=3600");
        assert!(body_text(response).await.contains("document.currentScript"));

        let mut conditional = HeaderMap::new();
        conditional.insert(header::IF_NONE_MATCH, headers[header::ETAG].clone());
        assert_eq!(widget_js(conditional).await.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn every_widget_file_is_served_and_nothing_else() {
        for file in WIDGET_FILES {
            let response = widget_file(Path((*file).to_owned()), HeaderMap::new()).await;
            assert_eq!(response.status(), StatusCode::OK, "{file}");
            assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        }
        let css = widget_file(Path("widget.css".to_owned()), HeaderMap::new()).await;
        assert_eq!(css.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
        for file in ["../checkout.js", "checkout.js", "widget-core.js.map", ""] {
            let response = widget_file(Path(file.to_owned()), HeaderMap::new()).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{file}");
        }
    }

    #[tokio::test]
    async fn every_module_the_widget_imports_is_served() {
        // The loader and the app import these by name; a missing one breaks every shop.
        let loader = body_text(widget_js(HeaderMap::new()).await).await;
        assert!(loader.contains("/widget/widget-app.js"));
        let app = body_text(widget_file(Path("widget-app.js".to_owned()), HeaderMap::new()).await).await;
        for import in ["./widget-core.js", "../sdk/realtime.js", "./widget-view.js", "./desk-client.js"] {
            assert!(app.contains(import), "{import}");
        }
        let view = body_text(widget_file(Path("widget-view.js".to_owned()), HeaderMap::new()).await).await;
        assert!(view.contains("./widget-dom.js") && view.contains("/widget/widget.css"));
    }

    #[tokio::test]
    async fn widget_routes_answer_preflights_and_allow_any_origin() {
        let router = Router::new()
            .route("/v1/widget/sessions", post(|| async { "created" }))
            .layer(axum::middleware::from_fn(widget_cors));
        let preflight = Request::builder()
            .method(Method::OPTIONS)
            .uri("/v1/widget/sessions")
            .header(header::ORIGIN, "https://shop.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization, content-type")
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(preflight).await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let headers = response.headers();
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert!(headers[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap().contains("POST"));
        assert!(headers[header::ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().contains("authorization"));

        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/widget/sessions")
            .header(header::ORIGIN, "https://shop.example")
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(body_text(response).await, "created");
    }

    #[test]
    fn the_page_policy_allows_the_realtime_socket_of_this_server_only() {
        let policy = content_security_policy("https://pay.example.com/");
        assert!(policy.contains("connect-src 'self' wss://pay.example.com;"), "{policy}");
        assert!(policy.contains("img-src 'self' data: blob:"));
        assert!(policy.contains("script-src 'self';"), "no inline scripts");
        let local = content_security_policy("http://127.0.0.1:8080");
        assert!(local.contains("connect-src 'self' ws://127.0.0.1:8080;"), "{local}");
    }
}
