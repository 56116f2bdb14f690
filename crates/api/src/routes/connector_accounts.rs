//! `/v1/connector_accounts`: a merchant's accounts with the connectors that process its
//! payments. Create (a sandbox account's answer carries its generated webhook secret,
//! once), list in the merchant's order, retrieve, update, disable (`DELETE`: payments
//! refer to the account, so it stays), and a sandbox account's fault injection
//! (`/faults`). Credentials go in; only masked hints come out.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::connector_accounts::{self as flow, CONNECTOR_ACCOUNTS_PER_MERCHANT_MAX};
use crate::idempotency::NotStored;
use crate::state::AppState;
use crate::wire::connector_account::{
    ConnectorAccountListQuery, ConnectorAccountObject, ConnectorFaultsObject, CreateConnectorAccount, FaultsInput,
    FaultsObject, UpdateConnectorAccount,
};
use crate::wire::json_column;
use crate::wire::list::{ListObject, page_limit};
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::id::ConnectorAccountId;
use tradewind_payments::method::PaymentMethodType;
use tradewind_storage::connector_accounts::{self, ConnectorAccountRow};

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("connector account", id)
}

async fn load(state: &AppState, merchant_id: &str, id: &str) -> ApiResult<ConnectorAccountRow> {
    ConnectorAccountId::parse(id).map_err(|_| not_found(id))?;
    connector_accounts::get(state.store.pool(), merchant_id, id).await?.ok_or_else(|| not_found(id))
}

fn object(state: &AppState, row: &ConnectorAccountRow) -> ConnectorAccountObject {
    ConnectorAccountObject::from_row(row, state.url(&format!("/v1/connectors/{}/webhooks", row.id)))
}

/// Creates a connector account. Its credentials are stored encrypted and shown masked;
/// a sandbox account's answer carries the `whsec_` secret its webhooks are signed with,
/// shown this once (the answer is not kept for idempotent replays).
#[utoipa::path(post, path = "/v1/connector_accounts", request_body = CreateConnectorAccount,
    responses((status = 200, body = ConnectorAccountObject)), security(("bearer" = [])), tag = "Connectors")]
pub async fn create(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateConnectorAccount>,
) -> ApiResult<(axum::Extension<NotStored>, Json<ConnectorAccountObject>)> {
    let now = auth.now(&state);
    let merchant_id = auth.merchant_id.as_str();
    let mut transaction = state.store.begin().await?;
    let (count, next_position) =
        connector_accounts::count_and_next_position(transaction.connection(), merchant_id).await?;
    let (row, webhook_secret) = flow::new_row(&state, merchant_id, body, next_position, now)?;
    if count >= CONNECTOR_ACCOUNTS_PER_MERCHANT_MAX {
        return Err(ApiError::bad_request(
            "connector_account_limit",
            format!("An account may have at most {CONNECTOR_ACCOUNTS_PER_MERCHANT_MAX} connector accounts."),
        ));
    }
    connector_accounts::insert(transaction.connection(), &row).await?;
    transaction.commit().await?;
    state.routing.forget(merchant_id);
    let mut answer = object(&state, &row);
    answer.webhook_secret = webhook_secret.map(|secret| secret.expose().to_owned());
    Ok((axum::Extension(NotStored), Json(answer)))
}

/// Lists connector accounts in the merchant's order (`position`, then creation).
#[utoipa::path(get, path = "/v1/connector_accounts", params(ConnectorAccountListQuery),
    responses((status = 200, body = ListObject<ConnectorAccountObject>)), security(("bearer" = [])), tag = "Connectors")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ConnectorAccountListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<ConnectorAccountObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        ConnectorAccountId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(method) = &query.payment_method {
        PaymentMethodType::parse(method)
            .map_err(|error| ApiError::invalid("payment_method", "parameter_invalid", error.to_string()))?;
    }
    let rows = connector_accounts::list(
        state.store.pool(),
        auth.merchant_id.as_str(),
        query.payment_method.as_deref(),
        query.starting_after.as_deref(),
        limit + 1,
    )
    .await?;
    let data = rows.iter().map(|row| object(&state, row)).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/connector_accounts")))
}

