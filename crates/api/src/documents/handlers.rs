//! The documents' handlers: upload (multipart, streamed), list, read, versions, file,
//! preview, text, signed links, review and legal holds.

use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::gateway::client::Client;
use crate::practice::path_id;
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use comply360_documents::links::{LinkParams, LinkTarget};
use comply360_documents::model::{
    DocType, Document, DocumentStatus, Subject, SubjectKind, Uploaded,
};
use comply360_documents::read::{self, FileBody, Reader};
use comply360_documents::repo::{self, Filter, StoredText};
use comply360_documents::requirements::Requirement;
use comply360_documents::retention::{self, RetentionRule};
use comply360_documents::types::{self, DocumentType, NewDocumentType};
use comply360_documents::upload::{self, UploadInput, Uploader};
use comply360_documents::{DocumentError, Documents, review};
use comply360_practice::registrations;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// The process's documents service (always configured by `comply360 serve`).
pub fn documents(state: &AppState) -> Result<&Documents, Problem> {
    state.documents.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "documents_unavailable",
            "document storage is not configured on this server",
        )
    })
}

fn bad_multipart(e: axum::extract::multipart::MultipartError) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid_multipart",
        format!(
            "the upload is not a readable multipart/form-data body: {}",
            e.body_text()
        ),
    )
}

/// A form field other than the file: at most 1 KiB is read, so a huge "label" cannot fill
/// memory.
async fn small_field(mut field: axum::extract::multipart::Field<'_>) -> Result<String, Problem> {
    let name = field.name().unwrap_or("").to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > 1024 {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the upload has invalid fields",
            )
            .with_field(&name, "at most 1 KiB"));
        }
    }
    Ok(String::from_utf8_lossy(&bytes).chars().take(200).collect())
}

/// The upload's form fields before the file.
fn input_from(
    fields: &HashMap<String, String>,
    file_name: Option<&str>,
    content_type: Option<&str>,
) -> Result<UploadInput, Problem> {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "the upload has invalid fields",
    );
    let mut bad = false;
    let get = |k: &str| fields.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let subject_kind = match get("subject").map(str::parse::<SubjectKind>) {
        Some(Ok(k)) => Some(k),
        Some(Err(_)) | None => {
            p = p.with_field("subject", "one of client, company, person or registration");
            bad = true;
            None
        }
    };
    let subject_id = match get("subject_id").map(str::parse::<Uuid>) {
        Some(Ok(id)) => Some(id),
        _ => {
            p = p.with_field(
                "subject_id",
                "the id (UUID) of the client, company, person or registration",
            );
            bad = true;
            None
        }
    };
    let doc_type = match get("type") {
        Some(t) => Some(match t.parse() {
            Ok(kind) => DocType::Builtin(kind),
            Err(_) => DocType::Custom(t.to_owned()),
        }),
        None => {
            p = p.with_field("type", "the document type, e.g. id_copy, proof_of_address, cor_14_3, or one of your agency's own types");
            bad = true;
            None
        }
    };
    let file_name = file_name.unwrap_or("").trim();
    if bad {
        return Err(p);
    }
    let (Some(kind), Some(id), Some(doc_type)) = (subject_kind, subject_id, doc_type) else {
        return Err(p);
    };
    Ok(UploadInput {
        subject: Subject { kind, id },
        doc_type,
        label: get("label").unwrap_or("").to_owned(),
        person_ref: get("person_ref").map(str::to_owned),
        file_name: file_name.to_owned(),
        declared_type: content_type.map(str::to_owned),
    })
}

