//! What an agency administrator does to accounts and roles: invite, list, change role or
//! status, unlock; define custom roles from the permission list. Also how the CLI creates
//! accounts directly.

use crate::accounts;
use crate::audit::{self, ClientInfo, Entry};
use crate::rbac::{PLATFORM_ROLES, TENANT_PERMISSIONS, TENANT_ROLES, is_tenant_permission};
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use crate::sessions;
use chrono::{DateTime, Utc};
use comply360_store::Tenant;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RoleView {
    pub key: String,
    pub name: String,
    pub built_in: bool,
    pub permissions: Vec<String>,
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
    async fn ensure_role_exists(&self, tx: &mut RealmTx, role: &str) -> Result<(), AuthError> {
        if TENANT_ROLES.contains(&role) {
            return Ok(());
        }
        let t = tx.tenant_uuid();
        let exists: Option<i32> = tx
            .query_scalar("SELECT 1 FROM roles WHERE tenant_id = $1 AND key = $2")
            .bind(t)
            .bind(role)
            .fetch_optional(tx.conn())
            .await?;
        exists.map(|_| ()).ok_or_else(|| {
            AuthError::invalid(
                "role",
                format!(
                    "no role {role:?}; use tenant_admin, agent, agent_assistant or one of the agency's custom roles"
                ),
            )
        })
    }

    /// Invites a user by email and role: an invited account and an emailed invitation link.
    pub async fn invite(
        &self,
        tenant: &Arc<Tenant>,
        actor: Option<Uuid>,
        email: &str,
        role: &str,
        full_name: Option<&str>,
        client: &ClientInfo,
    ) -> Result<UserView, AuthError> {
        let email = validate_email(email)?;
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        self.ensure_role_exists(&mut tx, role).await?;
        let t = tx.tenant_uuid();
        let id = Uuid::now_v7();
        let inserted = tx
            .query(
                "INSERT INTO users (tenant_id, id, email, full_name, role, status)
                 VALUES ($1, $2, $3, $4, $5, 'invited')
                 ON CONFLICT (tenant_id, lower(email)) DO NOTHING",
            )
            .bind(t)
            .bind(id)
            .bind(&email)
            .bind(full_name.unwrap_or("").trim())
            .bind(role)
            .execute(tx.conn())
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(AuthError::Conflict(format!(
                "{email} already has an account in this agency"
            )));
        }
        self.send_invitation(&mut tx, tenant.slug(), id, &email, role)
            .await?;
        let mut entry = Entry::new("user.invited")
            .on("user", id)
            .detail(json!({"email": email, "role": role}));
        entry.actor = actor;
        audit::record(&mut tx, client, entry).await?;
        let view = user_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

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

    /// Sends a fresh invitation to a user who has not accepted yet.
    pub async fn resend_invitation(
        &self,
        tenant: &Arc<Tenant>,
        actor: Uuid,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let user = user_view(&mut tx, id).await?;
        if user.status != "invited" {
            return Err(AuthError::Conflict(format!(
                "{} has already accepted; they can reset their password instead",
                user.email
            )));
        }
        self.send_invitation(&mut tx, tenant.slug(), id, &user.email, &user.role)
            .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("user.invitation_resent")
                .actor(actor)
                .on("user", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The built-in roles and the agency's custom ones.
    pub async fn list_roles(&self, tenant: &Arc<Tenant>) -> Result<Vec<RoleView>, AuthError> {
        let builtin: Vec<(String, String)> = sqlx::query_as(
            "SELECT role, permission FROM control.role_permissions ORDER BY role, permission",
        )
        .fetch_all(self.inner.store.tenancy().catalog_pool())
        .await?;
        let mut roles: Vec<RoleView> = TENANT_ROLES
            .iter()
            .map(|role| RoleView {
                key: (*role).to_owned(),
                name: role.replace('_', " "),
                built_in: true,
                permissions: builtin
                    .iter()
                    .filter(|(r, _)| r == role)
                    .map(|(_, p)| p.clone())
                    .collect(),
            })
            .collect();
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let custom: Vec<(String, String, Vec<String>)> = tx
            .query_as("SELECT key, name, permissions FROM roles WHERE tenant_id = $1 ORDER BY key")
            .bind(t)
            .fetch_all(tx.conn())
            .await?;
        tx.commit().await?;
        roles.extend(custom.into_iter().map(|(key, name, permissions)| RoleView {
            key,
            name,
            built_in: false,
            permissions,
        }));
        Ok(roles)
    }

    /// Creates or replaces a custom role.
    pub async fn put_role(
        &self,
        tenant: &Arc<Tenant>,
        actor: Uuid,
        key: &str,
        name: &str,
        permissions: &[String],
        client: &ClientInfo,
    ) -> Result<RoleView, AuthError> {
        let key = key.trim();
        if TENANT_ROLES.contains(&key) || PLATFORM_ROLES.contains(&key) {
            return Err(AuthError::invalid(
                "key",
                format!("{key:?} is a built-in role; choose another key"),
            ));
        }
        let key_ok = key.len() >= 2
            && key.len() <= 40
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(AuthError::invalid(
                "key",
                "must be 2–40 characters: lowercase letters, digits and _, starting with a letter",
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AuthError::invalid("name", "must be 1–100 characters"));
        }
        if let Some(bad) = permissions.iter().find(|p| !is_tenant_permission(p)) {
            let known: Vec<&str> = TENANT_PERMISSIONS.iter().map(|(p, _)| *p).collect();
            return Err(AuthError::invalid(
                "permissions",
                format!(
                    "unknown permission {bad:?}; choose from {}",
                    known.join(", ")
                ),
            ));
        }
        let mut permissions = permissions.to_vec();
        permissions.sort();
        permissions.dedup();
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        tx.query(
            "INSERT INTO roles (tenant_id, key, name, permissions) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, key) DO UPDATE SET name = EXCLUDED.name, permissions = EXCLUDED.permissions",
        )
        .bind(t)
        .bind(key)
        .bind(name)
        .bind(&permissions)
        .execute(tx.conn())
        .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("role.saved")
                .actor(actor)
                .detail(json!({"role": key, "permissions": permissions})),
        )
        .await?;
        tx.commit().await?;
        self.inner.rbac.invalidate(tenant.id());
        Ok(RoleView {
            key: key.to_owned(),
            name: name.to_owned(),
            built_in: false,
            permissions,
        })
    }

    /// Deletes a custom role nobody holds.
    pub async fn delete_role(
        &self,
        tenant: &Arc<Tenant>,
        actor: Uuid,
        key: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let holders: i64 = tx
            .query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1 AND role = $2")
            .bind(t)
            .bind(key)
            .fetch_one(tx.conn())
            .await?;
        if holders > 0 {
            return Err(AuthError::Conflict(format!(
                "{holders} user(s) hold role {key:?}; give them another role first"
            )));
        }
        let deleted = tx
            .query("DELETE FROM roles WHERE tenant_id = $1 AND key = $2")
            .bind(t)
            .bind(key)
            .execute(tx.conn())
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(AuthError::NotFound("role"));
        }
        audit::record(
            &mut tx,
            client,
            Entry::new("role.deleted")
                .actor(actor)
                .detail(json!({"role": key})),
        )
        .await?;
        tx.commit().await?;
        self.inner.rbac.invalidate(tenant.id());
        Ok(())
    }
}

