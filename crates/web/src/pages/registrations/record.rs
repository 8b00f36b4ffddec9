//! A registration's page: where it stands, who has it, what happened (the timeline), and the
//! actions this person may take from its status (assign, request information, record the
//! registry's outcome by hand with its reference and certificate, complete, cancel…); and the
//! printable filing summary. Every action is the practice's transition, as in the API.

use super::form::Posted;
use super::{actor, id, type_title};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use comply360_api::AppState;
use comply360_practice::outcome::{Attachment, OutcomeInput};
use comply360_practice::registrations::{self, AssignInput, TransitionInput};
use comply360_practice::reminders::sa_today;
use comply360_practice::workflow::Action;
use comply360_practice::{clients, timeline};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde_json::json;
use std::collections::BTreeMap;

/// The largest certificate accepted here (the registry's PDFs are a few hundred KB).
const MAX_CERTIFICATE_BYTES: usize = 10 * 1024 * 1024;

/// What each action is called on its button, and whether it asks for a note.
fn describe(action: Action) -> (&'static str, bool) {
    match action {
        Action::MarkReady => ("Mark ready", false),
        Action::Edit => ("Back to draft", false),
        Action::Submit => ("Submit", false),
        Action::Approve => ("Record the registry's approval", false),
        Action::Reject => ("Record a rejection", true),
        Action::RequestInfo => ("Request information", true),
        Action::Resubmit => ("Resubmit with the information", true),
        Action::Complete => ("Complete", false),
        Action::Reopen => ("Reopen as a draft", false),
        Action::Cancel => ("Cancel the registration", true),
    }
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    raw: &str,
    errors: BTreeMap<String, String>,
    summary: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    page_with(state, chrome, raw, errors, summary, status, None).await
}

/// The registration's page with the invoice panel saying why no invoice was drawn up.
pub(crate) async fn with_invoice_refusal(
    state: &AppState,
    chrome: Chrome,
    raw: &str,
    message: String,
) -> Result<Response, PageError> {
    page_with(
        state,
        chrome,
        raw,
        BTreeMap::new(),
        None,
        StatusCode::CONFLICT,
        Some(message),
    )
    .await
}

async fn page_with(
    state: &AppState,
    chrome: Chrome,
    raw: &str,
    errors: BTreeMap<String, String>,
    summary: Option<String>,
    status: StatusCode,
    invoice_refusal: Option<String>,
) -> Result<Response, PageError> {
    let rid = id(raw)?;
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let r = registrations::get(&mut tx, rid).await?;
    let client = clients::display_name(&mut tx, r.client_id).await?;
    let entries = timeline::of(&mut tx, rid).await?;
    let reqs = crate::pages::documents::requirements_of(
        state,
        &chrome,
        &mut tx,
        rid,
        r.status.editable(),
        &format!("/registrations/{rid}"),
    )
    .await?;
    let odoo =
        comply360_erp::record_state(&mut tx, comply360_erp::links::Entity::Registration, rid)
            .await?;
    // The invoice panel: the live invoice, for whoever may read invoices.
    let invoice = if chrome.may("invoices:read") {
        comply360_payments::invoices::of_registration(&mut tx, rid).await?
    } else {
        None
    };
    tx.commit().await?;
    let ty = r.registration_type()?;
    let users = if chrome.may("users:read") || chrome.may("registrations:write") {
        state.identity.list_users(&tenant).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let name_of = |id: Option<uuid::Uuid>| {
        id.and_then(|id| users.iter().find(|u| u.id == id))
            .map(|u| {
                if u.full_name.is_empty() {
                    u.email.clone()
                } else {
                    u.full_name.clone()
                }
            })
    };
    let actions: Vec<serde_json::Value> = r
        .actions
        .iter()
        .filter(|a| chrome.may(a.permission()))
        .map(|a| {
            let (label, note) = describe(*a);
            json!({"action": a.as_str(), "label": label, "note": note})
        })
        .collect();
    let timeline: Vec<serde_json::Value> = entries
        .iter()
        .rev()
        .map(|e| json!({"at": e.at, "action": e.action, "step": e.detail.get("step"), "from": e.from_status, "to": e.to_status, "note": e.note, "who": name_of(e.actor_id).unwrap_or_else(|| if e.actor_id.is_none() { "the registry".into() } else { "someone".into() })}))
        .collect();
    let agents: Vec<serde_json::Value> = users
        .iter()
        .filter(|u| u.status == "active")
        .map(|u| json!({"id": u.id, "name": if u.full_name.is_empty() { u.email.clone() } else { format!("{} ({})", u.full_name, u.email) }}))
        .collect();
    let can_assign = chrome.may("registrations:write");
    let may_invoices = chrome.may("invoices:read");
    let may_invoice = chrome.may("invoices:write");
    let mut res = chrome.page(
        "registrations/show.html",
        "registrations",
        &type_title(r.kind.as_str()),
        context! {
            r => View::from(Serde(&r)),
            type_title => ty.title.clone(),
            outcome_document => ty.outcome_document.clone(),
            operation => View::from(Serde(ty.operation)),
            client,
            agent => name_of(r.agent_id),
            actions => View::from(Serde(&actions)),
            timeline => View::from(Serde(&timeline)),
            agents => View::from(Serde(&agents)),
            can_assign,
            errors, summary,
            first_step => ty.steps.first().map(|s| s.key.clone()),
            reqs => View::from(Serde(&reqs)),
            odoo => View::from(Serde(&odoo)),
            invoice => invoice.as_ref().map(|i| View::from(Serde(i))),
            may_invoices,
            may_invoice,
            invoice_refusal,
        },
    );
    *res.status_mut() = status;
    Ok(res)
}

pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    page(&state, chrome, &raw, BTreeMap::new(), None, StatusCode::OK).await
}

