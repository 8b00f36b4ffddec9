//! The hand-off from the practice: a document written inside a practice transaction (the
//! registry's certificate, attached when an outcome is recorded) waits as bytes in
//! `document_contents`, because the practice cannot reach storage from its transaction. The
//! `documents.ingest` job, on the registration events that record an outcome, moves each into
//! encrypted storage, deletes its bytes from the table, and sends it through the same scan,
//! text and checks as an upload (`document.uploaded`). The daily housekeeping does the same
//! for anything left (documents stored before this capability existed).
//!
//! Moving is idempotent: the object's key is the document's id, so a retry after a crash
//! between the write and the commit overwrites the same object.

use crate::error::DocumentError;
use crate::service::Documents;
use crate::storage_key;
use crate::vault::ObjectKey;
use async_trait::async_trait;
use comply360_jobs::handler::{Handler, JobContext};
use comply360_jobs::{HandlerError, NewEvent, Outbox, event::types};
use comply360_store::TenantTx;
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

/// Moves one handed-off document into storage in `tx` (which the caller commits); its id, or
/// `None` when nothing is waiting.
pub async fn move_one(
    docs: &Documents,
    tx: &mut TenantTx,
    outbox: &Outbox,
) -> Result<Option<Uuid>, DocumentError> {
    let row = tx
        .query(
            "SELECT d.id, d.content_type, d.series_id, d.version, c.content FROM documents d \
             JOIN document_contents c ON c.tenant_id = d.tenant_id AND c.document_id = d.id \
             WHERE d.tenant_id = $1 ORDER BY d.created_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_optional(tx.conn())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: Uuid = row.try_get(0)?;
    let content_type: String = row.try_get(1)?;
    let series_id: Uuid = row.try_get(2)?;
    let version: i32 = row.try_get(3)?;
    let bytes: Vec<u8> = row.try_get(4)?;
    let tenant = tx.tenant_id();
    let mut w = docs
        .vault()
        .writer(tenant, &ObjectKey::document(tenant, id))
        .await?;
    w.write(&bytes).await?;
    let stored = w.finish().await?;
    let file_type = crate::scan::sniff(&bytes[..bytes.len().min(8192)])
        .ok()
        .or_else(|| crate::FileType::from_mime(&content_type))
        .map(|t| t.as_str());
    tx.query(
        "UPDATE documents SET storage_key = $3, stored_bytes = $4, file_type = coalesce(file_type, $5), \
         status = 'scanning' WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.as_uuid())
    .bind(id)
    .bind(storage_key::of(id))
    .bind(stored as i64)
    .bind(file_type)
    .execute(tx.conn())
    .await?;
    tx.query("DELETE FROM document_contents WHERE tenant_id = $1 AND document_id = $2")
        .bind(tenant.as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?;
    outbox
        .emit(
            tx,
            NewEvent::new(types::DOCUMENT_UPLOADED, "document")
                .aggregate(id)
                .payload(json!({"document_id": id, "series_id": series_id, "version": version, "handed_off": true})),
        )
        .await
        .map_err(|e| DocumentError::Store(e.into_store(types::DOCUMENT_UPLOADED)))?;
    Ok(Some(id))
}

pub struct IngestHandedOff {
    docs: Documents,
}

impl IngestHandedOff {
    pub fn new(docs: Documents) -> IngestHandedOff {
        IngestHandedOff { docs }
    }
}

#[async_trait]
impl Handler for IngestHandedOff {
    fn name(&self) -> &'static str {
        "documents.ingest"
    }

    /// A registry document is attached only when an outcome is recorded: an approval
    /// (`registration.approved`) or a completion (which emits `registration.updated`). The
    /// other registration events (a draft opened, submitted, rejected) never carry one, so
    /// they schedule no job here: `registration.created` is the API's busiest write, and each
    /// job row it would cost is written, claimed and finished for nothing.
    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::REGISTRATION_APPROVED, types::REGISTRATION_UPDATED]
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        while move_one(&self.docs, ctx.tx, ctx.outbox)
            .await
            .map_err(|e| HandlerError::Retryable(format!("move a handed-off document: {e}")))?
            .is_some()
        {}
        Ok(())
    }
}
