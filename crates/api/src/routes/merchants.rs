//! `/v1/account`: the merchant itself, and rolling its keys.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::keys::insert_key;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest a rolled key may keep working, so integrations can switch over.
pub const ROLL_GRACE_SECONDS_MAX: i64 = 7 * 86_400;

#[derive(Serialize, ToSchema)]
pub struct AccountObject {
    pub id: String,
    pub object: &'static str,
    pub name: String,
}

/// Retrieves the merchant account the key belongs to.
#[utoipa::path(get, path = "/v1/account", responses((status = 200, body = AccountObject)), security(("bearer" = [])), tag = "Account")]
pub async fn retrieve(SecretAuth(auth): SecretAuth) -> Json<AccountObject> {
    Json(AccountObject { id: auth.merchant_id.to_string(), object: "account", name: auth.merchant_name })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollKeys {
    /// `secret` or `publishable`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Seconds the old key keeps working (0 to 604800); default 0.
    pub expires_in: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RolledKey {
    pub object: &'static str,
    #[serde(rename = "type")]
    pub kind: String,
    /// Shown once; only its hash is kept.
    pub key: String,
    pub previous_expires_at: i64,
}

/// Rolls a key: returns a new one (shown once) and ends the old one, now or after `expires_in` seconds.
#[utoipa::path(post, path = "/v1/account/keys/roll", request_body = RollKeys,
    responses((status = 200, body = RolledKey)), security(("bearer" = [])), tag = "Account")]
pub async fn roll(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<RollKeys>,
) -> ApiResult<(axum::Extension<crate::idempotency::NotStored>, Json<RolledKey>)> {
    if body.kind != "secret" && body.kind != "publishable" {
        return Err(ApiError::invalid("type", "parameter_invalid", "`type` must be `secret` or `publishable`."));
    }
    let grace = body.expires_in.unwrap_or(0);
    if !(0..=ROLL_GRACE_SECONDS_MAX).contains(&grace) {
        return Err(ApiError::invalid("expires_in", "parameter_invalid", "`expires_in` must be 0 to 604800 seconds."));
    }
    // Key expiry runs on real time, not the sandbox clock.
    let now = state.clock.now();
    let expires_at = now + grace;
    let mut transaction = state.store.begin().await?;
    let expired = tradewind_storage::api_keys::expire_kind(
        transaction.connection(),
        auth.merchant_id.as_str(),
        &body.kind,
        expires_at,
    )
    .await?;
    let key = insert_key(transaction.connection(), auth.merchant_id.as_str(), &body.kind, now).await?;
    transaction.commit().await?;
    state.key_cache.forget_keys(&expired);
    let rolled = RolledKey { object: "api_key", kind: body.kind, key, previous_expires_at: expires_at };
    Ok((axum::Extension(crate::idempotency::NotStored), Json(rolled)))
}
