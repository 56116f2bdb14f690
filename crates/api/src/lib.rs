//! The HTTP edge of Tradewind: the JSON API, the hosted checkout and sandbox provider
//! pages, idempotency, authentication, metrics and the OpenAPI document. Only this
//! crate knows HTTP.
//!
//! - [`state`]: shared state and the injectable clock.
//! - [`error`]: the one Stripe-shaped error type.
//! - [`extract`]: JSON bodies that name bad parameters; API-key authentication.
//! - [`credentials`]: connector credentials: checked, encrypted at rest, masked.
//! - [`key_cache`]: API keys recently authenticated, so most requests skip the query.
//! - [`idempotency`]: the `Idempotency-Key` middleware.
//! - [`wire`]: request and response models with OpenAPI schemas.
//! - [`flows`]: what confirmation, provider actions, refunds and due work decide.
//! - [`routes`]: one file per resource.
//! - [`pages`]: server-rendered checkout and sandbox pages.
//! - [`realtime`]: the `/v1/realtime` WebSocket sessions, namespaces and stored history.
//! - [`worker`]: the background sweep of due work and the webhook worker.

pub mod credentials;
pub mod error;
pub mod extract;
pub mod flows;
pub mod idempotency;
pub mod key_cache;
pub mod keys;
pub mod metrics;
pub mod pages;
pub mod realtime;
pub mod routes;
pub mod state;
pub mod support;
pub mod wire;
pub mod worker;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::serve::ListenerExt;
use routes::*;
use state::AppState;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

pub use state::{ApiConfig, Clock, SystemClock};

/// A request taking longer than this is answered 408 and dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    state.metrics.request(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// Errors that axum answers itself (a path segment that is not UTF-8, a form that
/// does not parse, a method the route lacks) come as plain text; give them the same
/// Stripe-shaped body as every other error.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_text = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !status.is_client_error() || !is_text {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body);
    let code = match status {
        axum::http::StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => "request_too_large",
        _ => "parameter_invalid",
    };
    let message = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("Bad request").to_owned()
    } else {
        text.into_owned()
    };
    let mut error = error::ApiError::bad_request(code, message);
    error.status = status;
    error.into_response()
}

/// Buyer-facing pages carry card fields and client secrets: no inline script, no
/// framing by other sites, no caching, no referrer leaking the URL.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";

async fn buyer_page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    headers.insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("same-origin"));
    headers.insert(axum::http::header::X_CONTENT_TYPE_OPTIONS, axum::http::HeaderValue::from_static("nosniff"));
    response
}

async fn not_found() -> Response {
    let mut error = error::ApiError::bad_request("resource_missing", "Unrecognized request URL.");
    error.status = axum::http::StatusCode::NOT_FOUND;
    error.into_response()
}

