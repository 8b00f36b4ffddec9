//! The HTTP surface of the money side: prices, commission rules and settings (`rules.rs`), and
//! commissions with their workflow, statements and export (`commissions.rs`), and the
//! administrators' reports (`reports.rs`).

pub mod commissions;
pub mod reports;
pub mod rules;

use crate::auth::caller::Caller;
use crate::state::AppState;
use comply360_money::commissions::Viewer;
use comply360_practice::registrations::Actor;

/// The caller as a reader of commissions: every agent's with `commissions:read`, else their own.
pub async fn viewer(state: &AppState, caller: &Caller) -> Viewer {
    Viewer {
        id: caller.actor(),
        every_agent: state
            .identity
            .authorize(
                &caller.principal,
                caller.tenant.as_ref(),
                "commissions:read",
            )
            .await,
    }
}

/// The caller as an approver (the routes already require `commissions:approve`; the
/// operation checks it again).
pub async fn approver(state: &AppState, caller: &Caller) -> Actor {
    let may = state
        .identity
        .authorize(
            &caller.principal,
            caller.tenant.as_ref(),
            "commissions:approve",
        )
        .await;
    Actor {
        id: caller.actor(),
        granted: Some(if may {
            vec!["commissions:approve"]
        } else {
            vec![]
        }),
    }
}
