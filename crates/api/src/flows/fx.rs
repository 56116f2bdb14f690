//! Exchange rates for a merchant: which rate applies (its own manual rate for a pair,
//! else the platform's latest ECB rate, inverted or crossed through EUR), locked
//! quotes, the rate a payment flow converts at ([`rate_for`]), and the ECB import
//! that `tradewind fx import` and start-up use.
//!
//! The arithmetic is `tradewind_settlement::fx`'s; this module only chooses the rates
//! and turns its errors into API errors. Rates are `Decimal` here and decimal strings
//! in the database and on the wire; money stays integer minor units.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::flows::validate;
use crate::state::AppState;
use crate::wire::fx::{CreateQuote, CreateRate, FxQuoteObject, FxRateObject, RetrieveRate};
use rust_decimal::Decimal;
use std::collections::HashSet;
use tradewind_money::{Currency, Money};
use tradewind_payments::id::FxQuoteId;
use tradewind_settlement::ecb::{EcbError, parse_ecb_rates};
use tradewind_settlement::fx::{
    DEFAULT_QUOTE_WINDOW_SECONDS, FxError, MAX_QUOTE_WINDOW_SECONDS, PIVOT_CURRENCY_CODE, QuoteTerms, Rate, RatePath,
    RateSource, RateTable, ResolvedRate, Side, apply_markup,
};
use tradewind_storage::fx_quotes::{self, FxQuoteRow};
use tradewind_storage::fx_rates::{self, FxRateRow, NewFxRate};
use tradewind_storage::{Connection, Store, StoreError};

/// The platform's markup when the configuration does not set one: 0.40%.
pub const DEFAULT_MARKUP_BASIS_POINTS: i64 = 40;
/// The longest rate text accepted: 28 decimal places (a `Decimal`'s most) and then some.
const RATE_TEXT_LENGTH_MAX: usize = 40;
/// The parameter naming a quote in the payment flows' requests.
const QUOTE_PARAM: &str = "fx_quote";

/// The rate a conversion uses, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRate {
    /// Units of `to` per unit of `from`, with the platform's markup.
    pub rate: Decimal,
    /// The mid rate before the markup.
    pub mid_rate: Decimal,
    /// The quote that locked `rate`, when one was given.
    pub quote_id: Option<String>,
    /// `None` when `from` and `to` are the same currency and no rate was needed.
    pub source: Option<RateSource>,
}

/// The wire and column name of a rate source.
pub fn source_name(source: RateSource) -> &'static str {
    match source {
        RateSource::Ecb => "ecb",
        RateSource::Manual => "manual",
        RateSource::Provider => "provider",
        RateSource::Mixed => "mixed",
    }
}

fn parse_source(text: &str) -> ApiResult<RateSource> {
    match text {
        "ecb" => Ok(RateSource::Ecb),
        "manual" => Ok(RateSource::Manual),
        "provider" => Ok(RateSource::Provider),
        "mixed" => Ok(RateSource::Mixed),
        other => Err(corrupt(format!("rate source `{other}`"))),
    }
}

fn path_name(path: RatePath) -> &'static str {
    match path {
        RatePath::Direct => "direct",
        RatePath::Inverse => "inverse",
        RatePath::CrossViaPivot => "cross",
    }
}

fn corrupt(what: String) -> ApiError {
    ApiError::internal(&StoreError::Corrupt(what))
}

fn stored_currency(code: &str) -> ApiResult<Currency> {
    Currency::parse(code).map_err(|_| corrupt(format!("currency `{code}`")))
}

fn stored_decimal(text: &str) -> ApiResult<Decimal> {
    Decimal::from_str_exact(text).map_err(|_| corrupt(format!("rate `{text}`")))
}

fn stored_rate(row: &FxRateRow) -> ApiResult<Rate> {
    let (base, quote) = (stored_currency(&row.base)?, stored_currency(&row.quote)?);
    Rate::new(base, quote, stored_decimal(&row.rate)?, parse_source(&row.source)?, row.as_of)
        .map_err(|error| corrupt(format!("rate {}→{}: {error}", row.base, row.quote)))
}

