//! What `serve` runs besides HTTP: the handlers of this deployment, the job workers of the
//! chosen transport.

use crate::settings::Settings;
use comply360_documents::extract::{ExtractSettings, Extractor};
use comply360_documents::ingest::IngestHandedOff;
use comply360_documents::links::LinkSigner;
use comply360_documents::process::ProcessDocument;
use comply360_documents::scan::{Clamd, ClamdAddress};
use comply360_documents::vault::{DataKeys, KeyRing, StorageConfig, Vault};
use comply360_documents::{DocumentSettings, Documents};
use comply360_identity::Identity;
use comply360_identity::ratelimit::RateLimiter;
use comply360_identity::sealed::MasterKey;
use comply360_integrations::Resilience;
use comply360_integrations::registry::{ManualGateway, RegistryGateway, SimulatorGateway};
use comply360_jobs::amqp::{AmqpHandle, AmqpSettings};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::run_jobs::postgres_worker;
use comply360_jobs::{
    Outbox, RetryPolicy, Runner, Subscriptions, Transport, WorkerConfig, WorkerHandle,
};
use comply360_notify::{Channels, Deliver, NotifyEvents};
use comply360_payments::{ApplyNotification, ApplyWebhook, Payments, RefundPayment};
use comply360_practice::filing::RegistryFiling;
use comply360_practice::reminders::ReminderSettings;
use comply360_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

impl Settings {
    pub fn transport(&self) -> Transport {
        if self.amqp_url.is_some() {
            Transport::Rabbitmq
        } else {
            Transport::Postgres
        }
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.jobs_max_attempts,
            first_delay: Duration::from_millis(self.jobs_retry_first_delay_ms),
            max_delay: Duration::from_secs(self.jobs_retry_max_delay_secs),
        }
    }

    pub fn worker_config(&self) -> WorkerConfig {
        WorkerConfig {
            concurrency: self.jobs_concurrency,
            lease: Duration::from_secs(self.jobs_lease_secs),
            sweep_interval: Duration::from_secs(self.jobs_sweep_secs),
            shutdown_grace: Duration::from_secs(self.jobs_shutdown_grace_secs),
            job_timeout: Duration::from_secs(self.jobs_timeout_secs),
            ..WorkerConfig::default()
        }
    }
}

/// The handlers of this deployment and the outbox that writes their jobs. Fails when a
/// configured channel lacks a setting (named in the error).
pub fn outbox(
    settings: &Settings,
    store: &Store,
    resilience: &Resilience,
) -> anyhow::Result<Outbox> {
    Ok(Outbox::new(
        Arc::new(subscriptions(settings, store, resilience)?),
        settings.transport(),
    ))
}

/// The outbox of `serve`, whose workers also process documents (scan, text, checks), move
/// the registry's certificates into storage, apply the payment providers' notifications and
/// make refunds through them: the other commands do none of it, so they need no storage,
/// providers or master key.
pub fn serving_outbox(
    settings: &Settings,
    store: &Store,
    resilience: &Resilience,
    documents: &Documents,
    payments: &Payments,
) -> anyhow::Result<Outbox> {
    let subs = subscriptions(settings, store, resilience)?
        .with(ProcessDocument::new(documents.clone()))
        .with(IngestHandedOff::new(documents.clone()))
        .with(ApplyNotification::new(payments.clone()))
        .with(ApplyWebhook)
        .with(RefundPayment::new(payments.clone()));
    Ok(Outbox::new(Arc::new(subs), settings.transport()))
}

fn subscriptions(
    settings: &Settings,
    store: &Store,
    resilience: &Resilience,
) -> anyhow::Result<Subscriptions> {
    let channels = Channels::from_settings(&settings.notify)?;
    let subs = Subscriptions::new(settings.retry_policy())
        .with(AuditTrail)
        .with(comply360_money::CalculateCommission)
        .with({
            let settings = settings.clone();
            comply360_erp::OdooSync::loading_the_key(
                move || master_key(&settings).map_err(|e| e.to_string()),
                resilience.clone(),
                comply360_erp::http_client(),
            )
        })
        .with(RegistryFiling::new(
            registry_gateway(settings)?,
            resilience.clone(),
            Duration::from_secs(settings.registry_poll_secs.max(1)),
        ))
        .with(NotifyEvents::new(
            settings.notify.notify_default_language.clone(),
        ))
        .with(
            Deliver::new(store.tenancy().clone(), channels, resilience.clone()).with_retry_policy(
                RetryPolicy {
                    max_attempts: settings.notify_max_attempts,
                    first_delay: Duration::from_millis(settings.notify_retry_first_delay_ms),
                    max_delay: Duration::from_secs(settings.notify_retry_max_delay_secs),
                },
            ),
        );
    Ok(subs)
}

