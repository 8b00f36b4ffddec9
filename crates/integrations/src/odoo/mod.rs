//! An agency's Odoo (FACTS.md section 5), over the JSON-2 API (Odoo 19 and later, the one to
//! build on) or XML-RPC (Odoo 18 and earlier), with one value model for both.
//!
//! * [`OdooConfig`] / [`OdooProtocol`]: where the server is, the database, login and API key.
//! * [`OdooClient`]: version, authenticate, `execute_kw` and typed helpers (`search_read`,
//!   `create`, `write`, `unlink`, `fields_get`, `models_present`, …).
//! * [`OdooError`]: what went wrong, in words for an agency's administrator, with Odoo's own
//!   message; [`Retryable`](crate::Retryable) for [`Resilience`](crate::Resilience).
//! * [`xmlrpc_codec`]: XML-RPC text <-> `serde_json::Value`.
//! * [`standin`]: an in-memory Odoo serving both APIs, for tests and demos.

mod client;
mod config;
mod error;
mod json2;
pub mod standin;
mod wire;
mod xmlrpc;
pub mod xmlrpc_codec;

pub use client::{OdooClient, OdooUser, OdooVersion};
pub use config::{OdooConfig, OdooProtocol, UnknownOdooProtocol};
pub use error::{FaultKind, OdooError};
pub use standin::{
    COMMISSION_MODEL, InjectedFailure, OdooStandIn, StandInConfig, StandInHandle, StandInUser,
};

/// Sent on every request ("User-Agent: Recommended, the name of your software", external_api.rst).
const USER_AGENT: &str = concat!("comply360/", env!("CARGO_PKG_VERSION"));
