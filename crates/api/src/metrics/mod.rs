//! Prometheus metrics: the process's recorder, the per-request series, the gauges refreshed
//! at each scrape, and `/metrics` on a listener of its own.
//!
//! One recorder per process (the `metrics` facade is global). Gauges that describe state owned
//! elsewhere (pools, circuits, agencies) are refreshed when scraped, so they are never stale
//! and cost nothing between scrapes. Labels are bounded: routes are templates, never raw
//! paths; the `tenant` label names only the busiest agencies ([`traffic`]); nothing personal.
//!
//! `/metrics` is never served on the agency-facing listener: it would tell anyone on any
//! agency's host how busy every other agency is. [`router`] serves it on its own address
//! (loopback by default) and, when a token is set, only to a bearer of it.

pub mod db;
pub mod traffic;

use crate::gateway::access_log::AccessNote;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use comply360_domain::Secret;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A counter or histogram not updated this long is dropped from the scrape: an agency that
/// left the labelled set stops costing series (Prometheus marks the series stale).
const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Installs the process's recorder on first use.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?
                .idle_timeout(
                    MetricKindMask::COUNTER | MetricKindMask::HISTOGRAM,
                    Some(IDLE_TIMEOUT),
                );
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(err) => {
                    tracing::warn!(error = %err, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// HELP text for the families this crate and the domain crates record, and a zero for each
/// bounded label set known up front: a scrape shows every family from the start, and a
/// `rate()` over a counter that was never incremented is 0 rather than absent.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "HTTP requests by method, route template, status and agency (the busiest agencies by name, the rest `other`, none: `none`)"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by method and route template"
    );
    describe_gauge!("http_requests_in_flight", "HTTP requests being served now");
    describe_gauge!(
        "db_pool_connections",
        "connections of each database pool, idle or in use"
    );
    describe_gauge!(
        "db_tenant_database_pools",
        "open pools of database-mode agencies"
    );
    describe_histogram!(
        "db_query_duration_seconds",
        metrics::Unit::Seconds,
        "time of each SQL statement at the database, by its first keyword"
    );
    describe_counter!(
        "cache_hits_total",
        "lookups answered from a cache (placement: an agency's placement)"
    );
    describe_counter!(
        "cache_misses_total",
        "lookups that read the source (placement: the catalog)"
    );
    describe_gauge!("tenants", "agencies by isolation mode and status");
    describe_gauge!(
        "integration_circuit_state",
        "worst circuit state per outside system: 0 closed, 1 half-open, 2 open"
    );
    describe_gauge!(
        "integration_circuits_open",
        "open circuits per outside system"
    );
    describe_counter!(
        "documents_ocr_pages_total",
        "pages through Tesseract, read or failed"
    );
    describe_counter!(
        "payments_total",
        "provider notifications by outcome (applied, ignored, refused, duplicate) and payments recorded by staff"
    );
    metrics::gauge!("http_requests_in_flight").set(0.0);
    for cache in ["cache_hits_total", "cache_misses_total"] {
        metrics::counter!(cache, "cache" => "placement").absolute(0);
    }
    for outcome in ["read", "failed"] {
        metrics::counter!("documents_ocr_pages_total", "outcome" => outcome).absolute(0);
    }
    for provider in ["payfast", "stripe"] {
        for outcome in ["applied", "ignored", "refused", "duplicate"] {
            metrics::counter!("payments_total", "provider" => provider, "outcome" => outcome)
                .absolute(0);
        }
    }
    metrics::counter!("payments_total", "provider" => "manual", "outcome" => "recorded")
        .absolute(0);
}

/// `http_requests_in_flight` is decremented however the request ends (a dropped future too).
struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        metrics::gauge!("http_requests_in_flight").increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("http_requests_in_flight").decrement(1.0);
    }
}

/// Counts requests by method, route template, status and agency (bounded), and times them
/// by method and route.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let _in_flight = InFlight::start();
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // The gateway and the portal's guard note the agency once they have resolved it.
    let note = req.extensions().get::<AccessNote>().cloned();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let tenant = match note.and_then(|n| n.tenant()) {
        Some(slug) => state.tenant_labels.label(&slug).to_string(),
        None => "none".to_owned(),
    };
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status, "tenant" => tenant)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// The scrape: every gauge refreshed, then the recorder's text.
pub async fn render(State(state): State<AppState>) -> Response {
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not available").into_response();
    };
    refresh_gauges(&state).await;
    let mut res = handle.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

async fn refresh_gauges(state: &AppState) {
    let tenancy = state.store.tenancy();
    for pool in tenancy.pool_gauges() {
        let (server, database) = (pool.server.to_string(), pool.database);
        for (gauge, value) in [("idle", pool.idle), ("in_use", pool.in_use)] {
            metrics::gauge!("db_pool_connections", "server" => server.clone(), "database" => database.clone(), "state" => gauge)
                .set(f64::from(value));
        }
        metrics::gauge!("db_pool_max_connections", "server" => server, "database" => database)
            .set(f64::from(pool.max));
    }
    metrics::gauge!("db_tenant_database_pools").set(tenancy.pool_stats().pools as f64);

    match tenancy.tenant_counts().await {
        Ok(counts) => {
            for (mode, status, n) in counts {
                metrics::gauge!("tenants", "mode" => mode, "status" => status).set(n as f64);
            }
        }
        Err(err) => tracing::warn!(error = %err, "cannot count agencies for /metrics"),
    }

    // Per system: the worst state among its circuits (0 closed, 1 half-open, 2 open) and how
    // many are open.
    let mut by_system: std::collections::BTreeMap<String, (u8, u32)> = KNOWN_SYSTEMS
        .iter()
        .map(|s| ((*s).to_owned(), (0, 0)))
        .collect();
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

/// The outside systems this process may call, each shown closed until a circuit of its
/// exists (the names `Resilience::call` is given across the crates).
const KNOWN_SYSTEMS: [&str; 9] = [
    "cipc",
    "registry",
    "odoo",
    "payfast",
    "stripe",
    "platform-stripe",
    "sendgrid",
    "smtp",
    "twilio",
];

/// Who may scrape: anyone who reaches the metrics listener, or only a bearer of the token.
#[derive(Clone)]
struct Scrapers {
    token: Option<Arc<Secret>>,
}

async fn guarded(
    State((state, scrapers)): State<(AppState, Scrapers)>,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = &scrapers.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "a bearer token is required to scrape these metrics (COMPLY360_METRICS_TOKEN)",
            )
                .into_response();
        }
    }
    render(State(state)).await
}

/// `GET /metrics` alone, for the metrics listener; with `token`, only for its bearer.
pub fn router(state: AppState, token: Option<Secret>) -> axum::Router {
    handle();
    let scrapers = Scrapers {
        token: token.map(Arc::new),
    };
    axum::Router::new()
        .route("/metrics", axum::routing::get(guarded))
        .with_state((state, scrapers))
}
