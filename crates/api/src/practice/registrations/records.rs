//! What a registration has gathered: its timeline, the filled filing summary, the registry's
//! documents and their downloads.

use super::super::path_id;
use crate::auth::caller::Caller;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use comply360_documents::read;
use comply360_practice::documents::{self, Document};
use comply360_practice::registrations;
use comply360_practice::timeline::{self, Entry};
use comply360_practice::{PracticeError, clients, summary};

pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Entry>>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    registrations::get(&mut tx, id).await?;
    let entries = timeline::of(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(entries))
}

/// `GET /api/v1/registrations/{id}/summary`: the filled summary to paste or print.
pub async fn summary_text(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::get(&mut tx, id).await?;
    let client = clients::display_name(&mut tx, r.client_id).await?;
    tx.commit().await?;
    let ty = r.registration_type()?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        summary::text(ty, &r, &client),
    )
        .into_response())
}

pub async fn documents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Document>>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    registrations::get(&mut tx, id).await?;
    let docs = documents::of_registration(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(docs))
}

/// A document of the registration, served from document storage (audited like every
/// document read).
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "registration")?;
    let doc = path_id(&doc, "document")?;
    let docs = crate::documents::documents(&state)?;
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let listed = documents::of_registration(&mut tx, id).await?;
    tx.commit().await?;
    if !listed.iter().any(|d| d.id == doc) {
        return Err(PracticeError::NotFound("document").into());
    }
    let who = crate::documents::handlers::reader(&caller, &client);
    let file = read::file(docs, state.store.tenancy(), tenant, doc, who).await?;
    Ok(crate::documents::serve(file, false))
}
