//! A registration as a draft: list, open, show (with its validation), save a wizard step
//! (If-Match), validate.

use super::super::{actor, path_id, today};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::responses::cached_list;
use crate::sparse::Fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use comply360_practice::registration_types::Validation;
use comply360_practice::registrations::{
    self, NewDraft, Registration, RegistrationFilter, StepPatch,
};
use serde::Serialize;
use serde_json::Value;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    QueryParams(filter): QueryParams<RegistrationFilter>,
    fields: Fields<Registration>,
) -> Result<Response, Problem> {
    cached_list(&state, caller.tenant()?, &uri, async |tx| {
        Ok(fields.page(registrations::list(tx, &filter).await?))
    })
    .await
}

crate::sparse::sparse_items!(Registration);

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<NewDraft>,
) -> Result<(StatusCode, HeaderMap, Json<Registration>), Problem> {
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::create_draft(&mut tx, &state.outbox, &actor, &draft).await?;
    tx.commit().await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/registrations/{}", r.id)) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(r)))
}

/// A registration with the verdict of its type's validation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WithValidation {
    #[serde(flatten)]
    registration: Registration,
    validation: Validation,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WithValidation>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let registration = registrations::get(&mut tx, id).await?;
    let validation = registrations::check(&mut tx, id, today()).await?;
    tx.commit().await?;
    Ok(Json(WithValidation {
        registration,
        validation,
    }))
}

/// The version a client read, from `If-Match: "N"` (optimistic concurrency).
fn if_match(headers: &HeaderMap) -> Result<Option<i32>, Problem> {
    match headers
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("").trim().trim_matches('"').to_owned())
    {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_if_match",
                "If-Match must be the registration's version in quotes, e.g. \"3\"",
            )
        }),
    }
}

pub async fn patch_step(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(value): JsonBody<Value>,
) -> Result<Json<WithValidation>, Problem> {
    let id = path_id(&id, "registration")?;
    let version = if_match(&headers)?;
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let (registration, validation) = registrations::patch_step(
        &mut tx,
        &state.outbox,
        &actor,
        id,
        StepPatch {
            step: &step,
            value: &value,
            expected_version: version,
        },
        today(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(WithValidation {
        registration,
        validation,
    }))
}

pub async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Validation>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let v = registrations::check(&mut tx, id, today()).await?;
    tx.commit().await?;
    Ok(Json(v))
}
