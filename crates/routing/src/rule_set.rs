//! A merchant's validated, ordered rules. [`RuleSet::new`] checks every rule against
//! the merchant's connector accounts and refuses the set on the first fault, naming its
//! field path (`rules[2][strategy][splits]`) and a stable code for a 400 answer.

use crate::conditions::Matcher;
use crate::facts::PaymentFacts;
use crate::rule::{Rule, Split, Strategy};
use std::collections::BTreeSet;
use tradewind_payments::customer::MetadataError;

/// The most rules a merchant may have; routing walks them in order for every payment.
pub const RULES_MAX: usize = 200;
/// The most connectors one strategy may name.
pub const STRATEGY_CONNECTORS_MAX: usize = 50;
pub const RULE_ID_LENGTH_MAX: usize = 64;
pub const RULE_NAME_LENGTH_MAX: usize = 200;
/// More exploration than this would send most payments away from the best connector.
pub const EXPLORATION_PERCENT_MAX: i64 = 50;
/// Success windows keep at least this many outcomes (see
/// [`HealthConfig`](crate::HealthConfig)), so `min_samples` can always be reached.
pub const MIN_SAMPLES_MAX: i64 = 100;

/// A rule set fault: where it is and what rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct RuleError {
    /// The field at fault in the request body's terms: `rules[2][strategy][splits]`.
    pub path: String,
    pub kind: RuleErrorKind,
}

/// One variant per rule a rule set must obey.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleErrorKind {
    #[error("a merchant may have at most {RULES_MAX} routing rules")]
    TooManyRules,
    #[error("rule ids are 1 to {RULE_ID_LENGTH_MAX} letters, digits, `_` or `-`")]
    InvalidRuleId,
    #[error("the rule id `{0}` is used by an earlier rule")]
    DuplicateRuleId(String),
    #[error("rule names are 1 to {RULE_NAME_LENGTH_MAX} characters")]
    InvalidRuleName,
    #[error("`{0}` is not a payment method type")]
    UnknownMethod(String),
    #[error("`{0}` is not a card brand (visa, mastercard, amex, discover, jcb, unionpay, diners)")]
    UnknownCardBrand(String),
    #[error("`{0}` is not an ISO 3166-1 alpha-2 country code")]
    InvalidCountry(String),
    #[error("`{0}` is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    #[error("an empty list matches no payment; leave the condition out to match every payment")]
    EmptyList,
    #[error("a condition may list at most {} values", crate::conditions::CONDITION_VALUES_MAX)]
    TooManyValues,
    #[error("amounts are non-negative minor units and amount_min is at most amount_max")]
    AmountRangeInvalid,
    #[error("an amount range needs a currencies condition: amounts are in the currency's minor units")]
    AmountRequiresCurrency,
    #[error("an amount range needs currencies with the same number of decimals")]
    AmountCurrencyExponentsDiffer,
    #[error(transparent)]
    MetadataInvalid(MetadataError),
    #[error("the strategy names no connector")]
    EmptyConnectors,
    #[error("a strategy may name at most {STRATEGY_CONNECTORS_MAX} connectors")]
    TooManyConnectors,
    #[error("`{0}` is not one of the merchant's connector accounts")]
    UnknownConnector(String),
    #[error("`{0}` is named twice")]
    DuplicateConnector(String),
    #[error("{value} is outside {min} to {max}")]
    PercentOutOfRange { value: i64, min: i64, max: i64 },
    #[error("the split percents add up to {0}, not 100")]
    SplitNot100(i64),
    #[error("min_samples is {0}, outside 1 to {MIN_SAMPLES_MAX}")]
    MinSamplesOutOfRange(i64),
}

