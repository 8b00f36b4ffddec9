//! The `documents.process` job, on `document.uploaded`: scan (the built-in refusals, then
//! clamd when configured), read the text (the PDF's layer, else OCR), make the preview,
//! check the document against what the practice knows, and set its verdict. One job per
//! version; a retry after a crash does it all again (every write is an upsert), and a
//! document already past `scanning`/`processing` is left alone.
//!
//! The tools run in the job's `prepare` step, before its transaction opens: OCR of a long scan
//! takes minutes and waits for one of the machine's process slots, and a job holding a pooled
//! connection while it waits starves the pool (seen: every connection held by jobs queued for
//! OCR, sign-ins timing out). The job's transaction then only records what they found, with
//! the verdict, the text, the preview's place and the event committing together with the
//! job's completion.

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
use comply360_jobs::handler::{Handler, JobContext, PrepareContext, Prepared};
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

/// What the tools found, before the job's transaction opens.
struct Findings {
    id: Uuid,
    scan: ScanRecord,
    /// The text read, or why it could not be.
    text: Result<StoredText, String>,
    /// The preview's object and size, already stored.
    preview: Option<(Uuid, u32, u32)>,
}

impl ProcessDocument {
    /// The scan, the text and the preview: minutes of tool time for a long scan, so outside
    /// any transaction (the pool's connections are not held while OCR waits for a slot).
    async fn find(&self, ctx: &PrepareContext<'_>) -> Result<Option<Findings>, HandlerError> {
        let Some(id) = ctx.event.aggregate_id else {
            return Ok(None);
        };
        let tenant = ctx.tenant.id();
        let mut tx = ctx
            .tenancy
            .begin(ctx.tenant)
            .await
            .map_err(|e| failed("read", e))?;
        let doc = repo::get(&mut tx, id)
            .await
            .map_err(|e| failed("read", e))?;
        let storage = repo::storage_of(&mut tx, id)
            .await
            .map_err(|e| failed("read", e))?;
        tx.commit().await.map_err(|e| failed("read", e))?;
        let (Some(doc), Some((key, file_type))) = (doc, storage) else {
            return Ok(None);
        };
        if !matches!(
            doc.status,
            DocumentStatus::Scanning | DocumentStatus::Processing
        ) {
            return Ok(None);
        }
        let Some(Location::Vault(object)) = storage_key::parse(&key) else {
            return Ok(None);
        };
        let Some(file_type) = file_type.and_then(|t| t.parse::<crate::FileType>().ok()) else {
            return Ok(None);
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
        let mut scan = ScanRecord {
            engine: "builtin".into(),
            clean: true,
            finding: None,
            at: Utc::now(),
        };
        if file_type == crate::FileType::Pdf
            && let Some(refusal) = scan::pdf_active_content(&bytes)
        {
            scan.clean = false;
            scan.finding = Some(refusal.to_string());
        }
        if scan.clean
            && let Some(clamd) = self.docs.clamd()
        {
            scan.engine = "clamd".into();
            let chunks = futures::stream::iter(
                bytes
                    .chunks(256 * 1024)
                    .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                    .collect::<Vec<_>>(),
            );
            match clamd.scan(chunks).await.map_err(|e| failed("clamd", e))? {
                ScanVerdict::Clean => {}
                ScanVerdict::Infected { signature } => {
                    scan.clean = false;
                    scan.finding = Some(format!("ClamAV found {signature}"));
                }
            }
        }
        scan.at = Utc::now();
        if !scan.clean {
            return Ok(Some(Findings {
                id,
                scan,
                text: Err("not read: refused by the scan".into()),
                preview: None,
            }));
        }

        // The text and the preview: either may fail without failing the document (it then
        // goes to a person), but a failure to store the preview retries the job.
        let text = match self.docs.extractor().text(&bytes, file_type).await {
            Ok(x) => Ok(StoredText {
                method: match x.method {
                    TextMethod::TextLayer => "text_layer",
                    TextMethod::Ocr => "ocr",
                }
                .to_owned(),
                pages: x.pages as i32,
                ocr_pages: x.ocr_pages as i32,
                confidence: x.confidence,
                content: x.text.replace('\0', ""),
            }),
            Err(e) => Err(e.to_string()),
        };
        let preview = match self.docs.extractor().preview(&bytes, file_type).await {
            Ok(p) => {
                // Named by the document, so a second run overwrites rather than adds.
                let object = Uuid::new_v5(&id, b"preview");
                let key = ObjectKey::document(tenant, object);
                let mut w = self
                    .docs
                    .vault()
                    .writer(tenant, &key)
                    .await
                    .map_err(|e| failed("store the preview", e))?;
                w.write(&p.png)
                    .await
                    .map_err(|e| failed("store the preview", e))?;
                w.finish()
                    .await
                    .map_err(|e| failed("store the preview", e))?;
                Some((object, p.width, p.height))
            }
            Err(_) => None,
        };
        Ok(Some(Findings {
            id,
            scan,
            text,
            preview,
        }))
    }
}

#[async_trait]
impl Handler for ProcessDocument {
    fn name(&self) -> &'static str {
        "documents.process"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::DOCUMENT_UPLOADED]
    }

    async fn prepare(&self, ctx: &PrepareContext<'_>) -> Result<Option<Prepared>, HandlerError> {
        Ok(self.find(ctx).await?.map(|f| Box::new(f) as Prepared))
    }

    /// Records what [`ProcessDocument::find`] found, if the document still waits for it.
    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let Some(findings) = ctx
            .prepared
            .take()
            .and_then(|p| p.downcast::<Findings>().ok())
        else {
            return Ok(());
        };
        let Findings {
            id,
            scan,
            text,
            preview,
        } = *findings;
        let Some(doc) = repo::get(ctx.tx, id).await.map_err(|e| failed("read", e))? else {
            return Ok(());
        };
        if !matches!(
            doc.status,
            DocumentStatus::Scanning | DocumentStatus::Processing
        ) {
            return Ok(());
        }
        if !scan.clean {
            // Quarantined: the encrypted bytes stay for the operator to examine and are
            // never served; the retention sweep deletes them after 30 days.
            repo::set_status(ctx.tx, id, DocumentStatus::Quarantined, Some(&scan), None)
                .await
                .map_err(|e| failed("record the scan", e))?;
            repo::audit(
                ctx.tx,
                None,
                "document.quarantined",
                id,
                None,
                json!({"finding": scan.finding}),
            )
            .await
            .map_err(|e| failed("audit", e))?;
            emit(
                ctx,
                types::DOCUMENT_REJECTED,
                id,
                json!({"document_id": id, "status": "quarantined", "reason": scan.finding}),
            )
            .await?;
            return Ok(());
        }
        let (content, read_error) = match text {
            Ok(stored) => {
                repo::put_text(ctx.tx, id, &stored)
                    .await
                    .map_err(|e| failed("store the text", e))?;
                (stored.content, None)
            }
            Err(why) => (String::new(), Some(why)),
        };
        if let Some((object, width, height)) = preview {
            repo::put_preview(
                ctx.tx,
                id,
                &storage_key::of(object),
                width as i32,
                height as i32,
            )
            .await
            .map_err(|e| failed("store the preview", e))?;
        }
        let facts = facts::gather(ctx.tx, &doc)
            .await
            .map_err(|e| failed("gather the facts", e))?;
        let mut validation = validate::validate(&content, &facts);
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
        repo::set_status(ctx.tx, id, status, Some(&scan), Some(&v))
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
