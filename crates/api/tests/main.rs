//! The HTTP surface's integration tests: one binary (see Cargo.toml), a module per former test file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod support;

mod attacks;
mod bouncer_restart;
mod cancellation;
mod declared_holidays;
mod docs_page;
mod http;
mod ical_feed;
mod identity;
mod identity_isolation;
mod openapi;
mod practice;
mod practice_isolation;
mod responses;
mod search_dashboard;
mod shared_limits;
mod surface;
