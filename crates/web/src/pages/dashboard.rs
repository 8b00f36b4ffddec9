//! The first page after signing in. In an agency: the person's registrations by status, what
//! waits on them and why, obligations overdue and coming up, recent activity, and for those
//! who may read reports the agency's totals; a new agency says what to do first. On the
//! console: the agencies (the console's pages). All of it is the practice's dashboard, the
//! read model `GET /api/v1/dashboard` answers with.

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use comply360_api::AppState;
use comply360_practice::Reach;
use comply360_practice::dashboard::{self, Viewer};
use comply360_practice::reminders::sa_today;
use minijinja::value::Serde;
use minijinja::{Value as View, context};

pub async fn home(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    if chrome.place.tenant().is_none() {
        // The console's home is its list of agencies (a plain redirect: the one-time notice,
        // if any, is for that page to show).
        return Ok(Redirect::to("/agencies").into_response());
    }
    let viewer = Viewer {
        user: chrome.actor(),
        reach: Reach {
            clients: chrome.may("clients:read"),
            registrations: chrome.may("registrations:read"),
        },
        totals: chrome.may("reports:read"),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let board = dashboard::dashboard(&mut tx, &viewer, sa_today()).await?;
    tx.commit().await?;
    // A new agency: no client yet (the totals say so for administrators; for others, nothing
    // of theirs and no activity is the same first day).
    let fresh = match &board.totals {
        Some(t) => t.clients == 0,
        None => board.activity.is_empty() && board.waiting.as_ref().is_none_or(|w| w.total == 0),
    };
    let mine_total: i64 = board
        .my_registrations
        .as_ref()
        .map_or(0, |list| list.iter().map(|s| s.count).sum());
    let can_add_client = chrome.may("clients:write");
    let can_start = chrome.may("registrations:draft");
    Ok(chrome.page(
        "dashboard.html",
        "dashboard",
        "Dashboard",
        context! {
            board => View::from(Serde(&board)),
            fresh, mine_total, can_add_client, can_start,
        },
    ))
}
