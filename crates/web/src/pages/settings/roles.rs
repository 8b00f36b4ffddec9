//! Settings › Roles: the built-in roles and the agency's custom roles with what each allows
//! (the permission catalogue's own descriptions); creating, editing and deleting a custom role
//! (identity `put_role`/`delete_role`, as `/api/v1/roles`).

use super::{Refusal, RoleLabel, page, upper_first, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::gateway::client::Client;
use comply360_identity::AuthError;
use comply360_identity::rbac::TENANT_PERMISSIONS;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::Serialize;
use std::collections::BTreeMap;

/// A role as the list shows it: what it allows, in words.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    role: RoleLabel<'a>,
    everything: bool,
    allows: Vec<&'static str>,
}

fn allows(permissions: &[String]) -> Vec<&'static str> {
    TENANT_PERMISSIONS
        .iter()
        .filter(|(p, _)| permissions.iter().any(|q| q == p))
        .map(|(_, what)| *what)
        .collect()
}

async fn render_list(
    state: &AppState,
    chrome: Chrome,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let roles = state.identity.list_roles(chrome.tenant()?).await?;
    let shown: Vec<Shown> = roles
        .iter()
        .map(|r| Shown {
            role: RoleLabel::of(r),
            everything: r.permissions.iter().any(|p| p == "*"),
            allows: allows(&r.permissions),
        })
        .collect();
    let (built_in, custom): (Vec<&Shown>, Vec<&Shown>) =
        shown.iter().partition(|r| r.role.role.built_in);
    let ctx = context! {
        built_in => View::from(Serde(&built_in)),
        custom => View::from(Serde(&custom)),
        can_manage => chrome.may("roles:manage"),
        error,
    };
    Ok(with_status(
        page(chrome, "settings/roles.html", "roles", "Roles", ctx),
        status,
    ))
}

pub async fn list(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render_list(&state, chrome, None, StatusCode::OK).await
}

/// The role form: new (no `editing`) or an existing custom role's.
fn form_page(
    chrome: Chrome,
    editing: Option<&str>,
    key: &str,
    name: &str,
    chosen: &[String],
    refusal: Option<Refusal>,
) -> Response {
    let permissions: Vec<serde_json::Value> = TENANT_PERMISSIONS
        .iter()
        .enumerate()
        .map(|(i, (p, what))| {
            serde_json::json!({
                "permission": p, "allows": upper_first(what), "id": format!("perm-{i}"),
                "checked": chosen.iter().any(|c| c == p),
            })
        })
        .collect();
    let title = if editing.is_some() {
        "Edit role"
    } else {
        "New role"
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let res = page(
        chrome,
        "settings/role_form.html",
        "roles",
        title,
        context! {
            editing, key, name,
            permissions => View::from(Serde(&permissions)),
            errors, summary,
        },
    );
    with_status(res, status)
}

pub async fn new(chrome: Chrome) -> Response {
    form_page(chrome, None, "", "", &[], None)
}

pub async fn edit(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let roles = state.identity.list_roles(chrome.tenant()?).await?;
    let role = roles
        .into_iter()
        .find(|r| r.key == key && !r.built_in)
        .ok_or(PageError::NotFound)?;
    Ok(form_page(
        chrome,
        Some(&role.key),
        &role.key,
        &role.name,
        &role.permissions,
        None,
    ))
}

/// A key from a name when none was typed: `Filing clerk` → `filing_clerk`.
fn key_from(name: &str) -> String {
    let mut key = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').chars().take(40).collect()
}

/// The form's fields: `key`, `name` and every ticked `permission`.
struct RoleForm {
    key: String,
    name: String,
    permissions: Vec<String>,
}

fn read(form: Vec<(String, String)>) -> RoleForm {
    let mut out = RoleForm {
        key: String::new(),
        name: String::new(),
        permissions: Vec::new(),
    };
    for (k, v) in form {
        match k.as_str() {
            "key" => out.key = v.trim().to_owned(),
            "name" => out.name = v,
            "permission" => out.permissions.push(v),
            _ => {}
        }
    }
    out
}

async fn save(
    state: &AppState,
    chrome: Chrome,
    client: &comply360_identity::ClientInfo,
    editing: Option<String>,
    form: RoleForm,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let key = match &editing {
        Some(k) => k.clone(),
        None if form.key.is_empty() => key_from(&form.name),
        None => form.key.clone(),
    };
    let refuse = |chrome: Chrome, refusal: Refusal| {
        form_page(
            chrome,
            editing.as_deref(),
            &form.key,
            &form.name,
            &form.permissions,
            Some(refusal),
        )
    };
    let roles = state.identity.list_roles(&tenant).await?;
    let existing = roles.iter().find(|r| r.key == key);
    match (&editing, existing) {
        // A custom role is edited from its own page; "new" never replaces one silently.
        (None, Some(r)) if !r.built_in => {
            let message = format!("the role {:?} exists already; edit it instead", r.name);
            return Ok(refuse(
                chrome,
                Refusal {
                    errors: BTreeMap::from([("key".to_owned(), message.clone())]),
                    summary: message,
                    status: StatusCode::CONFLICT,
                },
            ));
        }
        (Some(_), None) => return Err(PageError::NotFound),
        _ => {}
    }
    match state
        .identity
        .put_role(
            &tenant,
            chrome.actor(),
            &key,
            &form.name,
            &form.permissions,
            client,
        )
        .await
    {
        Ok(role) => Ok(chrome.done(
            "/settings/roles",
            &format!(
                "The role {} is saved. Give it to people on the Users page.",
                role.name
            ),
        )),
        Err(e) => Ok(refuse(chrome, Refusal::auth(e)?)),
    }
}

pub async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    save(&state, chrome, &client, None, read(form)).await
}

pub async fn update(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(key): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    save(&state, chrome, &client, Some(key), read(form)).await
}

pub async fn delete(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    match state
        .identity
        .delete_role(&tenant, chrome.actor(), &key, &client)
        .await
    {
        Ok(()) => Ok(chrome.done("/settings/roles", "The role is deleted.")),
        Err(AuthError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => {
            let refusal = Refusal::auth(e)?;
            render_list(&state, chrome, Some(refusal.summary), refusal.status).await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_is_made_from_the_name_when_none_is_typed() {
        assert_eq!(super::key_from("Filing clerk"), "filing_clerk");
        assert_eq!(
            super::key_from("  Office   manager (JHB) "),
            "office_manager_jhb"
        );
        assert_eq!(super::key_from("Ünïcode"), "n_code");
    }
}
