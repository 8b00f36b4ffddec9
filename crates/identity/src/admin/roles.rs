//! Roles: the built-in ones and the agency's custom roles, defined from the permission list.

use crate::audit::{self, ClientInfo, Entry};
use crate::rbac::{PLATFORM_ROLES, TENANT_PERMISSIONS, TENANT_ROLES, is_tenant_permission};
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use comply360_store::Tenant;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RoleView {
    pub key: String,
    pub name: String,
    pub built_in: bool,
    pub permissions: Vec<String>,
}

impl Identity {
    pub(super) async fn ensure_role_exists(
        &self,
        tx: &mut RealmTx,
        role: &str,
    ) -> Result<(), AuthError> {
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
