//! Who is calling the support desk: an agent signed in to the console (`ags_…`), the
//! merchant's backend with its secret key (an admin with no agent identity), or a buyer
//! in the widget (`wvt_…`). Tokens are shown once; only their SHA-256 is stored.
//! Console passwords are Argon2id with a random salt.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tradewind_payments::id::MerchantId;
use tradewind_storage::support::agents::AgentRow;
use tradewind_storage::support::contacts::ContactRow;

use crate::error::{ApiError, ApiResult};
use crate::extract::authenticate;
use crate::keys::{hash_key, random_token};
use crate::state::AppState;

pub const AGENT_SESSION_PREFIX: &str = "ags_";
pub const VISITOR_TOKEN_PREFIX: &str = "wvt_";
/// How long a console sign-in lasts.
pub const AGENT_SESSION_SECONDS: i64 = 12 * 3600;
/// Random characters after a token's prefix.
const TOKEN_RANDOM_LENGTH: usize = 40;
/// Bytes of salt and of Argon2 output in a stored password hash.
const PASSWORD_SALT_BYTES: usize = 16;
const PASSWORD_HASH_BYTES: usize = 32;
/// The longest password accepted (Argon2 takes any length; this bounds the work).
pub const PASSWORD_LENGTH_MAX: usize = 256;
pub const PASSWORD_LENGTH_MIN: usize = 8;

pub fn new_token(prefix: &str) -> String {
    format!("{prefix}{}", random_token(TOKEN_RANDOM_LENGTH))
}

pub fn token_hash(token: &str) -> String {
    hash_key(token)
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
struct PasswordError(String);

/// `argon2id$<salt hex>$<hash hex>` with the crate's default parameters (19 MiB, t=2).
pub fn hash_password(password: &str) -> ApiResult<String> {
    let salt: [u8; PASSWORD_SALT_BYTES] = rand::random();
    let mut output = [0u8; PASSWORD_HASH_BYTES];
    argon2::Argon2::default()
        .hash_password_into(password.as_bytes(), &salt, &mut output)
        .map_err(|error| ApiError::internal(&PasswordError(error.to_string())))?;
    Ok(format!("argon2id${}${}", hex::encode(salt), hex::encode(output)))
}

/// Whether `password` matches a stored hash, compared in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("argon2id"), Some(salt), Some(expected), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(salt), Ok(expected)) = (hex::decode(salt), hex::decode(expected)) else { return false };
    let mut output = vec![0u8; expected.len()];
    if argon2::Argon2::default().hash_password_into(password.as_bytes(), &salt, &mut output).is_err() {
        return false;
    }
    output.iter().zip(&expected).fold(0u8, |difference, (left, right)| difference | (left ^ right)) == 0
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    value.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, token)| token.trim())
}

/// A caller of the desk's API: an agent, or the merchant's backend.
#[derive(Debug, Clone)]
pub struct Desk {
    pub merchant_id: MerchantId,
    pub clock_offset_seconds: i64,
    /// The signed-in agent; `None` for a secret key.
    pub agent: Option<AgentRow>,
}

impl Desk {
    /// The merchant's "now" (real time plus its sandbox clock offset).
    pub fn now(&self, state: &AppState) -> i64 {
        state.clock.now().saturating_add(self.clock_offset_seconds)
    }

    /// `api` for a secret key, else the agent's id: the actor on the timeline.
    pub fn actor(&self) -> String {
        self.agent.as_ref().map_or_else(|| "api".to_owned(), |agent| agent.id.clone())
    }

    pub fn is_admin(&self) -> bool {
        self.agent.as_ref().is_none_or(|agent| agent.role == "admin")
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        if !self.is_admin() {
            return Err(ApiError::forbidden("Only an admin agent (or a secret key) may do this."));
        }
        Ok(())
    }

    pub fn merchant(&self) -> &str {
        self.merchant_id.as_str()
    }
}

impl FromRequestParts<AppState> for Desk {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer(parts).filter(|token| token.starts_with(AGENT_SESSION_PREFIX)) else {
            let authenticated = authenticate(parts, state).await?;
            authenticated.require_secret()?;
            return Ok(Desk {
                merchant_id: authenticated.merchant_id,
                clock_offset_seconds: authenticated.clock_offset_seconds,
                agent: None,
            });
        };
        let pool = state.store.pool();
        let expired = || ApiError::unauthorized("This console session is invalid or has expired; sign in again.");
        let session = tradewind_storage::support::agents::session(pool, &token_hash(token), state.clock.now())
            .await?
            .ok_or_else(expired)?;
        let agent = tradewind_storage::support::agents::get(pool, &session.merchant_id, &session.agent_id)
            .await?
            .filter(|agent| agent.disabled == 0)
            .ok_or_else(expired)?;
        let merchant = tradewind_storage::merchants::get(pool, &session.merchant_id).await?.ok_or_else(expired)?;
        let merchant_id = MerchantId::parse(&merchant.id).map_err(|error| ApiError::internal(&error))?;
        Ok(Desk { merchant_id, clock_offset_seconds: merchant.clock_offset_seconds, agent: Some(agent) })
    }
}

/// A buyer in the widget.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub merchant_id: MerchantId,
    pub clock_offset_seconds: i64,
    pub contact: ContactRow,
}

impl Visitor {
    pub fn now(&self, state: &AppState) -> i64 {
        state.clock.now().saturating_add(self.clock_offset_seconds)
    }

    pub fn merchant(&self) -> &str {
        self.merchant_id.as_str()
    }
}

/// The contact a widget token belongs to, if the token is one.
pub async fn visitor_of_token(state: &AppState, token: &str) -> ApiResult<Option<Visitor>> {
    if !token.starts_with(VISITOR_TOKEN_PREFIX) {
        return Ok(None);
    }
    let pool = state.store.pool();
    let Some(contact) = tradewind_storage::support::contacts::by_token_hash(pool, &token_hash(token)).await? else {
        return Ok(None);
    };
    let Some(merchant) = tradewind_storage::merchants::get(pool, &contact.merchant_id).await? else {
        return Ok(None);
    };
    let merchant_id = MerchantId::parse(&merchant.id).map_err(|error| ApiError::internal(&error))?;
    Ok(Some(Visitor { merchant_id, clock_offset_seconds: merchant.clock_offset_seconds, contact }))
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::unauthorized("The widget's visitor token is missing: use `Authorization: Bearer wvt_…`.")
        })?;
        visitor_of_token(state, token)
            .await?
            .ok_or_else(|| ApiError::unauthorized("This widget session is invalid; start a new one."))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_tokens_carry_prefixes() {
        let stored = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("correct horsf", &stored));
        assert!(!verify_password("correct horse", "argon2id$zz$00"));
        assert!(!verify_password("correct horse", ""));
        assert_ne!(hash_password("correct horse").unwrap(), stored, "salted");
        let token = new_token(AGENT_SESSION_PREFIX);
        assert!(token.starts_with("ags_") && token.len() == 44);
        assert_eq!(token_hash(&token).len(), 64);
    }
}
