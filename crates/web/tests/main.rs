//! The portal's tests: one binary (see Cargo.toml). Pages over HTTP (access, CSRF, isolation)
//! and in a real browser (headless Chromium: flows, axe-core, screenshots).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod support;

mod access;
mod account_browser;
mod calendar;
mod clients_browser;
mod commissions_browser;
mod companies_browser;
mod companies_isolation;
mod console;
mod console_browser;
mod documents_browser;
mod documents_isolation;
mod holidays_console;
mod import;
mod import_browser;
mod invoices_browser;
mod isolation;
mod odoo_browser;
mod paging;
mod pay_browser;
mod payments_settings_browser;
mod plan_browser;
mod privacy_browser;
mod registration_browser;
mod reports_browser;
mod settings_access;
mod settings_browser;
mod sign_in_browser;
mod tour_browser;
