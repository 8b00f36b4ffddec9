//! Opening the store the way the settings say: the embedded cluster, or `DATABASE_URL`.

use crate::cli::GlobalArgs;
use crate::settings::Settings;
use anyhow::Context;
use comply360_store::bootstrap::RolePasswords;
use comply360_store::connect::ServerAddress;
use comply360_store::embedded::{EmbeddedCluster, EmbeddedOptions};
use comply360_store::namespace::LockPolicy;
use comply360_store::pools::PoolLimits;
use comply360_store::{EMBEDDED_ADMIN_ROLE, Store, StoreSettings};
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;
use std::time::Duration;

pub struct Runtime {
    pub settings: Settings,
    pub store: Store,
    cluster: Option<EmbeddedCluster>,
}

impl Runtime {
    /// `maintenance`: listen for catalog changes and sweep pools (long-running commands).
    pub async fn open(global: &GlobalArgs, maintenance: bool) -> anyhow::Result<Runtime> {
        let settings = Settings::load(global)?;
        let (store_settings, cluster) = match &settings.database_url {
            Some(url) => (external(&settings, url)?, None),
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
    anyhow::ensure!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "DATABASE_URL must be a postgres://user:password@host:port/database URL"
    );
    let opts = PgConnectOptions::from_str(url).map_err(|e| {
        anyhow::anyhow!(
            "DATABASE_URL is not a valid postgres://user:password@host:port/database URL: {e}"
        )
    })?;
    let host = match opts.get_socket() {
        Some(dir) => dir.display().to_string(),
        None => opts.get_host().to_owned(),
    };
    let mut s = StoreSettings::new(
        ServerAddress {
            host,
            port: opts.get_port(),
        },
        opts.get_username(),
    );
    s.admin_password = password_of(url)?;
    s.admin_database = opts.get_database().unwrap_or("postgres").to_owned();
    apply(settings, &mut s)?;
    Ok(s)
}

/// sqlx keeps the password private; read it from the URL ourselves.
fn password_of(url: &str) -> anyhow::Result<Option<String>> {
    let parsed = url::Url::parse(url).context("DATABASE_URL is not a valid URL")?;
    Ok(parsed.password().map(|pw| {
        percent_encoding::percent_decode_str(pw)
            .decode_utf8_lossy()
            .into_owned()
    }))
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
    s.main_pool_size = settings.db_pool_main;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_read_from_urls() {
        assert_eq!(
            password_of("postgres://u:p%40ss@h:5432/db")
                .unwrap()
                .as_deref(),
            Some("p@ss")
        );
        assert_eq!(password_of("postgres://u@h/db").unwrap(), None);
        assert_eq!(password_of("postgres://h/db").unwrap(), None);
    }
}
