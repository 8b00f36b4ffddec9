//! Resolving tenants and opening their transactions.
//!
//! [`TenantTx`] is the only handle through which tenant tables are reached (DESIGN.md rule 5):
//! it can only be built by [`Tenancy::begin`] from a [`Tenant`], and a `Tenant` can only come
//! from the catalog. Its transaction starts with `BEGIN` and the transaction-local
//! `search_path` and `app.tenant_id` in the same round trip (rule 4), so no context outlives it,
//! even behind PgBouncer in transaction mode.
//!
//! The parts: [`Tenant`] (`tenant`), the cache that resolves tenants (and holds the business
//! calendar with the declared holidays) and the NOTIFY listener that keeps it honest (`cache`), [`TenantTx`] and how a transaction is opened (`tx`); this
//! module holds [`Tenancy`] itself and its pools.

mod cache;
mod filtered;
mod tenant;
mod tx;
mod wakes;

pub use filtered::Filtered;
pub use tenant::Tenant;
pub use tx::{DataVersion, JOBS_CHANNEL, TenantTx};

use crate::catalog::TenantRecord;
use crate::connect::ServerAddress;
use crate::pools::{PoolKey, PoolRegistry, PoolStats};
use crate::{APP_ROLE, StoreError};
use cache::Cached;
use comply360_domain::calendar::BusinessCalendar;
use comply360_domain::{Secret, ServerId};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug)]
pub struct TenancyConfig {
    /// Where app-role connections go (the server, or a PgBouncer in front of it).
    pub app_address: ServerAddress,
    pub app_password: Option<Secret>,
    pub app_database: String,
    /// Connections of the app database's pool (pooled and schema tenants, catalog reads).
    pub main_pool_size: u32,
    /// PgBouncer in transaction mode cannot keep named prepared statements.
    pub behind_pgbouncer: bool,
    pub cache_ttl: Duration,
    pub limits: crate::pools::PoolLimits,
}

struct Inner {
    config: TenancyConfig,
    /// App role on the app database, through the proxy if any: tenant transactions.
    main: PgPool,
    /// App role on the app database, always direct: catalog reads (statement cache on).
    catalog: PgPool,
    registry: PoolRegistry,
    primary: ServerId,
    /// Addresses of non-primary servers, for database-mode tenants (app role).
    servers: Mutex<HashMap<ServerId, ServerAddress>>,
    cache: Mutex<HashMap<String, Cached>>,
    /// The business calendar with the platform's declared holidays, as last read, and when.
    calendar: Mutex<Option<(Arc<BusinessCalendar>, std::time::Instant)>>,
    stop: CancellationToken,
    maintenance: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The job workers' wake-ups, sent after commits.
    wakes: Arc<wakes::Wakes>,
}

/// Cheap to clone; shared by every request handler.
#[derive(Clone)]
pub struct Tenancy {
    inner: Arc<Inner>,
}

impl Tenancy {
    pub fn new(config: TenancyConfig, primary: ServerId, direct: ServerAddress) -> Tenancy {
        let catalog = crate::connect::pool_options()
            .max_connections(4)
            .min_connections(0)
            .idle_timeout(Some(config.limits.idle_timeout))
            .acquire_timeout(config.limits.acquire_timeout)
            .connect_lazy_with(direct.options(
                APP_ROLE,
                config.app_password.as_ref().map(Secret::expose),
                &config.app_database,
            ));
        let mut opts = config.app_address.options(
            APP_ROLE,
            config.app_password.as_ref().map(Secret::expose),
            &config.app_database,
        );
        if config.behind_pgbouncer {
            opts = opts.statement_cache_capacity(0);
        }
        let main = crate::connect::pool_options()
            .max_connections(config.main_pool_size)
            .min_connections(0)
            .idle_timeout(Some(config.limits.idle_timeout))
            .acquire_timeout(config.limits.acquire_timeout)
            .connect_lazy_with(opts);
        let registry = PoolRegistry::new(config.limits);
        let wakes = wakes::Wakes::new(catalog.clone());
        Tenancy {
            inner: Arc::new(Inner {
                config,
                main,
                catalog,
                wakes,
                registry,
                primary,
                servers: Mutex::new(HashMap::new()),
                cache: Mutex::new(HashMap::new()),
                calendar: Mutex::new(None),
                stop: CancellationToken::new(),
                maintenance: Mutex::new(None),
            }),
        }
    }

