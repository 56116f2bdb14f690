//! Parameter validation shared by the routes: each check names its parameter.

use crate::error::{ApiError, ApiResult};
use crate::wire::payment_intent::CustomerDetails;
use std::collections::BTreeMap;
use tradewind_money::Currency;
use tradewind_payments::customer::{
    DESCRIPTION_LENGTH_MAX, is_plausible_email, is_valid_statement_descriptor, validate_metadata,
};
use tradewind_payments::intent::CaptureMethod;
use tradewind_payments::method::{MarketError, PaymentMethodType, available_methods, is_country_code};

pub const URL_LENGTH_MAX: usize = 2048;

pub fn currency(param: &str, code: &str) -> ApiResult<Currency> {
    Currency::parse(code).map_err(|_| {
        ApiError::invalid(param, "invalid_currency", format!("Invalid currency: `{code}` is not an ISO 4217 code."))
    })
}

pub fn positive_amount(param: &str, amount: i64) -> ApiResult<i64> {
    if amount <= 0 {
        return Err(ApiError::invalid(
            param,
            "amount_too_small",
            format!("`{param}` must be a positive integer in the currency's minor unit."),
        ));
    }
    Ok(amount)
}

pub fn customer(details: Option<CustomerDetails>) -> ApiResult<Option<CustomerDetails>> {
    let Some(mut details) = details else { return Ok(None) };
    if let Some(country) = &details.country {
        if !is_country_code(country) {
            return Err(ApiError::invalid(
                "customer[country]",
                "parameter_invalid",
                "`customer[country]` must be an ISO 3166-1 alpha-2 code such as `US`.",
            ));
        }
        details.country = Some(country.to_ascii_uppercase());
    }
    if let Some(email) = &details.email
        && !is_plausible_email(email)
    {
        return Err(ApiError::invalid(
            "customer[email]",
            "email_invalid",
            "`customer[email]` is not a valid e-mail address.",
        ));
    }
    for (param, value) in
        [("customer[name]", &details.name), ("customer[phone]", &details.phone), ("customer[tax_id]", &details.tax_id)]
    {
        if value.as_ref().is_some_and(|value| value.chars().count() > 200) {
            return Err(ApiError::invalid(
                param,
                "parameter_invalid",
                format!("`{param}` is longer than 200 characters."),
            ));
        }
    }
    Ok(Some(details))
}

pub fn metadata(metadata: &BTreeMap<String, String>) -> ApiResult<()> {
    validate_metadata(metadata.iter().map(|(key, value)| (key.as_str(), value.as_str())))
        .map_err(|error| ApiError::invalid("metadata", "parameter_invalid", error.to_string()))
}

pub fn description(description: &Option<String>) -> ApiResult<()> {
    if description.as_ref().is_some_and(|text| text.chars().count() > DESCRIPTION_LENGTH_MAX) {
        return Err(ApiError::invalid(
            "description",
            "parameter_invalid",
            "`description` is longer than 1000 characters.",
        ));
    }
    Ok(())
}

pub fn statement_descriptor(value: &Option<String>) -> ApiResult<()> {
    if value.as_ref().is_some_and(|text| !is_valid_statement_descriptor(text)) {
        return Err(ApiError::invalid(
            "statement_descriptor",
            "parameter_invalid",
            "`statement_descriptor` must be 5 to 22 characters with at least one letter and none of < > \\ ' \" *.",
        ));
    }
    Ok(())
}

pub fn url(param: &str, value: &Option<String>) -> ApiResult<()> {
    if let Some(url) = value
        && (url.len() > URL_LENGTH_MAX || !(url.starts_with("https://") || url.starts_with("http://")))
    {
        return Err(ApiError::invalid(param, "url_invalid", format!("`{param}` must be an http(s) URL.")));
    }
    Ok(())
}

/// Maps a capability-table refusal to a 400 naming the parameter at fault.
pub fn market_error(error: MarketError, method_param: &str) -> ApiError {
    match &error {
        MarketError::AmountOutOfRange { .. } => ApiError::invalid("amount", "amount_out_of_range", error.to_string()),
        MarketError::CurrencyNotSupported { .. } | MarketError::CountryNotSupported { .. } => {
            ApiError::invalid(method_param, "payment_method_unavailable", error.to_string())
        }
    }
}

/// The method types an intent accepts: the ones asked for (each checked against the
/// market and amount), or every method the market offers.
pub fn method_types(
    requested: Option<&[String]>,
    country: Option<&str>,
    currency: Currency,
    amount: i64,
) -> ApiResult<Vec<PaymentMethodType>> {
    match requested {
        Some(names) => {
            if names.is_empty() {
                return Err(ApiError::invalid(
                    "payment_method_types",
                    "parameter_invalid",
                    "`payment_method_types` must name at least one method.",
                ));
            }
            let mut methods = Vec::with_capacity(names.len());
            for (index, name) in names.iter().enumerate() {
                let param = format!("payment_method_types[{index}]");
                let method = PaymentMethodType::parse(name)
                    .map_err(|error| ApiError::invalid(&param, "parameter_invalid", error.to_string()))?;
                method.capability().check(country, currency, amount).map_err(|error| market_error(error, &param))?;
                if !methods.contains(&method) {
                    methods.push(method);
                }
            }
            Ok(methods)
        }
        None => {
            let methods: Vec<PaymentMethodType> =
                available_methods(country, currency, Some(amount)).iter().map(|row| row.method).collect();
            if methods.is_empty() {
                let card = PaymentMethodType::Card.capability();
                return Err(match card.check(country, currency, amount) {
                    Err(error) => market_error(error, "currency"),
                    Ok(()) => {
                        ApiError::invalid("currency", "payment_method_unavailable", "No payment method is available.")
                    }
                });
            }
            Ok(methods)
        }
    }
}

/// `automatic` (the default) or `manual`.
pub fn capture_method(value: Option<&str>) -> ApiResult<CaptureMethod> {
    match value {
        None => Ok(CaptureMethod::Automatic),
        Some(value) => CaptureMethod::parse(value).ok_or_else(|| {
            ApiError::invalid(
                "capture_method",
                "parameter_invalid",
                "`capture_method` must be `automatic` or `manual`.",
            )
        }),
    }
}

pub fn join_methods(methods: &[PaymentMethodType]) -> String {
    methods.iter().map(|method| method.as_str()).collect::<Vec<_>>().join(",")
}
