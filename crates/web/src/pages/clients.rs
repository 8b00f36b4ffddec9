//! Clients: the list (search, filters, pages), the form to add or edit one with the same
//! validation and messages as the API, the client's page (contacts, companies, registrations,
//! obligations, history), soft delete and restore. Every change goes through
//! `comply360_practice::clients`, the operations the API calls.

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_practice::clients::{self, ClientFilter};
use comply360_practice::companies::{self, CompanyFilter};
use comply360_practice::obligations::{self, ObligationFilter};
use comply360_practice::registrations::{self, RegistrationFilter};
use comply360_practice::reminders::sa_today;
use comply360_practice::{PracticeError, history};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The form's text fields, in the order shown, with their labels and hints.
const FIELDS: &[(&str, &str, &str)] = &[
    ("first_names", "First names", ""),
    ("surname", "Surname", ""),
    (
        "display_name",
        "Name",
        "For an organisation: its registered name. For a person: leave empty to use first names and surname.",
    ),
    ("id_number", "South African ID number", "13 digits"),
    (
        "passport_number",
        "Passport number",
        "When the person has no South African ID",
    ),
    (
        "passport_country",
        "Passport country",
        "Two-letter code, e.g. ZW",
    ),
    (
        "registration_number",
        "Registration number",
        "CIPC enterprise number, e.g. 2019/123456/07",
    ),
    ("tax_reference", "Income tax reference", "10 digits"),
    ("email", "Email", ""),
    ("phone", "Phone", "e.g. 082 555 0123 or +263 77 123 4567"),
    ("notes", "Notes", ""),
];

fn id(text: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(text).map_err(|_| PageError::NotFound)
}

/// The list's query string: the API's filter, read leniently (an unknown status shows the
/// API's message beside the filter, not an error page).
#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    #[serde(default)]
    deleted: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let deleted = query.deleted.as_deref() == Some("1");
    let filter = ClientFilter {
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        status: query.status.clone().filter(|s| !s.is_empty()),
        deleted,
        cursor: query.cursor.clone().filter(|c| !c.is_empty()),
        limit: Some(25),
        ..ClientFilter::default()
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let (page, error) = match clients::list(&mut tx, &filter).await {
        Ok(page) => (page, None),
        Err(PracticeError::Invalid { issues, .. }) => (
            comply360_practice::Page {
                items: Vec::new(),
                next_cursor: None,
            },
            issues.first().map(|i| i.message.clone()),
        ),
        Err(e) => return Err(e.into()),
    };
    let total_hint = if filter.q.is_none() && filter.cursor.is_none() && !deleted {
        Some(page.items.len())
    } else {
        None
    };
    tx.commit().await?;
    let ctx = context! {
        clients => View::from(Serde(&page.items)),
        next_cursor => page.next_cursor,
        q => query.q.unwrap_or_default(),
        status => query.status.unwrap_or_default(),
        deleted,
        filtered => filter.q.is_some() || filter.status.is_some() || deleted,
        empty_agency => total_hint == Some(0),
        error,
        can_write => chrome.may("clients:write"),
    };
    if chrome.htmx() {
        return Ok(chrome.fragment("clients/rows.html", ctx));
    }
    Ok(chrome.page("clients/list.html", "clients", "Clients", ctx))
}

