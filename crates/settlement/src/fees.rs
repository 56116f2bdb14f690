//! Processing fees: a validated schedule, the fee on a charge broken into its parts, the
//! share of a fee returned on a (partial) refund, and the dispute fee.
//!
//! **Rounding.** Every percentage component (the base percentage, the international
//! surcharge, the currency conversion surcharge) is computed on the gross separately
//! and rounded **half up** at the payment currency's minor unit, so each line of a
//! breakdown is a whole amount and the fee is exactly their sum. Half up (not half to
//! even, which FX conversion uses) because that is how providers bill: 2.9% of
//! 10.05 USD = 29.145 cents → 29; 2.9% of 50 JPY = 1.45 → 1; 0.5% of 0.100 KWD =
//! 0.5 fils → 1.
//!
//! **Fixed part and currency.** A schedule's money terms (fixed part, cap, dispute fee)
//! are in one currency. `fee_for` refuses a payment in another currency rather than
//! dropping or guessing the fixed part: the caller first localizes the schedule with
//! [`FeeSchedule::localized`], which converts those terms at a rate it supplies (with
//! the FX rounding rule). A schedule without money terms prices any currency.
//!
//! **Fee larger than the gross.** The percentage parts together never exceed the gross
//! (a schedule's basis points add up to at most 100%), but the fixed part can: 0.20 USD
//! at 2.9% + 0.30 costs 0.31. The breakdown then shows a negative net rather than
//! hiding the cost; callers that refuse such charges compare `fee` with `gross`.
//!
//! - `defaults`: the declarative table of default schedules per connector and method.
//! - `overlay`: a merchant's negotiated terms laid over a default.

mod defaults;
mod overlay;

pub use defaults::{Connector, Method, default_schedule};
pub use overlay::{FeeOverlay, Overlay};

use crate::fx::{self, FxError};
use rust_decimal::Decimal;
use tradewind_money::{Currency, CurrencyError, Money, MoneyError};

/// 100% in basis points: no single rate, nor all of them together, may exceed it.
pub const MAX_BASIS_POINTS: i64 = 10_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeeError {
    #[error("{field} is {value} basis points, outside 0..={MAX_BASIS_POINTS}")]
    BasisPointsOutOfRange { field: &'static str, value: i64 },
    #[error("the percentages add up to {0} basis points, more than 100%")]
    TotalOverHundredPercent(i64),
    #[error("{field} must not be negative")]
    NegativeAmount { field: &'static str },
    #[error("a schedule's amounts must share one currency, found {first} and {second}")]
    MixedCurrencies { first: Currency, second: Currency },
    #[error("the schedule is in {schedule}, the payment in {payment}; localize the schedule first")]
    ScheduleCurrency { schedule: Currency, payment: Currency },
    #[error("the gross amount must be positive")]
    GrossNotPositive,
    #[error("a refund must be positive and refunded amounts not negative")]
    RefundNotPositive,
    #[error("the refunds add up to more than the charge")]
    RefundExceedsCharge,
    #[error("no default fee schedule for {method} through {connector}")]
    NoDefaultSchedule { connector: Connector, method: Method },
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Fx(#[from] FxError),
}

/// The plain terms of a schedule, as configured. [`FeeSchedule::new`] checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeTerms {
    /// The base percentage in basis points (290 = 2.9%).
    pub percent_basis_points: i64,
    /// Added to every charge, in the schedule's currency.
    pub fixed: Option<Money>,
    /// Added when the card or account was issued in another country than the merchant's.
    pub international_surcharge_basis_points: i64,
    /// Added when the charge was converted to another currency for settlement.
    pub currency_conversion_surcharge_basis_points: i64,
    /// The most the whole fee (every component) can be, as for bank transfers.
    pub cap: Option<Money>,
    /// Charged when a buyer disputes a payment, win or lose.
    pub dispute_fee: Option<Money>,
    /// Whether refunds give back the matching share of the fee (see
    /// [`FeeSchedule::refund_fee_credit`]).
    pub refund_fee_returned: bool,
}

impl FeeTerms {
    /// A schedule of just a percentage, with no money terms.
    pub fn percentage(percent_basis_points: i64) -> Self {
        FeeTerms {
            percent_basis_points,
            fixed: None,
            international_surcharge_basis_points: 0,
            currency_conversion_surcharge_basis_points: 0,
            cap: None,
            dispute_fee: None,
            refund_fee_returned: false,
        }
    }
}

/// A fee schedule whose terms obey every rule: each rate within 0–100%, all rates
/// together at most 100%, no negative amounts, one currency for all amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeSchedule {
    terms: FeeTerms,
    currency: Option<Currency>,
}

/// The fee on one charge and each part of it. Every part is in the gross's currency;
/// `fee = percentage + fixed + international_surcharge + currency_conversion_surcharge
/// − cap_reduction` and `net = gross − fee`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeBreakdown {
    pub gross: Money,
    pub percentage: Money,
    pub fixed: Money,
    pub international_surcharge: Money,
    pub currency_conversion_surcharge: Money,
    /// How much the cap took off the sum of the parts (zero when under the cap).
    pub cap_reduction: Money,
    pub fee: Money,
    pub net: Money,
}

