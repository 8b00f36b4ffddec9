#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

//! The HTTP surface over real HTTP on loopback against the embedded cluster.

use comply360_domain::{IsolationMode, Slug, TenantStatus};
use comply360_store::catalog;
use comply360_testkit::{TestDb, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

async fn get(
    app: &comply360_testkit::TestApp,
    host: Option<&str>,
    header: Option<&str>,
) -> reqwest::Response {
    let client = reqwest::Client::new();
    let mut req = client.get(app.url("/api/v1/tenant"));
    if let Some(h) = host {
        req = req.header("Host", h);
    }
    if let Some(x) = header {
        req = req.header("X-Tenant", x);
    }
    req.send().await.unwrap()
}

async fn problem(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(
        body["request_id"], request_id,
        "the problem carries the request id"
    );
    body
}

#[tokio::test]
async fn tenants_are_resolved_from_host_or_header_in_every_mode() {
    let db = TestDb::new().await;
    for (slug, mode) in [
        ("http-pool", IsolationMode::Pooled),
        ("http-schema", IsolationMode::Schema),
        ("http-db", IsolationMode::Database),
    ] {
        db.tenant(slug, mode).await;
    }
    let app = spawn_app(db.store.clone()).await;
    for slug in ["http-pool", "http-schema", "http-db"] {
        let by_host = get(&app, Some(&format!("{slug}.localhost:8080")), None).await;
        assert_eq!(by_host.status(), StatusCode::OK);
        let body: Value = by_host.json().await.unwrap();
        assert_eq!(body["slug"], slug);
        assert_eq!(body["name"], format!("Agency {slug}"));
        assert_eq!(body["branding"]["display_name"], format!("Agency {slug}"));
        let by_header: Value = get(&app, None, Some(slug)).await.json().await.unwrap();
        assert_eq!(by_header, body);
    }
}

#[tokio::test]
async fn unknown_missing_and_conflicting_tenants_are_problems() {
    let db = TestDb::new().await;
    db.tenant("known", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    problem(
        get(&app, Some("nobody.localhost"), None).await,
        StatusCode::NOT_FOUND,
        "tenant_not_found",
    )
    .await;
    problem(
        get(&app, None, Some("www")).await,
        StatusCode::NOT_FOUND,
        "tenant_not_found",
    )
    .await;
    problem(
        get(&app, None, Some("'; DROP TABLE tenants; --")).await,
        StatusCode::NOT_FOUND,
        "tenant_not_found",
    )
    .await;
    problem(
        get(&app, None, None).await,
        StatusCode::BAD_REQUEST,
        "tenant_required",
    )
    .await;
    problem(
        get(&app, Some("known.localhost"), Some("other")).await,
        StatusCode::BAD_REQUEST,
        "tenant_mismatch",
    )
    .await;
    let res = reqwest::get(app.url("/nope")).await.unwrap();
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_suspended_tenant_is_locked_until_reactivated() {
    let db = TestDb::new().await;
    db.tenant("pausing", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    assert_eq!(
        get(&app, None, Some("pausing")).await.status(),
        StatusCode::OK
    );

    let slug = Slug::parse("pausing").unwrap();
    catalog::set_status(db.store.owner_pool(), &slug, TenantStatus::Suspended)
        .await
        .unwrap();
    // The placement cache learns of the change through LISTEN/NOTIFY.
    let mut status = StatusCode::OK;
    for _ in 0..250 {
        status = get(&app, None, Some("pausing")).await.status();
        if status == StatusCode::LOCKED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, StatusCode::LOCKED, "suspension reached the cache");
    let body = problem(
        get(&app, None, Some("pausing")).await,
        StatusCode::LOCKED,
        "tenant_suspended",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("suspended"));

    catalog::set_status(db.store.owner_pool(), &slug, TenantStatus::Active)
        .await
        .unwrap();
    for _ in 0..250 {
        status = get(&app, None, Some("pausing")).await.status();
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn health_and_readiness() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("x-request-id"));
    let ready: Value = reqwest::get(app.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");

    // A namespace behind the binary's migrations makes the app not ready.
    sqlx::query("UPDATE control.namespaces SET schema_version = 0")
        .execute(db.store.owner_pool())
        .await
        .unwrap();
    let res = reqwest::get(app.url("/readyz")).await.unwrap();
    problem(res, StatusCode::SERVICE_UNAVAILABLE, "migrations_pending").await;
}

#[tokio::test]
async fn a_client_supplied_request_id_is_echoed() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let res = reqwest::Client::new()
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_format() {
    let db = TestDb::new().await;
    db.tenant("metered", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    assert_eq!(
        get(&app, None, Some("metered")).await.status(),
        StatusCode::OK
    );
    let res = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains("route=\"/api/v1/tenant\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no request counter in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{line}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "latency is a histogram"
    );
    assert!(
        text.contains("db_pool_connections{pool=\"main\"}"),
        "{text}"
    );
    assert!(
        !text.contains("metered"),
        "no tenant identifiers in metric labels"
    );
}
