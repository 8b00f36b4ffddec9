//! The layers every request passes through, outermost first: request id, access log, security
//! headers, CORS, body limit, timeout; and, per route, the guard (credential, tenant match,
//! rate limit, permission).

pub mod access_log;
pub mod auth;
pub mod client;
pub mod cors;
pub mod headers;