/// A rate as stored and shown: exact, without trailing zeros.
pub fn rate_text(rate: Decimal) -> String {
    rate.normalize().to_string()
}

/// A rate typed by a person: plain digits with at most one decimal point, positive,
/// exact in a `Decimal`. Signs, exponents, separators and spaces are refused.
fn parse_rate_text(param: &str, text: &str) -> ApiResult<Decimal> {
    let invalid = || {
        ApiError::invalid(
            param,
            "parameter_invalid",
            format!("`{param}` must be a positive decimal string such as \"1.0850\", with at most 28 decimal places."),
        )
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if text.len() > RATE_TEXT_LENGTH_MAX
        || whole.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || (text.contains('.') && fraction.is_empty())
    {
        return Err(invalid());
    }
    Decimal::from_str_exact(text).ok().filter(|rate| *rate > Decimal::ZERO).ok_or_else(invalid)
}

/// Two currencies that must differ, each naming its own parameter when unknown.
fn currency_pair(base_param: &str, base: &str, quote_param: &str, quote: &str) -> ApiResult<(Currency, Currency)> {
    let (base, quote) = (validate::currency(base_param, base)?, validate::currency(quote_param, quote)?);
    if base == quote {
        return Err(ApiError::invalid(
            quote_param,
            "parameter_invalid",
            format!("`{base_param}` and `{quote_param}` are both {base}; a rate needs two different currencies."),
        ));
    }
    Ok((base, quote))
}

/// The rates that can answer `base → quote` for this merchant: the platform's latest
/// rates among `base`, `quote` and EUR, with every pair the merchant set a manual rate
/// for (either way round) replaced by the merchant's.
async fn rate_table(state: &AppState, merchant_id: &str, base: Currency, quote: Currency) -> ApiResult<RateTable> {
    let codes = [base.code(), quote.code(), PIVOT_CURRENCY_CODE];
    let pool = state.store.pool();
    let (manual, platform) = tokio::try_join!(
        fx_rates::latest_among(pool, Some(merchant_id), codes),
        fx_rates::latest_among(pool, None, codes)
    )?;
    let manual = manual.iter().map(stored_rate).collect::<ApiResult<Vec<Rate>>>()?;
    let overridden: HashSet<(Currency, Currency)> =
        manual.iter().flat_map(|rate| [(rate.base(), rate.quote()), (rate.quote(), rate.base())]).collect();
    let mut table = RateTable::new();
    for row in &platform {
        let rate = stored_rate(row)?;
        if !overridden.contains(&(rate.base(), rate.quote())) {
            table.insert(rate);
        }
    }
    for rate in manual {
        table.insert(rate);
    }
    Ok(table)
}

/// The mid rate `base → quote` this merchant gets now, or `None` when no stored rate
/// reaches the pair (directly, inverted or through EUR).
pub async fn latest_rate(
    state: &AppState,
    merchant_id: &str,
    base: Currency,
    quote: Currency,
) -> ApiResult<Option<ResolvedRate>> {
    let table = rate_table(state, merchant_id, base, quote).await?;
    match table.lookup(base, quote) {
        Ok(resolved) => Ok(Some(resolved)),
        Err(FxError::NoRate { .. }) => Ok(None),
        Err(error) => Err(ApiError::internal(&error)),
    }
}

fn no_rate(param: &str, base: Currency, quote: Currency) -> ApiError {
    ApiError::invalid(
        param,
        "fx_rate_unavailable",
        format!("There is no exchange rate from {base} to {quote}; set one with POST /v1/fx_rates."),
    )
}

fn with_markup(state: &AppState, mid: Decimal) -> ApiResult<Decimal> {
    // The buyer pays in the target currency for an amount priced in the source one, so
    // the platform asks more target units than the mid: mid × (1 + markup).
    apply_markup(mid, state.config.fx_markup_basis_points, Side::Ask).map_err(|error| ApiError::internal(&error))
}

/// `GET /v1/fx_rates?base=&quote=`.
pub async fn retrieve_rate(state: &AppState, auth: &Authenticated, query: RetrieveRate) -> ApiResult<FxRateObject> {
    let (base, quote) = currency_pair("base", &query.base, "quote", &query.quote)?;
    let resolved = latest_rate(state, auth.merchant_id.as_str(), base, quote)
        .await?
        .ok_or_else(|| no_rate("quote", base, quote))?;
    Ok(rate_object(&resolved.rate, resolved.path))
}

fn rate_object(rate: &Rate, path: RatePath) -> FxRateObject {
    FxRateObject {
        object: "fx_rate",
        base: rate.base().lowercase_code(),
        quote: rate.quote().lowercase_code(),
        rate: rate_text(rate.mid()),
        source: source_name(rate.source()),
        as_of: rate.as_of_unix_seconds(),
        path: path_name(path),
    }
}

/// `POST /v1/fx_rates`: the merchant's own rate for a pair, from the merchant's now.
pub async fn set_manual_rate(state: &AppState, auth: &Authenticated, request: CreateRate) -> ApiResult<FxRateObject> {
    let (base, quote) = currency_pair("base", &request.base, "quote", &request.quote)?;
    let mid = parse_rate_text("rate", &request.rate)?;
    let now = auth.now(state);
    let rate = Rate::new(base, quote, mid, RateSource::Manual, now)
        .map_err(|error| ApiError::invalid("rate", "parameter_invalid", error.to_string()))?;
    let row =
        NewFxRate { base: base.code().to_owned(), quote: quote.code().to_owned(), rate: rate_text(mid), as_of: now };
    let mut transaction = state.store.begin().await?;
    fx_rates::upsert_manual(transaction.connection(), auth.merchant_id.as_str(), &row, now).await?;
    transaction.commit().await?;
    Ok(rate_object(&rate, RatePath::Direct))
}

/// The quote's terms as locked: its pair, rate and window.
fn quote_terms(row: &FxQuoteRow) -> ApiResult<QuoteTerms> {
    let (from, to) = (stored_currency(&row.from_currency)?, stored_currency(&row.to_currency)?);
    let window_seconds = row.expires_at.saturating_sub(row.created_at);
    QuoteTerms::lock_for(from, to, stored_decimal(&row.rate)?, row.created_at, window_seconds)
        .map_err(|error| corrupt(format!("quote {}: {error}", row.id)))
}

/// A quote as the API shows it at the merchant's `now`.
pub fn quote_object(row: &FxQuoteRow, now: i64) -> ApiResult<FxQuoteObject> {
    let terms = quote_terms(row)?;
    let status = if row.used_at.is_some() {
        "used"
    } else if terms.is_expired(now) {
        "expired"
    } else {
        "active"
    };
    Ok(FxQuoteObject {
        id: row.id.clone(),
        object: "fx_quote",
        from_currency: terms.base().lowercase_code(),
        to_currency: terms.quote().lowercase_code(),
        rate: row.rate.clone(),
        mid_rate: row.mid_rate.clone(),
        markup_basis_points: row.markup_basis_points,
        source: source_name(parse_source(&row.source)?),
        amount: row.amount,
        converted_amount: row.converted_amount,
        created: row.created_at,
        expires_at: row.expires_at,
        status,
        used_by: row.used_by.clone(),
    })
}

/// `POST /v1/fx_quotes`: locks the merchant's current rate, with the markup, for
/// `lock_duration_seconds` of the merchant's clock.
pub async fn create_quote(state: &AppState, auth: &Authenticated, request: CreateQuote) -> ApiResult<FxQuoteObject> {
    let (from, to) = currency_pair("from_currency", &request.from_currency, "to_currency", &request.to_currency)?;
    if let Some(amount) = request.amount {
        validate::positive_amount("amount", amount)?;
    }
    let window_seconds = request.lock_duration_seconds.unwrap_or(DEFAULT_QUOTE_WINDOW_SECONDS);
    if !(1..=MAX_QUOTE_WINDOW_SECONDS).contains(&window_seconds) {
        return Err(ApiError::invalid(
            "lock_duration_seconds",
            "parameter_invalid",
            format!("`lock_duration_seconds` must be 1 to {MAX_QUOTE_WINDOW_SECONDS}."),
        ));
    }
    let merchant_id = auth.merchant_id.as_str();
    let now = auth.now(state);
    let resolved = latest_rate(state, merchant_id, from, to).await?.ok_or_else(|| no_rate("to_currency", from, to))?;
    let mid = resolved.rate.mid();
    let rate = with_markup(state, mid)?;
    let terms =
        QuoteTerms::lock_for(from, to, rate, now, window_seconds).map_err(|error| ApiError::internal(&error))?;
    let converted_amount = match request.amount {
        Some(amount) => Some(terms.convert(Money::new(amount, from)).map(|money| money.minor()).map_err(|_| {
            ApiError::invalid("amount", "amount_too_large", format!("`amount` converted to {to} overflows."))
        })?),
        None => None,
    };
    let row = FxQuoteRow {
        id: FxQuoteId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        from_currency: from.code().to_owned(),
        to_currency: to.code().to_owned(),
        mid_rate: rate_text(mid),
        rate: rate_text(rate),
        markup_basis_points: state.config.fx_markup_basis_points,
        source: source_name(resolved.rate.source()).to_owned(),
        rate_as_of: resolved.rate.as_of_unix_seconds(),
        amount: request.amount,
        converted_amount,
        created_at: terms.locked_at_unix_seconds(),
        expires_at: terms.expires_at_unix_seconds(),
        used_at: None,
        used_by: None,
    };
    let mut transaction = state.store.begin().await?;
    fx_quotes::insert(transaction.connection(), &row).await?;
    transaction.commit().await?;
    quote_object(&row, now)
}

fn quote_invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(QUOTE_PARAM, "fx_quote_invalid", message)
}

