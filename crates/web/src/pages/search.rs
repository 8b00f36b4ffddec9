//! The header's search box: clients, companies and registrations by name, ID number,
//! registration number, email or registry reference, grouped by kind, limited to what the
//! person may read. The practice's `find::search`, as `GET /api/v1/search` answers; and
//! documents by the text read from them (`documents:read`).

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
    // Documents found by their text (current, readable versions), for those who may read them.
    let mut docs = Vec::new();
    let mut types = Vec::new();
    let (found, error) = if text.is_empty() {
        (None, None)
    } else {
        let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
        let query = SearchQuery {
            q: text.clone(),
            limit: Some(10),
        };
        let result = find::search(&mut tx, &query, reach).await;
        if result.is_ok() && chrome.may("documents:read") {
            docs = comply360_documents::repo::search(&mut tx, &text, 10)
                .await
                .map_err(comply360_documents::DocumentError::from)?;
            if !docs.is_empty() {
                types = comply360_documents::types::list(&mut tx).await?;
            }
        }
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
        .map_or(0, |f| f.groups.iter().map(|g| g.items.len()).sum::<usize>())
        + docs.len();
    let doc_hits: Vec<serde_json::Value> = docs
        .iter()
        .map(|h| {
            // The snippet marks its matches with « »; the page shows them as <mark>.
            let parts: Vec<serde_json::Value> = h
                .snippet
                .split('«')
                .enumerate()
                .flat_map(|(i, piece)| {
                    let (hit, rest) = if i == 0 { ("", piece) } else { piece.split_once('»').unwrap_or((piece, "")) };
                    [serde_json::json!({"text": hit, "mark": true}), serde_json::json!({"text": rest, "mark": false})]
                })
                .filter(|p| p["text"].as_str().is_some_and(|t| !t.is_empty()))
                .collect();
            serde_json::json!({"id": h.id, "type": super::documents::type_label(&types, &h.doc_type), "client": h.client_name, "client_id": h.client_id, "file_name": h.file_name, "parts": parts})
        })
        .collect();
    Ok(chrome.page(
        "search.html",
        "search",
        "Search",
        context! { q => text, found => View::from(Serde(&found)), total, error, doc_hits => View::from(Serde(&doc_hits)) },
    ))
}
