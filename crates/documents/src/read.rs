//! Reading a document: its record, its versions, its file, its preview and its text. Every
//! read of a file, a preview or a text is written to the agency's audit log first (who,
//! when, which, from where, and how: a session, an API key or a signed link), in the same
//! transaction that finds the document, so no byte is served unrecorded.

use crate::error::DocumentError;
use crate::model::Document;
use crate::repo::{self, StoredText};
use crate::service::Documents;
use crate::storage_key::{self, Location};
use crate::vault::ObjectKey;
use bytes::Bytes;
use comply360_store::{Tenancy, Tenant, TenantTx};
use futures::stream::{self, BoxStream, StreamExt as _};
use serde_json::json;
use std::net::IpAddr;
use uuid::Uuid;

/// Who reads, for the audit log.
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    /// The signed-in user, or the maker of a signed link.
    pub user: Option<Uuid>,
    pub ip: Option<IpAddr>,
    /// `session`, `api` or `link`.
    pub via: &'static str,
}

/// A file to serve.
pub struct FileBody {
    pub document: Document,
    pub content_type: String,
    pub file_name: String,
    pub body: BoxStream<'static, Result<Bytes, DocumentError>>,
}

/// The document (any version), or not found.
pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Document, DocumentError> {
    repo::get(tx, id)
        .await?
        .ok_or(DocumentError::NotFound("document"))
}

fn ensure_readable(d: &Document) -> Result<(), DocumentError> {
    match d.status.unavailable() {
        Some((code, detail)) => Err(DocumentError::Unavailable {
            code,
            detail: detail.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The document's file, streamed and decrypted; the access is audited first.
pub async fn file(
    docs: &Documents,
    tenancy: &Tenancy,
    tenant: &Tenant,
    id: Uuid,
    who: Reader,
) -> Result<FileBody, DocumentError> {
    let mut tx = tenancy.begin(tenant).await?;
    let d = get(&mut tx, id).await?;
    ensure_readable(&d)?;
    let (key, _) = repo::storage_of(&mut tx, id)
        .await?
        .ok_or(DocumentError::NotFound("document"))?;
    repo::audit(
        &mut tx,
        who.user,
        "document.downloaded",
        id,
        who.ip,
        json!({"via": who.via, "version": d.version}),
    )
    .await?;
    let body: BoxStream<'static, Result<Bytes, DocumentError>> = match storage_key::parse(&key) {
        Some(Location::Vault(object)) => docs
            .vault()
            .open(tenant.id(), &ObjectKey::document(tenant.id(), object))
            .map(|chunk| chunk.map_err(DocumentError::from))
            .boxed(),
        Some(Location::Database) => {
            let bytes = repo::legacy_content(&mut tx, id)
                .await?
                .ok_or(DocumentError::NotFound("document"))?;
            stream::once(async move { Ok(Bytes::from(bytes)) }).boxed()
        }
        None => {
            return Err(DocumentError::Internal(format!(
                "unreadable storage key of document {id}"
            )));
        }
    };
    tx.commit().await?;
    Ok(FileBody {
        content_type: d.content_type.clone(),
        file_name: d.file_name.clone(),
        document: d,
        body,
    })
}

/// The first page's preview (PNG), made when the document was processed.
pub async fn preview(
    docs: &Documents,
    tenancy: &Tenancy,
    tenant: &Tenant,
    id: Uuid,
    who: Reader,
) -> Result<FileBody, DocumentError> {
    let mut tx = tenancy.begin(tenant).await?;
    let d = get(&mut tx, id).await?;
    ensure_readable(&d)?;
    let key = repo::preview_key(&mut tx, id).await?.ok_or_else(|| DocumentError::Unavailable {
        code: "preview_unavailable",
        detail: "this document has no preview (it is still being processed, or its pages could not be rendered); download the file instead".into(),
    })?;
    let Some(Location::Vault(object)) = storage_key::parse(&key) else {
        return Err(DocumentError::Internal(format!(
            "unreadable preview key of document {id}"
        )));
    };
    repo::audit(
        &mut tx,
        who.user,
        "document.previewed",
        id,
        who.ip,
        json!({"via": who.via}),
    )
    .await?;
    tx.commit().await?;
    let body = docs
        .vault()
        .open(tenant.id(), &ObjectKey::document(tenant.id(), object))
        .map(|chunk| chunk.map_err(DocumentError::from))
        .boxed();
    Ok(FileBody {
        content_type: "image/png".into(),
        file_name: format!("{}-preview.png", d.id),
        document: d,
        body,
    })
}

/// The text read from the document (personal data like the file: audited).
pub async fn text(
    tx: &mut TenantTx,
    id: Uuid,
    who: Reader,
) -> Result<Option<StoredText>, DocumentError> {
    let d = get(tx, id).await?;
    ensure_readable(&d)?;
    let t = repo::text_of(tx, id).await?;
    repo::audit(
        tx,
        who.user,
        "document.text_viewed",
        id,
        who.ip,
        json!({"via": who.via}),
    )
    .await?;
    Ok(t)
}
