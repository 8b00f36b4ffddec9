//! Each agency's data key: a random AES-256 key that encrypts (through a key derived per
//! object, [`super::cipher`]) every document the agency stores. Kept in `control.data_keys`
//! only wrapped by the master key, with `data-key:<tenant id>:<version>` as the associated
//! data, and created on the agency's first document.
//!
//! A master-key rotation ([`rewrap_all`]) rewraps these few bytes per agency and never touches
//! a document.

use super::keys::KeyRing;
use comply360_domain::TenantId;
use comply360_identity::sealed::MasterKey;
use comply360_store::Store;
use rand::RngCore;
use sqlx::PgPool;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use zeroize::Zeroizing;

/// Bytes of a data key (AES-256).
const DATA_KEY_LEN: usize = 32;
/// The version an agency's first data key gets.
const FIRST_VERSION: u32 = 1;
/// Data keys rewrapped per transaction: a rotation holds few row locks at a time, and an
/// interrupted one keeps what it committed.
const REWRAP_BATCH: i64 = 100;

/// An agency's unwrapped data key. Zeroed when dropped; `Debug` shows `DataKey(…)`.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; DATA_KEY_LEN]>);

impl DataKey {
    /// A new random key.
    pub fn generate() -> DataKey {
        let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
        rand::rng().fill_bytes(key.as_mut_slice());
        DataKey(key)
    }

    fn from_unwrapped(bytes: &[u8]) -> Option<DataKey> {
        let bytes: [u8; DATA_KEY_LEN] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(bytes)))
    }

    /// The key itself, for the cipher only.
    pub(crate) fn expose(&self) -> &[u8; DATA_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// Why a data key could not be had. None of them carries key material.
#[derive(Debug, thiserror::Error)]
pub enum DataKeyError {
    #[error("data keys: {0}")]
    Database(#[from] sqlx::Error),
    /// The agency has no data key of this version (an object naming it is not the agency's).
    #[error("agency {tenant} has no data key version {version}")]
    Missing { tenant: TenantId, version: u32 },
    /// Wrapped by a master key this process was not given.
    #[error(
        "agency {tenant}'s data key version {version} is wrapped by master key {kid}, which this \
         process does not hold; give it the previous master key too until the rotation has run"
    )]
    UnknownMasterKey {
        tenant: TenantId,
        version: u32,
        kid: String,
    },
    /// The master key with the right id did not open it: the row was tampered with or copied.
    #[error("agency {tenant}'s data key version {version} does not open with master key {kid}")]
    Unwrap {
        tenant: TenantId,
        version: u32,
        kid: String,
    },
}

/// The associated data binding a wrapped key to its row.
fn wrap_context(tenant: TenantId, version: u32) -> Vec<u8> {
    format!("data-key:{tenant}:{version}").into_bytes()
}

struct Row {
    tenant_id: Uuid,
    version: i32,
    wrapped: Vec<u8>,
    master_kid: String,
}

comply360_store::from_row!(Row {
    tenant_id,
    version,
    wrapped,
    master_kid
});

impl Row {
    fn tenant(&self) -> TenantId {
        TenantId::from_uuid(self.tenant_id)
    }

    /// Versions are written by this module from a `u32` and checked `>= 1` by the table.
    fn version(&self) -> u32 {
        u32::try_from(self.version).unwrap_or(0)
    }

    fn unwrap_with(&self, ring: &KeyRing) -> Result<DataKey, DataKeyError> {
        let (tenant, version) = (self.tenant(), self.version());
        let master =
            ring.by_kid(&self.master_kid)
                .ok_or_else(|| DataKeyError::UnknownMasterKey {
                    tenant,
                    version,
                    kid: self.master_kid.clone(),
                })?;
        let unwrap_error = || DataKeyError::Unwrap {
            tenant,
            version,
            kid: self.master_kid.clone(),
        };
        let plain = Zeroizing::new(
            master
                .open(&self.wrapped, &wrap_context(tenant, version))
                .map_err(|_| unwrap_error())?,
        );
        DataKey::from_unwrapped(&plain).ok_or_else(unwrap_error)
    }
}

/// The agencies' data keys, unwrapped on first use and kept in memory (zeroed when dropped).
/// Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct DataKeys {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    ring: KeyRing,
    /// Unwrapped keys by agency and version: 32 bytes per agency, so never evicted.
    keys: Mutex<HashMap<(TenantId, u32), Arc<DataKey>>>,
    /// The version each agency encrypts new objects with, once looked up.
    current: Mutex<HashMap<TenantId, u32>>,
}

impl fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKeys")
            .field("ring", &self.inner.ring)
            .finish_non_exhaustive()
    }
}

impl DataKeys {
    /// Data keys read and created through `pool`, which must reach `control.data_keys` as the
    /// app role (SELECT, INSERT) or the owner.
    pub fn new(pool: PgPool, ring: KeyRing) -> DataKeys {
        DataKeys {
            inner: Arc::new(Inner {
                pool,
                ring,
                keys: Mutex::default(),
                current: Mutex::default(),
            }),
        }
    }

    /// Through the store's app-role control-plane pool, as the signing keys are read.
    pub fn from_store(store: &Store, ring: KeyRing) -> DataKeys {
        DataKeys::new(store.tenancy().catalog_pool().clone(), ring)
    }

