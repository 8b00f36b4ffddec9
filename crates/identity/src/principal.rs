//! Who is calling: a signed-in account (from an access token) or an API key, and the one
//! place that decides whether they hold a permission.

use crate::jwt::Claims;
use crate::rbac::{Domain, PLATFORM_ROLES};
use crate::realm::Realm;
use crate::service::Identity;
use comply360_domain::TenantId;
use comply360_store::Tenant;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub enum Principal {
    User(UserPrincipal),
    ApiKey(KeyPrincipal),
}

#[derive(Clone, Debug)]
pub struct UserPrincipal {
    pub id: Uuid,
    pub role: String,
    pub session: Uuid,
    /// None for a platform operator.
    pub tenant: Option<TenantId>,
    /// A restricted token (`mfa_setup`) may only reach the routes that accept it.
    pub restriction: Option<String>,
}

#[derive(Clone, Debug)]
pub struct KeyPrincipal {
    pub id: Uuid,
    pub tenant: TenantId,
    pub permissions: Vec<String>,
}

impl UserPrincipal {
    pub fn from_claims(claims: Claims) -> UserPrincipal {
        UserPrincipal {
            id: claims.sub,
            role: claims.role,
            session: claims.sid,
            tenant: claims.tid.map(TenantId::from_uuid),
            restriction: claims.rst,
        }
    }

    pub fn is_platform(&self) -> bool {
        self.tenant.is_none() && PLATFORM_ROLES.contains(&self.role.as_str())
    }
}

impl Principal {
    /// The tenant the credential belongs to (None: the platform).
    pub fn tenant(&self) -> Option<TenantId> {
        match self {
            Principal::User(u) => u.tenant,
            Principal::ApiKey(k) => Some(k.tenant),
        }
    }

    /// The acting account, for audit (None for a key).
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User(u) => Some(u.id),
            Principal::ApiKey(_) => None,
        }
    }

    /// For the access log: `user:<id>` or `key:<id>`.
    pub fn label(&self) -> String {
        match self {
            Principal::User(u) => format!("user:{}", u.id),
            Principal::ApiKey(k) => format!("key:{}", k.id),
        }
    }
}

impl Identity {
    /// Whether `principal` holds `permission` in `tenant` (None: the platform). A key holds
    /// exactly its listed permissions; an account what its role grants.
    pub async fn authorize(
        &self,
        principal: &Principal,
        tenant: Option<&Arc<Tenant>>,
        permission: &str,
    ) -> bool {
        match principal {
            Principal::ApiKey(key) => key.permissions.iter().any(|p| p == permission),
            Principal::User(user) => {
                let domain = match tenant {
                    Some(t) => {
                        if let Err(err) = self
                            .inner
                            .rbac
                            .ensure_tenant(&self.inner.store, t, &user.role)
                            .await
                        {
                            tracing::error!(error = %err, "custom roles not loaded; denied");
                            return false;
                        }
                        Domain::Tenant(t.id())
                    }
                    None => Domain::Platform,
                };
                self.inner.rbac.allows(&user.role, domain, permission).await
            }
        }
    }

    /// Seals an agency's secret (an integration password) under the master key; `context`
    /// binds it to its owner and purpose, so a sealed value cannot be moved to another.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        self.inner.master.seal(plaintext, context)
    }

    /// Opens what [`Identity::seal`] sealed with the same context; None if it does not open.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>> {
        self.inner.master.open(sealed, context).ok()
    }

    /// A keyed hash under the master key, for tokens other crates mint (e.g. the secret
    /// address of a calendar feed); `purpose` separates the uses.
    pub fn keyed_hash(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        self.inner.master.keyed_hash(purpose, data)
    }

    /// The realm of a signed-in account.
    pub fn realm_of(&self, tenant: Option<&Arc<Tenant>>) -> Realm {
        match tenant {
            Some(t) => Realm::Tenant(t.clone()),
            None => Realm::Platform,
        }
    }
}
