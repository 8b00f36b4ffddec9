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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewKey {
    /// At most 100 characters.
    #[schema(value_type = String, required)]
    name: Option<String>,
    /// Permissions of the catalogue (GET /api/v1/permissions); the key can do no more.
    #[schema(value_type = Vec<String>, required)]
    permissions: Option<Vec<String>>,
    /// An RFC 3339 time; the key never expires when left out.
    #[schema(format = DateTime)]
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
    use crate::routes::Op;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/api-keys",
            Tenant("api_keys:manage"),
            Op::new("the agency's API keys").ok_list::<ApiKeyView>(),
            list,
        )
        .creating(
            "/api/v1/api-keys",
            Tenant("api_keys:manage"),
            Op::new("create an API key (shown once)")
                .body::<NewKey>(serde_json::json!({"name": "Odoo sync", "permissions": ["clients:read", "clients:write"], "expires_at": "2027-06-30T00:00:00Z"}))
                .created::<CreatedKey>()
                .problems(&[(403, "api_key_not_allowed"), (403, "plan_limit_reached"), (422, "validation_failed")]),
            create,
        )
        .route(
            Method::DELETE,
            "/api/v1/api-keys/{id}",
            Tenant("api_keys:manage"),
            Op::new("revoke an API key")
                .ok::<ApiKeyView>()
                .problems(&[(404, "not_found")]),
            revoke,
        )
}
