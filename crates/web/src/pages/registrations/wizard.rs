//! The registration wizard: one page per step of the registration's type, a progress
//! indicator, the step saved as a draft every time it is posted (and, with script, a moment
//! after each change), the practice's messages beside the inputs, the fee, and a review page
//! that submits. Closing the browser loses nothing that was saved.

use super::form::{self, Posted};
use super::{actor, id, type_title};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use comply360_api::AppState;
use comply360_practice::registration_types::{FieldKind, RegistrationType, Validation};
use comply360_practice::registrations::{self, Registration, StepPatch, TransitionInput};
use comply360_practice::reminders::sa_today;
use comply360_practice::{PracticeError, clients};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Issues of `step` by their path inside it: (message, is_error).
fn issues_of(v: &Validation, step: &str) -> BTreeMap<String, Vec<(String, bool)>> {
    let prefix = format!("steps.{step}.");
    let mut out: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for (list, is_error) in [(&v.errors, true), (&v.warnings, false)] {
        for i in list {
            if let Some(name) = i.field.strip_prefix(&prefix) {
                out.entry(name.to_owned())
                    .or_default()
                    .push((i.message.clone(), is_error));
            }
        }
    }
    out
}

/// Everything a step page shows besides its fields.
struct StepPage<'a> {
    r: &'a Registration,
    ty: &'static RegistrationType,
    client: String,
    validation: &'a Validation,
    step: &'a str,
    /// The registration's documents and their state (`documents::requirements_of`).
    reqs: Value,
}

impl StepPage<'_> {
    fn progress(&self) -> Vec<Value> {
        self.ty
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let complete = self
                    .validation
                    .steps
                    .iter()
                    .any(|st| st.key == s.key && st.complete);
                json!({
                    "key": s.key, "title": s.title, "number": i + 1,
                    "current": s.key == self.step,
                    // A step counts as done once it was saved and has no errors left.
                    "done": complete && self.r.steps.get(&s.key).is_some(),
                })
            })
            .collect()
    }

    fn neighbours(&self) -> (Option<String>, Option<String>) {
        let at = self.ty.steps.iter().position(|s| s.key == self.step);
        let prev = at
            .and_then(|i| i.checked_sub(1))
            .map(|i| self.ty.steps[i].key.clone());
        let next = at
            .and_then(|i| self.ty.steps.get(i + 1))
            .map(|s| s.key.clone());
        (prev, next)
    }
}

async fn load(
    state: &AppState,
    chrome: &Chrome,
    raw: &str,
) -> Result<
    (
        Registration,
        &'static RegistrationType,
        Validation,
        String,
        Value,
    ),
    PageError,
