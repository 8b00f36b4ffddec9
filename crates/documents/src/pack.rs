//! A registration's filing pack: one ZIP of the current documents its requirements are
//! satisfied with, streamed as it is written (a pipe between the writer task and the answer),
//! never the whole archive in memory. Each document's read is audited like a download
//! (`document.downloaded`, via `pack`) before any byte of it is written.

use crate::archive;
use crate::error::DocumentError;
use crate::model::Document;
use crate::read::{self, Reader};
use crate::requirements::{self, RequirementState};
use crate::service::Documents;
use bytes::Bytes;
use comply360_store::{Tenancy, Tenant};
use futures::stream::BoxStream;
use std::sync::Arc;
use uuid::Uuid;

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
/// download, never a silently short archive: [`archive::stream`]).
pub async fn stream(
    docs: &Documents,
    tenancy: &Tenancy,
    tenant: Arc<Tenant>,
    registration: Uuid,
    who: Reader,
) -> Result<BoxStream<'static, Result<Bytes, std::io::Error>>, DocumentError> {
    let contents = contents(tenancy, &tenant, registration).await?;
    let docs = docs.clone();
    let tenancy = tenancy.clone();
    let who = Reader { via: "pack", ..who };
    Ok(archive::stream("filing pack", move |mut zip| async move {
        for (i, d) in contents.iter().enumerate() {
            let file = read::file(&docs, &tenancy, &tenant, d.id, who).await?;
            zip.entry(&entry_name(i, d), file.body).await?;
        }
        Ok(zip)
    }))
}
