//! `/v1/payment_intents`: create, retrieve, update, confirm, capture, cancel, list.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Authenticated, KeyKind, SecretAuth};
use crate::flows::{events, fx, money, outcome, validate};
use crate::state::AppState;
use crate::wire::list::{ListObject, page_limit};
use crate::wire::payment_intent::*;
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::id::PaymentIntentId;
use tradewind_payments::intent::{CaptureMethod, IntentEvent, IntentStatus};
use tradewind_storage::attempts::{self, AttemptRow};
use tradewind_storage::fx_quotes;
use tradewind_storage::payment_intents::{self, ListFilter, PaymentIntentRow};

const CANCELLATION_REASONS: [&str; 4] = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"];

pub fn client_secret_for(id: &str) -> String {
    format!("{id}_secret_{}", crate::keys::random_token(24))
}

/// Loads an intent of this merchant; a malformed id, a missing one and another
/// merchant's all answer the same 404.
pub async fn load(state: &AppState, merchant_id: &str, id: &str) -> ApiResult<PaymentIntentRow> {
    PaymentIntentId::parse(id).map_err(|_| ApiError::not_found("payment_intent", id))?;
    payment_intents::get(state.store.pool(), merchant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("payment_intent", id))
}

fn check_client_secret(auth: &Authenticated, intent: &PaymentIntentRow, given: Option<&str>) -> ApiResult<()> {
    match (auth.kind, given) {
        (KeyKind::Secret, None) => Ok(()),
        (_, Some(secret)) if secret == intent.client_secret => Ok(()),
        (KeyKind::Publishable, None) => Err(ApiError::invalid(
            "client_secret",
            "parameter_missing",
            "A publishable key needs the PaymentIntent's `client_secret`.",
        )),
        (_, Some(_)) => Err(ApiError::invalid(
            "client_secret",
            "payment_intent_invalid_parameter",
            "The client_secret provided does not match the client_secret associated with the PaymentIntent.",
        )),
    }
}

/// The intent's current attempt, if it was ever confirmed.
async fn latest_attempt(state: &AppState, intent: &PaymentIntentRow) -> ApiResult<Option<AttemptRow>> {
    match &intent.latest_attempt_id {
        Some(attempt_id) => Ok(attempts::get(state.store.pool(), attempt_id).await?),
        None => Ok(None),
    }
}

/// Writes an intent change (and optionally a new or changed attempt) with its event.
pub async fn persist(
    state: &AppState,
    intent: &PaymentIntentRow,
    new_attempt: Option<&AttemptRow>,
    changed_attempt: Option<&AttemptRow>,
    now: i64,
) -> ApiResult<()> {
    let mut transaction = state.store.begin().await?;
    // The stored row is the "before" of this change (the update below is conditional on
    // its version): its money effects are written with it.
    let stored = payment_intents::get_in(transaction.connection(), &intent.merchant_id, &intent.id).await?;
    let before = stored.as_ref().map(money::Before::of);
    if let Some(attempt) = new_attempt {
        attempts::insert(transaction.connection(), attempt).await?;
    }
    if !outcome::write_change_in(state, transaction.connection(), before.as_ref(), intent, changed_attempt, now).await?
    {
        return Err(ApiError::conflict(
            "lock_timeout",
            "This PaymentIntent was changed by another request at the same time; retry.",
        ));
    }
    transaction.commit().await?;
    Ok(())
}

/// What a new intent starts from.
pub struct NewIntent<'a> {
    pub merchant_id: String,
    pub amount: i64,
    pub currency: String,
    pub methods: &'a [tradewind_payments::method::PaymentMethodType],
    pub capture_method: CaptureMethod,
    pub customer: Option<CustomerDetails>,
    pub description: Option<String>,
    pub statement_descriptor: Option<String>,
    pub metadata: &'a std::collections::BTreeMap<String, String>,
    pub return_url: Option<String>,
    pub now: i64,
}

