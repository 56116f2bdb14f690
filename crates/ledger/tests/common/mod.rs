//! Fixtures shared by the ledger's integration tests (they live in the crate's
//! `testing` module, so other crates' tests use the same).

#![allow(dead_code)]

pub use tradewind_ledger::testing::fixtures::*;
