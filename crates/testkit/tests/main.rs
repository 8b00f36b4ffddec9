//! The testkit crate's tests (the layers of ARCHITECTURE.md's map): one binary (see
//! Cargo.toml), a module per test file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod layers;
