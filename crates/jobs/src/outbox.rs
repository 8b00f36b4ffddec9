//! `emit`: an event and its jobs, written in the caller's transaction.

use crate::event::{NewEvent, names, types};
use crate::subscriptions::Subscriptions;
use crate::{JobsError, Transport};
use comply360_domain::{EventId, JobId};
use comply360_store::TenantTx;
use std::sync::Arc;
use uuid::Uuid;

/// Cheap to clone. Holds the subscriptions, because the jobs of an event are written with it:
/// a crash between the business change and the scheduling of its work is then impossible.
#[derive(Clone)]
pub struct Outbox {
    subscriptions: Arc<Subscriptions>,
    transport: Transport,
}

impl Outbox {
    pub fn new(subscriptions: Arc<Subscriptions>, transport: Transport) -> Outbox {
        Outbox {
            subscriptions,
            transport,
        }
    }

    pub fn subscriptions(&self) -> &Arc<Subscriptions> {
        &self.subscriptions
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// Writes the event to the tenant's outbox and one job per subscribed handler, in `tx`:
    /// they commit or roll back with the change that caused them. One round trip, plus a
    /// wake-up for the workers on the transaction's first emit.
    pub async fn emit(&self, tx: &mut TenantTx, event: NewEvent) -> Result<EventId, JobsError> {
        // The tables hold these names without CHECK constraints: they are checked here
        // (event::names, decision 78).
        if !types::ALL.contains(&event.event_type) {
            return Err(JobsError::UnknownEventType(event.event_type.to_owned()));
        }
        if !names::is_aggregate_type(event.aggregate_type) {
            return Err(JobsError::InvalidAggregateType(
                event.aggregate_type.to_owned(),
            ));
        }
        let id = EventId::new();
        let subs = self.subscriptions.for_event(event.event_type);
        let job_ids: Vec<Uuid> = subs.iter().map(|_| JobId::new().as_uuid()).collect();
        let handlers: Vec<&str> = subs.iter().map(|s| s.handler.name()).collect();
        let attempts: Vec<i32> = subs.iter().map(|s| s.policy.max_attempts).collect();
        // On the PostgreSQL transport the jobs rows are the delivery, so the event has left
        // the outbox as it is written; the RabbitMQ relay sets relayed_at after the confirm.
        let relayed = self.transport == Transport::Postgres;
        let tenant = tx.tenant_id().as_uuid();
        tx.query(
            "WITH e AS (
                INSERT INTO outbox_events (tenant_id, id, event_type, schema_version,
                    aggregate_type, aggregate_id, actor_id, payload, relayed_at, traceparent)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9 THEN now() END, $13)
                RETURNING id)
             INSERT INTO jobs (tenant_id, id, event_id, handler, max_attempts)
             SELECT $1, j.id, e.id, j.handler, j.max_attempts
             FROM e, unnest($10::uuid[], $11::text[], $12::int[]) AS j(id, handler, max_attempts)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(event.event_type)
        .bind(event.schema_version)
        .bind(event.aggregate_type)
        .bind(event.aggregate_id)
        .bind(event.actor_id)
        .bind(&event.payload)
        .bind(relayed)
        .bind(&job_ids)
        .bind(&handlers)
        .bind(&attempts)
        // The emitting span's trace, which the jobs continue.
        .bind(comply360_domain::trace_context::current())
        .execute(tx.conn())
        .await?;
        // Jobs to run, or an event for the relay: the workers are woken once this commits.
        if !handlers.is_empty() || !relayed {
            tx.wake_workers_on_commit();
        }
        Ok(id)
    }
}
