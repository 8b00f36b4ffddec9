//! A registration's filing pack: one ZIP of the current documents its requirements are
//! satisfied with, streamed as it is written (a pipe between the writer task and the answer),
//! never the whole archive in memory. Each document's read is audited like a download
//! (`document.downloaded`, via `pack`) before any byte of it is written.

use crate::error::DocumentError;
use crate::model::Document;
use crate::read::{self, Reader};
use crate::requirements::{self, RequirementState};
use crate::service::Documents;
use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use comply360_store::{Tenancy, Tenant};
use futures::io::AsyncWriteExt as _;
use futures::stream::{BoxStream, StreamExt as _};
use std::sync::Arc;
use uuid::Uuid;

/// How many bytes the pipe holds between the writer and the reader.
const PIPE_BYTES: usize = 64 * 1024;

/// The documents a pack holds: the satisfied requirements' documents, once each.
pub async fn contents(
    tenancy: &Tenancy,
    tenant: &Tenant,
    registration: Uuid,
) -> Result<Vec<Document>, DocumentError> {
    let mut tx = tenancy.begin(tenant).await?;
    let all = requirements::of_registration(&mut tx, registration).await?;
    tx.commit().await?;
    let mut out: Vec<Document> = Vec::new();
    for r in all {
        if r.state != RequirementState::Satisfied {
            continue;
        }
        if let Some(d) = r.document
            && !out.iter().any(|o| o.id == d.id)
        {
            out.push(d);
        }
    }
    Ok(out)
}

/// The name of a document's entry: its position, type, label or person, and file name.
fn entry_name(i: usize, d: &Document) -> String {
    let mut name = format!("{:02}-{}", i + 1, d.doc_type);
    if let Some(p) = &d.person_ref {
        name.push('-');
        name.push_str(p);
    }
    if !d.label.is_empty() {
        name.push('-');
        name.push_str(&d.label);
    }
    name.push('-');
    name.push_str(&d.file_name);
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The pack's ZIP as a stream of bytes. The documents are found (and a registration of
/// another agency refused) before the stream starts; each document's read is audited as it
/// is written. A failure midway ends the stream with an error (the client sees a cut
/// download, never a silently short archive).
pub async fn stream(
    docs: &Documents,
    tenancy: &Tenancy,
    tenant: Arc<Tenant>,
    registration: Uuid,
    who: Reader,
) -> Result<BoxStream<'static, Result<Bytes, std::io::Error>>, DocumentError> {
    let contents = contents(tenancy, &tenant, registration).await?;
    let (reader, writer) = tokio::io::duplex(PIPE_BYTES);
    let docs = docs.clone();
    let tenancy = tenancy.clone();
    let who = Reader { via: "pack", ..who };
    tokio::spawn(async move {
        if let Err(e) = write(&docs, &tenancy, &tenant, &contents, who, writer).await {
            tracing::error!(error = %e, %registration, "the filing pack failed midway");
        }
    });
    Ok(tokio_util::io::ReaderStream::new(reader).boxed())
}

async fn write(
    docs: &Documents,
    tenancy: &Tenancy,
    tenant: &Tenant,
    contents: &[Document],
    who: Reader,
    out: tokio::io::DuplexStream,
) -> Result<(), DocumentError> {
    let zip_err = |e: async_zip::error::ZipError| DocumentError::Internal(e.to_string());
    let io_err = |e: std::io::Error| DocumentError::Internal(e.to_string());
    let mut zip = ZipFileWriter::with_tokio(out);
    for (i, d) in contents.iter().enumerate() {
        let mut file = read::file(docs, tenancy, tenant, d.id, who).await?;
        let entry = ZipEntryBuilder::new(entry_name(i, d).into(), Compression::Stored);
        let mut w = zip.write_entry_stream(entry).await.map_err(zip_err)?;
        while let Some(chunk) = file.body.next().await {
            w.write_all(&chunk?).await.map_err(io_err)?;
        }
        w.close().await.map_err(zip_err)?;
    }
    zip.close().await.map_err(zip_err)?;
    Ok(())
}
