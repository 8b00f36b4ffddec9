//! The agency's security settings: whether MFA is required, and the origins allowed to call
//! the API from a browser.

use crate::audit::{self, ClientInfo, Entry};
use crate::realm::Realm;
use crate::service::{AuthError, Identity};
use comply360_store::Tenant;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

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