fn form_page(
    chrome: Chrome,
    client_id: Option<Uuid>,
    values: &BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    summary: Option<String>,
) -> Response {
    let title = if client_id.is_some() {
        "Edit client"
    } else {
        "New client"
    };
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|(name, label, hint)| {
            serde_json::json!({
                "name": name, "label": label, "hint": hint,
                "value": values.get(*name).cloned().unwrap_or_default(),
                "error": errors.get(*name),
                "multiline": *name == "notes",
            })
        })
        .collect();
    let invalid = !errors.is_empty();
    let mut res = chrome.page(
        "clients/form.html",
        "clients",
        title,
        context! {
            client_id => client_id.map(|id| id.to_string()),
            fields => View::from(Serde(&fields)),
            errors,
            summary,
            kind => values.get("kind").cloned().unwrap_or_else(|| "person".into()),
        },
    );
    if invalid {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn new(chrome: Chrome) -> Response {
    form_page(chrome, None, &BTreeMap::new(), BTreeMap::new(), None)
}

/// The form's fields as the API's JSON body: empty fields are absent (new) or cleared (edit).
fn as_body(form: &BTreeMap<String, String>) -> Value {
    let mut body = Map::new();
    for name in FIELDS.iter().map(|f| f.0).chain(["kind"]) {
        let value = form.get(name).map(|v| v.trim()).unwrap_or("");
        body.insert(
            name.to_owned(),
            if value.is_empty() {
                Value::Null
            } else {
                Value::String(value.to_owned())
            },
        );
    }
    Value::Object(body)
}

pub async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let input: clients::ClientInput = serde_json::from_value(as_body(&form))
        .map_err(|e| PageError::from(PracticeError::field("form", e.to_string())))?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match clients::create(&mut tx, &state.outbox, chrome.actor(), &input, sa_today()).await {
        Ok(client) => {
            tx.commit().await?;
            let to = format!("/clients/{}", client.id);
            Ok(chrome.done(&to, &format!("{} was added.", client.display_name)))
        }
        Err(err) => {
            let (errors, summary) = crate::errors::refusal(err)?;
            Ok(form_page(chrome, None, &form, errors, Some(summary)))
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let client_id = id(&raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let client = clients::get(&mut tx, client_id, true).await?;
    let contacts = clients::contacts(&mut tx, client_id).await?;
    let companies = companies::list(
        &mut tx,
        &CompanyFilter {
            client_id: Some(client_id),
            limit: Some(50),
            ..CompanyFilter::default()
        },
    )
    .await?
    .items;
    let registrations = if chrome.may("registrations:read") {
        registrations::list(
            &mut tx,
            &RegistrationFilter {
                client_id: Some(client_id),
                limit: Some(50),
                ..RegistrationFilter::default()
            },
        )
        .await?
        .items
    } else {
        Vec::new()
    };
    let obligations = obligations::list(
        &mut tx,
        &ObligationFilter {
            client_id: Some(client_id),
            status: Some("open".into()),
            limit: Some(50),
            ..ObligationFilter::default()
        },
        sa_today(),
    )
    .await?
    .items;
    let history = history::of(&mut tx, "client", client_id).await?;
    let odoo =
        comply360_erp::record_state(&mut tx, comply360_erp::links::Entity::Client, client_id)
            .await?;
    let documents = crate::pages::documents::section(
        &state,
        &chrome,
        &mut tx,
        comply360_documents::model::SubjectKind::Client,
        client_id,
        &format!("/clients/{client_id}"),
    )
    .await?;
    tx.commit().await?;
    let title = client.display_name.clone();
    Ok(chrome.page(
        "clients/show.html",
        "clients",
        &title,
        context! {
            client => View::from(Serde(&client)),
            contacts => View::from(Serde(&contacts)),
            companies => View::from(Serde(&companies)),
            registrations => View::from(Serde(&registrations)),
            obligations => View::from(Serde(&obligations)),
            history => View::from(Serde(history.iter().rev().collect::<Vec<_>>())),
            documents => View::from(Serde(&documents)),
            odoo => View::from(Serde(&odoo)),
        },
    ))
}

pub async fn edit(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let client_id = id(&raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let client = clients::get(&mut tx, client_id, false).await?;
    tx.commit().await?;
    let mut values = BTreeMap::new();
    if let Value::Object(fields) = serde_json::to_value(client.as_input()).unwrap_or_default() {
        for (k, v) in fields {
            if let Value::String(s) = v {
                values.insert(k, s);
            }
        }
    }
    Ok(form_page(
        chrome,
        Some(client_id),
        &values,
        BTreeMap::new(),
        None,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let client_id = id(&raw)?;
    let patch = as_body(&form);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match clients::update(
        &mut tx,
        &state.outbox,
        chrome.actor(),
        client_id,
        &patch,
        sa_today(),
    )
    .await
    {
        Ok(client) => {
            tx.commit().await?;
            let to = format!("/clients/{}", client.id);
            Ok(chrome.done(&to, "Changes saved."))
        }
        Err(PracticeError::NotFound(what)) => Err(PracticeError::NotFound(what).into()),
        Err(err) => {
            let (errors, summary) = crate::errors::refusal(err)?;
            Ok(form_page(
                chrome,
                Some(client_id),
                &form,
                errors,
                Some(summary),
            ))
        }
    }
}

async fn set_deleted(
    state: &AppState,
    chrome: Chrome,
    raw: &str,
    deleted: bool,
) -> Result<Response, PageError> {
    let client_id = id(raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let client = match clients::set_deleted(
        &mut tx,
        &state.outbox,
        chrome.actor(),
        client_id,
        deleted,
    )
    .await
    {
        // Already in the state asked for (a second click): say where it stands.
        Err(PracticeError::Conflict { .. }) => clients::get(&mut tx, client_id, true).await?,
        other => other?,
    };
    tx.commit().await?;
    let to = format!("/clients/{}", client.id);
    let notice = if deleted {
        format!(
            "{} was deleted. You can restore it from this page.",
            client.display_name
        )
    } else {
        format!("{} was restored.", client.display_name)
    };
    Ok(chrome.done(&to, &notice))
}

pub async fn delete(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    set_deleted(&state, chrome, &raw, true).await
}

pub async fn restore(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    set_deleted(&state, chrome, &raw, false).await
}
