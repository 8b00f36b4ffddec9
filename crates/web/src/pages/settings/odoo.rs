//! Settings › Odoo (`settings:manage`): the agency's Odoo connection (the API key sealed on
//! saving and never shown again), "Test connection" with what Odoo answered, the sync state
//! (records synced and failed per kind, the latest failures with Odoo's own message), and
//! reconciliation with its fix. The same erp operations as `/api/v1/integrations/odoo`.

use super::secret::Secret;
use super::{Refusal, page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_erp::check::ConnectionReport;
use comply360_erp::reconcile::{ReconcileError, Report};
use comply360_erp::settings::{self, OdooSettingsInput};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The statuses whose CRM stage the agency may name (the others archive the lead as lost).
const STAGED: [&str; 6] = [
    "draft",
    "ready",
    "submitted",
    "info_requested",
    "approved",
    "completed",
];

#[derive(Default, Deserialize)]
pub struct OdooForm {
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    database: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    api_key: Secret,
    #[serde(default)]
    protocol: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// What the form shows again (never the key).
#[derive(Serialize)]
struct Shown {
    base_url: String,
    database: String,
    login: String,
    protocol: String,
    stages: BTreeMap<String, String>,
}

/// What one of the page's buttons brought back.
enum Outcome {
    None,
    Refused(Shown, Refusal),
    Tested(Result<ConnectionReport, String>),
    Reconciled(Result<Report, String>),
}

async fn render(state: &AppState, chrome: Chrome, outcome: Outcome) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let stored = settings::get(&mut tx).await.map_err(Problem::from)?;
    let sync = comply360_erp::state(&mut tx).await.map_err(Problem::from)?;
    tx.commit().await?;
    let stored_shown = stored.as_ref().map_or_else(
        || Shown {
            base_url: String::new(),
            database: String::new(),
            login: String::new(),
            protocol: "json2".into(),
            stages: settings::default_stages(),
        },
        |s| Shown {
            base_url: s.base_url.clone(),
            database: s.database.clone(),
            login: s.login.clone(),
            protocol: s.protocol.clone(),
            stages: s.stages.clone(),
        },
    );
    let (values, refusal, tested, reconciled) = match outcome {
        Outcome::None => (stored_shown, None, None, None),
        Outcome::Refused(shown, r) => (shown, Some(r), None, None),
        Outcome::Tested(t) => (stored_shown, None, Some(t), None),
        Outcome::Reconciled(r) => (stored_shown, None, None, Some(r)),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let title = if summary.is_some() {
        "Error: Odoo"
    } else {
        "Odoo"
    };
    let ctx = context! {
        stored => View::from(Serde(&stored)),
        values => View::from(Serde(&values)),
        staged => STAGED,
        sync => View::from(Serde(&sync)),
        tested => tested.as_ref().map(|t| match t {
            Ok(report) => context! { ok => View::from(Serde(report)) },
            Err(message) => context! { error => message.clone() },
        }),
        reconciled => reconciled.as_ref().map(|r| match r {
            Ok(report) => context! { ok => View::from(Serde(report)) },
            Err(message) => context! { error => message.clone() },
        }),
        errors, summary,
    };
    Ok(with_status(
        page(chrome, "settings/odoo.html", "odoo", title, ctx),
        status,
    ))
}

/// `GET /settings/odoo`.
pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, Outcome::None).await
}

/// `POST /settings/odoo`.
pub async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<OdooForm>,
) -> Result<Response, PageError> {
    let stages: BTreeMap<String, String> = form
        .rest
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("stage_")?.to_owned(), v.clone())))
        .collect();
    let input = OdooSettingsInput {
        base_url: Some(form.base_url.clone()),
        database: Some(form.database.clone()),
        login: Some(form.login.clone()),
        api_key: Some(form.api_key.expose().to_owned()).filter(|k| !k.trim().is_empty()),
        protocol: Some(form.protocol.clone()),
        stages: stages.clone(),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match settings::save(&mut tx, &state.identity, chrome.actor(), &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/odoo",
                "The Odoo connection is saved. Test it below.",
            ))
        }
        Err(e) => {
            drop(tx);
            let mut refusal = Refusal::of(Problem::from(e))?;
            refusal.errors = refusal
                .errors
                .into_iter()
                .map(|(k, v)| (k.replace("stages.", "stage_"), v))
                .collect();
            let shown = Shown {
                base_url: form.base_url,
                database: form.database,
                login: form.login,
                protocol: form.protocol,
                stages,
            };
            render(&state, chrome, Outcome::Refused(shown, refusal)).await
        }
    }
}

/// `POST /settings/odoo/test`: what Odoo says, on the page.
pub async fn test(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let tested = comply360_api::erp::test_connection(&state, chrome.tenant()?)
        .await
        .map_err(|p| p.detail);
    render(&state, chrome, Outcome::Tested(tested)).await
}

#[derive(Default, Deserialize)]
pub struct ReconcileForm {
    #[serde(default)]
    fix: String,
}

/// `POST /settings/odoo/reconcile`: the differences, and with `fix` the records queued.
pub async fn reconcile(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<ReconcileForm>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let result = comply360_api::erp::reconcile_for(&state, &tenant, form.fix == "1").await;
    let outcome = match result {
        Ok(report) => Ok(report),
        Err(e @ (ReconcileError::NotConnected | ReconcileError::Odoo(_))) => Err(e.to_string()),
        Err(ReconcileError::Practice(p)) => return Err(PageError::Problem(p.into())),
        Err(ReconcileError::Store(s)) => return Err(PageError::Problem(s.into())),
    };
    render(&state, chrome, Outcome::Reconciled(outcome)).await
}

/// `POST /settings/odoo/clear`.
pub async fn clear(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    settings::clear(&mut tx, chrome.actor())
        .await
        .map_err(Problem::from)?;
    tx.commit().await?;
    Ok(chrome.done(
        "/settings/odoo",
        "Odoo is disconnected: nothing more is synced.",
    ))
}
