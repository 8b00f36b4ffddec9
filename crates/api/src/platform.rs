//! The platform operators' API (`/api/v1/platform/*`), for `super_admin` and
//! `global_support`. More of the operator's console arrives with tenant lifecycle work.

use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use comply360_store::catalog;
use serde_json::{Value, json};

/// `GET /api/v1/platform/tenants`: every agency with its placement and state.
pub async fn tenants(State(state): State<AppState>) -> Result<Json<Value>, Problem> {
    let tenants = catalog::list_tenants(state.store.tenancy().catalog_pool()).await?;
    Ok(Json(json!(
        tenants
            .iter()
            .map(|t| json!({
                "id": t.id,
                "slug": t.slug,
                "name": t.name,
                "status": t.status,
                "tier": t.tier,
                "mode": t.mode,
                "state": t.placement.state,
                "created_at": t.created_at,
            }))
            .collect::<Vec<_>>()
    )))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Platform;
    use axum::http::Method;
    routes.route(
        Method::GET,
        "/api/v1/platform/tenants",
        Platform("platform:tenants:read"),
        "the agencies on the platform",
        tenants,
    )
}
