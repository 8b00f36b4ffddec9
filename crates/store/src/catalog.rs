//! The control-plane catalog: tenants, their placement, namespaces and servers.
//!
//! Read by the app role (placement resolution), written by the owner role (provisioning,
//! lifecycle). Queries name the `control` schema explicitly: the catalog is never reached
//! through a tenant's search_path.

use crate::StoreError;
use chrono::{DateTime, Utc};
use comply360_domain::{
    IsolationMode, NamespaceId, ProvisioningState, ProvisioningStep, ServerId, Slug, TenantId,
    TenantStatus, Tier,
};
use serde::Serialize;
use sqlx::{PgExecutor, Row};
use uuid::Uuid;

/// A tenant with its placement, as the catalog holds it.
#[derive(Clone, Debug, Serialize)]
pub struct TenantRecord {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub tier: Tier,
    pub mode: IsolationMode,
    pub settings: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Unpaid past the grace period since then: reads go on, writes pause (platform billing).
    pub billing_hold_since: Option<DateTime<Utc>>,
    pub placement: Placement,
}

#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    pub server_id: ServerId,
    pub server_name: String,
    pub server_is_primary: bool,
    /// `None`: the app database.
    pub database: Option<String>,
    pub schema: String,
    pub namespace_id: Option<NamespaceId>,
    pub schema_version: Option<i32>,
    pub state: ProvisioningState,
    pub completed_step: Option<ProvisioningStep>,
    pub last_error: Option<String>,
    pub attempts: i32,
    #[serde(skip)]
    pub admin_email: Option<String>,
}

const TENANT_SELECT: &str = "
    SELECT t.id, t.slug, t.name, t.status, t.tier, t.isolation_mode, t.settings, t.created_at,
           t.updated_at, t.billing_hold_since, p.server_id, s.name AS server_name, s.is_primary, p.database_name,
           p.schema_name, p.namespace_id, n.schema_version, p.state, p.completed_step,
           p.last_error, p.attempts, p.admin_email
      FROM control.tenants t
      JOIN control.placements p ON p.tenant_id = t.id
      JOIN control.servers s ON s.id = p.server_id
      LEFT JOIN control.namespaces n ON n.id = p.namespace_id";

fn tenant_from_row(row: &sqlx::postgres::PgRow) -> Result<TenantRecord, StoreError> {
    let text = |col: &str| -> Result<String, StoreError> { Ok(row.try_get::<String, _>(col)?) };
    Ok(TenantRecord {
        id: TenantId::from_uuid(row.try_get("id")?),
        slug: text("slug")?,
        name: text("name")?,
        status: text("status")?.parse()?,
        tier: text("tier")?.parse()?,
        mode: text("isolation_mode")?.parse()?,
        settings: row.try_get("settings")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        billing_hold_since: row.try_get("billing_hold_since")?,
        placement: Placement {
            server_id: ServerId::from_uuid(row.try_get("server_id")?),
            server_name: text("server_name")?,
            server_is_primary: row.try_get("is_primary")?,
            database: row.try_get("database_name")?,
            schema: text("schema_name")?,
            namespace_id: row
                .try_get::<Option<Uuid>, _>("namespace_id")?
                .map(NamespaceId::from_uuid),
            schema_version: row.try_get("schema_version")?,
            state: text("state")?.parse()?,
            completed_step: row
                .try_get::<Option<String>, _>("completed_step")?
                .map(|s| s.parse())
                .transpose()?,
            last_error: row.try_get("last_error")?,
            attempts: row.try_get("attempts")?,
            admin_email: row.try_get("admin_email")?,
        },
    })
}

pub async fn tenant_by_slug<'c>(
    db: impl PgExecutor<'c>,
    slug: &str,
) -> Result<Option<TenantRecord>, StoreError> {
    let row = sqlx::query(&format!("{TENANT_SELECT} WHERE t.slug = $1"))
        .bind(slug)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(tenant_from_row).transpose()
}

/// As [`tenant_by_slug`], with an unknown slug as the error that tells the user what to do.
pub async fn require_tenant<'c>(
    db: impl PgExecutor<'c>,
    slug: &str,
) -> Result<TenantRecord, StoreError> {
    tenant_by_slug(db, slug)
        .await?
        .ok_or_else(|| StoreError::UnknownTenant(slug.to_owned()))
}

