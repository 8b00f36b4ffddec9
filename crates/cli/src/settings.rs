//! Settings, read once at start-up: defaults, then an optional TOML file, then `COMPLY360_*`
//! environment variables, then command-line flags. Secrets may come from `*_FILE` paths.
//! Every setting is listed with its default in the README.

use crate::cli::GlobalArgs;
use anyhow::Context;
use comply360_domain::Secret;
use comply360_identity::IdentitySettings;
use comply360_identity::password::HashParams;
use comply360_identity::ratelimit::Quota;
use comply360_integrations::stripe::StripeConfig;
use comply360_notify::NotifySettings;
use comply360_payments::providers::Endpoints;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Embedded PostgreSQL's home (`COMPLY360_DATA_DIR`).
    pub data_dir: PathBuf,
    /// External PostgreSQL (`DATABASE_URL`); the embedded cluster is not started when set.
    pub database_url: Option<Secret>,
    /// Where initdb/pg_ctl/postgres are (`COMPLY360_PG_BIN_DIR`); searched for when unset.
    pub pg_bin_dir: Option<PathBuf>,
    /// `max_connections` of the embedded cluster.
    pub pg_max_connections: u32,
    /// The app database (control plane, pooled and schema tenants).
    pub app_database: String,
    /// Prefix of database-mode tenants' databases.
    pub database_prefix: String,
    /// Passwords of the c360_owner and c360_app roles (for password auth over TCP).
    pub db_owner_password: Option<Secret>,
    pub db_app_password: Option<Secret>,
    /// `host:port` of a PgBouncer (transaction mode) for the app role's connections.
    pub app_db_proxy: Option<String>,
    /// Connections of the app database's pool; unset, sized by [`Settings::main_pool_size`].
    pub db_pool_main: Option<u32>,
    pub db_pool_budget: u32,
    pub db_pool_per_database: u32,
    pub db_pool_idle_secs: u64,
    pub placement_cache_ttl_secs: u64,
    pub migrate_lock_timeout_ms: u64,
    pub migrate_lock_retries: u32,
    /// Tenants are served at `<slug>.<base_domain>`.
    pub base_domain: String,
    pub request_timeout_secs: u64,
    /// RabbitMQ (`COMPLY360_AMQP_URL`): when set, events travel through it; otherwise the
    /// PostgreSQL job queue is the transport.
    pub amqp_url: Option<Secret>,
    /// Jobs one process runs at once.
    pub jobs_concurrency: usize,
    /// Attempts of a job before it is parked as a dead letter (handlers may use their own;
    /// the long tail is 20 attempts with the delay capped at 7200 s).
    pub jobs_max_attempts: i32,
    /// Delay after the first failure; doubles per attempt, with jitter.
    pub jobs_retry_first_delay_ms: u64,
    pub jobs_retry_max_delay_secs: u64,
    /// Every tenant is checked for due jobs this often even without a NOTIFY.
    pub jobs_sweep_secs: u64,
    /// A claimed job is its worker's for this long; a dead worker's jobs return after it.
    pub jobs_lease_secs: u64,
    pub jobs_timeout_secs: u64,
    /// On shutdown, how long running jobs may take before they are released.
    pub jobs_shutdown_grace_secs: u64,
    /// Attempts and backoff of email/SMS delivery (kept apart from the default: a provider
    /// outage can last hours, and a message should outlive it).
    pub notify_max_attempts: i32,
    pub notify_retry_first_delay_ms: u64,
    pub notify_retry_max_delay_secs: u64,
    /// Unacknowledged deliveries per RabbitMQ consumer.
    pub amqp_prefetch: u16,
    /// Events the relay publishes per tenant transaction.
    pub amqp_relay_batch: u32,
    /// Seals signing keys and TOTP secrets at rest: 32 bytes, base64 (`openssl rand -base64
    /// 32`). Unset: `master.key` in the data directory, created on first start. Every replica
    /// must use the same key.
    pub master_key: Option<Secret>,
    /// Redis (`COMPLY360_REDIS_URL`): when set, rate limits are shared by every replica.
    pub redis_url: Option<Secret>,
    /// API requests per tenant, as a token bucket: `<n>/<s|min|h> [burst <b>]`.
    pub rate_limit_api: String,
    /// Sign-in attempts per client IP and account.
    pub rate_limit_signin: String,
    /// Whether a proxy in front sets X-Forwarded-For / X-Forwarded-Proto (trusted).
    pub trust_proxy: bool,
    pub max_body_bytes: usize,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub password_reset_ttl_secs: u64,
    pub invitation_ttl_secs: u64,
    /// Consecutive failed sign-ins that lock an account, and for how long.
    pub lockout_threshold: u32,
    pub lockout_secs: u64,
    /// Argon2id cost (OWASP's recommendation by default).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// The portal's address in emailed links, `{tenant}` standing for the agency's slug.
    /// Unset: `http://{tenant}.<base_domain>:<port>` of `serve --listen`.
    pub portal_url: Option<String>,
    /// A registry gateway speaking the simulator's HTTP API (`comply360 registry-sim`), for
    /// registrations filed with `filing_path: gateway`. Unset: such filings fail with a note
    /// to file by hand (no real registry offers a filing API).
    pub registry_gateway_url: Option<String>,
    /// How often an unanswered gateway filing is polled.
    pub registry_poll_secs: u64,
    /// Obligations due within this many days (or overdue) are reminded...
    pub obligation_reminder_lead_days: i64,
    /// ...at most once every this many days each.
    pub obligation_reminder_every_days: i64,
    /// How often `serve` looks for obligations to remind (every agency, one transaction each).
    pub obligation_sweep_secs: u64,
    /// Where documents are stored when no S3 bucket is set. Unset: `documents/` in the data
    /// directory.
    pub documents_dir: Option<PathBuf>,
    /// An S3-compatible bucket for documents (then `documents_dir` is unused).
    pub s3_bucket: Option<String>,
    /// The S3 endpoint (MinIO, Ceph, another provider); unset: AWS.
    pub s3_endpoint: Option<String>,
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
    /// Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need.
    pub s3_path_style: bool,
    /// Plain HTTP to the endpoint (a store on a private network or loopback only).
    pub s3_allow_http: bool,
    /// The largest document accepted, in MB.
    pub document_max_upload_mb: u64,
    /// How long a document's signed link works.
    pub document_link_ttl_secs: u64,
    /// ClamAV's clamd: `tcp://host:port` or `unix:/path/to/clamd.ctl`. Unset: only the
    /// built-in refusals scan uploads.
    pub clamd_address: Option<String>,
    /// At most this many OCR and PDF processes at once. Unset: the machine's cores.
    pub ocr_processes: Option<usize>,
    /// How often documents' housekeeping runs (moving the registry's certificates into
    /// storage, purging what retention has ended).
    pub document_sweep_secs: u64,
    /// One base URL standing in for PayFast's live, sandbox and API hosts (`comply360
    /// payments stand-in`, for demos). Unset: PayFast's real hosts, sandbox or live as each
    /// agency chose.
    pub payfast_url: Option<String>,
    /// Stripe's API.
    pub stripe_api_url: String,
    /// Hosts whose addresses may post PayFast's ITNs, comma-separated (`localhost` for the
    /// stand-in).
    pub payfast_itn_hosts: String,
    /// The platform's own Stripe account, which agencies pay their platform invoices to
    /// (`sk_…`). Unset: platform invoices are paid by EFT and recorded by the operator.
    pub platform_stripe_secret_key: Option<Secret>,
    /// That account's webhook signing secret (`whsec_…`), for
    /// `POST /api/v1/platform/webhooks/stripe`.
    pub platform_stripe_webhook_secret: Option<Secret>,
    /// Days after a platform invoice's due date before an unpaid agency is held.
    pub billing_grace_days: u64,
    /// A bearer token `/metrics` then asks of every scrape (unset: whoever reaches the metrics
    /// listener may scrape).
    pub metrics_token: Option<Secret>,
    /// Agencies with a `tenant` label of their own on the request metrics: the busiest; the
    /// rest are counted as `other`.
    pub metrics_tenant_labels: usize,
    /// MiB of list answers each process keeps by the agencies' data versions, served again
    /// while an agency's data is unchanged (0 keeps none).
    pub response_cache_mib: u64,
    /// Email and SMS transports (`COMPLY360_EMAIL_TRANSPORT`, `COMPLY360_SMTP_HOST`, ...).
    #[serde(flatten)]
    pub notify: NotifySettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from(".comply360"),
            database_url: None,
            pg_bin_dir: None,
            pg_max_connections: 200,
            app_database: "comply360".into(),
            database_prefix: "c360_t_".into(),
            db_owner_password: None,
            db_app_password: None,
            app_db_proxy: None,
            db_pool_main: None,
            db_pool_budget: 60,
            db_pool_per_database: 5,
            db_pool_idle_secs: 300,
            placement_cache_ttl_secs: 60,
            migrate_lock_timeout_ms: 5000,
            migrate_lock_retries: 5,
            base_domain: "localhost".into(),
            request_timeout_secs: 30,
            amqp_url: None,
            jobs_concurrency: 8,
            jobs_max_attempts: 3,
            jobs_retry_first_delay_ms: 5000,
            jobs_retry_max_delay_secs: 60,
            jobs_sweep_secs: 15,
            jobs_lease_secs: 300,
            jobs_timeout_secs: 120,
            jobs_shutdown_grace_secs: 20,
            notify_max_attempts: 8,
            registry_gateway_url: None,
            registry_poll_secs: 15,
            obligation_reminder_lead_days: 30,
            obligation_reminder_every_days: 7,
            obligation_sweep_secs: 3600,
            notify_retry_first_delay_ms: 30_000,
            notify_retry_max_delay_secs: 1800,
            amqp_prefetch: 16,
            amqp_relay_batch: 256,
            master_key: None,
            redis_url: None,
            rate_limit_api: "100/s burst 200".into(),
            rate_limit_signin: "40/h burst 10".into(),
            trust_proxy: false,
            max_body_bytes: 1024 * 1024,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 7 * 86_400,
            password_reset_ttl_secs: 1800,
            invitation_ttl_secs: 7 * 86_400,
            lockout_threshold: 5,
            lockout_secs: 900,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            jwt_issuer: "comply360".into(),
            jwt_audience: "comply360-api".into(),
            portal_url: None,
            documents_dir: None,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: "af-south-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_path_style: false,
            s3_allow_http: false,
            document_max_upload_mb: 20,
            document_link_ttl_secs: 600,
            clamd_address: None,
            ocr_processes: None,
            document_sweep_secs: 86_400,
            payfast_url: None,
            stripe_api_url: comply360_integrations::stripe::API_BASE.into(),
            payfast_itn_hosts: comply360_integrations::payfast::ITN_HOSTS.join(","),
            platform_stripe_secret_key: None,
            platform_stripe_webhook_secret: None,
            billing_grace_days: 14,
            metrics_token: None,
            metrics_tenant_labels: 20,
            response_cache_mib: 64,
            notify: NotifySettings {
                // Empty: `mailbox/` inside the data directory (resolved in `load`).
                mailbox_dir: PathBuf::new(),
                ..NotifySettings::default()
            },
        }
    }
}

