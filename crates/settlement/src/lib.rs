//! Settlement, pure: what a payment costs, what it is worth in another currency, when
//! its funds become available, what the balance will look like, and whether the
//! provider's settlement report agrees with the platform.
//!
//! - [`fees`]: fee schedules (percentage, fixed part, surcharges, cap, dispute fee), the
//!   breakdown of a charge's fee, proportional fee returns on refunds, the default
//!   table per connector and method, and merchant overlays.
//! - [`fx`]: exchange rates (`rust_decimal`), the latest-rate table with inverse and
//!   cross rates through EUR, exact conversion across minor-unit exponents, markups,
//!   locked quotes and the FX position difference.
//! - [`ecb`]: the European Central Bank's reference-rate XML, daily or historical.
//! - [`calendar`]: business-day calendars per currency, `add_business_days` and the
//!   T+N `available_on` date.
//! - [`forecast`]: the day-by-day projection of the available balance.
//! - [`payout_schedule`]: a merchant's automatic payout schedule and its payout days.
//! - [`reconciliation`]: the settlement report CSV, line fingerprints, and matching
//!   against the platform's expectations.
//!
//! Nothing here does I/O (the report reader takes any `std::io::Read`, a byte slice
//! included), reads a clock, or is `Serialize`: time and bytes come in as arguments,
//! and the edge decides wire formats. Money is always `tradewind_money::Money`, integer
//! minor units; decimals appear only as exchange rates.

pub mod calendar;
pub mod ecb;
pub mod fees;
pub mod forecast;
pub mod fx;
pub mod payout_schedule;
pub mod reconciliation;
