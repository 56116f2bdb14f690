//! Card numbers, brands, expiry and CVC. A [`CardNumber`] never prints its digits:
//! only brand and last four leave this module, plus a keyed fingerprint that lets a
//! merchant recognise the same card without anyone storing the number.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Unionpay,
    Diners,
}

impl CardBrand {
    pub const ALL: [CardBrand; 7] = [
        CardBrand::Visa,
        CardBrand::Mastercard,
        CardBrand::Amex,
        CardBrand::Discover,
        CardBrand::Jcb,
        CardBrand::Unionpay,
        CardBrand::Diners,
    ];

    /// The brand named `name` as [`CardBrand::as_str`] spells it (`"visa"`), if any.
    pub fn parse(name: &str) -> Option<CardBrand> {
        CardBrand::ALL.into_iter().find(|brand| brand.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CardBrand::Visa => "visa",
            CardBrand::Mastercard => "mastercard",
            CardBrand::Amex => "amex",
            CardBrand::Discover => "discover",
            CardBrand::Jcb => "jcb",
            CardBrand::Unionpay => "unionpay",
            CardBrand::Diners => "diners",
        }
    }

    fn valid_lengths(self) -> &'static [usize] {
        match self {
            CardBrand::Visa => &[13, 16, 19],
            CardBrand::Mastercard => &[16],
            CardBrand::Amex => &[15],
            CardBrand::Discover | CardBrand::Jcb => &[16, 17, 18, 19],
            CardBrand::Unionpay => &[16, 17, 18, 19],
            CardBrand::Diners => &[14, 16],
        }
    }

    pub fn cvc_length(self) -> usize {
        match self {
            CardBrand::Amex => 4,
            _ => 3,
        }
    }

    /// Detects the brand from the leading digits (the issuer identification number).
    pub fn detect(digits: &str) -> Option<CardBrand> {
        let prefix = |length: usize| digits.get(..length).and_then(|head| head.parse::<u32>().ok());
        let two = prefix(2)?;
        let four = prefix(4).unwrap_or(0);
        let three = prefix(3).unwrap_or(0);
        let six = prefix(6).unwrap_or(0);
        match () {
            _ if digits.starts_with('4') => Some(CardBrand::Visa),
            _ if (51..=55).contains(&two) || (2221..=2720).contains(&four) => Some(CardBrand::Mastercard),
            _ if two == 34 || two == 37 => Some(CardBrand::Amex),
            _ if four == 6011 || two == 65 || (644..=649).contains(&three) => Some(CardBrand::Discover),
            _ if (3528..=3589).contains(&four) => Some(CardBrand::Jcb),
            _ if two == 62 || (622_126..=622_925).contains(&six) => Some(CardBrand::Unionpay),
            _ if two == 36 || (300..=305).contains(&three) || two == 38 => Some(CardBrand::Diners),
            _ => None,
        }
    }
}

/// Why card data is refused before any provider sees it; each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("the card number is not a valid card number")]
    InvalidNumber,
    #[error("the card brand is not supported")]
    UnsupportedBrand,
    #[error("the card's expiration month is invalid")]
    InvalidExpiryMonth,
    #[error("the card's expiration year is invalid")]
    InvalidExpiryYear,
    #[error("the card has expired")]
    Expired,
    #[error("the card's security code is invalid")]
    InvalidCvc,
}

impl CardError {
    /// The Stripe error code for this rule.
    pub fn code(&self) -> &'static str {
        match self {
            CardError::InvalidNumber | CardError::UnsupportedBrand => "incorrect_number",
            CardError::InvalidExpiryMonth => "invalid_expiry_month",
            CardError::InvalidExpiryYear => "invalid_expiry_year",
            CardError::Expired => "expired_card",
            CardError::InvalidCvc => "invalid_cvc",
        }
    }

    /// The request field at fault, relative to `payment_method_data[card]`.
    pub fn field(&self) -> &'static str {
        match self {
            CardError::InvalidNumber | CardError::UnsupportedBrand => "number",
            CardError::InvalidExpiryMonth => "exp_month",
            CardError::InvalidExpiryYear | CardError::Expired => "exp_year",
            CardError::InvalidCvc => "cvc",
        }
    }
}

/// A validated primary account number. Its digits are reachable only through
/// [`CardNumber::digits`], for the connector call; `Debug` shows brand and last four.
#[derive(Clone)]
pub struct CardNumber {
    digits: String,
    brand: CardBrand,
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "CardNumber({} ****{})", self.brand.as_str(), self.last4())
    }
}

fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (position, byte) in digits.bytes().rev().enumerate() {
        let mut value = u32::from(byte - b'0');
        if position % 2 == 1 {
            value *= 2;
            if value > 9 {
                value -= 9;
            }
        }
        sum += value;
    }
    sum.is_multiple_of(10)
}

