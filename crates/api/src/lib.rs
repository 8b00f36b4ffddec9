//! The HTTP surface of Comply360.
//!
//! * [`router`]: the one route table, merged from each resource's `routes()` fragment, and the
//!   layers; [`state`]: `AppState` and the HTTP settings every handler shares.
//! * [`docs`]: the OpenAPI document's route and page; [`openapi`]: the document, built once
//!   from the route table (each route's [`routes::Op`]).
//! * [`problem`]: RFC 9457 `application/problem+json` errors; the only place errors become
//!   responses. Internal details go to the log with the request id, never to the client.
//! * [`tenant`]: resolving the tenant from the Host subdomain or `X-Tenant`.
//! * [`metrics`]: the request series, the gauges, the statement-time layer, and `/metrics` on
//!   a listener of its own.
//! * [`body`]: JSON bodies whose rejections are problems.
//! * [`idempotency`]: `Idempotency-Key` on creating routes (once per agency and key, 24 h).
//! * [`circuits`]: publishes this replica's circuit states for `integrations status`.
//! * [`dev_pages`]: the dev mailbox, on loopback listeners and loopback host names only.
//! * [`health`], [`tenant_profile`]: handlers; [`practice`]: clients, companies, registrations,
//!   obligations.

pub mod auth;
pub mod billing;
pub mod body;
pub mod circuits;
pub mod dev_pages;
pub mod docs;
pub mod documents;
pub mod erp;
pub mod gateway;
pub mod health;
pub mod idempotency;
pub mod metrics;
pub mod money;
pub mod openapi;
pub mod payments;
pub mod platform;
pub mod practice;
pub mod privacy;
pub mod problem;
pub mod responses;
mod router;
pub mod routes;
pub mod sparse;
pub mod state;
pub mod tenant;
pub mod tenant_profile;

pub use router::{
    AppState, HttpSettings, Surface, router, router_for, routes, serve, serve_router,
};
