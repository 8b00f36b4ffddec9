//! The outside systems' integration tests: one binary (see Cargo.toml), a module per former test file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod cipc;
mod odoo;
mod payments;
mod payments_oracle;
mod registry;
mod resilience;