/// A new intent awaiting its payment method.
pub fn new_row(new: NewIntent) -> PaymentIntentRow {
    let id = PaymentIntentId::generate().to_string();
    PaymentIntentRow {
        client_secret: client_secret_for(&id),
        id,
        merchant_id: new.merchant_id,
        amount: new.amount,
        currency: new.currency,
        status: IntentStatus::RequiresPaymentMethod.as_str().to_owned(),
        capture_method: new.capture_method.as_str().to_owned(),
        payment_method_types: validate::join_methods(new.methods),
        payment_method_type: None,
        payment_method_details: None,
        amount_capturable: 0,
        amount_received: 0,
        amount_refunded: 0,
        customer: new.customer.map(|customer| serde_json::to_string(&customer).unwrap_or_default()),
        description: new.description,
        statement_descriptor: new.statement_descriptor,
        metadata: serde_json::to_string(new.metadata).unwrap_or_else(|_| "{}".into()),
        next_action: None,
        last_payment_error: None,
        cancellation_reason: None,
        latest_attempt_id: None,
        connector: None,
        return_url: new.return_url,
        expires_at: None,
        scheduled_at: None,
        scheduled_outcome: None,
        created_at: new.now,
        updated_at: new.now,
        version: 0,
        fx_quote_id: None,
        balance_transaction_id: None,
    }
}

/// The object as answered after a write: the stored version moved on by one.
fn answer(mut intent: PaymentIntentRow) -> Json<PaymentIntentObject> {
    intent.version += 1;
    Json(PaymentIntentObject::from_row(&intent))
}