> {
    let rid = id(raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let r = registrations::get(&mut tx, rid).await?;
    let validation = registrations::check(&mut tx, rid, sa_today()).await?;
    let client = clients::display_name(&mut tx, r.client_id).await?;
    let ty = r.registration_type()?;
    let has_documents = ty.steps.iter().any(|s| {
        s.fields
            .iter()
            .any(|f| matches!(f.kind, FieldKind::Documents))
    });
    let reqs = if has_documents {
        crate::pages::documents::requirements_of(
            state,
            chrome,
            &mut tx,
            rid,
            r.status.editable(),
            &format!("/registrations/{rid}/steps/documents"),
        )
        .await?
    } else {
        json!({"shown": false})
    };
    tx.commit().await?;
    Ok((r, ty, validation, client, reqs))
}

#[allow(clippy::too_many_arguments)]
fn render(
    chrome: Chrome,
    page: &StepPage<'_>,
    data: &Value,
    issues: &BTreeMap<String, Vec<(String, bool)>>,
    extra_people: &BTreeMap<String, usize>,
    summary: Option<String>,
    status: StatusCode,
) -> Response {
    let Some(step) = page.ty.step(page.step) else {
        return PageError::NotFound.into_response();
    };
    let (prev, next) = page.neighbours();
    let fields = form::view(step, data, issues, extra_people);
    // The required documents, for a documents field: the type's list.
    let documents: Vec<Value> = page
        .ty
        .required_documents
        .iter()
        .map(|d| json!({"kind": d.kind, "label": d.label}))
        .collect();
    let review = step.fields.is_empty() && next.is_none();
    let all_errors: Vec<Value> = page
        .validation
        .errors
        .iter()
        .map(|i| {
            let step = i
                .field
                .strip_prefix("steps.")
                .and_then(|s| s.split('.').next())
                .unwrap_or("");
            json!({"field": i.field, "message": i.message, "step": step})
        })
        .collect();
    let title = format!("{}: {}", type_title(page.ty.key.as_str()), step.title);
    let summary_text =
        review.then(|| comply360_practice::summary::text(page.ty, page.r, &page.client));
    let mut res = chrome.page(
        "registrations/wizard.html",
        "registrations",
        &title,
        context! {
            r => View::from(Serde(page.r)),
            type_title => page.ty.title.clone(),
            client => page.client.clone(),
            step => View::from(Serde(step)),
            fields => View::from(Serde(&fields)),
            documents => View::from(Serde(&documents)),
            reqs => View::from(Serde(&page.reqs)),
            progress => View::from(Serde(page.progress())),
            prev, next, review, summary,
            summary_text,
            fee_cents => page.validation.fee_cents,
            notes => View::from(Serde(&page.validation.notes)),
            warnings => View::from(Serde(&page.validation.warnings)),
            errors => View::from(Serde(&all_errors)),
            valid => page.validation.valid,
            editable => page.r.status.editable(),
        },
    );
    *res.status_mut() = status;
    res
}

pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((raw, step)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (r, ty, validation, client, reqs) = load(&state, &chrome, &raw).await?;
    if ty.step(&step).is_none() {
        return Err(PageError::NotFound);
    }
    let data = r.steps.get(&step).cloned().unwrap_or(json!({}));
    // A step not yet saved shows no errors: nobody has had the chance to fill it in.
    let issues = if r.steps.get(&step).is_some() {
        issues_of(&validation, &step)
    } else {
        BTreeMap::new()
    };
    let page = StepPage {
        r: &r,
        ty,
        client,
        validation: &validation,
        step: &step,
        reqs: reqs.clone(),
    };
    Ok(render(
        chrome,
        &page,
        &data,
        &issues,
        &BTreeMap::new(),
        None,
        StatusCode::OK,
    ))
}

/// Saves the step; then goes where the person asked (next, back, stay, one more person row).
pub async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((raw, step)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let rid = id(&raw)?;
    let posted = Posted::new(pairs);
    let go = posted.get("go").unwrap_or("stay").to_owned();
    let autosave = posted.get("autosave").is_some();
    let version: Option<i32> = posted.get("version").and_then(|v| v.parse().ok());
    let (r, ty, _, client, reqs) = load(&state, &chrome, &raw).await?;
    let Some(step_def) = ty.step(&step) else {
        return Err(PageError::NotFound);
    };
    if !r.status.editable() {
        return Ok(chrome.done(
            &format!("/registrations/{rid}"),
            "This registration was submitted; its steps can no longer change.",
        ));
    }
    let (data, conversion) = form::from_form(step_def, &posted);
    let actor = actor(&chrome);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let saved = registrations::patch_step(
        &mut tx,
        &state.outbox,
        &actor,
        rid,
        StepPatch {
            step: &step,
            value: &data,
            expected_version: version,
        },
        sa_today(),
    )
    .await;
    let (r, validation) = match saved {
        Ok(done) => {
            tx.commit().await?;
            done
        }
        Err(PracticeError::Conflict { detail, .. }) => {
            drop(tx);
            let (r, ty, validation, client, reqs) = load(&state, &chrome, &raw).await?;
            let page = StepPage {
                r: &r,
                ty,
                client,
                validation: &validation,
                step: &step,
                reqs: reqs.clone(),
            };
            let summary = format!(
                "{detail}. Your changes below were not saved: check them against the latest version and save again."
            );
            return Ok(render(
                chrome,
                &page,
                &data,
                &BTreeMap::new(),
                &BTreeMap::new(),
                Some(summary),
                StatusCode::CONFLICT,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if autosave {
        // htmx: only the new version (so the next save is not refused as stale) and a word.
        let stamp = chrono::Utc::now().with_timezone(&crate::templates::SAST);
        let html = format!(
            "<input type=\"hidden\" id=\"version\" name=\"version\" value=\"{}\" hx-swap-oob=\"true\"><p id=\"autosave\" class=\"muted small\" role=\"status\" hx-swap-oob=\"true\">Draft saved at {}.</p>",
            r.version,
            stamp.format("%H:%M")
        );
        return Ok(chrome.respond(Html(html).into_response()));
    }
    let mut issues = issues_of(&validation, &step);
    for (name, message) in &conversion {
        issues
            .entry(name.clone())
            .or_default()
            .insert(0, (message.clone(), true));
    }
    let step_has_errors = issues.values().flatten().any(|(_, is_error)| *is_error);
    let page = StepPage {
        r: &r,
        ty,
        client,
        validation: &validation,
        step: &step,
        reqs: reqs.clone(),
    };
    let (prev, next) = page.neighbours();
    if let Some(field) = go.strip_prefix("add:") {
        // One more empty person row, on the same step.
        let extra = BTreeMap::from([(field.to_owned(), 1)]);
        let data = r.steps.get(&step).cloned().unwrap_or(json!({}));
        return Ok(render(
            chrome,
            &page,
            &data,
            &BTreeMap::new(),
            &extra,
            None,
            StatusCode::OK,
        ));
    }
    let target = match go.as_str() {
        "next" if step_has_errors => None,
        "next" => next,
        "back" => prev,
        _ => None,
    };
    match target {
        Some(to) => Ok(chrome.done(&format!("/registrations/{rid}/steps/{to}"), "Saved.")),
        None => {
            let data = r.steps.get(&step).cloned().unwrap_or(json!({}));
            let summary = if step_has_errors {
                Some(
                    "Saved as a draft. Correct the fields marked below to complete this step."
                        .to_owned(),
                )
            } else {
                Some("Saved.".to_owned())
            };
            let status = if step_has_errors {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            Ok(render(
                chrome,
                &page,
                &data,
                &issues,
                &BTreeMap::new(),
                summary,
                status,
            ))
        }
    }
}

/// Submits from the review page (or marks ready, for those who may only prepare drafts).
pub async fn submit(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let rid = id(&raw)?;
    let posted = Posted::new(pairs);
    let action = if chrome.may("registrations:write") {
        "submit"
    } else {
        "mark_ready"
    };
    let input = TransitionInput {
        action: Some(action.into()),
        note: posted.get("note").unwrap_or("").to_owned(),
        outcome: None,
        expected_version: posted.get("version").and_then(|v| v.parse().ok()),
    };
    let actor = actor(&chrome);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match registrations::transition(&mut tx, &state.outbox, &actor, rid, &input, sa_today()).await {
        Ok(_) => {
            tx.commit().await?;
            let notice = if action == "submit" {
                "Submitted. Its progress is on this page."
            } else {
                "Marked ready. An agent who may submit will take it from here."
            };
            Ok(chrome.done(&format!("/registrations/{rid}"), notice))
        }
        Err(PracticeError::Invalid { detail, .. } | PracticeError::Conflict { detail, .. }) => {
            drop(tx);
            let (r, ty, validation, client, reqs) = load(&state, &chrome, &raw).await?;
            let step = ty.steps.last().map(|s| s.key.clone()).unwrap_or_default();
            let page = StepPage {
                r: &r,
                ty,
                client,
                validation: &validation,
                step: &step,
                reqs: reqs.clone(),
            };
            Ok(render(
                chrome,
                &page,
                &json!({}),
                &BTreeMap::new(),
                &BTreeMap::new(),
                Some(detail),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
