//! Registrations: the list, starting one (a type and a client), the wizard ([`wizard`]) and
//! the registration's page with its workflow actions ([`record`]). The wizard is rendered
//! from the registration types the API serves ([`form`] maps a step to inputs and back).

pub mod form;
pub mod record;
pub mod wizard;

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use comply360_api::AppState;
use comply360_practice::clients::{self, ClientFilter};
use comply360_practice::registration_types::RegistrationTypes;
use comply360_practice::registrations::{self, Actor, NewDraft, RegistrationFilter};
use comply360_practice::{Page, PracticeError};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// The practice's actor for the viewer: the registration permissions the person holds, from
/// the same RBAC answer the guard read.
pub fn actor(chrome: &Chrome) -> Actor {
    let granted = ["registrations:draft", "registrations:write"]
        .into_iter()
        .filter(|p| chrome.may(p))
        .collect();
    Actor {
        id: chrome.actor(),
        granted: Some(granted),
    }
}

pub fn id(text: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(text).map_err(|_| PageError::NotFound)
}

/// A registration type's title by its key (`za_private_company` → its wizard's title).
pub fn type_title(key: &str) -> String {
    RegistrationTypes::built_in()
        .all()
        .iter()
        .find(|t| t.key == key)
        .map_or_else(|| key.replace('_', " "), |t| t.title.clone())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    mine: Option<String>,
    client: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let mine = q.mine.as_deref() == Some("1");
    let filter = RegistrationFilter {
        status: q.status.clone().filter(|s| !s.is_empty()),
        agent: mine.then(|| chrome.actor()),
        client_id: q.client.as_deref().and_then(|c| Uuid::parse_str(c).ok()),
        cursor: q.cursor.clone().filter(|c| !c.is_empty()),
        limit: Some(25),
        ..RegistrationFilter::default()
    };
    let mut tx = state.store.tenancy().begin_read(chrome.tenant()?).await?;
    let (page, error) = match registrations::list(&mut tx, &filter).await {
        Ok(page) => (page, None),
        Err(PracticeError::Invalid { issues, .. }) => (
            Page {
                items: Vec::new(),
                next_cursor: None,
            },
            issues.first().map(|i| i.message.clone()),
        ),
        Err(e) => return Err(e.into()),
    };
    // One query for the page's client names, not one per row.
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.client_id).collect();
    let names = clients::display_names(&mut tx, &ids).await?;
    tx.commit().await?;
    let rows: Vec<_> = page
        .items
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "kind": type_title(r.kind.as_str()), "status": r.status,
                "client": names.get(&r.client_id), "due_on": r.due_on,
                "reference": r.registry_reference, "updated_at": r.updated_at,
            })
        })
        .collect();
    let filtered = filter.status.is_some() || mine || filter.client_id.is_some();
    let statuses: Vec<&str> = comply360_practice::workflow::Status::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let can_start = chrome.may("registrations:draft");
    Ok(chrome.page(
        "registrations/list.html",
        "registrations",
        "Registrations",
        context! {
            rows => View::from(Serde(&rows)),
            next_cursor => page.next_cursor,
            status => q.status.unwrap_or_default(),
            statuses,
            mine,
            filtered,
            error,
            can_start,
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    client: Option<String>,
    kind: Option<String>,
}

/// Starting a registration: which filing, for which client.
pub async fn new(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let clients = clients::list(
        &mut tx,
        &ClientFilter {
            limit: Some(100),
            ..ClientFilter::default()
        },
    )
    .await?
    .items;
    tx.commit().await?;
    Ok(start_page(chrome, &clients, q.client, q.kind, None))
}

fn start_page(
    chrome: Chrome,
    clients: &[comply360_practice::clients::Client],
    client: Option<String>,
    kind: Option<String>,
    errors: Option<std::collections::BTreeMap<String, String>>,
) -> Response {
    let types: Vec<serde_json::Value> = RegistrationTypes::built_in()
        .all()
        .iter()
        .filter(|t| t.accepts_new)
        .map(|t| json!({"key": t.key, "title": t.title, "summary": t.summary, "jurisdiction": t.jurisdiction, "registry": t.registry}))
        .collect();
    let clients: Vec<serde_json::Value> = clients
        .iter()
        .map(|c| json!({"id": c.id, "name": c.display_name}))
        .collect();
    chrome.page(
        "registrations/new.html",
        "registrations",
        "Start a registration",
        context! {
            types => View::from(Serde(&types)),
            clients => View::from(Serde(&clients)),
            client => client.unwrap_or_default(),
            kind => kind.unwrap_or_default(),
            errors,
        },
    )
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    client: String,
    #[serde(default)]
    kind: String,
}

pub async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<StartForm>,
) -> Result<Response, PageError> {
    let actor = actor(&chrome);
    let draft = NewDraft {
        client_id: Some(form.client.clone()).filter(|c| !c.is_empty()),
        kind: Some(form.kind.clone()).filter(|k| !k.is_empty()),
        ..NewDraft::default()
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match registrations::create_draft(&mut tx, &state.outbox, &actor, &draft).await {
        Ok(r) => {
            tx.commit().await?;
            let first = r
                .registration_type()
                .ok()
                .and_then(|t| t.steps.first())
                .map(|s| s.key.clone())
                .unwrap_or_default();
            Ok(chrome.done(
                &format!("/registrations/{}/steps/{first}", r.id),
                "Draft started. It is saved at every step; you can leave and come back.",
            ))
        }
        Err(PracticeError::Invalid { issues, .. }) => {
            let errors = issues.into_iter().map(|i| (i.field, i.message)).collect();
            let clients = clients::list(
                &mut tx,
                &ClientFilter {
                    limit: Some(100),
                    ..ClientFilter::default()
                },
            )
            .await?
            .items;
            tx.commit().await?;
            let mut res = start_page(
                chrome,
                &clients,
                Some(form.client),
                Some(form.kind),
                Some(errors),
            );
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