/// Creates a payment intent; with `confirm: true` and `payment_method_data` it is confirmed at once.
#[utoipa::path(post, path = "/v1/payment_intents", request_body = CreatePaymentIntent,
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Payment intents")]
pub async fn create(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreatePaymentIntent>,
) -> ApiResult<Json<PaymentIntentObject>> {
    let now = auth.now(&state);
    let currency = validate::currency("currency", &body.currency)?;
    let amount = validate::positive_amount("amount", body.amount)?;
    let customer = validate::customer(body.customer)?;
    let country = customer.as_ref().and_then(|customer| customer.country.clone());
    let methods = validate::method_types(body.payment_method_types.as_deref(), country.as_deref(), currency, amount)?;
    let capture_method = validate::capture_method(body.capture_method.as_deref())?;
    if capture_method == CaptureMethod::Manual
        && let Some(method) = methods.iter().find(|method| !method.capability().manual_capture)
        && body.payment_method_types.is_some()
    {
        return Err(ApiError::invalid(
            "capture_method",
            "parameter_invalid",
            format!("{method} does not support manual capture."),
        ));
    }
    let methods: Vec<_> = match capture_method {
        CaptureMethod::Manual => methods.into_iter().filter(|method| method.capability().manual_capture).collect(),
        CaptureMethod::Automatic => methods,
    };
    validate::description(&body.description)?;
    validate::statement_descriptor(&body.statement_descriptor)?;
    validate::url("return_url", &body.return_url)?;
    let metadata = body.metadata.unwrap_or_default();
    validate::metadata(&metadata)?;
    if body.confirm == Some(true) && body.payment_method_data.is_none() {
        return Err(ApiError::invalid(
            "payment_method_data",
            "parameter_missing",
            "`confirm: true` needs `payment_method_data`.",
        ));
    }
    let mut intent = new_row(NewIntent {
        merchant_id: auth.merchant_id.to_string(),
        amount,
        currency: currency.code().to_owned(),
        methods: &methods,
        capture_method,
        customer,
        description: body.description,
        statement_descriptor: body.statement_descriptor,
        metadata: &metadata,
        return_url: body.return_url.clone(),
        now,
    });
    if body.fx_quote.is_some() && body.confirm != Some(true) {
        return Err(ApiError::invalid(
            "fx_quote",
            "parameter_invalid",
            "`fx_quote` applies when the payment is confirmed: send it with `confirm: true`, or to /confirm.",
        ));
    }
    if let Some(quote) = &body.fx_quote {
        fx::check_payment_quote(&state, &intent, quote, now).await?;
    }
    let confirmed = match (&body.payment_method_data, body.confirm) {
        (Some(data), Some(true)) => {
            let (mut confirmed, earlier) =
                crate::flows::routing::confirm(&state, intent.clone(), data, body.return_url, now).await?;
            confirmed.intent.fx_quote_id.clone_from(&body.fx_quote);
            Some((confirmed, earlier))
        }
        (Some(data), _) => {
            // Attach only: check the method now, confirm later.
            let method = tradewind_payments::method::PaymentMethodType::parse(&data.method_type).map_err(|error| {
                ApiError::invalid("payment_method_data[type]", "parameter_invalid", error.to_string())
            })?;
            if !methods.contains(&method) {
                return Err(ApiError::invalid(
                    "payment_method_data[type]",
                    "payment_method_unavailable",
                    format!("{method} is not available for this payment."),
                ));
            }
            outcome::transition(&mut intent, IntentEvent::AttachMethod)?;
            intent.payment_method_type = Some(method.as_str().to_owned());
            None
        }
        (None, _) => None,
    };
    let created = intent.clone();
    // One batch, one transaction: on SQLite a single trip to the writer.
    let mut batch = state.store.batch();
    payment_intents::insert_in(&mut batch, &created)?;
    let mut created_event = events::for_intent(&created, now);
    created_event.event_type = "payment_intent.created".to_owned();
    tradewind_storage::events::insert_in(&mut batch, &created_event)?;
    let (final_intent, declined) = match confirmed {
        Some((mut confirmed, earlier)) => {
            for attempt in &earlier {
                attempts::insert_in(&mut batch, attempt)?;
            }
            attempts::insert_in(&mut batch, &confirmed.attempt)?;
            let effects = money::intent_effects(&state, &money::Before::of(&created), &confirmed.intent, now).await?;
            effects.name_charge(&mut confirmed.intent);
            payment_intents::update_in(&mut batch, &confirmed.intent)?;
            tradewind_storage::events::insert_in(&mut batch, &events::for_intent(&confirmed.intent, now))?;
            effects.queue(&mut batch, now)?;
            if let Some(quote) = &body.fx_quote {
                fx_quotes::claim_in(&mut batch, auth.merchant_id.as_str(), quote, &confirmed.intent.id, now)?;
            }
            let mut stored = confirmed.intent;
            stored.version += 1;
            (stored, confirmed.declined)
        }
        None => (created, None),
    };
    if let Some(quote) = &body.fx_quote {
        // The update and the quote's booking each return a row.
        if !state.store.write_if_returned(batch, 2).await? {
            return Err(fx::claim_refusal(&state, auth.merchant_id.as_str(), quote, now).await);
        }
    } else {
        state.store.write(batch).await?;
    }
    state.metrics.payment_status(final_intent.payment_method_type.as_deref(), &final_intent.status);
    let object = PaymentIntentObject::from_row(&final_intent);
    if let Some(declined) = declined {
        return Err(declined.with_payment_intent(object.to_value()));
    }
    Ok(Json(object))
}

