//! Commissions in the portal: an agent's own (with their monthly statement), and for
//! administrators every agent's, with the approval queue: pending ones approved or rejected in
//! bulk, approved ones marked paid in bulk, each refusal shown beside its field. The same
//! money operations as the API's `/api/v1/commissions` routes.

use super::settings::{Refusal, uuid};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_money::commissions::{
    self, ActionInput, Commission, CommissionAction, CommissionFilter,
};
use comply360_practice::reminders::sa_today;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The list's filters as the form sends them (empty strings for "any").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    agent: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

impl ListQuery {
    /// The API's filter; a malformed date is a field error, as the API would say.
    fn filter(&self) -> Result<CommissionFilter, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut date = |name: &str, text: &str| {
            if text.is_empty() {
                return None;
            }
            let parsed = text.parse().ok();
            if parsed.is_none() {
                errors.insert(name.to_owned(), "a date, e.g. 2026-11-30".to_owned());
            }
            parsed
        };
        let from = date("from", &self.from);
        let to = date("to", &self.to);
        let agent = self.agent.parse().ok();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CommissionFilter {
            agent,
            status: (!self.status.is_empty()).then(|| self.status.clone()),
            from,
            to,
            cursor: (!self.cursor.is_empty()).then(|| self.cursor.clone()),
            limit: Some(100),
        })
    }

    /// The query string of this filter (the CSV link, the next page).
    fn query(&self) -> String {
        let mut q = self.clone();
        q.cursor.clear();
        serde_urlencoded::to_string(&q).unwrap_or_default()
    }
}

/// The totals of the listed commissions, per currency.
fn totals(items: &[Commission]) -> Vec<(String, i64)> {
    let mut by: BTreeMap<String, i64> = BTreeMap::new();
    for c in items {
        *by.entry(c.currency.clone()).or_default() += c.amount_cents;
    }
    by.into_iter().collect()
}

/// What a refused bulk action leaves for the page: the fields typed and why.
#[derive(Default, Deserialize, Serialize)]
pub struct BulkForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    payment_reference: String,
    #[serde(default)]
    paid_on: String,
    /// Where to come back to (the list's query string).
    #[serde(default)]
    back: String,
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    q: &ListQuery,
    refused: Option<(&BulkForm, Refusal)>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let viewer = viewer_of(&chrome);
    let (filter, filter_errors) = match q.filter() {
        Ok(f) => (f, BTreeMap::new()),
        Err(e) => (CommissionFilter::default(), e),
    };
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let page = commissions::list(&mut tx, viewer, &filter)
        .await
        .map_err(Problem::from)?;
    tx.commit().await?;
    let agents = if viewer.every_agent {
        state
            .identity
            .list_users(&tenant)
            .await
            .map_err(|e| PageError::Problem(comply360_api::problem::from_auth(&e)))?
    } else {
        Vec::new()
    };
    let (form, refusal) = match &refused {
        Some((f, r)) => (Some(*f), Some(r)),
        None => (None, None),
    };
    let status = refusal.map_or(StatusCode::OK, |r| r.status);
    let mut errors = filter_errors;
    if let Some(r) = refusal {
        errors.extend(r.errors.clone());
    }
    let selected: Vec<String> = form.map(|f| f.ids.clone()).unwrap_or_default();
    let title = if refusal.is_some() {
        "Error: Commissions"
    } else {
        "Commissions"
    };
    let ctx = context! {
        items => View::from(Serde(&page.items)),
        next_cursor => page.next_cursor,
        totals => totals(&page.items),
        q => View::from(Serde(q)),
        query => q.query(),
        every_agent => viewer.every_agent,
        may_approve => chrome.may("commissions:approve"),
        agents => View::from(Serde(agents.iter().map(|u| context!{ id => u.id.to_string(), email => u.email.clone() }).collect::<Vec<_>>())),
        statuses => ["pending", "approved", "paid", "rejected"],
        form => form.map(|f| View::from(Serde(f))),
        selected,
        errors,
        summary => refusal.map(|r| r.summary.clone()),
        me => chrome.actor().to_string(),
        this_month => sa_today().format("%Y-%m").to_string(),
        today => sa_today().to_string(),
    };
    Ok(super::settings::with_status(
        chrome.page("commissions/list.html", "commissions", title, ctx),
        status,
    ))
}

