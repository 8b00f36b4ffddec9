//! A document's page (`/documents/{id}`): its first page, status, the checks and their
//! evidence (failed first), the text read from it (shown on demand, audited), its versions,
//! the scan, the reviewer's override, legal hold and a share link; and the routes that serve
//! its preview, file and text to the signed-in person (audited as `session` reads). Another
//! agency's id is not found, like any id this agency does not have.

use super::{in_progress, reader, row, service, status_words, type_label};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use comply360_api::AppState;
use comply360_api::documents::{serve, serve_pack};
use comply360_api::gateway::client::Client;
use comply360_documents::links::LinkTarget;
use comply360_documents::model::{Document, DocumentStatus};
use comply360_documents::{DocumentError, read, repo, review, types};
use comply360_practice::clients;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

fn id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

/// The checks, failed first (decisive failures before the rest), with their evidence.
fn checks(validation: Option<&Value>) -> (Vec<Value>, Option<Value>, Option<String>) {
    let Some(v) = validation else {
        return (Vec::new(), None, None);
    };
    let mut all: Vec<Value> = v
        .get("checks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let rank = |c: &Value| {
        let passed = c.get("passed").and_then(Value::as_bool).unwrap_or(false);
        let decisive = c.get("decisive").and_then(Value::as_bool).unwrap_or(false);
        match (passed, decisive) {
            (false, true) => 0,
            (false, false) => 1,
            _ => 2,
        }
    };
    all.sort_by_key(rank);
    let all = all
        .into_iter()
        .map(|c| {
            let code = c.get("code").and_then(Value::as_str).unwrap_or("");
            let words = comply360_documents::validate::Check::title(code);
            let evidence = match c.get("evidence") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            json!({"name": words, "passed": c.get("passed"), "decisive": c.get("decisive"), "evidence": evidence})
        })
        .collect();
    // As a whole percentage: "score 33%", not the float the checks computed.
    let score = v
        .get("score")
        .and_then(Value::as_f64)
        .map(|f| Value::from(format!("{:.0}%", f * 100.0)));
    let verdict = v
        .get("verdict")
        .and_then(Value::as_str)
        .map(|s| s.replace('_', " "));
    (all, score, verdict)
}

/// What the document page shows besides the frame; `link` and `errors` after a form.
async fn render(
    state: &AppState,
    chrome: Chrome,
    d: Document,
    errors: BTreeMap<String, String>,
    link: Option<Value>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let versions = repo::versions(&mut tx, d.series_id)
        .await
        .map_err(DocumentError::from)?;
    let types = types::list(&mut tx).await?;
    let client = clients::display_name(&mut tx, d.client_id).await?;
    let has_preview = repo::preview_key(&mut tx, d.id)
        .await
        .map_err(DocumentError::from)?
        .is_some();
    tx.commit().await?;
    let names = super::names(state, &chrome).await;
    let (checks, score, verdict) = checks(d.validation.as_ref());
    let failed = checks
        .iter()
        .filter(|c| c.get("passed") != Some(&Value::Bool(true)))
        .count();
    let name_of = |u: Uuid| {
        names
            .iter()
            .find(|(i, _)| *i == u)
            .map_or_else(|| "someone".to_owned(), |(_, n)| n.clone())
    };
    let subject_href = match d.subject.as_str() {
        "company" => format!("/companies/{}", d.subject_id),
        "registration" => format!("/registrations/{}", d.subject_id),
        _ => format!("/clients/{}", d.client_id),
    };
    let title = type_label(&types, &d.doc_type);
    let summary = (!errors.is_empty()).then(|| "Correct the field marked below".to_owned());
    let page_title = if errors.is_empty() {
        title.clone()
    } else {
        format!("Error: {title}")
    };
    let can_review = chrome.may("documents:write") && d.status.reviewable();
    let can_hold = chrome.may("privacy:manage") && d.status != DocumentStatus::Purged;
    let mut res = chrome.page(
        "documents/show.html",
        "clients",
        &page_title,
        context! {
            d => View::from(Serde(&d)),
            row => View::from(Serde(row(&d, &types, &names))),
            title,
            client,
            client_id => d.client_id.to_string(),
            subject_href,
            checks => View::from(Serde(&checks)),
            failed,
            score => View::from(Serde(&score)),
            verdict,
            has_preview => has_preview && d.status.readable(),
            in_progress => in_progress(d.status),
            words => status_words(d.status),
            versions => View::from(Serde(versions.iter().map(|v| row(v, &types, &names)).collect::<Vec<_>>())),
            review_by => d.review.as_ref().map(|r| name_of(r.by)),
            review_words => d.review.as_ref().map(|r| status_words(r.status)),
            hold_by => d.legal_hold.as_ref().map(|h| name_of(h.by)),
            can_review,
            can_hold,
            errors,
            summary,
            link => View::from(Serde(&link)),
        },
    );
    *res.status_mut() = status;
    Ok(res)
}

