//! What prices and settles a merchant's payments, from its account settings: its
//! country (a card issued elsewhere, or a buyer elsewhere, pays the international
//! surcharge), its settlement currency (captures in another currency are converted at
//! capture) and its negotiated fee terms per payment method, laid over the default
//! schedule (`tradewind_settlement::fees::FeeOverlay`).
//!
//! Every capture asks for these terms, so they are kept in a small cache for at most
//! [`TERMS_CACHE_TTL`]: the longest another process's settings change can go unseen
//! here. This process forgets a merchant's entry as soon as it changes its settings.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tradewind_money::{Currency, Money};
use tradewind_settlement::fees::{Connector, FeeError, FeeOverlay, FeeSchedule, Method, Overlay, default_schedule};
use tradewind_storage::payment_intents::PaymentIntentRow;
use tradewind_storage::payouts::{self, PayoutSettingsRow};
use utoipa::ToSchema;

/// How long cached terms are trusted without asking the database again.
pub const TERMS_CACHE_TTL: Duration = Duration::from_secs(1);
/// Merchants cached at most; a full cache starts over.
const TERMS_CACHED_MAX: usize = 4_096;

/// A merchant's negotiated terms for one payment method: each field left out keeps the
/// default schedule's. Amounts are minor units of `currency`, which defaults to the
/// currency of the default schedule's amounts (USD for cards and PayPal) and must be
/// given for a method whose default has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_basis_points: Option<i64>,
    /// The fixed part; 0 removes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub international_surcharge_basis_points: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_conversion_surcharge_basis_points: Option<i64>,
    /// The dispute fee; 0 removes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute_fee_amount: Option<i64>,
    /// Whether refunds give back their share of the fee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_fee_returned: Option<bool>,
    /// The currency of the amounts above (ISO 4217, lowercase on the wire).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// The fee schedule in force for one method, as the settings show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FeeScheduleObject {
    pub percent_basis_points: i64,
    pub fixed_amount: i64,
    pub international_surcharge_basis_points: i64,
    pub currency_conversion_surcharge_basis_points: i64,
    /// The most the whole fee can be; absent for no cap.
    pub cap_amount: Option<i64>,
    pub dispute_fee_amount: i64,
    pub refund_fee_returned: bool,
    /// The currency of the amounts; absent when the schedule has none.
    pub currency: Option<String>,
    /// Whether the merchant's own terms change the default.
    pub overridden: bool,
}

impl FeeScheduleObject {
    fn of(schedule: &FeeSchedule, overridden: bool) -> FeeScheduleObject {
        let terms = schedule.terms();
        let minor = |amount: Option<Money>| amount.map_or(0, |amount| amount.minor());
        FeeScheduleObject {
            percent_basis_points: terms.percent_basis_points,
            fixed_amount: minor(terms.fixed),
            international_surcharge_basis_points: terms.international_surcharge_basis_points,
            currency_conversion_surcharge_basis_points: terms.currency_conversion_surcharge_basis_points,
            cap_amount: terms.cap.map(|cap| cap.minor()),
            dispute_fee_amount: minor(terms.dispute_fee),
            refund_fee_returned: terms.refund_fee_returned,
            currency: schedule.currency().map(|currency| currency.code().to_ascii_lowercase()),
            overridden,
        }
    }
}

/// What prices and settles one merchant's payments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MerchantTerms {
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    pub settlement_currency: Option<Currency>,
    pub fee_overrides: BTreeMap<Method, FeeOverride>,
}

impl MerchantTerms {
    /// The terms stored in `row`; a column that does not parse is corrupt data.
    pub fn from_row(row: &PayoutSettingsRow) -> ApiResult<MerchantTerms> {
        let settlement_currency = row
            .settlement_currency
            .as_deref()
            .map(|code| Currency::parse(code).map_err(|_| corrupt(format!("settlement currency `{code}`"))))
            .transpose()?;
        let stored: BTreeMap<String, FeeOverride> = serde_json::from_str(&row.fee_overrides)
            .map_err(|error| corrupt(format!("fee overrides of {}: {error}", row.merchant_id)))?;
        let mut fee_overrides = BTreeMap::new();
        for (name, fee_override) in stored {
            let method = Method::parse(&name).ok_or_else(|| corrupt(format!("fee override for `{name}`")))?;
            fee_overrides.insert(method, fee_override);
        }
        Ok(MerchantTerms { country: row.country.clone(), settlement_currency, fee_overrides })
    }

    /// The default schedule of `method` with the merchant's terms laid over it.
    pub fn schedule(&self, method: Method) -> ApiResult<FeeSchedule> {
        stored_schedule(Connector::Sandbox, method, self.fee_overrides.get(&method))
    }

