//! API keys: a tenant's own systems calling the REST API.
//!
//! A key is `c360_` + base64url(tenant id ‖ key id ‖ 256-bit secret). The tenant inside lets
//! the gateway refuse a key presented to another tenant (403) before any lookup; the key id
//! makes the lookup a primary-key probe; only the secret's SHA-256 is stored. The full key is
//! shown once, at creation. A key holds an explicit list of permissions (never more than its
//! creator holds), may expire, and can be revoked; its last use is recorded (at most once a
//! minute, so a busy key does not write on every request).

use crate::audit::{self, ClientInfo, Entry};
use crate::rbac::{self, Domain};
use crate::realm::Realm;
use crate::service::{AuthError, Identity};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use comply360_domain::TenantId;
use comply360_domain::plans::{Feature, Plan};
use comply360_store::Tenant;
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use uuid::Uuid;

pub const PREFIX: &str = "c360_";

/// A key as presented, decoded (not yet checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentedKey {
    pub tenant: TenantId,
    pub id: Uuid,
    secret: [u8; 32],
}

impl PresentedKey {
    /// Decodes `c360_…`; None when it is not shaped like a key.
    pub fn parse(text: &str) -> Option<PresentedKey> {
        let body = text.trim().strip_prefix(PREFIX)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).ok()?;
        if bytes.len() != 64 {
            return None;
        }
        let tenant = Uuid::from_slice(&bytes[..16]).ok()?;
        let id = Uuid::from_slice(&bytes[16..32]).ok()?;
        let secret: [u8; 32] = bytes[32..].try_into().ok()?;
        Some(PresentedKey {
            tenant: TenantId::from_uuid(tenant),
            id,
            secret,
        })
    }

    fn secret_hash(&self) -> Vec<u8> {
        Sha256::digest(self.secret).to_vec()
    }
}

/// Whether `text` looks like an API key (rather than a JWT).
pub fn looks_like_key(text: &str) -> bool {
    text.trim_start().starts_with(PREFIX)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// Enough of the key to recognise it.
    pub prefix: String,
    pub permissions: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

comply360_store::from_row!(ApiKeyView {
    id,
    name,
    prefix,
    permissions,
    created_by,
    created_at,
    expires_at,
    revoked_at,
    last_used_at
});

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    /// The whole key: shown this once.
    pub key: String,
    #[serde(flatten)]
    pub view: ApiKeyView,
}

/// A key that passed every check.
#[derive(Clone, Debug)]
pub struct AuthenticatedKey {
    pub id: Uuid,
    pub permissions: Vec<String>,
}

/// An [`ApiKeyView`] statement: the view's columns, then `$rest` (built at compile time).
macro_rules! key_view {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, prefix, permissions, created_by, created_at, expires_at, revoked_at,
                    last_used_at
             FROM api_keys WHERE tenant_id = $1 ",
            $rest
        )
    };
}

