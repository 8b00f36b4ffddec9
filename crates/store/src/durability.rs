//! A cluster's fsync, switched off for a bulk setup and back on before what is measured.
//!
//! Only for throwaway clusters (the benchmarks'): a crash while fsync is off can corrupt the
//! cluster. Why it exists: building an index syncs its file at once, and a schema agency has
//! over a hundred, so provisioning the 10,000 agencies of `bench --suite fleet-migrate` with
//! fsync on would take most of an hour before the migration it measures could start.

use crate::StoreError;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};
use std::time::{Duration, Instant};

/// Sets fsync (`ALTER SYSTEM`, reloaded) as a superuser at `options`, and waits until a new
/// session sees it; turned back on, a checkpoint then makes everything written meanwhile
/// durable.
pub async fn set_fsync(options: &PgConnectOptions, on: bool) -> Result<(), StoreError> {
    let mut conn = PgConnection::connect_with(options).await?;
    conn.execute(if on {
        "ALTER SYSTEM RESET fsync"
    } else {
        "ALTER SYSTEM SET fsync = off"
    })
    .await?;
    conn.execute("SELECT pg_reload_conf()").await?;
    conn.close().await?;
    let want = if on { "on" } else { "off" };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // The postmaster rereads its configuration in its own time: a new session that sees
        // the value is the proof it has.
        let mut conn = PgConnection::connect_with(options).await?;
        let now: String = sqlx::query_scalar("SHOW fsync")
            .fetch_one(&mut conn)
            .await?;
        if now == want {
            if on {
                conn.execute("CHECKPOINT").await?;
            }
            conn.close().await?;
            return Ok(());
        }
        conn.close().await?;
        if Instant::now() >= deadline {
            return Err(StoreError::Invalid(format!(
                "the cluster still has fsync {now} 10 s after it was set {want}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
