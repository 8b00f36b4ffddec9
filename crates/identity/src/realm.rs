//! Where an account lives: in a tenant (agency users) or in the platform (operators).
//!
//! Both realms keep credentials, sessions, refresh tokens and recovery codes in tables of the
//! same shape (the platform's carry the nil tenant id), so the identity SQL is written once
//! with `{users}`-style placeholders and [`RealmTx::sql`] names the realm's tables. Tenant
//! tables are reached only through a [`TenantTx`] (RLS context set), platform tables through
//! the control plane's app-role pool.

use comply360_store::{Store, StoreError, Tenant, TenantTx};
use sqlx::postgres::PgArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{FromRow, PgConnection, Postgres, Transaction, postgres::PgRow};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use uuid::Uuid;

/// A realm of accounts.
#[derive(Clone, Debug)]
pub enum Realm {
    Tenant(Arc<Tenant>),
    Platform,
}

impl Realm {
    /// The tenant id rows of this realm carry (nil for the platform).
    pub fn tenant_uuid(&self) -> Uuid {
        match self {
            Realm::Tenant(t) => t.id().as_uuid(),
            Realm::Platform => Uuid::nil(),
        }
    }

    /// The tenant id a token of this realm carries in `tid`.
    pub fn token_tenant(&self) -> Option<Uuid> {
        match self {
            Realm::Tenant(t) => Some(t.id().as_uuid()),
            Realm::Platform => None,
        }
    }

    /// A short name for rate-limit keys and logs.
    pub fn key(&self) -> String {
        match self {
            Realm::Tenant(t) => format!("t:{}", t.id()),
            Realm::Platform => "platform".into(),
        }
    }

    pub fn tenant(&self) -> Option<&Arc<Tenant>> {
        match self {
            Realm::Tenant(t) => Some(t),
            Realm::Platform => None,
        }
    }

    pub async fn begin(&self, store: &Store) -> Result<RealmTx, StoreError> {
        Ok(match self {
            Realm::Tenant(t) => RealmTx::Tenant(store.tenancy().begin(t).await?),
            Realm::Platform => RealmTx::Platform(
                comply360_store::txn::begin(store.tenancy().catalog_pool(), None).await?,
            ),
        })
    }
}

/// An open transaction in a realm.
pub enum RealmTx {
    Tenant(TenantTx),
    Platform(Transaction<'static, Postgres>),
}

const PLACEHOLDERS: [(&str, &str, &str); 4] = [
    ("{users}", "users", "control.platform_users"),
    ("{sessions}", "sessions", "control.platform_sessions"),
    (
        "{refresh_tokens}",
        "refresh_tokens",
        "control.platform_refresh_tokens",
    ),
    (
        "{recovery_codes}",
        "recovery_codes",
        "control.platform_recovery_codes",
    ),
];

/// Statements with the realm's table names, built once per (template, realm): the set of
/// templates is fixed in the code, so the cache is bounded.
static STATEMENTS: LazyLock<Mutex<HashMap<(&'static str, bool), &'static str>>> =
    LazyLock::new(Default::default);

fn statement(template: &'static str, platform: bool) -> &'static str {
    let mut cache = STATEMENTS.lock().unwrap_or_else(|e| e.into_inner());
    cache.entry((template, platform)).or_insert_with(|| {
        let mut sql = template.to_owned();
        for (placeholder, tenant, control) in PLACEHOLDERS {
            sql = sql.replace(placeholder, if platform { control } else { tenant });
        }
        Box::leak(sql.into_boxed_str())
    })
}

impl RealmTx {
    pub fn is_platform(&self) -> bool {
        matches!(self, RealmTx::Platform(_))
    }

    pub fn tenant_uuid(&self) -> Uuid {
        match self {
            RealmTx::Tenant(tx) => tx.tenant_id().as_uuid(),
            RealmTx::Platform(_) => Uuid::nil(),
        }
    }

    fn persistent(&self) -> bool {
        match self {
            RealmTx::Tenant(tx) => tx.persistent(),
            RealmTx::Platform(_) => true,
        }
    }

    /// `template` with this realm's table names.
    pub fn sql(&self, template: &'static str) -> &'static str {
        statement(template, self.is_platform())
    }

    pub fn query<'q>(&self, template: &'static str) -> Query<'q, Postgres, PgArguments> {
        sqlx::query(self.sql(template)).persistent(self.persistent())
    }

    pub fn query_as<'q, O>(&self, template: &'static str) -> QueryAs<'q, Postgres, O, PgArguments>
    where
        O: for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_as(self.sql(template)).persistent(self.persistent())
    }

    pub fn query_scalar<'q, O>(
        &self,
        template: &'static str,
    ) -> QueryScalar<'q, Postgres, O, PgArguments>
    where
        (O,): for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_scalar(self.sql(template)).persistent(self.persistent())
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        match self {
            RealmTx::Tenant(tx) => tx.conn(),
            RealmTx::Platform(tx) => tx,
        }
    }

    /// The tenant transaction, for work only tenants have (notifications, API keys).
    pub fn tenant_tx(&mut self) -> Option<&mut TenantTx> {
        match self {
            RealmTx::Tenant(tx) => Some(tx),
            RealmTx::Platform(_) => None,
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            RealmTx::Tenant(tx) => tx.commit().await,
            RealmTx::Platform(tx) => comply360_store::txn::commit(tx).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_each_realms_tables() {
        let t = "SELECT 1 FROM {users} u JOIN {sessions} s ON s.user_id = u.id";
        assert_eq!(
            statement(t, false),
            "SELECT 1 FROM users u JOIN sessions s ON s.user_id = u.id"
        );
        assert_eq!(
            statement(t, true),
            "SELECT 1 FROM control.platform_users u JOIN control.platform_sessions s ON s.user_id = u.id"
        );
        // Cached: the same &'static str comes back.
        assert!(std::ptr::eq(statement(t, true), statement(t, true)));
    }
}