/// `POST /api/v1/documents`: multipart with `subject`, `subject_id`, `type` (and optional
/// `label`, `person_ref`) parts, then the `file` part, streamed to storage.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    let docs = documents(&state)?;
    let tenant = caller.tenant()?.clone();
    let mut fields: HashMap<String, String> = HashMap::new();
    while let Some(field) = multipart.next_field().await.map_err(bad_multipart)? {
        let name = field.name().unwrap_or("").to_owned();
        if name != "file" {
            if fields.len() >= 10 {
                continue;
            }
            fields.insert(name, small_field(field).await?);
            continue;
        }
        let input = input_from(&fields, field.file_name(), field.content_type())?;
        may_upload_to(&state, &caller, &tenant, &input).await?;
        let who = Uploader {
            user: caller.principal.user_id(),
            ip: client.ip,
        };
        let stream = std::pin::pin!(field);
        let uploaded: Uploaded = upload::upload(
            docs,
            state.store.tenancy(),
            &tenant,
            &state.outbox,
            who,
            input,
            stream,
        )
        .await?;
        let status = if uploaded.duplicate {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        return Ok((status, Json(uploaded)).into_response());
    }
    Err(Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "the upload has no file",
    )
    .with_field(
        "file",
        "attach the file in a part named `file`, after the subject, subject_id and type parts",
    ))
}

/// Uploading needs `documents:write`, except to a registration still in draft, which
/// `documents:draft` (an assistant preparing a filing) allows.
async fn may_upload_to(
    state: &AppState,
    caller: &Caller,
    tenant: &comply360_store::Tenant,
    input: &UploadInput,
) -> Result<(), Problem> {
    if state
        .identity
        .authorize(&caller.principal, caller.tenant.as_ref(), "documents:write")
        .await
    {
        return Ok(());
    }
    if input.subject.kind == SubjectKind::Registration {
        let mut tx = state.store.tenancy().begin(tenant).await?;
        let r = registrations::get(&mut tx, input.subject.id).await;
        tx.commit().await?;
        if r.is_ok_and(|r| r.status.editable()) {
            return Ok(());
        }
    }
    Err(Problem::new(
        StatusCode::FORBIDDEN,
        "permission_denied",
        "this action needs the permission documents:write (documents:draft only uploads to draft registrations)",
    ))
}

/// The list's filters.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// Every document of this client (its own, its companies', people's and registrations').
    pub client_id: Option<Uuid>,
    /// With `subject_id`: the documents of one subject.
    pub subject: Option<SubjectKind>,
    pub subject_id: Option<Uuid>,
    /// A registration's documents and its client's (what the filing may use).
    pub registration_id: Option<Uuid>,
    pub status: Option<DocumentStatus>,
    /// Every version, not only the current ones.
    #[serde(default)]
    pub all_versions: bool,
}

/// `GET /api/v1/documents`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<DocumentQuery>,
) -> Result<Json<Vec<Document>>, Problem> {
    let subject = match (q.subject, q.subject_id) {
        (Some(k), Some(id)) => Some((k, id)),
        (None, None) => None,
        _ => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "subject and subject_id go together",
            )
            .with_field("subject_id", "give both subject and subject_id, or neither"));
        }
    };
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let for_registration = match q.registration_id {
        Some(id) => {
            let r = registrations::get(&mut tx, id).await?;
            Some((r.id, r.client_id))
        }
        None => None,
    };
    let filter = Filter {
        client_id: q.client_id,
        subject,
        for_registration,
        status: q.status,
        all_versions: q.all_versions,
    };
    let docs = repo::list(&mut tx, &filter, 500)
        .await
        .map_err(DocumentError::from)?;
    tx.commit().await?;
    Ok(Json(docs))
}

/// `GET /api/v1/documents/{id}`.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Document>, Problem> {
    let id = path_id(&id, "document")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let d = read::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// `GET /api/v1/documents/{id}/versions`: every version, newest first.
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Document>>, Problem> {
    let id = path_id(&id, "document")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let d = read::get(&mut tx, id).await?;
    let all = repo::versions(&mut tx, d.series_id)
        .await
        .map_err(DocumentError::from)?;
    tx.commit().await?;
    Ok(Json(all))
}

