//! Once per server: the owner and app roles, the app database, and its control schema.
//!
//! Runs as the admin user (the embedded superuser, or the `DATABASE_URL` user). Every statement
//! is conditional, so running it again changes nothing. When the admin user lacks a privilege,
//! the error says which objects to create by hand.

use crate::connect::connect_once;
use crate::{APP_ROLE, OWNER_ROLE, StoreError, quote_ident, quote_literal};
use comply360_domain::Secret;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, Row};

/// Passwords for the two roles, needed when they log in over TCP with password auth.
#[derive(Clone, Default)]
pub struct RolePasswords {
    pub owner: Option<Secret>,
    pub app: Option<Secret>,
}

impl std::fmt::Debug for RolePasswords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RolePasswords { .. }")
    }
}

/// Creates the roles if absent (and sets passwords when given).
pub async fn ensure_roles(
    admin: &mut PgConnection,
    passwords: &RolePasswords,
) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT rolsuper OR rolcreaterole AS can_create,
                EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS has_owner,
                EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS has_app
         FROM pg_roles WHERE rolname = current_user",
    )
    .bind(OWNER_ROLE)
    .bind(APP_ROLE)
    .fetch_one(&mut *admin)
    .await?;
    let (can_create, has_owner, has_app): (bool, bool, bool) = (
        row.try_get("can_create")?,
        row.try_get("has_owner")?,
        row.try_get("has_app")?,
    );
    if !(can_create || has_owner && has_app) {
        return Err(StoreError::Bootstrap(format!(
            "the DATABASE_URL user may not create roles; create them as a superuser: \
             CREATE ROLE {OWNER_ROLE} LOGIN CREATEDB; CREATE ROLE {APP_ROLE} LOGIN; \
             or use a user with CREATEROLE"
        )));
    }
    let roles = [
        (
            OWNER_ROLE,
            "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOREPLICATION",
            has_owner,
            &passwords.owner,
        ),
        // The app role inherits nothing and is a member of nothing: it cannot SET ROLE to the
        // owner, and it owns no object, so RLS always applies to it.
        (
            APP_ROLE,
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION NOINHERIT",
            has_app,
            &passwords.app,
        ),
    ];
    for (role, attrs, exists, password) in roles {
        if !exists {
            let sql = format!("CREATE ROLE {} {attrs}", quote_ident(role));
            // Two processes may race to create the role; the loser sees 42710.
            if let Err(err) = sqlx::Executor::execute(&mut *admin, sqlx::raw_sql(&sql)).await {
                let dup = matches!(&err, sqlx::Error::Database(db) if db.code().as_deref() == Some("42710"));
                if !dup {
                    return Err(err.into());
                }
            }
        }
        if let Some(pw) = password {
            let sql = format!(
                "ALTER ROLE {} PASSWORD {}",
                quote_ident(role),
                quote_literal(pw.expose())
            );
            sqlx::Executor::execute(&mut *admin, sqlx::raw_sql(&sql)).await?;
        }
    }
    Ok(())
}

/// Creates `database` owned by the owner role if absent.
pub async fn ensure_database(admin: &mut PgConnection, database: &str) -> Result<bool, StoreError> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&mut *admin)
            .await?;
    if exists {
        return Ok(false);
    }
    let sql = format!(
        "CREATE DATABASE {} OWNER {}",
        quote_ident(database),
        quote_ident(OWNER_ROLE)
    );
    match sqlx::Executor::execute(&mut *admin, sqlx::raw_sql(&sql)).await {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P04") => Ok(false),
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42501") => {
            Err(StoreError::Bootstrap(format!(
                "the DATABASE_URL user may not create databases; create it as a superuser: \
             CREATE DATABASE {} OWNER {OWNER_ROLE}",
                quote_ident(database)
            )))
        }
        Err(err) => Err(err.into()),
    }
}

/// The whole bootstrap of one server for the app database: roles, database, and the privileges
/// on it (only the app role may connect besides the owner; the public schema is closed).
pub async fn bootstrap_server(
    admin_opts: &PgConnectOptions,
    app_database: &str,
    passwords: &RolePasswords,
) -> Result<(), StoreError> {
    let mut admin = connect_once(admin_opts).await?;
    ensure_roles(&mut admin, passwords).await?;
    ensure_database(&mut admin, app_database).await?;
    admin.close().await?;
    Ok(())
}

/// Privileges inside a freshly created database; run as the owner (who owns the database).
pub async fn lock_down_database(
    owner: &mut PgConnection,
    database: &str,
) -> Result<(), StoreError> {
    let db = quote_ident(database);
    let sql = format!(
        "REVOKE ALL ON DATABASE {db} FROM PUBLIC;
         GRANT CONNECT ON DATABASE {db} TO {app};
         REVOKE ALL ON SCHEMA public FROM PUBLIC;",
        app = quote_ident(APP_ROLE)
    );
    sqlx::Executor::execute(&mut *owner, sqlx::raw_sql(&sql)).await?;
    Ok(())
}