impl RuleErrorKind {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RuleErrorKind::TooManyRules => "too_many_rules",
            RuleErrorKind::InvalidRuleId => "invalid_rule_id",
            RuleErrorKind::DuplicateRuleId(_) => "duplicate_rule_id",
            RuleErrorKind::InvalidRuleName => "invalid_rule_name",
            RuleErrorKind::UnknownMethod(_) => "unknown_method",
            RuleErrorKind::UnknownCardBrand(_) => "unknown_card_brand",
            RuleErrorKind::InvalidCountry(_) => "invalid_country",
            RuleErrorKind::UnknownCurrency(_) => "unknown_currency",
            RuleErrorKind::EmptyList => "empty_list",
            RuleErrorKind::TooManyValues => "too_many_values",
            RuleErrorKind::AmountRangeInvalid => "amount_range_invalid",
            RuleErrorKind::AmountRequiresCurrency => "amount_requires_currency",
            RuleErrorKind::AmountCurrencyExponentsDiffer => "amount_currency_exponents_differ",
            RuleErrorKind::MetadataInvalid(_) => "metadata_invalid",
            RuleErrorKind::EmptyConnectors => "empty_connectors",
            RuleErrorKind::TooManyConnectors => "too_many_connectors",
            RuleErrorKind::UnknownConnector(_) => "unknown_connector",
            RuleErrorKind::DuplicateConnector(_) => "duplicate_connector",
            RuleErrorKind::PercentOutOfRange { .. } => "percent_out_of_range",
            RuleErrorKind::SplitNot100(_) => "split_not_100",
            RuleErrorKind::MinSamplesOutOfRange(_) => "min_samples_out_of_range",
        }
    }
}

impl RuleError {
    pub(crate) fn new(path: String, kind: RuleErrorKind) -> RuleError {
        RuleError { path, kind }
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// Rules that passed every check, in the merchant's order, with their conditions
/// compiled. Not `Serialize`: store and send [`RuleSet::rules`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSet {
    rules: Vec<Rule>,
    matchers: Vec<Matcher>,
}

impl RuleSet {
    /// Validates `rules` against the merchant's connector account ids. Strategies may
    /// only name those; a rule set stored earlier that names an account deleted since
    /// still routes (the account is skipped as not configured).
    pub fn new<I>(rules: Vec<Rule>, candidate_ids: I) -> Result<RuleSet, RuleError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        if rules.len() > RULES_MAX {
            return Err(RuleError::new("rules".to_owned(), RuleErrorKind::TooManyRules));
        }
        let known: BTreeSet<String> = candidate_ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        let mut ids = BTreeSet::new();
        let mut matchers = Vec::with_capacity(rules.len());
        for (index, rule) in rules.iter().enumerate() {
            let path = format!("rules[{index}]");
            check_id_and_name(rule, &path)?;
            if !ids.insert(rule.id.as_str()) {
                return Err(RuleError::new(format!("{path}[id]"), RuleErrorKind::DuplicateRuleId(rule.id.clone())));
            }
            matchers.push(Matcher::compile(&rule.conditions, &format!("{path}[conditions]"))?);
            check_strategy(&rule.strategy, &known, &format!("{path}[strategy]"))?;
        }
        Ok(RuleSet { rules, matchers })
    }

    /// An empty set: every payment goes by the default order.
    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// The rules as the merchant wrote them, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule whose conditions hold for `facts`, with its matcher.
    pub(crate) fn first_match(&self, facts: &PaymentFacts) -> Option<(&Rule, &Matcher)> {
        self.rules.iter().zip(&self.matchers).find(|(_, matcher)| matcher.matches(facts))
    }
}

fn check_id_and_name(rule: &Rule, path: &str) -> Result<(), RuleError> {
    let id_valid = (1..=RULE_ID_LENGTH_MAX).contains(&rule.id.len())
        && rule.id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if !id_valid {
        return Err(RuleError::new(format!("{path}[id]"), RuleErrorKind::InvalidRuleId));
    }
    let name_length = rule.name.trim().chars().count();
    if !(1..=RULE_NAME_LENGTH_MAX).contains(&name_length) {
        return Err(RuleError::new(format!("{path}[name]"), RuleErrorKind::InvalidRuleName));
    }
    Ok(())
}

