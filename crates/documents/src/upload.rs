//! Upload: the file streamed from the request into encrypted storage, its type decided from
//! its bytes on the way, its SHA-256 computed, its size held to the limit; then one short
//! transaction records the version (or finds the same bytes already held) and emits
//! `document.uploaded`. Nothing is held in memory but the first bytes and the chunk in hand;
//! no transaction is open while the bytes travel.

use crate::error::DocumentError;
use crate::model::{DocType, Subject, Uploaded};
use crate::repo::{self, NewDocument, SeriesKey};
use crate::scan;
use crate::service::Documents;
use crate::storage_key;
use crate::subjects;
use crate::vault::ObjectKey;
use bytes::Bytes;
use comply360_domain::plans::Limit;
use comply360_jobs::{NewEvent, Outbox, event::types};
use comply360_store::{Tenancy, Tenant};
use futures::{Stream, StreamExt as _};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use uuid::Uuid;

/// How many first bytes decide the file's type.
const HEAD_BYTES: usize = 8 * 1024;

/// What the uploader says about the file.
#[derive(Clone, Debug)]
pub struct UploadInput {
    pub subject: Subject,
    pub doc_type: DocType,
    /// Tells apart documents of one type and subject that are not versions of each other
    /// (two `other` letters); empty for most.
    pub label: String,
    /// Whose document, on a registration (an ID or passport number of one of its people).
    pub person_ref: Option<String>,
    pub file_name: String,
    /// The media type the client declared for the file, if any.
    pub declared_type: Option<String>,
}

/// Who is uploading, for the record.
#[derive(Clone, Copy, Debug)]
pub struct Uploader {
    pub user: Option<Uuid>,
    pub ip: Option<IpAddr>,
}

fn check_input(input: &UploadInput) -> Result<(), DocumentError> {
    let mut fields = Vec::new();
    if input.label.chars().count() > 120 {
        fields.push(("label".to_owned(), "at most 120 characters".to_owned()));
    }
    if let Some(p) = &input.person_ref
        && (p.trim().is_empty() || p.chars().count() > 40)
    {
        fields.push((
            "person_ref".to_owned(),
            "the person's ID or passport number, at most 40 characters".to_owned(),
        ));
    }
    if let DocType::Custom(code) = &input.doc_type
        && !(2..=40).contains(&code.len())
    {
        fields.push(("type".to_owned(), "unknown document type".to_owned()));
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(DocumentError::Invalid {
            detail: "the upload has invalid fields".into(),
            fields,
        })
    }
}

