//! Creating an agency in any isolation mode: the form, then provisioning through
//! `Store::create_tenant_by` (the operation `comply360 tenant create` runs) and the
//! administrator's invitation through identity's `invite_provisioned_admin`, as the CLI does.
//! A refused field is shown beside it; a provisioning that stops half-way leaves the agency
//! `failed` and sends the operator to its page, where it can be resumed.

use super::{actor, view};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_store::StoreError;
use comply360_store::catalog::{self, TenantRecord};
use comply360_store::provision::{NewTenant, ProvisionOptions};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The form as posted (every field text, so a wrong value is a field error, not a 422).
#[derive(Deserialize, Default, Serialize)]
pub struct AgencyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    server: String,
}

/// The isolation modes as the form explains them.
const MODES: &[(&str, &str, &str)] = &[
    (
        "pooled",
        "Pooled",
        "Shared tables, separated by row-level security. For small agencies; thousands fit.",
    ),
    (
        "schema",
        "Own schema",
        "A schema of its own in the app database.",
    ),
    (
        "database",
        "Own database",
        "A database of its own on a registered server: the strongest isolation, own backups.",
    ),
];

type Errors = BTreeMap<&'static str, String>;

async fn form_page(
    state: &AppState,
    chrome: Chrome,
    form: &AgencyForm,
    errors: Errors,
    summary: Option<String>,
) -> Result<Response, PageError> {
    // Servers are read as the owner: the app role may not read their connection columns.
    let servers: Vec<String> = catalog::list_servers(state.store.owner_pool())
        .await?
        .into_iter()
        .filter(|s| !s.is_primary)
        .map(|s| s.name)
        .collect();
    let tiers: Vec<&str> = Tier::ALL.iter().map(|t| t.as_str()).collect();
    let invalid = !errors.is_empty() || summary.is_some();
    let mut res = chrome.page(
        "console/agency_form.html",
        "agencies",
        "New agency",
        context! {
            form => view(form),
            errors => view(&errors),
            summary,
            modes => view(&MODES),
            tiers,
            servers,
            base_domain => state.settings.base_domain.clone(),
        },
    );
    if invalid {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn new(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let form = AgencyForm {
        mode: "pooled".into(),
        tier: "starter".into(),
        ..AgencyForm::default()
    };
    form_page(&state, chrome, &form, Errors::new(), None).await
}

/// The form read into what the store asks for, or the fields that are wrong.
fn parse(form: &AgencyForm) -> Result<NewTenant, Errors> {
    let mut errors = Errors::new();
    let slug = Slug::parse(form.slug.trim())
        .map_err(|e| errors.insert("slug", e.to_string()))
        .ok();
    let mode = form
        .mode
        .parse::<IsolationMode>()
        .map_err(|e| errors.insert("mode", e.to_string()))
        .ok();
    let tier = form
        .tier
        .parse::<Tier>()
        .map_err(|e| errors.insert("tier", e.to_string()))
        .ok();
    let email = form.admin_email.trim();
    if email.is_empty() {
        errors.insert(
            "admin_email",
            "enter the email of the agency's first administrator: they receive the invitation"
                .into(),
        );
    } else if let Err(e) = comply360_identity::admin::validate_email(email) {
        // Identity's own rule and words, as the invitation will apply them.
        errors.insert("admin_email", e.to_string());
    }
    match (slug, mode, tier) {
        (Some(slug), Some(mode), Some(tier)) if errors.is_empty() => Ok(NewTenant {
            slug,
            name: form.name.trim().to_owned(),
            mode,
            tier,
            // A server is chosen for database mode only (the others live on the primary).
            server: (mode == IsolationMode::Database && !form.server.is_empty())
                .then(|| form.server.clone()),
            admin_email: Some(email.to_owned()),
        }),
        _ => Err(errors),
    }
}

/// Sends the provisioned administrator's invitation; whether it was sent. A failure here
/// does not undo the agency: it is logged, and the agency's page can be reloaded to try
/// again by resuming (which invites too).
pub(super) async fn invite_admin(state: &AppState, t: &TenantRecord) -> bool {
    let Some(email) = &t.placement.admin_email else {
        return false;
    };
    let invited = match state.store.tenancy().resolve(&t.slug).await {
        Ok(tenant) => state
            .identity
            .invite_provisioned_admin(&tenant, email)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    invited.unwrap_or_else(|error| {
        tracing::error!(tenant = %t.slug, %error, "the provisioned administrator was not invited");
        false
    })
}

pub async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let new = match parse(&form) {
        Ok(new) => new,
        Err(errors) => return form_page(&state, chrome, &form, errors, None).await,
    };
    let slug = new.slug.as_str().to_owned();
    let to = format!("/agencies/{slug}");
    let by = actor(&chrome);
    let mut errors = Errors::new();
    match state
        .store
        .create_tenant_by(new, ProvisionOptions::default(), &by)
        .await
    {
        Ok(t) => {
            let notice = if invite_admin(&state, &t).await {
                format!(
                    "{} is ready. {} was sent an invitation to choose a password.",
                    t.name,
                    t.placement.admin_email.as_deref().unwrap_or("")
                )
            } else {
                format!(
                    "{} is ready, but the administrator's invitation was not sent.",
                    t.name
                )
            };
            Ok(chrome.done(&to, &notice))
        }
        Err(StoreError::ProvisioningFailed { step, .. }) => Ok(chrome.done(
            &to,
            &format!("Provisioning stopped at step {step}. See the error below, then resume it."),
        )),
        Err(StoreError::SlugTaken(_)) => {
            errors.insert("slug", "another agency already has this address".into());
            form_page(&state, chrome, &form, errors, None).await
        }
        Err(e @ StoreError::UnknownServer(_)) => {
            errors.insert("server", e.to_string());
            form_page(&state, chrome, &form, errors, None).await
        }
        Err(StoreError::Invalid(message)) => {
            if message.starts_with("tenant name") {
                errors.insert("name", "enter a name of 1 to 200 characters".into());
            }
            form_page(&state, chrome, &form, errors, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}
