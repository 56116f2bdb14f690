//! A rule's conditions after validation: typed values (methods, currencies), countries
//! upper-cased, and the two questions routing asks of them — does this payment match,
//! and which of its facts made it match (for the explanation).

use crate::facts::PaymentFacts;
use crate::rule::Conditions;
use crate::rule_set::{RuleError, RuleErrorKind};
use std::collections::BTreeMap;
use tradewind_money::{Currency, Money, format_minor_units};
use tradewind_payments::card::CardBrand;
use tradewind_payments::customer::validate_metadata;
use tradewind_payments::method::PaymentMethodType;

/// The most values one condition list may hold (there are about 250 countries).
pub const CONDITION_VALUES_MAX: usize = 300;

/// Validated conditions; `None` (or an empty map) is "any".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matcher {
    methods: Option<Vec<PaymentMethodType>>,
    card_brands: Option<Vec<CardBrand>>,
    card_countries: Option<Vec<String>>,
    buyer_countries: Option<Vec<String>>,
    currencies: Option<Vec<Currency>>,
    amount_min: Option<i64>,
    amount_max: Option<i64>,
    metadata: BTreeMap<String, String>,
}

impl Matcher {
    /// Checks `conditions`, naming each fault by its path under `path`
    /// (`rules[2][conditions]`).
    pub(crate) fn compile(conditions: &Conditions, path: &str) -> Result<Matcher, RuleError> {
        let list_path = |field: &str| format!("{path}[{field}]");
        let methods = parse_list(conditions.methods.as_deref(), &list_path("methods"), |value| {
            PaymentMethodType::parse(value).map_err(|_| RuleErrorKind::UnknownMethod(value.to_owned()))
        })?;
        let card_brands = parse_list(conditions.card_brands.as_deref(), &list_path("card_brands"), |value| {
            CardBrand::parse(value).ok_or_else(|| RuleErrorKind::UnknownCardBrand(value.to_owned()))
        })?;
        let card_countries = parse_list(conditions.card_countries.as_deref(), &list_path("card_countries"), country)?;
        let buyer_countries =
            parse_list(conditions.buyer_countries.as_deref(), &list_path("buyer_countries"), country)?;
        let currencies = parse_list(conditions.currencies.as_deref(), &list_path("currencies"), |value| {
            Currency::parse(value).map_err(|_| RuleErrorKind::UnknownCurrency(value.to_owned()))
        })?;
        check_amount_range(conditions, currencies.as_deref(), path)?;
        validate_metadata(conditions.metadata.iter().map(|(key, value)| (key.as_str(), value.as_str())))
            .map_err(|error| RuleError::new(list_path("metadata"), RuleErrorKind::MetadataInvalid(error)))?;
        Ok(Matcher {
            methods,
            card_brands,
            card_countries,
            buyer_countries,
            currencies,
            amount_min: conditions.amount_min,
            amount_max: conditions.amount_max,
            metadata: conditions.metadata.clone(),
        })
    }

    /// Whether every condition holds for `facts`.
    pub(crate) fn matches(&self, facts: &PaymentFacts) -> bool {
        contains(&self.methods, |method| *method == facts.method)
            && contains(&self.card_brands, |brand| facts.card_brand.as_deref() == Some(brand.as_str()))
            && contains(&self.card_countries, |code| same_country(facts.card_country.as_deref(), code))
            && contains(&self.buyer_countries, |code| same_country(facts.buyer_country.as_deref(), code))
            && contains(&self.currencies, |currency| *currency == facts.currency)
            && self.amount_min.is_none_or(|minimum| facts.amount >= minimum)
            && self.amount_max.is_none_or(|maximum| facts.amount <= maximum)
            && self.metadata.iter().all(|(key, value)| facts.metadata.get(key) == Some(value))
    }

    /// The facts the conditions looked at, as the merchant would say them: `method
    /// card, currency EUR, amount 120.00 EUR (10.00 to 500.00)`; `every payment` when
    /// there are no conditions.
    pub(crate) fn describe(&self, facts: &PaymentFacts) -> String {
        let mut parts = Vec::new();
        let text = |value: Option<&String>| value.map_or("unknown", String::as_str).to_owned();
        if self.methods.is_some() {
            parts.push(format!("method {}", facts.method));
        }
        if self.card_brands.is_some() {
            parts.push(format!("card brand {}", text(facts.card_brand.as_ref())));
        }
        if self.card_countries.is_some() {
            parts.push(format!("card country {}", text(facts.card_country.as_ref())));
        }
        if self.buyer_countries.is_some() {
            parts.push(format!("buyer country {}", text(facts.buyer_country.as_ref())));
        }
        if self.currencies.is_some() {
            parts.push(format!("currency {}", facts.currency));
        }
        if let Some(range) = self.describe_amount_range(facts.currency) {
            parts.push(format!("amount {} {} ({range})", format_minor_units(facts.money()), facts.currency));
        }
        for (key, value) in &self.metadata {
            parts.push(format!("metadata {key} = {value}"));
        }
        if parts.is_empty() { "every payment".to_owned() } else { parts.join(", ") }
    }

