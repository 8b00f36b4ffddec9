//! Settings › CIPC: the agency's own CIPC API credentials (for prefilling companies from
//! CIPC), set, replaced or cleared through the API's own functions
//! (`comply360_api::practice::cipc`). The password and subscription key are sealed on saving
//! and never shown again: the page says when they were set, and a replacement needs both
//! typed anew.

use super::secret::Secret;
use super::{Refusal, page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::practice::cipc::{self, CipcSettingsInput};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The form; the secrets never go back into a page.
#[derive(Default, Deserialize)]
pub struct CipcForm {
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: Secret,
    #[serde(default)]
    subscription_key: Secret,
    #[serde(default)]
    scope: String,
}

/// What the form shows again (never the secrets).
#[derive(Serialize)]
struct Shown<'a> {
    base_url: &'a str,
    client_id: &'a str,
    username: &'a str,
    scope: &'a str,
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    typed: Option<&CipcForm>,
    refusal: Option<Refusal>,
) -> Result<Response, PageError> {
    let stored = cipc::stored_settings(state, chrome.tenant()?).await?;
    let values = match (typed, &stored) {
        (Some(f), _) => Shown {
            base_url: &f.base_url,
            client_id: &f.client_id,
            username: &f.username,
            scope: &f.scope,
        },
        (None, Some(s)) => Shown {
            base_url: &s.base_url,
            client_id: &s.client_id,
            username: &s.username,
            scope: &s.scope,
        },
        (None, None) => Shown {
            base_url: "https://api.cipc.co.za",
            client_id: "",
            username: "",
            scope: "",
        },
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let ctx = context! {
        stored => minijinja::Value::from(minijinja::value::Serde(&stored)),
        values => minijinja::Value::from(minijinja::value::Serde(&values)),
        errors, summary,
    };
    Ok(with_status(
        page(chrome, "settings/cipc.html", "cipc", "CIPC", ctx),
        status,
    ))
}

pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, None, None).await
}

pub async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<CipcForm>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let some = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
    let input = CipcSettingsInput {
        base_url: some(&form.base_url),
        client_id: some(&form.client_id),
        username: some(&form.username),
        password: some(form.password.expose()),
        subscription_key: some(form.subscription_key.expose()),
        scope: form.scope.clone(),
    };
    match cipc::save_settings(&state, &tenant, input).await {
        Ok(_) => Ok(chrome.done(
            "/settings/cipc",
            "The CIPC credentials are saved. Agents can now prefill companies from CIPC.",
        )),
        Err(problem) => {
            let refusal = Refusal::of(problem)?;
            render(&state, chrome, Some(&form), Some(refusal)).await
        }
    }
}

pub async fn clear(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let notice = if cipc::clear_settings(&state, &tenant).await? {
        "The CIPC credentials are removed. Prefilling from CIPC is off until they are set again."
    } else {
        "There were no CIPC credentials to remove."
    };
    Ok(chrome.done("/settings/cipc", notice))
}
