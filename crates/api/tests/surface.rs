//! What the HTTP surface tells a client when something breaks inside: a public message only,
//! on every surface (the API, the portal, the CIPC lookup), with the details in the log under
//! the request id. Also the dev mailbox's host rules through the real router.

use crate::support::{now, totp_from};
use comply360_api::dev_pages::{DevPages, dev_pages};
use comply360_api::{Surface, router_for, serve_router};
use comply360_domain::IsolationMode;
use comply360_identity::totp::Totp;
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, app_state, default_outbox, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// Everything the process logs while it is set, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the logs of this (current-thread) test: the app it spawns runs on this thread.
/// The process's quiet subscriber first, so that no callsite is cached as unwanted because
/// another test reached it first (see `comply360_testkit::Quiet`).
fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    comply360_testkit::init_logging();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("info,sqlx=warn")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
}

/// Words that only internal error text carries.
const INTERNAL: [&str; 9] = [
    "permission denied",
    "42501",
    "sqlx",
    "database error",
    "relation",
    "error sending request",
    "127.0.0.1",
    "UPSTREAM-TRACE-7f3a",
    "expected value",
];

fn assert_public(body: &str) {
    for word in INTERNAL {
        assert!(
            !body.to_lowercase().contains(&word.to_lowercase()),
            "{word:?} reached the client: {body}"
        );
    }
}

