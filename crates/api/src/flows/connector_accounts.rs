//! Connector accounts: checking what a merchant configures (methods the connector
//! supports, ISO countries and currencies, fee terms over the connector's default
//! schedule, credentials of the connector's kind, sandbox faults), sealing credentials,
//! and the typed view routing works with.
//!
//! For routing and failover (`ConnectorAccount` and the functions below):
//! `tradewind_storage::connector_accounts::eligible_for(pool, merchant, method)` lists a
//! merchant's enabled accounts for a method in its order; [`ConnectorAccount::from_row`]
//! types one; [`ConnectorAccount::serves`] filters by the payment's country and
//! currency; [`ConnectorAccount::fee_schedule`] prices it; [`credentials`] decrypts its
//! credentials; [`ConnectorAccount::fault_decision`] draws a sandbox account's fault.
//! A merchant without connector accounts keeps the implicit sandbox connector of each
//! method (`sandbox_card`, …).

use crate::credentials::{Binding, Column, Credentials, Mode, Secret};
use crate::error::{ApiError, ApiResult};
use crate::flows::pricing::{self, FeeOverride};
use crate::flows::validate;
use crate::state::AppState;
use crate::wire::connector_account::{CreateConnectorAccount, FaultsObject, UpdateConnectorAccount};
use std::collections::BTreeMap;
use tradewind_connectors::faults::{FaultDecision, Faults};
use tradewind_money::Currency;
use tradewind_payments::id::{ConnectorAccountId, MerchantId};
use tradewind_payments::method::{PaymentMethodType, is_country_code};
use tradewind_payments::webhook::{self, WebhookSecret};
use tradewind_settlement::fees::{Connector, FeeSchedule, Method};
use tradewind_storage::connector_accounts::ConnectorAccountRow;

/// Connector accounts one merchant may have (enabled or not).
pub const CONNECTOR_ACCOUNTS_PER_MERCHANT_MAX: i64 = 50;
/// The largest `position`.
pub const POSITION_MAX: i64 = 1_000_000;
pub const LABEL_LENGTH_MAX: usize = 100;
/// Entries in `countries` or `currencies` at most.
pub const MARKETS_MAX: usize = 300;
/// The largest connector FX spread, as for the platform's own markup.
pub const FX_SPREAD_BASIS_POINTS_MAX: i64 = tradewind_settlement::fx::MAX_MARKUP_BASIS_POINTS;

/// The provider's own API hosts, where `base_url` is not set.
const STRIPE_API: &str = "https://api.stripe.com";
const PAYPAL_API_TEST: &str = "https://api-m.sandbox.paypal.com";
const PAYPAL_API_LIVE: &str = "https://api-m.paypal.com";

pub fn connector_kind(name: &str) -> Option<Connector> {
    Connector::ALL.into_iter().find(|connector| connector.as_str() == name)
}

/// Whether `connector` can process `method`: Stripe takes cards, PayPal PayPal, a
/// sandbox every method.
pub fn supports(connector: Connector, method: PaymentMethodType) -> bool {
    match connector {
        Connector::Sandbox => true,
        Connector::Stripe => method == PaymentMethodType::Card,
        Connector::Paypal => method == PaymentMethodType::Paypal,
    }
}

#[derive(Debug, thiserror::Error)]
#[error("connector account {id}: corrupt {what}")]
struct Corrupt {
    id: String,
    what: String,
}

fn corrupt(row: &ConnectorAccountRow, what: impl Into<String>) -> ApiError {
    ApiError::internal(&Corrupt { id: row.id.clone(), what: what.into() })
}

/// A connector account as routing sees it.
#[derive(Debug, Clone)]
pub struct ConnectorAccount {
    pub id: ConnectorAccountId,
    pub merchant_id: MerchantId,
    pub connector: Connector,
    pub label: String,
    /// In the order the merchant gave them.
    pub payment_methods: Vec<PaymentMethodType>,
    /// ISO 3166-1 alpha-2 in capitals; `None` = every country.
    pub countries: Option<Vec<String>>,
    /// `None` = every currency.
    pub currencies: Option<Vec<Currency>>,
    /// Fee terms per method over the connector's default schedule.
    pub fees: BTreeMap<Method, FeeOverride>,
    pub settlement_currency: Option<Currency>,
    pub fx_spread_basis_points: i64,
    pub base_url: Option<String>,
    pub mode: Mode,
    pub enabled: bool,
    pub position: i64,
    /// Sandbox accounts' faults; none for real connectors.
    pub faults: Faults,
}