/// The registry gateway of `filing_path: gateway` registrations: the simulator's HTTP API when
/// `registry_gateway_url` is set, else the manual gateway (which says to file by hand).
pub fn registry_gateway(settings: &Settings) -> anyhow::Result<Arc<dyn RegistryGateway>> {
    match &settings.registry_gateway_url {
        Some(url) => {
            let url = url::Url::parse(url).map_err(|e| {
                anyhow::anyhow!("COMPLY360_REGISTRY_GATEWAY_URL {url:?} is not a URL ({e}); e.g. http://127.0.0.1:8790")
            })?;
            Ok(Arc::new(SimulatorGateway::new(
                url,
                comply360_erp::http_client(),
            )))
        }
        None => Ok(Arc::new(ManualGateway::default())),
    }
}

/// The obligation reminder sweep's settings.
pub fn reminder_settings(settings: &Settings) -> ReminderSettings {
    ReminderSettings {
        lead_days: settings.obligation_reminder_lead_days,
        every_days: settings.obligation_reminder_every_days,
        interval: Duration::from_secs(settings.obligation_sweep_secs.max(1)),
    }
}

/// The runner of this process's jobs.
pub fn runner(settings: &Settings, store: &Store, outbox: &Outbox) -> Runner {
    Runner::new(
        store.tenancy().clone(),
        outbox.clone(),
        Duration::from_secs(settings.jobs_timeout_secs),
    )
}

/// The background workers of whichever transport runs.
pub enum Workers {
    Postgres(WorkerHandle),
    Rabbitmq(AmqpHandle),
}

impl Workers {
    /// Waits until they have stopped (their stop token was cancelled).
    pub async fn join(self) {
        match self {
            Workers::Postgres(h) => h.join().await,
            Workers::Rabbitmq(h) => h.join().await,
        }
    }
}

/// Starts the workers of the configured transport.
pub fn start_workers(
    settings: &Settings,
    store: &Store,
    outbox: &Outbox,
    stop: CancellationToken,
) -> anyhow::Result<Workers> {
    let config = settings.worker_config();
    let runner = runner(settings, store, outbox);
    match settings.transport() {
        Transport::Postgres => {
            let worker = postgres_worker(runner, store.listen_options(), config);
            Ok(Workers::Postgres(worker.spawn(stop)))
        }
        Transport::Rabbitmq => {
            let amqp = AmqpSettings {
                // AmqpSettings redacts the URL in its own Debug.
                url: settings
                    .amqp_url
                    .as_ref()
                    .map(|u| u.expose().to_owned())
                    .unwrap_or_default(),
                prefetch: settings.amqp_prefetch,
                relay_batch: settings.amqp_relay_batch,
                ..AmqpSettings::default()
            };
            let handle =
                comply360_jobs::amqp::start(runner, amqp, store.listen_options(), config, stop)?;
            Ok(Workers::Rabbitmq(handle))
        }
    }
}

/// The master key: `COMPLY360_MASTER_KEY`, else `master.key` in the data directory (created
/// on first use).
pub fn master_key(settings: &Settings) -> anyhow::Result<MasterKey> {
    match &settings.master_key {
        Some(key) => MasterKey::from_base64(key.expose())
            .map_err(|e| anyhow::anyhow!("COMPLY360_MASTER_KEY: {e}")),
        None => {
            let path = settings.data_dir.join("master.key");
            if settings.database_url.is_some() {
                tracing::warn!(path = %path.display(), "COMPLY360_MASTER_KEY is not set: using a key file; every replica must share the same key");
            }
            std::fs::create_dir_all(&settings.data_dir)?;
            MasterKey::load_or_create(&path)
                .map_err(|e| anyhow::anyhow!("master key {}: {e}", path.display()))
        }
    }
}

