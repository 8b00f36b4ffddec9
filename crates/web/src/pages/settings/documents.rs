//! Settings › Documents: the document types (built-in and the agency's own) with each one's
//! retention rule and its legal basis; adding a type (`settings:manage`) and changing a
//! retention rule (`privacy:manage`, never under FICA's 5 years: the refusal is shown beside
//! the field). The same documents functions as the API's `/api/v1/document-types` routes.

use super::{Refusal, page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_documents::types::{self, NewDocumentType};
use comply360_documents::{DocumentError, retention};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Default, Deserialize, Serialize)]
pub struct TypeForm {
    #[serde(default, rename = "type_code")]
    code: String,
    #[serde(default, rename = "type_label")]
    label: String,
}

#[derive(Default, Deserialize, Serialize)]
pub struct RetentionForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    years: String,
    #[serde(default)]
    basis: String,
}

/// Which form was refused, what was typed in it, and why.
enum Typed<'a> {
    None,
    Type(&'a TypeForm, Refusal),
    Retention(&'a RetentionForm, Refusal),
}

async fn render(state: &AppState, chrome: Chrome, typed: Typed<'_>) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let list = types::list(&mut tx).await.map_err(Problem::from)?;
    tx.commit().await?;
    let empty_type = TypeForm::default();
    let empty_retention = RetentionForm::default();
    let (type_form, retention_form, refusal, which) = match typed {
        Typed::None => (&empty_type, &empty_retention, None, ""),
        Typed::Type(f, r) => (f, &empty_retention, Some(r), "type"),
        Typed::Retention(f, r) => (&empty_type, f, Some(r), "retention"),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let title = if summary.is_some() {
        "Error: Documents"
    } else {
        "Documents"
    };
    let ctx = context! {
        types => minijinja::Value::from(minijinja::value::Serde(&list)),
        type_form => minijinja::Value::from(minijinja::value::Serde(type_form)),
        retention_form => minijinja::Value::from(minijinja::value::Serde(retention_form)),
        which, errors, summary,
        min_years => retention::DEFAULT_YEARS,
        default_basis => retention::DEFAULT_BASIS,
        heading => "Documents",
        may_add => chrome.may("settings:manage"),
        may_retain => chrome.may("privacy:manage"),
    };
    Ok(with_status(
        page(chrome, "settings/documents.html", "documents", title, ctx),
        status,
    ))
}

/// `GET /settings/documents`.
pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, Typed::None).await
}

/// `POST /settings/documents/types`.
pub async fn add_type(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<TypeForm>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let new = NewDocumentType {
        code: form.code.clone(),
        label: form.label.clone(),
    };
    match types::add(&mut tx, &new).await {
        Ok(t) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/documents",
                &format!("The document type {} is added.", t.label),
            ))
        }
        Err(e) => {
            drop(tx);
            let mut refusal = Refusal::of(Problem::from(e))?;
            // This form's fields are named apart from the retention form's.
            refusal.errors = refusal
                .errors
                .into_iter()
                .map(|(k, v)| (format!("type_{k}"), v))
                .collect();
            render(&state, chrome, Typed::Type(&form, refusal)).await
        }
    }
}

/// `POST /settings/documents/retention` (`privacy:manage`).
pub async fn set_retention(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<RetentionForm>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = async {
        if !types::exists(&mut tx, &form.code).await? {
            return Err(DocumentError::field("code", "choose one of the document types"));
        }
        let years: i32 = form.years.trim().parse().map_err(|_| {
            DocumentError::field(
                "years",
                format!(
                    "a whole number of years, between {} (FICA's minimum after the relationship ends) and 100",
                    retention::DEFAULT_YEARS
                ),
            )
        })?;
        retention::set_rule(&mut tx, &form.code, years, &form.basis).await
    }
    .await;
    match result {
        Ok(rule) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/documents",
                &format!(
                    "Documents of type {} are now kept {} years after the relationship ends.",
                    rule.kind, rule.years
                ),
            ))
        }
        Err(e) => {
            drop(tx);
            let refusal = Refusal::of(Problem::from(e))?;
            render(&state, chrome, Typed::Retention(&form, refusal)).await
        }
    }
}
