//! `/api/v1/api-keys`: keys for an agency's own systems (`api_keys:manage`). The key itself is
//! in the creation response only.

use crate::auth::caller::Caller;
use crate::auth::fields::Fields;
use crate::body::JsonBody;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use comply360_identity::api_keys::{ApiKeyView, CreatedKey};
use serde::Deserialize;
use uuid::Uuid;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ApiKeyView>>, Problem> {
    Ok(Json(state.identity.list_api_keys(caller.tenant()?).await?))
}

#[derive(Deserialize)]
pub struct NewKey {
    name: Option<String>,
    permissions: Option<Vec<String>>,
    expires_at: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    JsonBody(body): JsonBody<NewKey>,
) -> Result<(StatusCode, Json<CreatedKey>), Problem> {
    let user = caller.user()?;
    let mut fields = Fields::default();
    let name = fields.required("name", &body.name, 100).to_owned();
    if body.permissions.is_none() {
        fields.error(
            "permissions",
            "is required (a list; GET /api/v1/permissions)",
        );
    }
    let expires_at = match body.expires_at.as_deref() {
        None => None,
        Some(raw) => match DateTime::parse_from_rfc3339(raw) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => {
                fields.error(
                    "expires_at",
                    "must be an RFC 3339 time such as 2027-01-31T00:00:00Z",
                );
                None
            }
        },
    };
    fields.finish()?;
    let created = state
        .identity
        .create_api_key(
            caller.tenant()?,
            user.id,
            &user.role,
            &name,
            body.permissions.as_deref().unwrap_or_default(),
            expires_at,
            &client,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Json<ApiKeyView>, Problem> {
    let id: Uuid = id.parse().map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such API key in this agency",
        )
    })?;
    let actor = caller.actor();
    Ok(Json(
        state
            .identity
            .revoke_api_key(caller.tenant()?, actor, id, &client)
            .await?,
    ))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/api-keys",
            Tenant("api_keys:manage"),
            "the agency's API keys",
            list,
        )
        .creating(
            "/api/v1/api-keys",
            Tenant("api_keys:manage"),
            "create an API key (shown once)",
            create,
        )
        .route(
            Method::DELETE,
            "/api/v1/api-keys/{id}",
            Tenant("api_keys:manage"),
            "revoke an API key",
            revoke,
        )
}
