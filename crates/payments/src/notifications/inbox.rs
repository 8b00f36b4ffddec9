//! The notification inbox: every provider notification whose signature held is stored
//! before anything is done with it, once per delivery key. A repeated, replayed or concurrent
//! delivery of the same key meets the unique index, counts as a delivery and changes nothing
//! else; only the first emits `payment.notification_received`, in the same transaction.

use crate::invoices::model::Provider;
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_practice::PracticeError;
use comply360_store::TenantTx;
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

/// A notification as stored.
#[derive(Clone, Debug)]
pub struct Stored {
    pub id: Uuid,
    pub provider: String,
    pub delivery_key: String,
    pub kind: String,
    pub body: Vec<u8>,
    pub peer: Option<String>,
    /// `received`, `applied`, `ignored` or `refused`.
    pub state: String,
    pub outcome: Option<String>,
    pub deliveries: i32,
}

/// What storing a delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The first delivery of this key: stored, to be applied.
    New(Uuid),
    /// The key was seen before: counted, nothing else.
    Repeat(Uuid),
}

pub struct Incoming<'a> {
    pub provider: Provider,
    pub delivery_key: &'a str,
    pub kind: &'a str,
    pub body: &'a [u8],
    pub peer: Option<&'a str>,
}

/// Stores a delivery (or counts a repeat) and, for a new one, emits the event that applies
/// it, in the caller's transaction.
pub async fn store(
    tx: &mut TenantTx,
    outbox: &Outbox,
    incoming: &Incoming<'_>,
) -> Result<Delivery, PracticeError> {
    let row = tx
        .query(
            "INSERT INTO payment_notifications (tenant_id, id, provider, delivery_key, kind, body, peer) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id, provider, delivery_key) DO UPDATE \
             SET deliveries = payment_notifications.deliveries + 1, last_delivery_at = now() \
             RETURNING id, (xmax = 0) AS inserted",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(Uuid::now_v7())
        .bind(incoming.provider.as_str())
        .bind(incoming.delivery_key)
        .bind(incoming.kind)
        .bind(incoming.body)
        .bind(incoming.peer)
        .fetch_one(tx.conn())
        .await?;
    let id: Uuid = row.try_get("id")?;
    if !row.try_get::<bool, _>("inserted")? {
        crate::metrics::count(incoming.provider.as_str(), "duplicate");
        return Ok(Delivery::Repeat(id));
    }
    // Stripe's are applied in batches by their own job; PayFast's need an outside call each.
    let event_type = match incoming.provider {
        Provider::Stripe => types::PAYMENT_WEBHOOK_RECEIVED,
        _ => types::PAYMENT_NOTIFICATION_RECEIVED,
    };
    outbox
        .emit(
            tx,
            NewEvent::new(event_type, "payment_notification")
                .aggregate(id)
                .payload(json!({
                    "notification_id": id,
                    "provider": incoming.provider,
                    "kind": incoming.kind,
                    "delivery_key": incoming.delivery_key,
                })),
        )
        .await
        .map_err(|e| crate::ledger::emit_failed(event_type, e))?;
    Ok(Delivery::New(id))
}

fn stored(row: &sqlx::postgres::PgRow) -> Result<Stored, sqlx::Error> {
    Ok(Stored {
        id: row.try_get("id")?,
        provider: row.try_get("provider")?,
        delivery_key: row.try_get("delivery_key")?,
        kind: row.try_get("kind")?,
        body: row.try_get("body")?,
        peer: row.try_get("peer")?,
        state: row.try_get("state")?,
        outcome: row.try_get("outcome")?,
        deliveries: row.try_get("deliveries")?,
    })
}

const COLUMNS: &str = "id, provider, delivery_key, kind, body, peer, state, outcome, deliveries";

pub async fn get(
    tx: &mut TenantTx,
    id: Uuid,
    for_update: bool,
) -> Result<Option<Stored>, sqlx::Error> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM payment_notifications WHERE tenant_id = $1 AND id = $2{lock}"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(stored).transpose()
}

/// Records what processing concluded; only a notification still `received` changes.
pub(crate) async fn conclude(
    tx: &mut TenantTx,
    id: Uuid,
    state: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    let outcome: String = outcome.chars().take(1000).collect();
    tx.query(
        "UPDATE payment_notifications SET state = $3, outcome = $4, processed_at = now() \
         WHERE tenant_id = $1 AND id = $2 AND state = 'received'",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(state)
    .bind(outcome)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The latest notifications, newest first (the settings page's delivery log).
pub async fn recent(tx: &mut TenantTx, limit: i64) -> Result<Vec<Stored>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM payment_notifications WHERE tenant_id = $1 \
             ORDER BY received_at DESC, id DESC LIMIT $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(stored).collect()
}