/// Documents for this process: storage (a directory, or S3 when a bucket is set) with each
/// agency's data key wrapped by the master key, clamd when configured, OCR bounded to the
/// configured number of processes. Build it once and share the handle (it holds the caches
/// of unwrapped data keys and the OCR process slots).
pub fn documents(settings: &Settings, store: &Store) -> anyhow::Result<Documents> {
    let master = master_key(settings)?;
    let storage = match &settings.s3_bucket {
        Some(bucket) => StorageConfig::S3 {
            bucket: bucket.clone(),
            endpoint: settings.s3_endpoint.clone(),
            region: settings.s3_region.clone(),
            access_key_id: settings.s3_access_key_id.clone().ok_or_else(|| {
                anyhow::anyhow!("COMPLY360_S3_ACCESS_KEY_ID is needed with COMPLY360_S3_BUCKET")
            })?,
            secret_access_key: settings.s3_secret_access_key.clone().ok_or_else(|| {
                anyhow::anyhow!(
                    "COMPLY360_S3_SECRET_ACCESS_KEY (or _FILE) is needed with COMPLY360_S3_BUCKET"
                )
            })?,
            path_style: settings.s3_path_style,
            allow_http: settings.s3_allow_http,
        },
        None => StorageConfig::Local {
            root: settings
                .documents_dir
                .clone()
                .unwrap_or_else(|| settings.data_dir.join("documents")),
        },
    };
    let vault = Vault::new(
        &storage,
        DataKeys::from_store(store, KeyRing::new(master.clone())),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut extract = ExtractSettings::default();
    if let Some(n) = settings.ocr_processes {
        anyhow::ensure!(n > 0, "COMPLY360_OCR_PROCESSES must be at least 1");
        extract.max_processes = n;
    }
    let clamd = settings.clamd_address.as_deref().map(|a| {
        Clamd::new(
            a.parse::<ClamdAddress>()
                .unwrap_or_else(|never| match never {}),
            Duration::from_secs(60),
        )
    });
    let docs = Documents::new(
        vault,
        Extractor::new(extract),
        clamd,
        LinkSigner::new(master),
        DocumentSettings {
            max_upload_bytes: settings.document_max_upload_mb * 1024 * 1024,
            link_ttl: Duration::from_secs(settings.document_link_ttl_secs),
        },
    );
    Ok(docs)
}

/// Payments for this process: the providers where the settings say (their real hosts by
/// default), the agencies' provider secrets opened with the master key, outside calls
/// through `resilience` (systems `payfast` and `stripe`).
pub fn payments(settings: &Settings, resilience: &Resilience) -> anyhow::Result<Payments> {
    Ok(Payments::new(
        Arc::new(master_key(settings)?),
        settings.payment_endpoints()?,
        resilience.clone(),
        comply360_erp::http_client(),
    ))
}

/// The platform's billing of agencies: its own Stripe account (when set) and the grace period.
pub fn platform_billing(
    settings: &Settings,
    resilience: &Resilience,
) -> anyhow::Result<comply360_payments::platform::PlatformBilling> {
    Ok(comply360_payments::platform::PlatformBilling::new(
        settings.platform_stripe()?,
        resilience.clone(),
        comply360_erp::http_client(),
        settings.billing_grace_days,
    ))
}

/// The port emailed links name when a command does not know where `serve` listens (unless
/// `COMPLY360_PORTAL_URL` says where the portal is): `serve --listen`'s default.
pub const DEFAULT_PORT: u16 = 8080;

/// Identity and access for this process (`port`: where `serve` listens, for portal links).
pub async fn identity(
    settings: &Settings,
    store: &Store,
    outbox: &Outbox,
    port: u16,
) -> anyhow::Result<Identity> {
    let master = master_key(settings)?;
    Ok(Identity::start(
        store.clone(),
        outbox.clone(),
        settings.identity(port),
        master,
    )
    .await?)
}

/// The rate limiter: Redis when `COMPLY360_REDIS_URL` is set, else in process.
pub async fn limiter(settings: &Settings) -> anyhow::Result<RateLimiter> {
    match &settings.redis_url {
        Some(url) => Ok(RateLimiter::redis(url.expose())
            .await
            .map_err(|e| anyhow::anyhow!("COMPLY360_REDIS_URL: {e}"))?),
        None => Ok(RateLimiter::in_process()),
    }
}