fn check_strategy(strategy: &Strategy, known: &BTreeSet<String>, path: &str) -> Result<(), RuleError> {
    match strategy {
        Strategy::Single { connector } => check_connector(connector, known, &format!("{path}[connector]")),
        Strategy::Priority { connectors } | Strategy::LeastCost { connectors } => {
            check_connectors(connectors, known, &format!("{path}[connectors]"))
        }
        Strategy::VolumeSplit { splits } => check_splits(splits, known, &format!("{path}[splits]")),
        Strategy::SuccessRate { connectors, exploration_percent, min_success_rate_percent, min_samples } => {
            check_connectors(connectors, known, &format!("{path}[connectors]"))?;
            check_percent(*exploration_percent, EXPLORATION_PERCENT_MAX, &format!("{path}[exploration_percent]"))?;
            check_percent(*min_success_rate_percent, 100, &format!("{path}[min_success_rate_percent]"))?;
            if !(1..=MIN_SAMPLES_MAX).contains(min_samples) {
                let kind = RuleErrorKind::MinSamplesOutOfRange(*min_samples);
                return Err(RuleError::new(format!("{path}[min_samples]"), kind));
            }
            Ok(())
        }
    }
}

fn check_connector(connector: &str, known: &BTreeSet<String>, path: &str) -> Result<(), RuleError> {
    if known.contains(connector) {
        Ok(())
    } else {
        Err(RuleError::new(path.to_owned(), RuleErrorKind::UnknownConnector(connector.to_owned())))
    }
}

/// A list of connectors: not empty, bounded, each known, none twice. `path` is the
/// list's; elements are `path[i]` (or `path[i][connector]` for splits, via `element`).
fn check_connector_list<'a>(
    connectors: impl ExactSizeIterator<Item = &'a str>,
    known: &BTreeSet<String>,
    path: &str,
    element: impl Fn(usize) -> String,
) -> Result<(), RuleError> {
    if connectors.len() == 0 {
        return Err(RuleError::new(path.to_owned(), RuleErrorKind::EmptyConnectors));
    }
    if connectors.len() > STRATEGY_CONNECTORS_MAX {
        return Err(RuleError::new(path.to_owned(), RuleErrorKind::TooManyConnectors));
    }
    let mut seen = BTreeSet::new();
    for (index, connector) in connectors.enumerate() {
        check_connector(connector, known, &element(index))?;
        if !seen.insert(connector) {
            return Err(RuleError::new(element(index), RuleErrorKind::DuplicateConnector(connector.to_owned())));
        }
    }
    Ok(())
}

fn check_connectors(connectors: &[String], known: &BTreeSet<String>, path: &str) -> Result<(), RuleError> {
    check_connector_list(connectors.iter().map(String::as_str), known, path, |index| format!("{path}[{index}]"))
}

fn check_splits(splits: &[Split], known: &BTreeSet<String>, path: &str) -> Result<(), RuleError> {
    let names = splits.iter().map(|split| split.connector.as_str());
    check_connector_list(names, known, path, |index| format!("{path}[{index}][connector]"))?;
    for (index, split) in splits.iter().enumerate() {
        check_percent(split.percent, 100, &format!("{path}[{index}][percent]"))?;
    }
    let total: i64 = splits.iter().map(|split| split.percent).sum();
    if total != 100 {
        return Err(RuleError::new(path.to_owned(), RuleErrorKind::SplitNot100(total)));
    }
    Ok(())
}

fn check_percent(value: i64, max: i64, path: &str) -> Result<(), RuleError> {
    if (0..=max).contains(&value) {
        Ok(())
    } else {
        Err(RuleError::new(path.to_owned(), RuleErrorKind::PercentOutOfRange { value, min: 0, max }))
    }
}
