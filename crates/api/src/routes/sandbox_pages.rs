//! The sandbox providers' own pages, reached by the buyer's browser: the 3-D Secure
//! challenge, bank/wallet/PayPal redirects, the printable Boleto voucher and wallet QR
//! codes. They carry no API key: the unguessable attempt id is the capability, as a
//! provider's hosted page URL is.

use crate::error::{ApiError, ApiResult};
use crate::flows::sandbox;
use crate::pages::{self, SandboxPage, VoucherPage};
use crate::routes::payment_intents::persist;
use crate::state::AppState;
use crate::wire::json_column;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradewind_connectors::{qr, wallet};
use tradewind_payments::id::AttemptId;
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::merchants;
use tradewind_storage::payment_intents::{self, PaymentIntentRow};

struct Loaded {
    intent: PaymentIntentRow,
    attempt: AttemptRow,
    merchant_name: String,
    now: i64,
}

async fn load(state: &AppState, attempt_id: &str) -> ApiResult<Loaded> {
    let missing = || ApiError::not_found("payment_attempt", attempt_id);
    AttemptId::parse(attempt_id).map_err(|_| missing())?;
    let attempt = tradewind_storage::attempts::get(state.store.pool(), attempt_id).await?.ok_or_else(missing)?;
    let merchant = merchants::get(state.store.pool(), &attempt.merchant_id).await?.ok_or_else(missing)?;
    let intent = payment_intents::get(state.store.pool(), &attempt.merchant_id, &attempt.payment_intent_id)
        .await?
        .ok_or_else(missing)?;
    let now = state.clock.now().saturating_add(merchant.clock_offset_seconds);
    Ok(Loaded { intent, attempt, merchant_name: merchant.name, now })
}

fn page(result: Result<String, pages::PageError>) -> ApiResult<Response> {
    result.map(|html| Html(html).into_response()).map_err(|error| ApiError::internal(&error))
}

fn sandbox_page<'a>(loaded: &'a Loaded, action_url: String) -> ApiResult<SandboxPage<'a>> {
    Ok(SandboxPage {
        attempt_id: &loaded.attempt.id,
        method: &loaded.attempt.payment_method_type,
        merchant_name: &loaded.merchant_name,
        amount_minor: loaded.intent.amount,
        currency: crate::flows::validate::currency("currency", &loaded.intent.currency)?,
        action_url,
    })
}

fn closed_page(loaded: &Loaded) -> ApiResult<Response> {
    page(pages::render_message(
        "This payment is no longer waiting",
        &format!("The payment is {}. You can close this window.", loaded.intent.status.replace('_', " ")),
    ))
}

pub async fn three_ds_page(State(state): State<AppState>, Path(attempt_id): Path<String>) -> ApiResult<Response> {
    let loaded = load(&state, &attempt_id).await?;
    if sandbox::check_pending(&loaded.intent, &loaded.attempt).is_err() {
        return closed_page(&loaded);
    }
    page(pages::render_three_ds(&sandbox_page(&loaded, state.url(&format!("/sandbox/3ds/{attempt_id}")))?))
}

pub async fn redirect_page(State(state): State<AppState>, Path(attempt_id): Path<String>) -> ApiResult<Response> {
    let loaded = load(&state, &attempt_id).await?;
    if sandbox::check_pending(&loaded.intent, &loaded.attempt).is_err() {
        return closed_page(&loaded);
    }
    page(pages::render_redirect(&sandbox_page(&loaded, state.url(&format!("/sandbox/redirect/{attempt_id}")))?))
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    pub choice: String,
}

/// After the provider page: back to the merchant's return URL (with the intent id,
/// as Stripe appends it), or a closing message when there is none (QR flows).
pub(crate) fn after_choice(intent: &PaymentIntentRow, attempt: &AttemptRow) -> ApiResult<Response> {
    let return_url = attempt.return_url.clone();
    let qr_flow = json_column("payment_method_details", Some(&attempt.payment_method_details))
        .get(&attempt.payment_method_type)
        .and_then(|details| details.get("flow"))
        .and_then(|flow| flow.as_str())
        == Some("qr_code");
    match return_url {
        Some(url) if !qr_flow => {
            let separator = if url.contains('?') { '&' } else { '?' };
            let target = format!(
                "{url}{separator}payment_intent={}&payment_intent_client_secret={}",
                intent.id, intent.client_secret
            );
            Ok(Redirect::to(&target).into_response())
        }
        _ => page(pages::render_message(
            "Done",
            &format!(
                "The payment is {}. You can close this window and return to the shop.",
                intent.status.replace('_', " ")
            ),
        )),
    }
}

