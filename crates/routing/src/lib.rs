//! Payment routing, pure: which of a merchant's connector accounts confirms a payment,
//! in which failover order, and why, in words the merchant can read.
//!
//! A merchant configures *candidates* (connector accounts: `mca_…` ids, their methods,
//! countries, currencies and fees) and an ordered list of *rules*. [`route`] screens the
//! candidates (enabled, method, currency, country, circuit breaker), takes the first rule
//! whose conditions match the payment and lets its strategy order that rule's eligible
//! connectors; with no matching rule every eligible candidate is used in configured
//! order. The [`Decision`] lists the chosen connector first and the failover order after
//! it, names the rule and strategy, and says why each other connector was skipped.
//!
//! - [`rule`]: the rules as stored and sent (`serde`, `type`-tagged strategies).
//! - [`rule_set`]: validation into a [`RuleSet`]; every error names its field path.
//! - [`conditions`]: a validated rule's conditions and how they match a payment.
//! - [`facts`]: what routing knows about a payment.
//! - [`candidate`]: a connector account as routing sees it, and why one is skipped.
//! - [`strategy`]: the strategies (single, priority, volume split, least cost,
//!   success rate) that order a rule's connectors.
//! - [`health`]: per-process outcome windows and circuit breakers ([`breaker`],
//!   [`success_window`]).
//! - [`decision`]: the decision and its explanation.
//! - [`dice`]: randomness as an argument.
//!
//! Nothing here does I/O, reads a clock or touches a global random generator: time comes
//! in as Unix seconds and randomness as a [`Dice`], so a test can replay a decision
//! exactly, and the caller owns [`Health`] (one per process, behind a `Mutex`). Only the
//! stored rule types are `Serialize`: they are kept as JSON and accepted by the API as
//! they are; everything validated from them is not.

pub mod breaker;
pub mod candidate;
pub mod conditions;
pub mod decision;
pub mod dice;
pub mod facts;
pub mod health;
pub mod route;
pub mod rule;
pub mod rule_set;
pub mod strategy;
pub mod success_window;

pub use breaker::{BreakerConfig, BreakerState, CircuitBreaker};
pub use candidate::{Candidate, SkipReason, Skipped};
pub use decision::{Decision, RuleRef, StrategyKind};
pub use dice::Dice;
pub use facts::PaymentFacts;
pub use health::{Health, HealthConfig, HealthConfigError, Outcome};
pub use route::route;
pub use rule::{Conditions, Rule, Split, Strategy};
pub use rule_set::{RuleError, RuleErrorKind, RuleSet};
pub use success_window::WindowStats;