fn quote_expired(id: &str, expires_at: i64) -> ApiError {
    ApiError::invalid(
        QUOTE_PARAM,
        "fx_quote_expired",
        format!("The FX quote '{id}' expired at {expires_at}; create a new quote."),
    )
}

/// The rate a payment flow converts `from → to` at, at the merchant's `now`.
///
/// With `quote_id`, the quote's locked rate: the quote must be this merchant's, for
/// exactly this pair, and unexpired at `now`; otherwise a 400 on `fx_quote` with code
/// `fx_quote_invalid` or `fx_quote_expired`. Whether it was already used is decided
/// when it is booked ([`claim_quote`], in the booking's transaction). Without one, the
/// latest rate with the platform's markup; the same currency on both sides is rate 1.
pub async fn rate_for(
    state: &AppState,
    merchant_id: &str,
    from: Currency,
    to: Currency,
    quote_id: Option<&str>,
    now: i64,
) -> ApiResult<AppliedRate> {
    if let Some(id) = quote_id {
        let missing = || quote_invalid(format!("No such FX quote: '{id}'"));
        FxQuoteId::parse(id).map_err(|_| missing())?;
        let row = fx_quotes::get(state.store.pool(), merchant_id, id).await?.ok_or_else(missing)?;
        let terms = quote_terms(&row)?;
        if (terms.base(), terms.quote()) != (from, to) {
            return Err(quote_invalid(format!(
                "The FX quote '{id}' converts {} to {}, not {from} to {to}.",
                terms.base(),
                terms.quote()
            )));
        }
        if terms.is_expired(now) {
            return Err(quote_expired(id, row.expires_at));
        }
        return Ok(AppliedRate {
            rate: terms.rate(),
            mid_rate: stored_decimal(&row.mid_rate)?,
            quote_id: Some(row.id.clone()),
            source: Some(parse_source(&row.source)?),
        });
    }
    if from == to {
        return Ok(AppliedRate { rate: Decimal::ONE, mid_rate: Decimal::ONE, quote_id: None, source: None });
    }
    let resolved = latest_rate(state, merchant_id, from, to).await?.ok_or_else(|| {
        ApiError::bad_request(
            "fx_rate_unavailable",
            format!("There is no exchange rate from {from} to {to}; set one with POST /v1/fx_rates."),
        )
    })?;
    let mid = resolved.rate.mid();
    Ok(AppliedRate {
        rate: with_markup(state, mid)?,
        mid_rate: mid,
        quote_id: None,
        source: Some(resolved.rate.source()),
    })
}

