//! The HTTP surface of the practice: clients, companies, registrations and their types,
//! obligations (with the iCalendar feed), and the search box and dashboard across them. Handlers are thin: parse, open the tenant's
//! transaction, call `comply360_practice`, commit, answer.

pub mod cipc;
pub mod clients;
pub mod companies;
pub mod dashboard;
pub mod obligations;
pub mod registrations;
pub mod search;

use crate::auth::caller::Caller;
use crate::problem::Problem;
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::NaiveDate;
use comply360_practice::registrations::Actor;
use comply360_practice::{PracticeError, Reach};
use uuid::Uuid;

impl From<PracticeError> for Problem {
    fn from(err: PracticeError) -> Problem {
        match err {
            PracticeError::Invalid { detail, issues } => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    detail,
                );
                for i in issues {
                    p = p.with_field(&i.field, i.message);
                }
                p
            }
            PracticeError::NotFound(what) => Problem::new(
                StatusCode::NOT_FOUND,
                not_found_code(what),
                format!("no {what} with this id in your agency"),
            ),
            PracticeError::NotFoundAmong { what, detail } => {
                Problem::new(StatusCode::NOT_FOUND, not_found_code(what), detail)
            }
            PracticeError::Conflict { code, detail } => {
                Problem::new(StatusCode::CONFLICT, code, detail)
            }
            PracticeError::Forbidden(permission) => Problem::new(
                StatusCode::FORBIDDEN,
                "permission_denied",
                format!("this action needs the permission {permission}"),
            ),
            PracticeError::PlanLimit(limit) => crate::problem::plan_limit(&limit),
            PracticeError::Store(e) => Problem::from_store(&e),
        }
    }
}

/// The problem code of a missing record of this kind.
fn not_found_code(what: &str) -> &'static str {
    match what {
        "client" => "client_not_found",
        "company" => "company_not_found",
        "registration" => "registration_not_found",
        "obligation" => "obligation_not_found",
        "commission" => "commission_not_found",
        "commission rule" => "commission_rule_not_found",
        "price" => "price_not_found",
        "agent" => "agent_not_found",
        "invoice" => "invoice_not_found",
        "payment" => "payment_not_found",
        "credit note" => "credit_note_not_found",
        "payment provider" => "payment_provider_not_found",
        _ => "not_found",
    }
}

/// Today in South Africa (SAST, UTC+2 all year): deadlines are South African dates.
pub(crate) fn today() -> NaiveDate {
    comply360_practice::reminders::sa_today()
}

/// A path id; anything but a UUID is simply not found.
pub(crate) fn path_id(text: &str, what: &'static str) -> Result<Uuid, Problem> {
    text.parse()
        .map_err(|_| Problem::from(PracticeError::NotFound(what)))
}

/// The caller as an actor of the workflow, with the permissions its actions need.
pub(crate) async fn actor(state: &AppState, caller: &Caller) -> Actor {
    let mut granted = Vec::new();
    for p in ["registrations:draft", "registrations:write"] {
        if state
            .identity
            .authorize(&caller.principal, caller.tenant.as_ref(), p)
            .await
        {
            granted.push(p);
        }
    }
    Actor {
        id: caller.actor(),
        granted: Some(granted),
    }
}

/// What the caller may read, for the operations that read across resources (the search, the
/// dashboard): clients (and companies, obligations) under `clients:read`, registrations under
/// `registrations:read`, the permissions their own routes need.
pub(crate) async fn reach(state: &AppState, caller: &Caller) -> Reach {
    let may = |p| {
        state
            .identity
            .authorize(&caller.principal, caller.tenant.as_ref(), p)
    };
    Reach {
        clients: may("clients:read").await,
        registrations: may("registrations:read").await,
    }
}
