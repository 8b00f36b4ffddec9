//! An outside system goes down (a SendGrid stand-in speaking its HTTP API, which the test
//! stops): requests that emit events keep succeeding, the circuit opens and shows in
//! `/metrics` and `comply360 integrations status`, and once the system is back every pending
//! message is delivered exactly once. A poison message ends as a dead letter after its
//! attempts, and `comply360 jobs retry` replays it after the fix.

use crate::support::comply360;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use comply360_domain::IsolationMode;
use comply360_integrations::{CallPolicy, CircuitState, Resilience};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::run_jobs::postgres_worker;
use comply360_jobs::{Outbox, RetryPolicy, Runner, Subscriptions, Transport, WorkerConfig};
use comply360_notify::{Channels, Deliver, EmailTransport, NotifyEvents, NotifySettings};
use comply360_store::{Store, Tenant};
use comply360_testkit::{TestDb, app_state, count, create_tenant, eventually, spawn_app_with};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A SendGrid stand-in: `POST /v3/mail/send`, 202 with `X-Message-Id`; refuses (500) any
/// message to a recipient listed in `poison`.
#[derive(Clone, Default)]
struct SendGrid {
    received: Arc<Mutex<Vec<serde_json::Value>>>,
    poison: Arc<Mutex<Vec<String>>>,
}

async fn mail_send(State(sg): State<SendGrid>, Json(body): Json<serde_json::Value>) -> Response {
    let to = body["personalizations"][0]["to"][0]["email"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if sg.poison.lock().unwrap().contains(&to) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "stand-in: cannot handle this message",
        )
            .into_response();
    }
    let mut received = sg.received.lock().unwrap();
    received.push(body);
    (
        StatusCode::ACCEPTED,
        [("x-message-id", format!("sg-{}", received.len()))],
    )
        .into_response()
}

/// Serves the stand-in on `addr` until the returned token is cancelled (then the port is
/// closed and calls are refused).
async fn serve_sendgrid(sg: &SendGrid, addr: SocketAddr) -> CancellationToken {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let app = axum::Router::new()
        .route("/v3/mail/send", axum::routing::post(mail_send))
        .with_state(sg.clone());
    let stop = CancellationToken::new();
    let token = stop.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    tokio::spawn(async move {
        token.cancelled().await;
        server.abort();
    });
    stop
}