async fn load(state: &AppState, chrome: &Chrome, raw: &str) -> Result<Document, PageError> {
    let id = id(raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let d = read::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(d)
}

/// `GET /documents/{id}`.
pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let d = load(&state, &chrome, &raw).await?;
    render(&state, chrome, d, BTreeMap::new(), None, StatusCode::OK).await
}

/// `GET /documents/{id}/status`: the status fragment htmx polls while the document is scanned
/// and read; once the verdict is in, the whole page is reloaded to show it.
pub async fn status(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let d = load(&state, &chrome, &raw).await?;
    if !chrome.htmx() {
        return Ok(Redirect::to(&format!("/documents/{}", d.id)).into_response());
    }
    let done = !in_progress(d.status);
    let mut res = chrome.fragment(
        "documents/status.html",
        context! { d => View::from(Serde(&d)), words => status_words(d.status), in_progress => !done },
    );
    if done {
        res.headers_mut()
            .insert("hx-refresh", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// `GET /documents/{id}/preview`: the first page as a PNG, inline (audited).
pub async fn preview(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = id(&raw)?;
    let f = read::preview(
        service(&state)?,
        state.store.tenancy(),
        chrome.tenant()?,
        id,
        reader(&chrome, &client),
    )
    .await?;
    Ok(chrome.respond(serve(f, true)))
}

/// `GET /documents/{id}/file`: the file, as an attachment (audited).
pub async fn file(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = id(&raw)?;
    let f = read::file(
        service(&state)?,
        state.store.tenancy(),
        chrome.tenant()?,
        id,
        reader(&chrome, &client),
    )
    .await?;
    Ok(chrome.respond(serve(f, false)))
}

/// `GET /documents/{id}/text`: the text read from it (audited). htmx fetches it when its
/// `<details>` is opened; without script it is a page of its own.
pub async fn text(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = id(&raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let t = read::text(&mut tx, id, reader(&chrome, &client)).await?;
    tx.commit().await?;
    let ctx = context! { t => View::from(Serde(&t)), id => id.to_string() };
    if chrome.htmx() {
        return Ok(chrome.fragment("documents/text.html", ctx));
    }
    Ok(chrome.page(
        "documents/text_page.html",
        "clients",
        "Text read from the document",
        ctx,
    ))
}

fn field<'a>(form: &'a [(String, String)], k: &str) -> &'a str {
    form.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

fn field_errors(e: DocumentError) -> Result<BTreeMap<String, String>, PageError> {
    match e {
        DocumentError::Invalid { fields, .. } => {
            let mut out = BTreeMap::new();
            for (f, m) in fields {
                let mut c = m.chars();
                let m = c
                    .next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default();
                out.entry(f).or_insert(m);
            }
            Ok(out)
        }
        DocumentError::Conflict { detail, .. } => {
            Ok(BTreeMap::from([("status".to_owned(), detail)]))
        }
        other => Err(other.into()),
    }
}

/// `POST /documents/{id}/review`: a person's verdict over the automatic one, with a reason.
pub async fn review_verdict(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = id(&raw)?;
    let status: Option<DocumentStatus> = field(&form, "status").parse().ok();
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = match status {
        Some(s) => {
            review::override_verdict(
                &mut tx,
                &state.outbox,
                id,
                chrome.actor(),
                client.ip,
                s,
                field(&form, "reason"),
            )
            .await
        }
        None => Err(DocumentError::field(
            "status",
            "choose verified, needs review or rejected",
        )),
    };
    match result {
        Ok(d) => {
            tx.commit().await?;
            let notice = format!(
                "The document is now marked {}.",
                status_words(d.status).to_lowercase()
            );
            Ok(chrome.done(&format!("/documents/{id}"), &notice))
        }
        Err(e) => {
            drop(tx);
            let errors = field_errors(e)?;
            let d = load(&state, &chrome, &raw).await?;
            render(
                &state,
                chrome,
                d,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /documents/{id}/hold`: place (with a reason) or lift the legal hold.
pub async fn hold(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = id(&raw)?;
    let lift = field(&form, "action") == "lift";
    let reason = field(&form, "hold_reason");
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = review::legal_hold(
        &mut tx,
        id,
        chrome.actor(),
        client.ip,
        (!lift).then_some(reason),
    )
    .await;
    match result {
        Ok(_) => {
            tx.commit().await?;
            let notice = if lift {
                "The legal hold was lifted."
            } else {
                "A legal hold was placed: the document will not be deleted while it holds."
            };
            Ok(chrome.done(&format!("/documents/{id}"), notice))
        }
        Err(e) => {
            drop(tx);
            let errors: BTreeMap<String, String> = field_errors(e)?
                .into_iter()
                .map(|(k, v)| {
                    (
                        if k == "reason" {
                            "hold_reason".to_owned()
                        } else {
                            k
                        },
                        v,
                    )
                })
                .collect();
            let d = load(&state, &chrome, &raw).await?;
            render(
                &state,
                chrome,
                d,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /documents/{id}/link`: a signed link to the file, valid without a session on this
/// agency's host until it expires (audited as the API's links are).
pub async fn share_link(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = id(&raw)?;
    let docs = service(&state)?;
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let d = read::get(&mut tx, id).await?;
    if let Some((code, detail)) = d.status.unavailable() {
        return Err(DocumentError::Unavailable {
            code,
            detail: detail.to_owned(),
        }
        .into());
    }
    let by = chrome.actor();
    let expires_at = Utc::now() + docs.settings().link_ttl;
    repo::audit(
        &mut tx,
        Some(by),
        "document.link_created",
        id,
        client.ip,
        json!({"expires_at": expires_at, "via": "session"}),
    )
    .await
    .map_err(DocumentError::from)?;
    tx.commit().await?;
    let p = docs
        .links()
        .sign(tenant.id(), id, LinkTarget::File, expires_at, by);
    let url = format!(
        "/api/v1/document-links/{id}/file?exp={}&by={}&sig={}",
        p.exp, p.by, p.sig
    );
    let link = json!({"url": url, "expires_at": expires_at});
    render(
        &state,
        chrome,
        d,
        BTreeMap::new(),
        Some(link),
        StatusCode::OK,
    )
    .await
}

/// `GET /registrations/{id}/document-pack`: the filing pack (a ZIP), streamed.
pub async fn pack(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let rid = id(&raw)?;
    let body = comply360_documents::pack::stream(
        service(&state)?,
        state.store.tenancy(),
        chrome.tenant()?.clone(),
        rid,
        reader(&chrome, &client),
    )
    .await?;
    Ok(chrome.respond(serve_pack(axum::body::Body::from_stream(body), rid)))
}
