//! The header's search box: clients, companies and registrations by name, ID number,
//! registration number, email or registry reference, grouped by kind, limited to what the
//! person may read. The practice's `find::search`, as `GET /api/v1/search` answers.

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Query, State};
use axum::response::Response;
use comply360_api::AppState;
use comply360_practice::find::{self, SearchQuery};
use comply360_practice::{PracticeError, Reach};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Q {
    #[serde(default)]
    q: String,
}

pub async fn page(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<Q>,
) -> Result<Response, PageError> {
    let text = q.q.trim().to_owned();
    let reach = Reach {
        clients: chrome.may("clients:read"),
        registrations: chrome.may("registrations:read"),
    };
    let (found, error) = if text.is_empty() {
        (None, None)
    } else {
        let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
        let query = SearchQuery {
            q: text.clone(),
            limit: Some(10),
        };
        let result = find::search(&mut tx, &query, reach).await;
        tx.commit().await?;
        match result {
            Ok(found) => (Some(found), None),
            Err(PracticeError::Invalid { issues, .. }) => {
                (None, issues.first().map(|i| i.message.clone()))
            }
            Err(e) => return Err(e.into()),
        }
    };
    let total: usize = found
        .as_ref()
        .map_or(0, |f| f.groups.iter().map(|g| g.items.len()).sum());
    Ok(chrome.page(
        "search.html",
        "search",
        "Search",
        context! { q => text, found => View::from(Serde(&found)), total, error },
    ))
}
