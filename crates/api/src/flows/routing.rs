//! Which of a merchant's connector accounts confirms a payment: the merchant's routing
//! rules and accounts (cached for a second, forgotten when either changes), the
//! payment's facts, the process's success windows and circuit breakers
//! ([`tradewind_routing::health::Health`]), and the decision turned into connectors
//! ready to call.
//!
//! A merchant without an enabled account for the method keeps the implicit sandbox
//! connector of that method (`sandbox_card`, …): [`plan`] answers `None`.

use crate::error::{ApiError, ApiResult};
use crate::flows::confirm::{self, Confirmed};
use crate::flows::connector_accounts::{self, ConnectorAccount};
use crate::flows::failover::{self, Confirmation, HealthKey, Target, TargetConnector};
use crate::flows::{money, pricing};
use crate::state::AppState;
use crate::wire::json_column;
use crate::wire::payment_method_data::PaymentMethodData;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tradewind_connectors::card as card_sandbox;
use tradewind_money::Currency;
use tradewind_payments::card::CardNumber;
use tradewind_payments::method::PaymentMethodType;
use tradewind_providers::{StripeClient, StripeConfig};
use tradewind_routing::candidate::Candidate;
use tradewind_routing::decision::Decision;
use tradewind_routing::facts::PaymentFacts;
use tradewind_routing::health::Health;
use tradewind_routing::rule::Rule;
use tradewind_routing::rule_set::{RuleError, RuleSet};
use tradewind_settlement::fees::Connector;
use tradewind_settlement::fees::Method;
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::connector_accounts::ConnectorAccountRow;
use tradewind_storage::payment_intents::PaymentIntentRow;

/// How long a merchant's accounts and rules are reused before being read again.
const CACHE_TTL: Duration = Duration::from_secs(1);
/// Accounts read per merchant (the API allows 50).
const ACCOUNTS_MAX: i64 = 100;

/// A merchant's connector accounts (every status, in its order) and routing rules,
/// read, typed and checked once per load rather than on every confirmation.
pub struct MerchantRouting {
    pub rows: Vec<ConnectorAccountRow>,
    /// `rows`, typed, in the same order.
    pub accounts: Vec<ConnectorAccount>,
    pub rules: RuleSet,
}

struct Entry {
    loaded_at: Instant,
    routing: Arc<MerchantRouting>,
}

/// Provider clients kept per connector account, so a PayPal OAuth token (and a
/// connection pool) serves many calls; an account's change (`updated_at`) makes a new one.
const CLIENTS_MAX: usize = 10_000;

/// Merchants' routing inputs, the process's connector health and provider clients.
#[derive(Default)]
pub struct RoutingState {
    entries: Mutex<HashMap<String, Entry>>,
    health: Mutex<Health>,
    clients: Mutex<HashMap<String, (i64, TargetConnector)>>,
}

impl RoutingState {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The success windows and circuit breakers of every connector account.
    pub fn health(&self) -> MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn clients(&self) -> MutexGuard<'_, HashMap<String, (i64, TargetConnector)>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kept client of `row`'s account, if it was made from the row as it is now.
    fn cached_client(&self, row: &ConnectorAccountRow) -> Option<TargetConnector> {
        let clients = self.clients();
        let (updated_at, connector) = clients.get(&row.id)?;
        (*updated_at == row.updated_at).then(|| connector.share())
    }

    fn keep_client(&self, row: &ConnectorAccountRow, connector: &TargetConnector) {
        let mut clients = self.clients();
        if clients.len() >= CLIENTS_MAX {
            clients.clear();
        }
        clients.insert(row.id.clone(), (row.updated_at, connector.share()));
    }

    /// Drops the merchant's cached accounts and rules: one of them just changed.
    pub fn forget(&self, merchant_id: &str) {
        self.entries().remove(merchant_id);
    }
}

/// The merchant's accounts and rules, from the cache when fresh.
pub async fn merchant_routing(state: &AppState, merchant_id: &str) -> ApiResult<Arc<MerchantRouting>> {
    if let Some(entry) = state.routing.entries().get(merchant_id)
        && entry.loaded_at.elapsed() < CACHE_TTL
    {
        return Ok(entry.routing.clone());
    }
    let pool = state.store.pool();
    let rows = tradewind_storage::connector_accounts::list(pool, merchant_id, None, None, ACCOUNTS_MAX).await?;
    let rules: Vec<Rule> = match tradewind_storage::routing_rules::get(pool, merchant_id).await? {
        Some(text) => serde_json::from_str(&text).map_err(|error| ApiError::internal(&error))?,
        None => Vec::new(),
    };
    let accounts = rows.iter().map(ConnectorAccount::from_row).collect::<ApiResult<Vec<_>>>()?;
    let rules = rule_set(rules, &rows)?;
    let routing = Arc::new(MerchantRouting { rows, accounts, rules });
    state
        .routing
        .entries()
        .insert(merchant_id.to_owned(), Entry { loaded_at: Instant::now(), routing: routing.clone() });
    Ok(routing)
}

