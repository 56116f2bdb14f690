//! Who the buyer in the widget is. A buyer may *claim* an email or an order number
//! (typed into the widget); a merchant's shop may *prove* it: its server signs the
//! logged-in buyer's identifier with the merchant's identity secret (HMAC-SHA256, hex),
//! the widget passes the signature along, and [`verify_identifier_hash`] checks it, as
//! Intercom's and Chatwoot's identity validation do. Only a verified identity may see
//! order details without further checks.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::SupportError;
use crate::name::echo;

/// The longest email address (RFC 5321's path limit less the brackets).
pub const EMAIL_CHARS_MAX: usize = 254;
/// The longest local part (before the `@`).
pub const EMAIL_LOCAL_CHARS_MAX: usize = 64;
/// The longest order number after normalisation.
pub const ORDER_NUMBER_CHARS_MAX: usize = 32;
/// The longest identifier [`identifier_hash`] signs; longer ones are refused by
/// [`verify_identifier_hash`] without computing anything.
pub const IDENTIFIER_CHARS_MAX: usize = 256;

/// A normalised email address: trimmed, lowercased, of the shape `local@domain.tld`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Parses and normalises. The check is deliberately basic (one `@`, a non-empty local
    /// part, a dotted domain of letters, digits and hyphens, no spaces or control
    /// characters): the only real test of an address is mail arriving at it.
    pub fn parse(input: &str) -> Result<Email, SupportError> {
        let normalized = input.trim().to_lowercase();
        let invalid = || SupportError::EmailInvalid { value: echo(input.trim()) };
        if normalized.chars().count() > EMAIL_CHARS_MAX
            || normalized.chars().any(|character| character.is_whitespace() || character.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = normalized.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || local.chars().count() > EMAIL_LOCAL_CHARS_MAX
            || local.contains(['"', '(', ')', ',', ':', ';', '<', '>', '[', ']', '\\'])
        {
            return Err(invalid());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_is_valid = |label: &&str| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|character| character.is_alphanumeric() || character == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_is_valid) || domain.contains('@') {
            return Err(invalid());
        }
        Ok(Email(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A normalised order number: `#1001`, ` 1001 ` and `1001` are all `1001`; letters are
/// uppercased (`tw-1001` is `TW-1001`), since buyers retype what they see in emails.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderNumber(String);

impl OrderNumber {
    /// Parses `[A-Za-z0-9-]`, at most [`ORDER_NUMBER_CHARS_MAX`] characters, after
    /// trimming and dropping one leading `#`.
    pub fn parse(input: &str) -> Result<OrderNumber, SupportError> {
        let trimmed = input.trim();
        let body = trimmed.strip_prefix('#').unwrap_or(trimmed).trim_start();
        let valid = !body.is_empty()
            && body.len() <= ORDER_NUMBER_CHARS_MAX
            && body.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            && body.bytes().any(|byte| byte.is_ascii_alphanumeric());
        if valid {
            Ok(OrderNumber(body.to_ascii_uppercase()))
        } else {
            Err(SupportError::OrderNumberInvalid { value: echo(trimmed) })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrderNumber {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

fn mac(secret: &[u8], identifier: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(identifier.as_bytes());
    Some(mac)
}

/// The identity hash of `identifier` (the buyer's email or the shop's user id, exactly as
/// the shop sends it to the widget): HMAC-SHA256 keyed with the merchant's identity
/// secret, lowercase hex. This is what the merchant's server computes; Tradewind
/// computes it to show the merchant a sample and in tests.
pub fn identifier_hash(secret: &[u8], identifier: &str) -> String {
    mac(secret, identifier).map(|mac| hex::encode(mac.finalize().into_bytes())).unwrap_or_default()
}

/// Whether `hash_hex` is the identity hash of `identifier` under `secret`, compared in
/// constant time. An empty secret never verifies (an unset secret must not make every
/// claim valid), nor does malformed hex or an over-long identifier.
pub fn verify_identifier_hash(secret: &[u8], identifier: &str, hash_hex: &str) -> bool {
    if secret.is_empty() || identifier.chars().count() > IDENTIFIER_CHARS_MAX {
        return false;
    }
    let Ok(claimed) = hex::decode(hash_hex.trim()) else { return false };
    mac(secret, identifier).is_some_and(|mac| mac.verify_slice(&claimed).is_ok())
}

/// Whether the email a buyer claims is the order's email, both normalised; an
/// unparseable email on either side never matches.
pub fn matches_order(claimed_email: &str, order_email: &str) -> bool {
    match (Email::parse(claimed_email), Email::parse(order_email)) {
        (Ok(claimed), Ok(order)) => claimed == order,
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("  Ana.Souza+shop@Example.COM.br ").unwrap().as_str(), "ana.souza+shop@example.com.br");
        assert_eq!(Email::parse("li@例子.中国").unwrap().domain(), "例子.中国");
        for invalid in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "ana@example",
            "ana@@example.com",
            "ana@exa mple.com",
            "ana smith@example.com",
            "ana@example..com",
            "ana@-example.com",
            "ana@example.com-",
            "a<b>@example.com",
            "ana@exam_ple.com",
        ] {
            assert!(matches!(Email::parse(invalid), Err(SupportError::EmailInvalid { .. })), "{invalid}");
        }
        let long_local = format!("{}@example.com", "a".repeat(EMAIL_LOCAL_CHARS_MAX + 1));
        assert!(Email::parse(&long_local).is_err());
        let long = format!("a@{}.com", "b".repeat(EMAIL_CHARS_MAX));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn order_numbers_are_normalised() {
        for input in ["#1001", " 1001 ", "1001", "# 1001"] {
            assert_eq!(OrderNumber::parse(input).unwrap().as_str(), "1001", "{input}");
        }
        assert_eq!(OrderNumber::parse("tw-1001").unwrap().as_str(), "TW-1001");
        for invalid in ["", "#", "##1001", "10 01", "1001!", "---", "１００１", &"9".repeat(ORDER_NUMBER_CHARS_MAX + 1)]
        {
            assert!(matches!(OrderNumber::parse(invalid), Err(SupportError::OrderNumberInvalid { .. })), "{invalid}");
        }
    }

    #[test]
    fn identifier_hashes_match_the_published_construction() {
        // RFC 4231 test case 2: HMAC-SHA256 with key "Jefe".
        assert_eq!(
            identifier_hash(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let secret = b"whsec-like identity secret of the merchant";
        let hash = identifier_hash(secret, "ana@example.com");
        assert_eq!(hash.len(), 64);
        assert!(verify_identifier_hash(secret, "ana@example.com", &hash));
        assert!(verify_identifier_hash(secret, "ana@example.com", &hash.to_uppercase()));
        assert!(!verify_identifier_hash(secret, "Ana@example.com", &hash));
        assert!(!verify_identifier_hash(b"another secret", "ana@example.com", &hash));
        assert!(!verify_identifier_hash(secret, "ana@example.com", &hash[..62]));
        assert!(!verify_identifier_hash(secret, "ana@example.com", "not hex"));
        assert!(!verify_identifier_hash(b"", "ana@example.com", &identifier_hash(b"", "ana@example.com")));
        let long = "a".repeat(IDENTIFIER_CHARS_MAX + 1);
        assert!(!verify_identifier_hash(secret, &long, &identifier_hash(secret, &long)));
    }

    #[test]
    fn claimed_emails_match_orders_after_normalisation() {
        assert!(matches_order(" ANA@example.com", "ana@EXAMPLE.com"));
        assert!(!matches_order("ana@example.com", "ana@example.org"));
        assert!(!matches_order("", ""));
        assert!(!matches_order("not an email", "not an email"));
    }
}
