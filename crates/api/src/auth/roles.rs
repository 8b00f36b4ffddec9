//! `/api/v1/roles` and `/api/v1/permissions`: the role list, and custom roles an agency
//! defines from the permission list (`roles:manage`).

use crate::auth::caller::Caller;
use crate::auth::fields::Fields;
use crate::body::JsonBody;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comply360_identity::admin::RoleView;
use comply360_identity::rbac::TENANT_PERMISSIONS;
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn permissions() -> Json<Value> {
    Json(json!(
        TENANT_PERMISSIONS
            .iter()
            .map(|(p, what)| json!({"permission": p, "allows": what}))
            .collect::<Vec<_>>()
    ))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RoleView>>, Problem> {
    Ok(Json(state.identity.list_roles(caller.tenant()?).await?))
}

#[derive(Deserialize)]
pub struct RoleBody {
    name: Option<String>,
    permissions: Option<Vec<String>>,
}

/// `PUT /api/v1/roles/{key}`: creates or replaces a custom role.
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(key): Path<String>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Json<RoleView>, Problem> {
    let mut fields = Fields::default();
    let name = fields.required("name", &body.name, 100).to_owned();
    if body.permissions.is_none() {
        fields.error(
            "permissions",
            "is required (a list; GET /api/v1/permissions)",
        );
    }
    fields.finish()?;
    let actor = caller.actor();
    Ok(Json(
        state
            .identity
            .put_role(
                caller.tenant()?,
                actor,
                &key,
                &name,
                body.permissions.as_deref().unwrap_or_default(),
                &client,
            )
            .await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(key): Path<String>,
) -> Result<StatusCode, Problem> {
    let actor = caller.actor();
    state
        .identity
        .delete_role(caller.tenant()?, actor, &key, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/permissions",
            Tenant("roles:manage"),
            "the permissions a role can hold",
            permissions,
        )
        .route(
            Method::GET,
            "/api/v1/roles",
            Tenant("users:read"),
            "built-in and custom roles",
            list,
        )
        .route(
            Method::PUT,
            "/api/v1/roles/{key}",
            Tenant("roles:manage"),
            "create or replace a custom role",
            put,
        )
        .route(
            Method::DELETE,
            "/api/v1/roles/{key}",
            Tenant("roles:manage"),
            "delete a custom role nobody holds",
            delete,
        )
}