impl ConnectorAccount {
    /// The typed account of `row`; a column that does not parse is corrupt data (500).
    pub fn from_row(row: &ConnectorAccountRow) -> ApiResult<ConnectorAccount> {
        let names = |column: &str, text: &str| -> ApiResult<Vec<String>> {
            serde_json::from_str(text).map_err(|_| corrupt(row, column))
        };
        let currency = |code: &str| Currency::parse(code).map_err(|_| corrupt(row, format!("currency {code}")));
        let payment_methods = names("payment_methods", &row.payment_methods)?
            .iter()
            .map(|name| PaymentMethodType::parse(name).map_err(|_| corrupt(row, format!("method {name}"))))
            .collect::<ApiResult<Vec<_>>>()?;
        let currencies = match &row.currencies {
            Some(text) => Some(names("currencies", text)?.iter().map(|code| currency(code)).collect::<ApiResult<_>>()?),
            None => None,
        };
        let stored_fees: BTreeMap<String, FeeOverride> = match &row.fees {
            Some(text) => serde_json::from_str(text).map_err(|_| corrupt(row, "fees"))?,
            None => BTreeMap::new(),
        };
        let mut fees = BTreeMap::new();
        for (name, fee_override) in stored_fees {
            fees.insert(Method::parse(&name).ok_or_else(|| corrupt(row, format!("fees of {name}")))?, fee_override);
        }
        let faults = match &row.faults {
            Some(text) => serde_json::from_str::<FaultsObject>(text).map_err(|_| corrupt(row, "faults"))?.to_faults(),
            None => Faults::default(),
        };
        Ok(ConnectorAccount {
            id: ConnectorAccountId::parse(&row.id).map_err(|_| corrupt(row, "id"))?,
            merchant_id: MerchantId::parse(&row.merchant_id).map_err(|_| corrupt(row, "merchant id"))?,
            connector: connector_kind(&row.connector).ok_or_else(|| corrupt(row, "connector"))?,
            label: row.label.clone(),
            payment_methods,
            countries: row.countries.as_deref().map(|text| names("countries", text)).transpose()?,
            currencies,
            fees,
            settlement_currency: row.settlement_currency.as_deref().map(currency).transpose()?,
            fx_spread_basis_points: row.fx_spread_basis_points,
            base_url: row.base_url.clone(),
            mode: Mode::parse(&row.mode).ok_or_else(|| corrupt(row, "mode"))?,
            enabled: row.status == "enabled",
            position: row.position,
            faults,
        })
    }

    /// Whether the account takes a `method` payment from `country` (when known) in
    /// `currency`.
    pub fn serves(&self, method: PaymentMethodType, country: Option<&str>, currency: Currency) -> bool {
        let country_served = match (&self.countries, country) {
            (Some(countries), Some(country)) => countries.iter().any(|served| served.eq_ignore_ascii_case(country)),
            _ => true,
        };
        let currency_served = self.currencies.as_ref().is_none_or(|currencies| currencies.contains(&currency));
        self.payment_methods.contains(&method) && country_served && currency_served
    }

    /// The fee schedule of `method` through this account: the connector's default
    /// with the account's terms laid over it.
    pub fn fee_schedule(&self, method: Method) -> ApiResult<FeeSchedule> {
        pricing::stored_schedule(self.connector, method, self.fees.get(&method))
    }

    /// Where the provider's API is: the configured `base_url`, else the provider's own
    /// host for the account's mode; `None` for a sandbox (it runs in this server).
    pub fn api_base_url(&self) -> Option<&str> {
        match (self.connector, self.mode) {
            (Connector::Sandbox, _) => None,
            _ if self.base_url.is_some() => self.base_url.as_deref(),
            (Connector::Stripe, _) => Some(STRIPE_API),
            (Connector::Paypal, Mode::Test) => Some(PAYPAL_API_TEST),
            (Connector::Paypal, Mode::Live) => Some(PAYPAL_API_LIVE),
        }
    }

    /// What the account's faults do to one call at `now` (the merchant's clock), from
    /// a fresh random roll; always [`FaultDecision::None`] for real connectors.
    pub fn fault_decision(&self, now: i64) -> FaultDecision {
        self.faults.decide(now, rand::random_range(0..100))
    }
}

fn binding<'a>(row: &'a ConnectorAccountRow, column: Column) -> Binding<'a> {
    Binding { merchant_id: &row.merchant_id, connector_account_id: &row.id, column }
}

