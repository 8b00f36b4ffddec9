//! The undo of provisioning.

use crate::catalog::{self, TenantRecord};
use crate::{POOLED_SCHEMA, Store, StoreError, quote_ident};
use comply360_domain::{IsolationMode, ProvisioningState};
use serde_json::json;
use sqlx::Connection;

impl Store {
    /// The undo of provisioning: drops what the steps created (schema, database, or the
    /// tenant's pooled rows, in batches) and the catalog rows. Refused for an active tenant
    /// unless `force` (lifecycle deletion with export and grace period builds on this).
    pub async fn discard_tenant(&self, slug: &str, force: bool) -> Result<(), StoreError> {
        let record = catalog::require_tenant(self.owner_pool(), slug).await?;
        if record.placement.state == ProvisioningState::Active && !force {
            return Err(StoreError::Invalid(format!(
                "tenant {slug:?} is active; discarding is for failed provisioning (use force to drop an active tenant)"
            )));
        }
        let p = &record.placement;
        match record.mode {
            IsolationMode::Pooled => self.delete_pooled_rows(&record).await?,
            IsolationMode::Schema => {
                sqlx::raw_sql(&format!(
                    "DROP SCHEMA IF EXISTS {} CASCADE",
                    quote_ident(&p.schema)
                ))
                .execute(self.owner_pool())
                .await?;
            }
            IsolationMode::Database => {
                if let Some(db) = &p.database {
                    self.tenancy().close_database_pool(p.server_id, db).await;
                    let mut owner = self.owner_connection(p.server_id, Some("postgres")).await?;
                    sqlx::raw_sql(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        quote_ident(db)
                    ))
                    .execute(&mut owner)
                    .await?;
                    owner.close().await?;
                }
            }
        }
        let mut tx = crate::txn::begin(self.owner_pool(), None).await?;
        sqlx::query("DELETE FROM control.tenants WHERE id = $1")
            .bind(record.id.as_uuid())
            .execute(&mut *tx)
            .await?;
        if record.mode != IsolationMode::Pooled {
            sqlx::query(
                "DELETE FROM control.namespaces n WHERE n.server_id = $1 AND n.database_name IS NOT DISTINCT FROM $2
                   AND n.schema_name = $3 AND n.kind <> 'pooled'",
            )
            .bind(p.server_id.as_uuid())
            .bind(&p.database)
            .bind(&p.schema)
            .execute(&mut *tx)
            .await?;
        }
        catalog::audit(
            &mut *tx,
            "operator",
            "tenant.discarded",
            Some(record.id),
            json!({"slug": slug}),
        )
        .await?;
        crate::txn::commit(tx).await?;
        self.tenancy().invalidate(record.id);
        Ok(())
    }

    /// Pooled rows go in batches so a large tenant never takes more locks than the lock table
    /// holds, and children before parents. Runs as the owner (the audit log is append-only for
    /// the app role) with the tenant's context, since forced RLS filters the owner too.
    async fn delete_pooled_rows(&self, record: &TenantRecord) -> Result<(), StoreError> {
        for table in [
            "audit_log",
            "commissions",
            "documents",
            "registrations",
            "clients",
            "settings",
            "users",
        ] {
            loop {
                let mut tx = crate::txn::begin(self.owner_pool(), None).await?;
                sqlx::query("SELECT set_config('search_path', $1, true), set_config('app.tenant_id', $2, true)")
                    .bind(POOLED_SCHEMA)
                    .bind(record.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                let key = if table == "settings" { "key" } else { "id" };
                let sql = format!(
                    "DELETE FROM {table} WHERE tenant_id = $1 AND {key} IN
                       (SELECT {key} FROM {table} WHERE tenant_id = $1 LIMIT 5000)"
                );
                let n = sqlx::query(&sql)
                    .bind(record.id.as_uuid())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                crate::txn::commit(tx).await?;
                if n == 0 {
                    break;
                }
            }
        }
        Ok(())
    }
}
