//! The history of clients, companies and their people: entries in the tenant's append-only
//! audit log (`entity`, `entity_id`, the action and what changed), read back per record.

use crate::error::PracticeError;
use chrono::{DateTime, Utc};
use comply360_store::TenantTx;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::Row;
use uuid::Uuid;

pub async fn record(
    tx: &mut TenantTx,
    actor: Uuid,
    action: &str,
    entity: &str,
    entity_id: Uuid,
    detail: Value,
) -> Result<(), PracticeError> {
    tx.query(
        "INSERT INTO audit_log (tenant_id, id, actor_id, action, entity, entity_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(Uuid::now_v7())
    .bind((!actor.is_nil()).then_some(actor))
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(detail)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The fields whose values differ, as `{field: {"from": old, "to": new}}`.
pub fn diff(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let (b, a) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut out = Map::new();
    for (k, new) in a {
        if matches!(k.as_str(), "updated_at" | "created_at") {
            continue;
        }
        let old = b.get(k).unwrap_or(&Value::Null);
        if old != new {
            out.insert(k.clone(), json!({"from": old, "to": new}));
        }
    }
    Value::Object(out)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub detail: Value,
}

pub async fn of(
    tx: &mut TenantTx,
    entity: &str,
    id: Uuid,
) -> Result<Vec<HistoryEntry>, PracticeError> {
    let rows = tx
        .query(
            "SELECT at, actor_id, action, detail FROM audit_log \
             WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY at, id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(entity)
        .bind(id)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(PracticeError::from)
}
