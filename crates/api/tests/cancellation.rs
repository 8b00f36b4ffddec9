//! Cancellation storms: thousands of writes and reads across the three isolation modes whose
//! clients reset their connections at random points, through the real HTTP stack, directly and
//! through a real PgBouncer in transaction mode.
//!
//! A cancelled request drops its handler's future wherever it is (acquiring a connection,
//! waiting for `BEGIN`, mid-statement, waiting for `COMMIT`). Afterwards:
//! * the PostgreSQL log has no "there is already / no transaction in progress" warning for
//!   this test's databases (a connection went back to the pool inside a transaction);
//! * every registration has exactly its `created` timeline entry and its
//!   `registration.created` event, and no event or timeline entry lacks its registration;
//! * no app connection is left in a transaction, and every pooled connection, probed one by
//!   one, carries no tenant context and the default search path.

use comply360_domain::IsolationMode;
use comply360_identity::ratelimit::Quota;
use comply360_testkit::pgbouncer::PgBouncer;
use comply360_testkit::{TestApp, TestDb, app_state, default_outbox, spawn_app_with, test_cluster};
use futures::StreamExt;
use rand::Rng;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Requests per storm, and how many are in flight at once.
const REQUESTS: usize = 2400;
const CONCURRENCY: usize = 48;
/// Most clients reset at a random point within this window after sending their request (a
/// request takes a few milliseconds when the server is not loaded)...
const RESET_WITHIN: Duration = Duration::from_millis(12);
/// ...and one in five within this one, so that requests queued behind others (PgBouncer's
/// few server connections) are also cut late, at COMMIT, or not at all.
const SLOW_RESET_WITHIN: Duration = Duration::from_millis(250);
/// One client in this many waits for its answer: on a loaded machine (CI running other suites
/// beside this one) nearly every request can be slower than the reset windows, and a storm
/// must still have completed writes for the counts below to check anything.
const WAITS_ONE_IN: u32 = 25;

struct Agency {
    slug: &'static str,
    token: String,
    client: uuid::Uuid,
}

