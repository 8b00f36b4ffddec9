//! The job queue's statements, each inside one tenant's transaction (so RLS applies and a
//! database-mode tenant's jobs stay in its database).

use crate::event::Event;
use crate::{JobsError, Transport};
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
    e.aggregate_type, e.aggregate_id, e.actor_id, e.payload, e.occurred_at";

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

/// What one tenant contributes to the queue gauges.
#[derive(Clone, Debug, Default)]
pub struct TenantStats {
    /// (handler, jobs queued or running)
    pub depth: Vec<(String, i64)>,
    pub dead: i64,
    pub unrelayed: i64,
}

pub async fn stats(tx: &mut TenantTx) -> Result<TenantStats, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let rows = tx
        .query(
            "SELECT handler,
                    count(*) FILTER (WHERE state IN ('queued', 'running')) AS depth,
                    count(*) FILTER (WHERE state = 'dead') AS dead
             FROM jobs WHERE tenant_id = $1 AND state <> 'done' GROUP BY handler",
        )
        .bind(tenant)
        .fetch_all(tx.conn())
        .await?;
    let mut stats = TenantStats::default();
    for row in rows {
        let handler: String = row.try_get("handler")?;
        stats.depth.push((handler, row.try_get("depth")?));
        stats.dead += row.try_get::<i64, _>("dead")?;
    }
    stats.unrelayed = tx
        .query_scalar(
            "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND relayed_at IS NULL",
        )
        .bind(tenant)
        .fetch_one(tx.conn())
        .await?;
    Ok(stats)
}

/// A job as the operator sees it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct JobRow {
    pub id: JobId,
    pub event_id: EventId,
    pub event_type: String,
    pub handler: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn job_row(row: &PgRow) -> Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        id: JobId::from_uuid(row.try_get("id")?),
        event_id: EventId::from_uuid(row.try_get("event_id")?),
        event_type: row.try_get("event_type")?,
        handler: row.try_get("handler")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at: row.try_get("run_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

const JOB_SELECT: &str = "SELECT j.id, j.event_id, e.event_type, j.handler, j.state, j.attempts,
        j.max_attempts, j.run_at, j.last_error, j.created_at, j.finished_at
    FROM jobs j JOIN outbox_events e ON e.tenant_id = j.tenant_id AND e.id = j.event_id";

/// Jobs in the given states, oldest first.
pub async fn list(
    tx: &mut TenantTx,
    states: &[&str],
    limit: i64,
) -> Result<Vec<JobRow>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let states: Vec<String> = states.iter().map(|s| (*s).to_owned()).collect();
    let sql = format!(
        "{JOB_SELECT} WHERE j.tenant_id = $1 AND j.state = ANY($2) ORDER BY j.created_at, j.id LIMIT $3"
    );
    let rows = tx
        .query(&sql)
        .bind(tenant)
        .bind(states)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    Ok(rows.iter().map(job_row).collect::<Result<_, _>>()?)
}

pub async fn find(tx: &mut TenantTx, id: JobId) -> Result<Option<JobRow>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let sql = format!("{JOB_SELECT} WHERE j.tenant_id = $1 AND j.id = $2");
    let row = tx
        .query(&sql)
        .bind(tenant)
        .bind(id.as_uuid())
        .fetch_optional(tx.conn())
        .await?;
    Ok(row.as_ref().map(job_row).transpose()?)
}

/// Queues dead letters again with a fresh set of attempts: one (`Some(id)`) or all. On the
/// RabbitMQ transport their events are marked unrelayed, so the relay publishes them again
/// (handlers that already processed them skip them through their inbox).
pub async fn retry_dead(
    tx: &mut TenantTx,
    id: Option<JobId>,
    transport: Transport,
) -> Result<u64, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let rows = tx
        .query(
            "WITH r AS (
                UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL,
                       updated_at = now()
                WHERE tenant_id = $1 AND state = 'dead' AND ($2::uuid IS NULL OR id = $2)
                RETURNING event_id),
             u AS (
                UPDATE outbox_events SET relayed_at = NULL
                WHERE $3 AND tenant_id = $1 AND id IN (SELECT event_id FROM r))
             SELECT count(*) FROM r",
        )
        .bind(tenant)
        .bind(id.map(|i| i.as_uuid()))
        .bind(transport == Transport::Rabbitmq)
        .fetch_one(tx.conn())
        .await?;
    let count: i64 = rows.try_get(0)?;
    if count > 0 {
        tx.wake_workers_on_commit().await?;
    }
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Deletes dead letters that died more than `older_than` ago.
pub async fn purge_dead(tx: &mut TenantTx, older_than: Duration) -> Result<u64, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let done = tx
        .query(
            "DELETE FROM jobs WHERE tenant_id = $1 AND state = 'dead'
               AND finished_at < now() - make_interval(secs => $2)",
        )
        .bind(tenant)
        .bind(secs(older_than))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}