/// The account's credentials, decrypted with the server's key. A wrong key (or a
/// ciphertext moved from another row) is a 500, never a panic.
pub fn credentials(state: &AppState, row: &ConnectorAccountRow) -> ApiResult<Credentials> {
    let connector = connector_kind(&row.connector).ok_or_else(|| corrupt(row, "connector"))?;
    let plaintext =
        state.config.credentials_key.open(&row.credentials_ciphertext, &binding(row, Column::Credentials))?;
    Ok(Credentials::from_plaintext(connector, &plaintext)?)
}

/// What verifies the account's webhooks, decrypted: the sandbox's `whsec_` secret,
/// Stripe's signing secret, PayPal's webhook id.
pub fn webhook_secret(state: &AppState, row: &ConnectorAccountRow) -> ApiResult<Secret> {
    Ok(state.config.credentials_key.open(&row.webhook_secret_ciphertext, &binding(row, Column::WebhookSecret))?)
}

/// Encrypts `credentials` into `row` (which must carry its final id and merchant), with
/// their masked hint and the webhook secret (`generated` for a sandbox).
fn seal(
    state: &AppState,
    row: &mut ConnectorAccountRow,
    credentials: &Credentials,
    generated: Option<&Secret>,
) -> ApiResult<()> {
    let key = &state.config.credentials_key;
    let webhook_secret = credentials.webhook_secret().or(generated).ok_or_else(|| corrupt(row, "webhook secret"))?;
    row.credentials_ciphertext =
        key.seal(credentials.to_plaintext().expose().as_bytes(), &binding(row, Column::Credentials))?;
    row.webhook_secret_ciphertext =
        key.seal(webhook_secret.expose().as_bytes(), &binding(row, Column::WebhookSecret))?;
    row.credentials_hint = serde_json::json!(credentials.hint()).to_string();
    Ok(())
}

fn label(value: &str) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > LABEL_LENGTH_MAX {
        return Err(ApiError::invalid("label", "parameter_invalid", "`label` must be 1 to 100 characters."));
    }
    Ok(trimmed.to_owned())
}

/// The methods, checked against the connector, deduplicated, as stored (JSON).
fn payment_methods(connector: Connector, names: &[String]) -> ApiResult<(Vec<PaymentMethodType>, String)> {
    if names.is_empty() {
        return Err(ApiError::invalid(
            "payment_methods",
            "parameter_missing",
            "`payment_methods` must name at least one payment method type.",
        ));
    }
    let mut methods = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        let param = format!("payment_methods[{index}]");
        let method = PaymentMethodType::parse(name)
            .map_err(|error| ApiError::invalid(&param, "parameter_invalid", error.to_string()))?;
        if !supports(connector, method) {
            return Err(ApiError::invalid(
                &param,
                "payment_method_unsupported",
                format!("A {connector} connector account cannot process {method} payments."),
            ));
        }
        if !methods.contains(&method) {
            methods.push(method);
        }
    }
    let stored = serde_json::Value::from(methods.iter().map(|method| method.as_str()).collect::<Vec<_>>()).to_string();
    Ok((methods, stored))
}