pub async fn tenant_by_id<'c>(
    db: impl PgExecutor<'c>,
    id: TenantId,
) -> Result<Option<TenantRecord>, StoreError> {
    let row = sqlx::query(&format!("{TENANT_SELECT} WHERE t.id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(db)
        .await?;
    row.as_ref().map(tenant_from_row).transpose()
}

/// Every tenant, by slug. The operator's list; fine for tens of thousands of rows.
pub async fn list_tenants<'c>(db: impl PgExecutor<'c>) -> Result<Vec<TenantRecord>, StoreError> {
    let rows = sqlx::query(&format!("{TENANT_SELECT} ORDER BY t.slug"))
        .fetch_all(db)
        .await?;
    rows.iter().map(tenant_from_row).collect()
}

/// Agencies by isolation mode and status, for the `tenants{mode,status}` gauge. The status is
/// the one an operator acts on: `suspended`, then an unfinished or failed provisioning
/// (`requested`, `provisioning`, `failed`), then `billing_hold`, else `active`.
pub async fn tenant_counts<'c>(
    db: impl PgExecutor<'c>,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT t.isolation_mode, \
                CASE WHEN t.status = 'suspended' THEN 'suspended' \
                     WHEN p.state IS DISTINCT FROM 'active' THEN coalesce(p.state, 'requested') \
                     WHEN t.billing_hold_since IS NOT NULL THEN 'billing_hold' \
                     ELSE 'active' END AS status, \
                count(*) \
         FROM control.tenants t LEFT JOIN control.placements p ON p.tenant_id = t.id \
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(db)
    .await?)
}

pub async fn set_status<'c>(
    db: impl PgExecutor<'c>,
    slug: &Slug,
    status: TenantStatus,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE control.tenants SET status = $2, updated_at = now() WHERE slug = $1")
            .bind(slug.as_str())
            .bind(status.as_str())
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// A PostgreSQL server registered for database-mode tenants.
#[derive(Clone, Debug, Serialize)]
pub struct ServerRecord {
    pub id: ServerId,
    pub name: String,
    pub is_primary: bool,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub admin_user: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn server_from_row(row: &sqlx::postgres::PgRow) -> Result<ServerRecord, StoreError> {
    Ok(ServerRecord {
        id: ServerId::from_uuid(row.try_get("id")?),
        name: row.try_get("name")?,
        is_primary: row.try_get("is_primary")?,
        host: row.try_get("host")?,
        port: row
            .try_get::<Option<i32>, _>("port")?
            .and_then(|p| u16::try_from(p).ok()),
        admin_user: row.try_get("admin_user")?,
        created_at: row.try_get("created_at")?,
    })
}

const SERVER_SELECT: &str =
    "SELECT id, name, is_primary, host, port, admin_user, created_at FROM control.servers";

pub async fn list_servers<'c>(db: impl PgExecutor<'c>) -> Result<Vec<ServerRecord>, StoreError> {
    let rows = sqlx::query(&format!("{SERVER_SELECT} ORDER BY is_primary DESC, name"))
        .fetch_all(db)
        .await?;
    rows.iter().map(server_from_row).collect()
}

pub async fn server_by_name<'c>(
    db: impl PgExecutor<'c>,
    name: &str,
) -> Result<Option<ServerRecord>, StoreError> {
    let row = sqlx::query(&format!("{SERVER_SELECT} WHERE name = $1"))
        .bind(name)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(server_from_row).transpose()
}

pub async fn server_by_id<'c>(
    db: impl PgExecutor<'c>,
    id: ServerId,
) -> Result<Option<ServerRecord>, StoreError> {
    let row = sqlx::query(&format!("{SERVER_SELECT} WHERE id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(db)
        .await?;
    row.as_ref().map(server_from_row).transpose()
}

pub async fn primary_server<'c>(
    db: impl PgExecutor<'c>,
) -> Result<Option<ServerRecord>, StoreError> {
    let row = sqlx::query(&format!("{SERVER_SELECT} WHERE is_primary"))
        .fetch_optional(db)
        .await?;
    row.as_ref().map(server_from_row).transpose()
}

/// A namespace as the catalog records it.
#[derive(Clone, Debug, Serialize)]
pub struct NamespaceRecord {
    pub id: NamespaceId,
    pub server_id: ServerId,
    pub database: Option<String>,
    pub schema: String,
    pub kind: String,
    pub schema_version: i32,
    pub last_error: Option<String>,
}

impl NamespaceRecord {
    /// A short name for progress lines and reports: `schema` or `database/schema`.
    pub fn label(&self) -> String {
        match &self.database {
            Some(db) => format!("{db}/{}", self.schema),
            None => self.schema.clone(),
        }
    }
}

fn namespace_from_row(row: &sqlx::postgres::PgRow) -> Result<NamespaceRecord, StoreError> {
    Ok(NamespaceRecord {
        id: NamespaceId::from_uuid(row.try_get("id")?),
        server_id: ServerId::from_uuid(row.try_get("server_id")?),
        database: row.try_get("database_name")?,
        schema: row.try_get("schema_name")?,
        kind: row.try_get("kind")?,
        schema_version: row.try_get("schema_version")?,
        last_error: row.try_get("last_error")?,
    })
}

const NAMESPACE_SELECT: &str = "SELECT id, server_id, database_name, schema_name, kind, schema_version, last_error FROM control.namespaces";

/// Namespaces below `version`: the fleet's work list. Indexed on schema_version, so with
/// nothing to do this reads no rows.
pub async fn namespaces_below<'c>(
    db: impl PgExecutor<'c>,
    version: i32,
) -> Result<Vec<NamespaceRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "{NAMESPACE_SELECT} WHERE schema_version < $1
         ORDER BY CASE kind WHEN 'pooled' THEN 0 WHEN 'template' THEN 1 WHEN 'schema' THEN 2 ELSE 3 END,
                  database_name NULLS FIRST, schema_name"
    ))
    .bind(version)
    .fetch_all(db)
    .await?;
    rows.iter().map(namespace_from_row).collect()
}

