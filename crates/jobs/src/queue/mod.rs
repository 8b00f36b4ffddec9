//! The job queue's statements, each inside one tenant's transaction (so RLS applies and a
//! database-mode tenant's jobs stay in its database).
//!
//! The parts: this module holds the worker's statements (claim with `FOR UPDATE SKIP LOCKED`
//! and a lease, done / reschedule / dead, release, next due); `dispatch` the PostgreSQL
//! transport's relay (unrelayed events into their jobs); `inbox` the handlers' inbox slots
//! (each event's effects once per handler); `operator` what `comply360 jobs …` and the gauges
//! read and change (stats, list, find, retry, purge).

mod dispatch;
mod inbox;
mod operator;

pub use dispatch::{Dispatched, dispatch};
pub use inbox::{drop_inbox_slots, take_inbox_slot, take_inbox_slots};
pub use operator::{JobRow, TenantStats, find, list, purge_dead, retry_dead, stats};

use crate::JobsError;
use crate::event::Event;
use chrono::{DateTime, Utc};
use comply360_domain::{EventId, JobId, TenantId};
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use std::time::Duration;

/// A job a worker holds the lease of, with its event.
#[derive(Clone, Debug)]
pub struct ClaimedJob {
    pub id: JobId,
    pub handler: String,
    /// This attempt's number, 1-based (already counted in the row).
    pub attempt: i32,
    pub max_attempts: i32,
    pub event: Event,
}

const EVENT_COLUMNS: &str = "e.id AS event_id, e.tenant_id, e.event_type, e.schema_version, \
    e.aggregate_type, e.aggregate_id, e.actor_id, e.payload, e.occurred_at, e.traceparent";

fn event_from_row(row: &PgRow) -> Result<Event, sqlx::Error> {
    Ok(Event {
        id: EventId::from_uuid(row.try_get("event_id")?),
        tenant_id: TenantId::from_uuid(row.try_get("tenant_id")?),
        event_type: row.try_get("event_type")?,
        schema_version: row.try_get("schema_version")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        actor_id: row.try_get("actor_id")?,
        payload: row.try_get("payload")?,
        occurred_at: row.try_get("occurred_at")?,
        traceparent: row.try_get("traceparent")?,
    })
}

fn claimed_from_row(row: &PgRow) -> Result<ClaimedJob, sqlx::Error> {
    Ok(ClaimedJob {
        id: JobId::from_uuid(row.try_get("id")?),
        handler: row.try_get("handler")?,
        attempt: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        event: event_from_row(row)?,
    })
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Claims up to `limit` due jobs: queued ones whose time has come and running ones whose
/// lease ran out (their worker died). `SKIP LOCKED` lets workers claim side by side.
pub async fn claim(
    tx: &mut TenantTx,
    worker: &str,
    lease: Duration,
    limit: i64,
) -> Result<Vec<ClaimedJob>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let sql = format!(
        "WITH c AS (
            UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_by = $2,
                   locked_until = now() + make_interval(secs => $3), updated_at = now()
            FROM (SELECT tenant_id, id FROM jobs
                  WHERE tenant_id = $1 AND state IN ('queued', 'running') AND run_at <= now()
                    AND (state = 'queued' OR locked_until < now())
                  ORDER BY run_at LIMIT $4
                  FOR UPDATE SKIP LOCKED) due
            WHERE j.tenant_id = due.tenant_id AND j.id = due.id
            RETURNING j.id, j.event_id, j.handler, j.attempts, j.max_attempts)
         SELECT c.id, c.handler, c.attempts, c.max_attempts, {EVENT_COLUMNS}
         FROM c JOIN outbox_events e ON e.tenant_id = $1 AND e.id = c.event_id
         ORDER BY e.id"
    );
    let rows = tx
        .query(&sql)
        .bind(tenant)
        .bind(worker)
        .bind(secs(lease))
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    Ok(rows
        .iter()
        .map(claimed_from_row)
        .collect::<Result<_, _>>()?)
}

