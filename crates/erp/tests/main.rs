//! The ERP crate's tests, one binary: each file below is a module.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod support;

mod invoices;
mod isolation;
mod sync;
