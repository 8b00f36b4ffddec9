//! The platform audit log (`control.platform_audit_log`): agencies requested, provisioned,
//! suspended and reactivated, signing keys rotated, operators' sign-ins, newest first, a page
//! at a time (keyset paging on the entries' time-ordered ids).

use super::{actor_names, view};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Query, State};
use axum::response::Response;
use comply360_api::AppState;
use comply360_domain::TenantId;
use comply360_store::catalog;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    /// The id of the last entry of the previous page.
    before: Option<String>,
}

#[derive(Serialize)]
struct Line {
    at: chrono::DateTime<chrono::Utc>,
    actor: String,
    action: String,
    /// The agency's slug, when the entry is about one.
    agency: Option<String>,
    /// The rest, as compact `key: value` text.
    detail: String,
}

/// `{"slug": "acme", "mode": "pooled"}` as `slug: acme · mode: pooled`.
fn detail_text(detail: &serde_json::Value) -> String {
    match detail {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        other => other.to_string(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    // A cursor that is not an id (edited by hand) starts from the newest.
    let before = query
        .before
        .as_deref()
        .and_then(|b| uuid::Uuid::parse_str(b).ok());
    let pool = state.store.tenancy().catalog_pool();
    // One more than a page says whether there is another.
    let mut entries = catalog::audit_log(pool, None, before, PAGE + 1).await?;
    let more = entries.len() > usize::try_from(PAGE).unwrap_or(usize::MAX);
    entries.truncate(usize::try_from(PAGE).unwrap_or(usize::MAX));
    let slugs: HashMap<TenantId, String> = catalog::list_tenants(pool)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug))
        .collect();
    let names = actor_names(&state, entries.iter().map(|e| e.actor.as_str())).await;
    let lines: Vec<Line> = entries
        .iter()
        .map(|e| Line {
            at: e.at,
            actor: names.get(&e.actor).unwrap_or(&e.actor).clone(),
            action: e.action.clone(),
            agency: e.tenant_id.and_then(|t| slugs.get(&t).cloned()),
            detail: detail_text(&e.detail),
        })
        .collect();
    let next = if more {
        entries.last().map(|e| e.id.to_string())
    } else {
        None
    };
    let ctx = context! {
        lines => view(&lines),
        next,
        paged => before.is_some(),
    };
    Ok(chrome.page("console/audit.html", "audit", "Platform audit log", ctx))
}

#[cfg(test)]
mod tests {
    #[test]
    fn details_read_as_short_text() {
        let d = serde_json::json!({"slug": "acme", "attempts": 2});
        assert_eq!(super::detail_text(&d), "attempts: 2 · slug: acme");
        assert_eq!(super::detail_text(&serde_json::json!({})), "");
    }
}
