//! Hosted checkout: `POST /v1/checkout_sessions`, payment links, and the buyer-facing
//! pages (`/checkout/{id}`, its return/complete/success steps, `/pay/{link}`).

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::{events, validate};
use crate::pages::{self, CheckoutPage, Locale, MethodOption};
use crate::routes::payment_intents::{NewIntent, new_row};
use crate::state::AppState;
use crate::wire::checkout::*;
use crate::wire::json_column;
use crate::wire::list::{ListObject, PageQuery, page_limit};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use tradewind_payments::id::{CheckoutSessionId, PaymentLinkId};
use tradewind_payments::method::PaymentMethodType;
use tradewind_storage::checkout::{self, CheckoutSessionRow, PaymentLinkRow};
use tradewind_storage::payment_intents::{self, PaymentIntentRow};

/// A checkout session stays open for a day, as Stripe's do.
pub const SESSION_LIFETIME_SECONDS: i64 = 86_400;

struct SessionInput {
    amount: i64,
    currency: String,
    customer: Option<crate::wire::payment_intent::CustomerDetails>,
    locale: Option<String>,
    success_url: Option<String>,
    cancel_url: Option<String>,
    description: Option<String>,
    payment_method_types: Option<Vec<String>>,
    capture_method: Option<String>,
    metadata: BTreeMap<String, String>,
    payment_link_id: Option<String>,
}

/// An open session past its lifetime reads as expired.
fn session_status(session: &CheckoutSessionRow, now: i64) -> &str {
    if session.status == "open" && now >= session.expires_at { "expired" } else { &session.status }
}

fn session_object(
    state: &AppState,
    session: &CheckoutSessionRow,
    intent: &PaymentIntentRow,
    now: i64,
) -> CheckoutSessionObject {
    let paid = matches!(intent.status.as_str(), "succeeded" | "requires_capture");
    CheckoutSessionObject {
        id: session.id.clone(),
        object: "checkout.session",
        url: state.url(&format!("/checkout/{}", session.id)),
        status: session_status(session, now).to_owned(),
        payment_status: if paid { "paid" } else { "unpaid" }.to_owned(),
        payment_intent: intent.id.clone(),
        payment_link: session.payment_link_id.clone(),
        amount_total: intent.amount,
        currency: intent.currency.to_ascii_lowercase(),
        locale: session.locale.clone(),
        success_url: session.success_url.clone(),
        cancel_url: session.cancel_url.clone(),
        created: session.created_at,
        expires_at: session.expires_at,
    }
}

async fn create_session(
    state: &AppState,
    merchant_id: &str,
    input: SessionInput,
    now: i64,
) -> ApiResult<(CheckoutSessionRow, PaymentIntentRow)> {
    let currency = validate::currency("currency", &input.currency)?;
    let amount = validate::positive_amount("amount", input.amount)?;
    let customer = validate::customer(input.customer)?;
    let country = customer.as_ref().and_then(|customer| customer.country.clone());
    let methods = validate::method_types(input.payment_method_types.as_deref(), country.as_deref(), currency, amount)?;
    let capture_method = validate::capture_method(input.capture_method.as_deref())?;
    if let Some(locale) = &input.locale
        && Locale::parse(locale).is_none()
    {
        return Err(ApiError::invalid(
            "locale",
            "parameter_invalid",
            "`locale` must be one of en, zh, es, pt, id, ar.",
        ));
    }
    validate::url("success_url", &input.success_url)?;
    validate::url("cancel_url", &input.cancel_url)?;
    validate::description(&input.description)?;
    validate::metadata(&input.metadata)?;
    let session_id = CheckoutSessionId::generate().to_string();
    let return_url = state.url(&format!("/checkout/{session_id}/return"));
    let intent = new_row(NewIntent {
        merchant_id: merchant_id.to_owned(),
        amount,
        currency: currency.code().to_owned(),
        methods: &methods,
        capture_method,
        customer: customer.clone(),
        description: input.description,
        statement_descriptor: None,
        metadata: &input.metadata,
        return_url: Some(return_url),
        now,
    });
    let session = CheckoutSessionRow {
        id: session_id,
        merchant_id: merchant_id.to_owned(),
        payment_intent_id: intent.id.clone(),
        payment_link_id: input.payment_link_id,
        status: "open".to_owned(),
        locale: input.locale,
        customer_country: country,
        customer_email: customer.as_ref().and_then(|customer| customer.email.clone()),
        customer_name: customer.as_ref().and_then(|customer| customer.name.clone()),
        success_url: input.success_url,
        cancel_url: input.cancel_url,
        created_at: now,
        expires_at: now + SESSION_LIFETIME_SECONDS,
    };
    let mut transaction = state.store.begin().await?;
    payment_intents::insert(transaction.connection(), &intent).await?;
    let mut created = events::for_intent(&intent, now);
    created.event_type = "payment_intent.created".to_owned();
    tradewind_storage::events::insert(transaction.connection(), &created).await?;
    checkout::insert_session(transaction.connection(), &session).await?;
    transaction.commit().await?;
    Ok((session, intent))
}