impl FeeSchedule {
    pub fn new(terms: FeeTerms) -> Result<FeeSchedule, FeeError> {
        let rates = [
            ("percent_basis_points", terms.percent_basis_points),
            ("international_surcharge_basis_points", terms.international_surcharge_basis_points),
            ("currency_conversion_surcharge_basis_points", terms.currency_conversion_surcharge_basis_points),
        ];
        for (field, value) in rates {
            if !(0..=MAX_BASIS_POINTS).contains(&value) {
                return Err(FeeError::BasisPointsOutOfRange { field, value });
            }
        }
        let total = rates.iter().map(|(_, value)| value).sum::<i64>();
        if total > MAX_BASIS_POINTS {
            return Err(FeeError::TotalOverHundredPercent(total));
        }
        let mut currency = None;
        for (field, amount) in [("fixed", terms.fixed), ("cap", terms.cap), ("dispute_fee", terms.dispute_fee)] {
            let Some(amount) = amount else { continue };
            if amount.minor() < 0 {
                return Err(FeeError::NegativeAmount { field });
            }
            match currency {
                Some(first) if first != amount.currency() => {
                    return Err(FeeError::MixedCurrencies { first, second: amount.currency() });
                }
                _ => currency = Some(amount.currency()),
            }
        }
        Ok(FeeSchedule { terms, currency })
    }

    pub fn terms(&self) -> &FeeTerms {
        &self.terms
    }

    /// The currency of the schedule's money terms, if it has any.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }

    /// The fee on a charge of `gross`; `international` and `converted` switch on their
    /// surcharges. See the module documentation for the rounding rule.
    pub fn fee_for(&self, gross: Money, international: bool, converted: bool) -> Result<FeeBreakdown, FeeError> {
        if gross.minor() <= 0 {
            return Err(FeeError::GrossNotPositive);
        }
        self.check_currency(gross.currency())?;
        let zero = Money::zero(gross.currency());
        let share = |basis_points: i64, applies: bool| -> Result<Money, FeeError> {
            // Money::checked_basis_points rounds half away from zero, which is half up
            // for the positive gross checked above.
            if applies { Ok(gross.checked_basis_points(basis_points)?) } else { Ok(zero) }
        };
        let percentage = share(self.terms.percent_basis_points, true)?;
        let international_surcharge = share(self.terms.international_surcharge_basis_points, international)?;
        let currency_conversion_surcharge = share(self.terms.currency_conversion_surcharge_basis_points, converted)?;
        let fixed = self.terms.fixed.unwrap_or(zero);
        let before_cap = percentage
            .checked_add(fixed)?
            .checked_add(international_surcharge)?
            .checked_add(currency_conversion_surcharge)?;
        let fee = match self.terms.cap {
            Some(cap) if cap.minor() < before_cap.minor() => cap,
            _ => before_cap,
        };
        let cap_reduction = before_cap.checked_sub(fee)?;
        let net = gross.checked_sub(fee)?;
        Ok(FeeBreakdown {
            gross,
            percentage,
            fixed,
            international_surcharge,
            currency_conversion_surcharge,
            cap_reduction,
            fee,
            net,
        })
    }

