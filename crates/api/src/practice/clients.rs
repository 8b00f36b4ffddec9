//! `/api/v1/clients`: CRUD, search, soft delete and restore, history, CSV import.

use super::{path_id, today};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::responses::cached_list;
use crate::sparse::Fields;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use comply360_practice::clients::{self, Client, ClientFilter, ClientInput, Contact, ContactInput};
use comply360_practice::history::{self, HistoryEntry};
use comply360_practice::import::{self, ImportOptions, ImportReport};
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    QueryParams(filter): QueryParams<ClientFilter>,
    fields: Fields<Client>,
) -> Result<Response, Problem> {
    cached_list(&state, caller.tenant()?, &uri, async |tx| {
        Ok(fields.page(clients::list(tx, &filter).await?))
    })
    .await
}

crate::sparse::sparse_items!(Client);

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<ClientInput>,
) -> Result<(StatusCode, Json<Client>), Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let client = clients::create(&mut tx, &state.outbox, caller.actor(), &input, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(client)))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Client>, Problem> {
    let id = path_id(&id, "client")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let client = clients::get(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(Json(client))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<Value>,
) -> Result<Json<Client>, Problem> {
    let id = path_id(&id, "client")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let client =
        clients::update(&mut tx, &state.outbox, caller.actor(), id, &patch, today()).await?;
    tx.commit().await?;
    Ok(Json(client))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Client>, Problem> {
    let id = path_id(&id, "client")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let client = clients::set_deleted(&mut tx, &state.outbox, caller.actor(), id, true).await?;
    tx.commit().await?;
    Ok(Json(client))
}

pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Client>, Problem> {
    let id = path_id(&id, "client")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let client = clients::set_deleted(&mut tx, &state.outbox, caller.actor(), id, false).await?;
    tx.commit().await?;
    Ok(Json(client))
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, Problem> {
    let id = path_id(&id, "client")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    clients::get(&mut tx, id, true).await?;
    let entries = history::of(&mut tx, "client", id).await?;
    tx.commit().await?;
    Ok(Json(entries))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ImportQuery {
    /// Check the file and report, writing nothing.
    #[serde(default)]
    dry_run: bool,
    /// Write the valid rows and report the others (by default one invalid row writes nothing).
    #[serde(default)]
    skip_invalid: bool,
}

/// `POST /api/v1/clients/import` with the CSV as the body (`Content-Type: text/csv`).
/// 200 with the report when rows were written (or a clean dry run); 422 with the same report
/// when nothing was written because of errors.
pub async fn import_csv(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportReport>), Problem> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the file as the body with Content-Type: text/csv",
        ));
    }
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let options = ImportOptions {
        dry_run: q.dry_run,
        skip_invalid: q.skip_invalid,
    };
    let report = import::clients(
        &mut tx,
        &state.outbox,
        caller.actor(),
        &body,
        options,
        today(),
    )
    .await?;
    let status = if report.errors.is_empty() || report.written > 0 {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if q.dry_run || report.written == 0 {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok((status, Json(report)))
}

pub async fn contacts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Contact>>, Problem> {
    let id = path_id(&id, "client")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let list = clients::contacts(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(list))
}

pub async fn add_contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ContactInput>,
) -> Result<(StatusCode, Json<Contact>), Problem> {
    let id = path_id(&id, "client")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let contact = clients::add_contact(&mut tx, caller.actor(), id, &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(contact)))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::{Op, Schema};
    use axum::http::Method;
    let not_found = (404, "client_not_found");
    let invalid = (422, "validation_failed");
    routes
        .route(
            Method::GET,
            "/api/v1/clients",
            Tenant("clients:read"),
            Op::new("clients: search (q), filter (agent, status, deleted), cursor-paginated")
                .query::<ClientFilter>()
                .ok_sparse_page::<Client>()
                .problems(&[invalid]),
            list,
        )
        .creating(
            "/api/v1/clients",
            Tenant("clients:write"),
            Op::new("create a client")
                .body::<ClientInput>(json!({
                    "kind": "person", "first_names": "Thabo", "surname": "Mokoena",
                    "id_number": "8001015009087", "email": "thabo@karoo.example",
                    "phone": "082 555 0101"
                }))
                .created::<Client>()
                .problems(&[invalid]),
            create,
        )
        .creating(
            "/api/v1/clients/import",
            Tenant("clients:write"),
            Op::new("import clients from CSV (text/csv; dry_run, skip_invalid)")
                .query::<ImportQuery>()
                .body_as(
                    "text/csv",
                    "kind,first_names,surname,id_number,email,phone\nperson,Naledi,Khumalo,8506150123089,naledi@karoo.example,082 555 0103\n",
                )
                .ok::<ImportReport>()
                .also(422, Schema::of::<ImportReport>())
                .problems(&[(415, "unsupported_media_type"), invalid]),
            import_csv,
        )
        .route(
            Method::GET,
            "/api/v1/clients/{id}",
            Tenant("clients:read"),
            Op::new("one client").ok::<Client>().problems(&[not_found]),
            show,
        )
        .route(
            Method::PATCH,
            "/api/v1/clients/{id}",
            Tenant("clients:write"),
            Op::new("change a client's fields (those given; the rest stay)")
                .body::<ClientInput>(json!({"phone": "+27 82 555 0199", "notes": "prefers email"}))
                .ok::<Client>()
                .problems(&[not_found, invalid]),
            update,
        )
        .route(
            Method::DELETE,
            "/api/v1/clients/{id}",
            Tenant("clients:write"),
            Op::new("delete a client (soft; restorable)")
                .ok::<Client>()
                .problems(&[not_found, (409, "already_deleted")]),
            delete,
        )
        .route(
            Method::POST,
            "/api/v1/clients/{id}/restore",
            Tenant("clients:write"),
            Op::new("restore a deleted client")
                .ok::<Client>()
                .problems(&[not_found, (409, "not_deleted")]),
            restore,
        )
        .route(
            Method::GET,
            "/api/v1/clients/{id}/history",
            Tenant("clients:read"),
            Op::new("a client's history")
                .ok_list::<HistoryEntry>()
                .problems(&[not_found]),
            history,
        )
        .route(
            Method::GET,
            "/api/v1/clients/{id}/contacts",
            Tenant("clients:read"),
            Op::new("a client's contact people")
                .ok_list::<Contact>()
                .problems(&[not_found]),
            contacts,
        )
        .creating(
            "/api/v1/clients/{id}/contacts",
            Tenant("clients:write"),
            Op::new("add a contact person")
                .body::<ContactInput>(json!({
                    "full_name": "Lerato Mokoena", "role": "bookkeeper",
                    "email": "lerato@karoo.example", "phone": "082 555 0102", "is_primary": true
                }))
                .created::<Contact>()
                .problems(&[not_found, invalid]),
            add_contact,
        )
}
