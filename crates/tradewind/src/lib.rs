//! The `tradewind` binary's library half: configuration and start-up, so the
//! integration tests start exactly what `tradewind serve` starts.
//!
//! - [`config`]: settings from a TOML file, flags and environment variables.
//! - [`startup`]: connect, migrate, bind, serve until shut down.
//! - [`demo`]: the demo merchant and its sample payments.

pub mod config;
pub mod demo;
pub mod startup;
