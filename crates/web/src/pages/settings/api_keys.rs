//! Settings › API keys: the agency's keys (name, the recognisable part, permissions, last
//! use), creating one with permissions (never more than the creator holds; identity checks) and
//! revoking one. The whole key is in the answer to the creating form only, sent `no-store`; no
//! page can show it again (only its SHA-256 is kept).

use super::secret::Secret;
use super::{Refusal, page, upper_first, uuid, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::gateway::client::Client;
use comply360_identity::AuthError;
use comply360_identity::rbac::TENANT_PERMISSIONS;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use std::collections::BTreeMap;

/// What the creating form held, to show it again when refused.
#[derive(Default)]
struct Typed {
    name: String,
    expires_on: String,
    permissions: Vec<String>,
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    typed: &Typed,
    refusal: Option<Refusal>,
    created: Option<(String, Secret)>,
) -> Result<Response, PageError> {
    let keys = state.identity.list_api_keys(chrome.tenant()?).await?;
    let now = chrono::Utc::now();
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| {
            let state = if k.revoked_at.is_some() {
                "revoked"
            } else if k.expires_at.is_some_and(|at| at <= now) {
                "expired"
            } else {
                "active"
            };
            let mut v = serde_json::to_value(k).unwrap_or_default();
            v["state"] = state.into();
            v
        })
        .collect();
    // Only what the viewer holds can go on a key.
    let permissions: Vec<serde_json::Value> = TENANT_PERMISSIONS
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| chrome.may(p))
        .map(|(i, (p, what))| {
            serde_json::json!({
                "permission": p, "allows": upper_first(what), "id": format!("key-perm-{i}"),
                "checked": typed.permissions.iter().any(|c| c == p),
            })
        })
        .collect();
    let status = match (&refusal, &created) {
        (Some(r), _) => r.status,
        (None, Some(_)) => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let (created_name, created_key) = match &created {
        Some((name, key)) => (Some(name.as_str()), Some(key.expose())),
        None => (None, None),
    };
    let ctx = context! {
        keys => View::from(Serde(&keys)),
        permissions => View::from(Serde(&permissions)),
        name => typed.name.clone(),
        expires_on => typed.expires_on.clone(),
        errors, summary,
        created_name, created_key,
    };
    let mut res = with_status(
        page(
            chrome,
            "settings/api_keys.html",
            "api_keys",
            "API keys",
            ctx,
        ),
        status,
    );
    if created.is_some() {
        // The key must not outlive this answer in any cache, the browser's included.
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

pub async fn list(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, &Typed::default(), None, None).await
}

/// The end of `expires_on` (a date) in South African time, as identity wants it.
fn end_of_day(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let day = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    let sast = chrono::FixedOffset::east_opt(2 * 3600)?;
    day.and_hms_opt(23, 59, 59)?
        .and_local_timezone(sast)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

pub async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut typed = Typed::default();
    for (k, v) in form {
        match k.as_str() {
            "name" => typed.name = v,
            "expires_on" => typed.expires_on = v,
            "permission" => typed.permissions.push(v),
            _ => {}
        }
    }
    let expires_at = if typed.expires_on.trim().is_empty() {
        None
    } else {
        match end_of_day(&typed.expires_on) {
            Some(at) => Some(at),
            None => {
                let refusal = Refusal::auth(AuthError::invalid(
                    "expires_on",
                    "must be a date such as 2027-06-30",
                ))?;
                return render(&state, chrome, &typed, Some(refusal), None).await;
            }
        }
    };
    let viewer = chrome.viewer()?.clone();
    let tenant = chrome.tenant()?.clone();
    match state
        .identity
        .create_api_key(
            &tenant,
            viewer.user.id,
            &viewer.user.role,
            &typed.name,
            &typed.permissions,
            expires_at,
            &client,
        )
        .await
    {
        Ok(created) => {
            let name = created.view.name.clone();
            let key = Secret::new(created.key);
            render(&state, chrome, &Typed::default(), None, Some((name, key))).await
        }
        Err(e) => {
            let mut refusal = Refusal::auth(e)?;
            // identity names the date field `expires_at`; the form calls it `expires_on`.
            if let Some(m) = refusal.errors.remove("expires_at") {
                refusal.errors.insert("expires_on".into(), m);
            }
            render(&state, chrome, &typed, Some(refusal), None).await
        }
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let key = state
        .identity
        .revoke_api_key(&tenant, chrome.actor(), id, &client)
        .await?;
    Ok(chrome.done(
        "/settings/api-keys",
        &format!(
            "The key {} is revoked: systems using it are refused from now on.",
            key.name
        ),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_expiry_date_ends_at_midnight_in_south_africa() {
        let at = super::end_of_day("2027-06-30").unwrap();
        assert_eq!(at.to_rfc3339(), "2027-06-30T21:59:59+00:00");
        assert!(super::end_of_day("30/06/2027").is_none());
    }
}
