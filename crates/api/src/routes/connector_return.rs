//! `GET /connectors/return/{attempt}`: where Stripe's 3-D Secure page and PayPal's
//! approval page send the buyer back. No API key: the unguessable attempt id is the
//! capability, as on the sandbox pages. The provider is asked how the payment ended
//! (PayPal's approved order is captured), the answer applied, and the buyer sent on to
//! the merchant's return URL with `payment_intent` and `payment_intent_client_secret`
//! (a checkout session's return step, for a hosted checkout). A second visit after the
//! payment is final asks nothing and redirects the same way.

use crate::error::ApiResult;
use crate::flows::provider_status;
use crate::routes::sandbox_pages::after_choice;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ReturnQuery {
    /// PayPal's cancel URL adds `canceled=true`: the buyer left without paying.
    #[serde(default)]
    pub canceled: Option<String>,
}

pub async fn return_from_provider(
    State(state): State<AppState>,
    Path(attempt_id): Path<String>,
    Query(query): Query<ReturnQuery>,
) -> ApiResult<Response> {
    let canceled = query.canceled.as_deref() == Some("true");
    let (intent, attempt) = provider_status::return_from_provider(&state, &attempt_id, canceled).await?;
    after_choice(&intent, &attempt)
}