/// Retrieves a payment intent (with a publishable key, pass its `client_secret`).
#[utoipa::path(get, path = "/v1/payment_intents/{id}", params(("id" = String, Path), RetrieveQuery),
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Payment intents")]
pub async fn retrieve(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    query: Result<Query<RetrieveQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<PaymentIntentObject>> {
    let query = query.map_err(crate::extract::query_error)?;
    let intent = load(&state, auth.merchant_id.as_str(), &id).await?;
    check_client_secret(&auth, &intent, query.client_secret.as_deref())?;
    Ok(Json(PaymentIntentObject::from_row(&intent)))
}

/// Updates amount, currency, methods, customer, description or metadata before confirmation.
#[utoipa::path(post, path = "/v1/payment_intents/{id}", request_body = UpdatePaymentIntent, params(("id" = String, Path)),
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Payment intents")]
pub async fn update(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdatePaymentIntent>,
) -> ApiResult<Json<PaymentIntentObject>> {
    let now = auth.now(&state);
    let mut intent = load(&state, auth.merchant_id.as_str(), &id).await?;
    outcome::transition(&mut intent, IntentEvent::Update)?;
    let currency = match &body.currency {
        Some(code) => validate::currency("currency", code)?,
        None => validate::currency("currency", &intent.currency)?,
    };
    let amount = match body.amount {
        Some(amount) => validate::positive_amount("amount", amount)?,
        None => intent.amount,
    };
    if let Some(customer) = validate::customer(body.customer)? {
        intent.customer = Some(serde_json::to_string(&customer).unwrap_or_default());
    }
    let customer = crate::wire::json_column("customer", intent.customer.as_deref());
    let country = customer.get("country").and_then(|value| value.as_str()).map(str::to_owned);
    let requested: Option<Vec<String>> = body.payment_method_types.or_else(|| {
        (body.amount.is_some() || body.currency.is_some())
            .then(|| intent.payment_method_types.split(',').map(str::to_owned).collect())
    });
    if requested.is_some() || body.amount.is_some() || body.currency.is_some() {
        let methods = validate::method_types(requested.as_deref(), country.as_deref(), currency, amount)?;
        intent.payment_method_types = validate::join_methods(&methods);
    }
    if body.capture_method.is_some() {
        intent.capture_method = validate::capture_method(body.capture_method.as_deref())?.as_str().to_owned();
    }
    validate::description(&body.description)?;
    validate::statement_descriptor(&body.statement_descriptor)?;
    if let Some(metadata) = body.metadata {
        let mut merged: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&intent.metadata).unwrap_or_default();
        for (key, value) in metadata {
            if value.is_empty() {
                merged.remove(&key);
            } else {
                merged.insert(key, value);
            }
        }
        validate::metadata(&merged)?;
        intent.metadata = serde_json::to_string(&merged).unwrap_or_else(|_| "{}".into());
    }
    if let Some(data) = &body.payment_method_data {
        let method = tradewind_payments::method::PaymentMethodType::parse(&data.method_type)
            .map_err(|error| ApiError::invalid("payment_method_data[type]", "parameter_invalid", error.to_string()))?;
        outcome::transition(&mut intent, IntentEvent::AttachMethod)?;
        intent.payment_method_type = Some(method.as_str().to_owned());
    }
    intent.amount = amount;
    intent.currency = currency.code().to_owned();
    if body.description.is_some() {
        intent.description = body.description;
    }
    if body.statement_descriptor.is_some() {
        intent.statement_descriptor = body.statement_descriptor;
    }
    intent.updated_at = now;
    persist(&state, &intent, None, None, now).await?;
    Ok(answer(intent))
}

/// Confirms with the buyer's `payment_method_data`; answers the intent, with `next_action` when the buyer must act, or 402 when declined.
#[utoipa::path(post, path = "/v1/payment_intents/{id}/confirm", request_body = ConfirmPaymentIntent, params(("id" = String, Path)),
    responses((status = 200, body = PaymentIntentObject), (status = 402, description = "Declined")), security(("bearer" = [])), tag = "Payment intents")]