/// A list of codes checked one by one, deduplicated, as stored (JSON); `None` = all.
fn codes(
    param: &str,
    given: Option<&[String]>,
    check: impl Fn(&str, &str) -> ApiResult<String>,
) -> ApiResult<Option<String>> {
    let Some(given) = given else { return Ok(None) };
    if given.is_empty() || given.len() > MARKETS_MAX {
        return Err(ApiError::invalid(
            param,
            "parameter_invalid",
            format!("`{param}` must list 1 to {MARKETS_MAX} codes, or be null for all."),
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(given.len());
    for (index, code) in given.iter().enumerate() {
        let code = check(&format!("{param}[{index}]"), code)?;
        if !checked.contains(&code) {
            checked.push(code);
        }
    }
    Ok(Some(serde_json::Value::from(checked).to_string()))
}

fn countries(given: Option<&[String]>) -> ApiResult<Option<String>> {
    codes("countries", given, |param, code| {
        if !is_country_code(code) {
            return Err(ApiError::invalid(
                param,
                "parameter_invalid",
                format!("`{param}` must be an ISO 3166-1 alpha-2 code such as `US`."),
            ));
        }
        Ok(code.to_ascii_uppercase())
    })
}

fn currencies(given: Option<&[String]>) -> ApiResult<Option<String>> {
    codes("currencies", given, |param, code| Ok(validate::currency(param, code)?.code().to_owned()))
}

fn settlement_currency(code: Option<&str>) -> ApiResult<Option<String>> {
    code.map(|code| Ok(validate::currency("settlement_currency", code)?.code().to_owned())).transpose()
}

/// `value` if within `0..=max`, else a 400 naming `param`.
fn bounded(param: &str, value: i64, max: i64) -> ApiResult<i64> {
    if !(0..=max).contains(&value) {
        return Err(ApiError::invalid(param, "parameter_invalid_integer", format!("`{param}` must be 0 to {max}.")));
    }
    Ok(value)
}

fn base_url(connector: Connector, url: Option<String>) -> ApiResult<Option<String>> {
    let Some(url) = url else { return Ok(None) };
    if connector == Connector::Sandbox {
        return Err(ApiError::invalid(
            "base_url",
            "parameter_invalid",
            "A sandbox connector account has no `base_url`: the sandbox runs inside Tradewind.",
        ));
    }
    webhook::check_url(&url)
        .map_err(|error| ApiError::invalid("base_url", "url_invalid", format!("`base_url` {error}.")))?;
    Ok(Some(url))
}

/// The faults as stored (JSON), checked; only a sandbox takes any.
fn faults(connector: Connector, faults: &FaultsObject) -> ApiResult<String> {
    if connector != Connector::Sandbox {
        return Err(ApiError::invalid(
            "faults",
            "faults_not_supported",
            format!("Faults are injected into sandbox connector accounts only, not {connector}."),
        ));
    }
    faults.to_faults().check().map_err(|error| {
        let param = format!("faults[{}]", error.field());
        ApiError::invalid(&param, "parameter_invalid", format!("`{param}`: {error}."))
    })?;
    serde_json::to_string(faults).map_err(|error| ApiError::internal(&error))
}

/// The fee terms, each checked over the connector's default for its method, as stored
/// (JSON); every method must be one the account processes.
fn fees(
    connector: Connector,
    methods: &[PaymentMethodType],
    terms: &BTreeMap<String, FeeOverride>,
) -> ApiResult<Option<String>> {
    if terms.is_empty() {
        return Ok(None);
    }
    let mut stored = BTreeMap::new();
    for (name, fee_override) in terms {
        let param = format!("fees[{name}]");
        let method = PaymentMethodType::parse(name)
            .ok()
            .filter(|method| methods.contains(method))
            .and_then(|method| Method::parse(method.as_str()))
            .ok_or_else(|| {
                ApiError::invalid(
                    &param,
                    "payment_method_not_on_account",
                    format!("`{param}` is not a payment method type of this account's `payment_methods`."),
                )
            })?;
        stored.insert(name.clone(), pricing::checked_override(connector, method, fee_override)?);
    }
    serde_json::to_string(&stored).map(Some).map_err(|error| ApiError::internal(&error))
}

/// A new account's row, checked whole before anything is written, with its
/// credentials sealed; for a sandbox also its generated webhook secret (shown once).
pub fn new_row(
    state: &AppState,
    merchant_id: &str,
    body: CreateConnectorAccount,
    next_position: i64,
    now: i64,
) -> ApiResult<(ConnectorAccountRow, Option<Secret>)> {
    let connector = connector_kind(&body.connector).ok_or_else(|| {
        ApiError::invalid("connector", "parameter_invalid", "`connector` must be sandbox, stripe or paypal.")
    })?;
    let mode = match body.mode.as_deref() {
        None => Mode::Test,
        Some(name) => Mode::parse(name)
            .ok_or_else(|| ApiError::invalid("mode", "parameter_invalid", "`mode` must be test or live."))?,
    };
    if connector == Connector::Sandbox && mode == Mode::Live {
        return Err(ApiError::invalid(
            "mode",
            "parameter_invalid",
            "A sandbox connector account is always in test mode.",
        ));
    }
    let label = label(body.label.as_deref().unwrap_or(connector.as_str()))?;
    let (methods, payment_methods) = payment_methods(connector, &body.payment_methods)?;
    let countries = countries(body.countries.as_deref())?;
    let currencies = currencies(body.currencies.as_deref())?;
    let fees = fees(connector, &methods, &body.fees.unwrap_or_default())?;
    let settlement_currency = settlement_currency(body.settlement_currency.as_deref())?;
    let fx_spread_basis_points =
        bounded("fx_spread_basis_points", body.fx_spread_basis_points.unwrap_or(0), FX_SPREAD_BASIS_POINTS_MAX)?;
    let base_url = base_url(connector, body.base_url)?;
    let faults = match (connector, &body.faults) {
        (Connector::Sandbox, given) => Some(faults(connector, &given.clone().unwrap_or_default().0)?),
        (_, Some(given)) => Some(faults(connector, &given.0)?),
        (_, None) => None,
    };
    let position = bounded("position", body.position.unwrap_or(next_position.min(POSITION_MAX)), POSITION_MAX)?;
    let credentials = Credentials::from_input(connector, mode, &body.credentials.unwrap_or_default())?;
    let generated = (connector == Connector::Sandbox).then(|| Secret::new(WebhookSecret::generate().expose()));
    let mut row = ConnectorAccountRow {
        id: ConnectorAccountId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        connector: connector.as_str().to_owned(),
        label,
        payment_methods,
        countries,
        currencies,
        fees,
        settlement_currency,
        fx_spread_basis_points,
        base_url,
        mode: mode.as_str().to_owned(),
        credentials_ciphertext: String::new(),
        credentials_hint: String::new(),
        webhook_secret_ciphertext: String::new(),
        faults,
        status: "enabled".to_owned(),
        position,
        created_at: now,
        updated_at: now,
    };
    seal(state, &mut row, &credentials, generated.as_ref())?;
    Ok((row, generated))
}

/// `row` with the update applied, checked whole before anything is written.
pub fn updated_row(
    state: &AppState,
    mut row: ConnectorAccountRow,
    body: UpdateConnectorAccount,
    now: i64,
) -> ApiResult<ConnectorAccountRow> {
    let account = ConnectorAccount::from_row(&row)?;
    let connector = account.connector;
    if let Some(value) = &body.label {
        row.label = label(value)?;
    }
    if let Some(status) = &body.status {
        if status != "enabled" && status != "disabled" {
            return Err(ApiError::invalid("status", "parameter_invalid", "`status` must be enabled or disabled."));
        }
        row.status = status.clone();
    }
    let methods = match &body.payment_methods {
        Some(names) => {
            let (methods, stored) = payment_methods(connector, names)?;
            row.payment_methods = stored;
            methods
        }
        None => account.payment_methods.clone(),
    };
    if let Some(given) = &body.countries {
        row.countries = countries(given.as_deref())?;
    }
    if let Some(given) = &body.currencies {
        row.currencies = currencies(given.as_deref())?;
    }
    let mut terms: BTreeMap<String, FeeOverride> =
        account.fees.iter().map(|(method, terms)| (method.as_str().to_owned(), terms.clone())).collect();
    for (name, fee_override) in body.fees.iter().flatten() {
        match fee_override {
            Some(fee_override) => terms.insert(name.clone(), fee_override.clone()),
            None => terms.remove(name),
        };
    }
    // Terms kept from before for a method the update drops: the merchant must drop them.
    let given = |name: &String| body.fees.as_ref().is_some_and(|fees| fees.contains_key(name));
    let off_account = |name: &String| PaymentMethodType::parse(name).is_ok_and(|method| !methods.contains(&method));
    if let Some(stale) = terms.keys().find(|name| !given(name) && off_account(name)) {
        return Err(ApiError::invalid(
            "payment_methods",
            "payment_method_not_on_account",
            format!(
                "The account has fee terms for {stale}: keep it in `payment_methods`, or set `fees[{stale}]` to null."
            ),
        ));
    }
    row.fees = fees(connector, &methods, &terms)?;
    if let Some(code) = &body.settlement_currency {
        row.settlement_currency = settlement_currency(code.as_deref())?;
    }
    if let Some(value) = body.fx_spread_basis_points {
        row.fx_spread_basis_points = bounded("fx_spread_basis_points", value, FX_SPREAD_BASIS_POINTS_MAX)?;
    }
    if let Some(url) = body.base_url {
        row.base_url = base_url(connector, url)?;
    }
    if let Some(given) = &body.faults {
        row.faults = Some(faults(connector, &given.0)?);
    }
    if let Some(value) = body.position {
        row.position = bounded("position", value, POSITION_MAX)?;
    }
    if let Some(input) = &body.credentials {
        let credentials = Credentials::from_input(connector, account.mode, input)?;
        // A sandbox keeps its generated webhook secret.
        let kept = match credentials {
            Credentials::Sandbox => Some(webhook_secret(state, &row)?),
            _ => None,
        };
        seal(state, &mut row, &credentials, kept.as_ref())?;
    }
    row.updated_at = now;
    Ok(row)
}

/// The faults to store for `row`, checked (400 `faults_not_supported` for a real
/// connector).
pub fn checked_faults(row: &ConnectorAccountRow, given: &FaultsObject) -> ApiResult<String> {
    let connector = connector_kind(&row.connector).ok_or_else(|| corrupt(row, "connector"))?;
    faults(connector, given)
}