/// Checks that the quote `quote_id` can price `intent`'s payment at `now`: it is the
/// merchant's, converts from the payment's currency (into the merchant's settlement
/// currency, when one is set), locked the payment's amount when it locked one, is
/// unexpired and not used by another object. A 400 on `fx_quote` otherwise. The quote is
/// booked for the payment in the confirmation's own write ([`fx_quotes::claim_in`]).
pub async fn check_payment_quote(
    state: &AppState,
    intent: &tradewind_storage::payment_intents::PaymentIntentRow,
    quote_id: &str,
    now: i64,
) -> ApiResult<()> {
    let missing = || quote_invalid(format!("No such FX quote: '{quote_id}'"));
    FxQuoteId::parse(quote_id).map_err(|_| missing())?;
    let row = fx_quotes::get(state.store.pool(), &intent.merchant_id, quote_id).await?.ok_or_else(missing)?;
    if row.from_currency != intent.currency {
        return Err(quote_invalid(format!(
            "The FX quote '{quote_id}' converts from {}, but this payment is in {}.",
            row.from_currency, intent.currency
        )));
    }
    let terms = crate::flows::pricing::terms(state, &intent.merchant_id).await?;
    if let Some(settlement) = terms.settlement_currency
        && settlement.code() != row.to_currency
    {
        return Err(quote_invalid(format!(
            "The FX quote '{quote_id}' converts into {}, but this account settles in {settlement}.",
            row.to_currency
        )));
    }
    if let Some(amount) = row.amount
        && amount != intent.amount
    {
        return Err(quote_invalid(format!(
            "The FX quote '{quote_id}' locked a rate for {amount}, but this payment is for {}.",
            intent.amount
        )));
    }
    if row.expires_at <= now || row.used_by.as_deref().is_some_and(|used_by| used_by != intent.id) {
        return Err(refusal(Some(&row), quote_id, now));
    }
    Ok(())
}

