//! The platform console (issue 12 item 8), on the console's host only (the guard refuses these
//! pages on an agency's host by their `Need::Platform`): the agencies with their placement and
//! provisioning, creating one in any isolation mode, suspending and reactivating, resuming a
//! failed provisioning; dead letters with retry; the platform audit log; the signing keys.
//!
//! Every action calls the operation the CLI calls (`Store::create_tenant_by`,
//! `Store::set_tenant_status`, `Store::resume_provisioning`, identity's
//! `invite_provisioned_admin` and `rotate_signing_key`, `comply360_jobs::admin`), so a rule
//! exists once. What each page may show or do is the operator's permission: reading needs
//! `platform:tenants:read` (or `platform:audit:read`), changing needs `platform:tenants:manage`
//! (keys: `platform:keys:manage`); the buttons follow the same permissions.

pub mod agencies;
pub mod agency_actions;
pub mod agency_form;
pub mod audit;
pub mod billing;
pub mod dead_letters;
pub mod holidays;
pub mod signing_keys;

use crate::chrome::Chrome;
use comply360_api::AppState;
use comply360_identity::Realm;
use minijinja::value::Serde;
use serde::Serialize;
use std::collections::HashMap;

/// The operator as the platform audit log names them (the form identity's entries use).
fn actor(chrome: &Chrome) -> String {
    format!("platform_user:{}", chrome.actor())
}

/// The audit log's actors as people read them: `platform_user:<id>` becomes the operator's
/// email (looked up once per operator on the page); anything else (`cli`, `operator`, an
/// operator since removed) stays as written.
async fn actor_names<'a>(
    state: &AppState,
    actors: impl Iterator<Item = &'a str>,
) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for actor in actors {
        if names.contains_key(actor) {
            continue;
        }
        let email = match actor
            .strip_prefix("platform_user:")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
        {
            Some(id) => state
                .identity
                .profile(&Realm::Platform, id)
                .await
                .map(|p| p.email)
                .ok(),
            None => None,
        };
        names.insert(actor.to_owned(), email.unwrap_or_else(|| actor.to_owned()));
    }
    names
}

/// A serialisable value for a template.
fn view<T: Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(Serde(value))
}

/// The permission that changes agencies (create, suspend, reactivate, resume, retry).
const MANAGE: &str = "platform:tenants:manage";
