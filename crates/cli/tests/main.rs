//! The `comply360` binary's integration tests: one binary (see Cargo.toml), a module per former test file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod support;

mod bench;
mod billing;
mod check;
mod cli;
mod dev_pages;
mod documents;
mod faults;
mod holidays;
mod identity_cli;
mod import;
mod jobs;
mod notify;
mod odoo;
mod outage;
mod payments;
mod registry_sim;
mod telemetry;