    fn describe_amount_range(&self, currency: Currency) -> Option<String> {
        let amount = |minor: i64| format_minor_units(Money::new(minor, currency));
        match (self.amount_min, self.amount_max) {
            (Some(minimum), Some(maximum)) => Some(format!("{} to {}", amount(minimum), amount(maximum))),
            (Some(minimum), None) => Some(format!("at least {}", amount(minimum))),
            (None, Some(maximum)) => Some(format!("at most {}", amount(maximum))),
            (None, None) => None,
        }
    }
}

fn contains<T>(list: &Option<Vec<T>>, wanted: impl Fn(&T) -> bool) -> bool {
    list.as_ref().is_none_or(|values| values.iter().any(wanted))
}

/// Whether the payment's `value` is the condition's upper-case `code`; unknown is not.
fn same_country(value: Option<&str>, code: &str) -> bool {
    value.is_some_and(|value| value.eq_ignore_ascii_case(code))
}

/// Parses a condition list element by element; `[]` is refused (it would match nothing,
/// which is never what a merchant means).
fn parse_list<T>(
    values: Option<&[String]>,
    path: &str,
    parse: impl Fn(&str) -> Result<T, RuleErrorKind>,
) -> Result<Option<Vec<T>>, RuleError> {
    let Some(values) = values else { return Ok(None) };
    if values.is_empty() {
        return Err(RuleError::new(path.to_owned(), RuleErrorKind::EmptyList));
    }
    if values.len() > CONDITION_VALUES_MAX {
        return Err(RuleError::new(path.to_owned(), RuleErrorKind::TooManyValues));
    }
    let parsed = values
        .iter()
        .enumerate()
        .map(|(index, value)| parse(value).map_err(|kind| RuleError::new(format!("{path}[{index}]"), kind)));
    parsed.collect::<Result<Vec<T>, RuleError>>().map(Some)
}

/// An ISO 3166-1 alpha-2 shape check (two ASCII letters), upper-cased.
fn country(value: &str) -> Result<String, RuleErrorKind> {
    crate::facts::country_key(value)
        .map(|pair| String::from_utf8_lossy(&pair).into_owned())
        .ok_or_else(|| RuleErrorKind::InvalidCountry(value.to_owned()))
}

