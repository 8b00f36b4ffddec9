//! The domain's integration tests: one binary (see Cargo.toml), a module per subject. The
//! rules' own unit tests live beside them in `src`; here are the checks against independent
//! implementations.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod commission_oracle;
mod holiday_oracle;
mod phone_oracle;
