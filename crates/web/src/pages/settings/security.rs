//! Settings › Security: who must use two-step verification (nobody, administrators, everyone)
//! and the browser origins allowed to call the API (CORS), through identity's
//! `set_security_settings`, as `PUT /api/v1/security`.

use super::{Refusal, page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::gateway::client::Client;
use comply360_identity::admin::SecuritySettings;
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The policy's choices, as identity names them, with what each means.
const POLICIES: &[(&str, &str, &str)] = &[
    (
        "none",
        "Each person chooses",
        "Anyone may turn on two-step verification from their account page.",
    ),
    (
        "admins",
        "Administrators",
        "Administrators must set it up the next time they sign in.",
    ),
    (
        "all",
        "Everyone",
        "Every person must set it up the next time they sign in.",
    ),
];

fn render(chrome: Chrome, mfa_required: &str, origins: &str, refusal: Option<Refusal>) -> Response {
    let policies: Vec<serde_json::Value> = POLICIES
        .iter()
        .map(|(value, label, text)| {
            serde_json::json!({"value": value, "label": label, "text": text, "checked": *value == mfa_required})
        })
        .collect();
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    with_status(
        page(
            chrome,
            "settings/security.html",
            "security",
            "Security",
            context! {
                policies => minijinja::Value::from(minijinja::value::Serde(&policies)),
                origins, errors, summary,
            },
        ),
        status,
    )
}

pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let now = state.identity.security_settings(chrome.tenant()?).await?;
    let origins = now.cors_origins.join("\n");
    Ok(render(chrome, &now.mfa_required, &origins, None))
}

#[derive(Deserialize)]
pub struct SecurityForm {
    #[serde(default)]
    mfa_required: String,
    #[serde(default)]
    cors_origins: String,
}

pub async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<SecurityForm>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    // One origin a line (commas and spaces accepted too); blank lines ignored.
    let cors_origins: Vec<String> = form
        .cors_origins
        .split(|c: char| c == '\n' || c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| o.trim_end_matches('/').to_owned())
        .collect();
    let new = SecuritySettings {
        mfa_required: form.mfa_required.clone(),
        cors_origins,
    };
    match state
        .identity
        .set_security_settings(&tenant, Some(chrome.actor()), new, &client)
        .await
    {
        Ok(saved) => {
            let notice = match saved.mfa_required.as_str() {
                "all" => "Saved. Everyone must use two-step verification from their next sign-in.",
                "admins" => {
                    "Saved. Administrators must use two-step verification from their next sign-in."
                }
                _ => "Saved.",
            };
            Ok(chrome.done("/settings/security", notice))
        }
        Err(e) => Ok(render(
            chrome,
            &form.mfa_required,
            &form.cors_origins,
            Some(Refusal::auth(e)?),
        )),
    }
}