/// Who reads, for the audit log: the caller and its address, by session or API key.
pub(crate) fn reader(caller: &Caller, client: &comply360_identity::ClientInfo) -> Reader {
    Reader {
        user: caller.principal.user_id(),
        ip: client.ip,
        via: if caller.principal.user_id().is_some() {
            "session"
        } else {
            "api_key"
        },
    }
}

/// A stored file as an HTTP answer: never sniffed, never cached by shared caches.
pub fn serve(f: FileBody, inline: bool) -> Response {
    let disposition = content_disposition(&f.file_name, inline);
    let mut res = Response::new(Body::from_stream(f.body));
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&f.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

/// `attachment; filename="plain ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn content_disposition(name: &str, inline: bool) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    )
}

/// `GET /api/v1/documents/{id}/file`: the file (audited).
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "document")?;
    let docs = documents(&state)?;
    let f = read::file(
        docs,
        state.store.tenancy(),
        caller.tenant()?,
        id,
        reader(&caller, &client),
    )
    .await?;
    Ok(serve(f, false))
}

/// `GET /api/v1/documents/{id}/preview`: the first page as a PNG (audited).
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "document")?;
    let docs = documents(&state)?;
    let f = read::preview(
        docs,
        state.store.tenancy(),
        caller.tenant()?,
        id,
        reader(&caller, &client),
    )
    .await?;
    Ok(serve(f, true))
}

/// `GET /api/v1/documents/{id}/text`: the text read from it (audited).
pub async fn text(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Json<StoredText>, Problem> {
    let id = path_id(&id, "document")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let t = read::text(&mut tx, id, reader(&caller, &client)).await?;
    tx.commit().await?;
    t.map(Json).ok_or_else(|| {
        Problem::new(
            StatusCode::CONFLICT,
            "text_unavailable",
            "no text was read from this document yet (it is being processed, or nothing could be read)",
        )
    })
}

/// Signed links to a document's file and preview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Links {
    pub file_url: String,
    pub preview_url: String,
    pub expires_at: DateTime<Utc>,
}

fn link_url(id: Uuid, target: &str, p: &LinkParams) -> String {
    format!(
        "/api/v1/document-links/{id}/{target}?exp={}&by={}&sig={}",
        p.exp, p.by, p.sig
    )
}

/// `POST /api/v1/documents/{id}/links`: short-lived links that work without a session on
/// this agency's host only.
pub async fn links(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Json<Links>, Problem> {
    let id = path_id(&id, "document")?;
    let docs = documents(&state)?;
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let d = read::get(&mut tx, id).await?;
    if let Some((code, detail)) = d.status.unavailable() {
        return Err(Problem::new(StatusCode::CONFLICT, code, detail));
    }
    let by = caller.actor();
    let expires_at = Utc::now() + docs.settings().link_ttl;
    repo::audit(
        &mut tx,
        Some(by).filter(|u| !u.is_nil()),
        "document.link_created",
        id,
        client.ip,
        serde_json::json!({"expires_at": expires_at}),
    )
    .await
    .map_err(DocumentError::from)?;
    tx.commit().await?;
    let file = docs
        .links()
        .sign(tenant.id(), id, LinkTarget::File, expires_at, by);
    let preview = docs
        .links()
        .sign(tenant.id(), id, LinkTarget::Preview, expires_at, by);
    Ok(Json(Links {
        file_url: link_url(id, "file", &file),
        preview_url: link_url(id, "preview", &preview),
        expires_at,
    }))
}

/// `GET /api/v1/document-links/{id}/{target}`: a signed link's file or preview (audited,
/// naming the user who made the link).
pub async fn open_link(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    Path((id, target)): Path<(String, String)>,
    QueryParams(p): QueryParams<LinkParams>,
) -> Result<Response, Problem> {
    let docs = documents(&state)?;
    let id: Uuid = id
        .parse()
        .map_err(|_| Problem::from(DocumentError::BadLink))?;
    let target = match target.as_str() {
        "file" => LinkTarget::File,
        "preview" => LinkTarget::Preview,
        _ => return Err(DocumentError::BadLink.into()),
    };
    if !docs.links().verify(tenant.id(), id, target, &p, Utc::now()) {
        return Err(DocumentError::BadLink.into());
    }
    let who = Reader {
        user: Some(p.by).filter(|u| !u.is_nil()),
        ip: client.ip,
        via: "link",
    };
    Ok(match target {
        LinkTarget::File => serve(
            read::file(docs, state.store.tenancy(), &tenant, id, who).await?,
            false,
        ),
        LinkTarget::Preview => serve(
            read::preview(docs, state.store.tenancy(), &tenant, id, who).await?,
            true,
        ),
    })
}

/// A person's verdict.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// `verified`, `needs_review` or `rejected`.
    pub status: DocumentStatus,
    pub reason: String,
}

