//! The first page after signing in: in an agency, the person's work; on the console, the
//! agencies.

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use comply360_api::AppState;
use comply360_practice::clients::{self, ClientFilter};
use minijinja::context;

pub async fn home(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    if chrome.place.tenant().is_none() {
        // The console's home is its list of agencies (a plain redirect: the one-time notice,
        // if any, is for that page to show).
        return Ok(Redirect::to("/agencies").into_response());
    }
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let any_client = !clients::list(
        &mut tx,
        &ClientFilter {
            limit: Some(1),
            ..ClientFilter::default()
        },
    )
    .await?
    .items
    .is_empty();
    tx.commit().await?;
    let can_add_client = chrome.may("clients:write");
    Ok(chrome.page(
        "dashboard.html",
        "dashboard",
        "Dashboard",
        context! { any_client, can_add_client },
    ))
}
