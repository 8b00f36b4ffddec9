//! Role-based access control with casbin, domain = tenant.
//!
//! Every route declares one [`Permission`]; a principal's role is allowed it or not. The
//! built-in roles' permissions live in the control plane (`role_permissions`, seeded by
//! migration); an agency's custom roles live in its own `roles` table and are loaded into the
//! enforcer the first time they are needed, then refreshed every [`CUSTOM_ROLE_TTL`] (and at
//! once in the replica that changed them).
//!
//! The casbin request is `(role, domain, permission)` where the domain is the tenant id, or
//! `platform` for operators. Built-in tenant roles are written for the domain `tenants` (any
//! tenant), so a tenant role can never match in the platform domain, nor a platform role in a
//! tenant's; a custom role is written for its tenant's id only.

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use comply360_domain::TenantId;
use comply360_store::{Store, StoreError, Tenant};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

const MODEL: &str = r#"
[request_definition]
r = sub, dom, obj

[policy_definition]
p = sub, dom, obj

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && (r.dom == p.dom || (p.dom == "tenants" && r.dom != "platform")) && keyMatch(r.obj, p.obj)
"#;

/// How long another replica's change to a custom role may take to apply here.
pub const CUSTOM_ROLE_TTL: Duration = Duration::from_secs(30);

/// A permission, `area:action`.
pub type Permission = &'static str;

/// Every permission a tenant role can hold, with what it allows. A custom role is a subset.
pub const TENANT_PERMISSIONS: &[(Permission, &str)] = &[
    ("tenant:read", "read the agency's profile"),
    (
        "settings:manage",
        "change the agency's settings and branding",
    ),
    ("clients:read", "read clients"),
    ("clients:write", "create and edit clients"),
    ("registrations:read", "read registrations"),
    ("registrations:draft", "prepare draft registrations"),
    ("registrations:write", "edit and submit registrations"),
    ("documents:read", "read documents"),
    ("documents:draft", "upload documents to drafts"),
    ("documents:write", "upload, verify and reject documents"),
    (
        "privacy:manage",
        "place legal holds, set document retention, export and erase a person's data (POPIA)",
    ),
    ("commissions:read_own", "read one's own commissions"),
    ("commissions:read", "read every agent's commissions"),
    ("commissions:approve", "approve, reject and pay commissions"),
    (
        "commissions:manage",
        "set the agency's prices and commission rules, and when commissions are earned",
    ),
    (
        "invoices:read",
        "read the agency's invoices, payments and credit notes",
    ),
    (
        "invoices:write",
        "draft and issue invoices for registrations, and send clients their pay link",
    ),
    (
        "payments:manage",
        "record EFT and cash payments, refund, void invoices, and set the billing details and payment providers",
    ),
    ("users:read", "list the agency's users"),
    (
        "users:manage",
        "invite users, change roles, unlock and disable accounts",
    ),
    ("roles:manage", "define custom roles"),
    ("api_keys:manage", "create and revoke API keys"),
    ("audit:read", "read the agency's audit log"),
    (
        "reports:read",
        "see the agency's totals (counts of clients, companies, registrations, obligations and users), its recent activity, and the reports: registrations per month, turnaround, commissions per agent and fees earned",
    ),
];

/// Every permission of the platform realm.
pub const PLATFORM_PERMISSIONS: &[(Permission, &str)] = &[
    ("platform:tenants:read", "inspect tenants"),
    (
        "platform:tenants:manage",
        "provision, suspend and move tenants",
    ),
    ("platform:audit:read", "read the platform audit log"),
    (
        "platform:holidays:read",
        "list the declared public holidays",
    ),
    (
        "platform:holidays:manage",
        "add and remove declared public holidays (every agency's deadlines move)",
    ),
    (
        "platform:keys:manage",
        "see and rotate the token signing keys",
    ),
];

pub const TENANT_ROLES: &[&str] = &["tenant_admin", "agent", "agent_assistant"];
pub const PLATFORM_ROLES: &[&str] = &["super_admin", "global_support"];

pub fn is_tenant_permission(p: &str) -> bool {
    TENANT_PERMISSIONS.iter().any(|(name, _)| *name == p)
}

/// Where a request acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    Tenant(TenantId),
    Platform,
}

