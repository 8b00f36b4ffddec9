//! The problems a route can give, derived from what it is: its [`Access`], a JSON body, a
//! query, an `Idempotency-Key`, plus the operation's own ([`Op::problems`](super::Op)).

use crate::routes::{Access, RouteSpec};
use std::collections::BTreeMap;

/// The problems every route can give, whatever it is: an internal error, and the database
/// out of reach (stopped, restarting, a proxy cut: retry after `Retry-After`). A busy pool is
/// the tenant's, below.
const ALWAYS: &[(u16, &str)] = &[(500, "internal_error"), (503, "database_unavailable")];

/// Naming the agency (host subdomain or `X-Tenant`) and resolving it (`crate::tenant`,
/// `Problem::from_store`). Not naming one is a problem only where the route needs the name
/// ([`Op::in_tenant`]); behind a credential the agency is the credential's.
const TENANT: &[(u16, &str)] = &[
    (400, "invalid_tenant"),
    (400, "tenant_mismatch"),
    (404, "tenant_not_found"),
    (423, "tenant_suspended"),
    (503, "tenant_unavailable"),
    (503, "busy"),
];

/// The gateway guard for every route that needs a credential (`gateway::auth`).
const CREDENTIAL: &[(u16, &str)] = &[
    (401, "authentication_required"),
    (401, "invalid_token"),
    (401, "invalid_api_key"),
    (401, "session_ended"),
    (401, "token_restricted"),
    (403, "tenant_mismatch"),
];

/// A JSON body (`crate::body`).
const JSON_BODY: &[(u16, &str)] = &[
    (400, "malformed_json"),
    (400, "invalid_body"),
    (413, "payload_too_large"),
    (415, "unsupported_media_type"),
    (422, "invalid_body"),
];

/// An `Idempotency-Key` (`crate::idempotency`).
const IDEMPOTENCY: &[(u16, &str)] = &[
    (400, "invalid_idempotency_key"),
    (409, "idempotency_key_in_progress"),
    (413, "body_too_large"),
    (422, "idempotency_key_reused"),
];

/// Every `(status, code)` `spec` can answer with, in status order.
pub fn problem_codes(spec: &RouteSpec) -> BTreeMap<u16, Vec<&'static str>> {
    let mut all: Vec<(u16, &'static str)> = ALWAYS.to_vec();
    match spec.access {
        Access::Public => {}
        Access::SignedIn | Access::MfaSetup => {
            all.extend_from_slice(CREDENTIAL);
            all.extend_from_slice(TENANT);
            all.extend_from_slice(&[(403, "api_key_not_allowed"), (429, "rate_limited")]);
        }
        Access::Tenant(_) => {
            all.extend_from_slice(CREDENTIAL);
            all.extend_from_slice(TENANT);
            all.extend_from_slice(&[
                (403, "tenant_required"),
                (403, "permission_denied"),
                (429, "rate_limited"),
            ]);
            // A change while the agency is held for an unpaid platform invoice (paying it
            // stays open; `gateway::auth`).
            if !spec.method.is_safe() && !spec.path.starts_with("/api/v1/billing/") {
                all.push((423, "billing_hold"));
            }
        }
        Access::Platform(_) => {
            all.extend_from_slice(CREDENTIAL);
            all.extend_from_slice(TENANT);
            all.push((403, "permission_denied"));
        }
    }
    if spec.op.names_tenant {
        all.extend_from_slice(TENANT);
        all.push((400, "tenant_required"));
    }
    if spec.op.body_extractor {
        all.extend_from_slice(JSON_BODY);
    }
    if spec.op.query.is_some() || spec.op.sparse_fields.is_some() {
        all.push((400, "invalid_query"));
    }
    if spec.idempotent {
        all.extend_from_slice(IDEMPOTENCY);
    }
    all.extend_from_slice(&spec.op.problems);
    let mut by_status: BTreeMap<u16, Vec<&'static str>> = BTreeMap::new();
    for (status, code) in all {
        let codes = by_status.entry(status).or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    for codes in by_status.values_mut() {
        codes.sort_unstable();
    }
    by_status
}
