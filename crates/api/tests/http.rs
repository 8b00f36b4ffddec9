//! The HTTP surface over real HTTP on loopback against the embedded cluster.

use comply360_api::metrics::traffic::TenantLabels;
use comply360_domain::{IsolationMode, Slug, TenantStatus};
use comply360_store::catalog;
use comply360_testkit::http::problem_fields;
use comply360_testkit::{TestDb, app_state, default_outbox, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;
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

/// The shared problem checks, and the status and request id in the body.
async fn problem(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    let request_id = res
        .headers()
        .get("x-request-id")
        .map(|id| id.to_str().unwrap().to_owned());
    let body = comply360_testkit::http::problem(res, status, code).await;
    let request_id = request_id.expect("an x-request-id header");
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
async fn metrics_name_only_the_busiest_agencies_and_are_not_on_the_apps_listener() {
    let db = TestDb::new().await;
    let slugs = ["metered-a", "metered-b", "metered-c", "metered-d"];
    for slug in slugs {
        db.tenant(slug, IsolationMode::Pooled).await;
    }
    let mut state = app_state(&db.store, default_outbox()).await;
    state.tenant_labels = Arc::new(TenantLabels::new(2));
    let app = spawn_app_with(state).await;
    // a and b first, so they hold the two labels; then c and d, more than the labels allow.
    for slug in slugs {
        for _ in 0..3 {
            assert_eq!(get(&app, None, Some(slug)).await.status(), StatusCode::OK);
        }
    }
    // Not on the agency-facing listener, on any host.
    assert_eq!(
        reqwest::get(app.url("/metrics")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let res = reqwest::get(app.metrics_url()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    // The recorder is the process's, shared with the other tests of this binary: only this
    // test's agencies and route are looked at.
    let ours: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{") && l.contains("route=\"/api/v1/tenant\""))
        .collect();
    let named: std::collections::BTreeSet<&str> = slugs
        .into_iter()
        .filter(|slug| {
            ours.iter()
                .any(|l| l.contains(&format!("tenant=\"{slug}\"")))
        })
        .collect();
    assert_eq!(
        named,
        ["metered-a", "metered-b"].into(),
        "only the first two agencies are named:\n{}",
        ours.join("\n")
    );
    let other: f64 = ours
        .iter()
        .find(|l| l.contains("tenant=\"other\"") && l.contains("status=\"200\""))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no `other` series:\n{}", ours.join("\n")));
    assert!(
        other >= 6.0,
        "c's and d's six requests count as other: {other}"
    );
    assert!(
        text.contains(
            "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/tenant\""
        ),
        "latency is a histogram over the route template"
    );
    assert!(
        text.contains("db_pool_connections{server="),
        "pools by server, database and state:\n{text}"
    );
}

async fn add_client(app: &comply360_testkit::TestApp, slug: &str) -> uuid::Uuid {
    let tenant = app.store.tenancy().resolve(slug).await.unwrap();
    let id = uuid::Uuid::now_v7();
    let mut tx = app.store.tenancy().begin(&tenant).await.unwrap();
    tx.query("INSERT INTO clients (tenant_id, id, kind, display_name) VALUES ($1, $2, 'organisation', 'Karoo Solar (Pty) Ltd')")
        .bind(tenant.id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// POST /api/v1/registrations: created with its event in one transaction, refused with field
/// errors, and never across tenants (a client id or registration of A is unknown to B).
#[tokio::test]
async fn registrations_are_created_with_their_event_and_stay_in_their_tenant() {
    let db = TestDb::new().await;
    for (slug, mode) in [
        ("reg-pooled", IsolationMode::Pooled),
        ("reg-schema", IsolationMode::Schema),
        ("reg-db", IsolationMode::Database),
        ("reg-other", IsolationMode::Schema),
    ] {
        db.tenant(slug, mode).await;
    }
    let app = spawn_app(db.store.clone()).await;
    let http = reqwest::Client::new();
    let mut tokens = std::collections::HashMap::new();
    for slug in ["reg-pooled", "reg-schema", "reg-db", "reg-other"] {
        tokens.insert(slug, app.token_for(slug, "agent").await);
    }
    let tokens = &tokens;
    let post = |tenant: &'static str, body: Value| {
        http.post(app.url("/api/v1/registrations"))
            .header("X-Tenant", tenant)
            .bearer_auth(&tokens[tenant])
            .json(&body)
            .send()
    };
    let other_client = add_client(&app, "reg-other").await;
    for slug in ["reg-pooled", "reg-schema", "reg-db"] {
        let client = add_client(&app, slug).await;
        let res = post(
            slug,
            serde_json::json!({"client_id": client, "kind": "za_private_company"}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "draft");
        assert_eq!(body["jurisdiction"], "ZA");
        let tenant = app.store.tenancy().resolve(slug).await.unwrap();
        let mut tx = app.store.tenancy().begin(&tenant).await.unwrap();
        let events: Vec<(String, Value)> = tx
            .query_as("SELECT event_type, payload FROM outbox_events WHERE tenant_id = $1")
            .bind(tenant.id().as_uuid())
            .fetch_all(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(events.len(), 1, "{slug}");
        assert_eq!(events[0].0, "registration.created");
        assert_eq!(events[0].1["registration_id"], body["id"]);

        // Readable in its tenant, unknown in another.
        let own = http
            .get(app.url(&location))
            .header("X-Tenant", slug)
            .bearer_auth(&tokens[slug])
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::OK);
        let foreign = http
            .get(app.url(&location))
            .header("X-Tenant", "reg-other")
            .bearer_auth(&tokens["reg-other"])
            .send()
            .await
            .unwrap();
        problem(foreign, StatusCode::NOT_FOUND, "registration_not_found").await;
        // This tenant's token on the other tenant's host is refused outright.
        let crossed = http
            .get(app.url(&location))
            .header("X-Tenant", "reg-other")
            .bearer_auth(&tokens[slug])
            .send()
            .await
            .unwrap();
        problem(crossed, StatusCode::FORBIDDEN, "tenant_mismatch").await;

        // Another tenant's client is unknown here; nothing is written.
        let res = post(
            slug,
            serde_json::json!({"client_id": other_client, "kind": "zw_pbc"}),
        )
        .await
        .unwrap();
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "client_id");
        // With another problem too, both are told, the client first (the form's order).
        let res = post(
            slug,
            serde_json::json!({"client_id": other_client, "kind": "zw_pbc", "filing_path": "fax"}),
        )
        .await
        .unwrap();
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields = problem_fields(&body);
        assert_eq!(fields, ["client_id", "filing_path"], "{body}");
        assert_eq!(
            body["errors"][0]["message"],
            "no client with this id in your agency"
        );
    }

    // Every invalid field is reported at once.
    let res = post(
        "reg-pooled",
        serde_json::json!({"client_id": "nope", "kind": "za_cc", "steps": [1]}),
    )
    .await
    .unwrap();
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields = problem_fields(&body);
    assert_eq!(fields, ["client_id", "kind", "steps"]);
    assert!(
        body["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("za_private_company"),
        "{body}"
    );
    // A body that is not JSON, or lacks fields, is a problem too.
    let res = http
        .post(app.url("/api/v1/registrations"))
        .header("X-Tenant", "reg-pooled")
        .bearer_auth(&tokens["reg-pooled"])
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    let res = post("reg-pooled", serde_json::json!({"kind": "zw_pbc"}))
        .await
        .unwrap();
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "client_id");
    let res = post(
        "reg-pooled",
        serde_json::json!({"kind": "zw_pbc", "colour": "red"}),
    )
    .await
    .unwrap();
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
}