    /// The app-role pool on the app database. Holds no tenant context; used for catalog reads
    /// and health checks, and by the isolation tests to prove it sees no tenant rows.
    pub fn app_pool(&self) -> &PgPool {
        &self.inner.main
    }

    /// How many connections one agency's transactions can draw on at once: its own database's
    /// pool in database mode, else the app database's pool that pooled and schema agencies
    /// share.
    pub fn connections_for(&self, tenant: &Tenant) -> u32 {
        match tenant.mode() {
            comply360_domain::IsolationMode::Database => self.inner.config.limits.per_database,
            _ => self.inner.config.main_pool_size,
        }
    }

    /// Every pool's connections: the app database's (pooled and schema agencies) first, then
    /// each database-mode agency's open pool.
    pub fn pool_gauges(&self) -> Vec<crate::pools::PoolGauge> {
        let mut gauges = vec![crate::pools::PoolGauge::of(
            self.inner.primary,
            &self.inner.config.app_database,
            &self.inner.main,
        )];
        gauges.extend(self.inner.registry.gauges());
        gauges
    }

    /// Agencies by isolation mode and status (see [`crate::catalog::tenant_counts`]).
    pub async fn tenant_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        crate::catalog::tenant_counts(&self.inner.catalog).await
    }

    pub fn pool_stats(&self) -> PoolStats {
        self.inner.registry.stats()
    }

    async fn pool_for(&self, record: &TenantRecord) -> Result<PgPool, StoreError> {
        let Some(database) = &record.placement.database else {
            return Ok(self.inner.main.clone());
        };
        let server = record.placement.server_id;
        let key = PoolKey {
            server,
            database: database.clone(),
        };
        let address = self.app_address_of(server)?;
        let cfg = &self.inner.config;
        self.inner
            .registry
            .get(&key, || {
                let opts = address.options(
                    APP_ROLE,
                    cfg.app_password.as_ref().map(Secret::expose),
                    database,
                );
                if cfg.behind_pgbouncer {
                    opts.statement_cache_capacity(0)
                } else {
                    opts
                }
            })
            .await
    }

    fn app_address_of(&self, server: ServerId) -> Result<ServerAddress, StoreError> {
        if server == self.inner.primary {
            return Ok(self.inner.config.app_address.clone());
        }
        let servers = self
            .inner
            .servers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        servers.get(&server).cloned().ok_or_else(|| {
            StoreError::Invalid(format!("server {server} is not known to this process"))
        })
    }

    /// Makes a registered server's address known (done at start-up and after `server add`).
    pub fn register_server(&self, id: ServerId, address: ServerAddress) {
        let mut servers = self
            .inner
            .servers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        servers.insert(id, address);
    }

    pub async fn close_database_pool(&self, server: ServerId, database: &str) {
        self.inner
            .registry
            .close(&PoolKey {
                server,
                database: database.to_owned(),
            })
            .await;
    }

    /// Stops the listener (and waits for it to close its connection), then closes every pool.
    pub async fn close(&self) {
        self.inner.stop.cancel();
        let handle = self
            .inner
            .maintenance
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = handle.await;
        }
        self.inner.registry.close_all().await;
        self.inner.main.close().await;
        self.inner.catalog.close().await;
    }

    /// The direct app-role pool for catalog reads and health checks.
    pub fn catalog_pool(&self) -> &PgPool {
        &self.inner.catalog
    }
}
