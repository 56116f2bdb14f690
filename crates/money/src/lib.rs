//! Exact money: ISO 4217 currencies with their real minor-unit exponents and integer
//! amounts in minor units with checked arithmetic.
//!
//! - [`currency`]: the ISO 4217 table (`Currency::parse("JPY")`, `exponent()`).
//! - [`amount`]: `Money { minor, currency }` and its checked operations.
//! - [`decimal`]: conversion between minor units and decimal strings, only for display
//!   at the edge (never floats).
//!
//! Nothing here does I/O and nothing here is `Serialize`: the API edge decides the wire
//! format.

mod amount;
mod currency;
mod decimal;

pub use amount::{Money, MoneyError};
pub use currency::{Currency, CurrencyError};
pub use decimal::format_minor_units;