/// Retrieves a connector account (credentials masked).
#[utoipa::path(get, path = "/v1/connector_accounts/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ConnectorAccountObject)), security(("bearer" = [])), tag = "Connectors")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectorAccountObject>> {
    let row = load(&state, auth.merchant_id.as_str(), &id).await?;
    Ok(Json(object(&state, &row)))
}

/// Updates a connector account: label, status, payment methods, countries, currencies,
/// fees, settlement currency, FX spread, base URL, credentials (replaced whole),
/// faults (sandbox) or position.
#[utoipa::path(post, path = "/v1/connector_accounts/{id}", params(("id" = String, Path)),
    request_body = UpdateConnectorAccount,
    responses((status = 200, body = ConnectorAccountObject)), security(("bearer" = [])), tag = "Connectors")]
pub async fn update(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateConnectorAccount>,
) -> ApiResult<Json<ConnectorAccountObject>> {
    let row = load(&state, auth.merchant_id.as_str(), &id).await?;
    let row = flow::updated_row(&state, row, body, auth.now(&state))?;
    save(&state, &row).await?;
    Ok(Json(object(&state, &row)))
}

/// Disables a connector account: routing stops using it; payments made through it,
/// and its provider's webhooks about them, still work.
#[utoipa::path(delete, path = "/v1/connector_accounts/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ConnectorAccountObject)), security(("bearer" = [])), tag = "Connectors")]
pub async fn disable(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectorAccountObject>> {
    let mut row = load(&state, auth.merchant_id.as_str(), &id).await?;
    row.status = "disabled".to_owned();
    row.updated_at = auth.now(&state);
    save(&state, &row).await?;
    Ok(Json(object(&state, &row)))
}

/// Writes a changed row; 404 when it is no longer this merchant's.
async fn save(state: &AppState, row: &ConnectorAccountRow) -> ApiResult<()> {
    let mut transaction = state.store.begin().await?;
    if !connector_accounts::update(transaction.connection(), row).await? {
        return Err(not_found(&row.id));
    }
    transaction.commit().await?;
    state.routing.forget(&row.merchant_id);
    Ok(())
}

fn faults_object(row: &ConnectorAccountRow) -> ApiResult<ConnectorFaultsObject> {
    let faults = match json_column("faults", row.faults.as_deref()) {
        serde_json::Value::Null => FaultsObject::default(),
        value => serde_json::from_value(value).map_err(|error| ApiError::internal(&error))?,
    };
    Ok(ConnectorFaultsObject { object: "connector_faults", connector_account: row.id.clone(), faults })
}

/// A sandbox connector account's faults.
#[utoipa::path(get, path = "/v1/connector_accounts/{id}/faults", params(("id" = String, Path)),
    responses((status = 200, body = ConnectorFaultsObject)), security(("bearer" = [])), tag = "Connectors")]
pub async fn retrieve_faults(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectorFaultsObject>> {
    let row = load(&state, auth.merchant_id.as_str(), &id).await?;
    flow::checked_faults(&row, &FaultsObject::default())?;
    Ok(Json(faults_object(&row)?))
}

/// Replaces a sandbox connector account's faults; `{}` clears them. Real connectors
/// answer 400 `faults_not_supported`.
#[utoipa::path(post, path = "/v1/connector_accounts/{id}/faults", params(("id" = String, Path)),
    request_body = FaultsObject,
    responses((status = 200, body = ConnectorFaultsObject)), security(("bearer" = [])), tag = "Connectors")]
pub async fn replace_faults(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(FaultsInput(body)): ApiJson<FaultsInput>,
) -> ApiResult<Json<ConnectorFaultsObject>> {
    let mut row = load(&state, auth.merchant_id.as_str(), &id).await?;
    row.faults = Some(flow::checked_faults(&row, &body)?);
    row.updated_at = auth.now(&state);
    save(&state, &row).await?;
    Ok(Json(faults_object(&row)?))
}
