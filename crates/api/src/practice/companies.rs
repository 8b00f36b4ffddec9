//! `/api/v1/companies`: the legal entities clients hold, with their people and history.

use super::{path_id, today};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use comply360_practice::companies::{self, Company, CompanyFilter, CompanyInput, PersonInput};
use comply360_practice::history::{self, HistoryEntry};
use comply360_practice::page::Page;
use serde::Deserialize;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(filter): QueryParams<CompanyFilter>,
) -> Result<Json<Page<Company>>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let page = companies::list(&mut tx, &filter).await?;
    tx.commit().await?;
    Ok(Json(page))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<CompanyInput>,
) -> Result<(StatusCode, Json<Company>), Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let company = companies::create(&mut tx, caller.actor(), &input, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(company)))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Company>, Problem> {
    let id = path_id(&id, "company")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let company = companies::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(company))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = path_id(&id, "company")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    companies::set_deleted(&mut tx, caller.actor(), id, true).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Company>, Problem> {
    let id = path_id(&id, "company")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    companies::set_deleted(&mut tx, caller.actor(), id, false).await?;
    let company = companies::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(company))
}

pub async fn add_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(person): JsonBody<PersonInput>,
) -> Result<(StatusCode, Json<Company>), Problem> {
    let id = path_id(&id, "company")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let company = companies::add_person(&mut tx, caller.actor(), id, &person, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(company)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resignation {
    on: Option<NaiveDate>,
}

pub async fn resign_person(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, person)): Path<(String, String)>,
    JsonBody(body): JsonBody<Resignation>,
) -> Result<Json<Company>, Problem> {
    let id = path_id(&id, "company")?;
    let person = path_id(&person, "person")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let company = companies::resign_person(
        &mut tx,
        caller.actor(),
        id,
        person,
        body.on.unwrap_or_else(today),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(company))
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, Problem> {
    let id = path_id(&id, "company")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    companies::get(&mut tx, id).await?;
    let entries = history::of(&mut tx, "company", id).await?;
    tx.commit().await?;
    Ok(Json(entries))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/companies",
            Tenant("clients:read"),
            "companies: search (q), filter (client_id, agent), cursor-paginated",
            list,
        )
        .creating(
            "/api/v1/companies",
            Tenant("clients:write"),
            "record a company a client holds, with its people",
            create,
        )
        .route(
            Method::GET,
            "/api/v1/companies/{id}",
            Tenant("clients:read"),
            "one company with its directors, members and shareholders",
            show,
        )
        .route(
            Method::DELETE,
            "/api/v1/companies/{id}",
            Tenant("clients:write"),
            "delete a company (soft; restorable)",
            delete,
        )
        .route(
            Method::POST,
            "/api/v1/companies/{id}/restore",
            Tenant("clients:write"),
            "restore a deleted company",
            restore,
        )
        .creating(
            "/api/v1/companies/{id}/people",
            Tenant("clients:write"),
            "appoint a director, member or shareholder",
            add_person,
        )
        .route(
            Method::POST,
            "/api/v1/companies/{id}/people/{person}/resign",
            Tenant("clients:write"),
            "record a resignation",
            resign_person,
        )
        .route(
            Method::GET,
            "/api/v1/companies/{id}/history",
            Tenant("clients:read"),
            "a company's history",
            history,
        )
}
