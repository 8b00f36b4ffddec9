//! The operator's view of the queue across tenants (`comply360 jobs ...`): one tenant
//! transaction at a time, never one query over all of them.

use crate::queue::{self, JobRow};
use crate::{JobsError, Transport};
use comply360_domain::JobId;
use comply360_store::{Tenancy, Tenant};
use std::sync::Arc;
use std::time::Duration;

/// A job with the slug of its tenant.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TenantJob {
    pub tenant: String,
    #[serde(flatten)]
    pub job: JobRow,
}

async fn scope(tenancy: &Tenancy, slug: Option<&str>) -> Result<Vec<Arc<Tenant>>, JobsError> {
    Ok(match slug {
        Some(slug) => vec![tenancy.resolve(slug).await?],
        None => tenancy.servable_tenants().await?,
    })
}

/// Jobs in `states` of one tenant or of all, oldest first, at most `limit` per tenant.
pub async fn list(
    tenancy: &Tenancy,
    slug: Option<&str>,
    states: &[&str],
    limit: i64,
) -> Result<Vec<TenantJob>, JobsError> {
    let mut out = Vec::new();
    for tenant in scope(tenancy, slug).await? {
        let mut tx = tenancy.begin(&tenant).await?;
        for job in queue::list(&mut tx, states, limit).await? {
            out.push(TenantJob {
                tenant: tenant.slug().to_owned(),
                job,
            });
        }
        tx.commit().await?;
    }
    Ok(out)
}

/// Replays one dead letter (looked for in every tenant unless one is named).
pub async fn retry(
    tenancy: &Tenancy,
    slug: Option<&str>,
    id: JobId,
    transport: Transport,
) -> Result<TenantJob, JobsError> {
    for tenant in scope(tenancy, slug).await? {
        let mut tx = tenancy.begin(&tenant).await?;
        let Some(job) = queue::find(&mut tx, id).await? else {
            continue;
        };
        if job.state != "dead" {
            return Err(JobsError::NotDead {
                id: id.to_string(),
                state: job.state,
            });
        }
        queue::retry_dead(&mut tx, Some(id), transport).await?;
        let job = queue::find(&mut tx, id).await?.unwrap_or(job);
        tx.commit().await?;
        return Ok(TenantJob {
            tenant: tenant.slug().to_owned(),
            job,
        });
    }
    Err(JobsError::UnknownJob(id.to_string()))
}

/// Replays every dead letter; returns (tenant, how many) for tenants that had any.
pub async fn retry_all_dead(
    tenancy: &Tenancy,
    slug: Option<&str>,
    transport: Transport,
) -> Result<Vec<(String, u64)>, JobsError> {
    let mut out = Vec::new();
    for tenant in scope(tenancy, slug).await? {
        let mut tx = tenancy.begin(&tenant).await?;
        let n = queue::retry_dead(&mut tx, None, transport).await?;
        tx.commit().await?;
        if n > 0 {
            out.push((tenant.slug().to_owned(), n));
        }
    }
    Ok(out)
}

/// Deletes dead letters older than `older_than`; returns (tenant, how many).
pub async fn purge_dead(
    tenancy: &Tenancy,
    slug: Option<&str>,
    older_than: Duration,
) -> Result<Vec<(String, u64)>, JobsError> {
    let mut out = Vec::new();
    for tenant in scope(tenancy, slug).await? {
        let mut tx = tenancy.begin(&tenant).await?;
        let n = queue::purge_dead(&mut tx, older_than).await?;
        tx.commit().await?;
        if n > 0 {
            out.push((tenant.slug().to_owned(), n));
        }
    }
    Ok(out)
}