/// Checks `rules` against the merchant's accounts; the error names the rule's field.
pub fn rule_set(rules: Vec<Rule>, rows: &[ConnectorAccountRow]) -> ApiResult<RuleSet> {
    RuleSet::new(rules, rows.iter().map(|row| row.id.as_str())).map_err(rule_error)
}

fn rule_error(error: RuleError) -> ApiError {
    ApiError::invalid(&error.path, error.code(), format!("`{}`: {}.", error.path, error.kind))
}

/// What a payment is, as the rules see it.
pub struct FactsInput<'a> {
    pub method: PaymentMethodType,
    pub card_number: Option<&'a str>,
    pub buyer_country: Option<String>,
    pub currency: Currency,
    pub amount: i64,
    pub metadata: BTreeMap<String, String>,
}

pub async fn facts(state: &AppState, merchant_id: &str, input: FactsInput<'_>) -> ApiResult<PaymentFacts> {
    let card = input.card_number.and_then(|number| CardNumber::parse(number).ok());
    let terms = pricing::terms(state, merchant_id).await?;
    Ok(PaymentFacts {
        method: input.method,
        card_brand: card.as_ref().map(|card| card.brand().as_str().to_owned()),
        card_country: card.as_ref().map(|card| card_sandbox::issuing_country(card).to_owned()),
        buyer_country: input.buyer_country,
        merchant_country: terms.country.clone(),
        currency: input.currency,
        amount: input.amount,
        metadata: input.metadata,
    })
}

/// The candidates among the merchant's accounts for the payment's method: their fee
/// schedules in the payment's currency, so least cost compares like with like.
async fn candidates(
    state: &AppState,
    merchant_id: &str,
    accounts: &[ConnectorAccount],
    facts: &PaymentFacts,
    now: i64,
) -> ApiResult<Vec<Candidate>> {
    let method = Method::parse(facts.method.as_str())
        .ok_or_else(|| ApiError::internal(&RoutingError(format!("no fee method for {}", facts.method))))?;
    let mut candidates = Vec::with_capacity(accounts.len());
    // An account without the method is no candidate, and has no fee schedule for it
    // (a PayPal account for a card payment).
    for account in accounts.iter().filter(|account| account.payment_methods.contains(&facts.method)) {
        let fees = money::localized(state, merchant_id, account.fee_schedule(method)?, facts.currency, now).await?;
        candidates.push(Candidate {
            id: account.id.to_string(),
            kind: account.connector.as_str().to_owned(),
            methods: account.payment_methods.clone(),
            countries: account.countries.clone(),
            currencies: account.currencies.clone(),
            fees,
            settlement_currency: account.settlement_currency,
            fx_spread_basis_points: account.fx_spread_basis_points,
            enabled: account.enabled,
        });
    }
    Ok(candidates)
}

#[derive(Debug, thiserror::Error)]
#[error("routing: {0}")]
struct RoutingError(String);

/// The routing decision for `facts`.
pub async fn decide(
    state: &AppState,
    merchant_id: &str,
    routing: &MerchantRouting,
    facts: &PaymentFacts,
    now: i64,
) -> ApiResult<Decision> {
    let candidates = candidates(state, merchant_id, &routing.accounts, facts, now).await?;
    let health = state.routing.health();
    Ok(tradewind_routing::route::route(&routing.rules, &candidates, facts, &health, now, &mut rand::rng()))
}

/// Whether the merchant routes `method` payments through its connector accounts: it
/// has an enabled one for the method.
pub fn routes(routing: &MerchantRouting, method: PaymentMethodType) -> bool {
    routing.accounts.iter().any(|account| account.enabled && account.payment_methods.contains(&method))
}

