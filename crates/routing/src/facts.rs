//! What routing knows about a payment when it decides: method, card, countries,
//! currency, amount and metadata. The caller fills it from the intent and the payment
//! method; nothing here looks anything up.

use std::collections::BTreeMap;
use tradewind_money::{Currency, Money};
use tradewind_payments::method::PaymentMethodType;

/// The facts one routing decision is made on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFacts {
    pub method: PaymentMethodType,
    /// The card brand as `CardBrand::as_str` spells it (`"visa"`), for card payments.
    pub card_brand: Option<String>,
    /// ISO 3166-1 alpha-2 country that issued the card, when known.
    pub card_country: Option<String>,
    /// ISO 3166-1 alpha-2 country of the buyer, when known.
    pub buyer_country: Option<String>,
    /// ISO 3166-1 alpha-2 country of the merchant, when known (for the international
    /// surcharge of least-cost routing).
    pub merchant_country: Option<String>,
    pub currency: Currency,
    /// The amount in minor units of `currency`.
    pub amount: i64,
    pub metadata: BTreeMap<String, String>,
}

impl PaymentFacts {
    /// The payment's country for routing: the card's issuing country, else the buyer's.
    /// Candidates' countries, success windows and the international test all use it.
    pub fn country(&self) -> Option<&str> {
        self.card_country.as_deref().or(self.buyer_country.as_deref())
    }

    /// Whether providers will bill the payment as international: its country differs
    /// from the merchant's. Unknown on either side counts as domestic.
    pub fn is_international(&self) -> bool {
        match (self.country(), self.merchant_country.as_deref()) {
            (Some(payment), Some(merchant)) => !payment.eq_ignore_ascii_case(merchant),
            _ => false,
        }
    }

    pub fn money(&self) -> Money {
        Money::new(self.amount, self.currency)
    }
}

/// A country code as an upper-case pair of ASCII letters, or `None` when `code` is not
/// two letters. Outcome windows are keyed by it.
pub(crate) fn country_key(code: &str) -> Option<[u8; 2]> {
    match code.as_bytes() {
        &[first, second] if first.is_ascii_alphabetic() && second.is_ascii_alphabetic() => {
            Some([first.to_ascii_uppercase(), second.to_ascii_uppercase()])
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn facts(card: Option<&str>, buyer: Option<&str>, merchant: Option<&str>) -> PaymentFacts {
        PaymentFacts {
            method: PaymentMethodType::Card,
            card_brand: None,
            card_country: card.map(str::to_owned),
            buyer_country: buyer.map(str::to_owned),
            merchant_country: merchant.map(str::to_owned),
            currency: Currency::parse("EUR").unwrap(),
            amount: 1_000,
            metadata: BTreeMap::new(),
        }
    }

    #[test]
    fn the_card_country_goes_before_the_buyer_country() {
        assert_eq!(facts(Some("DE"), Some("FR"), None).country(), Some("DE"));
        assert_eq!(facts(None, Some("FR"), None).country(), Some("FR"));
        assert_eq!(facts(None, None, None).country(), None);
    }

    #[test]
    fn international_needs_both_countries_and_ignores_case() {
        assert!(facts(Some("DE"), Some("NL"), Some("NL")).is_international());
        assert!(!facts(None, Some("nl"), Some("NL")).is_international());
        assert!(!facts(None, None, Some("NL")).is_international());
        assert!(!facts(Some("DE"), None, None).is_international());
    }

    #[test]
    fn country_keys_are_two_letters_upper_cased() {
        assert_eq!(country_key("de"), Some(*b"DE"));
        assert_eq!(country_key("DEU"), None);
        assert_eq!(country_key("D1"), None);
        assert_eq!(country_key(""), None);
    }
}
