//! Template databases: one per server, kept at the latest tenant version, copied by
//! `CREATE DATABASE … TEMPLATE` to create a database-mode tenant in one step.

use crate::namespace::{create_schema, local_version, migrate_schema};
use crate::{DATABASE_MODE_SCHEMA, Store, StoreError, bootstrap, catalog, quote_ident};
use comply360_domain::ServerId;
use sqlx::{Connection, PgConnection};

impl Store {
    /// The template database of a server, at the latest version. Returns its name.
    async fn ensure_template(
        &self,
        server: ServerId,
        admin: &mut PgConnection,
    ) -> Result<String, StoreError> {
        let template = format!("{}template", self.settings().database_prefix);
        let created = bootstrap::ensure_database(admin, &template).await?;
        let mut conn = self.owner_connection(server, Some(&template)).await?;
        if created {
            bootstrap::lock_down_database(&mut conn, &template).await?;
            // Nobody but the owner connects to a template: CREATE DATABASE needs it idle.
            sqlx::Executor::execute(
                &mut conn,
                sqlx::raw_sql(&format!(
                    "REVOKE CONNECT ON DATABASE {} FROM c360_app",
                    quote_ident(&template)
                )),
            )
            .await?;
        }
        create_schema(&mut conn, DATABASE_MODE_SCHEMA).await?;
        let version = migrate_schema(
            &mut conn,
            DATABASE_MODE_SCHEMA,
            self.tenant_migrations(),
            self.settings().locks,
        )
        .await?;
        conn.close().await?;
        let ns = catalog::upsert_namespace(
            self.owner_pool(),
            server,
            Some(&template),
            DATABASE_MODE_SCHEMA,
            "template",
            version,
        )
        .await?;
        catalog::set_namespace_version(self.owner_pool(), ns, version).await?;
        Ok(template)
    }

    /// `CREATE DATABASE … TEMPLATE`, holding the server's template lock so no migration of the
    /// template runs meanwhile. Returns the new database's schema version.
    pub(super) async fn create_database_from_template(
        &self,
        server: ServerId,
        database: &str,
    ) -> Result<i32, StoreError> {
        let mut lock = self.owner_pool().acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(hashtext('c360-template:' || $1::text))")
            .bind(server.as_uuid())
            .execute(&mut *lock)
            .await?;
        let result = async {
            let mut owner = self.owner_connection(server, Some("postgres")).await?;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(database)
                    .fetch_one(&mut owner)
                    .await?;
            if !exists {
                let template = self.ensure_template(server, &mut owner).await?;
                sqlx::Executor::execute(
                    &mut owner,
                    sqlx::raw_sql(&format!(
                        "CREATE DATABASE {} TEMPLATE {} OWNER c360_owner",
                        quote_ident(database),
                        quote_ident(&template)
                    )),
                )
                .await?;
            }
            owner.close().await?;
            let mut conn = self.owner_connection(server, Some(database)).await?;
            bootstrap::lock_down_database(&mut conn, database).await?;
            let version = local_version(&mut conn, DATABASE_MODE_SCHEMA).await?;
            if version.is_none() {
                create_schema(&mut conn, DATABASE_MODE_SCHEMA).await?;
            }
            conn.close().await?;
            Ok::<i32, StoreError>(version.unwrap_or(0))
        }
        .await;
        sqlx::query("SELECT pg_advisory_unlock(hashtext('c360-template:' || $1::text))")
            .bind(server.as_uuid())
            .execute(&mut *lock)
            .await?;
        result
    }
}