    /// The part of a charge's fee given back for a refund of `refund`, after
    /// `refunded_before` was already refunded on the same charge.
    ///
    /// The rule is proportional and cumulative: after refunding `R` of gross `G`, the
    /// merchant has been given back `round_half_up(fee × R / G)` in total, and each
    /// refund's credit is the increase of that total. Partial refunds therefore never
    /// drift by rounding: a full refund, in one piece or many, returns exactly the whole
    /// fee (the fixed part included). With `refund_fee_returned` off, nothing is
    /// returned.
    pub fn refund_fee_credit(
        &self,
        charge: &FeeBreakdown,
        refunded_before: Money,
        refund: Money,
    ) -> Result<Money, FeeError> {
        let currency = charge.gross.currency();
        if refund.minor() <= 0 || refunded_before.minor() < 0 {
            return Err(FeeError::RefundNotPositive);
        }
        let refunded_after = refunded_before.checked_add(refund)?;
        if refunded_after.checked_cmp(charge.gross)? == std::cmp::Ordering::Greater {
            return Err(FeeError::RefundExceedsCharge);
        }
        if !self.terms.refund_fee_returned {
            return Ok(Money::zero(currency));
        }
        let returned = |refunded: Money| -> Result<i64, FeeError> {
            proportion_half_up(charge.fee.minor(), refunded.minor(), charge.gross.minor())
        };
        let credit = returned(refunded_after)? - returned(refunded_before)?;
        Ok(Money::new(credit, currency))
    }

    /// The fee for a dispute on a payment in `currency`: zero when the schedule has none.
    pub fn dispute_fee_for(&self, currency: Currency) -> Result<Money, FeeError> {
        self.check_currency(currency)?;
        Ok(self.terms.dispute_fee.unwrap_or(Money::zero(currency)))
    }

    /// The same schedule with its money terms converted into `to` at `rate` (units of
    /// `to` per unit of the schedule's currency), rounded as [`fx::convert`] rounds.
    /// Percentages are unchanged. A schedule without money terms is returned as is.
    pub fn localized(&self, to: Currency, rate: Decimal) -> Result<FeeSchedule, FeeError> {
        let convert = |amount: Option<Money>| -> Result<Option<Money>, FeeError> {
            match amount {
                Some(amount) if amount.currency() != to => Ok(Some(fx::convert(amount, to, rate)?)),
                other => Ok(other),
            }
        };
        FeeSchedule::new(FeeTerms {
            fixed: convert(self.terms.fixed)?,
            cap: convert(self.terms.cap)?,
            dispute_fee: convert(self.terms.dispute_fee)?,
            ..self.terms
        })
    }

    fn check_currency(&self, payment: Currency) -> Result<(), FeeError> {
        match self.currency {
            Some(schedule) if schedule != payment => Err(FeeError::ScheduleCurrency { schedule, payment }),
            _ => Ok(()),
        }
    }
}

