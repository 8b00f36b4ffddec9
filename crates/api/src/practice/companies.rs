//! `/api/v1/companies`: the legal entities clients hold, with their people and history.

use super::{path_id, today};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::responses::cached_list;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use chrono::NaiveDate;
use comply360_practice::companies::{self, Company, CompanyFilter, CompanyInput, PersonInput};
use comply360_practice::history::{self, HistoryEntry};
use serde::Deserialize;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    QueryParams(filter): QueryParams<CompanyFilter>,
) -> Result<Response, Problem> {
    cached_list(&state, caller.tenant()?, &uri, async |tx| {
        Ok(companies::list(tx, &filter).await?)
    })
    .await
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resignation {
    /// The day the person resigned (today when left out).
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
    use crate::routes::Op;
    use axum::http::Method;
    let not_found = (404, "company_not_found");
    let invalid = (422, "validation_failed");
    routes
        .route(
            Method::GET,
            "/api/v1/companies",
            Tenant("clients:read"),
            Op::new("companies: search (q), filter (client_id, agent), cursor-paginated")
                .query::<CompanyFilter>()
                .ok_page::<Company>()
                .problems(&[invalid]),
            list,
        )
        .creating(
            "/api/v1/companies",
            Tenant("clients:write"),
            Op::new("record a company a client holds, with its people")
                .body::<CompanyInput>(serde_json::json!({
                    "client_id": "0199f1c2-7a3b-7c00-8000-0000000000c1",
                    "jurisdiction": "ZA", "company_type": "private_company",
                    "name": "Karoo Sun Traders (Pty) Ltd", "registration_number": "2025/100200/07",
                    "incorporated_on": "2025-03-28", "financial_year_end": 2,
                    "people": [{"full_name": "Thabo Mokoena", "id_number": "8001015009087",
                                "roles": ["director", "shareholder"], "shares": 100}]
                }))
                .created::<Company>()
                .problems(&[(404, "client_not_found"), invalid]),
            create,
        )
        .route(
            Method::GET,
            "/api/v1/companies/{id}",
            Tenant("clients:read"),
            Op::new("one company with its directors, members and shareholders")
                .ok::<Company>()
                .problems(&[not_found]),
            show,
        )
        .route(
            Method::DELETE,
            "/api/v1/companies/{id}",
            Tenant("clients:write"),
            Op::new("delete a company (soft; restorable)")
                .no_content()
                .problems(&[not_found]),
            delete,
        )
        .route(
            Method::POST,
            "/api/v1/companies/{id}/restore",
            Tenant("clients:write"),
            Op::new("restore a deleted company")
                .ok::<Company>()
                // `not_found` when there is no deleted company with this id.
                .problems(&[not_found, (404, "not_found")]),
            restore,
        )
        .creating(
            "/api/v1/companies/{id}/people",
            Tenant("clients:write"),
            Op::new("appoint a director, member or shareholder")
                .body::<PersonInput>(serde_json::json!({
                    "full_name": "Naledi Khumalo", "id_number": "8506150123089",
                    "email": "naledi@karoo.example", "roles": ["director"], "appointed_on": "2026-03-01"
                }))
                .created::<Company>()
                .problems(&[not_found, invalid]),
            add_person,
        )
        .route(
            Method::POST,
            "/api/v1/companies/{id}/people/{person}/resign",
            Tenant("clients:write"),
            Op::new("record a resignation")
                .body::<Resignation>(serde_json::json!({"on": "2026-06-30"}))
                .ok::<Company>()
                .problems(&[not_found, (404, "not_found"), invalid]),
            resign_person,
        )
        .route(
            Method::GET,
            "/api/v1/companies/{id}/history",
            Tenant("clients:read"),
            Op::new("a company's history")
                .ok_list::<HistoryEntry>()
                .problems(&[not_found]),
            history,
        )
}
