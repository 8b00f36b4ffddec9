//! The upload form's target: a multipart body (the CSRF token in the query string), its small
//! fields first and then the file, streamed into storage by `upload::upload` as the API's
//! upload does. Done: back where the form was, with a notice. Refused: the upload page with
//! the refusal beside its field, in the same words as the API (the script in `app.js`, which
//! sends the form with a progress bar, shows the same message beside the file field).

use super::{back_to, type_options};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::gateway::client::Client;
use comply360_documents::DocumentError;
use comply360_documents::model::{DocType, Subject, SubjectKind};
use comply360_documents::types;
use comply360_documents::upload::{self, UploadInput, Uploader};
use comply360_practice::registrations;
use minijinja::context;
use std::collections::BTreeMap;

/// The largest upload body: the largest file the server accepts and the multipart envelope.
pub fn limit(state: &AppState) -> usize {
    let file = state.documents.as_ref().map_or(
        comply360_documents::DocumentSettings::default().max_upload_bytes,
        |d| d.settings().max_upload_bytes,
    );
    usize::try_from(file).unwrap_or(usize::MAX / 2) + 64 * 1024
}

/// What the form said besides the file.
#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Fields {
    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

fn input_from(
    f: &Fields,
    file_name: &str,
    declared: Option<&str>,
) -> Result<UploadInput, DocumentError> {
    let kind = f
        .get("subject")
        .and_then(|s| s.parse::<SubjectKind>().ok())
        .ok_or_else(|| {
            DocumentError::field(
                "subject",
                "the form lost what the document is about; go back and try again",
            )
        })?;
    let id = f
        .get("subject_id")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            DocumentError::field(
                "subject",
                "the form lost what the document is about; go back and try again",
            )
        })?;
    let doc_type = match f.get("type") {
        Some(t) => match t.parse() {
            Ok(k) => DocType::Builtin(k),
            Err(_) => DocType::Custom(t.to_owned()),
        },
        None => return Err(DocumentError::field("type", "choose what the document is")),
    };
    if file_name.is_empty() {
        return Err(DocumentError::field("file", "choose the file to upload"));
    }
    Ok(UploadInput {
        subject: Subject { kind, id },
        doc_type,
        label: f.get("label").unwrap_or("").to_owned(),
        person_ref: f.get("person_ref").map(str::to_owned),
        file_name: file_name.to_owned(),
        declared_type: declared.map(str::to_owned),
    })
}

/// `documents:write` uploads anywhere; `documents:draft` only to a registration still being
/// prepared (as the API decides).
async fn may_upload(
    state: &AppState,
    chrome: &Chrome,
    input: &UploadInput,
) -> Result<(), PageError> {
    if chrome.may("documents:write") {
        return Ok(());
    }
    if input.subject.kind == SubjectKind::Registration {
        let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
        let r = registrations::get(&mut tx, input.subject.id).await?;
        tx.commit().await?;
        if r.status.editable() {
            return Ok(());
        }
    }
    Err(PageError::Forbidden)
}

/// `POST /documents/upload?csrf=…`.
pub async fn upload(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let docs = super::service(&state)?;
    let tenant = chrome.tenant()?.clone();
    let mut fields = Fields::default();
    let mut result: Option<Result<comply360_documents::model::Uploaded, DocumentError>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| PageError::TooLarge)?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name != "file" {
            if fields.0.len() < 10 {
                let value = field.text().await.map_err(|_| PageError::TooLarge)?;
                fields.0.insert(name, value.chars().take(200).collect());
            }
            continue;
        }
        let file_name = field.file_name().unwrap_or("").trim().to_owned();
        let declared = field.content_type().map(str::to_owned);
        let input = match input_from(&fields, &file_name, declared.as_deref()) {
            Ok(i) => i,
            Err(e) => {
                result = Some(Err(e));
                break;
            }
        };
        may_upload(&state, &chrome, &input).await?;
        let who = Uploader {
            user: Some(chrome.actor()),
            ip: client.ip,
        };
        let stream = std::pin::pin!(field);
        result = Some(
            upload::upload(
                docs,
                state.store.tenancy(),
                &tenant,
                &state.outbox,
                who,
                input,
                stream,
            )
            .await,
        );
        break;
    }
    let result =
        result.unwrap_or_else(|| Err(DocumentError::field("file", "choose the file to upload")));
    let fallback = match (fields.get("subject"), fields.get("subject_id")) {
        (Some("client"), Some(id)) => format!("/clients/{id}"),
        (Some("company"), Some(id)) => format!("/companies/{id}"),
        (Some("registration"), Some(id)) => format!("/registrations/{id}"),
        _ => "/".to_owned(),
    };
    let back = back_to(fields.get("back"), &fallback);
    match result {
        Ok(up) => {
            let notice = if up.duplicate {
                format!(
                    "{} was already uploaded; nothing new was stored.",
                    up.document.file_name
                )
            } else {
                format!(
                    "{} was uploaded. It is being checked now.",
                    up.document.file_name
                )
            };
            Ok(chrome.done(&back, &notice))
        }
        Err(e) => refused(&state, chrome, &fields, &back, e).await,
    }
}

/// The upload page again, with the refusal beside its field.
async fn refused(
    state: &AppState,
    chrome: Chrome,
    fields: &Fields,
    back: &str,
    err: DocumentError,
) -> Result<Response, PageError> {
    let (status, errors, summary) = match err {
        // The form names its subject; one this agency does not have (another agency's id
        // put in the form) is not found, like the page it came from would be.
        DocumentError::Invalid { fields, .. } if fields.iter().any(|(f, _)| f == "subject_id") => {
            return Err(PageError::NotFound);
        }
        DocumentError::Invalid { detail, fields } => {
            let mut errors = BTreeMap::new();
            for (f, m) in fields {
                errors.entry(f).or_insert(m);
            }
            (StatusCode::UNPROCESSABLE_ENTITY, errors, detail)
        }
        e @ (DocumentError::Refused { .. } | DocumentError::TooLarge { .. }) => {
            let status = if matches!(e, DocumentError::TooLarge { .. }) {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            };
            let msg = e.to_string();
            (
                status,
                BTreeMap::from([("file".to_owned(), msg.clone())]),
                msg,
            )
        }
        DocumentError::Conflict { detail, .. } => (
            StatusCode::CONFLICT,
            BTreeMap::from([("file".to_owned(), detail.clone())]),
            detail,
        ),
        other => return Err(other.into()),
    };
    // Field errors that are not the form's own fields go beside the file.
    let mut errors = errors;
    for f in ["subject", "person_ref"] {
        if let Some(m) = errors.remove(f) {
            errors.entry("file".to_owned()).or_insert(m);
        }
    }
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let types = types::list(&mut tx).await?;
    tx.commit().await?;
    let summary = capitalise(&summary);
    let errors: BTreeMap<String, String> = errors
        .into_iter()
        .map(|(k, v)| (k, capitalise(&v)))
        .collect();
    let mut res = chrome.page(
        "documents/upload.html",
        "clients",
        "Error: Upload a document",
        context! {
            up => minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
                "types": type_options(&types),
                "subject": fields.get("subject").unwrap_or(""),
                "subject_id": fields.get("subject_id").unwrap_or(""),
                "type": fields.get("type").unwrap_or(""),
                "label": fields.get("label").unwrap_or(""),
                "person_ref": fields.get("person_ref").unwrap_or(""),
                "back": back,
                "errors": errors,
                "id": "up",
            }))),
            summary,
            back,
        },
    );
    *res.status_mut() = status;
    Ok(res)
}

/// The practice's messages are lower-case clauses; a sentence on its own starts with a capital.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