/// A bad setting as one line that names it the way the operator wrote it:
/// `COMPLY360_EMAIL_TRANSPORT: unknown variant ...` for an environment variable,
/// `email_transport in /etc/comply360.toml: ...` for the configuration file.
fn describe_setting_error(err: &figment::Error) -> String {
    let key = match &err.metadata {
        Some(md) if !err.path.is_empty() => {
            let profile = err.profile.clone().unwrap_or_default();
            let name = md.interpolate(&profile, &err.path);
            if md.name.contains("environment variable") {
                // figment's Env names keys without their prefix.
                format!("COMPLY360_{}", name.replace('.', "_"))
            } else if let Some(figment::Source::File(file)) = &md.source {
                format!("{} in {}", err.path.join("."), file.display())
            } else {
                format!("{} in {}", err.path.join("."), md.name)
            }
        }
        _ if !err.path.is_empty() => err.path.join("."),
        _ => return format!("invalid setting: {}", err.kind),
    };
    format!("invalid setting {key}: {}", err.kind)
}

impl Settings {
    pub fn load(global: &GlobalArgs) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = &global.config {
            anyhow::ensure!(
                file.is_file(),
                "config file {} does not exist",
                file.display()
            );
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("COMPLY360_"));
        let mut s: Settings = figment.extract().map_err(|e| {
            // serde's `flatten` hides the key of an error inside the notify settings;
            // extracting them alone finds it again.
            let e = match e.path.is_empty() {
                true => figment.extract::<NotifySettings>().err().unwrap_or(e),
                false => e,
            };
            anyhow::anyhow!("{}", describe_setting_error(&e))
        })?;
        for (field, var) in [
            (&mut s.db_owner_password, "COMPLY360_DB_OWNER_PASSWORD_FILE"),
            (&mut s.db_app_password, "COMPLY360_DB_APP_PASSWORD_FILE"),
            (&mut s.database_url, "DATABASE_URL_FILE"),
            (&mut s.amqp_url, "COMPLY360_AMQP_URL_FILE"),
            (&mut s.master_key, "COMPLY360_MASTER_KEY_FILE"),
            (&mut s.redis_url, "COMPLY360_REDIS_URL_FILE"),
            (&mut s.metrics_token, "COMPLY360_METRICS_TOKEN_FILE"),
            (
                &mut s.notify.sendgrid_api_key,
                "COMPLY360_SENDGRID_API_KEY_FILE",
            ),
            (&mut s.notify.smtp_password, "COMPLY360_SMTP_PASSWORD_FILE"),
            (
                &mut s.s3_secret_access_key,
                "COMPLY360_S3_SECRET_ACCESS_KEY_FILE",
            ),
            (
                &mut s.notify.twilio_auth_token,
                "COMPLY360_TWILIO_AUTH_TOKEN_FILE",
            ),
        ] {
            if let Ok(path) = std::env::var(var) {
                let value = std::fs::read_to_string(&path)
                    .with_context(|| format!("{var}: cannot read {path}"))?;
                *field = Some(Secret::new(value.trim()));
            }
        }
        if let Some(dir) = &global.data_dir {
            s.data_dir = dir.clone();
        }
        if let Some(url) = &global.database_url {
            s.database_url = Some(Secret::new(url.as_str()));
        }
        for optional in [
            &mut s.database_url,
            &mut s.amqp_url,
            &mut s.redis_url,
            &mut s.master_key,
        ] {
            if optional
                .as_ref()
                .is_some_and(|u| u.expose().trim().is_empty())
            {
                *optional = None;
            }
        }
        for (value, var) in [
            (&s.rate_limit_api, "COMPLY360_RATE_LIMIT_API"),
            (&s.rate_limit_signin, "COMPLY360_RATE_LIMIT_SIGNIN"),
        ] {
            value
                .parse::<Quota>()
                .map_err(|e| anyhow::anyhow!("{var}: {e}"))?;
        }
        anyhow::ensure!(
            s.lockout_threshold > 0
                && s.access_token_ttl_secs > 0
                && s.refresh_token_ttl_secs > s.access_token_ttl_secs,
            "COMPLY360_LOCKOUT_THRESHOLD and COMPLY360_ACCESS_TOKEN_TTL_SECS must be at least 1, and COMPLY360_REFRESH_TOKEN_TTL_SECS longer than the access token's"
        );
        if s.payfast_url.as_ref().is_some_and(|u| u.trim().is_empty()) {
            s.payfast_url = None;
        }
        // Checked now, so a mistake stops every command at once rather than a payment later.
        s.payment_endpoints()?;
        if s.notify.mailbox_dir.as_os_str().is_empty() {
            s.notify.mailbox_dir = s.data_dir.join("mailbox");
        }
        anyhow::ensure!(
            s.jobs_concurrency > 0 && s.jobs_max_attempts > 0 && s.notify_max_attempts > 0,
            "COMPLY360_JOBS_CONCURRENCY, COMPLY360_JOBS_MAX_ATTEMPTS and COMPLY360_NOTIFY_MAX_ATTEMPTS must be at least 1"
        );
        anyhow::ensure!(
            s.jobs_lease_secs > s.jobs_timeout_secs,
            "COMPLY360_JOBS_LEASE_SECS must be longer than COMPLY360_JOBS_TIMEOUT_SECS, or a slow job would be taken over while it runs"
        );
        anyhow::ensure!(
            (1..=1024).contains(&s.document_max_upload_mb) && s.document_link_ttl_secs > 0,
            "COMPLY360_DOCUMENT_MAX_UPLOAD_MB must be between 1 and 1024, and COMPLY360_DOCUMENT_LINK_TTL_SECS at least 1"
        );
        anyhow::ensure!(
            s.s3_bucket.is_some() || (s.s3_endpoint.is_none() && s.s3_access_key_id.is_none()),
            "COMPLY360_S3_ENDPOINT and COMPLY360_S3_ACCESS_KEY_ID need COMPLY360_S3_BUCKET (documents go to a directory unless a bucket is set)"
        );
        anyhow::ensure!(
            s.db_pool_main != Some(0),
            "COMPLY360_DB_POOL_MAIN must be at least 1"
        );
        anyhow::ensure!(
            s.db_pool_per_database > 0 && s.db_pool_budget >= s.db_pool_per_database,
            "COMPLY360_DB_POOL_BUDGET must be at least COMPLY360_DB_POOL_PER_DATABASE (and both above 0)"
        );
        Ok(s)
    }
}

