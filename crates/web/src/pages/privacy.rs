//! A client's privacy page (`/clients/{id}/privacy`, `privacy:manage`): the person's data
//! export (POPIA s23) as a download, and the erasure request (s24), confirmed by typing the
//! client's name, with the report of the last one. Both call
//! `comply360_documents::subject_rights`, as the API's `/api/v1/privacy` routes do.

use super::settings::{Refusal, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comply360_api::AppState;
use comply360_api::documents::documents;
use comply360_documents::subject_rights;
use comply360_practice::clients::{self, Client};
use comply360_practice::data_subjects::Identifier;
use comply360_practice::reminders::sa_today;
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

fn client_id(raw: &str) -> Result<Uuid, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// The person's number, from the client's own record.
fn identifier(c: &Client) -> Option<Identifier> {
    c.id_number
        .clone()
        .map(Identifier::IdNumber)
        .or_else(|| c.passport_number.clone().map(Identifier::Passport))
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    id: Uuid,
    typed: Option<&str>,
    refusal: Option<Refusal>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let client = clients::get(&mut tx, id, true).await?;
    let last = subject_rights::last_erasure(&mut tx, id)
        .await
        .map_err(comply360_api::problem::Problem::from)?;
    tx.commit().await?;
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let title = format!("Privacy: {}", client.display_name);
    let ctx = context! {
        client => minijinja::Value::from(minijinja::value::Serde(&client)),
        has_number => identifier(&client).is_some(),
        last => minijinja::Value::from(minijinja::value::Serde(&last)),
        confirm_name => typed.unwrap_or(""),
        errors, summary,
    };
    let title = if summary_is_error(status) {
        format!("Error: {title}")
    } else {
        title
    };
    Ok(with_status(
        chrome.page("privacy/client.html", "clients", &title, ctx),
        status,
    ))
}

fn summary_is_error(status: StatusCode) -> bool {
    status.is_client_error()
}

/// `GET /clients/{id}/privacy`.
pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    render(&state, chrome, client_id(&raw)?, None, None).await
}

/// `POST /clients/{id}/privacy/export`: the ZIP, streamed.
pub async fn export(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = client_id(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let client = clients::get(&mut tx, id, true).await?;
    tx.commit().await?;
    let Some(who) = identifier(&client) else {
        return Err(PageError::NotFound);
    };
    let docs = documents(&state)?;
    let e = subject_rights::export(
        docs,
        state.store.tenancy(),
        &tenant,
        &who,
        Some(id),
        Some(chrome.actor()),
    )
    .await
    .map_err(comply360_api::problem::Problem::from)?;
    let mut res = Body::from_stream(e.body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", e.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(chrome.respond(res))
}

#[derive(Default, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirm_name: String,
}

/// `POST /clients/{id}/privacy/erase`: confirmed by the client's name typed.
pub async fn erase(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(form): Form<EraseForm>,
) -> Result<Response, PageError> {
    let id = client_id(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let client = clients::get(&mut tx, id, true).await?;
    tx.commit().await?;
    let typed = form.confirm_name.trim();
    let refuse = |message: String| Refusal {
        errors: BTreeMap::from([("confirm_name".to_owned(), message)]),
        summary: "the erasure was not started".into(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    if !typed.eq_ignore_ascii_case(client.display_name.trim()) {
        let message = if typed.is_empty() {
            format!(
                "Type the client's name, {}, to confirm",
                client.display_name
            )
        } else {
            format!(
                "The name does not match: type {} exactly as shown",
                client.display_name
            )
        };
        return render(&state, chrome, id, Some(typed), Some(refuse(message))).await;
    }
    let Some(who) = identifier(&client) else {
        let message =
            "This client has no ID or passport number on record, so there is no person to erase"
                .to_owned();
        return render(&state, chrome, id, Some(typed), Some(refuse(message))).await;
    };
    let docs = documents(&state)?;
    let report = subject_rights::erase(
        docs,
        &state.outbox,
        state.store.tenancy(),
        &tenant,
        &who,
        Some(id),
        Some(chrome.actor()),
        sa_today(),
    )
    .await
    .map_err(comply360_api::problem::Problem::from)?;
    let notice = format!(
        "The erasure request is done: {} erased, {} kept. The report is below.",
        report.erased.len(),
        report.kept.len()
    );
    Ok(chrome.done(&format!("/clients/{id}/privacy"), &notice))
}
