//! Resolving tenants and opening their transactions.
//!
//! [`TenantTx`] is the only handle through which tenant tables are reached (DESIGN.md rule 5):
//! it can only be built by [`Tenancy::begin`] from a [`Tenant`], and a `Tenant` can only come
//! from the catalog. Its transaction starts with `BEGIN` and the transaction-local
//! `search_path` and `app.tenant_id` in the same round trip (rule 4), so no context outlives it,
//! even behind PgBouncer in transaction mode.

use crate::catalog::{self, TenantRecord};
use crate::connect::ServerAddress;
use crate::pools::{PoolKey, PoolRegistry, PoolStats};
use crate::{APP_ROLE, StoreError, quote_ident, quote_literal};
use comply360_domain::{
    IsolationMode, ProvisioningState, Secret, ServerId, TenantId, TenantStatus,
};
use sqlx::postgres::PgPoolOptions;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{FromRow, PgConnection, PgPool, Postgres, Transaction};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A tenant as resolved from the catalog. It has no public constructor: holding one proves the
/// catalog was asked.
#[derive(Debug, Clone)]
pub struct Tenant {
    record: TenantRecord,
}

impl Tenant {
    pub fn id(&self) -> TenantId {
        self.record.id
    }
    pub fn slug(&self) -> &str {
        &self.record.slug
    }
    pub fn name(&self) -> &str {
        &self.record.name
    }
    pub fn mode(&self) -> IsolationMode {
        self.record.mode
    }
    pub fn status(&self) -> TenantStatus {
        self.record.status
    }
    pub fn record(&self) -> &TenantRecord {
        &self.record
    }
    /// Whether requests for this tenant may be served: refused while suspended or while
    /// provisioning is unfinished. The one place that rule lives.
    pub fn ensure_servable(&self) -> Result<(), StoreError> {
        if self.record.status == TenantStatus::Suspended {
            return Err(StoreError::Suspended {
                slug: self.record.slug.clone(),
            });
        }
        if self.record.placement.state != ProvisioningState::Active {
            return Err(StoreError::NotProvisioned {
                slug: self.record.slug.clone(),
                state: self.record.placement.state.to_string(),
            });
        }
        Ok(())
    }
}

/// A transaction inside one tenant's namespace with its context set. Dropping it rolls back.
///
/// Build queries with [`TenantTx::query`] (and `query_as`, `query_scalar`) rather than
/// `sqlx::query`: behind PgBouncer in transaction mode they use unnamed statements, because a
/// named one would outlive the transaction on a server connection another client gets next.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant_id: TenantId,
    persistent: bool,
    /// Where the job workers listen when this transaction runs in another database (a
    /// database-mode tenant): NOTIFY is per database, so the wake-up is sent there after
    /// the commit. `None` when the transaction already runs in the app database.
    wake_via: Option<PgPool>,
    wake_requested: bool,
}

/// Whether a commit waits for its WAL to reach disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Durability {
    Flushed,
    Relaxed,
}

/// The channel job workers LISTEN on in the app database; the payload is a tenant id.
pub const JOBS_CHANNEL: &str = "c360_jobs";

impl TenantTx {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// Whether statements may be prepared by name (false behind PgBouncer).
    pub fn persistent(&self) -> bool {
        self.persistent
    }

