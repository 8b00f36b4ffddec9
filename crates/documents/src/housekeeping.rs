//! Documents' housekeeping, every `interval` for each agency in turn (replicas may all run
//! it: each step claims its rows with `FOR UPDATE SKIP LOCKED`):
//!
//! * **hand-off**: documents written inside a practice transaction (the registry's
//!   certificates, and those stored before this capability existed) wait as bytes in
//!   `document_contents`; they are encrypted into storage and the bytes deleted;
//! * **retention**: documents whose client relationship ended longer ago than their kind's
//!   retention are purged (file and preview deleted, text deleted, the row de-identified and
//!   kept as the record of what was done and why), except those on legal hold; quarantined
//!   files are deleted after 30 days. Each purge is in the agency's audit log.

use crate::error::DocumentError;
use crate::retention;
use crate::service::Documents;
use crate::storage_key::{self, Location};
use crate::vault::ObjectKey;
use chrono::NaiveDate;
use comply360_jobs::Outbox;
use comply360_store::{Store, Tenant, TenantTx};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// What one agency's sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Documents moved from the database hand-off into storage.
    pub moved: usize,
    /// Documents purged at the end of their retention.
    pub purged: usize,
    /// Expired documents kept because of a legal hold.
    pub held: usize,
}

/// Moves every document still in `document_contents` into storage (one transaction each).
pub async fn move_handed_off(
    docs: &Documents,
    store: &Store,
    outbox: &Outbox,
    tenant: &Tenant,
) -> Result<usize, DocumentError> {
    let mut moved = 0;
    loop {
        let mut tx = store.tenancy().begin(tenant).await?;
        let one = crate::ingest::move_one(docs, &mut tx, outbox).await?;
        tx.commit().await?;
        match one {
            Some(_) => moved += 1,
            None => return Ok(moved),
        }
    }
}

/// Purges what retention has ended on `today` (and quarantined files after 30 days).
pub async fn purge_expired(
    docs: &Documents,
    store: &Store,
    tenant: &Tenant,
    today: NaiveDate,
) -> Result<(usize, usize), DocumentError> {
    let mut tx = store.tenancy().begin(tenant).await?;
    // Every kind in use, with its rule.
    let kinds: Vec<String> = tx
        .query_scalar("SELECT DISTINCT coalesce(custom_type, kind) FROM documents WHERE tenant_id = $1 AND status <> 'purged'")
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    let mut rules = Vec::new();
    for kind in kinds {
        rules.push(retention::rule_for(&mut tx, &kind).await?);
    }
    tx.commit().await?;

    let (mut purged, mut held) = (0, 0);
    for rule in rules {
        let mut after: Option<Uuid> = None;
        loop {
            let mut tx = store.tenancy().begin(tenant).await?;
            let row = tx
                .query(
                    "SELECT d.id, d.storage_key, d.legal_hold IS NOT NULL AS on_hold, c.relationship_ended_at, d.status \
                     FROM documents d JOIN clients c ON c.tenant_id = d.tenant_id AND c.id = d.client_id \
                     WHERE d.tenant_id = $1 AND coalesce(d.custom_type, d.kind) = $2 AND d.status <> 'purged' \
                     AND ((c.relationship_ended_at IS NOT NULL \
                           AND (c.relationship_ended_at AT TIME ZONE 'Africa/Johannesburg')::date + make_interval(years => $3) <= $4) \
                          OR (d.status = 'quarantined' AND d.updated_at::date + 30 <= $4)) \
                     AND ($5::uuid IS NULL OR d.id > $5) \
                     ORDER BY d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED",
                )
                .bind(tx.tenant_id().as_uuid())
                .bind(&rule.kind)
                .bind(rule.years)
                .bind(today)
                .bind(after)
                .fetch_optional(tx.conn())
                .await?;
            let Some(row) = row else {
                tx.commit().await?;
                break;
            };
            let id: Uuid = row.try_get(0)?;
            let on_hold: bool = row.try_get(2)?;
            let status: String = row.try_get(4)?;
            after = Some(id);
            if on_hold {
                held += 1;
                tracing::info!(tenant = %tenant.slug(), document = %id, "retention ended, kept: on legal hold");
                tx.commit().await?;
                continue;
            }
            let reason = if status == "quarantined" {
                json!({"reason": "quarantined for 30 days"})
            } else {
                json!({"reason": "retention ended", "rule": rule})
            };
            let objects = purge_in(&mut tx, id, None, reason).await?;
            tx.commit().await?;
            delete_objects(docs, tenant, id, objects).await;
            purged += 1;
        }
    }
    Ok((purged, held))
}

