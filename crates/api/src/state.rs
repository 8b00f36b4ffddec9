//! What every handler shares: the process's services ([`AppState`]) and the HTTP settings.
//! Handlers import this, never the route table, so no module of `api` depends on the one that
//! lists them all.

use crate::metrics::traffic::TenantLabels;
use crate::responses::Responses;
use comply360_documents::Documents;
use comply360_identity::Identity;
use comply360_identity::ratelimit::{Quota, RateLimiter};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::Outbox;
use comply360_payments::Payments;
use comply360_payments::platform::PlatformBilling;
use comply360_store::Store;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Tenants are `<slug>.<base_domain>`.
    pub base_domain: String,
    pub request_timeout: Duration,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests per tenant to the API (token bucket).
    pub api_quota: Quota,
    /// Sign-in attempts per client IP and account.
    pub signin_quota: Quota,
    /// Whether a proxy in front sets `X-Forwarded-For`/`X-Forwarded-Proto` (then the client
    /// IP and TLS are taken from them; never enable it when clients reach the app directly).
    pub trust_proxy: bool,
    /// Agencies with a `tenant` label of their own on the request metrics (the busiest);
    /// the rest are `other`.
    pub metrics_tenant_labels: usize,
    /// Bytes of list answers kept by the agencies' data versions (`crate::responses`); 0
    /// keeps none.
    pub response_cache_bytes: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            base_domain: "localhost".into(),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            api_quota: Quota::per_second(100, 200),
            signin_quota: Quota {
                burst: 10,
                per: Duration::from_secs(90),
            },
            trust_proxy: false,
            metrics_tenant_labels: 20,
            response_cache_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The process's services, shared by every request. Handlers, extractors and middleware each
/// take their own handle, several per request, so a handle is one reference count: the
/// services sit behind an `Arc`, read through `Deref`. Changing a field (tests and the
/// `with_*` builders, before serving) is copy-on-write (`Arc::make_mut`), so a handle already
/// given out never sees a change.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Services {
        Arc::make_mut(&mut self.0)
    }
}

/// What an [`AppState`] holds.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub settings: Arc<HttpSettings>,
    /// Circuits of outside systems, shared by every handler and job of this process.
    pub resilience: Resilience,
    /// Where handlers emit events; it knows the subscriptions, so jobs are written with them.
    pub outbox: Outbox,
    /// Sign-in, tokens, RBAC, API keys.
    pub identity: Identity,
    /// Rate limits: in process, or in Redis shared by every replica.
    pub limiter: RateLimiter,
    /// Documents: storage, scanning, extraction (set with [`AppState::with_documents`]).
    pub documents: Option<Documents>,
    /// Online payments: the providers, checkouts and notifications (set with
    /// [`AppState::with_payments`]).
    pub payments: Option<Payments>,
    /// The platform's own billing of agencies (its Stripe account, the grace period).
    pub platform_billing: PlatformBilling,
    /// Which agencies the request metrics name (`crate::metrics::traffic`).
    pub tenant_labels: Arc<TenantLabels>,
    /// List answers kept by the agencies' data versions.
    pub responses: Arc<Responses>,
}

impl AppState {
    pub fn new(
        store: Store,
        settings: HttpSettings,
        outbox: Outbox,
        identity: Identity,
        limiter: RateLimiter,
    ) -> AppState {
        AppState(Arc::new(Services {
            store,
            tenant_labels: Arc::new(TenantLabels::new(settings.metrics_tenant_labels)),
            responses: Arc::new(Responses::new(settings.response_cache_bytes)),
            settings: Arc::new(settings),
            resilience: Resilience::new(CallPolicy::default()),
            outbox,
            identity,
            limiter,
            documents: None,
            payments: None,
            platform_billing: PlatformBilling::new(
                None,
                Resilience::new(CallPolicy::default()),
                reqwest::Client::new(),
                14,
            ),
        }))
    }

    pub fn with_documents(mut self, documents: Documents) -> AppState {
        self.documents = Some(documents);
        self
    }

    pub fn with_payments(mut self, payments: Payments) -> AppState {
        self.payments = Some(payments);
        self
    }

    pub fn with_platform_billing(mut self, billing: PlatformBilling) -> AppState {
        self.platform_billing = billing;
        self
    }

    pub fn with_resilience(mut self, resilience: Resilience) -> AppState {
        self.resilience = resilience;
        self
    }
}

/// Which routes a process serves: the API, or only the operational ones (a worker replica
/// still answers health checks and metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Surface {
    #[default]
    Api,
    OpsOnly,
}