/// Creates a hosted checkout session; send the buyer to its `url`.
#[utoipa::path(post, path = "/v1/checkout_sessions", request_body = CreateCheckoutSession,
    responses((status = 200, body = CheckoutSessionObject)), security(("bearer" = [])), tag = "Checkout")]
pub async fn create(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateCheckoutSession>,
) -> ApiResult<Json<CheckoutSessionObject>> {
    let now = auth.now(&state);
    let input = SessionInput {
        amount: body.amount,
        currency: body.currency,
        customer: body.customer,
        locale: body.locale,
        success_url: body.success_url,
        cancel_url: body.cancel_url,
        description: body.description,
        payment_method_types: body.payment_method_types,
        capture_method: body.capture_method,
        metadata: body.metadata.unwrap_or_default(),
        payment_link_id: None,
    };
    let (session, intent) = create_session(&state, auth.merchant_id.as_str(), input, now).await?;
    Ok(Json(session_object(&state, &session, &intent, now)))
}

/// Retrieves a checkout session.
#[utoipa::path(get, path = "/v1/checkout_sessions/{id}", params(("id" = String, Path)),
    responses((status = 200, body = CheckoutSessionObject)), security(("bearer" = [])), tag = "Checkout")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<CheckoutSessionObject>> {
    let missing = || ApiError::not_found("checkout.session", &id);
    CheckoutSessionId::parse(&id).map_err(|_| missing())?;
    let session = checkout::get_session_for_merchant(state.store.pool(), auth.merchant_id.as_str(), &id)
        .await?
        .ok_or_else(missing)?;
    let intent = payment_intents::get(state.store.pool(), &session.merchant_id, &session.payment_intent_id)
        .await?
        .ok_or_else(missing)?;
    Ok(Json(session_object(&state, &session, &intent, auth.now(&state))))
}

struct Loaded {
    session: CheckoutSessionRow,
    intent: PaymentIntentRow,
    merchant_name: String,
    /// The merchant's clock.
    now: i64,
}

async fn load_session(state: &AppState, id: &str) -> ApiResult<Loaded> {
    let missing = || ApiError::not_found("checkout.session", id);
    CheckoutSessionId::parse(id).map_err(|_| missing())?;
    let session = checkout::get_session(state.store.pool(), id).await?.ok_or_else(missing)?;
    let intent = payment_intents::get(state.store.pool(), &session.merchant_id, &session.payment_intent_id)
        .await?
        .ok_or_else(missing)?;
    let merchant =
        tradewind_storage::merchants::get(state.store.pool(), &session.merchant_id).await?.ok_or_else(missing)?;
    let now = state.clock.now().saturating_add(merchant.clock_offset_seconds);
    Ok(Loaded { session, intent, merchant_name: merchant.name, now })
}

#[derive(Deserialize)]
pub struct PageParams {
    pub locale: Option<String>,
    pub error: Option<String>,
}

fn html(result: Result<String, pages::PageError>) -> ApiResult<Response> {
    result.map(|page| Html(page).into_response()).map_err(|error| ApiError::internal(&error))
}