    /// Every method's schedule in force, as the settings show them.
    pub fn schedules(&self) -> ApiResult<BTreeMap<String, FeeScheduleObject>> {
        Method::ALL
            .into_iter()
            .map(|method| {
                let schedule = self.schedule(method)?;
                let overridden = self.fee_overrides.contains_key(&method);
                Ok((method.as_str().to_owned(), FeeScheduleObject::of(&schedule, overridden)))
            })
            .collect()
    }

    /// Whether a payment from `buyer_country` crosses a border: false when either
    /// country is unknown.
    pub fn international(&self, buyer_country: Option<&str>) -> bool {
        match (&self.country, buyer_country) {
            (Some(own), Some(buyer)) => !buyer.eq_ignore_ascii_case(own),
            _ => false,
        }
    }
}

/// Where `intent`'s payment comes from: the card's issuing country, or else the
/// buyer's country.
pub fn buyer_country(intent: &PaymentIntentRow) -> Option<String> {
    let details = crate::wire::json_column("payment_method_details", intent.payment_method_details.as_deref());
    if let Some(country) = details["card"]["country"].as_str() {
        return Some(country.to_owned());
    }
    let customer = crate::wire::json_column("customer", intent.customer.as_deref());
    customer["country"].as_str().map(str::to_owned)
}

/// The fee override's parameter prefix on the wire: `fees[card]`.
fn param(method: Method, field: &str) -> String {
    format!("fees[{}][{field}]", method.as_str())
}

/// The schedule of `method` through `connector` with stored terms (checked when they
/// were stored) laid over its default; a failure is corrupt data.
pub fn stored_schedule(
    connector: Connector,
    method: Method,
    fee_override: Option<&FeeOverride>,
) -> ApiResult<FeeSchedule> {
    let default = default_schedule(connector, method).map_err(|error| corrupt(error.to_string()))?;
    match fee_override {
        None => Ok(default),
        Some(fee_override) => overlaid(&default, fee_override, method).map_err(|error| corrupt(error.message.clone())),
    }
}

/// `fee_override` checked against the default schedule of `method` through
/// `connector`, as it is stored (its currency in capitals); errors name
/// `fees[method][field]`.
pub fn checked_override(connector: Connector, method: Method, fee_override: &FeeOverride) -> ApiResult<FeeOverride> {
    let default = default_schedule(connector, method).map_err(|error| ApiError::internal(&error))?;
    overlaid(&default, fee_override, method)?;
    let mut stored = fee_override.clone();
    stored.currency = stored.currency.map(|code| code.to_ascii_uppercase());
    Ok(stored)
}

/// `default` with `fee_override` laid over it, checked like any schedule; errors name
/// the offending parameter.
pub fn overlaid(default: &FeeSchedule, fee_override: &FeeOverride, method: Method) -> ApiResult<FeeSchedule> {
    let currency = match &fee_override.currency {
        Some(code) => Some(crate::flows::validate::currency(&param(method, "currency"), code)?),
        None => default.currency(),
    };
    let amount = |field: &str, minor: Option<i64>| -> ApiResult<Overlay<Option<Money>>> {
        match minor {
            None => Ok(Overlay::Inherit),
            Some(minor) if minor < 0 => Err(ApiError::invalid(
                param(method, field),
                "parameter_invalid_integer",
                format!("`{}` must not be negative.", param(method, field)),
            )),
            Some(0) => Ok(Overlay::Replace(None)),
            Some(minor) => match currency {
                Some(currency) => Ok(Overlay::Replace(Some(Money::new(minor, currency)))),
                None => Err(ApiError::invalid(
                    param(method, "currency"),
                    "parameter_missing",
                    format!(
                        "{method} has no amounts by default: give `{}` with `{}`.",
                        param(method, "currency"),
                        param(method, field)
                    ),
                )),
            },
        }
    };
    let rate = |value: Option<i64>| value.map_or(Overlay::Inherit, Overlay::Replace);
    let overlay = FeeOverlay {
        percent_basis_points: rate(fee_override.percent_basis_points),
        fixed: amount("fixed_amount", fee_override.fixed_amount)?,
        international_surcharge_basis_points: rate(fee_override.international_surcharge_basis_points),
        currency_conversion_surcharge_basis_points: rate(fee_override.currency_conversion_surcharge_basis_points),
        cap: Overlay::Inherit,
        dispute_fee: amount("dispute_fee_amount", fee_override.dispute_fee_amount)?,
        refund_fee_returned: fee_override.refund_fee_returned.map_or(Overlay::Inherit, Overlay::Replace),
    };
    default.with_overlay(&overlay).map_err(|error| {
        let field = match &error {
            // The schedule names its rates as the wire does.
            FeeError::BasisPointsOutOfRange { field, .. } => *field,
            FeeError::TotalOverHundredPercent(_) => "percent_basis_points",
            FeeError::MixedCurrencies { .. } => "currency",
            _ => "fixed_amount",
        };
        ApiError::invalid(param(method, field), "parameter_invalid", format!("{}: {error}.", param(method, field)))
    })
}

