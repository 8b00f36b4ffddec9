//! The route table (one fragment per resource, merged here), and the layers every request
//! passes through.

use crate::auth::{self, api_keys, me, roles, security, sign_in, users};
use crate::practice::{cipc, clients, companies, dashboard, obligations, registrations, search};
use crate::problem::Problem;
use crate::routes::Routes;
pub use crate::state::{AppState, HttpSettings, Surface};
use crate::{
    billing, docs, documents, erp, gateway, health, metrics, money, payments, platform, privacy,
    tenant_profile,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub fn router(state: AppState) -> Router {
    router_for(state, Surface::Api, Router::new())
}

/// A resource's routes: each resource module declares its paths and the access each needs.
type Fragment = fn(Routes) -> Routes;

/// What a worker replica serves too: health checks. (Metrics are on a listener of their own,
/// never on an agency's host: `metrics::router`.)
const OPS: [Fragment; 1] = [health::routes];

/// The API and its documents, resource by resource (the portal's pages are `comply360-web`'s).
const API: [Fragment; 28] = [
    auth::routes,
    docs::routes,
    tenant_profile::routes,
    sign_in::routes,
    me::routes,
    users::routes,
    roles::routes,
    security::routes,
    api_keys::routes,
    registrations::routes,
    documents::routes,
    privacy::routes,
    clients::routes,
    companies::routes,
    cipc::routes,
    obligations::routes,
    search::routes,
    dashboard::routes,
    money::rules::routes,
    money::commissions::routes,
    erp::routes,
    money::reports::routes,
    payments::invoices::routes,
    payments::settings::routes,
    payments::checkout::routes,
    payments::webhooks::routes,
    billing::routes,
    platform::routes,
];

/// Every route of `surface` with the access it needs (see [`crate::routes`]). The resulting
/// table (`Routes::specs`) is the one list of every path with its access: the gateway enforces
/// it, the OpenAPI document publishes it and the route-access test walks it.
pub fn routes(state: &AppState, surface: Surface) -> Routes {
    let api: &[Fragment] = match surface {
        Surface::Api => &API,
        Surface::OpsOnly => &[],
    };
    OPS.iter()
        .chain(api)
        .fold(Routes::new(state.clone()), |routes, fragment| {
            fragment(routes)
        })
}

/// The router for `surface`, with `extra` routes (e.g. the dev mailbox page) merged in.
pub fn router_for(state: AppState, surface: Surface, extra: Router) -> Router {
    metrics::handle();
    let request_id = HeaderName::from_static("x-request-id");
    let timeout = state.settings.request_timeout;
    let (api, specs) = routes(&state, surface).into_parts();
    let document = docs::OpenApiDocument::of(&specs);
    api.fallback(not_found)
        .with_state(state.clone())
        .layer(axum::Extension(document))
        .merge(extra)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(gateway::cors::layer(state.clone()))
        .layer(axum::middleware::from_fn(crate::problem::stamp_request_id))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(axum::middleware::from_fn_with_state(state, gateway::headers::security_headers))
        .layer(axum::middleware::from_fn(gateway::access_log::access_log))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            // `tenant` and `user` are recorded by the gateway guard once it knows them.
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, tenant = tracing::field::Empty, user = tracing::field::Empty)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; the API lives under /api/v1",
    )
}

/// Serves the app on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), shutdown).await
}

pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is the client IP for rate limits and the audit log.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
