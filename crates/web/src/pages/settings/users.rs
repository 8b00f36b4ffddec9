//! Settings › Users: the agency's accounts (email, name, role, status, two-step verification,
//! last sign-in), inviting by email and role, sending an invitation again, changing a role,
//! disabling and enabling, ending a lockout. The same identity operations and field checks as
//! `/api/v1/users`.

use super::{Refusal, RoleLabel, page, uuid, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::auth::fields::Fields;
use comply360_api::gateway::client::Client;
use comply360_identity::AuthError;
use comply360_identity::admin::{RoleView, UserChange, UserView};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A row of the list, with what the page may offer for it.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    user: &'a UserView,
    /// The viewer's own account: no role change or disabling (identity refuses it too).
    me: bool,
    locked: bool,
    role_name: String,
}

/// The invitation form as typed, and what was wrong with it.
#[derive(Default, Deserialize, Serialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    full_name: String,
}

struct Shown {
    form: InviteForm,
    errors: BTreeMap<String, String>,
    summary: Option<String>,
    /// A refused action on a row (not the invitation form).
    row_error: Option<String>,
    status: StatusCode,
}

impl Default for Shown {
    fn default() -> Self {
        Shown {
            form: InviteForm {
                role: "agent".into(),
                ..InviteForm::default()
            },
            errors: BTreeMap::new(),
            summary: None,
            row_error: None,
            status: StatusCode::OK,
        }
    }
}

async fn render(state: &AppState, chrome: Chrome, shown: Shown) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let users = state.identity.list_users(&tenant).await?;
    let roles: Vec<RoleView> = state.identity.list_roles(&tenant).await?;
    let me = chrome.actor();
    let now = chrono::Utc::now();
    let labels: Vec<RoleLabel> = roles.iter().map(RoleLabel::of).collect();
    let role_name = |key: &str| {
        labels
            .iter()
            .find(|r| r.role.key == key)
            .map_or_else(|| key.replace('_', " "), |r| r.label.clone())
    };
    let rows: Vec<Row> = users
        .iter()
        .map(|u| Row {
            user: u,
            me: u.id == me,
            locked: u.locked_until.is_some_and(|t| t > now),
            role_name: role_name(&u.role),
        })
        .collect();
    let alone = users.len() <= 1;
    let ctx = context! {
        users => View::from(Serde(&rows)),
        roles => View::from(Serde(&labels)),
        alone,
        can_manage => chrome.may("users:manage"),
        form => View::from(Serde(&shown.form)),
        errors => shown.errors,
        summary => shown.summary,
        row_error => shown.row_error,
    };
    Ok(with_status(
        page(chrome, "settings/users.html", "users", "Users", ctx),
        shown.status,
    ))
}

pub async fn list(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, Shown::default()).await
}

pub async fn invite(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    // The API's own field checks, so the messages are the same.
    let mut fields = Fields::default();
    let email = Some(form.email.clone());
    let role = Some(form.role.clone());
    let full_name = Some(form.full_name.clone()).filter(|n| !n.trim().is_empty());
    fields.required("email", &email, 254);
    fields.required("role", &role, 40);
    fields.optional("full_name", &full_name, 200);
    let result: Result<UserView, Refusal> = match fields.finish() {
        Err(problem) => Err(Refusal::of(problem)?),
        Ok(()) => match state
            .identity
            .invite(
                &tenant,
                Some(chrome.actor()),
                &form.email,
                form.role.trim(),
                full_name.as_deref(),
                &client,
            )
            .await
        {
            Ok(user) => Ok(user),
            // "already has an account" belongs beside the email.
            Err(AuthError::Conflict(detail)) => Err(Refusal {
                errors: BTreeMap::from([("email".to_owned(), detail.clone())]),
                summary: detail,
                status: StatusCode::CONFLICT,
            }),
            Err(e) => Err(Refusal::auth(e)?),
        },
    };
    match result {
        Ok(user) => Ok(chrome.done(
            "/settings/users",
            &format!(
                "Invitation sent to {}. They choose a password from the link in it.",
                user.email
            ),
        )),
        Err(refusal) => {
            render(
                &state,
                chrome,
                Shown {
                    form,
                    errors: refusal.errors,
                    summary: Some(refusal.summary),
                    status: refusal.status,
                    ..Shown::default()
                },
            )
            .await
        }
    }
}

/// After an action on one user: the list with a notice, or with the refusal above the list.
async fn answer(
    state: &AppState,
    chrome: Chrome,
    outcome: Result<String, AuthError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(notice) => Ok(chrome.done("/settings/users", &notice)),
        Err(AuthError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => {
            let refusal = Refusal::auth(e)?;
            let message = refusal
                .errors
                .values()
                .next()
                .cloned()
                .unwrap_or(refusal.summary);
            render(
                state,
                chrome,
                Shown {
                    row_error: Some(message),
                    status: refusal.status,
                    ..Shown::default()
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let change = UserChange {
        role: Some(form.role.trim().to_owned()),
        ..UserChange::default()
    };
    let outcome = state
        .identity
        .update_user(&tenant, chrome.actor(), id, change, &client)
        .await
        .map(|u| {
            format!(
                "{} now has the role {}. Their sessions were signed out so it applies at once.",
                u.email,
                u.role.replace('_', " ")
            )
        });
    answer(&state, chrome, outcome).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let change = UserChange {
        status: Some(form.status.trim().to_owned()),
        ..UserChange::default()
    };
    let outcome = state
        .identity
        .update_user(&tenant, chrome.actor(), id, change, &client)
        .await
        .map(|u| {
            if u.status == "disabled" {
                format!(
                    "{} is disabled and signed out. Their records stay.",
                    u.email
                )
            } else {
                format!("{} can sign in again.", u.email)
            }
        });
    answer(&state, chrome, outcome).await
}

pub async fn unlock(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let outcome = state
        .identity
        .unlock_user(&tenant, chrome.actor(), id, &client)
        .await
        .map(|u| format!("{} is unlocked and can sign in again.", u.email));
    answer(&state, chrome, outcome).await
}

pub async fn resend(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let outcome = match state
        .identity
        .resend_invitation(&tenant, chrome.actor(), id, &client)
        .await
    {
        Ok(()) => state
            .identity
            .get_user(&tenant, id)
            .await
            .map(|u| format!("A new invitation is on its way to {}.", u.email)),
        Err(e) => Err(e),
    };
    answer(&state, chrome, outcome).await
}
