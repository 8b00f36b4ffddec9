//! The handlers' inbox: a slot per (handler, event), taken in the transaction that commits the
//! handler's effects, so each event's effects happen once per handler.

use crate::JobsError;
use comply360_domain::EventId;
use comply360_store::TenantTx;
use sqlx::Row;

/// Takes the handler's inbox slot for the event. `false` when it was processed before (the
/// effects are already committed). A second worker on the same job waits here until the
/// first commits or rolls back, so two never run it side by side to completion.
pub async fn take_inbox_slot(
    tx: &mut TenantTx,
    handler: &str,
    event: EventId,
) -> Result<bool, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let fresh: Option<bool> = tx
        .query_scalar(
            "INSERT INTO inbox (tenant_id, handler, event_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING true",
        )
        .bind(tenant)
        .bind(handler)
        .bind(event.as_uuid())
        .fetch_optional(tx.conn())
        .await?;
    Ok(fresh.unwrap_or(false))
}

/// [`take_inbox_slot`] for many jobs in one statement; returns the (handler, event) pairs
/// that were fresh.
pub async fn take_inbox_slots(
    tx: &mut TenantTx,
    slots: &[(String, EventId)],
) -> Result<Vec<(String, EventId)>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let handlers: Vec<String> = slots.iter().map(|(h, _)| h.clone()).collect();
    let events: Vec<uuid::Uuid> = slots.iter().map(|(_, e)| e.as_uuid()).collect();
    let rows = tx
        .query(
            "INSERT INTO inbox (tenant_id, handler, event_id)
             SELECT $1, s.handler, s.event_id FROM unnest($2::text[], $3::uuid[]) AS s(handler, event_id)
             ON CONFLICT DO NOTHING RETURNING handler, event_id",
        )
        .bind(tenant)
        .bind(handlers)
        .bind(events)
        .fetch_all(tx.conn())
        .await?;
    let mut fresh = Vec::with_capacity(rows.len());
    for row in rows {
        let handler: String = row.try_get("handler")?;
        let event: uuid::Uuid = row.try_get("event_id")?;
        fresh.push((handler, EventId::from_uuid(event)));
    }
    Ok(fresh)
}

/// Gives inbox slots back (their jobs failed inside a batch whose transaction commits).
pub async fn drop_inbox_slots(
    tx: &mut TenantTx,
    slots: &[(String, EventId)],
) -> Result<(), JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let handlers: Vec<String> = slots.iter().map(|(h, _)| h.clone()).collect();
    let events: Vec<uuid::Uuid> = slots.iter().map(|(_, e)| e.as_uuid()).collect();
    tx.query(
        "DELETE FROM inbox WHERE tenant_id = $1 AND (handler, event_id) IN
            (SELECT * FROM unnest($2::text[], $3::uuid[]))",
    )
    .bind(tenant)
    .bind(handlers)
    .bind(events)
    .execute(tx.conn())
    .await?;
    Ok(())
}