pub async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let loaded = load_session(&state, &id).await?;
    if loaded.session.status == "complete" || loaded.intent.status == "succeeded" {
        return Ok(Redirect::to(&format!("/checkout/{id}/complete")).into_response());
    }
    if session_status(&loaded.session, loaded.now) == "expired" {
        return html(pages::render_message("This checkout has expired", "Return to the shop to start a new checkout."));
    }
    let accept_language = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
    let locale = Locale::negotiate(params.locale.as_deref().or(loaded.session.locale.as_deref()), accept_language);
    let now = state.clock.now();
    let publishable_key =
        tradewind_storage::api_keys::publishable_key(state.store.pool(), &loaded.session.merchant_id, now)
            .await?
            .ok_or_else(|| ApiError::conflict("no_publishable_key", "The merchant has no live publishable key."))?;
    let currency = validate::currency("currency", &loaded.intent.currency)?;
    let methods = loaded
        .intent
        .payment_method_types
        .split(',')
        .filter_map(|name| PaymentMethodType::parse(name).ok())
        .map(|method| {
            let capability = method.capability();
            MethodOption {
                method: method.as_str(),
                display_name: capability.display_name,
                legacy_note: capability.legacy_note,
            }
        })
        .collect();
    html(pages::render_checkout(&CheckoutPage {
        session_id: &loaded.session.id,
        publishable_key: &publishable_key,
        payment_intent_id: &loaded.intent.id,
        client_secret: &loaded.intent.client_secret,
        merchant_name: &loaded.merchant_name,
        description: loaded.intent.description.as_deref(),
        amount_minor: loaded.intent.amount,
        currency,
        country: loaded.session.customer_country.as_deref(),
        customer_email: loaded.session.customer_email.as_deref(),
        customer_name: loaded.session.customer_name.as_deref(),
        methods,
        locale,
        return_url: state.url(&format!("/checkout/{id}/return")),
        complete_url: state.url(&format!("/checkout/{id}/complete")),
        cancel_url: loaded.session.cancel_url.as_deref(),
        error_code: params.error.as_deref(),
    }))
}

/// Whether the buyer is done with this session: paid, or holding instructions to pay
/// (voucher, transfer, delivery) that the merchant will hear about later.
fn buyer_is_done(intent: &PaymentIntentRow) -> bool {
    match intent.status.as_str() {
        "succeeded" | "processing" | "requires_capture" => true,
        "requires_action" => {
            let next_action = json_column("next_action", intent.next_action.as_deref());
            matches!(next_action["type"].as_str(), Some("display_voucher" | "awaiting_transfer" | "awaiting_delivery"))
        }
        _ => false,
    }
}

async fn finish(state: &AppState, loaded: &Loaded) -> ApiResult<Response> {
    let id = &loaded.session.id;
    if !buyer_is_done(&loaded.intent) {
        let error = json_column("last_payment_error", loaded.intent.last_payment_error.as_deref());
        let code = error["decline_code"].as_str().or(error["code"].as_str()).unwrap_or("payment_incomplete");
        return Ok(Redirect::to(&format!("/checkout/{id}?error={code}")).into_response());
    }
    if loaded.session.status == "open" {
        let mut transaction = state.store.begin().await?;
        checkout::set_session_status(transaction.connection(), id, "open", "complete").await?;
        transaction.commit().await?;
    }
    let target = match &loaded.session.success_url {
        Some(url) => url.replace("{CHECKOUT_SESSION_ID}", id),
        None => format!("/checkout/{id}/success"),
    };
    Ok(Redirect::to(&target).into_response())
}

pub async fn return_from_provider(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let loaded = load_session(&state, &id).await?;
    finish(&state, &loaded).await
}

pub async fn complete(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let loaded = load_session(&state, &id).await?;
    finish(&state, &loaded).await
}

pub async fn success(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let loaded = load_session(&state, &id).await?;
    let accept_language = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
    let locale = Locale::negotiate(params.locale.as_deref().or(loaded.session.locale.as_deref()), accept_language);
    let currency = validate::currency("currency", &loaded.intent.currency)?;
    html(pages::render_success(
        locale,
        &loaded.merchant_name,
        loaded.intent.amount,
        currency,
        &loaded.intent.id,
        &loaded.intent.status,
    ))
}

fn link_object(state: &AppState, row: &PaymentLinkRow) -> PaymentLinkObject {
    PaymentLinkObject {
        id: row.id.clone(),
        object: "payment_link",
        url: state.url(&format!("/pay/{}", row.id)),
        amount: row.amount,
        currency: row.currency.to_ascii_lowercase(),
        description: row.description.clone(),
        success_url: row.success_url.clone(),
        active: row.active != 0,
        metadata: json_column("metadata", Some(&row.metadata)),
        created: row.created_at,
    }
}

/// Creates a reusable payment link for a fixed amount.
#[utoipa::path(post, path = "/v1/payment_links", request_body = CreatePaymentLink,
    responses((status = 200, body = PaymentLinkObject)), security(("bearer" = [])), tag = "Checkout")]
