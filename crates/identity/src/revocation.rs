//! Ended sessions, known to every replica, so an access token stops working the moment its
//! session ends (logout, sign out everywhere, password change or reset, role change, a reused
//! refresh token) instead of living out its 15 minutes.
//!
//! A revocation is written to `control.revoked_sessions` (kept for one access-token lifetime,
//! after which every token of the session has expired anyway) and announced with NOTIFY on the
//! app database. Each replica keeps the live entries in memory — the check on every request is
//! a hash lookup — loads them at start, adds what it hears, and reloads whenever its listener
//! reconnects, so a missed notification is caught up.

use comply360_store::listen::{Heard, Listener};
use comply360_store::{Store, StoreError};
use sqlx::PgPool;
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

    /// Listens for revocations until `stop` (the store closing) or until these revocations are
    /// dropped, reloading after every (re)connect.
    pub fn spawn_listener(self: &Arc<Self>, store: &Store) {
        let me = Arc::downgrade(self);
        let mut listener = Listener::new(
            "session revocation listener",
            store.listen_options(),
            &[CHANNEL],
            store.closing(),
        );
        tokio::spawn(async move {
            while let Some(heard) = listener.next().await {
                let Some(this) = me.upgrade() else { break };
                match heard {
                    Heard::Connected => {
                        // Anything announced while we were not listening.
                        if let Err(err) = this.load().await {
                            tracing::warn!(error = %err, "ended sessions not reloaded; reconnecting");
                            listener.reset().await;
                            continue;
                        }
                        let _ = this.purge_expired().await;
                    }
                    Heard::Lost => {}
                    Heard::Notification { payload, .. } => {
                        let sessions = payload
                            .split(',')
                            .filter_map(|s| s.parse::<Uuid>().ok())
                            .map(|s| (s, this.ttl));
                        this.note(sessions);
                    }
                }
            }
            listener.close().await;
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