impl Domain {
    fn as_string(self) -> String {
        match self {
            Domain::Tenant(id) => id.to_string(),
            Domain::Platform => "platform".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RbacError {
    #[error("access policy error: {0}")]
    Casbin(#[from] casbin::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How many decisions [`Rbac`] keeps before it starts again.
const MAX_DECISIONS: usize = 4096;

/// A question put to the enforcer (the role and permission joined by a unit separator, which
/// neither contains).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Decision {
    domain: Domain,
    role_and_permission: String,
}

/// The enforcer of one process.
pub struct Rbac {
    enforcer: RwLock<Enforcer>,
    /// The decisions taken so far. casbin runs its matcher as a script on every check, which
    /// was several percent of a request's CPU, checked once or more per request with a
    /// handful of distinct questions. Filled and read under the enforcer's read lock and
    /// emptied under its write lock, so no decision outlives the policies it was taken on.
    decisions: Mutex<HashMap<Decision, bool>>,
    /// When each tenant's custom roles were last loaded.
    loaded: Mutex<HashMap<TenantId, Instant>>,
}

impl Rbac {
    /// An enforcer with the built-in roles' policies from the control plane.
    pub async fn load(store: &Store) -> Result<Rbac, RbacError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT role, permission FROM control.role_permissions")
                .fetch_all(store.tenancy().catalog_pool())
                .await
                .map_err(StoreError::from)?;
        Rbac::with_builtin(rows).await
    }

    /// An enforcer with the given built-in `(role, permission)` policies.
    pub async fn with_builtin(rows: Vec<(String, String)>) -> Result<Rbac, RbacError> {
        let model = DefaultModel::from_str(MODEL).await?;
        let mut enforcer = Enforcer::new(model, MemoryAdapter::default()).await?;
        let policies: Vec<Vec<String>> = rows
            .into_iter()
            .filter_map(|(role, permission)| {
                let domain = if TENANT_ROLES.contains(&role.as_str()) {
                    "tenants"
                } else if PLATFORM_ROLES.contains(&role.as_str()) {
                    "platform"
                } else {
                    tracing::warn!(%role, "role_permissions names an unknown built-in role; ignored");
                    return None;
                };
                Some(vec![role, domain.to_owned(), permission])
            })
            .collect();
        if !policies.is_empty() {
            enforcer.add_policies(policies).await?;
        }
        Ok(Rbac {
            enforcer: RwLock::new(enforcer),
            decisions: Mutex::new(HashMap::new()),
            loaded: Mutex::new(HashMap::new()),
        })
    }

    /// Whether `role` may do `permission` in `domain`. A custom role's policies must have been
    /// loaded (see [`Rbac::ensure_tenant`]); an unknown role is allowed nothing.
    pub async fn allows(&self, role: &str, domain: Domain, permission: &str) -> bool {
        let enforcer = self.enforcer.read().await;
        let question = Decision {
            domain,
            role_and_permission: format!("{role}\u{1f}{permission}"),
        };
        if let Some(&allowed) = self.decided().get(&question) {
            return allowed;
        }
        let allowed = match enforcer.enforce((role, domain.as_string().as_str(), permission)) {
            Ok(allowed) => allowed,
            Err(err) => {
                tracing::error!(error = %err, "access policy evaluation failed; denied");
                return false;
            }
        };
        let mut decided = self.decided();
        // Bounded: custom roles times agencies could grow it without end.
        if decided.len() >= MAX_DECISIONS {
            decided.clear();
        }
        decided.insert(question, allowed);
        allowed
    }

    fn decided(&self) -> std::sync::MutexGuard<'_, HashMap<Decision, bool>> {
        self.decisions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads (or refreshes, when older than the TTL) `tenant`'s custom roles, when `role` is
    /// not a built-in one.
    pub async fn ensure_tenant(
        &self,
        store: &Store,
        tenant: &Tenant,
        role: &str,
    ) -> Result<(), RbacError> {
        if TENANT_ROLES.contains(&role) || PLATFORM_ROLES.contains(&role) {
            return Ok(());
        }
        let fresh = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&tenant.id())
            .is_some_and(|at| at.elapsed() < CUSTOM_ROLE_TTL);
        if fresh {
            return Ok(());
        }
        let mut tx = store.tenancy().begin(tenant).await?;
        let rows: Vec<(String, Vec<String>)> = tx
            .query_as("SELECT key, permissions FROM roles WHERE tenant_id = $1")
            .bind(tenant.id().as_uuid())
            .fetch_all(tx.conn())
            .await
            .map_err(StoreError::from)?;
        tx.commit().await?;
        self.replace_custom(tenant.id(), rows).await
    }

    /// Replaces the tenant's custom role policies with `roles` (key, permissions).
    pub async fn replace_custom(
        &self,
        tenant: TenantId,
        roles: Vec<(String, Vec<String>)>,
    ) -> Result<(), RbacError> {
        let domain = tenant.to_string();
        let policies: Vec<Vec<String>> = roles
            .into_iter()
            .flat_map(|(role, permissions)| {
                let domain = domain.clone();
                permissions
                    .into_iter()
                    // Only tenant permissions: a custom role can never reach the platform.
                    .filter(|p| is_tenant_permission(p))
                    .map(move |p| vec![role.clone(), domain.clone(), p])
            })
            .collect();
        {
            let mut enforcer = self.enforcer.write().await;
            // Whatever happens below, no decision taken on the old policies survives.
            self.decided().clear();
            enforcer
                .remove_filtered_policy(1, vec![domain.clone()])
                .await?;
            if !policies.is_empty() {
                enforcer.add_policies(policies).await?;
            }
        }
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(tenant, Instant::now());
        Ok(())
    }

    /// Forgets a tenant's custom roles so the next check reloads them.
    pub fn invalidate(&self, tenant: TenantId) {
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn rbac() -> Rbac {
        let rows = [
            ("tenant_admin", "*"),
            ("agent", "clients:read"),
            ("agent", "clients:write"),
            ("agent_assistant", "clients:read"),
            ("super_admin", "platform:*"),
            ("global_support", "platform:tenants:read"),
        ];
        Rbac::with_builtin(
            rows.iter()
                .map(|(r, p)| (r.to_string(), p.to_string()))
                .collect(),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn built_in_roles_hold_in_every_tenant_and_only_there() {
        let rbac = rbac().await;
        let a = Domain::Tenant(TenantId::new());
        assert!(rbac.allows("tenant_admin", a, "users:manage").await);
        assert!(rbac.allows("agent", a, "clients:write").await);
        assert!(!rbac.allows("agent", a, "users:manage").await);
        assert!(rbac.allows("agent_assistant", a, "clients:read").await);
        assert!(!rbac.allows("agent_assistant", a, "clients:write").await);
        // The tenant admin's "*" does not reach the platform, nor the platform's a tenant.
        assert!(
            !rbac
                .allows("tenant_admin", Domain::Platform, "platform:tenants:manage")
                .await
        );
        assert!(!rbac.allows("super_admin", a, "users:manage").await);
        assert!(
            rbac.allows("super_admin", Domain::Platform, "platform:tenants:manage")
                .await
        );
        assert!(
            rbac.allows("global_support", Domain::Platform, "platform:tenants:read")
                .await
        );
        assert!(
            !rbac
                .allows(
                    "global_support",
                    Domain::Platform,
                    "platform:tenants:manage"
                )
                .await
        );
        assert!(!rbac.allows("nobody", a, "clients:read").await);
    }

    #[tokio::test]
    async fn custom_roles_hold_in_their_tenant_only() {
        let rbac = rbac().await;
        let (a, b) = (TenantId::new(), TenantId::new());
        rbac.replace_custom(
            a,
            vec![(
                "reviewer".into(),
                vec![
                    "registrations:read".into(),
                    "platform:tenants:manage".into(),
                ],
            )],
        )
        .await
        .unwrap();
        assert!(
            rbac.allows("reviewer", Domain::Tenant(a), "registrations:read")
                .await
        );
        assert!(
            !rbac
                .allows("reviewer", Domain::Tenant(b), "registrations:read")
                .await
        );
        assert!(
            !rbac
                .allows("reviewer", Domain::Platform, "platform:tenants:manage")
                .await
        );
        assert!(
            !rbac
                .allows("reviewer", Domain::Tenant(a), "registrations:write")
                .await
        );
        // Replacing drops what is gone.
        rbac.replace_custom(a, vec![("reviewer".into(), vec!["clients:read".into()])])
            .await
            .unwrap();
        assert!(
            !rbac
                .allows("reviewer", Domain::Tenant(a), "registrations:read")
                .await
        );
        assert!(
            rbac.allows("reviewer", Domain::Tenant(a), "clients:read")
                .await
        );
    }
}
