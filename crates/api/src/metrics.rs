//! `/metrics` in Prometheus text format, and the per-request counters behind it.
//!
//! One recorder per process (the `metrics` facade is global). Gauges that describe state owned
//! elsewhere (pools, circuits, tenants) are refreshed when scraped, so they are never stale and
//! cost nothing between scrapes. Labels never carry tenant ids or anything personal: per-tenant
//! series would grow without bound.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process's recorder on first use.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(err) => {
                    tracing::warn!(error = %err, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Counts requests and their latency by method, matched route and status.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

pub async fn render(State(state): State<AppState>) -> Response {
    let Some(handle) = handle() else {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "metrics are not available",
        )
            .into_response();
    };
    refresh_gauges(&state);
    let mut res = handle.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

fn refresh_gauges(state: &AppState) {
    let tenancy = state.store.tenancy();
    let main = tenancy.app_pool();
    metrics::gauge!("db_pool_connections", "pool" => "main").set(f64::from(main.size()));
    metrics::gauge!("db_pool_idle_connections", "pool" => "main").set(main.num_idle() as f64);
    let stats = tenancy.pool_stats();
    metrics::gauge!("db_pool_connections", "pool" => "tenant_databases")
        .set(f64::from(stats.connections));
    metrics::gauge!("db_tenant_database_pools").set(stats.pools as f64);

    // Per system: the worst state among its circuits (0 closed, 1 half-open, 2 open) and how
    // many are open.
    let mut by_system: std::collections::BTreeMap<String, (u8, u32)> = Default::default();
    for s in state.resilience.statuses() {
        let entry = by_system.entry(s.system).or_default();
        entry.0 = entry.0.max(s.state.as_gauge());
        entry.1 += u32::from(s.state == comply360_integrations::CircuitState::Open);
    }
    for (system, (worst, open)) in by_system {
        metrics::gauge!("integration_circuit_state", "system" => system.clone())
            .set(f64::from(worst));
        metrics::gauge!("integration_circuits_open", "system" => system).set(f64::from(open));
    }
}

/// `/metrics` (served by every replica, workers too).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Public;
    use axum::http::Method;
    routes.route(
        Method::GET,
        "/metrics",
        Public,
        crate::routes::Op::new("Prometheus metrics"),
        render,
    )
}
