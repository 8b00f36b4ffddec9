//! CORS with an allow-list per tenant: the agency's setting `security.cors_origins` (a JSON
//! array of origins such as `"https://portal.agency.co.za"`). A browser page from any other
//! origin gets no CORS headers, so it cannot read responses. Credentials (cookies) are never
//! allowed cross-origin: API clients send bearer tokens.

use crate::state::AppState;
use crate::tenant::requested_slug_if_any;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, header};
use comply360_store::repo::settings;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub fn layer(state: AppState) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(
            move |origin: HeaderValue, parts: &Parts| {
                let state = state.clone();
                let slug = requested_slug_if_any(parts, &state.settings.base_domain)
                    .ok()
                    .flatten();
                async move {
                    match slug {
                        Some(slug) => allowed(&state, slug.as_str(), &origin).await,
                        None => false,
                    }
                }
            },
        ))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("x-tenant"),
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
            header::ETAG,
        ])
        .max_age(Duration::from_secs(600))
}

async fn allowed(state: &AppState, slug: &str, origin: &HeaderValue) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Ok(tenant) = state.store.tenancy().resolve(slug).await else {
        return false;
    };
    let Ok(mut tx) = state.store.tenancy().begin(&tenant).await else {
        return false;
    };
    let origins = settings::get(&mut tx, "security.cors_origins")
        .await
        .ok()
        .flatten();
    let _ = tx.commit().await;
    origins
        .as_ref()
        .and_then(|v| v.as_array())
        .is_some_and(|list| list.iter().any(|o| o.as_str() == Some(origin)))
}