impl Identity {
    /// Creates a key. `creator_role` bounds its permissions: a key never holds more than the
    /// person who made it.
    #[expect(
        clippy::too_many_arguments,
        reason = "one value per column of the row it writes"
    )]
    pub async fn create_api_key(
        &self,
        tenant: &Arc<Tenant>,
        creator: Uuid,
        creator_role: &str,
        name: &str,
        permissions: &[String],
        expires_at: Option<DateTime<Utc>>,
        client: &ClientInfo,
    ) -> Result<CreatedKey, AuthError> {
        Plan::of(tenant.record().tier).ensure_feature(Feature::ApiKeys)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AuthError::invalid("name", "must be 1–100 characters"));
        }
        if permissions.is_empty() {
            return Err(AuthError::invalid(
                "permissions",
                "list at least one permission the key may use",
            ));
        }
        if let Some(bad) = permissions.iter().find(|p| !rbac::is_tenant_permission(p)) {
            return Err(AuthError::invalid(
                "permissions",
                format!("unknown permission {bad:?}; GET /api/v1/permissions lists them"),
            ));
        }
        self.inner
            .rbac
            .ensure_tenant(&self.inner.store, tenant, creator_role)
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        for p in permissions {
            if !self
                .inner
                .rbac
                .allows(creator_role, Domain::Tenant(tenant.id()), p)
                .await
            {
                return Err(AuthError::invalid(
                    "permissions",
                    format!("you do not hold {p:?} yourself, so a key you create cannot"),
                ));
            }
        }
        if expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(AuthError::invalid("expires_at", "must be in the future"));
        }
        let mut permissions = permissions.to_vec();
        permissions.sort();
        permissions.dedup();

        let id = Uuid::now_v7();
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let mut raw = Vec::with_capacity(64);
        raw.extend_from_slice(tenant.id().as_uuid().as_bytes());
        raw.extend_from_slice(id.as_bytes());
        raw.extend_from_slice(&secret);
        let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw));
        let prefix = format!("{}…{}", &key[..12], &key[key.len() - 4..]);
        let hash = Sha256::digest(secret).to_vec();

        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        tx.query(
            "INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, permissions, created_by, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(t)
        .bind(id)
        .bind(name)
        .bind(&prefix)
        .bind(hash)
        .bind(&permissions)
        .bind(creator)
        .bind(expires_at)
        .execute(tx.conn())
        .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("api_key.created")
                .actor(creator)
                .on("api_key", id)
                .detail(json!({"name": name, "permissions": permissions})),
        )
        .await?;
        let view = key_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(CreatedKey { key, view })
    }

    pub async fn list_api_keys(&self, tenant: &Arc<Tenant>) -> Result<Vec<ApiKeyView>, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let keys = tx
            .query_as::<ApiKeyView>(key_view!("ORDER BY created_at DESC"))
            .bind(t)
            .fetch_all(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(keys)
    }

    pub async fn revoke_api_key(
        &self,
        tenant: &Arc<Tenant>,
        actor: Uuid,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<ApiKeyView, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let done = tx
            .query(
                "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2",
            )
            .bind(t)
            .bind(id)
            .execute(tx.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(AuthError::NotFound("API key"));
        }
        audit::record(
            &mut tx,
            client,
            Entry::new("api_key.revoked").actor(actor).on("api_key", id),
        )
        .await?;
        let view = key_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Checks a presented key against `tenant` (which the caller matched with the key's).
    /// None for an unknown, wrong, revoked or expired key.
    pub async fn authenticate_api_key(
        &self,
        tenant: &Tenant,
        key: &PresentedKey,
    ) -> Result<Option<AuthenticatedKey>, AuthError> {
        if key.tenant != tenant.id() {
            return Ok(None);
        }
        let mut tx = self.inner.store.tenancy().begin(tenant).await?;
        let t = tenant.id().as_uuid();
        let row: Option<(Vec<u8>, Vec<String>, bool, bool)> = tx
            .query_as(
                "SELECT secret_hash, permissions, revoked_at IS NULL,
                        (expires_at IS NULL OR expires_at > now())
                 FROM api_keys WHERE tenant_id = $1 AND id = $2",
            )
            .bind(t)
            .bind(key.id)
            .fetch_optional(tx.conn())
            .await?;
        let Some((stored, permissions, live, current)) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let matches: bool = stored.as_slice().ct_eq(&key.secret_hash()).into();
        if !(matches && live && current) {
            tx.commit().await?;
            return Ok(None);
        }
        tx.query(
            "UPDATE api_keys SET last_used_at = now()
             WHERE tenant_id = $1 AND id = $2
               AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        )
        .bind(t)
        .bind(key.id)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(Some(AuthenticatedKey {
            id: key.id,
            permissions,
        }))
    }
}

async fn key_view(tx: &mut crate::realm::RealmTx, id: Uuid) -> Result<ApiKeyView, AuthError> {
    let t = tx.tenant_uuid();
    tx.query_as::<ApiKeyView>(key_view!("AND id = $2"))
        .bind(t)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(AuthError::NotFound("API key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_decode_to_their_tenant_and_id() {
        let tenant = Uuid::now_v7();
        let id = Uuid::now_v7();
        let mut raw = Vec::new();
        raw.extend_from_slice(tenant.as_bytes());
        raw.extend_from_slice(id.as_bytes());
        raw.extend_from_slice(&[7u8; 32]);
        let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw));
        let parsed = PresentedKey::parse(&key).expect("parses");
        assert_eq!(parsed.tenant.as_uuid(), tenant);
        assert_eq!(parsed.id, id);
        assert!(looks_like_key(&key));
        assert_eq!(PresentedKey::parse("c360_short"), None);
        assert_eq!(PresentedKey::parse("eyJhbGciOi.x.y"), None);
        assert_eq!(PresentedKey::parse(&format!("{key}AA")), None);
    }
}
