//! Connection tokens: HS256 JSON Web Tokens (RFC 7519) minted by
//! `POST /v1/realtime/tokens` with a merchant's secret key and presented on `connect`
//! and `refresh`.
//!
//! HS256 is written out here (HMAC-SHA256 from the workspace's `hmac` and `sha2`, and
//! base64url) rather than taken from a JWT crate, so only the one algorithm exists:
//! the header must say `"alg": "HS256"` exactly, and `none` or any other algorithm is
//! refused before the signature is looked at. The signature is compared in constant
//! time. The key is one secret per server, from configuration, taken as bytes and
//! never printed by `Debug`.
//!
//! Verification takes the current time as unix seconds; it refuses a token whose `exp`
//! has passed, whose `iat` is more than [`CLOCK_SKEW_SECONDS`] ahead, or whose lifetime
//! is longer than [`TOKEN_LIFETIME_SECONDS_MAX`].

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::grants::{Grant, GrantError, MerchantId, Permissions, UserId};
use crate::protocol::{CloseCode, ErrorCode};

/// The only algorithm accepted or produced.
pub const ALGORITHM: &str = "HS256";
/// Shortest key accepted, in bytes (the HMAC-SHA256 output size).
pub const KEY_LENGTH_MIN: usize = 32;
/// Longest token accepted, in bytes; longer ones are refused before decoding.
pub const TOKEN_LENGTH_MAX: usize = 8 * 1024;
/// Longest display name, in bytes.
pub const NAME_LENGTH_MAX: usize = 256;
/// Longest time between `iat` and `exp`: 24 hours.
pub const TOKEN_LIFETIME_SECONDS_MAX: i64 = 24 * 3600;
/// How far ahead of the verifier's clock `iat` may be.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token key must be at least {KEY_LENGTH_MIN} bytes")]
    KeyTooShort,
    #[error("the token is longer than {TOKEN_LENGTH_MAX} bytes")]
    TooLarge,
    #[error("the token is malformed: {0}")]
    Malformed(&'static str),
    #[error("the token's algorithm `{0}` is not allowed; only HS256 is")]
    AlgorithmNotAllowed(String),
    #[error("the token's signature does not match")]
    BadSignature,
    #[error("the token's claims are invalid: {0}")]
    InvalidClaims(String),
    #[error("the token expired at {expires_at}")]
    Expired { expires_at: i64 },
    #[error("the token was issued in the future")]
    IssuedInFuture,
    #[error("the token belongs to another merchant")]
    WrongMerchant,
    #[error("a refreshed token must be for the same user and merchant")]
    RefreshChangesIdentity,
}

/// The secret that signs and verifies tokens. `Debug` prints no part of it.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl TokenKey {
    /// At least [`KEY_LENGTH_MIN`] bytes of secret.
    pub fn new(secret: &[u8]) -> Result<Self, TokenError> {
        if secret.len() < KEY_LENGTH_MIN {
            return Err(TokenError::KeyTooShort);
        }
        Ok(Self(secret.to_vec()))
    }

    /// A key of exactly [`KEY_LENGTH_MIN`] bytes, which is always long enough.
    pub fn from_array(secret: [u8; KEY_LENGTH_MIN]) -> Self {
        Self(secret.to_vec())
    }

    fn mac(&self, signing_input: &[u8]) -> Result<Hmac<Sha256>, TokenError> {
        // HMAC takes keys of any length, so this never fails; it is still not a panic.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).map_err(|_| TokenError::KeyTooShort)?;
        mac.update(signing_input);
        Ok(mac)
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("TokenKey(<redacted>)")
    }
}

/// A token's claims, with JWT's registered names where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The end user.
    pub sub: UserId,
    /// The user's display name, shown to other members.
    pub name: String,
    /// The merchant; every channel the token reaches is this merchant's.
    pub mer: MerchantId,
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Issue time, unix seconds.
    pub iat: i64,
    /// What the token allows.
    pub grants: Vec<Grant>,
}

impl Claims {
    /// Checks the name, the lifetime and the grants.
    pub fn validate(&self) -> Result<(), TokenError> {
        if self.name.len() > NAME_LENGTH_MAX || self.name.chars().any(char::is_control) {
            return Err(TokenError::InvalidClaims(format!(
                "name: at most {NAME_LENGTH_MAX} bytes without control characters"
            )));
        }
        if self.exp <= self.iat {
            return Err(TokenError::InvalidClaims("exp: must be after iat".to_owned()));
        }
        if self.exp.saturating_sub(self.iat) > TOKEN_LIFETIME_SECONDS_MAX {
            return Err(TokenError::InvalidClaims(format!(
                "exp: at most {TOKEN_LIFETIME_SECONDS_MAX} seconds after iat"
            )));
        }
        self.permissions().map(|_| ()).map_err(|error| TokenError::InvalidClaims(format!("grants: {error}")))
    }

