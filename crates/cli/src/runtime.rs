//! Opening the store the way the settings say: the embedded cluster, or `DATABASE_URL`.

use crate::cli::GlobalArgs;
use crate::settings::{PoolUse, Settings};
use anyhow::Context;
use comply360_store::bootstrap::RolePasswords;
use comply360_store::connect::{ServerAddress, ServerUrl};
use comply360_store::embedded::{EmbeddedCluster, EmbeddedOptions};
use comply360_store::namespace::LockPolicy;
use comply360_store::pools::PoolLimits;
use comply360_store::{EMBEDDED_ADMIN_ROLE, Store, StoreSettings};
use std::time::Duration;

pub struct Runtime {
    pub settings: Settings,
    pub store: Store,
    cluster: Option<EmbeddedCluster>,
}

impl Runtime {
    /// `maintenance`: listen for catalog changes and sweep pools (long-running commands).
    pub async fn open(global: &GlobalArgs, maintenance: bool) -> anyhow::Result<Runtime> {
        Runtime::open_for(global, maintenance, PoolUse::RequestsAndJobs).await
    }

    /// As [`Runtime::open`], for a process whose pool `pool_use` says who shares (its size,
    /// unless set, follows from that: [`Settings::main_pool_size`]).
    pub async fn open_for(
        global: &GlobalArgs,
        maintenance: bool,
        pool_use: PoolUse,
    ) -> anyhow::Result<Runtime> {
        let settings = Settings::load(global)?;
        let pool = settings.main_pool_size(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
            pool_use,
        );
        let (mut store_settings, cluster) = match &settings.database_url {
            Some(url) => (external(&settings, url.expose())?, None),
            None => {
                let mut opts = EmbeddedOptions::new(&settings.data_dir);
                opts.bin_dir = settings.pg_bin_dir.clone();
                opts.max_connections = settings.pg_max_connections;
                let cluster = EmbeddedCluster::start(&opts).await?;
                let mut s = StoreSettings::new(cluster.address(), EMBEDDED_ADMIN_ROLE);
                apply(&settings, &mut s)?;
                (s, Some(cluster))
            }
        };
        store_settings.main_pool_size = pool;
        let store_settings = StoreSettings {
            maintenance,
            ..store_settings
        };
        match Store::open(store_settings).await {
            Ok(store) => Ok(Runtime {
                settings,
                store,
                cluster,
            }),
            Err(err) => {
                if let Some(c) = cluster {
                    let _ = c.release().await;
                }
                Err(err.into())
            }
        }
    }

    /// Closes pools, then leaves the embedded cluster (stopping it if no other process uses it).
    pub async fn close(self) -> anyhow::Result<()> {
        self.store.close().await;
        if let Some(c) = self.cluster {
            c.release().await?;
        }
        Ok(())
    }

    pub fn base_domain(&self) -> &str {
        &self.settings.base_domain
    }
}

fn external(settings: &Settings, url: &str) -> anyhow::Result<StoreSettings> {
    let url = ServerUrl::parse(url, "DATABASE_URL")?;
    let mut s = StoreSettings::new(url.address, url.user);
    s.admin_password = url.password.map(comply360_domain::Secret::from);
    s.admin_database = url.database;
    apply(settings, &mut s)?;
    Ok(s)
}

fn apply(settings: &Settings, s: &mut StoreSettings) -> anyhow::Result<()> {
    s.app_database = settings.app_database.clone();
    s.database_prefix = settings.database_prefix.clone();
    s.passwords = RolePasswords {
        owner: settings.db_owner_password.clone(),
        app: settings.db_app_password.clone(),
    };
    s.app_proxy = settings
        .app_db_proxy
        .as_deref()
        .map(|p| {
            let (host, port) = p
                .rsplit_once(':')
                .context("COMPLY360_APP_DB_PROXY must be host:port")?;
            let port = port
                .parse::<u16>()
                .context("COMPLY360_APP_DB_PROXY port must be a number")?;
            Ok::<_, anyhow::Error>(ServerAddress {
                host: host.to_owned(),
                port,
            })
        })
        .transpose()?;
    s.limits = PoolLimits {
        budget: settings.db_pool_budget,
        per_database: settings.db_pool_per_database,
        idle_timeout: Duration::from_secs(settings.db_pool_idle_secs),
        acquire_timeout: Duration::from_secs(10),
    };
    s.cache_ttl = Duration::from_secs(settings.placement_cache_ttl_secs);
    s.locks = LockPolicy {
        lock_timeout: Duration::from_millis(settings.migrate_lock_timeout_ms),
        retries: settings.migrate_lock_retries,
    };
    Ok(())
}
