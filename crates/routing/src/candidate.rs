//! A connector account as routing sees it, and the screen every candidate passes
//! before any strategy looks at it: enabled, the payment's method, currency and
//! country, and a circuit breaker that lets payments through.
//!
//! **Countries.** A candidate with a country list serves only payments whose country
//! (the card's, else the buyer's) is known and listed: a merchant who restricts an
//! account to Brazil does not want a payment of unknown origin sent to it.

use crate::breaker::BreakerState;
use crate::facts::PaymentFacts;
use crate::health::Health;
use std::fmt;
use tradewind_money::Currency;
use tradewind_payments::method::PaymentMethodType;
use tradewind_settlement::fees::FeeSchedule;

/// One of the merchant's connector accounts, in the merchant's configured order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The connector account id (`mca_…`).
    pub id: String,
    /// The provider: `sandbox`, `stripe`, `paypal`.
    pub kind: String,
    pub methods: Vec<PaymentMethodType>,
    /// ISO alpha-2 card or buyer countries served; `None`: all.
    pub countries: Option<Vec<String>>,
    /// Payment currencies accepted; `None`: all.
    pub currencies: Option<Vec<Currency>>,
    /// The fee schedule, localized to the payment's currency when it has money terms.
    pub fees: FeeSchedule,
    /// The currency the account pays out in; a payment in another currency is
    /// converted (conversion surcharge and FX spread apply).
    pub settlement_currency: Option<Currency>,
    /// The provider's FX margin on converted payments, in basis points of the amount.
    pub fx_spread_basis_points: i64,
    pub enabled: bool,
}

/// Why a connector was left out of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A rule names an account the merchant no longer has.
    NotConfigured,
    Disabled,
    MethodNotSupported(PaymentMethodType),
    CurrencyNotSupported(Currency),
    CountryNotServed(String),
    /// The account serves listed countries only and the payment's country is unknown.
    CountryUnknown,
    /// The breaker is open until `until`; `remaining_seconds` from the decision's `now`.
    CircuitOpen {
        until: i64,
        remaining_seconds: i64,
    },
    /// The breaker is half-open and its one probe is out.
    ProbeInFlight,
}

impl SkipReason {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::NotConfigured => "not_configured",
            SkipReason::Disabled => "disabled",
            SkipReason::MethodNotSupported(_) => "method_not_supported",
            SkipReason::CurrencyNotSupported(_) => "currency_not_supported",
            SkipReason::CountryNotServed(_) => "country_not_served",
            SkipReason::CountryUnknown => "country_unknown",
            SkipReason::CircuitOpen { .. } => "circuit_open",
            SkipReason::ProbeInFlight => "probe_in_flight",
        }
    }
}

/// The merchant-readable reason, as explanations print it.
impl fmt::Display for SkipReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotConfigured => write!(formatter, "no longer configured"),
            SkipReason::Disabled => write!(formatter, "disabled"),
            SkipReason::MethodNotSupported(method) => write!(formatter, "does not take {method}"),
            SkipReason::CurrencyNotSupported(currency) => write!(formatter, "does not take {currency}"),
            SkipReason::CountryNotServed(country) => write!(formatter, "does not serve {country}"),
            SkipReason::CountryUnknown => write!(formatter, "serves listed countries only; the payment's is unknown"),
            SkipReason::CircuitOpen { remaining_seconds, .. } => {
                write!(formatter, "paused after repeated errors, for another {remaining_seconds} s")
            }
            SkipReason::ProbeInFlight => write!(formatter, "being tested by another payment after errors"),
        }
    }
}

/// A connector left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub connector: String,
    pub reason: SkipReason,
}

impl Candidate {
    /// Whether this candidate may take the payment at `now`, or why not.
    pub fn screen(&self, facts: &PaymentFacts, health: &Health, now: i64) -> Result<(), SkipReason> {
        if !self.enabled {
            return Err(SkipReason::Disabled);
        }
        if !self.methods.contains(&facts.method) {
            return Err(SkipReason::MethodNotSupported(facts.method));
        }
        if let Some(currencies) = &self.currencies
            && !currencies.contains(&facts.currency)
        {
            return Err(SkipReason::CurrencyNotSupported(facts.currency));
        }
        if let Some(countries) = &self.countries {
            let Some(country) = facts.country() else { return Err(SkipReason::CountryUnknown) };
            if !countries.iter().any(|served| served.eq_ignore_ascii_case(country)) {
                return Err(SkipReason::CountryNotServed(country.to_ascii_uppercase()));
            }
        }
        match health.breaker_state(&self.id, now) {
            BreakerState::Closed | BreakerState::HalfOpen { probe_in_flight: false } => Ok(()),
            BreakerState::HalfOpen { probe_in_flight: true } => Err(SkipReason::ProbeInFlight),
            BreakerState::Open { until } => {
                Err(SkipReason::CircuitOpen { until, remaining_seconds: until.saturating_sub(now) })
            }
        }
    }
}

/// The candidates named by `connectors` (in that order) that pass the screen, and the
/// others with their reasons.
pub(crate) fn screen_named<'a>(
    connectors: &[&str],
    candidates: &'a [Candidate],
    facts: &PaymentFacts,
    health: &Health,
    now: i64,
) -> (Vec<&'a Candidate>, Vec<Skipped>) {
    let mut eligible = Vec::with_capacity(connectors.len());
    let mut skipped = Vec::new();
    for (index, &name) in connectors.iter().enumerate() {
        // A name listed twice is screened once: a decision names each connector once.
        if connectors[..index].contains(&name) {
            continue;
        }
        let result = match candidates.iter().find(|candidate| candidate.id == name) {
            Some(candidate) => candidate.screen(facts, health, now).map(|()| candidate),
            None => Err(SkipReason::NotConfigured),
        };
        match result {
            Ok(candidate) => eligible.push(candidate),
            Err(reason) => skipped.push(Skipped { connector: name.to_owned(), reason }),
        }
    }
    (eligible, skipped)
}
