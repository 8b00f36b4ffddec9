//! A registration through the workflow: transitions, submit, assignment, a reserved name's
//! extension.

use super::super::{actor, path_id, today};
use crate::auth::caller::Caller;
use crate::body::JsonBody;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comply360_practice::registrations::{self, AssignInput, Registration, TransitionInput};
use uuid::Uuid;

async fn run_transition(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    input: &TransitionInput,
) -> Result<Json<Registration>, Problem> {
    let actor = actor(state, caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::transition(&mut tx, &state.outbox, &actor, id, input, today()).await?;
    tx.commit().await?;
    Ok(Json(r))
}

pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TransitionInput>,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    run_transition(&state, &caller, id, &input).await
}

#[derive(serde::Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    /// For the timeline.
    #[serde(default)]
    note: String,
    /// The version the caller read; a newer one is a 409 `stale_version`.
    expected_version: Option<i32>,
}

/// `POST /api/v1/registrations/{id}/submit`; the body (`note`, `expected_version`) is optional.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    let body: SubmitInput = if body.iter().all(u8::is_ascii_whitespace) {
        SubmitInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("the body does not have the expected fields: {e}"),
            )
        })?
    };
    let input = TransitionInput {
        action: Some("submit".into()),
        note: body.note,
        outcome: None,
        expected_version: body.expected_version,
    };
    run_transition(&state, &caller, id, &input).await
}

pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AssignInput>,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::assign(&mut tx, &state.outbox, &actor, id, &input).await?;
    tx.commit().await?;
    Ok(Json(r))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReservationExtension)]
pub struct Extension {
    /// The good cause, for the timeline and the registry.
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/registrations/{id}/extend`: a reserved name's extension for good cause.
pub async fn extend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Extension>,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::extend_reservation(
        &mut tx,
        &state.outbox,
        &actor,
        id,
        &body.reason,
        today(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(r))
}
