//! The `documents.process` job, on `document.uploaded`: scan (the built-in refusals, then
//! clamd when configured), read the text (the PDF's layer, else OCR), make the preview,
//! check the document against what the practice knows, and set its verdict. One job per
//! version; a retry after a crash does it all again (every write is an upsert), and a
//! document already past `scanning`/`processing` is left alone.
//!
//! The job's transaction stays open while the tools run (seconds; OCR of a long scan up to
//! minutes). That holds one pooled connection per running job, and at most as many jobs run
//! OCR at once as the extractor has process slots (the machine's cores), so the cost is
//! bounded; in return the verdict, the text, the preview's place and the event commit
//! together with the job's completion.

use crate::extract::TextMethod;
use crate::facts;
use crate::model::{DocumentStatus, ScanRecord};
use crate::repo::{self, StoredText};
use crate::scan::{self, clamd::ScanVerdict};
use crate::service::Documents;
use crate::storage_key::{self, Location};
use crate::validate::{self, Verdict};
use crate::vault::ObjectKey;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::Utc;
use comply360_jobs::handler::{Handler, JobContext};
use comply360_jobs::{HandlerError, NewEvent, event::types};
use serde_json::json;
use uuid::Uuid;

pub struct ProcessDocument {
    docs: Documents,
}

