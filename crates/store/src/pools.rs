//! Connection pools per (server, database) for database-mode tenants, within a total budget.
//!
//! Each pool is lazy (`min_connections = 0`) with an idle timeout, so a tenant nobody uses costs
//! no connection. When opening one more pool would exceed the budget, the least recently used
//! pool with no connection checked out is closed first; if every pool is busy the caller gets
//! [`StoreError::PoolBudgetExhausted`] (a retryable 503), never an unbounded connection count.

use crate::StoreError;
use comply360_domain::ServerId;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolKey {
    pub server: ServerId,
    pub database: String,
}

#[derive(Clone, Copy, Debug)]
pub struct PoolLimits {
    /// Connections all registry pools may hold together.
    pub budget: u32,
    /// Connections one database's pool may hold.
    pub per_database: u32,
    /// A pool unused this long is closed by [`PoolRegistry::close_idle`].
    pub idle_timeout: Duration,
    pub acquire_timeout: Duration,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits {
            budget: 60,
            per_database: 5,
            idle_timeout: Duration::from_secs(300),
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

struct Entry {
    pool: PgPool,
    last_used: Instant,
}

pub struct PoolRegistry {
    limits: PoolLimits,
    pools: Mutex<HashMap<PoolKey, Entry>>,
}

/// Counts for metrics and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub pools: usize,
    pub connections: u32,
}

/// One pool's connections now, for `db_pool_connections{server,database,state}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolGauge {
    pub server: ServerId,
    pub database: String,
    pub idle: u32,
    pub in_use: u32,
    /// The most connections the pool may open (saturation is `in_use / max`).
    pub max: u32,
}

impl PoolGauge {
    pub(crate) fn of(server: ServerId, database: &str, pool: &PgPool) -> PoolGauge {
        let size = pool.size();
        let idle = u32::try_from(pool.num_idle()).unwrap_or(size).min(size);
        PoolGauge {
            server,
            database: database.to_owned(),
            idle,
            in_use: size - idle,
            max: pool.options().get_max_connections(),
        }
    }
}

impl PoolRegistry {
    pub fn new(limits: PoolLimits) -> PoolRegistry {
        PoolRegistry {
            limits,
            pools: Mutex::new(HashMap::new()),
        }
    }

    pub fn max_pools(&self) -> usize {
        (self.limits.budget / self.limits.per_database.max(1)).max(1) as usize
    }

    /// The pool for `key`, opened with `options` on first use. When the budget is full and every
    /// pool is busy, waits (up to the acquire timeout) for one to fall idle: a connection being
    /// returned to its pool a moment ago is not yet counted as idle.
    pub async fn get(
        &self,
        key: &PoolKey,
        options: impl Fn() -> PgConnectOptions,
    ) -> Result<PgPool, StoreError> {
        let deadline = Instant::now() + self.limits.acquire_timeout;
        loop {
            if let Some(pool) = self.try_get(key, &options) {
                return Ok(pool);
            }
            if Instant::now() >= deadline {
                return Err(StoreError::PoolBudgetExhausted {
                    budget: self.limits.budget,
                });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn try_get(&self, key: &PoolKey, options: &impl Fn() -> PgConnectOptions) -> Option<PgPool> {
        let mut pools = self
            .pools
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = pools.get_mut(key) {
            entry.last_used = Instant::now();
            return Some(entry.pool.clone());
        }
        if pools.len() >= self.max_pools() {
            let victim = pools
                .iter()
                .filter(|(_, e)| e.pool.size() as usize == e.pool.num_idle())
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())?;
            if let Some(old) = pools.remove(&victim) {
                tracing::debug!(database = %victim.database, "closing least recently used pool");
                tokio::spawn(async move { old.pool.close().await });
            }
        }
        let pool = crate::connect::pool_options()
            .max_connections(self.limits.per_database)
            .min_connections(0)
            .idle_timeout(Some(self.limits.idle_timeout))
            .acquire_timeout(self.limits.acquire_timeout)
            .connect_lazy_with(options());
        pools.insert(
            key.clone(),
            Entry {
                pool: pool.clone(),
                last_used: Instant::now(),
            },
        );
        Some(pool)
    }

    /// Closes pools unused for the idle timeout. Called periodically by the app.
    pub fn close_idle(&self) -> usize {
        let mut pools = self
            .pools
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let cutoff = self.limits.idle_timeout;
        let stale: Vec<PoolKey> = pools
            .iter()
            .filter(|(_, e)| {
                e.last_used.elapsed() >= cutoff && e.pool.size() as usize == e.pool.num_idle()
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in &stale {
            if let Some(old) = pools.remove(k) {
                tokio::spawn(async move { old.pool.close().await });
            }
        }
        stale.len()
    }

    /// Closes the pool of one database (before it is dropped or moved).
    pub async fn close(&self, key: &PoolKey) {
        let removed = {
            let mut pools = self
                .pools
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            pools.remove(key)
        };
        if let Some(e) = removed {
            e.pool.close().await;
        }
    }

    pub async fn close_all(&self) {
        let all: Vec<Entry> = {
            let mut pools = self
                .pools
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            pools.drain().map(|(_, e)| e).collect()
        };
        for e in all {
            e.pool.close().await;
        }
    }

    /// Each open pool's connections (the registry's pools are bounded by the budget, so these
    /// series are too).
    pub fn gauges(&self) -> Vec<PoolGauge> {
        let pools = self
            .pools
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pools
            .iter()
            .map(|(key, e)| PoolGauge::of(key.server, &key.database, &e.pool))
            .collect()
    }

    pub fn stats(&self) -> PoolStats {
        let pools = self
            .pools
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        PoolStats {
            pools: pools.len(),
            connections: pools.values().map(|e| e.pool.size()).sum(),
        }
    }
}
