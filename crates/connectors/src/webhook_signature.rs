//! The sandbox connectors' webhook signature, modelled on Stripe's `Stripe-Signature`:
//! the header `Tradewind-Signature: t=<unix seconds>,v1=<hex>` where the hex is
//! HMAC-SHA256 over `"{t}.{raw body}"` keyed with the account's whole `whsec_…`
//! secret. While a sender rotates its secret it may send one `v1` per secret; any that
//! matches verifies. Entries of other schemes are ignored. Pure: the caller passes the
//! time to check the timestamp against (the merchant's clock).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header name.
pub const HEADER: &str = "Tradewind-Signature";
/// How far the signed timestamp may be from the receiver's clock, either way.
pub const TOLERANCE_SECONDS: i64 = 300;
/// Signatures one header may carry at most.
const SIGNATURES_MAX: usize = 8;
/// Longest header accepted.
const HEADER_LENGTH_MAX: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing, or has no `t=` timestamp and `v1=` signature")]
    Malformed,
    #[error("no signature matches the expected signature for this payload")]
    Mismatch,
    #[error("the signed timestamp is more than {TOLERANCE_SECONDS} seconds from now")]
    OutsideTolerance,
}

/// HMAC-SHA256 over `"{timestamp}.{body}"`; `None` never happens (HMAC takes keys of
/// any length) but is not a panic either.
fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The hex signature of `body` at `timestamp` with `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    mac(secret, timestamp, body).map(|mac| hex::encode(mac.finalize().into_bytes())).unwrap_or_default()
}

/// The header value signing `body` at `timestamp` with each of `secrets`.
pub fn header(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    let mut value = format!("t={timestamp}");
    for secret in secrets {
        value.push_str(",v1=");
        value.push_str(&sign(secret, timestamp, body));
    }
    value
}

/// Checks `header` against `body` with `secret`, and its timestamp against `now`.
pub fn verify(header: &str, secret: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
    if header.len() > HEADER_LENGTH_MAX {
        return Err(SignatureError::Malformed);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", value)) => signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() || signatures.len() > SIGNATURES_MAX {
        return Err(SignatureError::Malformed);
    }
    // Each comparison runs in constant time (`verify_slice`).
    let matches = signatures
        .iter()
        .any(|signature| mac(secret, timestamp, body).is_some_and(|mac| mac.verify_slice(signature).is_ok()));
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment.succeeded"}"#;

    #[test]
    fn matches_an_independent_hmac() {
        // printf '1700000000.%s' "$BODY" | openssl dgst -sha256 -hmac whsec_test_secret
        let expected = "0a731970e30844c135c2ba545c0b030783248e5151afff97d4b4cac22ffa7321";
        assert_eq!(sign(SECRET, 1_700_000_000, BODY), expected);
        assert_eq!(header(&[SECRET], 1_700_000_000, BODY), format!("t=1700000000,v1={expected}"));
    }

    #[test]
    fn verifies_within_tolerance_with_any_of_several_signatures() {
        let now = 1_700_000_000;
        let signed = header(&["whsec_new", SECRET], now, BODY);
        assert_eq!(verify(&signed, SECRET, BODY, now), Ok(()));
        assert_eq!(verify(&signed, "whsec_new", BODY, now + TOLERANCE_SECONDS), Ok(()));
        assert_eq!(verify(&signed, SECRET, BODY, now - TOLERANCE_SECONDS), Ok(()));
        assert_eq!(verify(&signed, SECRET, BODY, now + TOLERANCE_SECONDS + 1), Err(SignatureError::OutsideTolerance));
        assert_eq!(verify(&signed, "whsec_other", BODY, now), Err(SignatureError::Mismatch));
        assert_eq!(verify(&signed, SECRET, b"{}", now), Err(SignatureError::Mismatch));
        let with_unknown_scheme = format!("v0=abc,{signed}");
        assert_eq!(verify(&with_unknown_scheme, SECRET, BODY, now), Ok(()));
    }

    #[test]
    fn malformed_headers_are_refused() {
        let now = 1_700_000_000;
        let signature = sign(SECRET, now, BODY);
        for bad in [
            String::new(),
            format!("v1={signature}"),
            format!("t={now}"),
            format!("t=soon,v1={signature}"),
            format!("t={now},v1=not-hex"),
            format!("t={now}{}", ",v1=00".repeat(SIGNATURES_MAX + 1)),
        ] {
            assert_eq!(verify(&bad, SECRET, BODY, now), Err(SignatureError::Malformed), "{bad}");
        }
    }
}
