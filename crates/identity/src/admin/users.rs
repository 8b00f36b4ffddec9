//! Accounts: create (the CLI's), list, show, change role, status or name, unlock.

use crate::accounts;
use crate::audit::{self, ClientInfo, Entry};
use crate::rbac::PLATFORM_ROLES;
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use crate::sessions;
use chrono::{DateTime, Utc};
use comply360_store::Tenant;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub status: String,
    pub mfa_enabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

comply360_store::from_row!(UserView {
    id,
    email,
    full_name,
    role,
    status,
    mfa_enabled,
    locked_until,
    last_login_at,
    created_at
});

/// A [`UserView`] statement: the view's columns, then `$rest` (built at compile time).
macro_rules! user_view {
    ($rest:literal) => {
        concat!(
            "SELECT id, email, full_name, role, status, mfa_enabled_at IS NOT NULL AS mfa_enabled,
                    CASE WHEN locked_until > now() THEN locked_until END AS locked_until,
                    last_login_at, created_at
             FROM users WHERE tenant_id = $1 ",
            $rest
        )
    };
}

/// A change to a user; `None` leaves the field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    pub role: Option<String>,
    pub status: Option<String>,
    pub full_name: Option<String>,
}

/// Checks an email's shape: one `@`, something on both sides, a dot in the domain, no spaces.
pub fn validate_email(email: &str) -> Result<String, AuthError> {
    let email = email.trim();
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
               && !domain.ends_with('.') && !domain.contains('@'));
    if ok {
        Ok(email.to_owned())
    } else {
        Err(AuthError::invalid(
            "email",
            "must be an email address such as name@agency.co.za",
        ))
    }
}