async fn asset(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    match pages::asset(&path) {
        Some((content_type, bytes)) => (
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (axum::http::header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes.into_owned(),
        )
            .into_response(),
        None => (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/payment_intents", post(payment_intents::create).get(payment_intents::list))
        .route("/v1/payment_intents/{id}", get(payment_intents::retrieve).post(payment_intents::update))
        .route("/v1/payment_intents/{id}/confirm", post(payment_intents::confirm_intent))
        .route("/v1/payment_intents/{id}/capture", post(payment_intents::capture))
        .route("/v1/payment_intents/{id}/cancel", post(payment_intents::cancel))
        .route("/v1/payment_intents/{id}/attempts", get(payment_intents::list_attempts))
        .route("/v1/payment_methods", get(payment_methods::list))
        .route("/v1/refunds", post(refunds::create).get(refunds::list))
        .route("/v1/refunds/{id}", get(refunds::retrieve))
        .route("/v1/disputes", get(disputes::list))
        .route("/v1/disputes/{id}", get(disputes::retrieve).post(disputes::update))
        .route("/v1/disputes/{id}/close", post(disputes::close))
        .route("/v1/balance", get(balance::retrieve))
        .route("/v1/balance/forecast", get(balance::forecast))
        .route("/v1/balance/reserves", get(account_settings::list_reserves))
        .route("/v1/orders", post(routes::orders::create).get(routes::orders::list))
        .route("/v1/orders/{id}", get(routes::orders::retrieve).post(routes::orders::update))
        .route("/v1/payouts", post(payouts::create).get(payouts::list))
        .route("/v1/payouts/{id}", get(payouts::retrieve))
        .route("/v1/payouts/{id}/cancel", post(payouts::cancel))
        .route("/v1/balance_transactions", get(balance::list_transactions))
        .route("/v1/balance_transactions/{id}", get(balance::retrieve_transaction))
        .route("/v1/checkout_sessions", post(checkout::create))
        .route("/v1/checkout_sessions/{id}", get(checkout::retrieve))
        .route("/v1/payment_links", post(checkout::create_link).get(checkout::list_links))
        .route("/v1/payment_links/{id}", get(checkout::retrieve_link).post(checkout::update_link))
        .route("/v1/events", get(events::list))
        .route("/v1/events/{id}", get(events::retrieve))
        .route("/v1/events/{id}/deliveries", get(events::deliveries))
        .route("/v1/events/{id}/resend", post(events::resend))
        .route("/v1/webhook_endpoints", post(webhook_endpoints::create).get(webhook_endpoints::list))
        .route(
            "/v1/webhook_endpoints/{id}",
            get(webhook_endpoints::retrieve).post(webhook_endpoints::update).delete(webhook_endpoints::delete),
        )
        .route("/v1/webhook_endpoints/{id}/rotate_secret", post(webhook_endpoints::rotate_secret))
        .route("/v1/routing/rules", get(routing::retrieve_rules).post(routing::replace_rules))
        .route("/v1/routing/simulate", post(routing::simulate))
        .route("/v1/connector_accounts", post(connector_accounts::create).get(connector_accounts::list))
        .route(
            "/v1/connector_accounts/{id}",
            get(connector_accounts::retrieve).post(connector_accounts::update).delete(connector_accounts::disable),
        )
        .route(
            "/v1/connector_accounts/{id}/faults",
            get(connector_accounts::retrieve_faults).post(connector_accounts::replace_faults),
        )
        .route("/v1/fx_rates", get(fx::retrieve_rate).post(fx::create_rate))
        .route("/v1/fx_quotes", post(fx::create_quote))
        .route("/v1/fx_quotes/{id}", get(fx::retrieve_quote))
        .route("/v1/account", get(merchants::retrieve))
        .route("/v1/account/keys/roll", post(merchants::roll))
        .route("/v1/account/settings", get(account_settings::retrieve).post(account_settings::update))
        .route("/v1/sandbox/clock", get(sandbox::clock))
        .route("/v1/sandbox/clock/advance", post(sandbox::advance))
        .route("/v1/sandbox/bank_transfers", post(sandbox::fund_transfer))
        .route("/v1/sandbox/deliveries/{id}/collect", post(sandbox::collect))
        .route("/v1/sandbox/deliveries/{id}/refuse", post(sandbox::refuse))
        .route("/v1/sandbox/boletos/{id}/pay", post(sandbox::pay_boleto))
        .route("/v1/reconciliation/reports", post(reconciliation::import).get(reconciliation::list))
        .route("/v1/reconciliation/reports/{id}", get(reconciliation::retrieve))
        .route("/v1/reconciliation/reports/{id}/results", get(reconciliation::list_results))
        .route("/v1/sandbox/settlement_report", get(reconciliation::sandbox_report))
        .route("/v1/files/{id}", get(files::retrieve))
        .route("/v1/files/{id}/contents", get(files::contents))
        .route("/v1/radar/early_fraud_warnings", get(radar::list))
        .route("/v1/radar/early_fraud_warnings/{id}", get(radar::retrieve))
        .route("/v1/realtime/tokens", post(routes::realtime::create_token))
        .route("/v1/realtime/publish", post(routes::realtime::publish))
        .route("/v1/realtime/namespaces", get(routes::realtime::list_namespaces))
        .route("/v1/support/sessions", post(support_desk::create_session))
        .route("/v1/support/sessions/current", delete(support_desk::delete_session))
        .route("/v1/support/me", get(support_desk::me).post(support_desk::update_me))
        .route("/v1/support/agents", get(support_desk::list_agents).post(support_desk::create_agent))
        .route("/v1/support/agents/{id}", get(support_desk::retrieve_agent).post(support_desk::update_agent))
        .route("/v1/support/teams", get(support_desk::list_teams).post(support_desk::create_team))
        .route("/v1/support/teams/{id}", get(support_desk::retrieve_team).post(support_desk::update_team))
        .route("/v1/support/settings", get(support_desk::retrieve_settings).post(support_desk::update_settings))
        .route("/v1/support/canned_responses", get(support_content::list_canned).post(support_content::create_canned))
        .route(
            "/v1/support/canned_responses/{id}",
            get(support_content::retrieve_canned)
                .post(support_content::update_canned)
                .delete(support_content::delete_canned),
        )
        .route("/v1/support/articles", get(support_content::list_articles).post(support_content::create_article))
        .route("/v1/support/articles/search", get(support_content::search_articles))
        .route(
            "/v1/support/articles/{id}",
            get(support_content::retrieve_article)
                .post(support_content::update_article)
                .delete(support_content::delete_article),
        )
        .route("/v1/support/realtime_token", post(support_desk::console_realtime_token))
        .route("/v1/conversations", get(conversations::list).post(conversations::create))
        .route("/v1/conversations/{id}", get(conversations::retrieve).post(conversations::update))
        .route("/v1/conversations/{id}/assign", post(conversations::assign_conversation))
        .route("/v1/conversations/{id}/tags", post(conversations::change_tags))
        .route("/v1/conversations/{id}/read", post(conversations::mark_read))
        .route("/v1/conversations/{id}/timeline", get(conversations::list_timeline))
        .route("/v1/conversations/{id}/context", get(conversation_context::context))
        .route("/v1/conversations/{id}/refunds", post(conversation_context::refund))
        .route("/v1/conversations/{id}/messages/{message}/attachment", get(conversation_context::attachment))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::middleware));
    // Conversation messages may carry an attachment: a larger body, and an idempotency
    // layer that buffers up to it.
    let messages = Router::new()
        .route("/v1/conversations/{id}/messages", get(conversations::list_messages).post(conversations::post_message))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::attachment_middleware))
        .layer(DefaultBodyLimit::max(routes::widget::MESSAGE_BODY_LIMIT_BYTES));
    // The chat widget runs on merchants' shops, other origins: CORS for any origin (the
    // credentials are bearer tokens, never cookies).
    let widget_cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([axum::http::header::AUTHORIZATION, axum::http::header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600));
    let widget_api = Router::new()
        .route("/v1/widget/sessions", post(widget::create_session))
        .route("/v1/widget/session", get(widget::retrieve_session))
        .route("/v1/widget/identify", post(widget::identify))
        .route("/v1/widget/conversations", get(widget::list_conversations).post(widget::start_conversation))
        .route("/v1/widget/conversations/{id}/messages", get(widget::list_messages).post(widget::post_message))
        .route("/v1/widget/conversations/{id}/messages/{message}/attachment", get(widget::attachment))
        .route("/v1/widget/conversations/{id}/read", post(widget::mark_read))
        .route("/v1/widget/conversations/{id}/handoff", post(widget::handoff))
        .route("/v1/widget/conversations/{id}/csat", post(widget::submit_csat))
        .route("/v1/widget/realtime_token", post(widget::realtime_token))
        .layer(DefaultBodyLimit::max(routes::widget::MESSAGE_BODY_LIMIT_BYTES))
        .layer(widget_cors);
    // Uploads take larger bodies than the JSON routes: their own limit, and an
    // idempotency layer that buffers up to it.
    let uploads = Router::new()
        .route("/v1/files", post(files::upload).get(files::list))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::upload_middleware))
        .layer(DefaultBodyLimit::max(flows::files::UPLOAD_BODY_LIMIT_BYTES));
    // Providers' webhooks carry no API key (their signature authenticates them) and no
    // Idempotency-Key (the provider's event id makes them idempotent).
    let provider_webhooks =
        Router::new().route("/v1/connectors/{connector_account_id}/webhooks", post(connector_webhooks::receive));
    let buyer_pages = Router::new()
        .route("/checkout/{id}", get(checkout::page))
        .route("/checkout/{id}/return", get(checkout::return_from_provider))
        .route("/checkout/{id}/complete", get(checkout::complete))
        .route("/checkout/{id}/success", get(checkout::success))
        .route("/pay/{id}", get(checkout::open_link))
        .route("/connectors/return/{attempt}", get(connector_return::return_from_provider))
        .route("/sandbox/3ds/{attempt}", get(sandbox_pages::three_ds_page).post(sandbox_pages::three_ds_submit))
        .route("/sandbox/redirect/{attempt}", get(sandbox_pages::redirect_page).post(sandbox_pages::redirect_submit))
        .route("/sandbox/boleto/{attempt}", get(sandbox_pages::boleto_page))
        .route("/sandbox/boleto/{attempt}/pay", post(sandbox_pages::boleto_pay))
        .route("/sandbox/qr/{file}", get(sandbox_pages::qr_code))
        .layer(middleware::from_fn(buyer_page_headers));
    let pages = Router::new()
        .route("/assets/{*path}", get(asset))
        .route("/sdk/realtime.js", get(sdk::realtime_js))
        .route("/widget.js", get(support_pages::widget_js))
        .route("/widget/{file}", get(support_pages::widget_file))
        .route("/console", get(support_pages::console_page))
        .route("/demo/shop/{merchant}", get(support_pages::shop_page))
        .route("/healthz", get(operations::healthz))
        .route("/v1/realtime", get(routes::realtime::socket))
        .route("/metrics", get(operations::metrics))
        .route("/openapi.json", get(docs::openapi))
        .route("/docs", get(docs::reference));
    api.merge(uploads)
        .merge(messages)
        .merge(widget_api)
        .merge(provider_webhooks)
        .merge(buyer_pages)
        .merge(pages)
        .fallback(not_found)
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            error::ApiError::internal(&std::io::Error::other("handler panicked")).into_response()
        }))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then drains open connections; the background
