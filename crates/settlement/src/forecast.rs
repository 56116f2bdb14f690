//! The cash-flow forecast: from today's available balance, what becomes available,
//! what reserves release and what payouts take, day by day and currency by currency.
//!
//! Pure and deterministic: the same input gives the same rows in the same order
//! (date, then currency code). Rules:
//!
//! - Every amount in the input is non-negative; payouts are subtracted.
//! - An item dated before `start` is late, not lost: it counts on the first day.
//! - An item dated after the horizon is not dropped silently either: it is summed in
//!   [`Forecast::beyond_horizon`], so every input amount appears exactly once in the
//!   output (the property tests check this).
//! - Every currency that appears anywhere in the input has a row every day, zero or
//!   not, so a chart of the forecast has no gaps.
//! - The projected balance may go negative: that shows payouts scheduled beyond the
//!   funds, which the forecast exists to reveal.

use std::collections::BTreeMap;
use time::Date;
use tradewind_money::{Currency, Money, MoneyError};

/// The longest forecast: one year, leap day included.
pub const MAX_FORECAST_DAYS: u32 = 366;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ForecastError {
    #[error("a forecast covers 1..={MAX_FORECAST_DAYS} days, not {0}")]
    DaysOutOfRange(u32),
    #[error("{what} amounts must not be negative")]
    NegativeAmount { what: &'static str },
    #[error("the available balance lists {0} twice")]
    DuplicateBalance(Currency),
    #[error("the forecast ends after the last representable date")]
    DateOutOfRange,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Funds captured but not yet available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingItem {
    pub amount: Money,
    pub available_on: Date,
}

/// Funds held back as a reserve until a release date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReserveHold {
    pub amount: Money,
    pub release_on: Date,
}

/// A payout already scheduled to leave the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledPayout {
    pub amount: Money,
    pub pay_on: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastInput<'a> {
    pub start: Date,
    pub days: u32,
    /// The balance available now, at most one amount per currency.
    pub available_now: &'a [Money],
    pub pending: &'a [PendingItem],
    pub reserves: &'a [ReserveHold],
    pub payouts: &'a [ScheduledPayout],
}

/// One currency on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastDay {
    pub date: Date,
    pub currency: Currency,
    pub becomes_available: Money,
    pub reserve_released: Money,
    pub payouts: Money,
    /// The available balance at the end of the day.
    pub projected_available: Money,
}

/// What falls after the last forecast day, per currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeyondHorizon {
    pub currency: Currency,
    pub pending: Money,
    pub reserves: Money,
    pub payouts: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    /// Date-major, then currency code.
    pub days: Vec<ForecastDay>,
    /// One entry per currency, in code order.
    pub beyond_horizon: Vec<BeyondHorizon>,
}

/// Sums per currency: one slot per forecast day for each flow, plus what lies beyond.
struct Buckets {
    opening: i64,
    becomes_available: Vec<i64>,
    reserve_released: Vec<i64>,
    payouts: Vec<i64>,
    beyond: [i64; 3],
}

#[derive(Clone, Copy)]
enum Flow {
    Pending = 0,
    Reserve = 1,
    Payout = 2,
}

impl Buckets {
    fn new(days: usize) -> Buckets {
        Buckets {
            opening: 0,
            becomes_available: vec![0; days],
            reserve_released: vec![0; days],
            payouts: vec![0; days],
            beyond: [0; 3],
        }
    }

    fn add(&mut self, flow: Flow, day_index: Option<usize>, minor: i64) -> Result<(), ForecastError> {
        let slot = match (flow, day_index) {
            (_, None) => &mut self.beyond[flow as usize],
            (Flow::Pending, Some(index)) => &mut self.becomes_available[index],
            (Flow::Reserve, Some(index)) => &mut self.reserve_released[index],
            (Flow::Payout, Some(index)) => &mut self.payouts[index],
        };
        *slot = slot.checked_add(minor).ok_or(MoneyError::Overflow)?;
        Ok(())
    }
}

