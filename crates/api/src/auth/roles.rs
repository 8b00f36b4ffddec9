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
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A permission of the agency's catalogue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PermissionView {
    pub permission: &'static str,
    /// What it allows, for people.
    pub allows: &'static str,
}

pub async fn permissions() -> Json<Vec<PermissionView>> {
    Json(
        TENANT_PERMISSIONS
            .iter()
            .map(|(permission, allows)| PermissionView { permission, allows })
            .collect(),
    )
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RoleView>>, Problem> {
    Ok(Json(state.identity.list_roles(caller.tenant()?).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoleBody {
    /// At most 100 characters.
    #[schema(value_type = String, required)]
    name: Option<String>,
    /// Permissions of the catalogue (GET /api/v1/permissions).
    #[schema(value_type = Vec<String>, required)]
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
    use crate::routes::Op;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/permissions",
            Tenant("roles:manage"),
            Op::new("the permissions a role can hold").ok_list::<PermissionView>(),
            permissions,
        )
        .route(
            Method::GET,
            "/api/v1/roles",
            Tenant("users:read"),
            Op::new("built-in and custom roles").ok_list::<RoleView>(),
            list,
        )
        .route(
            Method::PUT,
            "/api/v1/roles/{key}",
            Tenant("roles:manage"),
            Op::new("create or replace a custom role")
                .body::<RoleBody>(json!({"name": "Filing clerk", "permissions": ["clients:read", "registrations:read", "registrations:draft"]}))
                .ok::<RoleView>()
                .problems(&[(422, "validation_failed")]),
            put,
        )
        .route(
            Method::DELETE,
            "/api/v1/roles/{key}",
            Tenant("roles:manage"),
            Op::new("delete a custom role nobody holds")
                .no_content()
                .problems(&[(404, "not_found"), (409, "conflict")]),
            delete,
        )
}
