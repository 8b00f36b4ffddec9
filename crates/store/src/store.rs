//! [`Store`]: the opened database side of Comply360 — bootstrapped, control plane migrated,
//! pooled namespace present — and the handles the rest of the program uses.

use crate::bootstrap::{RolePasswords, bootstrap_server, lock_down_database};
use crate::catalog::{self, ServerRecord};
use crate::connect::{ServerAddress, connect_once};
use crate::control::{control_version, migrate_control};
use crate::migrations::MigrationSet;
use crate::namespace::{LockPolicy, create_schema, migrate_schema};
use crate::pools::PoolLimits;
use crate::tenancy::{Tenancy, TenancyConfig};
use crate::{OWNER_ROLE, POOLED_SCHEMA, StoreError};
use comply360_domain::Secret;
use comply360_domain::ServerId;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Everything the store needs to know, read once at start-up by the binary.
#[derive(Clone, Debug)]
pub struct StoreSettings {
    /// The primary server: the embedded cluster or the `DATABASE_URL` host.
    pub primary: ServerAddress,
    /// A user that may create roles and databases (or that finds them already created).
    pub admin_user: String,
    pub admin_password: Option<Secret>,
    /// Database the admin connects to first (`postgres`, or the URL's database).
    pub admin_database: String,
    /// The app database: control plane, pooled namespace and schema-mode namespaces.
    pub app_database: String,
    /// Prefix of database-mode tenant databases (and of the template database).
    pub database_prefix: String,
    pub passwords: RolePasswords,
    /// Send app-role connections here instead (a PgBouncer in transaction mode).
    pub app_proxy: Option<ServerAddress>,
    pub main_pool_size: u32,
    pub limits: PoolLimits,
    pub cache_ttl: Duration,
    pub locks: LockPolicy,
    /// Listen for catalog changes and sweep idle pools (off for one-shot CLI commands).
    pub maintenance: bool,
}

impl StoreSettings {
    pub fn new(primary: ServerAddress, admin_user: impl Into<String>) -> StoreSettings {
        StoreSettings {
            primary,
            admin_user: admin_user.into(),
            admin_password: None,
            admin_database: "postgres".into(),
            app_database: "comply360".into(),
            database_prefix: "c360_t_".into(),
            passwords: RolePasswords::default(),
            app_proxy: None,
            main_pool_size: 20,
            limits: PoolLimits::default(),
            cache_ttl: Duration::from_secs(60),
            locks: LockPolicy::default(),
            maintenance: true,
        }
    }

    pub fn admin_options(&self, database: &str) -> PgConnectOptions {
        self.primary.options(
            &self.admin_user,
            self.admin_password.as_ref().map(Secret::expose),
            database,
        )
    }

    pub fn owner_options(&self, address: &ServerAddress, database: &str) -> PgConnectOptions {
        address.options(
            OWNER_ROLE,
            self.passwords.owner.as_ref().map(Secret::expose),
            database,
        )
    }
}

/// The opened store. Clone is cheap.
#[derive(Clone)]
pub struct Store {
    settings: std::sync::Arc<StoreSettings>,
    owner: PgPool,
    tenancy: Tenancy,
    primary_id: ServerId,
    tenant_migrations: std::sync::Arc<MigrationSet>,
    /// Cancelled by [`Store::close`]: background listeners of other crates stop with it.
    closing: CancellationToken,
}

/// Key of the advisory lock that serialises creating the pooled namespace.
const POOLED_LOCK: i64 = 0x6333_3630_706f_6f6c;

impl Store {
    /// Bootstraps (roles, database), migrates the control plane, registers the primary server
    /// and makes sure the pooled namespace exists.
    pub async fn open(settings: StoreSettings) -> Result<Store, StoreError> {
        Self::open_with(settings, MigrationSet::control(), MigrationSet::tenant()).await
    }

    /// As [`Store::open`], with other migration sets (tests).
    pub async fn open_with(
        settings: StoreSettings,
        control: MigrationSet,
        tenant: MigrationSet,
    ) -> Result<Store, StoreError> {
        bootstrap_server(
            &settings.admin_options(&settings.admin_database),
            &settings.app_database,
            &settings.passwords,
        )
        .await?;
        let owner_opts = settings.owner_options(&settings.primary, &settings.app_database);
        let mut conn = connect_once(&owner_opts).await?;
        lock_down_database(&mut conn, &settings.app_database).await?;
        migrate_control(&mut conn, &control).await?;
        let primary_id = ensure_primary_server(&mut conn).await?;
        ensure_pooled_namespace(&mut conn, primary_id, &tenant, settings.locks).await?;
        conn.close().await?;

        let owner = crate::connect::pool_options()
            .max_connections(10)
            .min_connections(0)
            .idle_timeout(Some(Duration::from_secs(60)))
            .acquire_timeout(Duration::from_secs(30))
            .connect_lazy_with(owner_opts);
        let app_address = settings
            .app_proxy
            .clone()
            .unwrap_or_else(|| settings.primary.clone());
        let tenancy = Tenancy::new(
            TenancyConfig {
                app_address,
                app_password: settings.passwords.app.clone(),
                app_database: settings.app_database.clone(),
                main_pool_size: settings.main_pool_size,
                behind_pgbouncer: settings.app_proxy.is_some(),
                cache_ttl: settings.cache_ttl,
                limits: settings.limits,
            },
            primary_id,
            settings.primary.clone(),
        );
        let store = Store {
            settings: std::sync::Arc::new(settings),
            owner,
            tenancy,
            primary_id,
            tenant_migrations: std::sync::Arc::new(tenant),
            closing: CancellationToken::new(),
        };
        for server in catalog::list_servers(&store.owner).await? {
            if let Some(address) = store.server_address(&server) {
                store.tenancy.register_server(server.id, address);
            }
        }
        if store.settings.maintenance {
            store.tenancy.spawn_maintenance(store.listen_options());
        }
        Ok(store)
    }

