//! The relay: the RabbitMQ transport's pass for one tenant, run by the ordinary [`Worker`]
//! (so NOTIFY after an emitting commit wakes it, and the sweep catches anything missed).
//!
//! In one tenant transaction: lock a batch of unrelayed events (`SKIP LOCKED`, so two relays
//! never take the same rows), publish them, wait for every confirm, then set `relayed_at` and
//! commit. Anything short of all confirms rolls back, leaving the batch unrelayed to be
//! published again; consumers absorb the duplicates that can cause.
//!
//! [`Worker`]: crate::worker::Worker

use super::message;
use super::publisher::Publisher;
use crate::JobsError;
use crate::event::Event;
use crate::worker::{Pass, TenantWork};
use async_trait::async_trait;
use comply360_domain::{EventId, TenantId};
use comply360_store::{Tenancy, Tenant, TenantTx};
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long a pass waits for a reconnect before giving the tenant back to the worker (which
/// tries again a second later).
const CONNECT_WAIT: Duration = Duration::from_secs(5);

pub(crate) struct Relay {
    tenancy: Tenancy,
    publisher: Publisher,
    batch: i64,
}

impl Relay {
    pub fn new(tenancy: Tenancy, publisher: Publisher, batch: u32) -> Relay {
        Relay {
            tenancy,
            publisher,
            batch: i64::from(batch.max(1)),
        }
    }
}

#[async_trait]
impl TenantWork for Relay {
    async fn pass(&self, tenant: Arc<Tenant>, stop: CancellationToken) -> Result<Pass, JobsError> {
        let channel = match self.publisher.channel(CONNECT_WAIT, &stop).await {
            Ok(channel) => channel,
            Err(_) if stop.is_cancelled() => return Ok(Pass::default()),
            Err(err) => return Err(err.into()),
        };
        let mut tx = self.tenancy.begin(&tenant).await?;
        let events = unrelayed(&mut tx, self.batch).await?;
        if events.is_empty() {
            tx.commit().await?;
            return Ok(Pass::default());
        }
        let ids: Vec<Uuid> = events.iter().map(|e| e.id.as_uuid()).collect();
        let messages = events
            .iter()
            .map(message::for_event)
            .collect::<Result<Vec<_>, _>>()?;
        if let Err(err) = self.publisher.publish_all(&channel, messages).await {
            tx.rollback().await?;
            return Err(err.into());
        }
        mark_relayed(&mut tx, &ids).await?;
        tx.commit().await?;
        let relayed = ids.len();
        metrics::counter!("amqp_relayed_total").increment(relayed as u64);
        tracing::debug!(tenant = %tenant.slug(), relayed, "relayed events to RabbitMQ");
        Ok(Pass {
            more: i64::try_from(relayed).unwrap_or(i64::MAX) >= self.batch && !stop.is_cancelled(),
            next_due: None,
        })
    }

    /// A pass holds nothing once it returns (its row locks end with its transaction).
    async fn release(&self, _tenant: Arc<Tenant>) -> Result<(), JobsError> {
        Ok(())
    }
}

/// The oldest unrelayed events, locked for this transaction. `NO KEY UPDATE` is the lock an
/// update of `relayed_at` needs, and it does not block the key-share locks that inserting
/// jobs (foreign key to the event) takes.
async fn unrelayed(tx: &mut TenantTx, limit: i64) -> Result<Vec<Event>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let rows = tx
        .query(
            "SELECT id, tenant_id, event_type, schema_version, aggregate_type, aggregate_id,
                    actor_id, payload, occurred_at, traceparent
             FROM outbox_events WHERE tenant_id = $1 AND relayed_at IS NULL
             ORDER BY id LIMIT $2
             FOR NO KEY UPDATE SKIP LOCKED",
        )
        .bind(tenant)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        events.push(Event {
            id: EventId::from_uuid(row.try_get("id")?),
            tenant_id: TenantId::from_uuid(row.try_get("tenant_id")?),
            event_type: row.try_get("event_type")?,
            schema_version: row.try_get("schema_version")?,
            aggregate_type: row.try_get("aggregate_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            actor_id: row.try_get("actor_id")?,
            payload: row.try_get("payload")?,
            occurred_at: row.try_get("occurred_at")?,
            traceparent: row.try_get("traceparent")?,
        });
    }
    Ok(events)
}

async fn mark_relayed(tx: &mut TenantTx, ids: &[Uuid]) -> Result<(), JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query("UPDATE outbox_events SET relayed_at = now() WHERE tenant_id = $1 AND id = ANY($2)")
        .bind(tenant)
        .bind(ids)
        .execute(tx.conn())
        .await?;
    Ok(())
}
