//! Connector credentials: checked by connector kind, encrypted at rest, shown only as
//! masked hints.
//!
//! **Encryption.** AES-256-GCM (aws-lc-rs) with the server's credentials key
//! (`--credentials-key` / `TRADEWIND_CREDENTIALS_KEY`, 32 bytes as 64 hex characters or
//! base64), a fresh random 96-bit nonce per encryption, and associated data naming the
//! merchant, the connector account and the column: a ciphertext moved to another row or
//! column fails to decrypt. Stored as `v1:` + base64(nonce ‖ ciphertext ‖ tag); the
//! version prefix leaves room for a key rotation scheme.
//!
//! **Never shown.** [`Secret`], [`Credentials`] and [`CredentialsInput`] print
//! `[redacted]` in `Debug`; answers carry [`Credentials::hint`] only
//! (`{"secret_key": "sk_test_…4242"}`); errors never quote a credential.

use crate::error::{ApiError, ApiResult};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use tradewind_settlement::fees::Connector;
use utoipa::ToSchema;

/// Bytes of a credentials key (AES-256).
pub const KEY_BYTES: usize = 32;
/// The stored format's prefix.
const FORMAT_V1: &str = "v1:";
/// Longest credential value accepted.
pub const CREDENTIAL_LENGTH_MAX: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialsError {
    #[error("the credentials key must be 32 bytes, as 64 hex characters or base64")]
    KeyFormat,
    #[error("the operating system's random source failed")]
    Random,
    #[error("encryption failed")]
    Seal,
    /// The wrong key, a ciphertext moved from another row or column, or tampering.
    #[error("a stored credential does not decrypt with this server's credentials key and row")]
    Open,
    #[error("a stored credential is not in the `v1:` format")]
    Format,
    #[error("decrypted credentials do not match their connector kind")]
    Plaintext,
}

impl From<CredentialsError> for ApiError {
    fn from(error: CredentialsError) -> Self {
        ApiError::internal(&error)
    }
}

/// The label the realtime token key is derived under.
const REALTIME_TOKEN_KEY_LABEL: &[u8] = b"tradewind realtime token key v1";

/// The key credentials are encrypted with. `Debug` never prints it.
#[derive(Clone)]
pub struct CredentialsKey {
    key: Arc<LessSafeKey>,
    /// The realtime token key, derived from this key (see [`CredentialsKey::realtime_token_secret`]).
    realtime_token_secret: Arc<[u8; 32]>,
}

impl fmt::Debug for CredentialsKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("CredentialsKey([redacted])")
    }
}

