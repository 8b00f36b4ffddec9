//! The operator's side of the queue: the gauges' counts, and listing, finding, retrying and
//! purging jobs (`comply360 jobs …`).

use super::secs;
use crate::{JobsError, Transport};
use chrono::{DateTime, Utc};
use comply360_domain::{EventId, JobId};
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use std::time::Duration;

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
        tx.wake_workers_on_commit();
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