pub async fn confirm_intent(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConfirmPaymentIntent>,
) -> ApiResult<Json<PaymentIntentObject>> {
    let now = auth.now(&state);
    let intent = load(&state, auth.merchant_id.as_str(), &id).await?;
    check_client_secret(&auth, &intent, body.client_secret.as_deref())?;
    let data = body.payment_method_data.as_ref().ok_or_else(|| {
        ApiError::invalid(
            "payment_method_data",
            "parameter_missing",
            "You must provide `payment_method_data` to confirm this PaymentIntent.",
        )
    })?;
    let previous_attempt = intent.latest_attempt_id.clone().filter(|_| intent.status == "requires_action");
    if let Some(quote) = &body.fx_quote {
        fx::check_payment_quote(&state, &intent, quote, now).await?;
    }
    let before = money::Before::of(&intent);
    let (mut confirmed, earlier) = crate::flows::routing::confirm(&state, intent, data, body.return_url, now).await?;
    if body.fx_quote.is_some() {
        confirmed.intent.fx_quote_id.clone_from(&body.fx_quote);
    }
    let effects = money::intent_effects(&state, &before, &confirmed.intent, now).await?;
    effects.name_charge(&mut confirmed.intent);
    // One batch, kept only if the intent's update won: it is the only statement that
    // returns a row.
    let mut batch = state.store.batch();
    if let Some(previous) = previous_attempt {
        attempts::set_status_in(&mut batch, &previous, outcome::attempt_status::ABANDONED, now)?;
    }
    for attempt in &earlier {
        attempts::insert_in(&mut batch, attempt)?;
    }
    attempts::insert_in(&mut batch, &confirmed.attempt)?;
    payment_intents::update_in(&mut batch, &confirmed.intent)?;
    tradewind_storage::events::insert_in(&mut batch, &events::for_intent(&confirmed.intent, now))?;
    effects.queue(&mut batch, now)?;
    if let Some(quote) = &body.fx_quote {
        fx_quotes::claim_in(&mut batch, auth.merchant_id.as_str(), quote, &confirmed.intent.id, now)?;
    }
    // The intent's update returns a row, and so does the quote's booking.
    let rows_required = 1 + u64::from(body.fx_quote.is_some());
    if !state.store.write_if_returned(batch, rows_required).await? {
        if let Some(quote) = &body.fx_quote
            && !fx::quote_claimable(&state, auth.merchant_id.as_str(), quote, &confirmed.intent.id, now).await?
        {
            return Err(fx::claim_refusal(&state, auth.merchant_id.as_str(), quote, now).await);
        }
        return Err(ApiError::conflict(
            "lock_timeout",
            "This PaymentIntent was changed by another request at the same time; retry.",
        ));
    }
    state.metrics.payment_status(confirmed.intent.payment_method_type.as_deref(), &confirmed.intent.status);
    let Json(object) = answer(confirmed.intent);
    if let Some(declined) = confirmed.declined {
        return Err(declined.with_payment_intent(object.to_value()));
    }
    Ok(Json(object))
}

/// Captures an authorised payment, fully or partly (`amount_to_capture`).
#[utoipa::path(post, path = "/v1/payment_intents/{id}/capture", request_body = CapturePaymentIntent, params(("id" = String, Path)),
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Payment intents")]
pub async fn capture(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CapturePaymentIntent>,
) -> ApiResult<Json<PaymentIntentObject>> {
    let now = auth.now(&state);
    let mut intent = load(&state, auth.merchant_id.as_str(), &id).await?;
    let capturable = intent.amount_capturable;
    let amount = body.amount_to_capture.unwrap_or(capturable);
    outcome::transition(&mut intent.clone(), IntentEvent::Capture)?;
    if amount <= 0 || amount > capturable {
        return Err(ApiError::invalid(
            "amount_to_capture",
            if amount <= 0 { "amount_too_small" } else { "amount_too_large" },
            format!("`amount_to_capture` must be between 1 and the capturable amount ({capturable})."),
        ));
    }
    outcome::transition(&mut intent, IntentEvent::Capture)?;
    intent.amount_received = amount;
    intent.amount_capturable = 0;
    intent.updated_at = now;
    let attempt = latest_attempt(&state, &intent).await?.map(|mut attempt| {
        attempt.status = outcome::attempt_status::CAPTURED.to_owned();
        attempt.amount_received = amount;
        attempt.updated_at = now;
        attempt
    });
    persist(&state, &intent, None, attempt.as_ref(), now).await?;
    state.metrics.payment_status(intent.payment_method_type.as_deref(), &intent.status);
    Ok(answer(intent))
}