impl CredentialsKey {
    /// A key from its configured text: 64 hex characters, or base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<CredentialsKey, CredentialsError> {
        let text = text.trim();
        let bytes = if text.len() == 2 * KEY_BYTES && text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| CredentialsError::KeyFormat)?
        } else {
            STANDARD.decode(text).map_err(|_| CredentialsError::KeyFormat)?
        };
        CredentialsKey::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<CredentialsKey, CredentialsError> {
        if bytes.len() != KEY_BYTES {
            return Err(CredentialsError::KeyFormat);
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| CredentialsError::KeyFormat)?;
        let derived = aws_lc_rs::hmac::sign(
            &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, bytes),
            REALTIME_TOKEN_KEY_LABEL,
        );
        let mut realtime_token_secret = [0_u8; 32];
        realtime_token_secret.copy_from_slice(derived.as_ref());
        Ok(CredentialsKey {
            key: Arc::new(LessSafeKey::new(key)),
            realtime_token_secret: Arc::new(realtime_token_secret),
        })
    }

    /// The secret realtime connection tokens are signed with: HMAC-SHA256 of a fixed label
    /// under this key. One configured secret serves both, and every node configured with
    /// the same credentials key verifies every other node's tokens; knowing the token key
    /// tells nothing about this one.
    pub fn realtime_token_secret(&self) -> &[u8; 32] {
        &self.realtime_token_secret
    }

    /// A new key from the operating system's random source, as 64 hex characters (the
    /// text [`CredentialsKey::parse`] reads), for a key file.
    pub fn generate_text() -> Result<String, CredentialsError> {
        let mut bytes = [0_u8; KEY_BYTES];
        SystemRandom::new().fill(&mut bytes).map_err(|_| CredentialsError::Random)?;
        Ok(hex::encode(bytes))
    }

    /// Encrypts `plaintext` for `binding`'s row and column.
    pub fn seal(&self, plaintext: &[u8], binding: &Binding<'_>) -> Result<String, CredentialsError> {
        let mut nonce = [0_u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| CredentialsError::Random)?;
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(binding.aad()), &mut in_out)
            .map_err(|_| CredentialsError::Seal)?;
        let mut stored = Vec::with_capacity(NONCE_LEN + in_out.len());
        stored.extend_from_slice(&nonce);
        stored.extend_from_slice(&in_out);
        Ok(format!("{FORMAT_V1}{}", STANDARD.encode(stored)))
    }

    /// Decrypts what [`CredentialsKey::seal`] stored for the same row and column.
    pub fn open(&self, stored: &str, binding: &Binding<'_>) -> Result<Secret, CredentialsError> {
        let encoded = stored.strip_prefix(FORMAT_V1).ok_or(CredentialsError::Format)?;
        let mut bytes = STANDARD.decode(encoded).map_err(|_| CredentialsError::Format)?;
        if bytes.len() < NONCE_LEN {
            return Err(CredentialsError::Format);
        }
        let mut in_out = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| CredentialsError::Format)?;
        let plaintext =
            self.key.open_in_place(nonce, Aad::from(binding.aad()), &mut in_out).map_err(|_| CredentialsError::Open)?;
        let text = String::from_utf8(plaintext.to_vec()).map_err(|_| CredentialsError::Plaintext)?;
        Ok(Secret(text))
    }
}

/// Which encrypted column of a connector account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Credentials,
    WebhookSecret,
}

/// What a ciphertext is bound to: its merchant, connector account and column.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub merchant_id: &'a str,
    pub connector_account_id: &'a str,
    pub column: Column,
}

impl Binding<'_> {
    fn aad(&self) -> Vec<u8> {
        let column = match self.column {
            Column::Credentials => "credentials",
            Column::WebhookSecret => "webhook_secret",
        };
        // NUL separates the parts: ids never contain it, so no two bindings collide.
        format!("tradewind/connector_account\0{}\0{}\0{column}", self.merchant_id, self.connector_account_id)
            .into_bytes()
    }
}

/// A secret string. `Debug` and `Display` never print it; [`Secret::expose`] does.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("[redacted]")
    }
}

/// A connector account's credentials, decrypted. `Debug` redacts every value.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// The sandbox needs none.
    Sandbox,
    Stripe {
        /// `sk_test_…` or `sk_live_…`.
        secret_key: Secret,
        /// The webhook endpoint's signing secret, `whsec_…`.
        webhook_secret: Secret,
    },
    Paypal {
        client_id: Secret,
        client_secret: Secret,
        /// The id of the webhook PayPal verifies its notifications against.
        webhook_id: Secret,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Sandbox => formatter.write_str("Sandbox"),
            Credentials::Stripe { .. } => formatter.write_str("Stripe { [redacted] }"),
            Credentials::Paypal { .. } => formatter.write_str("Paypal { [redacted] }"),
        }
    }
}

/// Credentials as a request gives them; which fields apply depends on the connector.
/// `Debug` redacts every value.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsInput {
    /// Stripe: `sk_test_…` or `sk_live_…`, matching the account's mode.
    pub secret_key: Option<String>,
    /// Stripe: the webhook endpoint's signing secret, `whsec_…`.
    pub webhook_secret: Option<String>,
    /// PayPal: the REST app's client id.
    pub client_id: Option<String>,
    /// PayPal: the REST app's secret.
    pub client_secret: Option<String>,
    /// PayPal: the id of the webhook its notifications are verified against.
    pub webhook_id: Option<String>,
}

impl fmt::Debug for CredentialsInput {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("CredentialsInput([redacted])")
    }
}

impl CredentialsInput {
    fn fields(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("secret_key", self.secret_key.as_deref()),
            ("webhook_secret", self.webhook_secret.as_deref()),
            ("client_id", self.client_id.as_deref()),
            ("client_secret", self.client_secret.as_deref()),
            ("webhook_id", self.webhook_id.as_deref()),
        ]
    }
}