/// `POST /api/v1/documents/{id}/review`: overrides the automatic verdict, with a reason.
pub async fn review_verdict(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ReviewInput>,
) -> Result<Json<Document>, Problem> {
    let id = path_id(&id, "document")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let d = review::override_verdict(
        &mut tx,
        &state.outbox,
        id,
        caller.actor(),
        client.ip,
        input.status,
        &input.reason,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// A legal hold's reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HoldInput {
    pub reason: String,
}

/// `PUT /api/v1/documents/{id}/legal-hold`: no purge while it holds.
pub async fn place_hold(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<HoldInput>,
) -> Result<Json<Document>, Problem> {
    let id = path_id(&id, "document")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let d = review::legal_hold(&mut tx, id, caller.actor(), client.ip, Some(&input.reason)).await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// `DELETE /api/v1/documents/{id}/legal-hold`.
pub async fn lift_hold(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Json<Document>, Problem> {
    let id = path_id(&id, "document")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let d = review::legal_hold(&mut tx, id, caller.actor(), client.ip, None).await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// `GET /api/v1/registrations/{id}/document-requirements`.
pub async fn requirements(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Requirement>>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let all = comply360_documents::requirements::of_registration(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(all))
}

/// A filing pack as an HTTP answer: `application/zip`, an attachment, never cached.
pub fn serve_pack(body: Body, registration: Uuid) -> Response {
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(
        &format!("filing-pack-{registration}.zip"),
        false,
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

/// `GET /api/v1/registrations/{id}/document-pack`: the filing pack, streamed.
pub async fn pack(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "registration")?;
    let docs = documents(&state)?;
    let body = comply360_documents::pack::stream(
        docs,
        state.store.tenancy(),
        caller.tenant()?.clone(),
        id,
        reader(&caller, &client),
    )
    .await?;
    Ok(serve_pack(Body::from_stream(body), id))
}

/// `GET /api/v1/document-types`: built-in and the agency's own, with their retention.
pub async fn document_types(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DocumentType>>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let all = types::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(all))
}

/// `POST /api/v1/document-types`: a type of the agency's own.
pub async fn add_document_type(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<NewDocumentType>,
) -> Result<(StatusCode, Json<DocumentType>), Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let t = types::add(&mut tx, &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// A retention rule's new period and basis.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RetentionInput {
    /// Years kept after the client relationship ends (at least FICA's 5).
    pub years: i32,
    pub basis: String,
}

/// `PUT /api/v1/document-types/{code}/retention`.
pub async fn set_retention(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(input): JsonBody<RetentionInput>,
) -> Result<Json<RetentionRule>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    if !types::exists(&mut tx, &code).await? {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "document_type_not_found",
            format!("your agency has no document type `{code}`"),
        ));
    }
    let rule = retention::set_rule(&mut tx, &code, input.years, &input.basis).await?;
    tx.commit().await?;
    Ok(Json(rule))
}
