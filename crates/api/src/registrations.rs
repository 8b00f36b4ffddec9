//! Registrations: `POST /api/v1/registrations` opens a draft filing for a client and emits
//! `registration.created` in the same transaction; `GET /api/v1/registrations/{id}` reads one.
//! (The workflows themselves come with the registrations capability.)

use crate::body::JsonBody;
use crate::problem::Problem;
use crate::router::AppState;
use crate::tenant::CurrentTenant;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use chrono::{DateTime, Utc};
use comply360_domain::RegistrationKind;
use comply360_jobs::NewEvent;
use comply360_jobs::event::types;
use comply360_store::TenantTx;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    pub client_id: String,
    pub kind: String,
    #[serde(default)]
    pub payload: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct Registration {
    pub id: Uuid,
    pub client_id: Uuid,
    pub kind: String,
    pub jurisdiction: String,
    pub status: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Checks every field and reports all problems at once.
fn parse(input: &NewRegistration) -> Result<(Uuid, RegistrationKind), Problem> {
    let client = input.client_id.parse::<Uuid>();
    let kind = input.kind.parse::<RegistrationKind>();
    let payload_ok = input.payload.as_ref().is_none_or(|p| p.is_object());
    if let (Ok(client), Ok(kind), true) = (&client, &kind, payload_ok) {
        return Ok((*client, *kind));
    }
    let mut problem = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "the registration has invalid fields",
    );
    if client.is_err() {
        problem = problem.with_field(
            "client_id",
            "must be the id (a UUID) of one of your clients",
        );
    }
    if let Err(err) = kind {
        problem = problem.with_field("kind", err.to_string());
    }
    if !payload_ok {
        problem = problem.with_field("payload", "must be a JSON object");
    }
    Err(problem)
}

pub async fn create(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    JsonBody(input): JsonBody<NewRegistration>,
) -> Result<(StatusCode, HeaderMap, Json<Registration>), Problem> {
    let (client_id, kind) = parse(&input)?;
    let payload = input
        .payload
        .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let t = tx.tenant_id().as_uuid();
    let client_exists: bool = tx
        .query_scalar("SELECT EXISTS (SELECT 1 FROM clients WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)")
        .bind(t)
        .bind(client_id)
        .fetch_one(tx.conn())
        .await
        .map_err(comply360_store::StoreError::from)?;
    if !client_exists {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the registration has invalid fields",
        )
        .with_field("client_id", "no client with this id in your agency"));
    }
    let id = Uuid::now_v7();
    let row = tx
        .query(
            "INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind, payload)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING status, created_at",
        )
        .bind(t)
        .bind(id)
        .bind(client_id)
        .bind(kind.jurisdiction().as_str())
        .bind(kind.as_str())
        .bind(&payload)
        .fetch_one(tx.conn())
        .await
        .map_err(comply360_store::StoreError::from)?;
    emit_created(&state, &mut tx, id, client_id, kind).await?;
    tx.commit().await?;
    let registration = Registration {
        id,
        client_id,
        kind: kind.as_str().to_owned(),
        jurisdiction: kind.jurisdiction().as_str().to_owned(),
        status: row.try_get("status").map_err(internal)?,
        payload,
        created_at: row.try_get("created_at").map_err(internal)?,
    };
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/registrations/{id}")) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(registration)))
}

async fn emit_created(
    state: &AppState,
    tx: &mut TenantTx,
    id: Uuid,
    client_id: Uuid,
    kind: RegistrationKind,
) -> Result<(), Problem> {
    let event = NewEvent::new(types::REGISTRATION_CREATED, "registration")
        .aggregate(id)
        .payload(serde_json::json!({
            "registration_id": id,
            "client_id": client_id,
            "kind": kind.as_str(),
            "reference": null,
        }));
    state.outbox.emit(tx, event).await.map_err(|err| {
        tracing::error!(error = %err, "cannot emit registration.created");
        Problem::internal()
    })?;
    Ok(())
}

pub async fn show(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Path(id): Path<String>,
) -> Result<Json<Registration>, Problem> {
    let not_found = || {
        Problem::new(
            StatusCode::NOT_FOUND,
            "registration_not_found",
            "no registration with this id in your agency",
        )
    };
    let id: Uuid = id.parse().map_err(|_| not_found())?;
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let row = tx
        .query(
            "SELECT id, client_id, kind, jurisdiction, status, payload, created_at
             FROM registrations WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await
        .map_err(comply360_store::StoreError::from)?;
    tx.commit().await?;
    let row = row.ok_or_else(not_found)?;
    Ok(Json(Registration {
        id: row.try_get("id").map_err(internal)?,
        client_id: row.try_get("client_id").map_err(internal)?,
        kind: row.try_get("kind").map_err(internal)?,
        jurisdiction: row.try_get("jurisdiction").map_err(internal)?,
        status: row.try_get("status").map_err(internal)?,
        payload: row.try_get("payload").map_err(internal)?,
        created_at: row.try_get("created_at").map_err(internal)?,
    }))
}

fn internal(err: sqlx::Error) -> Problem {
    tracing::error!(error = %err, "cannot read a registration row");
    Problem::internal()
}
