//! Documents in the portal: a subject's documents and the upload form (on the client,
//! company and registration pages), the document's own page (preview, checks, text, versions,
//! review, legal hold, share link), a registration's requirements and its filing pack. Every
//! read and change is the documents crate's operation, as the API calls it; every read of a
//! file, preview or text is audited there (via `session`).

pub mod page;
pub mod upload;

use crate::chrome::Chrome;
use crate::errors::PageError;
use comply360_api::AppState;
use comply360_documents::model::{Document, DocumentStatus, SubjectKind};
use comply360_documents::read::Reader;
use comply360_documents::repo::{self, Filter};
use comply360_documents::requirements::{self, RequirementState};
use comply360_documents::types::{self, DocumentType};
use comply360_documents::{DocumentError, Documents};
use comply360_identity::ClientInfo;
use comply360_store::TenantTx;
use serde_json::{Value, json};
use uuid::Uuid;

/// Documents errors as pages: the API's problem, so a refusal reads the same.
impl From<DocumentError> for PageError {
    fn from(e: DocumentError) -> PageError {
        comply360_api::problem::Problem::from(e).into()
    }
}

/// The process's documents service, or the unavailable page.
pub fn service(state: &AppState) -> Result<&Documents, PageError> {
    comply360_api::documents::documents(state).map_err(PageError::from)
}

/// The signed-in person reading, for the audit log.
pub fn reader(chrome: &Chrome, client: &ClientInfo) -> Reader {
    Reader {
        user: Some(chrome.actor()).filter(|u| !u.is_nil()),
        ip: client.ip,
        via: "session",
    }
}

/// What a status is called on its tag (the words carry it; the colour only repeats them).
pub fn status_words(s: DocumentStatus) -> &'static str {
    match s {
        DocumentStatus::Uploaded => "Stored",
        DocumentStatus::Scanning => "Scanning",
        DocumentStatus::Processing => "Processing",
        DocumentStatus::Verified => "Verified",
        DocumentStatus::NeedsReview => "Needs review",
        DocumentStatus::Rejected => "Rejected",
        DocumentStatus::Quarantined => "Quarantined",
        DocumentStatus::Purged => "Purged",
    }
}

/// Whether the verdict is still to come (the page refreshes itself until it is).
pub fn in_progress(s: DocumentStatus) -> bool {
    matches!(s, DocumentStatus::Scanning | DocumentStatus::Processing)
}

/// The label of a type code (built-in or the agency's own).
pub fn type_label(types: &[DocumentType], code: &str) -> String {
    types
        .iter()
        .find(|t| t.code == code)
        .map_or_else(|| code.replace('_', " "), |t| t.label.clone())
}

/// The agency's people by id, for "uploaded by".
pub async fn names(state: &AppState, chrome: &Chrome) -> Vec<(Uuid, String)> {
    let Ok(tenant) = chrome.tenant() else {
        return Vec::new();
    };
    state
        .identity
        .list_users(tenant)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| {
            let name = if u.full_name.is_empty() {
                u.email
            } else {
                u.full_name
            };
            (u.id, name)
        })
        .collect()
}

fn name_of(names: &[(Uuid, String)], id: Option<Uuid>) -> String {
    id.and_then(|id| names.iter().find(|(u, _)| *u == id))
        .map_or_else(|| "the registry".to_owned(), |(_, n)| n.clone())
}

/// One document as a row shows it.
pub fn row(d: &Document, types: &[DocumentType], names: &[(Uuid, String)]) -> Value {
    json!({
        "id": d.id,
        "type_label": type_label(types, &d.doc_type),
        "label": d.label,
        "person_ref": d.person_ref,
        "file_name": d.file_name,
        "status": d.status.as_str(),
        "status_words": status_words(d.status),
        "version": d.version,
        "is_current": d.is_current,
        "at": d.created_at,
        "by": name_of(names, d.uploaded_by),
        "size_kb": (d.size_bytes + 1023) / 1024,
        "readable": d.status.readable(),
    })
}

/// The types the upload form offers: built-in first, then the agency's own.
pub fn type_options(types: &[DocumentType]) -> Value {
    Value::Array(
        types
            .iter()
            .map(|t| json!({"code": t.code, "label": t.label, "builtin": t.builtin}))
            .collect(),
    )
}

/// The documents section of a client's or a company's page, and its upload form.
pub async fn section(
    state: &AppState,
    chrome: &Chrome,
    tx: &mut TenantTx,
    subject: SubjectKind,
    id: Uuid,
    back: &str,
) -> Result<Value, PageError> {
    if !chrome.may("documents:read") {
        return Ok(json!({"shown": false}));
    }
    let filter = match subject {
        SubjectKind::Client => Filter {
            client_id: Some(id),
            ..Filter::default()
        },
        _ => Filter {
            subject: Some((subject, id)),
            ..Filter::default()
        },
    };
    let docs = repo::list(tx, &filter, 200)
        .await
        .map_err(DocumentError::from)?;
    let types = types::list(tx).await?;
    let names = names(state, chrome).await;
    Ok(json!({
        "shown": true,
        "rows": docs.iter().map(|d| row(d, &types, &names)).collect::<Vec<_>>(),
        "types": type_options(&types),
        "subject": subject.as_str(),
        "subject_id": id,
        "back": back,
        "can_upload": chrome.may("documents:write"),
    }))
}

/// A registration's requirements as its page and the wizard's documents step show them.
pub async fn requirements_of(
    state: &AppState,
    chrome: &Chrome,
    tx: &mut TenantTx,
    registration: Uuid,
    editable: bool,
    back: &str,
) -> Result<Value, PageError> {
    if !chrome.may("documents:read") {
        return Ok(json!({"shown": false}));
    }
    let all = requirements::of_registration(tx, registration).await?;
    let types = types::list(tx).await?;
    let names = names(state, chrome).await;
    let items: Vec<Value> = all
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (state_key, state_words) = match r.state {
                RequirementState::Missing => ("missing", "Missing"),
                RequirementState::Pending => ("pending", "Pending"),
                RequirementState::Satisfied => ("satisfied", "Satisfied"),
            };
            json!({
                "n": i + 1,
                "type": r.kind,
                "label": r.label,
                "person_name": r.person_name,
                "person_ref": r.person_ref,
                "state": state_key,
                "state_words": state_words,
                "document": r.document.as_ref().map(|d| row(d, &types, &names)),
            })
        })
        .collect();
    let satisfied = all
        .iter()
        .filter(|r| r.state == RequirementState::Satisfied)
        .count();
    let can_upload = chrome.may("documents:write") || (editable && chrome.may("documents:draft"));
    Ok(json!({
        "shown": true,
        "items": items,
        "satisfied": satisfied,
        "total": all.len(),
        "registration": registration,
        "back": back,
        "can_upload": can_upload,
    }))
}

/// A safe place to return to after a form: a path of ours, never another site.
pub fn back_to(back: Option<&str>, fallback: &str) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.to_owned(),
        _ => fallback.to_owned(),
    }
}
