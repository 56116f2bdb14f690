//! Exchange rates and FX quotes on the wire. Rates are decimal strings (`"1.0412"`),
//! never JSON numbers, so no client parses them into floats by accident; amounts are
//! integer minor units; currencies are lower-case ISO codes, as everywhere else.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RetrieveRate {
    /// ISO 4217 code of the currency converted from.
    pub base: String,
    /// ISO 4217 code of the currency converted to.
    pub quote: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRate {
    pub base: String,
    pub quote: String,
    /// Units of `quote` per unit of `base`, a positive decimal string such as
    /// `"1.0850"` (at most 28 decimal places).
    pub rate: String,
}

#[derive(Serialize, ToSchema)]
pub struct FxRateObject {
    pub object: &'static str,
    pub base: String,
    pub quote: String,
    /// The mid rate: units of `quote` per unit of `base`, a decimal string. Quotes add
    /// the platform's markup to it.
    pub rate: String,
    /// ecb, manual, or mixed (a cross rate whose legs came from different sources).
    pub source: &'static str,
    /// When the rate was published (a cross rate: its older leg), Unix seconds.
    pub as_of: i64,
    /// direct, inverse (1 / the stored opposite pair) or cross (through EUR).
    pub path: &'static str,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateQuote {
    pub from_currency: String,
    pub to_currency: String,
    /// Minor units of `from_currency`; when given, the quote shows `converted_amount`.
    pub amount: Option<i64>,
    /// How long the rate stays locked: 1 to 86400 seconds, default 900.
    pub lock_duration_seconds: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FxQuoteObject {
    pub id: String,
    pub object: &'static str,
    pub from_currency: String,
    pub to_currency: String,
    /// Units of `to_currency` per unit of `from_currency`, with the markup: the rate
    /// this quote locks, a decimal string.
    pub rate: String,
    /// The mid rate the quote started from, a decimal string.
    pub mid_rate: String,
    pub markup_basis_points: i64,
    /// ecb, manual or mixed: where the mid rate came from.
    pub source: &'static str,
    /// Minor units of `from_currency`.
    pub amount: Option<i64>,
    /// `amount` at `rate` in minor units of `to_currency`, rounded half to even once.
    pub converted_amount: Option<i64>,
    pub created: i64,
    /// The first second the quote no longer holds (Unix seconds).
    pub expires_at: i64,
    /// active, expired or used.
    pub status: &'static str,
    /// The object that booked this quote, once used.
    pub used_by: Option<String>,
}