async fn run(
    state: &AppState,
    chrome: Chrome,
    raw: &str,
    input: TransitionInput,
) -> Result<Response, PageError> {
    let rid = id(raw)?;
    let actor = actor(&chrome);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match registrations::transition(&mut tx, &state.outbox, &actor, rid, &input, sa_today()).await {
        Ok(r) => {
            tx.commit().await?;
            let notice = format!(
                "Done: the registration is now {}.",
                r.status.as_str().replace('_', " ")
            );
            Ok(chrome.done(&format!("/registrations/{rid}"), &notice))
        }
        Err(e) => {
            drop(tx);
            let (errors, summary) = crate::errors::refusal(e)?;
            page(
                state,
                chrome,
                raw,
                errors,
                Some(summary),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A workflow action with an optional note.
pub async fn act(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let posted = Posted::new(pairs);
    let input = TransitionInput {
        action: posted.get("action").map(str::to_owned),
        note: posted.get("note").unwrap_or("").to_owned(),
        outcome: None,
        expected_version: posted.get("version").and_then(|v| v.parse().ok()),
    };
    run(&state, chrome, &raw, input).await
}

/// The registry's approval recorded by hand: its reference, what it registered, and its
/// certificate (a multipart form; the CSRF token rides in the query string).
pub async fn record_outcome(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut certificate: Option<Attachment> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| PageError::TooLarge)?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "certificate" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field.bytes().await.map_err(|_| PageError::TooLarge)?;
            if bytes.len() > MAX_CERTIFICATE_BYTES {
                return Err(PageError::TooLarge);
            }
            if !bytes.is_empty() {
                certificate = Some(Attachment {
                    file_name,
                    content_type,
                    content_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
                });
            }
        } else {
            fields.push((name, field.text().await.unwrap_or_default()));
        }
    }
    let posted = Posted::new(fields);
    let text = |k: &str| posted.get(k).map(str::to_owned);
    let decided_on = match posted
        .get("decided_on")
        .map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d"))
    {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            let errors = BTreeMap::from([(
                "outcome.decided_on".to_owned(),
                "enter the date as on the certificate, e.g. 2026-12-04".to_owned(),
            )]);
            return page(
                &state,
                chrome,
                &raw,
                errors,
                Some("the outcome has invalid fields".into()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        None => None,
    };
    let outcome = OutcomeInput {
        reference: text("reference"),
        registration_number: text("registration_number"),
        reserved_name: text("reserved_name"),
        reservation_number: text("reservation_number"),
        name: text("name"),
        decided_on,
        certificate,
        ..OutcomeInput::default()
    };
    let input = TransitionInput {
        action: Some("approve".into()),
        note: posted.get("note").unwrap_or("").to_owned(),
        outcome: Some(outcome),
        expected_version: posted.get("version").and_then(|v| v.parse().ok()),
    };
    run(&state, chrome, &raw, input).await
}

pub async fn assign(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let rid = id(&raw)?;
    let posted = Posted::new(pairs);
    let input = AssignInput {
        agent_id: posted
            .get("agent_id")
            .and_then(|a| uuid::Uuid::parse_str(a).ok()),
        due_on: posted
            .get("due_on")
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        note: posted.get("note").unwrap_or("").to_owned(),
    };
    let actor = actor(&chrome);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match registrations::assign(&mut tx, &state.outbox, &actor, rid, &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(chrome.done(&format!("/registrations/{rid}"), "Assigned."))
        }
        Err(e) => {
            drop(tx);
            let (errors, summary) = crate::errors::refusal(e)?;
            page(
                &state,
                chrome,
                &raw,
                errors,
                Some(summary),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The filing summary, laid out for printing or pasting into the registry's site.
pub async fn summary(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let rid = id(&raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let r = registrations::get(&mut tx, rid).await?;
    let client = clients::display_name(&mut tx, r.client_id).await?;
    tx.commit().await?;
    let ty = r.registration_type()?;
    let text = comply360_practice::summary::text(ty, &r, &client);
    Ok(chrome.page(
        "registrations/summary.html",
        "registrations",
        "Filing summary",
        context! { r => View::from(Serde(&r)), text, type_title => ty.title.clone(), client, filing_url => ty.filing_url.clone(), forms => ty.forms.clone() },
    ))
}
