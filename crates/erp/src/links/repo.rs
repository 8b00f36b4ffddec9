//! The statements of `odoo_links`, one each, over the caller's `TenantTx`.

use super::{Entity, Link, SyncCounts};
use comply360_practice::decode;
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const COLUMNS: &str = "entity, entity_id, model, odoo_id, state, synced_at, written, last_error, failed_at, updated_at";

fn link(row: &PgRow) -> Result<Link, sqlx::Error> {
    Ok(Link {
        entity: decode::text(row, "entity")?,
        entity_id: row.try_get("entity_id")?,
        model: row.try_get("model")?,
        odoo_id: row.try_get("odoo_id")?,
        state: decode::text(row, "state")?,
        synced_at: row.try_get("synced_at")?,
        written: row.try_get("written")?,
        last_error: row.try_get("last_error")?,
        failed_at: row.try_get("failed_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) async fn get(
    tx: &mut TenantTx,
    entity: Entity,
    id: Uuid,
) -> Result<Option<Link>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM odoo_links WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(entity.as_str())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(link).transpose()
}

pub(crate) async fn synced(
    tx: &mut TenantTx,
    entity: Entity,
    id: Uuid,
    model: &str,
    odoo_id: i64,
    written: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO odoo_links (tenant_id, entity, entity_id, model, odoo_id, state, synced_at, written) \
         VALUES ($1, $2, $3, $4, $5, 'synced', now(), $6) \
         ON CONFLICT (tenant_id, entity, entity_id) DO UPDATE SET model = excluded.model, \
         odoo_id = excluded.odoo_id, state = 'synced', synced_at = now(), \
         written = excluded.written, last_error = NULL, failed_at = NULL, updated_at = now()",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(entity.as_str())
    .bind(id)
    .bind(model)
    .bind(odoo_id)
    .bind(written)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records a failure, keeping the Odoo id of a record synced before.
pub(crate) async fn failed(
    tx: &mut TenantTx,
    entity: Entity,
    id: Uuid,
    model: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    let error: String = error.chars().take(2000).collect();
    tx.query(
        "INSERT INTO odoo_links (tenant_id, entity, entity_id, model, state, last_error, failed_at) \
         VALUES ($1, $2, $3, $4, 'failed', $5, now()) \
         ON CONFLICT (tenant_id, entity, entity_id) DO UPDATE SET state = 'failed', \
         last_error = excluded.last_error, failed_at = now(), updated_at = now()",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(entity.as_str())
    .bind(id)
    .bind(model)
    .bind(error)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Every link, by kind and id (what reconciliation walks).
pub(crate) async fn all(tx: &mut TenantTx) -> Result<Vec<Link>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM odoo_links WHERE tenant_id = $1 ORDER BY entity, entity_id"
        ))
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(link).collect()
}

/// The latest failures, newest first.
pub(crate) async fn failures(tx: &mut TenantTx, limit: i64) -> Result<Vec<Link>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM odoo_links WHERE tenant_id = $1 AND state = 'failed' \
             ORDER BY failed_at DESC LIMIT $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(link).collect()
}

pub(crate) async fn counts(tx: &mut TenantTx) -> Result<Vec<SyncCounts>, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> = tx
        .query_as(
            "SELECT entity, count(*) FILTER (WHERE state = 'synced'), count(*) FILTER (WHERE state = 'failed') \
             FROM odoo_links WHERE tenant_id = $1 GROUP BY entity ORDER BY entity",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(entity, synced, failed)| SyncCounts {
            entity,
            synced,
            failed,
        })
        .collect())
}
