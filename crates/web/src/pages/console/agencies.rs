//! The console's home: every agency with its mode, tier, status, provisioning state and the
//! newest platform audit entry about it (the catalog records no sign-ins or use, so that is
//! the last activity it knows), searchable by name or slug and filtered by status; and one
//! agency's page: placement, provisioning steps, its audit entries, the actions.

use super::{MANAGE, actor_names, view};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use comply360_api::AppState;
use comply360_domain::{ProvisioningState, ProvisioningStep, TenantId, TenantStatus};
use comply360_store::catalog::{self, AuditEntry, TenantRecord};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Agencies per page of the list.
const PAGE: usize = 50;

/// The filters of the list, as the status select names them.
const STATUS_FILTERS: &[(&str, &str)] = &[
    ("", "Any status"),
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("unfinished", "Being set up"),
    ("failed", "Provisioning failed"),
];

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    page: Option<usize>,
}

/// A row of the list.
#[derive(Serialize)]
struct Row<'a> {
    slug: &'a str,
    name: &'a str,
    mode: &'a str,
    tier: &'a str,
    status: &'a str,
    state: &'a str,
    created_at: DateTime<Utc>,
    last: Option<&'a AuditEntry>,
}

fn matches(t: &TenantRecord, q: &str, status: &str) -> bool {
    let q_ok = q.is_empty()
        || t.slug.contains(q)
        || t.name.to_lowercase().contains(q)
        || t.placement
            .admin_email
            .as_deref()
            .is_some_and(|e| e.to_lowercase().contains(q));
    let state = t.placement.state;
    let status_ok = match status {
        "active" => t.status == TenantStatus::Active && state == ProvisioningState::Active,
        "suspended" => t.status == TenantStatus::Suspended,
        "unfinished" => matches!(
            state,
            ProvisioningState::Requested | ProvisioningState::Provisioning
        ),
        "failed" => state == ProvisioningState::Failed,
        _ => true,
    };
    q_ok && status_ok
}

pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let pool = state.store.tenancy().catalog_pool();
    let tenants = catalog::list_tenants(pool).await?;
    let last: HashMap<TenantId, AuditEntry> = catalog::latest_audit_per_tenant(pool)
        .await?
        .into_iter()
        .filter_map(|e| e.tenant_id.map(|t| (t, e)))
        .collect();
    let q = query.q.unwrap_or_default().trim().to_lowercase();
    let status = query.status.unwrap_or_default();
    let page = query.page.unwrap_or(0);
    let found: Vec<&TenantRecord> = tenants.iter().filter(|t| matches(t, &q, &status)).collect();
    let rows: Vec<Row> = found
        .iter()
        .skip(page * PAGE)
        .take(PAGE)
        .map(|t| Row {
            slug: &t.slug,
            name: &t.name,
            mode: t.mode.as_str(),
            tier: t.tier.as_str(),
            status: t.status.as_str(),
            state: t.placement.state.as_str(),
            created_at: t.created_at,
            last: last.get(&t.id),
        })
        .collect();
    let more = found.len() > (page + 1) * PAGE;
    let filtered = !q.is_empty() || !status.is_empty();
    let ctx = context! {
        agencies => view(&rows),
        total => tenants.len(),
        found => found.len(),
        q,
        status,
        statuses => view(&STATUS_FILTERS),
        filtered,
        page,
        more,
        can_manage => chrome.may(MANAGE),
    };
    Ok(chrome.page("console/agencies.html", "agencies", "Agencies", ctx))
}

/// One provisioning step as the agency's page shows it.
#[derive(Serialize)]
struct Step {
    name: &'static str,
    label: &'static str,
    /// `done`, `failed` (the step the last attempt stopped in) or `pending`.
    state: &'static str,
}

fn step_label(step: ProvisioningStep) -> &'static str {
    match step {
        ProvisioningStep::CreateNamespace => "Create the agency's schema or database",
        ProvisioningStep::BuildSchema => "Build its tables",
        ProvisioningStep::Seed => "Seed its default settings",
        ProvisioningStep::CreateAdmin => "Create its administrator",
        ProvisioningStep::Finish => "Open it for use",
    }
}

fn steps(t: &TenantRecord) -> Vec<Step> {
    let done = t.placement.completed_step;
    let failed = t.placement.state == ProvisioningState::Failed;
    let mut stopped = false;
    ProvisioningStep::ALL
        .iter()
        .map(|&s| {
            let state = if done.is_some_and(|d| s <= d) {
                "done"
            } else if failed && !stopped {
                stopped = true;
                "failed"
            } else {
                "pending"
            };
            Step {
                name: s.as_str(),
                label: step_label(s),
                state,
            }
        })
        .collect()
}

/// The agency's own address, on the host and port this console was reached at.
fn agency_url(state: &AppState, headers: &HeaderMap, secure: bool, slug: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let port = host
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(String::new(), |(_, p)| format!(":{p}"));
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{slug}.{}{port}/", state.settings.base_domain)
}

/// The catalog's record of `slug`, or not found.
pub(super) async fn record(state: &AppState, slug: &str) -> Result<TenantRecord, PageError> {
    catalog::tenant_by_slug(state.store.tenancy().catalog_pool(), slug)
        .await?
        .ok_or(PageError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let t = record(&state, &slug).await?;
    let pool = state.store.tenancy().catalog_pool();
    let can_audit = chrome.may("platform:audit:read");
    let history = if can_audit {
        catalog::audit_log(pool, Some(t.id), None, 20).await?
    } else {
        Vec::new()
    };
    let names = actor_names(&state, history.iter().map(|e| e.actor.as_str())).await;
    let history: Vec<AuditEntry> = history
        .into_iter()
        .map(|mut e| {
            if let Some(name) = names.get(&e.actor) {
                e.actor.clone_from(name);
            }
            e
        })
        .collect();
    let url = agency_url(&state, &headers, chrome.secure(), &t.slug);
    let p = &t.placement;
    let location = match &p.database {
        Some(db) => format!(
            "database {db}, schema {}, on server {}",
            p.schema, p.server_name
        ),
        None => format!(
            "schema {} of the app database, on server {}",
            p.schema, p.server_name
        ),
    };
    let ctx = context! {
        agency_record => view(&t),
        admin_email => p.admin_email.clone(),
        location,
        url,
        steps => view(&steps(&t)),
        history => view(&history),
        can_manage => chrome.may(MANAGE),
        can_audit,
        resumable => p.state != ProvisioningState::Active,
        servable => p.state == ProvisioningState::Active && t.status == TenantStatus::Active,
    };
    let title = t.name.clone();
    Ok(chrome.page("console/agency.html", "agencies", &title, ctx))
}
