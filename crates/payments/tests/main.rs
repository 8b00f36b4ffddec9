//! The payments crate's integration tests: one binary (see Cargo.toml), a module per file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod support;

mod isolation;
mod ledger;
mod online;
mod pdf;
mod plans;
mod platform;
mod reconcile;
mod refusals;