/// Books a quote for `used_by` (a payment or conversion id) inside the booking's own
/// transaction, so a quote serves one object only: a 400 on `fx_quote` when it expired
/// at `now`, belongs to another merchant, or was used by another object. Booking it
/// again for the same object succeeds. (A write batch books it with
/// `tradewind_storage::fx_quotes::claim_in` and, when that returns no row, answers
/// [`claim_refusal`].)
pub async fn claim_quote(
    connection: &mut Connection,
    merchant_id: &str,
    quote_id: &str,
    used_by: &str,
    now: i64,
) -> ApiResult<()> {
    if fx_quotes::claim(connection, merchant_id, quote_id, used_by, now).await? {
        return Ok(());
    }
    let row = fx_quotes::get_in(connection, merchant_id, quote_id).await?;
    Err(refusal(row.as_ref(), quote_id, now))
}

/// Whether the merchant's quote could still be booked for `used_by` at `now`.
pub async fn quote_claimable(
    state: &AppState,
    merchant_id: &str,
    quote_id: &str,
    used_by: &str,
    now: i64,
) -> ApiResult<bool> {
    Ok(fx_quotes::get(state.store.pool(), merchant_id, quote_id)
        .await?
        .is_some_and(|row| row.expires_at > now && row.used_by.as_deref().is_none_or(|used| used == used_by)))
}