impl Identity {
    /// Creates an active tenant user with a password (the CLI's `user create`).
    pub async fn create_user(
        &self,
        tenant: &Arc<Tenant>,
        email: &str,
        role: &str,
        full_name: &str,
        password: &str,
    ) -> Result<UserView, AuthError> {
        let email = validate_email(email)?;
        let hash = self
            .new_password_hash("password", password, &[&email])
            .await?;
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        self.ensure_role_exists(&mut tx, role).await?;
        let t = tx.tenant_uuid();
        let id: Option<Uuid> = tx
            .query_scalar(
                "INSERT INTO users (tenant_id, id, email, full_name, role, status, password_hash, password_changed_at)
                 VALUES ($1, $2, $3, $4, $5, 'active', $6, now())
                 ON CONFLICT (tenant_id, lower(email)) DO UPDATE
                     SET status = 'active', role = EXCLUDED.role, password_hash = EXCLUDED.password_hash,
                         password_changed_at = now(),
                         full_name = CASE WHEN EXCLUDED.full_name = '' THEN users.full_name ELSE EXCLUDED.full_name END
                     WHERE users.status = 'invited'
                 RETURNING id",
            )
            .bind(t)
            .bind(Uuid::now_v7())
            .bind(&email)
            .bind(full_name.trim())
            .bind(role)
            .bind(&hash)
            .fetch_optional(tx.conn())
            .await?;
        let Some(id) = id else {
            return Err(AuthError::Conflict(format!(
                "{email} already has an active account in {}",
                tenant.slug()
            )));
        };
        audit::record(
            &mut tx,
            &ClientInfo::default(),
            Entry::new("user.created")
                .on("user", id)
                .detail(json!({"email": email, "role": role, "by": "cli"})),
        )
        .await?;
        let view = user_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Creates a platform operator with a password (the CLI's `platform-user create`).
    pub async fn create_platform_user(
        &self,
        email: &str,
        role: &str,
        display_name: &str,
        password: &str,
    ) -> Result<Uuid, AuthError> {
        let email = validate_email(email)?;
        if !PLATFORM_ROLES.contains(&role) {
            return Err(AuthError::invalid(
                "role",
                "must be super_admin or global_support",
            ));
        }
        let hash = self
            .new_password_hash("password", password, &[&email])
            .await?;
        let owner = self.inner.store.owner_pool();
        let mut tx = owner.begin().await?;
        let id: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO control.platform_users (id, email, display_name, role, status, password_hash, password_changed_at)
             VALUES ($1, $2, $3, $4, 'active', $5, now())
             ON CONFLICT (lower(email)) DO NOTHING RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(&email)
        .bind(display_name.trim())
        .bind(role)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(AuthError::Conflict(format!(
                "{email} is already a platform user"
            )));
        };
        sqlx::query(
            "INSERT INTO control.platform_audit_log (id, actor, action, detail) VALUES ($1, 'cli', 'platform_user.created', $2)",
        )
        .bind(Uuid::now_v7())
        .bind(json!({"user": id, "email": email, "role": role}))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_users(&self, tenant: &Arc<Tenant>) -> Result<Vec<UserView>, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let users = tx
            .query_as::<UserView>(user_view!("ORDER BY lower(email)"))
            .bind(t)
            .fetch_all(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(users)
    }

    pub async fn get_user(&self, tenant: &Arc<Tenant>, id: Uuid) -> Result<UserView, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let view = user_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Changes role, status or name. A new role or a disabled account revokes the user's
    /// sessions, so the change holds from the next refresh at the latest.
    pub async fn update_user(
        &self,
        tenant: &Arc<Tenant>,
        actor: Uuid,
        id: Uuid,
        change: UserChange,
        client: &ClientInfo,
    ) -> Result<UserView, AuthError> {
        if let Some(status) = &change.status
            && !matches!(status.as_str(), "active" | "disabled")
        {
            return Err(AuthError::invalid("status", "must be active or disabled"));
        }
        if actor == id && (change.role.is_some() || change.status.as_deref() == Some("disabled")) {
            return Err(AuthError::Forbidden(
                "you cannot change your own role or disable yourself; ask another administrator"
                    .into(),
            ));
        }
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let before = user_view(&mut tx, id).await?;
        if let Some(role) = &change.role {
            self.ensure_role_exists(&mut tx, role).await?;
        }
        if change.status.as_deref() == Some("active") && before.status == "invited" {
            return Err(AuthError::invalid(
                "status",
                "an invited user becomes active by accepting the invitation",
            ));
        }
        let t = tx.tenant_uuid();
        tx.query(
            "UPDATE users SET role = coalesce($3, role), status = coalesce($4, status),
                    full_name = coalesce($5, full_name)
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(id)
        .bind(&change.role)
        .bind(&change.status)
        .bind(change.full_name.as_deref().map(str::trim))
        .execute(tx.conn())
        .await?;
        let role_changed = change.role.as_ref().is_some_and(|r| *r != before.role);
        let disabled = change.status.as_deref() == Some("disabled") && before.status != "disabled";
        let ended = if role_changed || disabled {
            sessions::revoke_all(
                &mut tx,
                id,
                None,
                if disabled { "disabled" } else { "role_changed" },
            )
            .await?
        } else {
            Vec::new()
        };
        if role_changed {
            audit::record(
                &mut tx,
                client,
                Entry::new("user.role_changed")
                    .actor(actor)
                    .on("user", id)
                    .detail(json!({"from": before.role, "to": change.role})),
            )
            .await?;
        }
        if change.status.as_ref().is_some_and(|s| *s != before.status) {
            audit::record(
                &mut tx,
                client,
                Entry::new("user.status_changed")
                    .actor(actor)
                    .on("user", id)
                    .detail(json!({"from": before.status, "to": change.status})),
            )
            .await?;
        }
        let view = user_view(&mut tx, id).await?;
        tx.commit().await?;
        self.ended(&ended).await;
        Ok(view)
    }

    /// Ends a lockout.
    pub async fn unlock_user(
        &self,
        tenant: &Arc<Tenant>,
        actor: Uuid,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<UserView, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        if !accounts::unlock(&mut tx, id).await? {
            return Err(AuthError::NotFound("user"));
        }
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.account_unlocked")
                .actor(actor)
                .on("user", id),
        )
        .await?;
        let view = user_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

pub(super) async fn user_view(tx: &mut RealmTx, id: Uuid) -> Result<UserView, AuthError> {
    let t = tx.tenant_uuid();
    tx.query_as::<UserView>(user_view!("AND id = $2"))
        .bind(t)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(AuthError::NotFound("user"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert!(validate_email(" thandi@agency.co.za ").is_ok());
        for bad in [
            "",
            "thandi",
            "@agency.co.za",
            "thandi@",
            "thandi@agency",
            "a b@c.co",
            "a@b@c.co",
            "x@.co",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} accepted");
        }
    }
}
