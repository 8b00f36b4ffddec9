//! Each provisioning step's work: create the namespace (a schema, or a database from the
//! template), build its schema, seed it, create the administrator, finish.

use crate::catalog::{self, TenantRecord};
use crate::namespace::{create_schema, local_version, migrate_schema};
use crate::{POOLED_SCHEMA, Store, StoreError};
use comply360_domain::IsolationMode;
use serde_json::json;
use sqlx::Connection;

impl Store {
    pub(super) async fn step_create_namespace(
        &self,
        record: &TenantRecord,
    ) -> Result<(), StoreError> {
        let p = &record.placement;
        // A tenant database on its server is created (durably) before the catalog records it.
        let database_version = match (record.mode, &p.database) {
            (IsolationMode::Database, Some(db)) => {
                Some(self.create_database_from_template(p.server_id, db).await?)
            }
            (IsolationMode::Database, None) => {
                return Err(StoreError::Invalid(
                    "database-mode placement without a database".into(),
                ));
            }
            _ => None,
        };
        let mut tx = self.bookkeeping_tx().await?;
        let ns = match record.mode {
            IsolationMode::Pooled => {
                catalog::namespace_by_location(&mut *tx, p.server_id, None, POOLED_SCHEMA)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Invalid(
                            "the pooled namespace is missing; run comply360 migrate".into(),
                        )
                    })?
                    .id
            }
            IsolationMode::Schema => {
                create_schema(&mut tx, &p.schema).await?;
                let version = local_version(&mut tx, &p.schema).await?.unwrap_or(0);
                catalog::upsert_namespace(&mut *tx, p.server_id, None, &p.schema, "schema", version)
                    .await?
            }
            IsolationMode::Database => {
                catalog::upsert_namespace(
                    &mut *tx,
                    p.server_id,
                    p.database.as_deref(),
                    &p.schema,
                    "database",
                    database_version.unwrap_or(0),
                )
                .await?
            }
        };
        sqlx::query("UPDATE control.placements SET namespace_id = $2 WHERE tenant_id = $1")
            .bind(record.id.as_uuid())
            .bind(ns.as_uuid())
            .execute(&mut *tx)
            .await?;
        crate::txn::commit(tx).await
    }

    /// Brings the namespace to the latest version: schema mode builds the whole snapshot in one
    /// transaction; a database copied from the template is normally current; the pooled
    /// namespace is current unless a fleet migration is pending.
    pub(super) async fn step_build_schema(&self, record: &TenantRecord) -> Result<(), StoreError> {
        let p = &record.placement;
        let set = self.tenant_migrations();
        let locks = self.settings().locks;
        let version = match &p.database {
            Some(db) => {
                let mut conn = self.owner_connection(p.server_id, Some(db)).await?;
                let version = migrate_schema(&mut conn, &p.schema, set, locks).await?;
                conn.close().await?;
                version
            }
            None => 0,
        };
        let mut tx = self.bookkeeping_tx().await?;
        let ns =
            catalog::namespace_by_location(&mut *tx, p.server_id, p.database.as_deref(), &p.schema)
                .await?
                .ok_or_else(|| StoreError::Invalid(format!("namespace {} vanished", p.schema)))?;
        let version = match &p.database {
            Some(_) => version,
            None if ns.schema_version >= set.latest() => return Ok(()),
            None => migrate_schema(&mut tx, &p.schema, set, locks).await?,
        };
        catalog::set_namespace_version(&mut *tx, ns.id, version).await?;
        crate::txn::commit(tx).await
    }

    pub(super) async fn step_seed(&self, record: &TenantRecord) -> Result<(), StoreError> {
        let mut tx = self.provisioning_tenant_tx(record).await?;
        let defaults = [
            (
                "branding",
                json!({"display_name": record.name, "primary_color": "#0b5fff"}),
            ),
            ("locale", json!("en-ZA")),
            ("currency", json!("ZAR")),
            ("timezone", json!("Africa/Johannesburg")),
        ];
        // One statement for all defaults.
        let keys: Vec<&str> = defaults.iter().map(|(k, _)| *k).collect();
        let values: Vec<serde_json::Value> = defaults.iter().map(|(_, v)| v.clone()).collect();
        tx.query(
            "INSERT INTO settings (tenant_id, key, value)
             SELECT $1, k, v FROM unnest($2::text[], $3::jsonb[]) AS d(k, v)
             ON CONFLICT DO NOTHING",
        )
        .bind(record.id.as_uuid())
        .bind(keys)
        .bind(values)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    pub(super) async fn step_create_admin(&self, record: &TenantRecord) -> Result<(), StoreError> {
        let Some(email) = &record.placement.admin_email else {
            return Ok(());
        };
        let mut tx = self.provisioning_tenant_tx(record).await?;
        tx.query(
            "INSERT INTO users (tenant_id, id, email, role, status) VALUES ($1, $2, $3, 'tenant_admin', 'invited')
             ON CONFLICT (tenant_id, lower(email)) DO NOTHING",
        )
        .bind(record.id.as_uuid())
        .bind(uuid::Uuid::now_v7())
        .bind(email)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// A tenant transaction for provisioning; in the app database it need not wait for the
    /// WAL flush either (the final synchronous commit covers it). A tenant database elsewhere
    /// commits durably.
    async fn provisioning_tenant_tx(
        &self,
        record: &TenantRecord,
    ) -> Result<crate::TenantTx, StoreError> {
        let mut tx = self.tenancy().begin_record(record).await?;
        if record.placement.database.is_none() {
            tx.query("SELECT set_config('synchronous_commit', 'off', true)")
                .execute(tx.conn())
                .await?;
        }
        Ok(tx)
    }

    pub(super) async fn step_finish(&self, record: &TenantRecord) -> Result<(), StoreError> {
        let mut tx = crate::txn::begin(self.owner_pool(), None).await?;
        sqlx::query(
            "UPDATE control.placements SET state = 'active', last_error = NULL, updated_at = now() WHERE tenant_id = $1",
        )
        .bind(record.id.as_uuid())
        .execute(&mut *tx)
        .await?;
        catalog::audit(
            &mut *tx,
            "operator",
            "tenant.provisioned",
            Some(record.id),
            json!({"slug": record.slug}),
        )
        .await?;
        crate::txn::commit(tx).await
    }
}