    /// The app role on the app database, directly (never through PgBouncer): for LISTEN,
    /// which needs a session of its own.
    pub fn listen_options(&self) -> PgConnectOptions {
        self.settings.primary.options(
            crate::APP_ROLE,
            self.settings.passwords.app.as_ref().map(Secret::expose),
            &self.settings.app_database,
        )
    }

    pub fn tenancy(&self) -> &Tenancy {
        &self.tenancy
    }

    pub fn settings(&self) -> &StoreSettings {
        &self.settings
    }

    /// The owner-role pool on the app database: catalog writes and DDL. Not for tenant data.
    pub fn owner_pool(&self) -> &PgPool {
        &self.owner
    }

    pub fn primary_server_id(&self) -> ServerId {
        self.primary_id
    }

    pub fn tenant_migrations(&self) -> &MigrationSet {
        &self.tenant_migrations
    }

    /// The address of a server as the owner and app roles reach it directly.
    pub fn server_address(&self, server: &ServerRecord) -> Option<ServerAddress> {
        if server.is_primary {
            return Some(self.settings.primary.clone());
        }
        Some(ServerAddress {
            host: server.host.clone()?,
            port: server.port?,
        })
    }

    pub(crate) async fn address_of(&self, server: ServerId) -> Result<ServerAddress, StoreError> {
        if server == self.primary_id {
            return Ok(self.settings.primary.clone());
        }
        let record = catalog::server_by_id(&self.owner, server)
            .await?
            .ok_or_else(|| StoreError::UnknownServer(server.to_string()))?;
        self.server_address(&record)
            .ok_or_else(|| StoreError::UnknownServer(record.name))
    }

    /// An owner connection to one database on one server (migrations, DDL).
    pub async fn owner_connection(
        &self,
        server: ServerId,
        database: Option<&str>,
    ) -> Result<PgConnection, StoreError> {
        let address = self.address_of(server).await?;
        let db = database.unwrap_or(&self.settings.app_database);
        connect_once(&self.settings.owner_options(&address, db)).await
    }

    /// Health: the database answers and migrations are current.
    pub async fn readiness(&self) -> Result<Readiness, StoreError> {
        let mut conn = self.tenancy.catalog_pool().acquire().await?;
        let control = control_version(&mut conn).await?;
        let behind: i64 =
            sqlx::query_scalar("SELECT count(*) FROM control.namespaces WHERE schema_version < $1")
                .bind(self.tenant_migrations.latest())
                .fetch_one(&mut *conn)
                .await?;
        Ok(Readiness {
            control_version: control,
            control_latest: MigrationSet::control().latest(),
            tenant_latest: self.tenant_migrations.latest(),
            namespaces_behind: behind,
        })
    }

    /// Cancelled when the store closes: for background tasks (listeners) that must stop
    /// with it.
    pub fn closing(&self) -> CancellationToken {
        self.closing.child_token()
    }

    pub async fn close(&self) {
        self.closing.cancel();
        self.tenancy.close().await;
        self.owner.close().await;
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Readiness {
    pub control_version: i32,
    pub control_latest: i32,
    pub tenant_latest: i32,
    pub namespaces_behind: i64,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.control_version >= self.control_latest && self.namespaces_behind == 0
    }
}

async fn ensure_primary_server(conn: &mut PgConnection) -> Result<ServerId, StoreError> {
    if let Some(primary) = catalog::primary_server(&mut *conn).await? {
        return Ok(primary.id);
    }
    let id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO control.servers (id, name, is_primary) VALUES ($1, 'primary', true)
         ON CONFLICT (is_primary) WHERE is_primary DO UPDATE SET is_primary = true RETURNING id",
    )
    .bind(ServerId::new().as_uuid())
    .fetch_one(&mut *conn)
    .await?;
    Ok(ServerId::from_uuid(id))
}

/// The pooled namespace is created with the app database; the fleet migrates it afterwards.
async fn ensure_pooled_namespace(
    conn: &mut PgConnection,
    primary: ServerId,
    set: &MigrationSet,
    locks: LockPolicy,
) -> Result<(), StoreError> {
    if catalog::namespace_by_location(&mut *conn, primary, None, POOLED_SCHEMA)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(POOLED_LOCK)
        .execute(&mut *tx)
        .await?;
    if catalog::namespace_by_location(&mut *tx, primary, None, POOLED_SCHEMA)
        .await?
        .is_none()
    {
        create_schema(&mut tx, POOLED_SCHEMA).await?;
        let version = migrate_schema(&mut tx, POOLED_SCHEMA, set, locks).await?;
        catalog::upsert_namespace(&mut *tx, primary, None, POOLED_SCHEMA, "pooled", version)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
