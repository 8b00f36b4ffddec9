//! What reconciliation reads of the records the sync mirrors: ids and when each last changed
//! (one statement over the practice's and the money side's tables, read only).

use super::super::links::Entity;
use chrono::{DateTime, Utc};
use comply360_practice::decode;
use comply360_store::TenantTx;
use sqlx::Row;
use uuid::Uuid;

/// Every record that should be in Odoo: every client and registration, and the approved and
/// paid commissions; with its last change.
pub(crate) async fn expected(
    tx: &mut TenantTx,
) -> Result<Vec<(Entity, Uuid, DateTime<Utc>)>, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT 'client' AS entity, id, updated_at FROM clients WHERE tenant_id = $1 \
             UNION ALL SELECT 'registration', id, updated_at FROM registrations WHERE tenant_id = $1 \
             UNION ALL SELECT 'commission', id, updated_at FROM commissions \
                 WHERE tenant_id = $1 AND status IN ('approved', 'paid') \
             ORDER BY 1, 2",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                decode::text(r, "entity")?,
                r.try_get("id")?,
                r.try_get("updated_at")?,
            ))
        })
        .collect()
}