pub async fn create_link(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreatePaymentLink>,
) -> ApiResult<Json<PaymentLinkObject>> {
    let now = auth.now(&state);
    let currency = validate::currency("currency", &body.currency)?;
    let amount = validate::positive_amount("amount", body.amount)?;
    validate::method_types(None, None, currency, amount)?;
    validate::description(&body.description)?;
    validate::url("success_url", &body.success_url)?;
    let metadata = body.metadata.unwrap_or_default();
    validate::metadata(&metadata)?;
    let row = PaymentLinkRow {
        id: PaymentLinkId::generate().to_string(),
        merchant_id: auth.merchant_id.to_string(),
        amount,
        currency: currency.code().to_owned(),
        description: body.description,
        success_url: body.success_url,
        active: 1,
        metadata: serde_json::to_string(&metadata).unwrap_or_else(|_| "{}".into()),
        created_at: now,
    };
    let mut transaction = state.store.begin().await?;
    checkout::insert_link(transaction.connection(), &row).await?;
    transaction.commit().await?;
    Ok(Json(link_object(&state, &row)))
}

async fn load_link(state: &AppState, merchant_id: Option<&str>, id: &str) -> ApiResult<PaymentLinkRow> {
    let missing = || ApiError::not_found("payment_link", id);
    PaymentLinkId::parse(id).map_err(|_| missing())?;
    let row = checkout::get_link(state.store.pool(), id).await?.ok_or_else(missing)?;
    if merchant_id.is_some_and(|merchant| merchant != row.merchant_id) {
        return Err(missing());
    }
    Ok(row)
}

/// Retrieves a payment link.
#[utoipa::path(get, path = "/v1/payment_links/{id}", params(("id" = String, Path)),
    responses((status = 200, body = PaymentLinkObject)), security(("bearer" = [])), tag = "Checkout")]
pub async fn retrieve_link(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentLinkObject>> {
    let row = load_link(&state, Some(auth.merchant_id.as_str()), &id).await?;
    Ok(Json(link_object(&state, &row)))
}

/// Activates or deactivates a payment link.
#[utoipa::path(post, path = "/v1/payment_links/{id}", request_body = UpdatePaymentLink, params(("id" = String, Path)),
    responses((status = 200, body = PaymentLinkObject)), security(("bearer" = [])), tag = "Checkout")]
pub async fn update_link(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdatePaymentLink>,
) -> ApiResult<Json<PaymentLinkObject>> {
    let mut row = load_link(&state, Some(auth.merchant_id.as_str()), &id).await?;
    let mut transaction = state.store.begin().await?;
    checkout::set_link_active(transaction.connection(), auth.merchant_id.as_str(), &id, body.active).await?;
    transaction.commit().await?;
    row.active = i64::from(body.active);
    Ok(Json(link_object(&state, &row)))
}

/// Lists payment links, newest first.
#[utoipa::path(get, path = "/v1/payment_links", params(PageQuery),
    responses((status = 200, body = ListObject<PaymentLinkObject>)), security(("bearer" = [])), tag = "Checkout")]
pub async fn list_links(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<PaymentLinkObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        PaymentLinkId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    let rows =
        checkout::list_links(state.store.pool(), auth.merchant_id.as_str(), query.starting_after.as_deref(), limit + 1)
            .await?;
    let data = rows.iter().map(|row| link_object(&state, row)).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/payment_links")))
}

/// A buyer opens a payment link: a fresh checkout session each visit.
pub async fn open_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> ApiResult<Response> {
    let link = load_link(&state, None, &id).await?;
    if link.active == 0 {
        return html(pages::render_message("This link is no longer active", "Ask the seller for a new payment link."));
    }
    let merchant = tradewind_storage::merchants::get(state.store.pool(), &link.merchant_id)
        .await?
        .ok_or_else(|| ApiError::not_found("payment_link", &id))?;
    let now = state.clock.now().saturating_add(merchant.clock_offset_seconds);
    let input = SessionInput {
        amount: link.amount,
        currency: link.currency.clone(),
        customer: None,
        locale: params.locale.filter(|locale| Locale::parse(locale).is_some()),
        success_url: link.success_url.clone(),
        cancel_url: None,
        description: link.description.clone(),
        payment_method_types: None,
        capture_method: None,
        metadata: BTreeMap::new(),
        payment_link_id: Some(link.id.clone()),
    };
    let (session, _) = create_session(&state, &link.merchant_id, input, now).await?;
    Ok(Redirect::to(&format!("/checkout/{}", session.id)).into_response())
}
