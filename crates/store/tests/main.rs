//! The store's integration tests: one binary (see Cargo.toml), a module per former test file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod citus;
mod declared_holidays;
mod fleet;
mod isolation;
mod isolation_props;
mod lint;
mod listen;
mod pools;
mod provisioning;
mod registration_lists;
mod tenant_snapshot;