/// Cancels a payment that is not yet processing or paid.
#[utoipa::path(post, path = "/v1/payment_intents/{id}/cancel", request_body = CancelPaymentIntent, params(("id" = String, Path)),
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Payment intents")]
pub async fn cancel(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CancelPaymentIntent>,
) -> ApiResult<Json<PaymentIntentObject>> {
    let now = auth.now(&state);
    if let Some(reason) = &body.cancellation_reason
        && !CANCELLATION_REASONS.contains(&reason.as_str())
    {
        return Err(ApiError::invalid(
            "cancellation_reason",
            "parameter_invalid",
            "`cancellation_reason` must be duplicate, fraudulent, requested_by_customer or abandoned.",
        ));
    }
    let mut intent = load(&state, auth.merchant_id.as_str(), &id).await?;
    outcome::transition(&mut intent, IntentEvent::Cancel)?;
    intent.cancellation_reason = Some(body.cancellation_reason.unwrap_or_else(|| "requested_by_customer".to_owned()));
    intent.amount_capturable = 0;
    intent.next_action = None;
    intent.expires_at = None;
    intent.updated_at = now;
    let attempt = latest_attempt(&state, &intent).await?.map(|mut attempt| {
        attempt.status = outcome::attempt_status::CANCELED.to_owned();
        attempt.updated_at = now;
        attempt
    });
    persist(&state, &intent, None, attempt.as_ref(), now).await?;
    state.metrics.payment_status(intent.payment_method_type.as_deref(), &intent.status);
    Ok(answer(intent))
}

/// Lists payment intents, newest first, with cursor pagination and filters.
#[utoipa::path(get, path = "/v1/payment_intents", params(ListPaymentIntents),
    responses((status = 200, body = ListObject<PaymentIntentObject>)), security(("bearer" = [])), tag = "Payment intents")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListPaymentIntents>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<PaymentIntentObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(status) = &query.status
        && IntentStatus::parse(status).is_none()
    {
        return Err(ApiError::invalid(
            "status",
            "parameter_invalid",
            format!("`{status}` is not a payment intent status."),
        ));
    }
    if let Some(method) = &query.payment_method_type {
        tradewind_payments::method::PaymentMethodType::parse(method)
            .map_err(|error| ApiError::invalid("payment_method_type", "parameter_invalid", error.to_string()))?;
    }
    if let Some(cursor) = &query.starting_after {
        PaymentIntentId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    let filter = ListFilter {
        status: query.status,
        payment_method_type: query.payment_method_type,
        created_gte: query.created_gte,
        created_lte: query.created_lte,
        starting_after: query.starting_after,
        limit: limit + 1,
    };
    let rows = payment_intents::list(state.store.pool(), auth.merchant_id.as_str(), &filter).await?;
    let data = rows.iter().map(PaymentIntentObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/payment_intents")))
}

/// Lists every confirmation attempt of a payment intent: connector, method details, outcome, decline code.
#[utoipa::path(get, path = "/v1/payment_intents/{id}/attempts", params(("id" = String, Path)),
    responses((status = 200, body = ListObject<PaymentAttemptObject>)), security(("bearer" = [])), tag = "Payment intents")]
pub async fn list_attempts(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<ListObject<PaymentAttemptObject>>> {
    let intent = load(&state, auth.merchant_id.as_str(), &id).await?;
    let rows = attempts::list_for_intent(state.store.pool(), auth.merchant_id.as_str(), &intent.id).await?;
    let limit = rows.len() as i64;
    let data = rows.iter().map(PaymentAttemptObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, &format!("/v1/payment_intents/{id}/attempts"))))
}
