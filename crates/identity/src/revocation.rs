//! Ended sessions, known to every replica, so an access token stops working the moment its
//! session ends (logout, sign out everywhere, password change or reset, role change, a reused
//! refresh token) instead of living out its 15 minutes.
//!
//! A revocation is written to `control.revoked_sessions` (kept for one access-token lifetime,
//! after which every token of the session has expired anyway) and announced with NOTIFY on the
//! app database. Each replica keeps the live entries in memory — the check on every request is
//! a hash lookup — loads them at start, adds what it hears, and reloads whenever its listener
//! reconnects, so a missed notification is caught up.

use comply360_store::{Store, StoreError};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

pub const CHANNEL: &str = "c360_sessions";

pub struct Revocations {
    pool: PgPool,
    /// How long an entry matters: the access tokens' lifetime.
    ttl: Duration,
    revoked: RwLock<HashMap<Uuid, Instant>>,
}

impl Revocations {
    pub fn new(store: &Store, ttl: Duration) -> Revocations {
        Revocations {
            pool: store.tenancy().catalog_pool().clone(),
            ttl,
            revoked: RwLock::new(HashMap::new()),
        }
    }

    /// Whether tokens of this session must be refused.
    pub fn is_revoked(&self, session: Uuid) -> bool {
        self.revoked
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&session)
            .is_some_and(|until| *until > Instant::now())
    }

    fn note(&self, sessions: impl IntoIterator<Item = (Uuid, Duration)>) {
        let now = Instant::now();
        let mut map = self.revoked.write().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, until| *until > now);
        for (sid, left) in sessions {
            map.insert(sid, now + left);
        }
    }

    /// Records and announces ended sessions (after the transaction that ended them committed).
    /// Here at once; elsewhere as soon as the NOTIFY arrives.
    pub async fn announce(&self, sessions: &[Uuid]) -> Result<(), StoreError> {
        if sessions.is_empty() {
            return Ok(());
        }
        self.note(sessions.iter().map(|s| (*s, self.ttl)));
        sqlx::query(
            "WITH ins AS (
                 INSERT INTO control.revoked_sessions (session_id, expires_at)
                 SELECT s, now() + make_interval(secs => $2) FROM unnest($1::uuid[]) AS s
                 ON CONFLICT (session_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
                 RETURNING session_id)
             SELECT pg_notify($3, string_agg(session_id::text, ',')) FROM ins",
        )
        .bind(sessions)
        .bind(self.ttl.as_secs_f64())
        .bind(CHANNEL)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Loads the live revocations (and forgets the expired ones).
    pub async fn load(&self) -> Result<(), StoreError> {
        let rows: Vec<(Uuid, f64)> = sqlx::query_as(
            "SELECT session_id, extract(epoch FROM expires_at - now())::float8
             FROM control.revoked_sessions WHERE expires_at > now()",
        )
        .fetch_all(&self.pool)
        .await?;
        self.note(
            rows.into_iter()
                .map(|(sid, secs)| (sid, Duration::from_secs_f64(secs.max(0.0)))),
        );
        Ok(())
    }

    /// Listens for revocations until the process ends, reloading after every (re)connect.
    pub fn spawn_listener(self: &Arc<Self>, listen: PgConnectOptions) {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let Some(this) = me.upgrade() else { return };
                match listen_once(&this, &listen).await {
                    Ok(()) => return,
                    // The store closed: the process is shutting down.
                    Err(_) if this.pool.is_closed() => return,
                    Err(err) => {
                        tracing::warn!(error = %err, "session revocation listener lost; reconnecting");
                    }
                }
                drop(this);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Removes entries whose tokens have all expired (any replica may do it).
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM control.revoked_sessions WHERE expires_at < now()")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

async fn listen_once(this: &Revocations, options: &PgConnectOptions) -> Result<(), StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options.clone());
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    // Anything announced while we were not listening.
    this.load().await?;
    let _ = this.purge_expired().await;
    loop {
        // None: the connection was lost (the next call reconnects); catch up on what was
        // announced meanwhile.
        let Some(note) = listener.try_recv().await? else {
            this.load().await?;
            continue;
        };
        let sessions = note
            .payload()
            .split(',')
            .filter_map(|s| s.parse::<Uuid>().ok())
            .map(|s| (s, this.ttl));
        this.note(sessions);
    }
}
