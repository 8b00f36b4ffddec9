//! The HTTP surface of Comply360.
//!
//! * [`router`]: the one route table.
//! * [`problem`]: RFC 9457 `application/problem+json` errors; the only place errors become
//!   responses. Internal details go to the log with the request id, never to the client.
//! * [`tenant`]: resolving the tenant from the Host subdomain or `X-Tenant`.
//! * [`metrics`]: `/metrics` (Prometheus) and the request counters.
//! * [`health`], [`tenant_profile`]: handlers.

pub mod health;
pub mod metrics;
pub mod problem;
mod router;
pub mod tenant;
pub mod tenant_profile;

pub use router::{AppState, HttpSettings, router, serve};
