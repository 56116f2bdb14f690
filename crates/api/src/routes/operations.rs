//! Operations endpoints: `/healthz` and Prometheus `/metrics`.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({"status": "ok"})).into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"}))).into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let counts = match tradewind_storage::payment_intents::counts_by_status_and_method(state.store.pool()).await {
        Ok(counts) => counts,
        Err(error) => {
            tracing::warn!(%error, "metrics query failed");
            Vec::new()
        }
    };
    state.metrics.realtime(&state.realtime.hub.stats());
    let body = state.metrics.render(&counts);
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}
