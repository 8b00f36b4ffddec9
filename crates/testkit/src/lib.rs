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
//! * The HTTP app on `127.0.0.1:0` ([`spawn_app`]), every answer held against the OpenAPI
//!   document ([`contract`]), and a real PgBouncer ([`pgbouncer`]).
//! * Helpers the crates' test suites share: requests to the app ([`http`]), the `comply360`
//!   binary on a test database ([`comply360_command`]), waiting for a condition
//!   ([`eventually`]), counting a tenant's rows ([`count`]), a free port ([`free_port`]), a
//!   real SMTP server ([`smtp`]), a real S3-protocol server ([`moto`]), a real clamd knowing
//!   the EICAR test file ([`clamd`]), documents made on the spot: PDFs with and without a
//!   text layer, rendered scans, ID-copy lines ([`documents`]).
//!
//! Logs stay silent unless `TEST_LOG=1`.

pub mod browser;
pub mod clamd;
pub mod cluster;
mod command;
pub mod contract;
pub use comply360_fixtures as documents;
pub mod http;
pub mod isolation;
pub mod moto;
pub mod payments;
pub mod pgbouncer;
mod rows;
mod services;
pub mod smtp;
mod wait;

use comply360_api::{AppState, HttpSettings, Surface, serve_router};
use comply360_documents::{DocumentSettings, Documents};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_identity::ratelimit::RateLimiter;
use comply360_identity::sealed::MasterKey;
use comply360_identity::{Identity, IdentitySettings};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{Outbox, RetryPolicy, Subscriptions, Transport};
use comply360_notify::NotifyEvents;
use comply360_store::catalog::TenantRecord;
use comply360_store::connect::ServerAddress;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::{Store, StoreSettings};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub use cluster::{TestCluster, test_cluster};
pub use command::{comply360_command, database_url};
pub use rows::{audit_counts, count};
pub use services::{ci, redis_url};
pub use wait::{Reached, eventually};

/// The process's subscriber, once: logs when `TEST_LOG=1`, otherwise [`Quiet`].
pub fn init_logging() {
    if std::env::var("TEST_LOG").is_ok_and(|v| v == "1") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn")
            .with_test_writer()
            .try_init();
    } else {
        let _ = tracing::subscriber::set_global_default(Quiet);
    }
}

/// Records nothing, but answers "sometimes" for every callsite. Tests share a process, and
/// tracing caches per callsite, for the whole process, whether any subscriber wants it: with
/// no global subscriber, a callsite first reached by a test without one could be cached as
/// wanted by nobody, and a test that captures its own thread's logs
/// (`tracing::subscriber::set_default`) would then miss those spans and events. With this
/// one every callsite asks the current thread's subscriber each time.
pub struct Quiet;