    pub fn query<'q>(&self, sql: &'q str) -> Query<'q, Postgres, PgArguments> {
        sqlx::query(sql).persistent(self.persistent)
    }

    pub fn query_as<'q, O>(&self, sql: &'q str) -> QueryAs<'q, Postgres, O, PgArguments>
    where
        O: for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_as(sql).persistent(self.persistent)
    }

    pub fn query_scalar<'q, O>(&self, sql: &'q str) -> QueryScalar<'q, Postgres, O, PgArguments>
    where
        (O,): for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_scalar(sql).persistent(self.persistent)
    }

    /// The connection, for repository functions. Queries should still filter on
    /// `tenant_id = $1` so indexes are used; RLS is the guard, not the filter.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Wakes the job workers once this transaction commits (and never if it rolls back).
    /// In the app database the NOTIFY is part of the transaction; for a tenant database it
    /// is sent to the app database right after the commit. A lost wake-up only delays the
    /// work until the workers' next sweep.
    pub async fn wake_workers_on_commit(&mut self) -> Result<(), StoreError> {
        if self.wake_requested {
            return Ok(());
        }
        self.wake_requested = true;
        if self.wake_via.is_none() {
            let tenant = self.tenant_id.to_string();
            self.query("SELECT pg_notify($1, $2)")
                .bind(JOBS_CHANNEL)
                .bind(tenant)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Commits, to completion even if the caller is dropped meanwhile (see [`crate::txn`]).
    pub async fn commit(self) -> Result<(), StoreError> {
        crate::txn::to_completion(async move {
            self.tx.commit().await?;
            if let (true, Some(pool)) = (self.wake_requested, &self.wake_via) {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(JOBS_CHANNEL)
                    .bind(self.tenant_id.to_string())
                    .execute(pool)
                    .await;
                if let Err(err) = sent {
                    tracing::debug!(error = %err, tenant = %self.tenant_id, "job wake-up not sent; the sweep will find the work");
                }
            }
            Ok(())
        })
        .await
    }

    /// Rolls back (dropping a `TenantTx` rolls back too, without waiting for the answer).
    pub async fn rollback(self) -> Result<(), StoreError> {
        crate::txn::rollback(self.tx).await
    }
}

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

struct Cached {
    tenant: Arc<Tenant>,
    at: Instant,
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
    stop: CancellationToken,
    maintenance: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Cheap to clone; shared by every request handler.
#[derive(Clone)]
pub struct Tenancy {
    inner: Arc<Inner>,
}

impl Tenancy {
    pub fn new(config: TenancyConfig, primary: ServerId, direct: ServerAddress) -> Tenancy {
        let catalog = PgPoolOptions::new()
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
        let main = PgPoolOptions::new()
            .max_connections(config.main_pool_size)
            .min_connections(0)
            .idle_timeout(Some(config.limits.idle_timeout))
            .acquire_timeout(config.limits.acquire_timeout)
            .connect_lazy_with(opts);
        let registry = PoolRegistry::new(config.limits);
        Tenancy {
            inner: Arc::new(Inner {
                config,
                main,
                catalog,
                registry,
                primary,
                servers: Mutex::new(HashMap::new()),
                cache: Mutex::new(HashMap::new()),
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

    pub fn pool_stats(&self) -> PoolStats {
        self.inner.registry.stats()
    }

    /// Resolves a slug through the cache; misses and expired entries read the catalog.
    pub async fn resolve(&self, slug: &str) -> Result<Arc<Tenant>, StoreError> {
        if let Some(hit) = self.cached(slug) {
            return Ok(hit);
        }
        let record = catalog::require_tenant(&self.inner.catalog, slug).await?;
        let tenant = Arc::new(Tenant { record });
        self.lock_cache().insert(
            slug.to_owned(),
            Cached {
                tenant: tenant.clone(),
                at: Instant::now(),
            },
        );
        Ok(tenant)
    }

    /// Resolves a tenant by id (job workers hear ids, not slugs), through the same cache.
    pub async fn resolve_id(&self, id: TenantId) -> Result<Arc<Tenant>, StoreError> {
        let hit = {
            let cache = self.lock_cache();
            cache
                .values()
                .find(|c| c.tenant.id() == id && c.at.elapsed() < self.inner.config.cache_ttl)
                .map(|c| c.tenant.clone())
        };
        if let Some(hit) = hit {
            return Ok(hit);
        }
        let record = catalog::tenant_by_id(&self.inner.catalog, id)
            .await?
            .ok_or_else(|| StoreError::UnknownTenant(id.to_string()))?;
        let tenant = Arc::new(Tenant { record });
        self.lock_cache().insert(
            tenant.slug().to_owned(),
            Cached {
                tenant: tenant.clone(),
                at: Instant::now(),
            },
        );
        Ok(tenant)
    }

    /// Every tenant that may be served now (active and fully provisioned), fresh from the
    /// catalog: what the job workers sweep.
    pub async fn servable_tenants(&self) -> Result<Vec<Arc<Tenant>>, StoreError> {
        let records = catalog::list_tenants(&self.inner.catalog).await?;
        Ok(records
            .into_iter()
            .map(|record| Arc::new(Tenant { record }))
            .filter(|t| t.ensure_servable().is_ok())
            .collect())
    }

    fn cached(&self, slug: &str) -> Option<Arc<Tenant>> {
        let cache = self.lock_cache();
        cache
            .get(slug)
            .filter(|c| c.at.elapsed() < self.inner.config.cache_ttl)
            .map(|c| c.tenant.clone())
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drops a tenant from the cache (called on NOTIFY, and by writers in this process).
    pub fn invalidate(&self, id: TenantId) {
        self.lock_cache().retain(|_, c| c.tenant.id() != id);
    }

    pub fn invalidate_all(&self) {
        self.lock_cache().clear();
    }

    /// Opens a transaction in the tenant's namespace. Suspended or unprovisioned tenants are
    /// refused.
    pub async fn begin(&self, tenant: &Tenant) -> Result<TenantTx, StoreError> {
        tenant.ensure_servable()?;
        self.begin_record_with(&tenant.record, Durability::Flushed)
            .await
    }

    /// A transaction whose commit does not wait for the WAL flush (`synchronous_commit =
    /// off`, in the same round trip as BEGIN). Only for work that is safe to lose in a server
    /// crash because it is redone: the job queue's claims and completions, whose effects
    /// commit with them, so a lost completion is a job that runs again, inbox and all.
    /// Never for a user's change (nor the events it emits).
    pub async fn begin_relaxed(&self, tenant: &Tenant) -> Result<TenantTx, StoreError> {
        tenant.ensure_servable()?;
        self.begin_record_with(&tenant.record, Durability::Relaxed)
            .await
    }

    /// For provisioning, which must write into a tenant that is not active yet.
    pub(crate) async fn begin_record(&self, record: &TenantRecord) -> Result<TenantTx, StoreError> {
        self.begin_record_with(record, Durability::Flushed).await
    }

    async fn begin_record_with(
        &self,
        record: &TenantRecord,
        durability: Durability,
    ) -> Result<TenantTx, StoreError> {
        let pool = self.pool_for(record).await?;
        let begin = format!(
            "BEGIN; SELECT set_config('search_path', {}, true), set_config('app.tenant_id', {}, true){}",
            quote_literal(&quote_ident(&record.placement.schema)),
            quote_literal(&record.id.to_string()),
            match durability {
                Durability::Flushed => "",
                Durability::Relaxed => ", set_config('synchronous_commit', 'off', true)",
            }
        );
        // Not `pool.begin_with`: a caller dropped while it waits for the answer would leave
        // the connection inside a transaction sqlx does not know of (see `crate::txn`).
        let tx = crate::txn::begin(&pool, Some(begin)).await?;
        Ok(TenantTx {
            tx,
            tenant_id: record.id,
            persistent: !self.inner.config.behind_pgbouncer,
            wake_via: record
                .placement
                .database
                .as_ref()
                .map(|_| self.inner.catalog.clone()),
            wake_requested: false,
        })
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

    /// Listens for catalog changes and keeps the cache honest; also closes idle pools. The
    /// listener needs a session of its own, so it connects directly (never via PgBouncer).
    pub fn spawn_maintenance(&self, listen: sqlx::postgres::PgConnectOptions) {
        let this = self.clone();
        let handle = tokio::spawn(async move { this.maintenance_loop(listen).await });
        let mut slot = self
            .inner
            .maintenance
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some(handle);
    }

    async fn maintenance_loop(self, listen: sqlx::postgres::PgConnectOptions) {
        use crate::listen::{Heard, Listener};
        // The payload is a tenant id, or anything else for "forget every tenant".
        let mut listener = Listener::new(
            "catalog listener",
            listen,
            &["c360_catalog"],
            self.inner.stop.clone(),
        );
        let mut sweep = tokio::time::interval(Duration::from_secs(30));
        loop {
            tokio::select! {
                _ = sweep.tick() => {
                    self.inner.registry.close_idle();
                }
                heard = listener.next() => match heard {
                    // The listener closed its connection: the tenancy is closing.
                    None => return,
                    Some(Heard::Notification { payload, .. }) => match payload.parse::<TenantId>() {
                        Ok(id) => self.invalidate(id),
                        Err(_) => self.invalidate_all(),
                    },
                    // Anything may have changed while we were not listening: forget everything.
                    Some(Heard::Connected | Heard::Lost) => self.invalidate_all(),
                },
            }
        }
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