/// Stores one uploaded file as the next version of its document.
#[allow(clippy::too_many_arguments)]
pub async fn upload<S, E>(
    docs: &Documents,
    tenancy: &Tenancy,
    tenant: &Tenant,
    outbox: &Outbox,
    who: Uploader,
    input: UploadInput,
    mut body: S,
) -> Result<Uploaded, DocumentError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    check_input(&input)?;
    let file_name = scan::names::sanitise_file_name(&input.file_name);

    // The subject first (a quick read), so a wrong id costs no storage.
    let mut tx = tenancy.begin(tenant).await?;
    let placed = subjects::place(&mut tx, input.subject).await?;
    if let DocType::Custom(code) = &input.doc_type
        && !repo::custom_type_exists(&mut tx, code).await?
    {
        return Err(DocumentError::field(
            "type",
            format!(
                "your agency has no document type `{code}`; add it under Settings › Documents or choose a built-in type"
            ),
        ));
    }
    tx.commit().await?;

    let interrupted = |e: E| {
        DocumentError::field(
            "file",
            format!("the upload was interrupted ({e}); try again"),
        )
    };
    let limit = docs.settings().max_upload_bytes;
    let too_large = || DocumentError::TooLarge {
        limit_mb: limit / (1024 * 1024),
    };

    // The first bytes decide the type, before anything is stored.
    let mut head: Vec<u8> = Vec::with_capacity(HEAD_BYTES);
    let mut pending: Option<Bytes> = None;
    while head.len() < HEAD_BYTES {
        match body.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(interrupted)?;
                let take = (HEAD_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if take < chunk.len() {
                    pending = Some(chunk.slice(take..));
                }
            }
            None => break,
        }
    }
    if head.is_empty() {
        return Err(DocumentError::field(
            "file",
            "the file is empty; choose the scan or PDF of the document",
        ));
    }
    let file_type = scan::sniff(&head).map_err(|r| DocumentError::Refused {
        code: "file_type_refused",
        detail: r.to_string(),
    })?;
    scan::names::check_declared(file_type, &file_name, input.declared_type.as_deref()).map_err(
        |m| DocumentError::Refused {
            code: "file_type_mismatch",
            detail: m.to_string(),
        },
    )?;

    let id = Uuid::now_v7();
    let key = ObjectKey::document(tenant.id(), id);
    let mut writer = docs
        .vault()
        .writer(tenant.id(), &key)
        .await
        .map_err(DocumentError::from)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut next = Some(Bytes::from(head));
    let outcome: Result<(), DocumentError> = async {
        loop {
            let chunk = match next.take() {
                Some(c) => c,
                None => match pending.take() {
                    Some(c) => c,
                    None => match body.next().await {
                        Some(c) => c.map_err(interrupted)?,
                        None => break,
                    },
                },
            };
            size += chunk.len() as u64;
            if size > limit {
                return Err(too_large());
            }
            hasher.update(&chunk);
            writer.write(&chunk).await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        writer.abort().await;
        return Err(e);
    }
    let stored_bytes = writer.finish().await?;
    let sha256 = hex::encode(hasher.finalize());

    let recorded = record(
        docs,
        tenancy,
        tenant,
        outbox,
        who,
        &input,
        &placed,
        id,
        &file_name,
        file_type,
        size,
        stored_bytes,
        &sha256,
    )
    .await;
    match recorded {
        Ok(u) if u.duplicate => {
            // The same bytes were already held for this subject: keep one copy.
            docs.vault().delete(tenant.id(), &key).await.ok();
            Ok(u)
        }
        Ok(u) => Ok(u),
        Err(e) => {
            docs.vault().delete(tenant.id(), &key).await.ok();
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn record(
    _docs: &Documents,
    tenancy: &Tenancy,
    tenant: &Tenant,
    outbox: &Outbox,
    who: Uploader,
    input: &UploadInput,
    placed: &subjects::Placed,
    id: Uuid,
    file_name: &str,
    file_type: crate::FileType,
    size: u64,
    stored_bytes: u64,
    sha256: &str,
) -> Result<Uploaded, DocumentError> {
    let mut tx = tenancy.begin(tenant).await?;
    if let Some(existing) =
        repo::duplicate(&mut tx, placed.subject.kind, placed.subject.id, sha256).await?
    {
        repo::audit(
            &mut tx,
            who.user,
            "document.duplicate_refused",
            existing.id,
            who.ip,
            json!({"file_name": file_name}),
        )
        .await?;
        tx.commit().await?;
        return Ok(Uploaded {
            document: existing,
            duplicate: true,
        });
    }
    let stored = repo::stored_bytes(&mut tx).await?;
    tx.plan()
        .ensure(Limit::StorageBytes, stored, size)
        .map_err(DocumentError::PlanLimit)?;
    let series = SeriesKey {
        subject: placed.subject.kind,
        subject_id: placed.subject.id,
        kind: input.doc_type.kind_text(),
        custom_type: input.doc_type.custom_code(),
        label: input.label.trim(),
    };
    let (series_id, version) = match repo::current_of_series(&mut tx, &series).await? {
        Some((current, series_id, version)) => {
            repo::retire(&mut tx, current).await?;
            (series_id, version + 1)
        }
        None => (id, 1),
    };
    repo::insert(
        &mut tx,
        &NewDocument {
            id,
            series_id,
            version,
            client_id: placed.client_id,
            subject: placed.subject.kind,
            company_id: placed.company_id,
            person_id: placed.person_id,
            registration_id: placed.registration_id,
            person_ref: input.person_ref.as_deref().map(str::trim),
            kind: series.kind,
            custom_type: series.custom_type,
            label: series.label,
            file_name,
            content_type: file_type.mime(),
            file_type: file_type.as_str(),
            size_bytes: size as i64,
            stored_bytes: stored_bytes as i64,
            sha256,
            storage_key: &storage_key::of(id),
            uploaded_by: who.user,
        },
    )
    .await
    .map_err(|e| match StoreErrorKind::of(&e) {
        StoreErrorKind::UniqueViolation => DocumentError::Conflict {
            code: "upload_in_progress",
            detail: "another upload of this document finished at the same moment; upload again to make a new version".into(),
        },
        StoreErrorKind::Other => DocumentError::from(e),
    })?;
    repo::audit(
        &mut tx,
        who.user,
        "document.uploaded",
        id,
        who.ip,
        json!({"version": version, "series_id": series_id, "size_bytes": size, "sha256": sha256}),
    )
    .await?;
    outbox
        .emit(
            &mut tx,
            NewEvent::new(types::DOCUMENT_UPLOADED, "document")
                .aggregate(id)
                .actor(who.user)
                .payload(json!({
                    "document_id": id,
                    "series_id": series_id,
                    "version": version,
                    "type": input.doc_type.to_string(),
                    "subject": placed.subject.kind.as_str(),
                    "subject_id": placed.subject.id,
                })),
        )
        .await
        .map_err(|e| DocumentError::Internal(e.to_string()))?;
    let document = repo::get(&mut tx, id)
        .await?
        .ok_or(DocumentError::NotFound("document"))?;
    tx.commit().await?;
    Ok(Uploaded {
        document,
        duplicate: false,
    })
}

/// Whether an insert failed on a unique index (two uploads racing to start one series).
enum StoreErrorKind {
    UniqueViolation,
    Other,
}

impl StoreErrorKind {
    fn of(e: &sqlx::Error) -> StoreErrorKind {
        match e {
            sqlx::Error::Database(d) if d.code().as_deref() == Some("23505") => {
                StoreErrorKind::UniqueViolation
            }
            _ => StoreErrorKind::Other,
        }
    }
}
