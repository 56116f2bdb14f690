//! A merchant's negotiated fee terms, laid field by field over a default schedule.
//!
//! Each field of [`FeeOverlay`] either inherits the default or replaces it; for the
//! optional money terms, replacing with `None` removes the default's amount (a merchant
//! who negotiated away the fixed part). The result is validated like any schedule, so
//! an overlay cannot produce terms a schedule would refuse.

use super::{FeeError, FeeSchedule, FeeTerms};
use tradewind_money::Money;

/// One field of an overlay: keep the underlying value or replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overlay<T> {
    #[default]
    Inherit,
    Replace(T),
}

impl<T: Copy> Overlay<T> {
    fn over(&self, underlying: T) -> T {
        match self {
            Overlay::Inherit => underlying,
            Overlay::Replace(value) => *value,
        }
    }
}

/// Overrides for any subset of a schedule's terms; `FeeOverlay::default()` changes
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeeOverlay {
    pub percent_basis_points: Overlay<i64>,
    pub fixed: Overlay<Option<Money>>,
    pub international_surcharge_basis_points: Overlay<i64>,
    pub currency_conversion_surcharge_basis_points: Overlay<i64>,
    pub cap: Overlay<Option<Money>>,
    pub dispute_fee: Overlay<Option<Money>>,
    pub refund_fee_returned: Overlay<bool>,
}

impl FeeSchedule {
    /// This schedule with `overlay`'s replaced fields, validated again.
    pub fn with_overlay(&self, overlay: &FeeOverlay) -> Result<FeeSchedule, FeeError> {
        let terms = self.terms();
        FeeSchedule::new(FeeTerms {
            percent_basis_points: overlay.percent_basis_points.over(terms.percent_basis_points),
            fixed: overlay.fixed.over(terms.fixed),
            international_surcharge_basis_points: overlay
                .international_surcharge_basis_points
                .over(terms.international_surcharge_basis_points),
            currency_conversion_surcharge_basis_points: overlay
                .currency_conversion_surcharge_basis_points
                .over(terms.currency_conversion_surcharge_basis_points),
            cap: overlay.cap.over(terms.cap),
            dispute_fee: overlay.dispute_fee.over(terms.dispute_fee),
            refund_fee_returned: overlay.refund_fee_returned.over(terms.refund_fee_returned),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::{Connector, Method, default_schedule};
    use super::*;
    use tradewind_money::Currency;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").unwrap())
    }

    #[test]
    fn an_empty_overlay_changes_nothing() {
        let card = default_schedule(Connector::Sandbox, Method::Card).unwrap();
        assert_eq!(card.with_overlay(&FeeOverlay::default()), Ok(card));
    }

    #[test]
    fn replaced_fields_win_and_the_rest_is_inherited() {
        let card = default_schedule(Connector::Sandbox, Method::Card).unwrap();
        let negotiated = FeeOverlay {
            percent_basis_points: Overlay::Replace(240),
            fixed: Overlay::Replace(None),
            refund_fee_returned: Overlay::Replace(true),
            ..FeeOverlay::default()
        };
        let schedule = card.with_overlay(&negotiated).unwrap();
        assert_eq!(schedule.terms().percent_basis_points, 240);
        assert_eq!(schedule.terms().fixed, None);
        assert!(schedule.terms().refund_fee_returned);
        assert_eq!(schedule.terms().international_surcharge_basis_points, 150);
        assert_eq!(schedule.terms().dispute_fee, Some(usd(1_500)));
        assert_eq!(schedule.fee_for(usd(10_000), false, false).map(|b| b.fee), Ok(usd(240)));
    }

    #[test]
    fn an_overlay_cannot_break_the_rules() {
        let card = default_schedule(Connector::Sandbox, Method::Card).unwrap();
        let euro_fixed = Money::new(25, Currency::parse("EUR").unwrap());
        let mixed = FeeOverlay { fixed: Overlay::Replace(Some(euro_fixed)), ..FeeOverlay::default() };
        assert!(matches!(card.with_overlay(&mixed), Err(FeeError::MixedCurrencies { .. })));
        let greedy = FeeOverlay { percent_basis_points: Overlay::Replace(10_001), ..FeeOverlay::default() };
        assert!(matches!(card.with_overlay(&greedy), Err(FeeError::BasisPointsOutOfRange { .. })));
    }
}
