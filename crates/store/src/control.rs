//! Applies the control-plane migrations to the app database, as the owner role.
//!
//! A session-level advisory lock serialises replicas that start together; each migration runs
//! in its own transaction together with its ledger row.

use crate::migrations::MigrationSet;
use crate::{CONTROL_SCHEMA, StoreError, quote_ident};
use sqlx::{Connection, PgConnection};

/// Key of the advisory lock held while migrating the control plane ("c360ctrl").
const CONTROL_LOCK: i64 = 0x6333_3630_6374_726c;

/// Returns the number of migrations applied.
pub async fn migrate_control(
    owner: &mut PgConnection,
    set: &MigrationSet,
) -> Result<usize, StoreError> {
    set.check_sequence()?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(CONTROL_LOCK)
        .execute(&mut *owner)
        .await?;
    let result = apply(owner, set).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(CONTROL_LOCK)
        .execute(&mut *owner)
        .await?;
    result
}

async fn apply(owner: &mut PgConnection, set: &MigrationSet) -> Result<usize, StoreError> {
    let schema = quote_ident(CONTROL_SCHEMA);
    sqlx::raw_sql(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};
         CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
             version integer PRIMARY KEY, file text NOT NULL, checksum text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now());
         GRANT USAGE ON SCHEMA {schema} TO c360_app;
         GRANT SELECT ON {schema}.schema_migrations TO c360_app;"
    ))
    .execute(&mut *owner)
    .await?;
    let applied: Vec<(i32, String)> = sqlx::query_as(&format!(
        "SELECT version, checksum FROM {schema}.schema_migrations ORDER BY version"
    ))
    .fetch_all(&mut *owner)
    .await?;
    set.verify_applied(&applied)?;
    let current = applied.last().map_or(0, |(v, _)| *v);
    let mut count = 0;
    for m in set.after(current) {
        let mut tx = owner.begin().await?;
        sqlx::query("SELECT set_config('search_path', $1, true)")
            .bind(CONTROL_SCHEMA)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(&m.sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Migration(format!("{} failed: {e}", m.file)))?;
        sqlx::query(&format!(
            "INSERT INTO {schema}.schema_migrations (version, file, checksum) VALUES ($1, $2, $3)"
        ))
        .bind(m.version)
        .bind(&m.file)
        .bind(&m.checksum)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(file = %m.file, "control-plane migration applied");
        count += 1;
    }
    Ok(count)
}

/// The control plane's current version (0 before the first migration).
pub async fn control_version(conn: &mut PgConnection) -> Result<i32, StoreError> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('control.schema_migrations') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = sqlx::query_scalar("SELECT max(version) FROM control.schema_migrations")
        .fetch_one(&mut *conn)
        .await?;
    Ok(v.unwrap_or(0))
}