/// An http(s) URL with a host, ending in `/` so the providers' paths join onto it.
fn base_url(setting: &str, value: &str, example: &str) -> anyhow::Result<url::Url> {
    let bad = |why: String| anyhow::anyhow!("{setting} {value:?} {why}; e.g. {example}");
    let mut url = url::Url::parse(value.trim()).map_err(|e| bad(format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("is not an http(s) address with a host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "has a query or fragment; give the base address only".into()
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// What a process's app-database pool is shared by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolUse {
    /// Requests (and one-off commands) only: `serve --role api`.
    Requests,
    /// Requests and the job workers, which hold a connection per running job.
    RequestsAndJobs,
}

/// Connections per core of the database's host: enough to keep its cores busy while some
/// sessions wait on the network or a WAL flush, few enough that they do not take turns at the
/// CPU and PostgreSQL's shared locks. Measured on two cores (bench/README.md): `api-write` at 8
/// connections had p99 40–47 ms against 51–71 at 20, and a 6 % higher mean rate.
const CONNECTIONS_PER_DATABASE_CORE: u32 = 4;

/// The pool a process with an external database (`DATABASE_URL`) gets: that server's cores are
/// not known here, and behind PgBouncer these are client connections, not server ones.
const EXTERNAL_MAIN_POOL: u32 = 20;

impl Settings {
    /// The app database's pool: `COMPLY360_DB_POOL_MAIN` if set. Otherwise, with the embedded
    /// cluster, whose PostgreSQL shares this machine's cores, four connections per core, plus
    /// one per concurrent job where this process runs the workers (so that running jobs never
    /// take the requests' connections); with an external database, 20.
    pub fn main_pool_size(&self, cores: usize, pool_use: PoolUse) -> u32 {
        if let Some(n) = self.db_pool_main {
            return n;
        }
        if self.database_url.is_some() {
            return EXTERNAL_MAIN_POOL;
        }
        let cores = u32::try_from(cores.max(1)).unwrap_or(u32::MAX);
        let jobs = match pool_use {
            PoolUse::Requests => 0,
            PoolUse::RequestsAndJobs => u32::try_from(self.jobs_concurrency).unwrap_or(u32::MAX),
        };
        CONNECTIONS_PER_DATABASE_CORE
            .saturating_mul(cores)
            .saturating_add(jobs)
    }

    /// The HTTP layer's settings; `port` is where `serve` listens.
    pub fn http(&self) -> comply360_api::HttpSettings {
        comply360_api::HttpSettings {
            base_domain: self.base_domain.clone(),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            max_body_bytes: self.max_body_bytes,
            // Both were checked in `load`.
            api_quota: self
                .rate_limit_api
                .parse()
                .unwrap_or(Quota::per_second(100, 200)),
            signin_quota: self
                .rate_limit_signin
                .parse()
                .unwrap_or(Quota::per_minute(1, 10)),
            trust_proxy: self.trust_proxy,
            metrics_tenant_labels: self.metrics_tenant_labels,
            response_cache_bytes: self.response_cache_mib.saturating_mul(1024 * 1024),
        }
    }

    /// Where the payment providers are: PayFast's and Stripe's real hosts unless
    /// `payfast_url` / `stripe_api_url` say otherwise. A bad value is an error naming the
    /// setting, with an example.
    pub fn payment_endpoints(&self) -> anyhow::Result<Endpoints> {
        let mut endpoints = Endpoints::production()
            .map_err(|e| anyhow::anyhow!("the providers' built-in addresses: {e}"))?;
        if let Some(url) = &self.payfast_url {
            let base = base_url("COMPLY360_PAYFAST_URL", url, "http://127.0.0.1:8791/")?;
            endpoints.payfast_live = base.clone();
            endpoints.payfast_sandbox = base.clone();
            endpoints.payfast_api = base;
        }
        endpoints.stripe_api = base_url(
            "COMPLY360_STRIPE_API_URL",
            &self.stripe_api_url,
            comply360_integrations::stripe::API_BASE,
        )?;
        let hosts: Vec<String> = self
            .payfast_itn_hosts
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        if let Some(bad) = hosts.iter().find(|h| {
            !h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        }) {
            anyhow::bail!(
                "COMPLY360_PAYFAST_ITN_HOSTS: {bad:?} is not a host name; give host names separated by commas, e.g. {}",
                comply360_integrations::payfast::ITN_HOSTS.join(",")
            );
        }
        anyhow::ensure!(
            !hosts.is_empty(),
            "COMPLY360_PAYFAST_ITN_HOSTS is empty, so no PayFast notification would be accepted; e.g. {}",
            comply360_integrations::payfast::ITN_HOSTS.join(",")
        );
        endpoints.payfast_itn_hosts = hosts;
        Ok(endpoints)
    }

    /// The platform's own Stripe account, when both its keys are set (one without the other
    /// is an error naming the missing one).
    pub fn platform_stripe(&self) -> anyhow::Result<Option<StripeConfig>> {
        match (
            &self.platform_stripe_secret_key,
            &self.platform_stripe_webhook_secret,
        ) {
            (None, None) => Ok(None),
            (Some(key), Some(hook)) => {
                let mut config = StripeConfig::live(key.clone(), hook.clone())
                    .map_err(|e| anyhow::anyhow!("the platform's Stripe: {e}"))?;
                config.api_base = base_url(
                    "COMPLY360_STRIPE_API_URL",
                    &self.stripe_api_url,
                    comply360_integrations::stripe::API_BASE,
                )?;
                Ok(Some(config))
            }
            (Some(_), None) => anyhow::bail!(
                "COMPLY360_PLATFORM_STRIPE_SECRET_KEY is set but COMPLY360_PLATFORM_STRIPE_WEBHOOK_SECRET is not; set both (the webhook secret starts whsec_) or neither"
            ),
            (None, Some(_)) => anyhow::bail!(
                "COMPLY360_PLATFORM_STRIPE_WEBHOOK_SECRET is set but COMPLY360_PLATFORM_STRIPE_SECRET_KEY is not; set both (the key starts sk_) or neither"
            ),
        }
    }

    pub fn identity(&self, port: u16) -> IdentitySettings {
        IdentitySettings {
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
            access_ttl: Duration::from_secs(self.access_token_ttl_secs),
            refresh_ttl: Duration::from_secs(self.refresh_token_ttl_secs),
            reset_ttl: Duration::from_secs(self.password_reset_ttl_secs),
            invite_ttl: Duration::from_secs(self.invitation_ttl_secs),
            lockout_threshold: self.lockout_threshold,
            lockout_duration: Duration::from_secs(self.lockout_secs),
            hash: HashParams {
                memory_kib: self.argon2_memory_kib,
                iterations: self.argon2_iterations,
                parallelism: self.argon2_parallelism,
            },
            portal_url: self
                .portal_url
                .clone()
                .unwrap_or_else(|| format!("http://{{tenant}}.{}:{port}", self.base_domain)),
            ..IdentitySettings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_pool_follows_the_database_cores_and_who_shares_it() {
        let embedded = Settings::default();
        assert_eq!(embedded.main_pool_size(2, PoolUse::Requests), 8);
        assert_eq!(embedded.main_pool_size(2, PoolUse::RequestsAndJobs), 16);
        assert_eq!(embedded.main_pool_size(16, PoolUse::Requests), 64);
        assert_eq!(embedded.main_pool_size(0, PoolUse::Requests), 4);
        let external = Settings {
            database_url: Some(Secret::new("postgres://db.internal/comply360")),
            ..Settings::default()
        };
        assert_eq!(external.main_pool_size(2, PoolUse::Requests), 20);
        assert_eq!(external.main_pool_size(64, PoolUse::RequestsAndJobs), 20);
        for settings in [embedded, external] {
            let set = Settings {
                db_pool_main: Some(5),
                ..settings
            };
            assert_eq!(set.main_pool_size(2, PoolUse::RequestsAndJobs), 5);
        }
    }
}