/// workers stop with it.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let webhooks =
        state.background_webhooks.then(|| tokio::spawn(worker::run_webhooks(state.clone(), worker_stopped.clone())));
    let realtime = tokio::spawn(worker::run_realtime(state.clone(), worker_stopped.clone()));
    let fold = (state.background_ledger_fold && state.store.backend() == tradewind_storage::Backend::Postgres)
        .then(|| tokio::spawn(worker::run_ledger_fold(state.store.clone(), worker_stopped.clone())));
    let worker = tokio::spawn(worker::run(state.clone(), worker_stopped));
    let hub = state.realtime.hub.clone();
    // WebSocket sessions outlive the HTTP connections they were upgraded from: when
    // shutdown starts, each is told to close with `going_away` so clients reconnect
    // elsewhere, while HTTP connections drain.
    let shutdown = async move {
        shutdown.await;
        hub.close_all();
    };
    // Without TCP_NODELAY a small write waits for the peer's (delayed, up to 40 ms) ACK
    // of the one before: a realtime subscriber getting frames faster than that sees them
    // late, and an HTTP reply written in pieces pays it too.
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
    });
    let result = axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await;
    let _ = stop_worker.send(true);
    let _ = worker.await;
    let _ = realtime.await;
    if let Some(fold) = fold {
        let _ = fold.await;
    }
    if let Some(webhooks) = webhooks {
        let _ = webhooks.await;
    }
    result
}