    /// The version and key new objects of `tenant` are encrypted with, creating the agency's
    /// first key if it has none. Two replicas creating it at once agree on one key: the
    /// insert that loses the race does nothing and both read the winner's row.
    pub async fn current(&self, tenant: TenantId) -> Result<(u32, Arc<DataKey>), DataKeyError> {
        let known = self.lock_current().get(&tenant).copied();
        if let Some(version) = known {
            return Ok((version, self.get(tenant, version).await?));
        }
        let row = match newest(&self.inner.pool, tenant).await? {
            Some(row) => row,
            None => {
                insert_first(&self.inner.pool, &self.inner.ring, tenant).await?;
                newest(&self.inner.pool, tenant)
                    .await?
                    .ok_or(DataKeyError::Missing {
                        tenant,
                        version: FIRST_VERSION,
                    })?
            }
        };
        let version = row.version();
        let key = self.remember(tenant, version, row.unwrap_with(&self.inner.ring)?);
        self.lock_current().insert(tenant, version);
        Ok((version, key))
    }

    /// The agency's key of `version` (for objects written before a newer version existed).
    pub async fn get(&self, tenant: TenantId, version: u32) -> Result<Arc<DataKey>, DataKeyError> {
        let cached = self.lock_keys().get(&(tenant, version)).cloned();
        if let Some(key) = cached {
            return Ok(key);
        }
        let missing = DataKeyError::Missing { tenant, version };
        let Ok(db_version) = i32::try_from(version) else {
            return Err(missing);
        };
        let row: Option<Row> = sqlx::query_as(
            "SELECT tenant_id, version, wrapped, master_kid FROM control.data_keys \
             WHERE tenant_id = $1 AND version = $2",
        )
        .bind(tenant.as_uuid())
        .bind(db_version)
        .fetch_optional(&self.inner.pool)
        .await?;
        let key = row.ok_or(missing)?.unwrap_with(&self.inner.ring)?;
        Ok(self.remember(tenant, version, key))
    }

    /// Caches `key`, or returns the one another task cached first (the same bytes).
    fn remember(&self, tenant: TenantId, version: u32, key: DataKey) -> Arc<DataKey> {
        self.lock_keys()
            .entry((tenant, version))
            .or_insert_with(|| Arc::new(key))
            .clone()
    }

    fn lock_keys(&self) -> std::sync::MutexGuard<'_, HashMap<(TenantId, u32), Arc<DataKey>>> {
        // The maps are only ever inserted into, so a panicking holder leaves them usable.
        self.inner.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_current(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, u32>> {
        self.inner.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn newest(pool: &PgPool, tenant: TenantId) -> Result<Option<Row>, DataKeyError> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, version, wrapped, master_kid FROM control.data_keys \
         WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(tenant.as_uuid())
    .fetch_optional(pool)
    .await?)
}

/// Inserts a new random first key for `tenant` unless one exists.
async fn insert_first(pool: &PgPool, ring: &KeyRing, tenant: TenantId) -> Result<(), DataKeyError> {
    let key = DataKey::generate();
    let wrapped = ring
        .current
        .seal(key.expose(), &wrap_context(tenant, FIRST_VERSION));
    sqlx::query(
        "INSERT INTO control.data_keys (tenant_id, version, wrapped, master_kid) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, version) DO NOTHING",
    )
    .bind(tenant.as_uuid())
    .bind(FIRST_VERSION as i32)
    .bind(wrapped)
    .bind(ring.current_kid())
    .execute(pool)
    .await?;
    Ok(())
}

/// What a rotation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RewrapReport {
    /// Data keys moved from a previous master key to the current one by this run.
    pub rewrapped: u64,
    /// Data keys that were already under the current master key when the run started.
    pub already_current: u64,
}

/// Rewraps every data key not yet under `ring.current` (the master-key rotation), opening each
/// with the previous key that wrapped it. Runs in transactions of [`REWRAP_BATCH`] rows, so it
/// can be interrupted and run again; rows locked by a concurrent run are left to that run.
/// Run as the owner role: the app role may not update `control.data_keys`.
pub async fn rewrap_all(pool: &PgPool, ring: &KeyRing) -> Result<RewrapReport, DataKeyError> {
    let current_kid = ring.current_kid();
    let already_current: i64 =
        sqlx::query_scalar("SELECT count(*) FROM control.data_keys WHERE master_kid = $1")
            .bind(&current_kid)
            .fetch_one(pool)
            .await?;
    let mut report = RewrapReport {
        rewrapped: 0,
        already_current: u64::try_from(already_current).unwrap_or(0),
    };
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tenant_id, version, wrapped, master_kid FROM control.data_keys \
             WHERE master_kid <> $1 ORDER BY tenant_id, version LIMIT $2 \
             FOR UPDATE SKIP LOCKED",
        )
        .bind(&current_kid)
        .bind(REWRAP_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(report);
        }
        for row in &rows {
            let key = row.unwrap_with(ring)?;
            let wrapped = rewrap(&ring.current, &key, row.tenant(), row.version());
            sqlx::query(
                "UPDATE control.data_keys SET wrapped = $3, master_kid = $4, rewrapped_at = now() \
                 WHERE tenant_id = $1 AND version = $2",
            )
            .bind(row.tenant_id)
            .bind(row.version)
            .bind(wrapped)
            .bind(&current_kid)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        report.rewrapped += rows.len() as u64;
    }
}

fn rewrap(current: &MasterKey, key: &DataKey, tenant: TenantId, version: u32) -> Vec<u8> {
    current.seal(key.expose(), &wrap_context(tenant, version))
}
