#![expect(
    clippy::expect_used,
    reason = "a test harness reports failure by panicking with a message"
)]

//! The test harness.
//!
//! * One embedded PostgreSQL per test process ([`cluster`]), in a temporary directory, removed
//!   by a reaper process when the test process exits.
//! * A fresh app database per test, cloned from a migrated template ([`TestDb`]), with its own
//!   prefix for database-mode tenant databases so tests never collide.
//! * The HTTP app on `127.0.0.1:0` ([`spawn_app`]) and a real PgBouncer ([`pgbouncer`]).
//!
//! Logs stay silent unless `TEST_LOG=1`.

pub mod cluster;
pub mod pgbouncer;

use comply360_api::{AppState, HttpSettings, serve};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{Outbox, RetryPolicy, Subscriptions, Transport};
use comply360_store::catalog::TenantRecord;
use comply360_store::connect::ServerAddress;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::{Store, StoreSettings};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub use cluster::{TestCluster, test_cluster};

/// Turns on logs when `TEST_LOG=1`.
pub fn init_logging() {
    if std::env::var("TEST_LOG").is_ok_and(|v| v == "1") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn")
            .with_test_writer()
            .try_init();
    }
}

/// A fresh app database for one test, and a store opened on it.
pub struct TestDb {
    pub name: String,
    pub settings: StoreSettings,
    pub store: Store,
}

impl TestDb {
    pub async fn new() -> TestDb {
        Self::with(|_| {}).await
    }

    /// With settings adjusted before the store opens (e.g. a PgBouncer in front).
    pub async fn with(adjust: impl FnOnce(&mut StoreSettings)) -> TestDb {
        init_logging();
        let cluster = test_cluster().await;
        let name = cluster.fresh_database().await;
        let mut settings = cluster.settings(&name);
        adjust(&mut settings);
        let store = Store::open(settings.clone())
            .await
            .expect("open the store on a fresh test database");
        TestDb {
            name,
            settings,
            store,
        }
    }

    /// Opens another store on the same database (a second replica, or other migrations).
    pub async fn reopen(&self, tenant: comply360_store::migrations::MigrationSet) -> Store {
        Store::open_with(
            self.settings.clone(),
            comply360_store::migrations::MigrationSet::control(),
            tenant,
        )
        .await
        .expect("reopen the store")
    }

    pub async fn tenant(&self, slug: &str, mode: IsolationMode) -> TenantRecord {
        create_tenant(&self.store, slug, mode).await
    }
}

pub async fn create_tenant(store: &Store, slug: &str, mode: IsolationMode) -> TenantRecord {
    store
        .create_tenant(
            NewTenant {
                slug: Slug::parse(slug).expect("valid test slug"),
                name: format!("Agency {slug}"),
                mode,
                tier: Tier::Starter,
                server: None,
                admin_email: Some(format!("admin@{slug}.example")),
            },
            ProvisionOptions::default(),
        )
        .await
        .expect("create tenant")
}

/// A running HTTP app on a free loopback port.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    stop: CancellationToken,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The platform's own handlers (the audit trail), on the PostgreSQL transport, for tests
/// that do not bring their own subscriptions.
pub fn default_outbox() -> Outbox {
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    Outbox::new(Arc::new(subs), Transport::Postgres)
}

pub async fn spawn_app(store: Store) -> TestApp {
    let state = AppState::new(store.clone(), HttpSettings::default(), default_outbox());
    spawn_app_with(state).await
}

/// Serves a prepared state (own outbox, own resilience settings).
pub async fn spawn_app_with(state: AppState) -> TestApp {
    let store = state.store.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move {
        let _ = serve(listener, state, async move { token.cancelled().await }).await;
    });
    TestApp { addr, store, stop }
}

/// The address of the test cluster's server as a [`ServerAddress`].
pub async fn cluster_address() -> ServerAddress {
    test_cluster().await.address()
}
