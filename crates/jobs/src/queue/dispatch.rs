//! The PostgreSQL transport's relay: an emitted event waits in the outbox, unrelayed, until a
//! worker turns it into its jobs (one per subscribed handler) and marks it relayed, both in the
//! worker's transaction (ARCHITECTURE.md decision 81). The request that emitted the event wrote
//! one row instead of one per handler.

use crate::JobsError;
use crate::subscriptions::Subscriptions;
use comply360_domain::JobId;
use comply360_store::TenantTx;
use std::collections::HashMap;
use uuid::Uuid;

/// What one dispatch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Events taken from the outbox (each now relayed).
    pub events: usize,
    /// Jobs written for them.
    pub jobs: usize,
}

/// Takes up to `limit` unrelayed events, oldest first, writes one queued job per handler that
/// subscribes to each, and marks them relayed. Rows another transaction holds are skipped
/// (`SKIP LOCKED`), so two workers never dispatch one event; and a job that exists already
/// (an event made unrelayed again) is kept as it is.
pub async fn dispatch(
    tx: &mut TenantTx,
    subscriptions: &Subscriptions,
    limit: i64,
) -> Result<Dispatched, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    // `NO KEY UPDATE` is the lock the update of relayed_at below takes anyway.
    let events: Vec<(Uuid, String)> = tx
        .query_as(
            "SELECT id, event_type FROM outbox_events
             WHERE tenant_id = $1 AND relayed_at IS NULL
             ORDER BY id LIMIT $2
             FOR NO KEY UPDATE SKIP LOCKED",
        )
        .bind(tenant)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    if events.is_empty() {
        return Ok(Dispatched::default());
    }
    let mut handlers_of: HashMap<&str, Vec<(&'static str, i32)>> = HashMap::new();
    let (mut job_ids, mut event_ids, mut handlers, mut attempts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (event, event_type) in &events {
        let subscribers = handlers_of.entry(event_type).or_insert_with(|| {
            subscriptions
                .for_event(event_type)
                .iter()
                .map(|s| (s.handler.name(), s.policy.max_attempts))
                .collect()
        });
        for (handler, max_attempts) in subscribers.iter() {
            job_ids.push(JobId::new().as_uuid());
            event_ids.push(*event);
            handlers.push(*handler);
            attempts.push(*max_attempts);
        }
    }
    let relayed: Vec<Uuid> = events.iter().map(|(id, _)| *id).collect();
    let written = tx
        .query(
            "WITH relayed AS (
                UPDATE outbox_events SET relayed_at = now()
                WHERE tenant_id = $1 AND id = ANY($2))
             INSERT INTO jobs (tenant_id, id, event_id, handler, max_attempts)
             SELECT $1, j.id, j.event_id, j.handler, j.max_attempts
             FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::int[])
                  AS j(id, event_id, handler, max_attempts)
             ON CONFLICT (tenant_id, event_id, handler) DO NOTHING",
        )
        .bind(tenant)
        .bind(&relayed)
        .bind(&job_ids)
        .bind(&event_ids)
        .bind(&handlers)
        .bind(&attempts)
        .execute(tx.conn())
        .await?;
    Ok(Dispatched {
        events: events.len(),
        jobs: usize::try_from(written.rows_affected()).unwrap_or(usize::MAX),
    })
}
