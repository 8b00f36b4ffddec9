//! Outside calls against a real HTTP stand-in on loopback that the test breaks, slows and stops.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use comply360_domain::TenantId;
use comply360_integrations::{CallError, CallPolicy, CircuitState, Resilience, Retryable};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A stand-in outside system: answers with the status it is told to, after an optional delay,
/// and counts the requests that reach it.
#[derive(Clone, Default)]
struct Remote {
    status: Arc<AtomicU16>,
    delay_ms: Arc<AtomicU64>,
    hits: Arc<AtomicU32>,
}

async fn handler(State(r): State<Remote>) -> StatusCode {
    r.hits.fetch_add(1, Ordering::SeqCst);
    let delay = r.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap()
}

struct Running {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

async fn start(remote: &Remote, addr: Option<SocketAddr>) -> Running {
    let listener =
        tokio::net::TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap()))
            .await
            .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/ping", get(handler))
        .with_state(remote.clone());
    let stop = CancellationToken::new();
    let token = stop.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await
            .unwrap();
    });
    Running { addr, stop, task }
}

impl Running {
    async fn shut_down(self) {
        self.stop.cancel();
        self.task.await.unwrap();
    }
}

#[derive(Debug)]
enum HttpError {
    Status(u16),
    Transport,
}

impl Retryable for HttpError {
    fn is_retryable(&self) -> bool {
        match self {
            HttpError::Status(s) => *s == 429 || *s >= 500,
            HttpError::Transport => true,
        }
    }
}

async fn ping(client: &reqwest::Client, addr: SocketAddr) -> Result<(), HttpError> {
    let res = client
        .get(format!("http://{addr}/ping"))
        .send()
        .await
        .map_err(|_| HttpError::Transport)?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(HttpError::Status(res.status().as_u16()))
    }
}

fn policy() -> CallPolicy {
    CallPolicy {
        timeout: Duration::from_millis(300),
        retries: 2,
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        failure_threshold: 4,
        cool_down: Duration::from_millis(400),
    }
}

#[tokio::test]
async fn retryable_failures_are_retried_and_others_are_not() {
    let remote = Remote::default();
    remote.status.store(503, Ordering::SeqCst);
    let server = start(&remote, None).await;
    let client = reqwest::Client::new();
    let calls = Resilience::new(policy());
    let tenant = TenantId::new();

    let err = calls
        .call(tenant, "odoo", || ping(&client, server.addr))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Failed(HttpError::Status(503))));
    assert_eq!(
        remote.hits.load(Ordering::SeqCst),
        3,
        "one call and two retries"
    );

    remote.status.store(400, Ordering::SeqCst);
    remote.hits.store(0, Ordering::SeqCst);
    let err = calls
        .call(tenant, "odoo", || ping(&client, server.addr))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Failed(HttpError::Status(400))));
    assert_eq!(
        remote.hits.load(Ordering::SeqCst),
        1,
        "a 400 is not retried"
    );
    assert_eq!(
        calls.state(tenant, "odoo"),
        CircuitState::Closed,
        "refusals say nothing about health"
    );

    remote.status.store(200, Ordering::SeqCst);
    calls
        .call(tenant, "odoo", || ping(&client, server.addr))
        .await
        .unwrap();
    server.shut_down().await;
}

#[tokio::test]
async fn slow_answers_time_out() {
    let remote = Remote::default();
    remote.status.store(200, Ordering::SeqCst);
    remote.delay_ms.store(1_000, Ordering::SeqCst);
    let server = start(&remote, None).await;
    let client = reqwest::Client::new();
    let calls = Resilience::new(CallPolicy {
        retries: 0,
        ..policy()
    });
    let started = Instant::now();
    let err = calls
        .call(TenantId::new(), "cipc", || ping(&client, server.addr))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(900));
    server.shut_down().await;
}

#[tokio::test]
async fn an_outage_opens_the_circuit_per_tenant_and_recovery_closes_it() {
    let remote = Remote::default();
    remote.status.store(200, Ordering::SeqCst);
    let server = start(&remote, None).await;
    let addr = server.addr;
    let client = reqwest::Client::new();
    let calls = Resilience::new(policy());
    let (a, b) = (TenantId::new(), TenantId::new());
    calls.call(a, "odoo", || ping(&client, addr)).await.unwrap();

    // The system goes down: connection refused on every attempt.
    server.shut_down().await;
    let mut opened_after = None;
    for call in 1..=4 {
        let err = calls
            .call(a, "odoo", || ping(&client, addr))
            .await
            .unwrap_err();
        if matches!(err, CallError::CircuitOpen { .. }) {
            opened_after = Some(call);
            break;
        }
    }
    assert!(
        opened_after.is_some(),
        "the circuit opens after consecutive failures"
    );
    assert_eq!(calls.state(a, "odoo"), CircuitState::Open);

    // While open: fail fast, without touching the network.
    let started = Instant::now();
    let err = calls
        .call(a, "odoo", || ping(&client, addr))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::CircuitOpen { .. }));
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "fails fast: {:?}",
        started.elapsed()
    );
    let status = calls.statuses();
    assert!(
        status
            .iter()
            .any(|s| s.tenant == a && s.state == CircuitState::Open && s.rejected >= 1)
    );

    // Another tenant's circuit for the same system is independent.
    assert_eq!(calls.state(b, "odoo"), CircuitState::Closed);

    // The system comes back on the same address; after the cool-down a probe closes the circuit.
    let server = start(&remote, Some(addr)).await;
    tokio::time::sleep(policy().cool_down + Duration::from_millis(50)).await;
    let hits_before = remote.hits.load(Ordering::SeqCst);
    calls.call(a, "odoo", || ping(&client, addr)).await.unwrap();
    assert_eq!(remote.hits.load(Ordering::SeqCst), hits_before + 1);
    assert_eq!(calls.state(a, "odoo"), CircuitState::Closed);
    server.shut_down().await;
}
