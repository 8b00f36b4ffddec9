//! `emit`: an event, written in the caller's transaction (with its jobs on RabbitMQ).

use crate::event::{NewEvent, names, types};
use crate::subscriptions::Subscriptions;
use crate::{JobsError, Transport};
use comply360_domain::{EventId, JobId};
use comply360_store::TenantTx;
use std::sync::Arc;
use uuid::Uuid;

/// Cheap to clone. Holds the subscriptions: an event nobody subscribes to is relayed as it is
/// written, and on RabbitMQ its jobs are written with it. Either way a crash between the
/// business change and the scheduling of its work is impossible: the event is the schedule.
/// The PostgreSQL transport's emit: the event alone, unrelayed unless `$10` (no subscriber).
const EVENT_ALONE: &str = "INSERT INTO outbox_events (tenant_id, id, event_type, schema_version,
        aggregate_type, aggregate_id, actor_id, payload, traceparent, relayed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $10 THEN now() END)";

/// RabbitMQ's emit: the event, unrelayed, and its jobs (`$10`-`$12`: ids, handlers, attempts).
const EVENT_WITH_JOBS: &str = "WITH e AS (
        INSERT INTO outbox_events (tenant_id, id, event_type, schema_version,
            aggregate_type, aggregate_id, actor_id, payload, traceparent)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING id)
     INSERT INTO jobs (tenant_id, id, event_id, handler, max_attempts)
     SELECT $1, j.id, e.id, j.handler, j.max_attempts
     FROM e, unnest($10::uuid[], $11::text[], $12::int[]) AS j(id, handler, max_attempts)";

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

    /// Writes the event to the tenant's outbox, in `tx`: it commits or rolls back with the
    /// change that caused it, and the workers are woken once it commits.
    ///
    /// On the PostgreSQL transport the event is written alone, unrelayed, and a worker writes
    /// its jobs (`queue::dispatch`, decision 81): one row in the request instead of one per
    /// handler. On RabbitMQ the jobs are written here too, because a consumer may receive the
    /// message before any worker of ours has looked at the outbox; the relay marks the event
    /// relayed after the broker's confirm.
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
        let relayed_by_rabbitmq = self.transport == Transport::Rabbitmq;
        // The event's columns are $1-$9 in both statements; what follows is the transport's.
        let query = tx
            .query(if relayed_by_rabbitmq {
                EVENT_WITH_JOBS
            } else {
                EVENT_ALONE
            })
            .bind(tx.tenant_id().as_uuid())
            .bind(id.as_uuid())
            .bind(event.event_type)
            .bind(event.schema_version)
            .bind(event.aggregate_type)
            .bind(event.aggregate_id)
            .bind(event.actor_id)
            .bind(&event.payload)
            // The emitting span's trace, which the jobs continue.
            .bind(comply360_domain::trace_context::current());
        let query = if relayed_by_rabbitmq {
            let job_ids: Vec<Uuid> = subs.iter().map(|_| JobId::new().as_uuid()).collect();
            let handlers: Vec<&str> = subs.iter().map(|s| s.handler.name()).collect();
            let attempts: Vec<i32> = subs.iter().map(|s| s.policy.max_attempts).collect();
            query.bind(job_ids).bind(handlers).bind(attempts)
        } else {
            // An event nobody subscribes to has nowhere to go: it is relayed as written.
            query.bind(subs.is_empty())
        };
        query.execute(tx.conn()).await?;
        // Jobs to run, or (on RabbitMQ, whoever subscribes) an event for the relay.
        if relayed_by_rabbitmq || !subs.is_empty() {
            tx.wake_workers_on_commit();
        }
        Ok(id)
    }
}