/// Amount bounds are in minor units, so they need currencies that all have the same
/// number of decimals: `1000` is 10.00 EUR or USD, but 1,000 JPY.
fn check_amount_range(conditions: &Conditions, currencies: Option<&[Currency]>, path: &str) -> Result<(), RuleError> {
    let (minimum, maximum) = (conditions.amount_min, conditions.amount_max);
    if minimum.is_none() && maximum.is_none() {
        return Ok(());
    }
    for (field, bound) in [("amount_min", minimum), ("amount_max", maximum)] {
        if bound.is_some_and(|bound| bound < 0) {
            return Err(RuleError::new(format!("{path}[{field}]"), RuleErrorKind::AmountRangeInvalid));
        }
    }
    if let (Some(minimum), Some(maximum)) = (minimum, maximum)
        && minimum > maximum
    {
        return Err(RuleError::new(format!("{path}[amount_min]"), RuleErrorKind::AmountRangeInvalid));
    }
    let Some(currencies) = currencies else {
        return Err(RuleError::new(format!("{path}[currencies]"), RuleErrorKind::AmountRequiresCurrency));
    };
    let exponent = currencies.first().map(Currency::exponent);
    if currencies.iter().any(|currency| Some(currency.exponent()) != exponent) {
        return Err(RuleError::new(format!("{path}[currencies]"), RuleErrorKind::AmountCurrencyExponentsDiffer));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn facts() -> PaymentFacts {
        PaymentFacts {
            method: PaymentMethodType::Card,
            card_brand: Some("visa".to_owned()),
            card_country: Some("de".to_owned()),
            buyer_country: Some("FR".to_owned()),
            merchant_country: Some("NL".to_owned()),
            currency: Currency::parse("EUR").unwrap(),
            amount: 12_000,
            metadata: BTreeMap::from([("channel".to_owned(), "web".to_owned())]),
        }
    }

    fn strings(values: &[&str]) -> Option<Vec<String>> {
        Some(values.iter().map(|value| (*value).to_owned()).collect())
    }

    fn compile(conditions: Conditions) -> Matcher {
        Matcher::compile(&conditions, "rules[0][conditions]").unwrap()
    }

    #[test]
    fn no_conditions_match_every_payment() {
        let matcher = compile(Conditions::default());
        assert!(matcher.matches(&facts()));
        assert_eq!(matcher.describe(&facts()), "every payment");
    }

    #[test]
    fn every_condition_must_hold() {
        let conditions = Conditions {
            methods: strings(&["card", "paypal"]),
            card_brands: strings(&["visa"]),
            card_countries: strings(&["DE", "AT"]),
            buyer_countries: strings(&["fr"]),
            currencies: strings(&["EUR"]),
            amount_min: Some(1_000),
            amount_max: Some(50_000),
            metadata: BTreeMap::from([("channel".to_owned(), "web".to_owned())]),
        };
        let matcher = compile(conditions.clone());
        assert!(matcher.matches(&facts()));
        assert_eq!(
            matcher.describe(&facts()),
            "method card, card brand visa, card country de, buyer country FR, currency EUR, \
             amount 120.00 EUR (10.00 to 500.00), metadata channel = web"
        );
        let fails = |change: &dyn Fn(&mut PaymentFacts)| {
            let mut payment = facts();
            change(&mut payment);
            !matcher.matches(&payment)
        };
        assert!(fails(&|payment| payment.method = PaymentMethodType::Ideal));
        assert!(fails(&|payment| payment.card_brand = Some("amex".to_owned())));
        assert!(fails(&|payment| payment.card_brand = None));
        assert!(fails(&|payment| payment.card_country = None));
        assert!(fails(&|payment| payment.buyer_country = Some("BE".to_owned())));
        assert!(fails(&|payment| payment.currency = Currency::parse("USD").unwrap()));
        assert!(fails(&|payment| payment.amount = 999));
        assert!(fails(&|payment| payment.amount = 50_001));
        assert!(fails(&|payment| payment.metadata.clear()));
        assert!(!fails(&|payment| payment.amount = 1_000));
        assert!(!fails(&|payment| payment.amount = 50_000));
    }

    #[test]
    fn bad_values_name_their_element() {
        let fault = |conditions: Conditions| Matcher::compile(&conditions, "rules[3][conditions]").unwrap_err();
        let error = fault(Conditions { methods: strings(&["card", "cheque"]), ..Conditions::default() });
        assert_eq!((error.path.as_str(), error.code()), ("rules[3][conditions][methods][1]", "unknown_method"));
        let error = fault(Conditions { card_brands: strings(&["Visa"]), ..Conditions::default() });
        assert_eq!((error.path.as_str(), error.code()), ("rules[3][conditions][card_brands][0]", "unknown_card_brand"));
        let error = fault(Conditions { buyer_countries: strings(&["DEU"]), ..Conditions::default() });
        assert_eq!(
            (error.path.as_str(), error.code()),
            ("rules[3][conditions][buyer_countries][0]", "invalid_country")
        );
        let error = fault(Conditions { currencies: strings(&["EURO"]), ..Conditions::default() });
        assert_eq!((error.path.as_str(), error.code()), ("rules[3][conditions][currencies][0]", "unknown_currency"));
        let error = fault(Conditions { card_countries: Some(vec![]), ..Conditions::default() });
        assert_eq!((error.path.as_str(), error.code()), ("rules[3][conditions][card_countries]", "empty_list"));
        let metadata = BTreeMap::from([(String::new(), "x".to_owned())]);
        let error = fault(Conditions { metadata, ..Conditions::default() });
        assert_eq!((error.path.as_str(), error.code()), ("rules[3][conditions][metadata]", "metadata_invalid"));
    }

    #[test]
    fn amount_ranges_need_a_currency_of_one_exponent_and_an_order() {
        let fault = |conditions: Conditions| {
            Matcher::compile(&conditions, "c").map_err(|error| (error.path.clone(), error.code()))
        };
        let euro = || strings(&["EUR", "USD"]);
        assert!(fault(Conditions { amount_min: Some(5), currencies: euro(), ..Conditions::default() }).is_ok());
        assert_eq!(
            fault(Conditions { amount_min: Some(5), ..Conditions::default() }),
            Err(("c[currencies]".to_owned(), "amount_requires_currency"))
        );
        assert_eq!(
            fault(Conditions { amount_max: Some(5), currencies: strings(&["EUR", "JPY"]), ..Conditions::default() }),
            Err(("c[currencies]".to_owned(), "amount_currency_exponents_differ"))
        );
        assert_eq!(
            fault(Conditions { amount_min: Some(6), amount_max: Some(5), currencies: euro(), ..Conditions::default() }),
            Err(("c[amount_min]".to_owned(), "amount_range_invalid"))
        );
        assert_eq!(
            fault(Conditions { amount_max: Some(-1), currencies: euro(), ..Conditions::default() }),
            Err(("c[amount_max]".to_owned(), "amount_range_invalid"))
        );
    }
}