/// Purges one document inside the caller's transaction: its text, preview and hand-off rows
/// deleted, the row de-identified and kept as the record of what was done and why (`reason`,
/// in the audit log as `document.purged`). Returns the stored objects to delete once the
/// transaction has committed ([`delete_objects`]): the row says purged before the bytes go,
/// so a failed delete leaves encrypted bytes nothing points to, never a row pointing at
/// nothing.
pub async fn purge_in(
    tx: &mut TenantTx,
    id: Uuid,
    actor: Option<Uuid>,
    reason: serde_json::Value,
) -> Result<Vec<String>, DocumentError> {
    let storage: Option<String> = crate::repo::storage_of(tx, id).await?.map(|(key, _)| key);
    let preview: Option<String> = crate::repo::preview_key(tx, id).await?;
    for table in ["document_texts", "document_previews", "document_contents"] {
        tx.query(&format!(
            "DELETE FROM {table} WHERE tenant_id = $1 AND document_id = $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?;
    }
    tx.query(
        "UPDATE documents SET status = 'purged', purged_at = now(), file_name = 'purged', \
         label = '', person_ref = NULL, validation = NULL, review = NULL, scan = NULL \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .execute(tx.conn())
    .await?;
    crate::repo::audit(tx, actor, "document.purged", id, None, reason).await?;
    Ok(storage.into_iter().chain(preview).collect())
}

/// Deletes a purged document's stored objects (after [`purge_in`]'s transaction committed);
/// a failure is logged with the object's place.
pub async fn delete_objects(docs: &Documents, tenant: &Tenant, id: Uuid, objects: Vec<String>) {
    for key in objects {
        if let Some(Location::Vault(object)) = storage_key::parse(&key)
            && let Err(e) = docs
                .vault()
                .delete(tenant.id(), &ObjectKey::document(tenant.id(), object))
                .await
        {
            tracing::warn!(tenant = %tenant.slug(), document = %id, object = %object, error = %e, "a purged document's file could not be deleted");
        }
    }
}

/// One agency's sweep.
pub async fn sweep_tenant(
    docs: &Documents,
    store: &Store,
    outbox: &Outbox,
    tenant: &Tenant,
    today: NaiveDate,
) -> Result<SweepReport, DocumentError> {
    let moved = move_handed_off(docs, store, outbox, tenant).await?;
    let (purged, held) = purge_expired(docs, store, tenant, today).await?;
    if moved + purged > 0 {
        tracing::info!(tenant = %tenant.slug(), moved, purged, held, "documents housekeeping");
    }
    Ok(SweepReport {
        moved,
        purged,
        held,
    })
}

/// Every servable agency, one after another; an agency that fails is logged and skipped.
pub async fn sweep(
    docs: &Documents,
    store: &Store,
    outbox: &Outbox,
    today: NaiveDate,
) -> SweepReport {
    let mut total = SweepReport::default();
    let tenants = match store.tenancy().servable_tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list agencies for documents housekeeping");
            return total;
        }
    };
    for tenant in tenants {
        match sweep_tenant(docs, store, outbox, &tenant, today).await {
            Ok(r) => {
                total.moved += r.moved;
                total.purged += r.purged;
                total.held += r.held;
            }
            Err(e) => {
                tracing::warn!(tenant = %tenant.slug(), error = %e, "documents housekeeping failed for this agency")
            }
        }
    }
    total
}

/// Runs [`sweep`] now and every `interval` until `stop`.
pub fn spawn(
    docs: Documents,
    store: Store,
    outbox: Outbox,
    interval: Duration,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            sweep(
                &docs,
                &store,
                &outbox,
                comply360_practice::reminders::sa_today(),
            )
            .await;
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    })
}
