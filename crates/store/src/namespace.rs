//! One namespace: a schema in a database holding the tenant tables.
//!
//! Each namespace carries its own ledger (`c360_schema_version`), updated in the same
//! transaction as its migrations, so a crash between migrating and updating the catalog is
//! repaired on the next run. All pending migrations of a namespace apply in one transaction,
//! followed by the schema lint: a namespace is either fully at the new version with RLS intact,
//! or untouched.

use crate::lint::lint_namespace;
use crate::migrations::MigrationSet;
use crate::{APP_ROLE, StoreError, quote_ident};
use sqlx::{Connection, PgConnection};
use std::time::Duration;

/// How long a migration waits for a lock before giving up and retrying (so it never queues
/// behind a long transaction while blocking every query behind itself).
#[derive(Clone, Copy, Debug)]
pub struct LockPolicy {
    pub lock_timeout: Duration,
    pub retries: u32,
}

impl Default for LockPolicy {
    fn default() -> Self {
        LockPolicy {
            lock_timeout: Duration::from_secs(5),
            retries: 5,
        }
    }
}

/// Creates the schema and its ledger if absent; grants the app role usage. Idempotent.
pub async fn create_schema(conn: &mut PgConnection, schema: &str) -> Result<(), StoreError> {
    let s = quote_ident(schema);
    let sql = format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
         GRANT USAGE ON SCHEMA {s} TO {app};
         CREATE TABLE IF NOT EXISTS {s}.c360_schema_version (
             singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
             version    integer NOT NULL,
             migrated_at timestamptz NOT NULL DEFAULT now());
         INSERT INTO {s}.c360_schema_version (version) VALUES (0) ON CONFLICT DO NOTHING;",
        app = quote_ident(APP_ROLE)
    );
    // Concurrent CREATE SCHEMA IF NOT EXISTS can still collide on the catalog's unique index.
    for attempt in 0..3 {
        match sqlx::Executor::execute(&mut *conn, sqlx::raw_sql(&sql)).await {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(db))
                if db.code().as_deref() == Some("23505") && attempt < 2 =>
            {
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// The version recorded inside the namespace, or `None` when the schema does not exist.
pub async fn local_version(
    conn: &mut PgConnection,
    schema: &str,
) -> Result<Option<i32>, StoreError> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = $1 AND c.relname = 'c360_schema_version')",
    )
    .bind(schema)
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Ok(None);
    }
    let v: i32 = sqlx::query_scalar(&format!(
        "SELECT version FROM {}.c360_schema_version",
        quote_ident(schema)
    ))
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(v))
}

/// Brings `schema` to `set.latest()`. Returns the version it is at afterwards. The caller keeps
/// the catalog in step.
pub async fn migrate_schema(
    conn: &mut PgConnection,
    schema: &str,
    set: &MigrationSet,
    locks: LockPolicy,
) -> Result<i32, StoreError> {
    let mut attempt = 0;
    loop {
        match try_migrate(conn, schema, set, locks).await {
            Err(err) if err.is_lock_timeout() && attempt < locks.retries => {
                attempt += 1;
                let backoff = Duration::from_millis(200 * 2u64.pow(attempt.min(6)));
                tracing::warn!(schema, attempt, "lock timeout while migrating; retrying");
                tokio::time::sleep(backoff).await;
            }
            other => return other,
        }
    }
}

async fn try_migrate(
    conn: &mut PgConnection,
    schema: &str,
    set: &MigrationSet,
    locks: LockPolicy,
) -> Result<i32, StoreError> {
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT set_config('search_path', $1, true), set_config('lock_timeout', $2, true)")
        .bind(schema)
        .bind(format!("{}ms", locks.lock_timeout.as_millis()))
        .execute(&mut *tx)
        .await?;
    // Row lock on the ledger: two migrators of one namespace serialise here.
    let current: i32 = sqlx::query_scalar("SELECT version FROM c360_schema_version FOR UPDATE")
        .fetch_one(&mut *tx)
        .await?;
    if current > set.latest() {
        return Err(StoreError::MigrationUnknown {
            kind: "tenant".into(),
            version: current,
        });
    }
    if current == set.latest() {
        return Ok(current);
    }
    // One round trip for the whole batch; a new namespace is built from the snapshot and the
    // files after it (see `migrations`), in one transaction.
    let steps = set.steps_from(current);
    let batch: String = steps
        .iter()
        .map(|(file, sql)| format!("-- {file}\n{sql}\n;\n"))
        .collect();
    // `Executor::execute(conn, raw_sql(..))` rather than `raw_sql(..).execute(conn)`: the
    // latter's future is not provably `Send` for every lifetime ("not general enough"),
    // which kept provisioning out of axum handlers (the console creates agencies).
    let applied = sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&batch)).await;
    applied.map_err(|e| {
        let lock_timeout =
            matches!(&e, sqlx::Error::Database(db) if db.code().as_deref() == Some("55P03"));
        let files: Vec<&str> = steps.iter().map(|s| s.0).collect();
        let message = format!("{} failed in schema {schema}: {e}", files.join(", "));
        if lock_timeout {
            StoreError::LockTimeout(message)
        } else {
            StoreError::Migration(message)
        }
    })?;
    sqlx::query("UPDATE c360_schema_version SET version = $1, migrated_at = now()")
        .bind(set.latest())
        .execute(&mut *tx)
        .await?;
    let violations = lint_namespace(&mut tx, schema).await?;
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(StoreError::Migration(format!(
            "after migrating, schema {schema} breaks the tenancy contract: {}",
            list.join("; ")
        )));
    }
    tx.commit().await?;
    Ok(set.latest())
}