impl tracing::Subscriber for Quiet {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        false
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
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

/// A test agency, on the Enterprise plan: every feature and no allowance of users or
/// registrations to run out of (the plan tests make agencies on smaller plans with
/// [`create_tenant_on`]).
pub async fn create_tenant(store: &Store, slug: &str, mode: IsolationMode) -> TenantRecord {
    create_tenant_on(store, slug, mode, Tier::Enterprise).await
}

/// An agency on `tier`'s plan (for the tests of its limits).
pub async fn create_tenant_on(
    store: &Store,
    slug: &str,
    mode: IsolationMode,
    tier: Tier,
) -> TenantRecord {
    store
        .create_tenant(
            NewTenant {
                slug: Slug::parse(slug).expect("valid test slug"),
                name: format!("Agency {slug}"),
                mode,
                tier,
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
    /// Where `/metrics` is served: a listener of its own, as `serve --metrics-listen`.
    pub metrics_addr: SocketAddr,
    pub store: Store,
    /// The state it serves (identity, limiter, outbox).
    pub state: AppState,
    stop: CancellationToken,
    /// Answers the OpenAPI document does not allow ([`contract`]); reported on drop.
    pub violations: contract::Violations,
}

/// A password every test account uses: strong enough for the policy.
pub const TEST_PASSWORD: &str = "Marula-Kestrel-Quartz-1987";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The metrics listener's `/metrics`.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.metrics_addr)
    }

    /// Runs every due job of `tenant` here and now (the app runs no worker), e.g. so that
    /// the message an invitation or reset called for is rendered before a test reads it.
    pub async fn run_jobs(&self, tenant: &str) -> usize {
        let t = self
            .store
            .tenancy()
            .resolve(tenant)
            .await
            .expect("tenant exists");
        let runner = comply360_jobs::Runner::new(
            self.store.tenancy().clone(),
            self.state.outbox.clone(),
            std::time::Duration::from_secs(60),
        );
        comply360_jobs::run_due(&runner, &t)
            .await
            .expect("run the tenant's jobs")
    }

    /// Creates an active user of `tenant` with [`TEST_PASSWORD`]; its id.
    pub async fn create_user(&self, tenant: &str, email: &str, role: &str) -> uuid::Uuid {
        let t = self
            .store
            .tenancy()
            .resolve(tenant)
            .await
            .expect("tenant exists");
        self.state
            .identity
            .create_user(&t, email, role, "", TEST_PASSWORD)
            .await
            .expect("create the user")
            .id
    }

    /// Signs in over HTTP; the access token.
    pub async fn login(&self, tenant: &str, email: &str) -> String {
        let res = comply360_erp::http_client()
            .post(self.url("/api/v1/auth/login"))
            .header("x-tenant", tenant)
            .json(&serde_json::json!({"email": email, "password": TEST_PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "login of {email} in {tenant}");
        let body: serde_json::Value = res.json().await.expect("login body");
        body["access_token"]
            .as_str()
            .expect("an access token (no MFA on test users)")
            .to_owned()
    }

    /// A user with `role` in `tenant` and their access token.
    pub async fn token_for(&self, tenant: &str, role: &str) -> String {
        let email = format!("{role}-{}@{tenant}.example", uuid::Uuid::now_v7().simple());
        self.create_user(tenant, &email, role).await;
        self.login(tenant, &email).await
    }
}

/// The master key of test processes (fixed, so keys sealed by one test store open in another).
pub fn test_master_key() -> MasterKey {
    MasterKey::from_base64("Y29tcGx5MzYwLXRlc3QtbWFzdGVyLWtleS0zMmJ5dGU=")
        .expect("a valid test master key")
}

/// Identity for a test store.
pub async fn test_identity(store: &Store, outbox: &Outbox) -> Identity {
    test_identity_with(store, outbox, IdentitySettings::default()).await
}

/// Identity for a test store with `settings` (e.g. the portal's address).
pub async fn test_identity_with(
    store: &Store,
    outbox: &Outbox,
    settings: IdentitySettings,
) -> Identity {
    Identity::start(store.clone(), outbox.clone(), settings, test_master_key())
        .await
        .expect("start identity")
}

/// The app's state for a test store, with `outbox`, default settings, in-process limits and
/// documents stored under the test cluster's directory (no clamd; no job processes them
/// unless the outbox subscribes `documents.process`).
pub async fn app_state(store: &Store, outbox: Outbox) -> AppState {
    let identity = test_identity(store, &outbox).await;
    app_state_for(store, outbox, identity).await
}

/// [`app_state`] with an identity of the test's own.
pub async fn app_state_for(store: &Store, outbox: Outbox, identity: Identity) -> AppState {
    let documents = default_documents(store).await;
    AppState::new(
        store.clone(),
        HttpSettings::default(),
        outbox,
        identity,
        RateLimiter::in_process(),
    )
    .with_documents(documents)
}

/// Documents as [`app_state`] gives them: stored under the test cluster's directory, no
/// clamd, default settings (for tests that build their own state).
pub async fn default_documents(store: &Store) -> Documents {
    let root = test_cluster().await.dir().join("documents");
    test_documents(store, &root, None, DocumentSettings::default())
}

/// Documents for a test store: local storage under `root`, data keys wrapped by
/// [`test_master_key`], real poppler and Tesseract, clamd when given.
pub fn test_documents(
    store: &Store,
    root: &std::path::Path,
    clamd: Option<comply360_documents::scan::Clamd>,
    settings: DocumentSettings,
) -> Documents {
    use comply360_documents::extract::{ExtractSettings, Extractor};
    use comply360_documents::links::LinkSigner;
    use comply360_documents::vault::{DataKeys, KeyRing, StorageConfig, Vault};
    let keys = DataKeys::from_store(store, KeyRing::new(test_master_key()));
    let vault = Vault::new(
        &StorageConfig::Local {
            root: root.to_owned(),
        },
        keys,
    )
    .expect("a local document store");
    Documents::new(
        vault,
        Extractor::new(ExtractSettings::default()),
        clamd,
        LinkSigner::new(test_master_key()),
        settings,
    )
}

/// An app whose outbox also processes documents (`documents.process`: scan, text, checks);
/// tests run the jobs with [`TestApp::run_jobs`].
pub async fn documents_app(store: Store, documents: Documents) -> TestApp {
    let subs = Subscriptions::new(RetryPolicy::DEFAULT)
        .with(AuditTrail)
        .with(NotifyEvents::new("en"))
        .with(comply360_documents::process::ProcessDocument::new(
            documents.clone(),
        ));
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let state = app_state(&store, outbox).await.with_documents(documents);
    spawn_app_with(state).await
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
        let violations = self.violations.take();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!(
                "the app gave answers its OpenAPI document does not allow (fix the route's Op, \
                 not the test):\n{}",
                violations.join("\n")
            );
        }
    }
}

/// The platform's own handlers (the audit trail, `notify.events`, which renders the
/// messages identity's events call for, and `commissions.calculate`), on the PostgreSQL transport, for tests that do not
/// bring their own subscriptions. Nothing runs their jobs unless a test asks
/// ([`TestApp::run_jobs`]); messages are rendered, never delivered.
pub fn default_outbox() -> Outbox {
    Outbox::new(Arc::new(default_subscriptions()), Transport::Postgres)
}

/// The subscriptions of [`default_outbox`], for tests that add handlers of their own.
pub fn default_subscriptions() -> Subscriptions {
    Subscriptions::new(RetryPolicy::DEFAULT)
        .with(AuditTrail)
        .with(NotifyEvents::new("en"))
        .with(comply360_money::CalculateCommission)
        .with(test_odoo_sync())
}

/// The `odoo.sync` handler of tests: the test master key, fast retries and a circuit that
/// opens after 3 failures and half-opens after a second, so an outage test runs in seconds.
pub fn test_odoo_sync() -> comply360_erp::OdooSync {
    let policy = comply360_integrations::CallPolicy {
        timeout: std::time::Duration::from_secs(5),
        retries: 1,
        first_delay: std::time::Duration::from_millis(20),
        max_delay: std::time::Duration::from_millis(50),
        failure_threshold: 3,
        cool_down: std::time::Duration::from_secs(1),
    };
    comply360_erp::OdooSync::new(
        test_master_key(),
        comply360_integrations::Resilience::new(policy),
        comply360_erp::http_client(),
    )
}

pub async fn spawn_app(store: Store) -> TestApp {
    let state = app_state(&store, default_outbox()).await;
    spawn_app_with(state).await
}

/// Serves a prepared state (own outbox, own resilience settings).
pub async fn spawn_app_with(state: AppState) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    spawn_app_on(listener, state).await
}

