//! Snapshots of the outside systems' circuit breakers, per replica, in the control plane
//! (`control.integration_circuits`): how `comply360 integrations status` sees every replica.

use crate::StoreError;
use chrono::{DateTime, Utc};
use comply360_domain::TenantId;
use sqlx::{PgPool, Row};
use std::time::Duration;

/// One circuit as a replica reports it.
#[derive(Clone, Debug)]
pub struct CircuitSnapshot {
    pub tenant: TenantId,
    pub system: String,
    /// `closed`, `half_open` or `open`.
    pub state: &'static str,
    pub rejected: u64,
}

/// Replaces this replica's rows with `circuits`, in one transaction.
pub async fn publish(
    pool: &PgPool,
    replica: &str,
    circuits: &[CircuitSnapshot],
) -> Result<(), StoreError> {
    let tenants: Vec<uuid::Uuid> = circuits.iter().map(|c| c.tenant.as_uuid()).collect();
    let systems: Vec<&str> = circuits.iter().map(|c| c.system.as_str()).collect();
    let states: Vec<&str> = circuits.iter().map(|c| c.state).collect();
    let rejected: Vec<i64> = circuits
        .iter()
        .map(|c| i64::try_from(c.rejected).unwrap_or(i64::MAX))
        .collect();
    let mut tx = crate::txn::begin(pool, None).await?;
    sqlx::query("DELETE FROM control.integration_circuits WHERE replica = $1")
        .bind(replica)
        .execute(&mut *tx)
        .await?;
    // Circuits of tenants deleted meanwhile are skipped rather than failing the snapshot.
    sqlx::query(
        "INSERT INTO control.integration_circuits (replica, tenant_id, system, state, rejected)
         SELECT $1, c.t, c.s, c.st, c.r
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::bigint[]) AS c(t, s, st, r)
         WHERE EXISTS (SELECT 1 FROM control.tenants WHERE id = c.t)",
    )
    .bind(replica)
    .bind(tenants)
    .bind(systems)
    .bind(states)
    .bind(rejected)
    .execute(&mut *tx)
    .await?;
    crate::txn::commit(tx).await?;
    Ok(())
}

/// Removes this replica's rows (on a clean shutdown).
pub async fn withdraw(pool: &PgPool, replica: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM control.integration_circuits WHERE replica = $1")
        .bind(replica)
        .execute(pool)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct CircuitRow {
    pub replica: String,
    pub tenant: String,
    pub system: String,
    pub state: String,
    pub rejected: i64,
    pub updated_at: DateTime<Utc>,
}

/// Every circuit published within `fresh_within`, by system, tenant and replica.
pub async fn list(pool: &PgPool, fresh_within: Duration) -> Result<Vec<CircuitRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.replica, t.slug, c.system, c.state, c.rejected, c.updated_at
         FROM control.integration_circuits c JOIN control.tenants t ON t.id = c.tenant_id
         WHERE c.updated_at > now() - make_interval(secs => $1)
         ORDER BY c.system, t.slug, c.replica",
    )
    .bind(fresh_within.as_secs_f64())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CircuitRow {
                replica: r.try_get("replica")?,
                tenant: r.try_get("slug")?,
                system: r.try_get("system")?,
                state: r.try_get("state")?,
                rejected: r.try_get("rejected")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