pub async fn all_namespaces<'c>(
    db: impl PgExecutor<'c>,
) -> Result<Vec<NamespaceRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "{NAMESPACE_SELECT} ORDER BY database_name NULLS FIRST, schema_name"
    ))
    .fetch_all(db)
    .await?;
    rows.iter().map(namespace_from_row).collect()
}

pub async fn namespace_by_location<'c>(
    db: impl PgExecutor<'c>,
    server: ServerId,
    database: Option<&str>,
    schema: &str,
) -> Result<Option<NamespaceRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "{NAMESPACE_SELECT} WHERE server_id = $1 AND database_name IS NOT DISTINCT FROM $2 AND schema_name = $3"
    ))
    .bind(server.as_uuid())
    .bind(database)
    .bind(schema)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(namespace_from_row).transpose()
}

/// Records a namespace (or returns the existing one at that location).
pub async fn upsert_namespace<'c>(
    db: impl PgExecutor<'c>,
    server: ServerId,
    database: Option<&str>,
    schema: &str,
    kind: &str,
    version: i32,
) -> Result<NamespaceId, StoreError> {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO control.namespaces (id, server_id, database_name, schema_name, kind, schema_version)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (server_id, database_name, schema_name)
         DO UPDATE SET kind = EXCLUDED.kind
         RETURNING id",
    )
    .bind(NamespaceId::new().as_uuid())
    .bind(server.as_uuid())
    .bind(database)
    .bind(schema)
    .bind(kind)
    .bind(version)
    .fetch_one(db)
    .await?;
    Ok(NamespaceId::from_uuid(id))
}

pub async fn set_namespace_version<'c>(
    db: impl PgExecutor<'c>,
    id: NamespaceId,
    version: i32,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE control.namespaces SET schema_version = $2, migrated_at = now(), last_error = NULL WHERE id = $1",
    )
    .bind(id.as_uuid())
    .bind(version)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_namespace_error<'c>(
    db: impl PgExecutor<'c>,
    id: NamespaceId,
    error: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE control.namespaces SET last_error = $2 WHERE id = $1")
        .bind(id.as_uuid())
        .bind(error)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a server for database-mode tenants (the primary is recorded at start-up).
pub async fn insert_server<'c>(
    db: impl PgExecutor<'c>,
    id: ServerId,
    name: &str,
    address: &crate::connect::ServerAddress,
    admin_user: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO control.servers (id, name, host, port, admin_user) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.as_uuid())
    .bind(name)
    .bind(&address.host)
    .bind(i32::from(address.port))
    .bind(admin_user)
    .execute(db)
    .await?;
    Ok(())
}

/// Appends to the platform audit log.
pub async fn audit<'c>(
    db: impl PgExecutor<'c>,
    actor: &str,
    action: &str,
    tenant: Option<TenantId>,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO control.platform_audit_log (id, actor, action, tenant_id, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(Uuid::now_v7())
        .bind(actor)
        .bind(action)
        .bind(tenant.map(|t| t.as_uuid()))
        .bind(detail)
        .execute(db)
        .await?;
    Ok(())
}

/// One entry of the platform audit log.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub tenant_id: Option<TenantId>,
    pub detail: serde_json::Value,
}

fn audit_from_row(row: &sqlx::postgres::PgRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        tenant_id: row
            .try_get::<Option<Uuid>, _>("tenant_id")?
            .map(TenantId::from_uuid),
        detail: row.try_get("detail")?,
    })
}

/// Newest first, `limit` entries older than the entry `before` (ids are UUIDv7, so their
/// order is the order of writing), of one tenant or of all.
pub async fn audit_log<'c>(
    db: impl PgExecutor<'c>,
    tenant: Option<TenantId>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, at, actor, action, tenant_id, detail FROM control.platform_audit_log
          WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR id < $2)
          ORDER BY id DESC LIMIT $3",
    )
    .bind(tenant.map(|t| t.as_uuid()))
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(audit_from_row).collect()
}

/// The newest audit entry of every tenant that has one: what the catalog knows of a tenant's
/// last activity (it does not record sign-ins or use, which live in each tenant's namespace).
pub async fn latest_audit_per_tenant<'c>(
    db: impl PgExecutor<'c>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT ON (tenant_id) id, at, actor, action, tenant_id, detail
           FROM control.platform_audit_log WHERE tenant_id IS NOT NULL
          ORDER BY tenant_id, at DESC, id DESC",
    )
    .fetch_all(db)
    .await?;
    rows.iter().map(audit_from_row).collect()
}
