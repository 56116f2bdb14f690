//! What the unit tests share.

#![allow(clippy::unwrap_used)]

use tradewind_money::{Currency, Money};

/// `minor` units of the currency `code`.
pub fn money(minor: i64, code: &str) -> Money {
    Money::new(minor, Currency::parse(code).unwrap())
}