/// Whether an account is for testing or real money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }

    pub fn parse(value: &str) -> Option<Mode> {
        [Mode::Test, Mode::Live].into_iter().find(|mode| mode.as_str() == value)
    }
}

fn param(field: &str) -> String {
    format!("credentials[{field}]")
}

/// The value of `field`, required and checked: printable ASCII without spaces, not
/// too long, with one of `prefixes` (when any) followed by at least 8 letters or digits.
fn required(input: &CredentialsInput, field: &'static str, prefixes: &[&str]) -> ApiResult<Secret> {
    let value = input.fields().into_iter().find(|(name, _)| *name == field).and_then(|(_, value)| value);
    let Some(value) = value else {
        return Err(ApiError::invalid(param(field), "parameter_missing", format!("`{}` is required.", param(field))));
    };
    let printable =
        !value.is_empty() && value.len() <= CREDENTIAL_LENGTH_MAX && value.bytes().all(|b| b.is_ascii_graphic());
    let well_formed = prefixes.is_empty()
        || prefixes.iter().any(|prefix| {
            value
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.len() >= 8 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
        });
    if !printable || !well_formed {
        let expected = if prefixes.is_empty() {
            "printable characters without spaces".to_owned()
        } else {
            format!("`{}` followed by letters and digits", prefixes.join("` or `"))
        };
        return Err(ApiError::invalid(
            param(field),
            "credentials_invalid",
            format!("`{}` must be {expected}, at most {CREDENTIAL_LENGTH_MAX} characters.", param(field)),
        ));
    }
    Ok(Secret(value.to_owned()))
}

impl Credentials {
    /// The credentials `input` gives for a `connector` account in `mode`, checked:
    /// every field the connector needs, none it does not, a Stripe key of the same mode.
    pub fn from_input(connector: Connector, mode: Mode, input: &CredentialsInput) -> ApiResult<Credentials> {
        let accepted: &[&str] = match connector {
            Connector::Sandbox => &[],
            Connector::Stripe => &["secret_key", "webhook_secret"],
            Connector::Paypal => &["client_id", "client_secret", "webhook_id"],
        };
        if let Some((field, _)) =
            input.fields().into_iter().find(|(field, value)| value.is_some() && !accepted.contains(field))
        {
            return Err(ApiError::invalid(
                param(field),
                "parameter_unknown",
                format!("A {connector} connector account takes no `{}`.", param(field)),
            ));
        }
        match connector {
            Connector::Sandbox => Ok(Credentials::Sandbox),
            Connector::Stripe => {
                let prefix = match mode {
                    Mode::Test => "sk_test_",
                    Mode::Live => "sk_live_",
                };
                let secret_key = required(input, "secret_key", &[prefix]).map_err(|error| {
                    if error.code == "credentials_invalid" {
                        ApiError::invalid(
                            param("secret_key"),
                            "credentials_invalid",
                            format!(
                                "`credentials[secret_key]` must be a Stripe secret key of the account's mode ({prefix}…)."
                            ),
                        )
                    } else {
                        error
                    }
                })?;
                let webhook_secret = required(input, "webhook_secret", &["whsec_"])?;
                Ok(Credentials::Stripe { secret_key, webhook_secret })
            }
            Connector::Paypal => Ok(Credentials::Paypal {
                client_id: required(input, "client_id", &[])?,
                client_secret: required(input, "client_secret", &[])?,
                webhook_id: required(input, "webhook_id", &[])?,
            }),
        }
    }

    fn values(&self) -> Vec<(&'static str, &Secret)> {
        match self {
            Credentials::Sandbox => Vec::new(),
            Credentials::Stripe { secret_key, webhook_secret } => {
                vec![("secret_key", secret_key), ("webhook_secret", webhook_secret)]
            }
            Credentials::Paypal { client_id, client_secret, webhook_id } => {
                vec![("client_id", client_id), ("client_secret", client_secret), ("webhook_id", webhook_id)]
            }
        }
    }

    /// The plaintext that is encrypted: a JSON object of the values.
    pub fn to_plaintext(&self) -> Secret {
        let map: BTreeMap<&str, &str> =
            self.values().into_iter().map(|(field, value)| (field, value.expose())).collect();
        Secret(serde_json::json!(map).to_string())
    }