    /// The merchant and grants, for channel checks.
    pub fn permissions(&self) -> Result<Permissions, GrantError> {
        Permissions::new(self.mer.clone(), self.grants.clone())
    }

    /// Refuses a refresh that would change who the connection is.
    pub fn ensure_refresh_of(&self, previous: &Claims) -> Result<(), TokenError> {
        if self.sub == previous.sub && self.mer == previous.mer {
            Ok(())
        } else {
            Err(TokenError::RefreshChangesIdentity)
        }
    }
}

#[derive(Serialize)]
struct Header {
    alg: &'static str,
    typ: &'static str,
}

/// Signs `claims` (validated first) with `key`.
pub fn mint(key: &TokenKey, claims: &Claims) -> Result<String, TokenError> {
    claims.validate()?;
    let header = serde_json::to_vec(&Header { alg: ALGORITHM, typ: "JWT" })
        .map_err(|error| TokenError::InvalidClaims(error.to_string()))?;
    let payload = serde_json::to_vec(claims).map_err(|error| TokenError::InvalidClaims(error.to_string()))?;
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = key.mac(token.as_bytes())?.finalize().into_bytes();
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

fn decode(part: &str, what: &'static str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed(what))
}

/// Checks the header's algorithm: `HS256` and nothing else; no `crit` extensions.
fn check_header(header: &[u8]) -> Result<(), TokenError> {
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|_| TokenError::Malformed("the header is not a JSON object"))?;
    match header.get("alg") {
        Some(serde_json::Value::String(alg)) if alg == ALGORITHM => {}
        Some(serde_json::Value::String(alg)) => {
            return Err(TokenError::AlgorithmNotAllowed(alg.chars().take(16).collect()));
        }
        _ => return Err(TokenError::Malformed("the header has no `alg`")),
    }
    if header.contains_key("crit") {
        return Err(TokenError::Malformed("the header has `crit` extensions"));
    }
    Ok(())
}

/// Verifies `token` with `key` at `now` (unix seconds) and returns its claims.
pub fn verify(key: &TokenKey, token: &str, now: i64) -> Result<Claims, TokenError> {
    if token.len() > TOKEN_LENGTH_MAX {
        return Err(TokenError::TooLarge);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed("a token has three dot-separated parts"));
    };
    check_header(&decode(header, "the header is not base64url")?)?;
    let signature = decode(signature, "the signature is not base64url")?;
    let signing_input_length = header.len() + 1 + payload.len();
    key.mac(&token.as_bytes()[..signing_input_length])?
        .verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature)?;
    let payload = decode(payload, "the payload is not base64url")?;
    let claims: Claims = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&payload))
        .map_err(|error| TokenError::InvalidClaims(format!("{}: {}", error.path(), error.inner())))?;
    claims.validate()?;
    if claims.iat > now.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(TokenError::IssuedInFuture);
    }
    if now >= claims.exp {
        return Err(TokenError::Expired { expires_at: claims.exp });
    }
    Ok(claims)
}

/// [`verify`], and refuses a token of any merchant but `merchant`.
pub fn verify_for_merchant(key: &TokenKey, token: &str, merchant: &MerchantId, now: i64) -> Result<Claims, TokenError> {
    let claims = verify(key, token, now)?;
    if &claims.mer != merchant {
        return Err(TokenError::WrongMerchant);
    }
    Ok(claims)
}

impl TokenError {
    /// The error code of the `error` frame answering a `connect` or `refresh` with
    /// this token.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Expired { .. } => ErrorCode::TokenExpired,
            Self::RefreshChangesIdentity => ErrorCode::PermissionDenied,
            Self::KeyTooShort => ErrorCode::Internal,
            _ => ErrorCode::TokenInvalid,
        }
    }

    /// The close code when the connection ends over this token.
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::Expired { .. } => CloseCode::TokenExpired,
            Self::RefreshChangesIdentity => CloseCode::Forbidden,
            _ => CloseCode::TokenInvalid,
        }
    }
}
