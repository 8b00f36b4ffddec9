//! The documents crate's tests, one binary: each file below is a module.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod api;
mod extract;
mod full_disk;
mod isolation;
mod privacy;
mod scan;
mod validate;
mod vault;
