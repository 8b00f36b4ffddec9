//! Accounts (tenant users and platform users) as the identity flows see them: credentials,
//! lockout and MFA state, and the statements that change them. Realm-neutral SQL (see
//! [`crate::realm`]).

use crate::realm::RealmTx;
use crate::service::AuthError;
use chrono::{DateTime, Utc};
use std::time::Duration;
use uuid::Uuid;

/// The columns of an [`Account`], shared by its statements (a macro so that `concat!` builds
/// each statement at compile time).
macro_rules! account {
    ($($rest:literal),+) => {
        concat!(
            "SELECT id, email, role, status, password_hash, failed_logins, locked_until, \
             mfa_secret, mfa_enabled_at, mfa_last_step FROM {users} ",
            $($rest),+
        )
    };
}

#[derive(Clone, Debug)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub mfa_secret: Option<Vec<u8>>,
    pub mfa_enabled_at: Option<DateTime<Utc>>,
    pub mfa_last_step: Option<i64>,
}

comply360_store::from_row!(Account {
    id,
    email,
    role,
    status,
    password_hash,
    failed_logins,
    locked_until,
    mfa_secret,
    mfa_enabled_at,
    mfa_last_step
});

impl Account {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    pub fn is_locked(&self) -> bool {
        self.locked_until.is_some_and(|until| until > Utc::now())
    }

    pub fn mfa_enabled(&self) -> bool {
        self.mfa_enabled_at.is_some()
    }
}

/// The associated data a TOTP secret is sealed with: it opens only on its own account.
pub fn totp_context(tenant: Uuid, user: Uuid) -> Vec<u8> {
    format!("totp:{tenant}:{user}").into_bytes()
}

pub async fn by_email(tx: &mut RealmTx, email: &str) -> Result<Option<Account>, AuthError> {
    let t = tx.tenant_uuid();
    Ok(tx
        .query_as::<Account>(account!(
            "WHERE tenant_id = $1 AND lower(email) = lower($2)"
        ))
        .bind(t)
        .bind(email.trim())
        .fetch_optional(tx.conn())
        .await?)
}

pub async fn by_id(tx: &mut RealmTx, id: Uuid) -> Result<Option<Account>, AuthError> {
    let t = tx.tenant_uuid();
    Ok(tx
        .query_as::<Account>(account!("WHERE tenant_id = $1 AND id = $2"))
        .bind(t)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?)
}

/// Counts a failed attempt; the `threshold`th in a row locks the account for `lock_for` and
/// restarts the count. Returns whether this failure locked it.
pub async fn record_failure(
    tx: &mut RealmTx,
    id: Uuid,
    threshold: u32,
    lock_for: Duration,
) -> Result<bool, AuthError> {
    let t = tx.tenant_uuid();
    let locked: Option<bool> = tx
        .query_scalar(
            "UPDATE {users} SET
                 locked_until = CASE WHEN failed_logins + 1 >= $3
                                     THEN now() + make_interval(secs => $4) ELSE locked_until END,
                 failed_logins = CASE WHEN failed_logins + 1 >= $3 THEN 0 ELSE failed_logins + 1 END
             WHERE tenant_id = $1 AND id = $2
             RETURNING failed_logins = 0",
        )
        .bind(t)
        .bind(id)
        .bind(i32::try_from(threshold).unwrap_or(i32::MAX))
        .bind(lock_for.as_secs_f64())
        .fetch_optional(tx.conn())
        .await?;
    Ok(locked.unwrap_or(false))
}

/// A successful sign-in: the failure count restarts.
pub async fn record_success(tx: &mut RealmTx, id: Uuid) -> Result<(), AuthError> {
    let t = tx.tenant_uuid();
    tx.query(
        "UPDATE {users} SET failed_logins = 0, locked_until = NULL, last_login_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(t)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces a legacy or outdated hash, unless the password changed meanwhile.
pub async fn upgrade_hash(
    tx: &mut RealmTx,
    id: Uuid,
    old: &str,
    new: &str,
) -> Result<(), AuthError> {
    let t = tx.tenant_uuid();
    tx.query("UPDATE {users} SET password_hash = $4 WHERE tenant_id = $1 AND id = $2 AND password_hash = $3")
        .bind(t)
        .bind(id)
        .bind(old)
        .bind(new)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Sets a new password; it also ends a lockout.
pub async fn set_password(tx: &mut RealmTx, id: Uuid, hash: &str) -> Result<(), AuthError> {
    let t = tx.tenant_uuid();
    tx.query(
        "UPDATE {users} SET password_hash = $3, password_changed_at = now(), failed_logins = 0,
                locked_until = NULL
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(t)
    .bind(id)
    .bind(hash)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn unlock(tx: &mut RealmTx, id: Uuid) -> Result<bool, AuthError> {
    let t = tx.tenant_uuid();
    let done = tx
        .query(
            "UPDATE {users} SET failed_logins = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}