async fn user_view(tx: &mut RealmTx, id: Uuid) -> Result<UserView, AuthError> {
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

/// An agency's security settings.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SecuritySettings {
    /// `none`, `admins` or `all`.
    pub mfa_required: String,
    /// Origins allowed to call the API from a browser.
    pub cors_origins: Vec<String>,
}

/// `https://host[:port]` or `http://host[:port]`, nothing after.
fn valid_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@'])
        && !rest.chars().any(char::is_whitespace)
}

impl Identity {
    pub async fn security_settings(
        &self,
        tenant: &Arc<Tenant>,
    ) -> Result<SecuritySettings, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let rows: Vec<(String, serde_json::Value)> = tx
            .query_as(
                "SELECT key, value FROM settings WHERE tenant_id = $1
                 AND key IN ('security.mfa_required', 'security.cors_origins')",
            )
            .bind(t)
            .fetch_all(tx.conn())
            .await?;
        tx.commit().await?;
        let mut out = SecuritySettings {
            mfa_required: "none".into(),
            cors_origins: Vec::new(),
        };
        for (key, value) in rows {
            match key.as_str() {
                "security.mfa_required" => {
                    out.mfa_required = value.as_str().unwrap_or("none").to_owned();
                }
                _ => {
                    out.cors_origins = serde_json::from_value(value).unwrap_or_default();
                }
            }
        }
        Ok(out)
    }

    /// Replaces the agency's security settings (audited).
    pub async fn set_security_settings(
        &self,
        tenant: &Arc<Tenant>,
        actor: Option<Uuid>,
        new: SecuritySettings,
        client: &ClientInfo,
    ) -> Result<SecuritySettings, AuthError> {
        if !matches!(new.mfa_required.as_str(), "none" | "admins" | "all") {
            return Err(AuthError::invalid(
                "mfa_required",
                "must be none, admins or all",
            ));
        }
        if let Some(bad) = new.cors_origins.iter().find(|o| !valid_origin(o)) {
            return Err(AuthError::invalid(
                "cors_origins",
                format!("{bad:?} is not an origin; write it as https://host or https://host:port"),
            ));
        }
        let before = self.security_settings(tenant).await?;
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        tx.query(
            "INSERT INTO settings (tenant_id, key, value)
             VALUES ($1, 'security.mfa_required', $2), ($1, 'security.cors_origins', $3)
             ON CONFLICT (tenant_id, key) DO UPDATE SET value = EXCLUDED.value",
        )
        .bind(t)
        .bind(json!(new.mfa_required))
        .bind(json!(new.cors_origins))
        .execute(tx.conn())
        .await?;
        let mut entry =
            Entry::new("settings.security_changed").detail(json!({"from": before, "to": new}));
        entry.actor = actor;
        audit::record(&mut tx, client, entry).await?;
        tx.commit().await?;
        Ok(new)
    }
}

impl Identity {
    /// Sends the invitation of the administrator that provisioning created (an invited
    /// account with `email`); false when there is no such invited account.
    pub async fn invite_provisioned_admin(
        &self,
        tenant: &Arc<Tenant>,
        email: &str,
    ) -> Result<bool, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let found: Option<(Uuid, String, String)> = tx
            .query_as(
                "SELECT id, email, role FROM users
                 WHERE tenant_id = $1 AND lower(email) = lower($2) AND status = 'invited'",
            )
            .bind(t)
            .bind(email.trim())
            .fetch_optional(tx.conn())
            .await?;
        let Some((id, email, role)) = found else {
            return Ok(false);
        };
        self.send_invitation(&mut tx, tenant.slug(), id, &email, &role)
            .await?;
        audit::record(
            &mut tx,
            &ClientInfo::default(),
            Entry::new("user.invited")
                .on("user", id)
                .detail(json!({"email": email, "role": role, "by": "provisioning"})),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