pub async fn three_ds_submit(
    State(state): State<AppState>,
    Path(attempt_id): Path<String>,
    Form(form): Form<ChoiceForm>,
) -> ApiResult<Response> {
    let mut loaded = load(&state, &attempt_id).await?;
    let approve = match form.choice.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(ApiError::invalid("choice", "parameter_invalid", "`choice` must be approve or decline.")),
    };
    sandbox::three_d_secure(&mut loaded.intent, &mut loaded.attempt, approve, loaded.now)?;
    persist(&state, &loaded.intent, None, Some(&loaded.attempt), loaded.now).await?;
    state.metrics.payment_status(loaded.intent.payment_method_type.as_deref(), &loaded.intent.status);
    after_choice(&loaded.intent, &loaded.attempt)
}

pub async fn redirect_submit(
    State(state): State<AppState>,
    Path(attempt_id): Path<String>,
    Form(form): Form<ChoiceForm>,
) -> ApiResult<Response> {
    let mut loaded = load(&state, &attempt_id).await?;
    let choice = wallet::RedirectChoice::parse(&form.choice).ok_or_else(|| {
        ApiError::invalid("choice", "parameter_invalid", "`choice` must be approve, decline or abandon.")
    })?;
    sandbox::redirect(&mut loaded.intent, &mut loaded.attempt, choice, loaded.now)?;
    persist(&state, &loaded.intent, None, Some(&loaded.attempt), loaded.now).await?;
    state.metrics.payment_status(loaded.intent.payment_method_type.as_deref(), &loaded.intent.status);
    after_choice(&loaded.intent, &loaded.attempt)
}

pub async fn boleto_page(State(state): State<AppState>, Path(attempt_id): Path<String>) -> ApiResult<Response> {
    let loaded = load(&state, &attempt_id).await?;
    if loaded.attempt.payment_method_type != "boleto" {
        return Err(ApiError::not_found("boleto", &attempt_id));
    }
    let details = json_column("payment_method_details", Some(&loaded.attempt.payment_method_details));
    let barcode = loaded.attempt.reference.clone().unwrap_or_default();
    let line = details["boleto"]["number"].as_str().unwrap_or_default().to_owned();
    let due = details["boleto"]["due_date"].as_str().unwrap_or_default().to_owned();
    let pending = sandbox::check_pending(&loaded.intent, &loaded.attempt).is_ok();
    let status = if pending { "pending" } else { loaded.attempt.status.as_str() };
    page(pages::render_boleto_voucher(&VoucherPage {
        attempt_id: &loaded.attempt.id,
        merchant_name: &loaded.merchant_name,
        amount_minor: loaded.intent.amount,
        currency: crate::flows::validate::currency("currency", &loaded.intent.currency)?,
        digitable_line: &line,
        barcode: &barcode,
        due_date: &due,
        payer_name: details["boleto"]["payer_name"].as_str(),
        payer_tax_id_masked: details["boleto"]["tax_id_masked"].as_str(),
        pay_action_url: pending.then(|| state.url(&format!("/sandbox/boleto/{attempt_id}/pay"))),
        status,
    }))
}

pub async fn boleto_pay(State(state): State<AppState>, Path(attempt_id): Path<String>) -> ApiResult<Response> {
    let mut loaded = load(&state, &attempt_id).await?;
    sandbox::pay_boleto(&mut loaded.intent, &mut loaded.attempt, loaded.now)?;
    persist(&state, &loaded.intent, None, Some(&loaded.attempt), loaded.now).await?;
    Ok(Redirect::to(&format!("/sandbox/boleto/{attempt_id}")).into_response())
}

pub async fn qr_code(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let attempt_id = file.strip_suffix(".svg").unwrap_or(&file);
    let loaded = load(&state, attempt_id).await?;
    let method = tradewind_payments::method::PaymentMethodType::parse(&loaded.attempt.payment_method_type)
        .map_err(|_| ApiError::not_found("payment_attempt", attempt_id))?;
    let currency = crate::flows::validate::currency("currency", &loaded.intent.currency)?;
    let payload = wallet::qr_payload(method, attempt_id, loaded.intent.amount, currency);
    let svg = qr::qr_svg(&payload).map_err(|error| ApiError::internal(&error))?;
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}
