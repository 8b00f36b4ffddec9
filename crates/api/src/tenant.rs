//! Which tenant a request is for: the first label of the Host (`acme.localhost:8080` with base
//! domain `localhost`) or the `X-Tenant` header (API clients). When both are present they must
//! agree.

use crate::gateway::access_log::AccessNote;
use crate::problem::Problem;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use comply360_domain::Slug;
use comply360_store::Tenant;
use std::sync::Arc;

/// A resolved, servable tenant (active and provisioned).
#[derive(Clone)]
pub struct CurrentTenant(pub Arc<Tenant>);

/// The tenant slug named by the Host header under `base_domain`, if any.
pub fn slug_from_host(host: &str, base_domain: &str) -> Option<String> {
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let sub = host.strip_suffix(&format!(".{}", base_domain.to_ascii_lowercase()))?;
    (!sub.is_empty() && !sub.contains('.')).then(|| sub.to_owned())
}

/// The slug a request names, or a problem saying how to name one.
pub fn requested_slug(parts: &Parts, base_domain: &str) -> Result<Slug, Problem> {
    requested_slug_if_any(parts, base_domain)?.ok_or_else(|| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "tenant_required",
            format!(
                "no agency named: use https://<agency>.{base_domain}/ or send an X-Tenant header"
            ),
        )
    })
}

/// The slug a request names, if it names one; a problem when the naming itself is wrong
/// (host and header disagree, unreadable header, malformed slug).
pub fn requested_slug_if_any(parts: &Parts, base_domain: &str) -> Result<Option<Slug>, Problem> {
    let from_host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.host())
        .and_then(|h| slug_from_host(h, base_domain));
    let from_header = match parts.headers.get("x-tenant") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_tenant",
                        "X-Tenant must be plain text",
                    )
                    .with_field("X-Tenant", "not valid text")
                })?
                .trim()
                .to_owned(),
        ),
    };
    let raw = match (from_host, from_header) {
        (Some(h), Some(x)) if h != x => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "tenant_mismatch",
                format!(
                    "the host names agency {h:?} but X-Tenant names {x:?}; send one or make them agree"
                ),
            ));
        }
        (Some(h), _) => h,
        (None, Some(x)) => x,
        (None, None) => return Ok(None),
    };
    Slug::parse(&raw).map(Some).map_err(|e| {
        // A malformed or reserved slug can never name a tenant: same answer as an unknown one.
        Problem::new(
            StatusCode::NOT_FOUND,
            "tenant_not_found",
            format!("no agency is registered as {raw:?}"),
        )
        .with_field("tenant", e.to_string())
    })
}

impl FromRequestParts<AppState> for CurrentTenant {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The gateway has already resolved (and matched with the credential) the tenant of
        // an authenticated request.
        if let Some(CurrentTenant(tenant)) = parts.extensions.get::<CurrentTenant>() {
            return Ok(CurrentTenant(tenant.clone()));
        }
        let slug = requested_slug(parts, &state.settings.base_domain)?;
        let tenant = state.store.tenancy().resolve(slug.as_str()).await?;
        tenant.ensure_servable()?;
        if let Some(note) = parts.extensions.get::<AccessNote>() {
            note.record(Some(tenant.slug().to_owned()), None);
        }
        Ok(CurrentTenant(tenant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_subdomain_is_the_slug() {
        assert_eq!(
            slug_from_host("acme.localhost:8080", "localhost").as_deref(),
            Some("acme")
        );
        assert_eq!(
            slug_from_host("ACME.localhost", "localhost").as_deref(),
            Some("acme")
        );
        assert_eq!(
            slug_from_host("acme.comply360.co.za", "comply360.co.za").as_deref(),
            Some("acme")
        );
        assert_eq!(slug_from_host("localhost:8080", "localhost"), None);
        assert_eq!(slug_from_host("127.0.0.1:8080", "localhost"), None);
        assert_eq!(slug_from_host("a.b.localhost", "localhost"), None);
        assert_eq!(slug_from_host("evil-localhost", "localhost"), None);
    }
}