/// Takes every privilege on the agency's tables from the app role: any statement now fails
/// inside with "permission denied", an error the client must never see.
async fn break_tables(db: &TestDb, schema: &str) {
    let schema = comply360_store::quote_ident(schema);
    sqlx::query(&format!(
        "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM c360_app"
    ))
    .execute(db.store.owner_pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn an_internal_error_in_the_api_reaches_the_client_as_a_request_id_only() {
    let (logs, _guard) = capture_logs();
    let db = TestDb::new().await;
    db.tenant("leak-api", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let token = app.token_for("leak-api", "agent").await;
    break_tables(&db, "pooled").await;
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/clients"))
        .header("x-tenant", "leak-api")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body = res.text().await.unwrap();
    assert_public(&body);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "internal_error");
    let request_id = body["request_id"].as_str().unwrap().to_owned();
    // The log has the details, under that request id.
    let log = logs.text();
    assert!(
        log.lines()
            .any(|l| l.contains(&request_id) && l.contains("permission denied")),
        "the log names the request and the cause: {log}"
    );
}

/// A handler's log lines sit in its request's span and its own `handler` span, also when an
/// `Idempotency-Key` makes it run on a task of its own: the request id the client quotes, the
/// agency, the caller and the operation's route template find the cause.
#[tokio::test]
async fn a_handler_logs_under_its_request_operation_tenant_and_user() {
    let (logs, _guard) = capture_logs();
    let db = TestDb::new().await;
    db.tenant("log-spans", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let token = app.token_for("log-spans", "agent").await;
    // Only the clients table: the idempotency key is still claimed, the handler's insert fails.
    sqlx::query("REVOKE ALL ON pooled.clients FROM c360_app")
        .execute(db.store.owner_pool())
        .await
        .unwrap();
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/clients"))
        .header("x-tenant", "log-spans")
        .header("idempotency-key", "log-spans-1")
        .bearer_auth(&token)
        .json(&json!({"kind": "organisation", "display_name": "Span Traders"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = res.json().await.unwrap();
    let request_id = body["request_id"].as_str().unwrap().to_owned();
    let log = logs.text();
    let line = log
        .lines()
        .find(|l| l.contains("permission denied"))
        .unwrap_or_else(|| panic!("the cause is logged: {log}"));
    for expected in [
        request_id.as_str(),
        "tenant=\"log-spans\"",
        "user=\"user:",
        "handler{operation=POST /api/v1/clients}",
    ] {
        assert!(line.contains(expected), "{expected:?} missing from {line}");
    }
}

#[tokio::test]
async fn an_internal_error_on_the_portal_mfa_step_shows_no_internal_text() {
    let (logs, _guard) = capture_logs();
    let db = TestDb::new().await;
    let record = db.tenant("leak-portal", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    let email = "lindiwe@leak-portal.example";
    app.create_user("leak-portal", email, "agent").await;
    let totp = enrol_mfa(&app, "leak-portal", email).await;

    // Sign in on the portal up to the MFA step.
    let host = format!("leak-portal.localhost:{}", app.addr.port());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(app.url("/login"))
        .header("host", &host)
        .send()
        .await
        .unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let csrf = field_value(&html, "csrf");
    let res = client
        .post(app.url("/login"))
        .header("host", &host)
        .header("origin", format!("http://{host}"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", TEST_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let mfa_token = field_value(&html, "mfa_token");

    // The database breaks before the code is checked.
    break_tables(&db, &record.placement.schema).await;
    let code = totp.code_at(now() + 30);
    let res = client
        .post(app.url("/login/mfa"))
        .header("host", &host)
        .header("origin", format!("http://{host}"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("mfa_token", mfa_token.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.headers().get("set-cookie").is_none());
    let html = res.text().await.unwrap();
    assert_public(&html);
    assert!(html.contains("Something went wrong"), "{html}");
    assert!(
        logs.text().contains("permission denied"),
        "the cause is in the log"
    );
}

#[tokio::test]
async fn cipc_failures_reach_the_client_without_what_came_from_outside() {
    let (logs, _guard) = capture_logs();
    let db = TestDb::new().await;
    db.tenant("leak-cipc", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let admin = app.token_for("leak-cipc", "tenant_admin").await;
    let agent = app.token_for("leak-cipc", "agent").await;
    let http = reqwest::Client::new();

    // An upstream that fails with a body full of its internals, one that answers garbage,
    // and one that is not there at all.
    let failing = upstream(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UPSTREAM-TRACE-7f3a at db01:5432",
    )
    .await;
    let garbage = upstream(StatusCode::OK, "<html>UPSTREAM-TRACE-7f3a</html>").await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}/")
    };
    for (base_url, expected) in [
        (failing, "cipc_failed"),
        (garbage, "cipc_failed"),
        (closed, "cipc_failed"),
    ] {
        let res = http
            .put(app.url("/api/v1/integrations/cipc"))
            .header("x-tenant", "leak-cipc")
            .bearer_auth(&admin)
            .json(&json!({"base_url": base_url, "client_id": "c360", "username": "agency",
                "password": "Very-Secret-Password-1", "subscription_key": "sub-key-123", "scope": "companies"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let res = http
            .get(app.url("/api/v1/companies/lookup?enterprise_number=K2015%2F255566%2F07"))
            .header("x-tenant", "leak-cipc")
            .bearer_auth(&agent)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert!(status.is_server_error(), "{base_url}: {status} {body}");
        assert_public(&body);
        assert!(!body.contains("Very-Secret-Password-1") && !body.contains("sub-key-123"));
        let body: Value = serde_json::from_str(&body).unwrap();
        assert!(
            body["code"] == expected || body["code"] == "cipc_unavailable",
            "{base_url}: {body}"
        );
        assert!(body["request_id"].is_string());
    }
    let log = logs.text();
    assert!(
        log.contains("UPSTREAM-TRACE-7f3a"),
        "the upstream's answer is in the log for the operator"
    );
}

/// The dev mailbox through the whole router on a loopback listener: at `localhost` only.
#[tokio::test]
async fn the_dev_mailbox_answers_only_at_a_loopback_name() {
    let db = TestDb::new().await;
    db.tenant("acacia", IsolationMode::Pooled).await;
    let state = app_state(&db.store, default_outbox()).await;
    let mailbox = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let DevPages::Served(pages) = dev_pages(addr, comply360_notify::mailbox_router(mailbox.path()))
    else {
        panic!("a loopback listener serves the dev pages");
    };
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(serve_router(
        listener,
        router_for(state, Surface::Api, pages),
        async move { token.cancelled().await },
    ));
    let port = addr.port();
    let http = reqwest::Client::new();
    let status = |host: String, header: Option<(&'static str, &'static str)>| {
        let mut req = http
            .get(format!("http://{addr}/dev/mailbox"))
            .header("host", host);
        if let Some((n, v)) = header {
            req = req.header(n, v);
        }
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(
        status(format!("localhost:{port}"), None).await,
        StatusCode::OK
    );
    assert_eq!(status(format!("[::1]:{port}"), None).await, StatusCode::OK);
    for (host, header) in [
        (format!("acacia.localhost:{port}"), None),
        (format!("unknown.localhost:{port}"), None),
        (format!("localhost:{port}"), Some(("x-tenant", "acacia"))),
        (
            format!("localhost:{port}"),
            Some(("forwarded", "for=198.51.100.7")),
        ),
        (format!("rebound.example:{port}"), None),
    ] {
        assert_eq!(
            status(host.clone(), header).await,
            StatusCode::NOT_FOUND,
            "{host} {header:?}"
        );
    }
    // Not a loopback listener: not mounted at all.
    let everywhere: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
    assert!(matches!(
        dev_pages(everywhere, comply360_notify::mailbox_router(mailbox.path())),
        DevPages::Withheld { .. }
    ));
    stop.cancel();
}

/// A server on loopback that answers every request with `status` and `body`.
async fn upstream(status: StatusCode, body: &'static str) -> String {
    let app = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::from_u16(status.as_u16()).unwrap(),
            body,
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

fn field_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..].chars().take_while(|c| *c != '"').collect()
}

/// Turns MFA on for an account over the API; the authenticator.
async fn enrol_mfa(app: &TestApp, tenant: &str, email: &str) -> Totp {
    let token = app.login(tenant, email).await;
    let http = reqwest::Client::new();
    let enrolment: Value = http
        .post(app.url("/api/v1/me/mfa/enrol"))
        .header("x-tenant", tenant)
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let totp = totp_from(&enrolment);
    let res = http
        .post(app.url("/api/v1/me/mfa/confirm"))
        .header("x-tenant", tenant)
        .bearer_auth(&token)
        .json(&json!({"code": totp.code_at(now())}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    totp
}

/// `Idempotency-Key`: the same creating request sent twice, and eight times at once, with one
/// key creates one record and gets the same answer each time; another request with the key is
/// refused; another caller's or an expired key is a new key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creating_request_with_an_idempotency_key_is_carried_out_once() {
    let db = TestDb::new().await;
    db.tenant("idem", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    let agent = app.token_for("idem", "agent").await;
    let other = app.token_for("idem", "agent").await;
    let http = reqwest::Client::new();
    let post = |path: &'static str, token: &str, key: Option<&str>, body: Value| {
        let mut req = http
            .post(app.url(path))
            .header("x-tenant", "idem")
            .bearer_auth(token)
            .json(&body);
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            let replayed = res.headers().get("idempotent-replayed").is_some();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let body: Value = res.json().await.unwrap();
            (status, replayed, location, body)
        }
    };
    let client_body =
        json!({"kind": "organisation", "display_name": "Once Only Traders (Pty) Ltd"});

    // Twice in a row: one client, the same answer, the second marked as a replay.
    let first = post(
        "/api/v1/clients",
        &agent,
        Some("key-1"),
        client_body.clone(),
    )
    .await;
    let second = post(
        "/api/v1/clients",
        &agent,
        Some("key-1"),
        client_body.clone(),
    )
    .await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.3);
    assert_eq!((first.1, second.1), (false, true));
    assert_eq!(
        (&second.0, &second.2, &second.3),
        (&first.0, &first.2, &first.3)
    );
    assert_eq!(count(&app, "clients").await, 1);

    // Eight at once: one registration, eight identical answers.
    let client_id = first.3["id"].as_str().unwrap().to_owned();
    let registration = json!({"client_id": client_id, "kind": "za_private_company"});
    let answers = futures::future::join_all((0..8).map(|_| {
        post(
            "/api/v1/registrations",
            &agent,
            Some("key-2"),
            registration.clone(),
        )
    }))
    .await;
    assert_eq!(count(&app, "registrations").await, 1);
    for answer in &answers {
        assert_eq!(answer.0, StatusCode::CREATED, "{}", answer.3);
        assert_eq!((&answer.2, &answer.3), (&answers[0].2, &answers[0].3));
    }
    assert_eq!(
        answers.iter().filter(|a| !a.1).count(),
        1,
        "exactly one of them ran"
    );

    // The key with another body, another path or from another caller: refused, nothing made.
    let changed = json!({"kind": "organisation", "display_name": "Another Name (Pty) Ltd"});
    for (path, token, body) in [
        ("/api/v1/clients", &agent, changed.clone()),
        ("/api/v1/companies", &agent, client_body.clone()),
        ("/api/v1/clients", &other, client_body.clone()),
    ] {
        let (status, _, _, body) = post(path, token, Some("key-1"), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(body["code"], "idempotency_key_reused");
        assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
    }
    assert_eq!(count(&app, "clients").await, 1);

    // A malformed key is refused before anything runs.
    let (status, _, _, body) = post(
        "/api/v1/clients",
        &agent,
        Some("has space"),
        client_body.clone(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_idempotency_key"))
    );
    // Without a key every request is its own.
    post("/api/v1/clients", &agent, None, client_body.clone()).await;
    post("/api/v1/clients", &agent, None, client_body.clone()).await;
    assert_eq!(count(&app, "clients").await, 3);
    // A refused request is answered the same again (4xx answers are kept too).
    let bad = json!({"kind": "alien"});
    let refused = post("/api/v1/clients", &agent, Some("key-3"), bad.clone()).await;
    let again = post("/api/v1/clients", &agent, Some("key-3"), bad).await;
    assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (again.0, again.1, &again.3["errors"]),
        (refused.0, true, &refused.3["errors"])
    );

    // After 24 hours the key is forgotten: the same key makes a new client.
    let tenant = app.store.tenancy().resolve("idem").await.unwrap();
    let schema = comply360_store::quote_ident(&tenant.record().placement.schema);
    // As the owner, inside the agency's context (forced RLS filters the owner too).
    let mut owner = db.store.owner_pool().begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.id().to_string())
        .execute(&mut *owner)
        .await
        .unwrap();
    let aged = sqlx::query(&format!(
        "UPDATE {schema}.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'key-1'"
    ))
    .execute(&mut *owner)
    .await
    .unwrap();
    assert_eq!(aged.rows_affected(), 1);
    owner.commit().await.unwrap();
    let later = post("/api/v1/clients", &agent, Some("key-1"), changed).await;
    assert_eq!(
        (later.0, later.1),
        (StatusCode::CREATED, false),
        "{}",
        later.3
    );
    assert_eq!(count(&app, "clients").await, 4);
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let tenant = app.store.tenancy().resolve("idem").await.unwrap();
    let mut tx = app.store.tenancy().begin(&tenant).await.unwrap();
    let sql: &'static str = Box::leak(format!("SELECT count(*) FROM {table}").into_boxed_str());
    let n: i64 = tx.query_scalar(sql).fetch_one(tx.conn()).await.unwrap();
    tx.commit().await.unwrap();
    n
}