/// The signed-in person as a reader of commissions: every agent's with `commissions:read`.
fn viewer_of(chrome: &Chrome) -> commissions::Viewer {
    commissions::Viewer {
        id: chrome.actor(),
        every_agent: chrome.may("commissions:read"),
    }
}

/// `GET /commissions`: the list; an approver lands on the pending queue.
pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    render(&state, chrome, &q, None).await
}

/// `POST /commissions/bulk`: approve, reject or pay the ticked commissions, all or none.
pub async fn bulk(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = bulk_form(form);
    let back: ListQuery = serde_urlencoded::from_str(&form.back).unwrap_or_default();
    let ids: Vec<uuid::Uuid> = form.ids.iter().filter_map(|i| i.parse().ok()).collect();
    let outcome = async {
        let action: CommissionAction =
            form.action
                .parse()
                .map_err(|e: comply360_domain::tenancy::UnknownValue| {
                    Problem::from(comply360_money::PracticeError::field(
                        "action",
                        e.to_string(),
                    ))
                })?;
        let input = ActionInput {
            reason: Some(form.reason.clone()),
            payment_reference: Some(form.payment_reference.clone()),
            paid_on: if form.paid_on.is_empty() {
                None
            } else {
                Some(form.paid_on.parse().map_err(|_| {
                    Problem::from(comply360_money::PracticeError::field(
                        "paid_on",
                        "a date, e.g. 2026-11-30",
                    ))
                })?)
            },
            ..ActionInput::default()
        };
        run(&state, &chrome, action, &ids, &input).await
    }
    .await;
    match outcome {
        Ok((action, n)) => {
            let done = format!(
                "{n} {} {}.",
                if n == 1 { "commission" } else { "commissions" },
                past(action)
            );
            Ok(chrome.done(&format!("/commissions?{}", back.query()), &done))
        }
        Err(problem) => {
            let refusal = Refusal::of(problem)?;
            render(&state, chrome, &back, Some((&form, refusal))).await
        }
    }
}

fn bulk_form(pairs: Vec<(String, String)>) -> BulkForm {
    let mut f = BulkForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "action" => f.action = v,
            "ids" => f.ids.push(v),
            "reason" => f.reason = v,
            "payment_reference" => f.payment_reference = v,
            "paid_on" => f.paid_on = v,
            "back" => f.back = v,
            _ => {}
        }
    }
    f
}

async fn run(
    state: &AppState,
    chrome: &Chrome,
    action: CommissionAction,
    ids: &[uuid::Uuid],
    input: &ActionInput,
) -> Result<(CommissionAction, usize), Problem> {
    let caller = approver_of(chrome);
    let mut tx = state
        .store
        .tenancy()
        .begin(chrome.tenant().map_err(|_| Problem::internal())?)
        .await?;
    // Reasons and references apply only to their own action; the others ignore what was typed.
    let input = ActionInput {
        reason: input
            .reason
            .clone()
            .filter(|_| action == CommissionAction::Reject),
        payment_reference: input
            .payment_reference
            .clone()
            .filter(|_| action == CommissionAction::Pay),
        paid_on: input.paid_on.filter(|_| action == CommissionAction::Pay),
        ..input.clone()
    };
    let done = commissions::act(
        &mut tx,
        &state.outbox,
        &caller,
        action,
        ids,
        &input,
        sa_today(),
    )
    .await?;
    tx.commit().await?;
    Ok((action, done.len()))
}

/// The signed-in person as an approver (the page table requires the permission; the
/// operation checks it again).
fn approver_of(chrome: &Chrome) -> comply360_practice::registrations::Actor {
    comply360_practice::registrations::Actor {
        id: chrome.actor(),
        granted: Some(if chrome.may("commissions:approve") {
            vec!["commissions:approve"]
        } else {
            vec![]
        }),
    }
}

fn past(action: CommissionAction) -> &'static str {
    match action {
        CommissionAction::Approve => "approved",
        CommissionAction::Reject => "rejected",
        CommissionAction::Pay => "marked paid",
    }
}

/// `GET /commissions/{id}`: one commission, how it was calculated, and its actions.
pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show_with(&state, chrome, &id, None).await
}