/// The decision's connectors, ready to call, in its order.
pub fn targets(state: &AppState, decision: &Decision, routing: &MerchantRouting) -> ApiResult<Vec<Target>> {
    let mut targets = Vec::with_capacity(decision.connectors.len());
    for id in &decision.connectors {
        let Some((row, account)) = routing.rows.iter().zip(&routing.accounts).find(|(row, _)| &row.id == id) else {
            continue;
        };
        let connector = connector_for(state, row, account)?;
        targets.push(Target { id: id.clone(), connector });
    }
    Ok(targets)
}

/// The account's connector, ready to call: its sandbox with the account's faults, or
/// a Stripe or PayPal client with its decrypted credentials at its API's base URL.
pub fn connector_for(
    state: &AppState,
    row: &ConnectorAccountRow,
    account: &ConnectorAccount,
) -> ApiResult<TargetConnector> {
    Ok(match account.connector {
        Connector::Sandbox => TargetConnector::Sandbox(account.faults.clone()),
        Connector::Stripe | Connector::Paypal => {
            if let Some(connector) = state.routing.cached_client(row) {
                return Ok(connector);
            }
            let connector = provider_client(state, row, account)?;
            state.routing.keep_client(row, &connector);
            connector
        }
    })
}

/// A new client for a Stripe or PayPal account, with its decrypted credentials.
fn provider_client(
    state: &AppState,
    row: &ConnectorAccountRow,
    account: &ConnectorAccount,
) -> ApiResult<TargetConnector> {
    let id = &row.id;
    match connector_accounts::credentials(state, row)? {
        crate::credentials::Credentials::Stripe { secret_key, .. } => {
            let mut config = StripeConfig::new(secret_key.expose());
            if let Some(base_url) = account.api_base_url() {
                base_url.clone_into(&mut config.base_url);
            }
            let client = StripeClient::new(config).map_err(|error| ApiError::internal(&error))?;
            Ok(TargetConnector::Stripe(client))
        }
        crate::credentials::Credentials::Paypal { client_id, client_secret, .. } => {
            let base_url = account.api_base_url().unwrap_or_default();
            let config = tradewind_providers::PaypalConfig::at(base_url, client_id.expose(), client_secret.expose());
            let client = tradewind_providers::PaypalClient::new(config).map_err(|error| ApiError::internal(&error))?;
            Ok(TargetConnector::Paypal(Arc::new(client)))
        }
        crate::credentials::Credentials::Sandbox => {
            Err(ApiError::internal(&RoutingError(format!("{id}: sandbox credentials on a provider account"))))
        }
    }
}

/// Confirms `intent`: through the merchant's connector accounts when it has one for
/// the method (routing, then failover), else through the method's implicit sandbox.
/// Answers the confirmation and, before it, the attempts that failed over.
pub async fn confirm(
    state: &AppState,
    intent: PaymentIntentRow,
    data: &PaymentMethodData,
    return_url: Option<String>,
    now: i64,
) -> ApiResult<(Confirmed, Vec<AttemptRow>)> {
    let method = PaymentMethodType::parse(&data.method_type).ok();
    let routing = merchant_routing(state, &intent.merchant_id).await?;
    let Some(method) = method.filter(|method| routes(&routing, *method)) else {
        return Ok((confirm::confirm(state, intent, data, return_url, now)?, Vec::new()));
    };
    // The buyer's input is checked before anything is routed.
    confirm::confirm(state, intent.clone(), data, return_url.clone(), now)?;
    let currency = crate::flows::validate::currency("currency", &intent.currency)?;
    let customer = json_column("customer", intent.customer.as_deref());
    let facts = facts(
        state,
        &intent.merchant_id,
        FactsInput {
            method,
            card_number: data.card.as_ref().map(|card| card.number.as_str()),
            buyer_country: customer.get("country").and_then(Value::as_str).map(str::to_owned),
            currency,
            amount: intent.amount,
            metadata: serde_json::from_str(&intent.metadata).unwrap_or_default(),
        },
    )
    .await?;
    let decision = decide(state, &intent.merchant_id, &routing, &facts, now).await?;
    if decision.connectors.is_empty() {
        return Err(ApiError::invalid("payment_method_data[type]", "no_connector_available", decision.explanation));
    }
    let targets = targets(state, &decision, &routing)?;
    let explain = |index: usize| decision.attempt_explanation(index).unwrap_or_else(|| decision.explanation.clone());
    let mut dice = || rand::random_range(0..100u8);
    let routed = failover::confirm_routed(
        state,
        intent,
        Confirmation { data, return_url, now },
        &targets,
        HealthKey { method, country: facts.country() },
        &explain,
        &mut dice,
    )
    .await?;
    Ok((routed.confirmed, routed.earlier))
}