    /// The credentials of a `connector` account from their decrypted plaintext.
    pub fn from_plaintext(connector: Connector, plaintext: &Secret) -> Result<Credentials, CredentialsError> {
        let map: BTreeMap<String, String> =
            serde_json::from_str(plaintext.expose()).map_err(|_| CredentialsError::Plaintext)?;
        let take = |field: &str| map.get(field).map(|value| Secret(value.clone())).ok_or(CredentialsError::Plaintext);
        match connector {
            Connector::Sandbox if map.is_empty() => Ok(Credentials::Sandbox),
            Connector::Sandbox => Err(CredentialsError::Plaintext),
            Connector::Stripe => {
                Ok(Credentials::Stripe { secret_key: take("secret_key")?, webhook_secret: take("webhook_secret")? })
            }
            Connector::Paypal => Ok(Credentials::Paypal {
                client_id: take("client_id")?,
                client_secret: take("client_secret")?,
                webhook_id: take("webhook_id")?,
            }),
        }
    }

    /// What verifies the provider's webhooks: Stripe's signing secret, PayPal's webhook
    /// id; `None` for the sandbox, whose secret Tradewind generates.
    pub fn webhook_secret(&self) -> Option<&Secret> {
        match self {
            Credentials::Sandbox => None,
            Credentials::Stripe { webhook_secret, .. } => Some(webhook_secret),
            Credentials::Paypal { webhook_id, .. } => Some(webhook_id),
        }
    }

    /// Every value masked, as the API shows them: `{"secret_key": "sk_test_…4242"}`.
    pub fn hint(&self) -> BTreeMap<&'static str, String> {
        self.values().into_iter().map(|(field, value)| (field, mask(value.expose()))).collect()
    }
}

/// Prefixes a masked value keeps: they tell the kind of key, not the key.
const PUBLIC_PREFIXES: [&str; 3] = ["sk_test_", "sk_live_", "whsec_"];
/// A value needs this many characters before its last four are shown.
const MASK_SHOWS_LAST_FOUR_FROM: usize = 16;

