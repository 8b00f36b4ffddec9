//! Where a delivered message's job stands, when the claim alone does not say: the consumer
//! must know whether to drop the message (the job is finished) or to keep one copy of it
//! circulating until the job is (a job with no message would never run again).

use crate::JobsError;
use comply360_domain::EventId;
use comply360_store::TenantTx;
use sqlx::Row;
use std::time::Duration;

/// Times are measured by the database (`now()` there), the clock `run_at` and the lease were
/// written with, so an application host's clock skew cannot make a copy early or late.
#[derive(Clone, Debug)]
pub(crate) struct JobState {
    pub state: String,
    /// How long until `run_at` (zero when due).
    pub due_in: Duration,
    /// How long the holder's lease still runs (zero when none or expired).
    pub lease_left: Duration,
}

pub(crate) async fn load(
    tx: &mut TenantTx,
    event: EventId,
    handler: &str,
) -> Result<Option<JobState>, JobsError> {
    let tenant = tx.tenant_id().as_uuid();
    let row = tx
        .query(
            "SELECT state,
                    greatest(extract(epoch FROM run_at - now()), 0)::float8 AS due_in,
                    coalesce(greatest(extract(epoch FROM locked_until - now()), 0), 0)::float8
                        AS lease_left
             FROM jobs WHERE tenant_id = $1 AND event_id = $2 AND handler = $3",
        )
        .bind(tenant)
        .bind(event.as_uuid())
        .bind(handler)
        .fetch_optional(tx.conn())
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(JobState {
        state: row.try_get("state")?,
        due_in: seconds(row.try_get("due_in")?),
        lease_left: seconds(row.try_get("lease_left")?),
    }))
}

fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}
