//! The timeline of a registration: one entry per step taken (who, when, what, and a note).
//! The table is append-only for the application role.

use crate::decode;
use crate::error::PracticeError;
use crate::workflow::Status;
use chrono::{DateTime, Utc};
use comply360_store::TenantTx;
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the entry it appends"
)]
pub async fn append(
    tx: &mut TenantTx,
    registration: Uuid,
    actor: Uuid,
    action: &str,
    from: Option<Status>,
    to: Option<Status>,
    note: &str,
    detail: Value,
) -> Result<(), PracticeError> {
    tx.query(
        "INSERT INTO registration_timeline (tenant_id, id, registration_id, actor_id, action, from_status, to_status, note, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(Uuid::now_v7())
    .bind(registration)
    .bind((!actor.is_nil()).then_some(actor))
    .bind(action)
    .bind(from.map(Status::as_str))
    .bind(to.map(Status::as_str))
    .bind(note.trim())
    .bind(detail)
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TimelineEntry)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// None when the registry gateway acted.
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub note: String,
    pub detail: Value,
}

pub async fn of(tx: &mut TenantTx, registration: Uuid) -> Result<Vec<Entry>, PracticeError> {
    let rows = tx
        .query(
            "SELECT at, actor_id, action, from_status, to_status, note, detail FROM registration_timeline \
             WHERE tenant_id = $1 AND registration_id = $2 ORDER BY at, id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(registration)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                action: r.try_get("action")?,
                from_status: decode::optional_text(r, "from_status")?,
                to_status: decode::optional_text(r, "to_status")?,
                note: r.try_get("note")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(PracticeError::from)
}