/// Claims the one job of (event, handler), for a transport that delivers jobs itself
/// (RabbitMQ). `None` when it is already done or dead, or another worker holds it.
pub async fn claim_delivered(
    tx: &mut TenantTx,
    event: EventId,
    handler: &str,
    worker: &str,
    lease: Duration,
) -> Result<Option<ClaimedJob>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let sql = format!(
        "WITH c AS (
            UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_by = $4,
                   locked_until = now() + make_interval(secs => $5), updated_at = now()
            FROM (SELECT tenant_id, id FROM jobs
                  WHERE tenant_id = $1 AND event_id = $2 AND handler = $3
                    AND (state = 'queued' OR (state = 'running' AND locked_until < now()))
                  FOR UPDATE SKIP LOCKED) due
            WHERE j.tenant_id = due.tenant_id AND j.id = due.id
            RETURNING j.id, j.event_id, j.handler, j.attempts, j.max_attempts)
         SELECT c.id, c.handler, c.attempts, c.max_attempts, {EVENT_COLUMNS}
         FROM c JOIN outbox_events e ON e.tenant_id = $1 AND e.id = c.event_id"
    );
    let row = tx
        .query(&sql)
        .bind(tenant)
        .bind(event.as_uuid())
        .bind(handler)
        .bind(worker)
        .bind(secs(lease))
        .fetch_optional(tx.conn())
        .await?;
    Ok(row.as_ref().map(claimed_from_row).transpose()?)
}

/// [`mark_done`] for many jobs in one statement.
pub async fn mark_all_done(tx: &mut TenantTx, jobs: &[JobId]) -> Result<(), JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let ids: Vec<uuid::Uuid> = jobs.iter().map(|j| j.as_uuid()).collect();
    tx.query(
        "UPDATE jobs SET state = 'done', finished_at = now(), updated_at = now(),
                locked_by = NULL, locked_until = NULL, last_error = NULL
         WHERE tenant_id = $1 AND id = ANY($2)",
    )
    .bind(tenant)
    .bind(ids)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn mark_done(tx: &mut TenantTx, job: JobId) -> Result<(), JobsError> {
    mark_all_done(tx, &[job]).await
}

/// Puts the job back in the queue to run after `delay`. `refund` gives the attempt back
/// (the handler was not really attempted: its outside system's circuit was open).
pub async fn reschedule(
    tx: &mut TenantTx,
    job: JobId,
    delay: Duration,
    error: &str,
    refund: bool,
) -> Result<(), JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "UPDATE jobs SET state = 'queued', run_at = now() + make_interval(secs => $3),
                attempts = CASE WHEN $5 THEN greatest(attempts - 1, 0) ELSE attempts END,
                last_error = $4, locked_by = NULL, locked_until = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(job.as_uuid())
    .bind(secs(delay))
    .bind(error)
    .bind(refund)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn mark_dead(tx: &mut TenantTx, job: JobId, error: &str) -> Result<(), JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "UPDATE jobs SET state = 'dead', finished_at = now(), updated_at = now(),
                locked_by = NULL, locked_until = NULL, last_error = $3
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(job.as_uuid())
    .bind(error)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Gives back the jobs this worker claimed but did not finish (graceful shutdown): they are
/// queued again at once, and the unstarted attempt is not counted.
pub async fn release(tx: &mut TenantTx, worker: &str) -> Result<u64, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let done = tx
        .query(
            "UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0),
                    locked_by = NULL, locked_until = NULL, run_at = now(), updated_at = now()
             WHERE tenant_id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(tenant)
        .bind(worker)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// When this tenant next has a job to run (a retry's time or a lease's end), if ever.
pub async fn next_due(tx: &mut TenantTx) -> Result<Option<DateTime<Utc>>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    Ok(tx
        .query_scalar(
            "SELECT min(CASE WHEN state = 'queued' THEN run_at ELSE locked_until END)
             FROM jobs WHERE tenant_id = $1 AND state IN ('queued', 'running')",
        )
        .bind(tenant)
        .fetch_one(tx.conn())
        .await?)
}

/// How many of the tenant's jobs are done (the benchmark's progress).
pub async fn count_done(tx: &mut TenantTx) -> Result<i64, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    Ok(tx
        .query_scalar("SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'done'")
        .bind(tenant)
        .fetch_one(tx.conn())
        .await?)
}