async fn add_client(store: &Store, tenant: &Tenant, email: &str) -> Uuid {
    let id = Uuid::now_v7();
    let mut tx = store.tenancy().begin(tenant).await.unwrap();
    tx.query("INSERT INTO clients (tenant_id, id, kind, display_name, email) VALUES ($1, $2, 'person', 'Lindiwe Dube', $3)")
        .bind(tenant.id().as_uuid())
        .bind(id)
        .bind(email)
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn an_outage_never_breaks_requests_and_nothing_is_lost() {
    let db = TestDb::new().await;
    let record = create_tenant(&db.store, "outage", IsolationMode::Schema).await;
    let tenant = db.store.tenancy().resolve(&record.slug).await.unwrap();
    let client = add_client(&db.store, &tenant, "lindiwe@client.example").await;
    let poisoned = add_client(&db.store, &tenant, "poison@client.example").await;

    let sg = SendGrid::default();
    let addr: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut sg_stop = serve_sendgrid(&sg, addr).await;

    let notify = NotifySettings {
        email_transport: EmailTransport::Sendgrid,
        sendgrid_api_key: Some(comply360_domain::Secret::new("SG.test-key")),
        sendgrid_base_url: format!("http://{addr}"),
        ..NotifySettings::default()
    };
    let policy = CallPolicy {
        timeout: Duration::from_secs(2),
        retries: 0,
        failure_threshold: 5,
        cool_down: Duration::from_millis(800),
        ..CallPolicy::default()
    };
    let resilience = Resilience::new(policy);
    let deliver = Deliver::new(
        db.store.tenancy().clone(),
        Channels::from_settings(&notify).unwrap(),
        resilience.clone(),
    )
    .with_retry_policy(RetryPolicy {
        max_attempts: 4,
        first_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
    });
    let subs = Subscriptions::new(RetryPolicy::DEFAULT)
        .with(AuditTrail)
        .with(NotifyEvents::new("en"))
        .with(deliver);
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let state = app_state(&db.store, outbox.clone())
        .await
        .with_resilience(resilience.clone());
    let app = spawn_app_with(state).await;
    let token = app.token_for("outage", "agent").await;
    let publisher = comply360_api::circuits::spawn_publisher(
        &db.store,
        resilience.clone(),
        "test-replica".into(),
        Duration::from_millis(200),
        CancellationToken::new(),
    );

    let config = WorkerConfig {
        concurrency: 4,
        sweep_interval: Duration::from_secs(2),
        ..WorkerConfig::default()
    };
    let runner = Runner::new(
        db.store.tenancy().clone(),
        outbox.clone(),
        Duration::from_secs(10),
    );
    let worker =
        postgres_worker(runner, db.store.listen_options(), config).spawn(CancellationToken::new());

    let http = reqwest::Client::new();
    let create = |client: Uuid| {
        let http = http.clone();
        let url = app.url("/api/v1/registrations");
        let token = token.clone();
        async move {
            let started = Instant::now();
            let res = http
                .post(url)
                .header("X-Tenant", "outage")
                .bearer_auth(token)
                .json(&serde_json::json!({ "client_id": client, "kind": "za_private_company" }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
            started.elapsed()
        }
    };

    // Up: the client is emailed.
    create(client).await;
    eventually("the first email", Duration::from_secs(20), || async {
        sg.received.lock().unwrap().len() == 1
    })
    .await;

    // Down: requests still succeed, quickly, and the circuit opens.
    sg_stop.cancel();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..15 {
        slowest = slowest.max(create(client).await);
    }
    assert!(
        slowest < Duration::from_secs(1),
        "requests wait on the outside system: {slowest:?}"
    );
    eventually("the circuit to open", Duration::from_secs(20), || async {
        resilience.state(tenant.id(), "sendgrid") == CircuitState::Open
    })
    .await;
    let metrics = http
        .get(app.metrics_url())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("integration_circuit_state{system=\"sendgrid\"} 2"),
        "{}",
        metrics
            .lines()
            .filter(|l| l.contains("circuit"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let status = comply360(&db)
        .args(["integrations", "status"])
        .output()
        .unwrap();
    let status_out = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        status_out.lines().any(|l| l.contains("sendgrid")
            && l.contains("outage")
            && (l.contains("open") || l.contains("half_open"))),
        "{status_out}"
    );
    assert_eq!(
        count(
            &db.store,
            &tenant,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'dead'"
        )
        .await,
        0,
        "an outage does not burn through the attempts"
    );

    // Back: every pending message goes out, once.
    sg_stop = serve_sendgrid(&sg, addr).await;
    eventually("all 16 emails", Duration::from_secs(30), || async {
        count(
            &db.store,
            &tenant,
            "SELECT count(*) FROM notification_messages WHERE tenant_id = $1 AND state = 'sent'",
        )
        .await
            == 16
    })
    .await;
    assert_eq!(
        sg.received.lock().unwrap().len(),
        16,
        "each message delivered once"
    );
    eventually("the circuit to close", Duration::from_secs(10), || async {
        resilience.state(tenant.id(), "sendgrid") == CircuitState::Closed
    })
    .await;

    // Poison: one message the provider can never take ends as a dead letter.
    sg.poison
        .lock()
        .unwrap()
        .push("poison@client.example".into());
    create(poisoned).await;
    eventually("the poison job to die", Duration::from_secs(30), || async {
        count(
            &db.store,
            &tenant,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'dead'",
        )
        .await
            == 1
    })
    .await;
    assert_eq!(
        count(&db.store, &tenant, "SELECT count(*) FROM notification_messages WHERE tenant_id = $1 AND state = 'failed' AND last_error IS NOT NULL").await,
        1,
        "the failure is visible on the message"
    );
    // The queue's series show the dead letter (the sweep refreshes the gauges).
    eventually("jobs_dead_letters 1", Duration::from_secs(10), || async {
        let m = http
            .get(app.metrics_url())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        m.lines().any(|l| l == "jobs_dead_letters 1")
            && m.contains("jobs_total{handler=\"notify.deliver\",outcome=\"dead\"} 1")
            && m.contains("jobs_total{handler=\"notify.deliver\",outcome=\"deferred\"}")
            && m.contains("jobs_queue_depth{handler=\"notify.deliver\"}")
            && m.lines().any(|l| l == "outbox_unrelayed 0")
    })
    .await;
    let dead = comply360(&db)
        .args(["jobs", "dead", "--tenant", "outage", "--json"])
        .output()
        .unwrap();
    assert!(
        dead.status.success(),
        "{}",
        String::from_utf8_lossy(&dead.stderr)
    );
    let dead: serde_json::Value = serde_json::from_slice(&dead.stdout).unwrap();
    assert_eq!(dead.as_array().unwrap().len(), 1, "{dead}");
    assert_eq!(dead[0]["handler"], "notify.deliver");
    assert_eq!(dead[0]["attempts"], 4);
    let id = dead[0]["id"].as_str().unwrap().to_owned();

    // The fix, then the replay.
    sg.poison.lock().unwrap().clear();
    let retried = comply360(&db)
        .args(["jobs", "retry", &id])
        .output()
        .unwrap();
    assert!(
        retried.status.success(),
        "{}",
        String::from_utf8_lossy(&retried.stderr)
    );
    eventually("the replayed message", Duration::from_secs(20), || async {
        count(
            &db.store,
            &tenant,
            "SELECT count(*) FROM notification_messages WHERE tenant_id = $1 AND state = 'sent'",
        )
        .await
            == 17
    })
    .await;
    assert_eq!(sg.received.lock().unwrap().len(), 17);
    // The job that sent the last message is marked done just after the message is: wait for
    // it rather than catch it in between (seen under load).
    eventually("every job done", Duration::from_secs(20), || async {
        count(
            &db.store,
            &tenant,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state <> 'done'",
        )
        .await
            == 0
    })
    .await;
    // Every registration is in the audit trail once.
    assert_eq!(
        count(&db.store, &tenant, "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'registration.created'").await,
        17
    );
    worker.shutdown().await;
    sg_stop.cancel();
    publisher.abort();
}
