//! The JWT signing keys: kept in the control plane with their private halves sealed under the
//! master key, loaded into a [`KeyRing`] by every replica.
//!
//! Rotation adds a key; the newest signs. A superseded key keeps verifying for one access-token
//! lifetime (plus the MFA challenge's) after its successor appeared, so every token it signed
//! verifies until it expires, then it leaves the ring and the JWKS. Replicas reload the ring
//! every [`RELOAD_EVERY`], and at once (at most every few seconds) when a token names a kid
//! they do not know, so a key rotated on one replica verifies on all of them immediately.

use crate::jwt::{self, Claims, KeyMaterial, KeyRing, TokenError};
use crate::sealed::MasterKey;
use chrono::{DateTime, Utc};
use comply360_store::{Store, StoreError};
use sqlx::PgPool;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub const RELOAD_EVERY: Duration = Duration::from_secs(60);
/// The least time between two reloads caused by unknown kids (a flood of forged kids must
/// not become a flood of queries).
const UNKNOWN_KID_RELOAD_GAP: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "signing key {kid} cannot be opened with this master key; every replica must use the same COMPLY360_MASTER_KEY"
    )]
    Sealed { kid: String },
    #[error("signing keys: {0}")]
    Token(#[from] TokenError),
}

impl From<sqlx::Error> for KeyError {
    fn from(err: sqlx::Error) -> Self {
        KeyError::Store(err.into())
    }
}

/// A stored key's public facts, for `comply360 keys list`.
#[derive(Clone, Debug)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at: DateTime<Utc>,
    /// Whether it signs new tokens.
    pub signing: bool,
    /// Whether it still verifies (is in the JWKS).
    pub verifying: bool,
}

/// The keys of this process.
pub struct KeyStore {
    pool: PgPool,
    master: MasterKey,
    issuer: String,
    audience: String,
    /// How long a superseded key keeps verifying.
    grace: Duration,
    ring: RwLock<Arc<KeyRing>>,
    /// When the ring was last reloaded on demand (None: not yet).
    last_reload: Mutex<Option<Instant>>,
}

impl KeyStore {
    /// Loads the ring; there must be at least one key ([`ensure_key`] at bootstrap).
    pub async fn load(
        store: &Store,
        master: MasterKey,
        issuer: &str,
        audience: &str,
        grace: Duration,
    ) -> Result<KeyStore, KeyError> {
        let pool = store.tenancy().catalog_pool().clone();
        let ring = build_ring(&pool, &master, issuer, audience, grace).await?;
        Ok(KeyStore {
            pool,
            master,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            grace,
            ring: RwLock::new(Arc::new(ring)),
            last_reload: Mutex::new(None),
        })
    }

    pub fn ring(&self) -> Arc<KeyRing> {
        self.ring.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        self.ring().sign(claims)
    }

    /// Verifies `token`; an unknown kid first reloads the ring (rate-limited) in case another
    /// replica rotated.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        match self.ring().verify(token) {
            Err(TokenError::UnknownKey) => {
                if self.reload_if_due(UNKNOWN_KID_RELOAD_GAP).await {
                    self.ring().verify(token)
                } else {
                    Err(TokenError::UnknownKey)
                }
            }
            other => other,
        }
    }

    /// Reloads when the last reload is older than `gap`; whether it reloaded.
    pub async fn reload_if_due(&self, gap: Duration) -> bool {
        let mut last = self.last_reload.lock().await;
        if last.is_some_and(|at| at.elapsed() < gap) {
            return false;
        }
        *last = Some(Instant::now());
        match self.reload().await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err, "signing keys not reloaded; keeping the current ring");
                false
            }
        }
    }

    pub async fn reload(&self) -> Result<(), KeyError> {
        let ring = build_ring(
            &self.pool,
            &self.master,
            &self.issuer,
            &self.audience,
            self.grace,
        )
        .await?;
        *self.ring.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(ring);
        Ok(())
    }

    /// Reloads every [`RELOAD_EVERY`] until the process ends.
    pub fn spawn_reloader(self: &Arc<Self>) {
        let keys = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RELOAD_EVERY).await;
                let Some(keys) = keys.upgrade() else { return };
                if keys.pool.is_closed() {
                    return;
                }
                keys.reload_if_due(RELOAD_EVERY / 2).await;
            }
        });
    }
}

