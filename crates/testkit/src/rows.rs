//! Small reads of a tenant's rows, in a tenant transaction.

use comply360_store::{Store, Tenant};
use std::collections::HashMap;
use uuid::Uuid;

/// A count (or any `bigint`) from `sql`, with the tenant's id bound as `$1`.
pub async fn count(store: &Store, tenant: &Tenant, sql: &str) -> i64 {
    let mut tx = store.tenancy().begin(tenant).await.expect("begin");
    let n: i64 = tx
        .query_scalar(sql)
        .bind(tenant.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .expect("the count query");
    tx.commit().await.expect("commit");
    n
}

/// Audit rows per event id: the effect that must happen exactly once.
pub async fn audit_counts(store: &Store, tenant: &Tenant) -> HashMap<Uuid, i64> {
    let mut tx = store.tenancy().begin(tenant).await.expect("begin");
    let rows: Vec<(Uuid, i64)> = tx
        .query_as(
            "SELECT (detail->>'event_id')::uuid, count(*) FROM audit_log
             WHERE tenant_id = $1 AND detail ? 'event_id' GROUP BY 1",
        )
        .bind(tenant.id().as_uuid())
        .fetch_all(tx.conn())
        .await
        .expect("the audit query");
    tx.commit().await.expect("commit");
    rows.into_iter().collect()
}