/// `round_half_up(value × numerator / denominator)` for non-negative inputs, in 128 bits
/// so the product cannot overflow.
fn proportion_half_up(value: i64, numerator: i64, denominator: i64) -> Result<i64, FeeError> {
    if denominator <= 0 {
        return Err(FeeError::GrossNotPositive);
    }
    let product = i128::from(value) * i128::from(numerator);
    let denominator = i128::from(denominator);
    let rounded = (2 * product + denominator).div_euclid(2 * denominator);
    i64::try_from(rounded).map_err(|_| FeeError::Money(MoneyError::Overflow))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn usd(minor: i64) -> Money {
        Money::new(minor, currency("USD"))
    }

    fn card() -> FeeSchedule {
        FeeSchedule::new(FeeTerms {
            percent_basis_points: 290,
            fixed: Some(usd(30)),
            international_surcharge_basis_points: 150,
            currency_conversion_surcharge_basis_points: 100,
            cap: None,
            dispute_fee: Some(usd(1_500)),
            refund_fee_returned: true,
        })
        .unwrap()
    }

    #[test]
    fn components_of_a_card_fee() {
        // 100.00 USD: 2.90 + 0.30, plus 1.50 international and 1.00 conversion.
        let breakdown = card().fee_for(usd(10_000), true, true).unwrap();
        assert_eq!(breakdown.percentage, usd(290));
        assert_eq!(breakdown.fixed, usd(30));
        assert_eq!(breakdown.international_surcharge, usd(150));
        assert_eq!(breakdown.currency_conversion_surcharge, usd(100));
        assert_eq!(breakdown.cap_reduction, usd(0));
        assert_eq!(breakdown.fee, usd(570));
        assert_eq!(breakdown.net, usd(9_430));
        let domestic = card().fee_for(usd(10_000), false, false).unwrap();
        assert_eq!((domestic.fee, domestic.net), (usd(320), usd(9_680)));
    }

    #[test]
    fn each_component_rounds_half_up_separately() {
        // 10.05 USD: 2.9% = 29.145 → 29; 1.5% = 15.075 → 15; 1% = 10.05 → 10.
        let breakdown = card().fee_for(usd(1_005), true, true).unwrap();
        assert_eq!(breakdown.percentage, usd(29));
        assert_eq!(breakdown.international_surcharge, usd(15));
        assert_eq!(breakdown.currency_conversion_surcharge, usd(10));
        assert_eq!(breakdown.fee, usd(29 + 30 + 15 + 10));
        // 0.50 USD at 2.9% = 1.45 → 1; at 1% = 0.5 → 1 (half up).
        let small = card().fee_for(usd(50), false, true).unwrap();
        assert_eq!((small.percentage, small.currency_conversion_surcharge), (usd(1), usd(1)));
    }

    #[test]
    fn rounding_follows_the_currency_exponent() {
        let percentage = FeeSchedule::new(FeeTerms::percentage(50)).unwrap();
        // 0.5% of 301 JPY = 1.505 → 2; of 100 JPY = 0.5 → 1.
        let jpy = |minor| Money::new(minor, currency("JPY"));
        assert_eq!(percentage.fee_for(jpy(301), false, false).map(|b| b.fee), Ok(jpy(2)));
        assert_eq!(percentage.fee_for(jpy(100), false, false).map(|b| b.fee), Ok(jpy(1)));
        // 0.5% of 0.100 KWD = 0.5 fils → 1; of 0.099 KWD = 0.495 → 0.
        let kwd = |minor| Money::new(minor, currency("KWD"));
        assert_eq!(percentage.fee_for(kwd(100), false, false).map(|b| b.fee), Ok(kwd(1)));
        assert_eq!(percentage.fee_for(kwd(99), false, false).map(|b| b.fee), Ok(kwd(0)));
    }

    #[test]
    fn the_cap_limits_the_whole_fee() {
        let transfer = FeeSchedule::new(FeeTerms { cap: Some(usd(500)), ..FeeTerms::percentage(80) }).unwrap();
        let small = transfer.fee_for(usd(10_000), false, false).unwrap();
        assert_eq!((small.fee, small.cap_reduction), (usd(80), usd(0)));
        let large = transfer.fee_for(usd(1_000_000), false, false).unwrap();
        assert_eq!((large.percentage, large.cap_reduction, large.fee), (usd(8_000), usd(7_500), usd(500)));
    }

    #[test]
    fn a_fixed_fee_can_exceed_a_tiny_charge() {
        let breakdown = card().fee_for(usd(20), false, false).unwrap();
        assert_eq!((breakdown.fee, breakdown.net), (usd(31), usd(-11)));
    }

    #[test]
    fn the_schedule_currency_must_match_the_payment() {
        let eur = currency("EUR");
        assert_eq!(
            card().fee_for(Money::new(1_000, eur), false, false),
            Err(FeeError::ScheduleCurrency { schedule: currency("USD"), payment: eur })
        );
        // Localized at 0.92 EUR per USD: 0.30 → 0.28 (0.276), 15.00 → 13.80.
        let localized = card().localized(eur, Decimal::from_str("0.92").unwrap()).unwrap();
        assert_eq!(localized.terms().fixed, Some(Money::new(28, eur)));
        assert_eq!(localized.dispute_fee_for(eur), Ok(Money::new(1_380, eur)));
        assert_eq!(localized.fee_for(Money::new(10_000, eur), false, false).map(|b| b.fee), Ok(Money::new(318, eur)));
        // A percentage-only schedule prices any currency.
        let plain = FeeSchedule::new(FeeTerms::percentage(200)).unwrap();
        assert_eq!(plain.fee_for(Money::new(10_000, eur), false, false).map(|b| b.fee), Ok(Money::new(200, eur)));
        assert_eq!(plain.dispute_fee_for(eur), Ok(Money::zero(eur)));
    }

    #[test]
    fn invalid_terms_are_refused() {
        assert_eq!(
            FeeSchedule::new(FeeTerms::percentage(-1)),
            Err(FeeError::BasisPointsOutOfRange { field: "percent_basis_points", value: -1 })
        );
        let too_much = FeeTerms { international_surcharge_basis_points: 200, ..FeeTerms::percentage(9_900) };
        assert_eq!(FeeSchedule::new(too_much), Err(FeeError::TotalOverHundredPercent(10_100)));
        let negative = FeeTerms { fixed: Some(usd(-1)), ..FeeTerms::percentage(0) };
        assert_eq!(FeeSchedule::new(negative), Err(FeeError::NegativeAmount { field: "fixed" }));
        let mixed = FeeTerms {
            fixed: Some(usd(30)),
            dispute_fee: Some(Money::new(1_500, currency("EUR"))),
            ..FeeTerms::percentage(0)
        };
        assert_eq!(
            FeeSchedule::new(mixed),
            Err(FeeError::MixedCurrencies { first: currency("USD"), second: currency("EUR") })
        );
        assert_eq!(card().fee_for(usd(0), false, false), Err(FeeError::GrossNotPositive));
    }

    #[test]
    fn partial_refunds_return_the_fee_proportionally() {
        let schedule = card();
        // 100.00 USD → fee 3.20.
        let charge = schedule.fee_for(usd(10_000), false, false).unwrap();
        // A third, then another third, then the rest: 1.07 (106.67), 1.06, 1.07 = 3.20.
        let first = schedule.refund_fee_credit(&charge, usd(0), usd(3_333)).unwrap();
        let second = schedule.refund_fee_credit(&charge, usd(3_333), usd(3_333)).unwrap();
        let third = schedule.refund_fee_credit(&charge, usd(6_666), usd(3_334)).unwrap();
        assert_eq!((first, second, third), (usd(107), usd(106), usd(107)));
        assert_eq!(schedule.refund_fee_credit(&charge, usd(10_000), usd(1)), Err(FeeError::RefundExceedsCharge));
        assert_eq!(schedule.refund_fee_credit(&charge, usd(0), usd(0)), Err(FeeError::RefundNotPositive));
        let kept = FeeSchedule::new(FeeTerms { refund_fee_returned: false, ..*schedule.terms() }).unwrap();
        assert_eq!(kept.refund_fee_credit(&charge, usd(0), usd(10_000)), Ok(usd(0)));
    }

    proptest! {
        #[test]
        fn percentages_never_exceed_the_gross(
            gross in 1i64..1_000_000_000_000,
            base in 0i64..=MAX_BASIS_POINTS,
            international in 0i64..=MAX_BASIS_POINTS,
            converted in 0i64..=MAX_BASIS_POINTS,
            fixed in 0i64..10_000,
        ) {
            let terms = FeeTerms {
                percent_basis_points: base,
                fixed: Some(usd(fixed)),
                international_surcharge_basis_points: international,
                currency_conversion_surcharge_basis_points: converted,
                ..FeeTerms::percentage(0)
            };
            // Schedules over 100% in total are refused; the others stay within the gross
            // plus the fixed part, and the parts always add up.
            let Ok(schedule) = FeeSchedule::new(terms) else {
                prop_assert!(base + international + converted > MAX_BASIS_POINTS);
                return Ok(());
            };
            let breakdown = schedule.fee_for(usd(gross), true, true).unwrap();
            prop_assert!(breakdown.fee.minor() - breakdown.fixed.minor() <= gross);
            prop_assert!(breakdown.fee.minor() >= 0);
            let parts = breakdown.percentage.minor() + breakdown.fixed.minor() + breakdown.international_surcharge.minor()
                + breakdown.currency_conversion_surcharge.minor() - breakdown.cap_reduction.minor();
            prop_assert_eq!(parts, breakdown.fee.minor());
            prop_assert_eq!(breakdown.net.minor(), gross - breakdown.fee.minor());
        }

        #[test]
        fn refunding_everything_in_pieces_returns_the_whole_fee(
            gross in 1i64..1_000_000_000,
            cuts in proptest::collection::vec(1i64..1_000_000_000, 0..8),
        ) {
            let schedule = card();
            let charge = schedule.fee_for(usd(gross), false, false).unwrap();
            let mut points: Vec<i64> = cuts.into_iter().map(|cut| cut % gross).filter(|&cut| cut > 0).collect();
            points.push(0);
            points.push(gross);
            points.sort_unstable();
            points.dedup();
            let mut returned = 0;
            for pair in points.windows(2) {
                let credit = schedule.refund_fee_credit(&charge, usd(pair[0]), usd(pair[1] - pair[0])).unwrap();
                prop_assert!(credit.minor() >= 0);
                returned += credit.minor();
            }
            prop_assert_eq!(returned, charge.fee.minor());
        }
    }
}