/// Why the merchant's quote could not be booked at `now`, read after the fact.
pub async fn claim_refusal(state: &AppState, merchant_id: &str, quote_id: &str, now: i64) -> ApiError {
    match fx_quotes::get(state.store.pool(), merchant_id, quote_id).await {
        Ok(row) => refusal(row.as_ref(), quote_id, now),
        Err(error) => error.into(),
    }
}

fn refusal(row: Option<&FxQuoteRow>, quote_id: &str, now: i64) -> ApiError {
    match row {
        None => quote_invalid(format!("No such FX quote: '{quote_id}'")),
        Some(row) if row.expires_at <= now => quote_expired(quote_id, row.expires_at),
        Some(row) => quote_invalid(format!(
            "The FX quote '{quote_id}' was already used by {}.",
            row.used_by.as_deref().unwrap_or("another object")
        )),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EcbImportError {
    #[error("the ECB document was refused")]
    Document(#[from] EcbError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an ECB import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcbImport {
    /// Reference days in the document, and their rates.
    pub days: usize,
    pub rates: usize,
    /// Rates that were new (a day imported before is skipped).
    pub inserted: u64,
    /// The newest reference day, `YYYY-MM-DD`.
    pub latest_day: String,
    /// `YYYY-MM-DD CODE` of rates left out for a currency this platform does not know.
    pub skipped: Vec<String>,
}

/// Imports an ECB reference-rate document (daily or historical) as platform-wide
/// rates, in one transaction: all of it or, on any error, none of it.
pub async fn import_ecb(store: &Store, xml: &str, now: i64) -> Result<EcbImport, EcbImportError> {
    let parsed = parse_ecb_rates(xml)?;
    let rates: Vec<NewFxRate> = parsed
        .days
        .iter()
        .flat_map(|day| &day.rates)
        .map(|rate| NewFxRate {
            base: rate.base().code().to_owned(),
            quote: rate.quote().code().to_owned(),
            rate: rate_text(rate.mid()),
            as_of: rate.as_of_unix_seconds(),
        })
        .collect();
    let mut transaction = store.begin().await?;
    let inserted = fx_rates::insert_ecb(transaction.connection(), &rates, now).await?;
    transaction.commit().await?;
    Ok(EcbImport {
        days: parsed.days.len(),
        rates: rates.len(),
        inserted,
        latest_day: parsed.latest().map(|day| day.date.to_string()).unwrap_or_default(),
        skipped: parsed.skipped.iter().map(|skipped| format!("{} {}", skipped.date, skipped.code)).collect(),
    })
}

/// Imports `xml` only when no platform-wide rate is stored yet, so a fresh database
/// can quote at once; `None` when rates were already there.
pub async fn seed_platform_rates(store: &Store, xml: &str, now: i64) -> Result<Option<EcbImport>, EcbImportError> {
    if fx_rates::has_platform_rates(store.pool()).await? {
        return Ok(None);
    }
    import_ecb(store, xml, now).await.map(Some)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn rate_text_accepts_plain_positive_decimals_only() {
        assert_eq!(parse_rate_text("rate", "1.0850").unwrap().to_string(), "1.0850");
        assert_eq!(parse_rate_text("rate", "150").unwrap(), Decimal::from(150));
        for bad in [
            "",
            "0",
            "0.000",
            "-1",
            "+1",
            "1e3",
            "1.",
            ".5",
            " 1",
            "1,5",
            "NaN",
            "1.2.3",
            "0.00000000000000000000000000001",
        ] {
            let error = parse_rate_text("rate", bad).unwrap_err();
            assert_eq!(error.param.as_deref(), Some("rate"), "{bad}");
        }
    }

    #[test]
    fn stored_rates_print_without_trailing_zeros() {
        assert_eq!(rate_text(Decimal::from_str_exact("11.5120").unwrap()), "11.512");
        assert_eq!(rate_text(Decimal::from_str_exact("150.00").unwrap()), "150");
    }
}