#[derive(Debug, thiserror::Error)]
#[error("merchant terms: {0}")]
struct CorruptTerms(String);

fn corrupt(what: String) -> ApiError {
    ApiError::internal(&CorruptTerms(what))
}

struct Entry {
    terms: Arc<MerchantTerms>,
    loaded_at: Instant,
}

#[derive(Default)]
struct Entries {
    by_merchant: HashMap<String, Entry>,
    /// Moves on at every forgetting, so terms read before it are not cached after it.
    generation: u64,
}

/// Merchants' terms, kept for [`TERMS_CACHE_TTL`].
#[derive(Default)]
pub struct TermsCache {
    entries: Mutex<Entries>,
}

impl TermsCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops the merchant's entry: its settings just changed.
    pub fn forget(&self, merchant_id: &str) {
        let mut entries = self.entries();
        entries.by_merchant.remove(merchant_id);
        entries.generation += 1;
    }
}

/// The merchant's terms, from the cache when fresh.
pub async fn terms(state: &AppState, merchant_id: &str) -> ApiResult<Arc<MerchantTerms>> {
    let generation = {
        let entries = state.terms_cache.entries();
        if let Some(entry) = entries.by_merchant.get(merchant_id)
            && entry.loaded_at.elapsed() < TERMS_CACHE_TTL
        {
            return Ok(entry.terms.clone());
        }
        entries.generation
    };
    let terms = Arc::new(match payouts::settings(state.store.pool(), merchant_id).await? {
        Some(row) => MerchantTerms::from_row(&row)?,
        None => MerchantTerms::default(),
    });
    let mut entries = state.terms_cache.entries();
    if entries.generation == generation {
        if entries.by_merchant.len() >= TERMS_CACHED_MAX {
            entries.by_merchant.clear();
        }
        entries.by_merchant.insert(merchant_id.to_owned(), Entry { terms: terms.clone(), loaded_at: Instant::now() });
    }
    Ok(terms)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn card_default() -> FeeSchedule {
        default_schedule(Connector::Sandbox, Method::Card).unwrap()
    }

    #[test]
    fn an_override_replaces_only_what_it_names() {
        let fee_override =
            FeeOverride { percent_basis_points: Some(250), fixed_amount: Some(0), ..FeeOverride::default() };
        let schedule = overlaid(&card_default(), &fee_override, Method::Card).unwrap();
        let terms = schedule.terms();
        assert_eq!(terms.percent_basis_points, 250);
        assert_eq!(terms.fixed, None);
        assert_eq!(terms.international_surcharge_basis_points, 150);
        assert_eq!(terms.dispute_fee.map(|fee| fee.minor()), Some(1_500));
    }

    #[test]
    fn bad_overrides_name_their_parameter() {
        let cases = [
            (
                FeeOverride { percent_basis_points: Some(10_001), ..FeeOverride::default() },
                "fees[card][percent_basis_points]",
            ),
            (FeeOverride { fixed_amount: Some(-1), ..FeeOverride::default() }, "fees[card][fixed_amount]"),
            (
                FeeOverride { fixed_amount: Some(10), currency: Some("eur".to_owned()), ..FeeOverride::default() },
                "fees[card][currency]",
            ),
            (
                FeeOverride { international_surcharge_basis_points: Some(9_900), ..FeeOverride::default() },
                "fees[card][percent_basis_points]",
            ),
        ];
        for (fee_override, expected) in cases {
            let error = overlaid(&card_default(), &fee_override, Method::Card).unwrap_err();
            assert_eq!(error.param.as_deref(), Some(expected), "{fee_override:?}");
        }
        let gopay = default_schedule(Connector::Sandbox, Method::Gopay).unwrap();
        let no_currency = FeeOverride { fixed_amount: Some(10), ..FeeOverride::default() };
        let error = overlaid(&gopay, &no_currency, Method::Gopay).unwrap_err();
        assert_eq!(error.param.as_deref(), Some("fees[gopay][currency]"));
        let with_currency = FeeOverride { currency: Some("idr".to_owned()), ..no_currency };
        assert_eq!(overlaid(&gopay, &with_currency, Method::Gopay).unwrap().terms().fixed.map(|f| f.minor()), Some(10));
    }

    #[test]
    fn international_compares_the_buyer_with_the_merchant() {
        let us = MerchantTerms { country: Some("US".to_owned()), ..MerchantTerms::default() };
        assert!(us.international(Some("DE")));
        assert!(!us.international(Some("us")));
        assert!(!us.international(None));
        assert!(!MerchantTerms::default().international(Some("DE")));
    }
}
