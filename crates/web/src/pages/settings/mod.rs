//! Agency settings, for the agency's administrators: users and invitations, roles, security
//! (MFA policy, CORS origins), branding, API keys and the CIPC credentials. Each page calls the
//! identity operation (or the API's own function) the matching API route calls, so a refusal
//! reads the same here and in the API; field messages are shown beside their fields.
//!
//! The section opens for whoever holds `users:read` (the Users page is its first page); each
//! page inside still needs its own permission, and the tabs show only the pages the viewer may
//! open.

pub mod api_keys;
pub mod billing;
pub mod branding;
pub mod cipc;
pub mod commissions;
pub mod documents;
pub mod odoo;
pub mod payments;
pub mod plan;
pub mod roles;
mod secret;
pub mod security;
pub mod users;

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use comply360_api::problem::Problem;
use comply360_identity::rbac::Permission;
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeMap;

/// The settings pages, in the order of the tabs, each with the permission it needs.
const TABS: &[(&str, &str, &str, Permission)] = &[
    ("users", "Users", "/settings/users", "users:read"),
    ("roles", "Roles", "/settings/roles", "users:read"),
    (
        "security",
        "Security",
        "/settings/security",
        "settings:manage",
    ),
    (
        "branding",
        "Branding",
        "/settings/branding",
        "settings:manage",
    ),
    (
        "api_keys",
        "API keys",
        "/settings/api-keys",
        "api_keys:manage",
    ),
    ("cipc", "CIPC", "/settings/cipc", "settings:manage"),
    (
        "documents",
        "Documents",
        "/settings/documents",
        "settings:manage",
    ),
    (
        "commissions",
        "Commissions",
        "/settings/commissions",
        "commissions:manage",
    ),
    ("odoo", "Odoo", "/settings/odoo", "settings:manage"),
    ("billing", "Billing", "/settings/billing", "payments:manage"),
    (
        "payments",
        "Payments",
        "/settings/payments",
        "payments:manage",
    ),
    (
        "plan",
        "Plan and billing",
        "/settings/plan",
        "settings:manage",
    ),
];

#[derive(Serialize)]
struct Tab {
    label: &'static str,
    href: &'static str,
    active: bool,
}

/// `/settings`: the first settings page the viewer may open.
pub async fn home(chrome: Chrome) -> Result<Response, PageError> {
    let first = TABS
        .iter()
        .find(|t| chrome.may(t.3))
        .ok_or(PageError::Forbidden)?;
    Ok(
        chrome.respond(axum::response::IntoResponse::into_response(Redirect::to(
            first.2,
        ))),
    )
}

/// A settings page: `template` with `ctx`, the tabs the viewer may open, `tab` current.
pub(crate) fn page(
    chrome: Chrome,
    template: &str,
    tab: &str,
    title: &str,
    ctx: minijinja::Value,
) -> Response {
    let tabs: Vec<Tab> = TABS
        .iter()
        .filter(|t| chrome.may(t.3))
        .map(|t| Tab {
            label: t.1,
            href: t.2,
            active: t.0 == tab,
        })
        .collect();
    let ctx = context! { ..ctx, ..context! { tabs => minijinja::Value::from(minijinja::value::Serde(tabs)) } };
    chrome.page(template, "settings", title, ctx)
}

/// `res` with `status` (a refused form is shown again with a 4xx status).
pub(crate) fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// A refused form: the messages by field, a summary and the status to answer with.
pub(crate) struct Refusal {
    pub errors: BTreeMap<String, String>,
    pub summary: String,
    pub status: StatusCode,
}

impl Refusal {
    /// From the problem the API would answer: its field errors and detail, word for word.
    /// Server errors stay errors (the error page with the request id).
    pub fn of(problem: Problem) -> Result<Refusal, PageError> {
        if problem.status.is_server_error() {
            return Err(PageError::Problem(problem));
        }
        let mut errors = BTreeMap::new();
        for e in &problem.errors {
            errors
                .entry(e.field.clone())
                .or_insert_with(|| e.message.clone());
        }
        Ok(Refusal {
            errors,
            summary: problem.detail,
            status: problem.status,
        })
    }

    pub fn auth(err: comply360_identity::AuthError) -> Result<Refusal, PageError> {
        Refusal::of(comply360_api::problem::from_auth(&err))
    }
}

/// A path segment that must be a UUID; anything else names nothing.
pub(crate) fn uuid(raw: &str) -> Result<uuid::Uuid, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// `text` with its first letter in capitals and the rest as written ("create and revoke API
/// keys" → "Create and revoke API keys"; minijinja's `capitalize` would lower "API").
pub(crate) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A role as pickers and lists name it: a built-in role's key in words, a custom role's own
/// name as the agency typed it.
#[derive(Serialize)]
pub(crate) struct RoleLabel<'a> {
    #[serde(flatten)]
    pub role: &'a comply360_identity::admin::RoleView,
    pub label: String,
}

impl<'a> RoleLabel<'a> {
    pub fn of(role: &'a comply360_identity::admin::RoleView) -> RoleLabel<'a> {
        let label = if role.built_in {
            upper_first(&role.name)
        } else {
            role.name.clone()
        };
        RoleLabel { role, label }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_first_letter_is_raised() {
        assert_eq!(
            super::upper_first("create and revoke API keys"),
            "Create and revoke API keys"
        );
        assert_eq!(super::upper_first(""), "");
    }
}