/// Serves a prepared state on a bound listener (for a state that must know its own address,
/// such as links back to the app).
pub async fn spawn_app_on(listener: tokio::net::TcpListener, state: AppState) -> TestApp {
    let store = state.store.clone();
    let addr = listener.local_addr().expect("local address");
    let stop = CancellationToken::new();
    let token = stop.clone();
    let violations = contract::Violations::default();
    let checked = comply360_web::app(state.clone(), Surface::Api, axum::Router::new()).layer(
        axum::middleware::from_fn_with_state(
            contract::Check {
                contract: contract::contract(&state),
                violations: violations.clone(),
            },
            contract::layer,
        ),
    );
    tokio::spawn(async move {
        let _ = serve_router(listener, checked, async move { token.cancelled().await }).await;
    });
    let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let metrics_addr = metrics_listener.local_addr().expect("local address");
    let metrics = comply360_api::metrics::router(state.clone(), None);
    let token = stop.clone();
    tokio::spawn(async move {
        let _ = serve_router(
            metrics_listener,
            metrics,
            async move { token.cancelled().await },
        )
        .await;
    });
    TestApp {
        addr,
        metrics_addr,
        store,
        state,
        stop,
        violations,
    }
}

/// The address of the test cluster's server as a [`ServerAddress`].
pub async fn cluster_address() -> ServerAddress {
    test_cluster().await.address()
}

/// A loopback port that was free a moment ago (bound by the OS, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
