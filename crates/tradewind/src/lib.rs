//! The `tradewind` binary's library half: configuration and start-up, so the
//! integration tests start exactly what `tradewind serve` starts.
//!
//! - [`config`]: settings from a TOML file, flags and environment variables.
//! - [`startup`]: connect, migrate, bind, serve until shut down.
//! - [`demo`]: the demo merchant and its sample payments; [`demo_support`]: its support
//!   desk (orders, articles, agents, canned responses).
//! - [`ledger_check`]: `tradewind ledger verify`.
//! - [`fx_import`]: ECB reference rates from a file or URL, and the embedded snapshot
//!   a fresh database is seeded with.
//! - [`reconcile_import`]: `tradewind reconcile import`, a provider's settlement report.

pub mod config;
pub mod demo;
pub mod demo_support;
pub mod fx_import;
pub mod ledger_check;
pub mod reconcile_import;
pub mod startup;