impl ProcessDocument {
    pub fn new(docs: Documents) -> ProcessDocument {
        ProcessDocument { docs }
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> HandlerError {
    HandlerError::Retryable(format!("{what}: {e}"))
}

#[async_trait]
impl Handler for ProcessDocument {
    fn name(&self) -> &'static str {
        "documents.process"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::DOCUMENT_UPLOADED]
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let Some(id) = ctx.event.aggregate_id else {
            return Ok(());
        };
        let tenant = ctx.tenant.id();
        let Some(doc) = repo::get(ctx.tx, id).await.map_err(|e| failed("read", e))? else {
            return Ok(());
        };
        if !matches!(
            doc.status,
            DocumentStatus::Scanning | DocumentStatus::Processing
        ) {
            return Ok(());
        }
        let Some((key, file_type)) = repo::storage_of(ctx.tx, id)
            .await
            .map_err(|e| failed("read", e))?
        else {
            return Ok(());
        };
        let Some(Location::Vault(object)) = storage_key::parse(&key) else {
            return Ok(());
        };
        let Some(file_type) = file_type.and_then(|t| t.parse::<crate::FileType>().ok()) else {
            return Ok(());
        };
        let bytes = self
            .docs
            .vault()
            .read_to_vec(
                tenant,
                &ObjectKey::document(tenant, object),
                self.docs.settings().max_upload_bytes + 1,
            )
            .await
            .map_err(|e| failed("read the stored file", e))?;

        // The scan: what Comply360 refuses itself, then ClamAV.
        let mut record = ScanRecord {
            engine: "builtin".into(),
            clean: true,
            finding: None,
            at: Utc::now(),
        };
        if file_type == crate::FileType::Pdf
            && let Some(refusal) = scan::pdf_active_content(&bytes)
        {
            record.clean = false;
            record.finding = Some(refusal.to_string());
        }
        if record.clean
            && let Some(clamd) = self.docs.clamd()
        {
            record.engine = "clamd".into();
            let chunks = futures::stream::iter(
                bytes
                    .chunks(256 * 1024)
                    .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                    .collect::<Vec<_>>(),
            );
            match clamd.scan(chunks).await.map_err(|e| failed("clamd", e))? {
                ScanVerdict::Clean => {}
                ScanVerdict::Infected { signature } => {
                    record.clean = false;
                    record.finding = Some(format!("ClamAV found {signature}"));
                }
            }
        }
        record.at = Utc::now();
        if !record.clean {
            // Quarantined: the encrypted bytes stay for the operator to examine and are
            // never served; the retention sweep deletes them with the rest.
            repo::set_status(ctx.tx, id, DocumentStatus::Quarantined, Some(&record), None)
                .await
                .map_err(|e| failed("record the scan", e))?;
            repo::audit(
                ctx.tx,
                None,
                "document.quarantined",
                id,
                None,
                json!({"finding": record.finding}),
            )
            .await
            .map_err(|e| failed("audit", e))?;
            emit(
                ctx,
                types::DOCUMENT_REJECTED,
                id,
                json!({"document_id": id, "status": "quarantined", "reason": record.finding}),
            )
            .await?;
            return Ok(());
        }

        // The text, then the preview: either may fail without failing the document (it
        // then goes to a person), but a failure to store them retries the job.
        let extracted = self.docs.extractor().text(&bytes, file_type).await;
        let (text, read_error) = match extracted {
            Ok(x) => {
                let stored = StoredText {
                    method: match x.method {
                        TextMethod::TextLayer => "text_layer",
                        TextMethod::Ocr => "ocr",
                    }
                    .to_owned(),
                    pages: x.pages as i32,
                    ocr_pages: x.ocr_pages as i32,
                    confidence: x.confidence,
                    content: x.text.replace('\0', ""),
                };
                repo::put_text(ctx.tx, id, &stored)
                    .await
                    .map_err(|e| failed("store the text", e))?;
                (stored.content, None)
            }
            Err(e) => (String::new(), Some(e.to_string())),
        };
        if let Ok(p) = self.docs.extractor().preview(&bytes, file_type).await {
            let preview_object = Uuid::now_v7();
            let pkey = ObjectKey::document(tenant, preview_object);
            let mut w = self
                .docs
                .vault()
                .writer(tenant, &pkey)
                .await
                .map_err(|e| failed("store the preview", e))?;
            w.write(&p.png)
                .await
                .map_err(|e| failed("store the preview", e))?;
            w.finish()
                .await
                .map_err(|e| failed("store the preview", e))?;
            repo::put_preview(
                ctx.tx,
                id,
                &storage_key::of(preview_object),
                p.width as i32,
                p.height as i32,
            )
            .await
            .map_err(|e| failed("store the preview", e))?;
        }

        let facts = facts::gather(ctx.tx, &doc)
            .await
            .map_err(|e| failed("gather the facts", e))?;
        let mut validation = validate::validate(&text, &facts);
        if let Some(why) = read_error {
            // Nothing could be read: say so first, and never verify without reading.
            let mut checks = vec![validate::Check::fail(
                "text_read",
                format!("the text could not be read: {why}"),
            )];
            checks.append(&mut validation.checks);
            validation = validate::Validation::from_checks(checks);
        }
        let status = match validation.verdict {
            Verdict::Verified => DocumentStatus::Verified,
            Verdict::NeedsReview => DocumentStatus::NeedsReview,
            Verdict::Rejected => DocumentStatus::Rejected,
        };
        let v = serde_json::to_value(&validation).map_err(|e| failed("encode", e))?;
        repo::set_status(ctx.tx, id, status, Some(&record), Some(&v))
            .await
            .map_err(|e| failed("record the verdict", e))?;
        let event = match status {
            DocumentStatus::Verified => Some(types::DOCUMENT_VERIFIED),
            DocumentStatus::Rejected => Some(types::DOCUMENT_REJECTED),
            _ => None,
        };
        if let Some(event) = event {
            emit(
                ctx,
                event,
                id,
                json!({"document_id": id, "status": status.as_str(), "score": validation.score}),
            )
            .await?;
        }
        Ok(())
    }
}

async fn emit(
    ctx: &mut JobContext<'_>,
    event: &'static str,
    id: Uuid,
    payload: serde_json::Value,
) -> Result<(), HandlerError> {
    ctx.outbox
        .emit(
            ctx.tx,
            NewEvent::new(event, "document")
                .aggregate(id)
                .payload(payload),
        )
        .await
        .map(|_| ())
        .map_err(|e| failed("emit", e))
}