/// `sk_test_…4242`: the kind prefix and the last four characters of a long value,
/// only `…` of a short one.
pub fn mask(value: &str) -> String {
    let prefix = PUBLIC_PREFIXES.into_iter().find(|prefix| value.starts_with(prefix)).unwrap_or("");
    let rest = &value[prefix.len()..];
    if rest.len() < MASK_SHOWS_LAST_FOUR_FROM || !rest.is_ascii() {
        return format!("{prefix}…");
    }
    format!("{prefix}…{}", &rest[rest.len() - 4..])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn binding<'a>(merchant_id: &'a str, account: &'a str, column: Column) -> Binding<'a> {
        Binding { merchant_id, connector_account_id: account, column }
    }

    #[test]
    fn sealed_text_opens_only_with_its_key_row_and_column() {
        let key = CredentialsKey::parse(KEY_HEX).unwrap();
        let here = binding("acct_a", "mca_a", Column::Credentials);
        let sealed = key.seal(b"{\"secret_key\":\"sk_test_x\"}", &here).unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("sk_test"));
        assert_eq!(key.open(&sealed, &here).unwrap().expose(), "{\"secret_key\":\"sk_test_x\"}");
        let again = key.seal(b"{\"secret_key\":\"sk_test_x\"}", &here).unwrap();
        assert_ne!(sealed, again, "a fresh nonce each time");
        let other_key = CredentialsKey::parse(&CredentialsKey::generate_text().unwrap()).unwrap();
        assert_eq!(other_key.open(&sealed, &here), Err(CredentialsError::Open));
        for moved in [
            binding("acct_b", "mca_a", Column::Credentials),
            binding("acct_a", "mca_b", Column::Credentials),
            binding("acct_a", "mca_a", Column::WebhookSecret),
        ] {
            assert_eq!(key.open(&sealed, &moved), Err(CredentialsError::Open), "{moved:?}");
        }
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(key.open(&String::from_utf8(tampered).unwrap(), &here), Err(CredentialsError::Open));
        assert_eq!(key.open("plaintext", &here), Err(CredentialsError::Format));
        assert_eq!(key.open("v1:AAAA", &here), Err(CredentialsError::Format));
    }

    #[test]
    fn keys_parse_from_hex_or_base64_of_32_bytes() {
        let base64 = STANDARD.encode(hex::decode(KEY_HEX).unwrap());
        let from_hex = CredentialsKey::parse(KEY_HEX).unwrap();
        let from_base64 = CredentialsKey::parse(&base64).unwrap();
        let here = binding("acct_a", "mca_a", Column::WebhookSecret);
        assert_eq!(from_base64.open(&from_hex.seal(b"same key", &here).unwrap(), &here).unwrap().expose(), "same key");
        for bad in ["", "00", &KEY_HEX[..62], &format!("{KEY_HEX}00"), "not a key at all"] {
            assert_eq!(CredentialsKey::parse(bad).err(), Some(CredentialsError::KeyFormat), "{bad}");
        }
        assert_eq!(format!("{from_hex:?}"), "CredentialsKey([redacted])");
        assert_eq!(CredentialsKey::generate_text().unwrap().len(), 64);
    }

    fn stripe_input(secret_key: &str) -> CredentialsInput {
        CredentialsInput {
            secret_key: Some(secret_key.to_owned()),
            webhook_secret: Some("whsec_0123456789abcdefABCDEF".to_owned()),
            ..CredentialsInput::default()
        }
    }

    #[test]
    fn each_connector_takes_its_own_fields() {
        let stripe = Credentials::from_input(Connector::Stripe, Mode::Test, &stripe_input("sk_test_51Habcdef4242"));
        let stripe = stripe.unwrap();
        assert_eq!(format!("{stripe:?}"), "Stripe { [redacted] }");
        assert_eq!(stripe.webhook_secret().unwrap().expose(), "whsec_0123456789abcdefABCDEF");
        let error = Credentials::from_input(Connector::Stripe, Mode::Live, &stripe_input("sk_test_51Habcdef4242"));
        assert_eq!(error.unwrap_err().param.as_deref(), Some("credentials[secret_key]"));
        let error = Credentials::from_input(Connector::Sandbox, Mode::Test, &stripe_input("sk_test_51Habcdef4242"));
        let error = error.unwrap_err();
        assert_eq!(
            (error.code.as_str(), error.param.as_deref()),
            ("parameter_unknown", Some("credentials[secret_key]"))
        );
        let missing = CredentialsInput { client_id: Some("client".to_owned()), ..CredentialsInput::default() };
        let error = Credentials::from_input(Connector::Paypal, Mode::Test, &missing).unwrap_err();
        assert_eq!(
            (error.code.as_str(), error.param.as_deref()),
            ("parameter_missing", Some("credentials[client_secret]"))
        );
        assert_eq!(
            Credentials::from_input(Connector::Sandbox, Mode::Test, &CredentialsInput::default()).unwrap(),
            Credentials::Sandbox
        );
        assert_eq!(format!("{:?}", stripe_input("sk_test_x")), "CredentialsInput([redacted])");
    }

    #[test]
    fn plaintext_round_trips_and_hints_mask() {
        let stripe = Credentials::from_input(
            Connector::Stripe,
            Mode::Test,
            &stripe_input("sk_test_51HabcdefghijklmnopQRSTU4242"),
        )
        .unwrap();
        let plaintext = stripe.to_plaintext();
        assert_eq!(format!("{plaintext:?}"), "[redacted]");
        assert_eq!(Credentials::from_plaintext(Connector::Stripe, &plaintext).unwrap(), stripe);
        assert_eq!(Credentials::from_plaintext(Connector::Paypal, &plaintext), Err(CredentialsError::Plaintext));
        assert_eq!(Credentials::from_plaintext(Connector::Sandbox, &Secret::new("{}")).unwrap(), Credentials::Sandbox);
        let hint = stripe.hint();
        assert_eq!(hint["secret_key"], "sk_test_…4242");
        assert_eq!(hint["webhook_secret"], "whsec_…CDEF");
        assert_eq!(mask("short"), "…");
        assert_eq!(mask("sk_live_short"), "sk_live_…");
    }
}