/// Projects the available balance for `input.days` days from `input.start`.
pub fn forecast(input: &ForecastInput<'_>) -> Result<Forecast, ForecastError> {
    if !(1..=MAX_FORECAST_DAYS).contains(&input.days) {
        return Err(ForecastError::DaysOutOfRange(input.days));
    }
    let days = input.days as usize;
    let mut dates = Vec::with_capacity(days);
    let mut date = input.start;
    for index in 0..days {
        if index > 0 {
            date = date.next_day().ok_or(ForecastError::DateOutOfRange)?;
        }
        dates.push(date);
    }
    // Whole days from the start; before the start counts as day one, after the last
    // day as beyond the horizon.
    let day_index = |on: Date| -> Option<usize> {
        let offset = (on - input.start).whole_days().max(0);
        usize::try_from(offset).ok().filter(|&index| index < days)
    };

    let mut by_currency: BTreeMap<Currency, Buckets> = BTreeMap::new();
    for balance in input.available_now {
        if by_currency.contains_key(&balance.currency()) {
            return Err(ForecastError::DuplicateBalance(balance.currency()));
        }
        by_currency.entry(balance.currency()).or_insert_with(|| Buckets::new(days)).opening = balance.minor();
    }
    let flows = input
        .pending
        .iter()
        .map(|item| (Flow::Pending, "pending", item.amount, item.available_on))
        .chain(input.reserves.iter().map(|hold| (Flow::Reserve, "reserve", hold.amount, hold.release_on)))
        .chain(input.payouts.iter().map(|payout| (Flow::Payout, "payout", payout.amount, payout.pay_on)));
    for (flow, what, amount, on) in flows {
        if amount.minor() < 0 {
            return Err(ForecastError::NegativeAmount { what });
        }
        let buckets = by_currency.entry(amount.currency()).or_insert_with(|| Buckets::new(days));
        buckets.add(flow, day_index(on), amount.minor())?;
    }

    let mut rows = Vec::with_capacity(days * by_currency.len());
    let mut running: Vec<i64> = by_currency.values().map(|buckets| buckets.opening).collect();
    for (index, &date) in dates.iter().enumerate() {
        for ((&currency, buckets), balance) in by_currency.iter().zip(running.iter_mut()) {
            let becomes_available = buckets.becomes_available[index];
            let reserve_released = buckets.reserve_released[index];
            let payouts = buckets.payouts[index];
            *balance = balance
                .checked_add(becomes_available)
                .and_then(|sum| sum.checked_add(reserve_released))
                .and_then(|sum| sum.checked_sub(payouts))
                .ok_or(MoneyError::Overflow)?;
            rows.push(ForecastDay {
                date,
                currency,
                becomes_available: Money::new(becomes_available, currency),
                reserve_released: Money::new(reserve_released, currency),
                payouts: Money::new(payouts, currency),
                projected_available: Money::new(*balance, currency),
            });
        }
    }
    let beyond_horizon = by_currency
        .iter()
        .map(|(&currency, buckets)| BeyondHorizon {
            currency,
            pending: Money::new(buckets.beyond[Flow::Pending as usize], currency),
            reserves: Money::new(buckets.beyond[Flow::Reserve as usize], currency),
            payouts: Money::new(buckets.beyond[Flow::Payout as usize], currency),
        })
        .collect();
    Ok(Forecast { days: rows, beyond_horizon })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn usd(minor: i64) -> Money {
        Money::new(minor, currency("USD"))
    }

    fn eur(minor: i64) -> Money {
        Money::new(minor, currency("EUR"))
    }

    #[test]
    fn a_three_day_forecast_by_hand() {
        let start = date!(2026 - 11 - 23);
        let pending = [
            PendingItem { amount: usd(1_000), available_on: date!(2026 - 11 - 24) },
            // Overdue: counted on the first day.
            PendingItem { amount: usd(50), available_on: date!(2026 - 11 - 20) },
            PendingItem { amount: eur(700), available_on: date!(2026 - 11 - 25) },
            // Beyond the three days.
            PendingItem { amount: usd(9_999), available_on: date!(2026 - 11 - 26) },
        ];
        let reserves = [ReserveHold { amount: usd(300), release_on: date!(2026 - 11 - 25) }];
        let payouts = [ScheduledPayout { amount: usd(2_000), pay_on: date!(2026 - 11 - 25) }];
        let input = ForecastInput {
            start,
            days: 3,
            available_now: &[usd(500)],
            pending: &pending,
            reserves: &reserves,
            payouts: &payouts,
        };
        let result = forecast(&input).unwrap();
        let summary: Vec<(Date, &str, i64, i64, i64, i64)> = result
            .days
            .iter()
            .map(|day| {
                (
                    day.date,
                    day.currency.code(),
                    day.becomes_available.minor(),
                    day.reserve_released.minor(),
                    day.payouts.minor(),
                    day.projected_available.minor(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (date!(2026 - 11 - 23), "EUR", 0, 0, 0, 0),
                (date!(2026 - 11 - 23), "USD", 50, 0, 0, 550),
                (date!(2026 - 11 - 24), "EUR", 0, 0, 0, 0),
                (date!(2026 - 11 - 24), "USD", 1_000, 0, 0, 1_550),
                (date!(2026 - 11 - 25), "EUR", 700, 0, 0, 700),
                // The payout outruns the funds: the projection shows it going negative.
                (date!(2026 - 11 - 25), "USD", 0, 300, 2_000, -150),
            ]
        );
        assert_eq!(
            result.beyond_horizon,
            vec![
                BeyondHorizon { currency: currency("EUR"), pending: eur(0), reserves: eur(0), payouts: eur(0) },
                BeyondHorizon { currency: currency("USD"), pending: usd(9_999), reserves: usd(0), payouts: usd(0) },
            ]
        );
    }

    #[test]
    fn bounds_and_bad_input() {
        let input = |days| ForecastInput {
            start: date!(2026 - 01 - 01),
            days,
            available_now: &[],
            pending: &[],
            reserves: &[],
            payouts: &[],
        };
        assert_eq!(forecast(&input(0)), Err(ForecastError::DaysOutOfRange(0)));
        assert_eq!(forecast(&input(MAX_FORECAST_DAYS + 1)), Err(ForecastError::DaysOutOfRange(MAX_FORECAST_DAYS + 1)));
        assert_eq!(forecast(&input(MAX_FORECAST_DAYS)).map(|forecast| forecast.days.len()), Ok(0));
        let negative = [PendingItem { amount: usd(-1), available_on: date!(2026 - 01 - 01) }];
        assert_eq!(
            forecast(&ForecastInput { pending: &negative, ..input(1) }),
            Err(ForecastError::NegativeAmount { what: "pending" })
        );
        let twice = [usd(1), usd(2)];
        assert_eq!(
            forecast(&ForecastInput { available_now: &twice, ..input(1) }),
            Err(ForecastError::DuplicateBalance(currency("USD")))
        );
        let huge = [
            PendingItem { amount: usd(i64::MAX), available_on: date!(2026 - 01 - 01) },
            PendingItem { amount: usd(1), available_on: date!(2026 - 01 - 01) },
        ];
        assert_eq!(
            forecast(&ForecastInput { pending: &huge, ..input(1) }),
            Err(ForecastError::Money(MoneyError::Overflow))
        );
    }

    fn item_strategy() -> impl Strategy<Value = (usize, i64, i64)> {
        // (currency index, amount, day offset from the start, including before and after)
        (0usize..3, 0i64..1_000_000_000, -10i64..60)
    }

    proptest! {
        #[test]
        fn every_amount_appears_exactly_once(
            days in 1u32..40,
            opening in proptest::collection::vec(-1_000_000i64..1_000_000, 3),
            pending in proptest::collection::vec(item_strategy(), 0..30),
            reserves in proptest::collection::vec(item_strategy(), 0..10),
            payouts in proptest::collection::vec(item_strategy(), 0..10),
        ) {
            let codes = [currency("USD"), currency("EUR"), currency("JPY")];
            let start = date!(2026 - 06 - 01);
            let on = |offset: i64| start + Duration::days(offset);
            let available_now: Vec<Money> = opening.iter().zip(codes).map(|(&minor, code)| Money::new(minor, code)).collect();
            let pending: Vec<PendingItem> = pending.iter().map(|&(index, minor, offset)| PendingItem { amount: Money::new(minor, codes[index]), available_on: on(offset) }).collect();
            let reserves: Vec<ReserveHold> = reserves.iter().map(|&(index, minor, offset)| ReserveHold { amount: Money::new(minor, codes[index]), release_on: on(offset) }).collect();
            let payouts: Vec<ScheduledPayout> = payouts.iter().map(|&(index, minor, offset)| ScheduledPayout { amount: Money::new(minor, codes[index]), pay_on: on(offset) }).collect();
            let input = ForecastInput { start, days, available_now: &available_now, pending: &pending, reserves: &reserves, payouts: &payouts };
            let result = forecast(&input).unwrap();
            prop_assert_eq!(result.days.len(), days as usize * codes.len());
            for (code, &opening) in codes.iter().zip(&opening) {
                let rows: Vec<&ForecastDay> = result.days.iter().filter(|day| day.currency == *code).collect();
                let beyond = result.beyond_horizon.iter().find(|beyond| beyond.currency == *code).unwrap();
                let total = |minors: &mut dyn Iterator<Item = i64>| minors.sum::<i64>();
                let pending_in = total(&mut pending.iter().filter(|item| item.amount.currency() == *code).map(|item| item.amount.minor()));
                let reserves_in = total(&mut reserves.iter().filter(|hold| hold.amount.currency() == *code).map(|hold| hold.amount.minor()));
                let payouts_in = total(&mut payouts.iter().filter(|payout| payout.amount.currency() == *code).map(|payout| payout.amount.minor()));
                let pending_out = total(&mut rows.iter().map(|day| day.becomes_available.minor()));
                let reserves_out = total(&mut rows.iter().map(|day| day.reserve_released.minor()));
                let payouts_out = total(&mut rows.iter().map(|day| day.payouts.minor()));
                prop_assert_eq!(pending_out + beyond.pending.minor(), pending_in);
                prop_assert_eq!(reserves_out + beyond.reserves.minor(), reserves_in);
                prop_assert_eq!(payouts_out + beyond.payouts.minor(), payouts_in);
                let last = rows.last().unwrap();
                prop_assert_eq!(last.projected_available.minor(), opening + pending_out + reserves_out - payouts_out);
            }
        }
    }
}
