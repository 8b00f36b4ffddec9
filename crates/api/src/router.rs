//! The route table, and the layers every request passes through.

use crate::problem::Problem;
use crate::{health, metrics, registrations, tenant_profile};
use axum::Router;
use axum::http::{HeaderName, StatusCode};
use axum::routing::{get, post};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::Outbox;
use comply360_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Tenants are `<slug>.<base_domain>`.
    pub base_domain: String,
    pub request_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            base_domain: "localhost".into(),
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<HttpSettings>,
    /// Circuits of outside systems, shared by every handler and job of this process.
    pub resilience: Resilience,
    /// Where handlers emit events; it knows the subscriptions, so jobs are written with them.
    pub outbox: Outbox,
}

impl AppState {
    pub fn new(store: Store, settings: HttpSettings, outbox: Outbox) -> AppState {
        AppState {
            store,
            settings: Arc::new(settings),
            resilience: Resilience::new(CallPolicy::default()),
            outbox,
        }
    }

    pub fn with_resilience(mut self, resilience: Resilience) -> AppState {
        self.resilience = resilience;
        self
    }
}

/// Which routes a process serves: the API, or only the operational ones (a worker replica
/// still answers health checks and metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Surface {
    #[default]
    Api,
    OpsOnly,
}

pub fn router(state: AppState) -> Router {
    router_for(state, Surface::Api, Router::new())
}

/// The router for `surface`, with `extra` routes (e.g. the dev mailbox page) merged in.
pub fn router_for(state: AppState, surface: Surface, extra: Router) -> Router {
    metrics::handle();
    let request_id = HeaderName::from_static("x-request-id");
    let timeout = state.settings.request_timeout;
    let mut routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render));
    if surface == Surface::Api {
        routes = routes
            .route("/api/v1/tenant", get(tenant_profile::show))
            .route("/api/v1/registrations", post(registrations::create))
            .route("/api/v1/registrations/{id}", get(registrations::show));
    }
    routes
        .fallback(not_found)
        .with_state(state)
        .merge(extra)
        .route_layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(crate::problem::stamp_request_id))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
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
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