async fn show_with(
    state: &AppState,
    chrome: Chrome,
    id: &str,
    refused: Option<(&BulkForm, Refusal)>,
) -> Result<Response, PageError> {
    let id = uuid(id)?;
    let viewer = viewer_of(&chrome);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let c = commissions::get(&mut tx, viewer, id)
        .await
        .map_err(Problem::from)?;
    let odoo = comply360_erp::record_state(&mut tx, comply360_erp::links::Entity::Commission, id)
        .await
        .map_err(Problem::from)?;
    tx.commit().await?;
    let (form, refusal) = match &refused {
        Some((f, r)) => (Some(*f), Some(r)),
        None => (None, None),
    };
    let status = refusal.map_or(StatusCode::OK, |r| r.status);
    let ctx = context! {
        c => View::from(Serde(&c)),
        odoo => View::from(Serde(&odoo)),
        may_approve => chrome.may("commissions:approve"),
        form => form.map(|f| View::from(Serde(f))),
        errors => refusal.map(|r| r.errors.clone()).unwrap_or_default(),
        summary => refusal.map(|r| r.summary.clone()),
        today => sa_today().to_string(),
    };
    let title = format!("Commission for {}", c.client_name);
    Ok(super::settings::with_status(
        chrome.page("commissions/show.html", "commissions", &title, ctx),
        status,
    ))
}

/// `POST /commissions/{id}/act`: one commission's step, from its own page.
pub async fn act(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = bulk_form(form);
    let Ok(one) = id.parse::<uuid::Uuid>() else {
        return Err(PageError::NotFound);
    };
    let outcome = async {
        let action: CommissionAction =
            form.action
                .parse()
                .map_err(|e: comply360_domain::tenancy::UnknownValue| {
                    Problem::from(comply360_money::PracticeError::field(
                        "action",
                        e.to_string(),
                    ))
                })?;
        let paid_on = if form.paid_on.is_empty() {
            None
        } else {
            Some(form.paid_on.parse().map_err(|_| {
                Problem::from(comply360_money::PracticeError::field(
                    "paid_on",
                    "a date, e.g. 2026-11-30",
                ))
            })?)
        };
        let input = ActionInput {
            reason: Some(form.reason.clone()),
            payment_reference: Some(form.payment_reference.clone()),
            paid_on,
            ..ActionInput::default()
        };
        run(&state, &chrome, action, &[one], &input).await
    }
    .await;
    match outcome {
        Ok((action, _)) => Ok(chrome.done(
            &format!("/commissions/{one}"),
            &format!("The commission is {}.", past(action)),
        )),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => Err(PageError::NotFound),
        Err(problem) => {
            let refusal = Refusal::of(problem)?;
            show_with(&state, chrome, &id, Some((&form, refusal))).await
        }
    }
}

#[derive(Deserialize)]
pub struct StatementQuery {
    agent: Option<String>,
    month: Option<String>,
}

/// `GET /commissions/statement`: an agent's month (one's own unless `commissions:read`).
pub async fn statement(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<StatementQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer_of(&chrome);
    let agent = match q.agent.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => uuid(a)?,
        None => chrome.actor(),
    };
    let month = q
        .month
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| sa_today().format("%Y-%m").to_string());
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = commissions::statement(&mut tx, viewer, agent, &month).await;
    tx.commit().await?;
    let (statement, error) = match result {
        Ok(s) => (Some(s), None),
        Err(comply360_money::PracticeError::Invalid { issues, .. }) => {
            (None, issues.first().map(|i| i.message.clone()))
        }
        Err(e) => return Err(PageError::Problem(Problem::from(e))),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let agents = if viewer.every_agent {
        state
            .identity
            .list_users(chrome.tenant()?)
            .await
            .map_err(|e| PageError::Problem(comply360_api::problem::from_auth(&e)))?
            .into_iter()
            .map(|u| context! { id => u.id.to_string(), email => u.email })
            .collect()
    } else {
        Vec::new()
    };
    let ctx = context! {
        agents,
        s => statement.as_ref().map(|s| View::from(Serde(s))),
        month,
        agent => agent.to_string(),
        error,
    };
    Ok(super::settings::with_status(
        chrome.page(
            "commissions/statement.html",
            "commissions",
            "Commission statement",
            ctx,
        ),
        status,
    ))
}