async fn agencies(db: &TestDb, app: &TestApp) -> Vec<Agency> {
    let mut out = Vec::new();
    for (slug, mode) in [
        ("storm-pool", IsolationMode::Pooled),
        ("storm-schema", IsolationMode::Schema),
        ("storm-db", IsolationMode::Database),
    ] {
        db.tenant(slug, mode).await;
        let token = app.token_for(slug, "agent").await;
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/clients"))
            .header("x-tenant", slug)
            .bearer_auth(&token)
            .json(&serde_json::json!({"kind": "organisation", "display_name": "Storm Traders (Pty) Ltd"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let body: serde_json::Value = res.json().await.unwrap();
        let client = body["id"].as_str().unwrap().parse().unwrap();
        out.push(Agency {
            slug,
            token,
            client,
        });
    }
    out
}

/// An app whose API quota does not get in the way of a storm.
async fn storm_app(db: &TestDb) -> TestApp {
    let mut state = app_state(&db.store, default_outbox()).await;
    let mut settings = (*state.settings).clone();
    settings.api_quota = Quota::per_second(100_000, 100_000);
    state.settings = Arc::new(settings);
    spawn_app_with(state).await
}

fn request(agency: &Agency, write: bool) -> Vec<u8> {
    let (head, body) = if write {
        let body = serde_json::json!({"client_id": agency.client, "kind": "za_private_company"})
            .to_string();
        ("POST /api/v1/registrations", body)
    } else {
        (
            "GET /api/v1/registrations?status=draft&limit=20",
            String::new(),
        )
    };
    format!(
        "{head} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tenant: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        agency.slug,
        agency.token,
        body.len()
    )
    .into_bytes()
}

/// Sends each request and resets the connection (RST, not FIN) at a random point within
/// [`RESET_WITHIN`]; some finish first, most are cut somewhere inside the server, and one in
/// [`WAITS_ONE_IN`] waits for its answer (`None`).
async fn storm(app: &TestApp, agencies: &[Agency]) -> usize {
    let addr = app.addr;
    let plan: Vec<(usize, bool, Option<Duration>)> = {
        let mut rng = rand::rng();
        (0..REQUESTS)
            .map(|_| {
                let window = if rng.random_bool(0.2) {
                    SLOW_RESET_WITHIN
                } else {
                    RESET_WITHIN
                };
                let micros = rng.random_range(0..window.as_micros() as u64);
                let cut =
                    (!rng.random_ratio(1, WAITS_ONE_IN)).then(|| Duration::from_micros(micros));
                (
                    rng.random_range(0..agencies.len()),
                    rng.random_bool(0.6),
                    cut,
                )
            })
            .collect()
    };
    let writes = plan.iter().filter(|(_, write, _)| *write).count();
    futures::stream::iter(plan)
        .map(|(agency, write, after)| {
            let bytes = request(&agencies[agency], write);
            async move {
                let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
                    return;
                };
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
                let Some(after) = after else {
                    // `Connection: close`: the answer ends with the connection.
                    let mut answer = Vec::new();
                    let _ = stream.read_to_end(&mut answer).await;
                    return;
                };
                tokio::time::sleep(after).await;
                let _ = stream.set_zero_linger();
                drop(stream);
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    writes
}

/// Waits until no app-role backend of these databases is running a statement, then gives
/// any transaction still open a moment to end; returns the backends left in a transaction.
async fn settle(db: &TestDb) -> Vec<String> {
    let owner = db.store.owner_pool();
    let pattern = format!("{}%", db.name);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let busy: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT datname::text, coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity
             WHERE usename = 'c360_app' AND datname LIKE $1 AND pid <> pg_backend_pid()
               AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')",
        )
        .bind(&pattern)
        .fetch_all(owner)
        .await
        .unwrap();
        if busy.is_empty() || Instant::now() > deadline {
            return busy
                .into_iter()
                .map(|(d, s, q)| format!("{d}: {s}: {q}"))
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Lines of the cluster's log about this test's databases warning of a transaction state
/// that the client did not expect.
async fn transaction_warnings(db: &TestDb) -> Vec<String> {
    let log = test_cluster().await.dir().join("pg/server.log");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    text.lines()
        .filter(|l| l.contains(&format!("@{}", db.name)))
        .filter(|l| l.contains("transaction in progress"))
        .map(str::to_owned)
        .collect()
}

/// Every registration has exactly one `created` entry and one `registration.created` event.
async fn check_records(app: &TestApp, agencies: &[Agency]) -> i64 {
    let mut total = 0;
    for agency in agencies {
        let tenant = app.store.tenancy().resolve(agency.slug).await.unwrap();
        let mut tx = app.store.tenancy().begin(&tenant).await.unwrap();
        let id = tenant.id().as_uuid();
        let (registrations, lacking_entry, lacking_event): (i64, i64, i64) = tx
            .query_as(
                "SELECT count(*),
                    count(*) FILTER (WHERE (SELECT count(*) FROM registration_timeline t
                        WHERE t.tenant_id = r.tenant_id AND t.registration_id = r.id
                          AND t.action = 'created') <> 1),
                    count(*) FILTER (WHERE (SELECT count(*) FROM outbox_events e
                        WHERE e.tenant_id = r.tenant_id AND e.event_type = 'registration.created'
                          AND e.payload->>'registration_id' = r.id::text) <> 1)
                 FROM registrations r WHERE r.tenant_id = $1",
            )
            .bind(id)
            .fetch_one(tx.conn())
            .await
            .unwrap();
        let (entries, events): (i64, i64) = tx
            .query_as(
                "SELECT (SELECT count(*) FROM registration_timeline WHERE tenant_id = $1 AND action = 'created'),
                        (SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND event_type = 'registration.created')",
            )
            .bind(id)
            .fetch_one(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (lacking_entry, lacking_event),
            (0, 0),
            "{}: registrations without exactly one timeline entry / event",
            agency.slug
        );
        assert_eq!(
            (entries, events),
            (registrations, registrations),
            "{}: timeline entries and events match the registrations one to one",
            agency.slug
        );
        total += registrations;
    }
    total
}

/// Takes every connection of the app pool at once and asks each for its context; the
/// server then says whether that connection's session is inside a transaction.
async fn probe_pool(db: &TestDb, app: &TestApp) {
    let pool = app.store.tenancy().app_pool();
    let size = pool.size() as usize;
    assert!(size > 0);
    let mut held = Vec::new();
    for _ in 0..size {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        let (tenant, path, pid): (String, String, i32) = sqlx::query_as(
            "SELECT coalesce(current_setting('app.tenant_id', true), ''),
                    current_setting('search_path'), pg_backend_pid()",
        )
        .persistent(false)
        .fetch_one(&mut **conn)
        .await
        .unwrap();
        assert_eq!(tenant, "", "a pooled connection carries a tenant's context");
        assert_eq!(
            path, "\"$user\", public",
            "a pooled connection kept a search path"
        );
        let state: Option<String> = sqlx::query_scalar::<_, Option<String>>(
            "SELECT state FROM pg_stat_activity WHERE pid = $1",
        )
        .bind(pid)
        .fetch_optional(db.store.owner_pool())
        .await
        .unwrap()
        .flatten();
        assert!(
            !state.as_deref().unwrap_or("idle").contains("transaction"),
            "a pooled connection is {state:?}"
        );
    }
}

async fn storm_suite(db: TestDb) {
    let app = storm_app(&db).await;
    let agencies = agencies(&db, &app).await;
    let writes = storm(&app, &agencies).await;
    let left_open = settle(&db).await;
    assert!(
        left_open.is_empty(),
        "app connections left in a transaction or busy: {left_open:#?}"
    );
    let warnings = transaction_warnings(&db).await;
    assert!(
        warnings.is_empty(),
        "{} transaction-state warnings, e.g. {:#?}",
        warnings.len(),
        &warnings[..warnings.len().min(5)]
    );
    let created = check_records(&app, &agencies).await;
    eprintln!("{created} of {writes} writes were created; the others were cut");
    assert!(created > 0, "some registrations were created");
    assert!(
        (created as usize) < writes,
        "the storm cut some writes ({created} of {writes} were created)"
    );
    probe_pool(&db, &app).await;
    // The app still works normally afterwards, in every mode.
    for agency in &agencies {
        let res = reqwest::Client::new()
            .get(app.url("/api/v1/registrations?limit=1"))
            .header("x-tenant", agency.slug)
            .bearer_auth(&agency.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", agency.slug);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_storm_leaves_no_transaction_open() {
    storm_suite(TestDb::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_storm_through_pgbouncer_leaves_no_transaction_open() {
    let bouncer = PgBouncer::start(test_cluster().await, 6).await;
    let address = bouncer.address();
    let db = TestDb::with(move |s| s.app_proxy = Some(address)).await;
    storm_suite(db).await;
    drop(bouncer);
}