struct Row {
    kid: String,
    private_sealed: Vec<u8>,
    created_at: DateTime<Utc>,
}

comply360_store::from_row!(Row {
    kid,
    private_sealed,
    created_at
});

async fn rows(pool: &PgPool) -> Result<Vec<Row>, KeyError> {
    Ok(sqlx::query_as(
        "SELECT kid, private_sealed, created_at FROM control.signing_keys ORDER BY created_at, kid",
    )
    .fetch_all(pool)
    .await?)
}

/// The keys that still verify: the newest, and each one whose successor is younger than
/// `grace`. `rows` is ordered oldest first.
fn live(rows: &[Row], grace: Duration, now: DateTime<Utc>) -> Vec<usize> {
    let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    (0..rows.len())
        .filter(|&i| match rows.get(i + 1) {
            None => true,
            Some(next) => next.created_at + grace > now,
        })
        .collect()
}

async fn build_ring(
    pool: &PgPool,
    master: &MasterKey,
    issuer: &str,
    audience: &str,
    grace: Duration,
) -> Result<KeyRing, KeyError> {
    let rows = rows(pool).await?;
    let mut keys = Vec::new();
    for i in live(&rows, grace, Utc::now()) {
        let row = &rows[i];
        let private_der = master
            .open(&row.private_sealed, row.kid.as_bytes())
            .map_err(|_| KeyError::Sealed {
                kid: row.kid.clone(),
            })?;
        keys.push(KeyMaterial {
            kid: row.kid.clone(),
            private_der,
            created_at: row.created_at,
        });
    }
    Ok(KeyRing::new(keys, issuer, audience)?)
}

/// Adds a new signing key (as the owner role); returns its kid.
pub async fn add_key(owner: &PgPool, master: &MasterKey) -> Result<String, KeyError> {
    let kid = jwt::new_kid();
    let der = jwt::generate_ed25519();
    let sealed = master.seal(&der, kid.as_bytes());
    sqlx::query(
        "INSERT INTO control.signing_keys (kid, algorithm, private_sealed) VALUES ($1, 'EdDSA', $2)",
    )
    .bind(&kid)
    .bind(sealed)
    .execute(owner)
    .await?;
    Ok(kid)
}

/// Makes sure a signing key exists (first start); checks that the newest one opens with this
/// master key, so a wrong master key is a clear start-up error rather than failed sign-ins.
pub async fn ensure_key(owner: &PgPool, master: &MasterKey) -> Result<(), KeyError> {
    let rows = rows(owner).await?;
    match rows.last() {
        None => {
            let kid = add_key(owner, master).await?;
            tracing::info!(%kid, "created the first token signing key");
            Ok(())
        }
        Some(row) => master
            .open(&row.private_sealed, row.kid.as_bytes())
            .map(|_| ())
            .map_err(|_| KeyError::Sealed {
                kid: row.kid.clone(),
            }),
    }
}

/// Every stored key and its state.
pub async fn list(pool: &PgPool, grace: Duration) -> Result<Vec<KeyInfo>, KeyError> {
    let rows = rows(pool).await?;
    let live = live(&rows, grace, Utc::now());
    let last = rows.len().saturating_sub(1);
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, row)| KeyInfo {
            kid: row.kid.clone(),
            created_at: row.created_at,
            signing: i == last,
            verifying: live.contains(&i),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kid: &str, minutes_ago: i64) -> Row {
        Row {
            kid: kid.into(),
            private_sealed: vec![],
            created_at: Utc::now() - chrono::Duration::minutes(minutes_ago),
        }
    }

    #[test]
    fn superseded_keys_verify_for_the_grace_then_leave() {
        let grace = Duration::from_secs(20 * 60);
        let rows = [row("a", 600), row("b", 30), row("c", 5)];
        // a was superseded 30 min ago (gone), b 5 min ago (still verifies), c signs.
        assert_eq!(live(&rows, grace, Utc::now()), vec![1, 2]);
        assert_eq!(live(&rows[..1], grace, Utc::now()), vec![0]);
        assert!(live(&[], grace, Utc::now()).is_empty());
    }
}
