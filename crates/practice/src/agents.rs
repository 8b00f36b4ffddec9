//! The agency's users as agents of its records (assigned to clients, companies, registrations
//! and obligations): the questions the practice asks of the users table (is this an active
//! user; the dashboard's count of them).

use crate::error::PracticeError;
use comply360_store::TenantTx;
use uuid::Uuid;

/// Checks that `agent` (when given) is an account of this tenant that is not disabled.
pub async fn check(
    tx: &mut TenantTx,
    agent: Option<Uuid>,
    field: &str,
) -> Result<(), PracticeError> {
    let Some(agent) = agent else { return Ok(()) };
    if is_active(tx, agent).await? {
        Ok(())
    } else {
        Err(PracticeError::field(
            field,
            "no active user with this id in your agency",
        ))
    }
}

async fn is_active(tx: &mut TenantTx, agent: Uuid) -> Result<bool, sqlx::Error> {
    tx.query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND status <> 'disabled')")
        .bind(tx.tenant_id().as_uuid())
        .bind(agent)
        .fetch_one(tx.conn())
        .await
}

/// Every account that is not disabled, by lower-cased email (the import names agents so).
pub(crate) async fn active_by_email(tx: &mut TenantTx) -> Result<Vec<(String, Uuid)>, sqlx::Error> {
    tx.query_as("SELECT lower(email), id FROM users WHERE tenant_id = $1 AND status <> 'disabled'")
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await
}

/// The agency's accounts that are active and those invited (not yet accepted); disabled ones
/// are neither.
pub(crate) async fn counts(tx: &mut TenantTx) -> Result<(i64, i64), sqlx::Error> {
    tx.query_as(
        "SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'invited') \
         FROM users WHERE tenant_id = $1",
    )
    .bind(tx.tenant_id().as_uuid())
    .fetch_one(tx.conn())
    .await
}
