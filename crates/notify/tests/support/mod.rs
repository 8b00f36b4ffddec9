//! Test fixtures: a runner with the notification handlers, a real SMTP server (aiosmtpd),
//! and HTTP stand-ins for SendGrid and Twilio on 127.0.0.1:0.

pub mod standins;

use comply360_domain::IsolationMode;
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::queue::JobRow;
use comply360_jobs::{Outbox, RetryPolicy, Runner, Subscriptions, Transport};
use comply360_notify::{Channels, Deliver, NotifyEvents, NotifySettings};
use comply360_store::{Store, Tenant};
use comply360_testkit::TestDb;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Milliseconds instead of the production minutes, so retries run within a test.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
    }
}

/// No in-call retries (the job's attempts are what the tests count) and a circuit that does
/// not open within a test.
pub fn resilience() -> Resilience {
    Resilience::new(CallPolicy {
        timeout: Duration::from_secs(10),
        retries: 0,
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        failure_threshold: 1000,
        cool_down: Duration::from_secs(1),
    })
}

pub fn runner(store: &Store, settings: &NotifySettings) -> Runner {
    runner_with(store, settings, resilience())
}

pub fn runner_with(store: &Store, settings: &NotifySettings, resilience: Resilience) -> Runner {
    let channels = Channels::from_settings(settings).expect("channels from settings");
    let deliver = Deliver::new(store.tenancy().clone(), channels, resilience)
        .with_retry_policy(fast_retries());
    let subs = Subscriptions::new(fast_retries())
        .with(deliver)
        .with(NotifyEvents::new("en"));
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    Runner::new(store.tenancy().clone(), outbox, Duration::from_secs(60))
}

pub fn mailbox_settings(dir: PathBuf) -> NotifySettings {
    NotifySettings {
        mailbox_dir: dir,
        email_from: "no-reply@comply360.test".into(),
        ..NotifySettings::default()
    }
}

pub async fn tenant(db: &TestDb, slug: &str, mode: IsolationMode) -> Arc<Tenant> {
    let record = db.tenant(slug, mode).await;
    db.store.tenancy().resolve(&record.slug).await.unwrap()
}

pub async fn set_branding(store: &Store, tenant: &Tenant, branding: serde_json::Value) {
    let mut tx = store.tenancy().begin(tenant).await.unwrap();
    comply360_store::repo::settings::put(&mut tx, "branding", &branding)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The delivery jobs of a tenant, in every state.
pub async fn deliver_jobs(store: &Store, tenant: &Tenant) -> Vec<JobRow> {
    let mut tx = store.tenancy().begin(tenant).await.unwrap();
    let jobs = comply360_jobs::queue::list(&mut tx, &["queued", "running", "done", "dead"], 100)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    jobs.into_iter()
        .filter(|j| j.handler == Deliver::NAME)
        .collect()
}

/// Plain SMTP to 127.0.0.1:`port`.
pub fn smtp_settings(port: u16) -> NotifySettings {
    NotifySettings {
        email_transport: comply360_notify::EmailTransport::Smtp,
        email_from: "no-reply@comply360.test".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        smtp_tls: comply360_notify::SmtpTls::None,
        ..NotifySettings::default()
    }
}

/// A loopback port nobody listens on: bound by the OS, then released.
pub fn closed_port() -> u16 {
    comply360_testkit::free_port()
}