impl CardNumber {
    /// Parses a number typed with or without spaces and dashes.
    pub fn parse(raw: &str) -> Result<Self, CardError> {
        let digits: String = raw.chars().filter(|c| *c != ' ' && *c != '-').collect();
        if digits.len() < 12 || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError::InvalidNumber);
        }
        if !luhn_valid(&digits) {
            return Err(CardError::InvalidNumber);
        }
        let brand = CardBrand::detect(&digits).ok_or(CardError::UnsupportedBrand)?;
        if !brand.valid_lengths().contains(&digits.len()) {
            return Err(CardError::InvalidNumber);
        }
        Ok(CardNumber { digits, brand })
    }

    pub fn brand(&self) -> CardBrand {
        self.brand
    }

    pub fn last4(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }

    /// The full number, for the connector call only. Never store or log it.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// A keyed fingerprint: the same card gives the same value for one installation,
    /// and the value cannot be reversed without the key.
    pub fn fingerprint(&self, key: &[u8]) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
            Ok(mac) => mac,
            // HMAC accepts keys of any length; this arm cannot be reached.
            Err(_) => return String::new(),
        };
        mac.update(self.digits.as_bytes());
        let digest = mac.finalize().into_bytes();
        hex::encode(&digest[..8])
    }
}

/// A card's expiry, validated against the current month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardExpiry {
    pub month: u8,
    pub year: u16,
}

impl CardExpiry {
    /// Accepts two- or four-digit years; `current` is (year, month) now.
    pub fn parse(month: i64, year: i64, current: (u16, u8)) -> Result<Self, CardError> {
        if !(1..=12).contains(&month) {
            return Err(CardError::InvalidExpiryMonth);
        }
        let year = match year {
            0..=99 => 2000 + year,
            2000..=2199 => year,
            _ => return Err(CardError::InvalidExpiryYear),
        };
        let (current_year, current_month) = current;
        if year > i64::from(current_year) + 50 {
            return Err(CardError::InvalidExpiryYear);
        }
        let expiry = CardExpiry { month: month as u8, year: year as u16 };
        if (expiry.year, expiry.month) < (current_year, current_month) {
            return Err(CardError::Expired);
        }
        Ok(expiry)
    }
}

/// Checks a CVC against the brand's length.
pub fn validate_cvc(cvc: &str, brand: CardBrand) -> Result<(), CardError> {
    if cvc.len() != brand.cvc_length() || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::InvalidCvc);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_names_parse_back() {
        for brand in CardBrand::ALL {
            assert_eq!(CardBrand::parse(brand.as_str()), Some(brand));
        }
        assert_eq!(CardBrand::parse("Visa"), None);
        assert_eq!(CardBrand::parse("maestro"), None);
    }

    #[test]
    fn brands_from_stripe_test_numbers() {
        let brand = |number: &str| CardNumber::parse(number).map(|card| card.brand());
        assert_eq!(brand("4242 4242 4242 4242"), Ok(CardBrand::Visa));
        assert_eq!(brand("5555555555554444"), Ok(CardBrand::Mastercard));
        assert_eq!(brand("2223003122003222"), Ok(CardBrand::Mastercard));
        assert_eq!(brand("378282246310005"), Ok(CardBrand::Amex));
        assert_eq!(brand("6011111111111117"), Ok(CardBrand::Discover));
        assert_eq!(brand("3566002020360505"), Ok(CardBrand::Jcb));
        assert_eq!(brand("4242424242424241"), Err(CardError::InvalidNumber));
        assert_eq!(brand("4242"), Err(CardError::InvalidNumber));
    }

    #[test]
    fn debug_hides_the_number() {
        let card = CardNumber::parse("4242424242424242").unwrap_or_else(|_| unreachable!());
        let shown = format!("{card:?}");
        assert!(!shown.contains("42424242"));
        assert!(shown.contains("4242"));
    }

    #[test]
    fn expiry_and_cvc() {
        assert_eq!(CardExpiry::parse(13, 2030, (2026, 11)), Err(CardError::InvalidExpiryMonth));
        assert_eq!(CardExpiry::parse(10, 2026, (2026, 11)), Err(CardError::Expired));
        assert!(CardExpiry::parse(11, 26, (2026, 11)).is_ok());
        assert_eq!(CardExpiry::parse(1, 3000, (2026, 11)), Err(CardError::InvalidExpiryYear));
        assert!(validate_cvc("1234", CardBrand::Amex).is_ok());
        assert_eq!(validate_cvc("123", CardBrand::Amex), Err(CardError::InvalidCvc));
        assert_eq!(validate_cvc("12a", CardBrand::Visa), Err(CardError::InvalidCvc));
    }

    #[test]
    fn fingerprints_are_keyed() {
        let card = CardNumber::parse("4242424242424242").unwrap_or_else(|_| unreachable!());
        assert_eq!(card.fingerprint(b"one"), card.fingerprint(b"one"));
        assert_ne!(card.fingerprint(b"one"), card.fingerprint(b"two"));
        assert!(!card.fingerprint(b"one").contains("4242424242"));
    }
}
