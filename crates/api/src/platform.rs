//! The platform operators' API (`/api/v1/platform/*`), for `super_admin` and
//! `global_support`. More of the operator's console arrives with tenant lifecycle work.

use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use comply360_domain::TenantId;
use comply360_domain::tenancy::{IsolationMode, ProvisioningState, TenantStatus, Tier};
use comply360_store::catalog;
use serde::Serialize;

/// An agency as the platform's operators see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TenantSummary {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub tier: Tier,
    pub mode: IsolationMode,
    /// Where it is in provisioning (`active` when it can be served).
    pub state: ProvisioningState,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/platform/tenants`: every agency with its placement and state.
pub async fn tenants(State(state): State<AppState>) -> Result<Json<Vec<TenantSummary>>, Problem> {
    let tenants = catalog::list_tenants(state.store.tenancy().catalog_pool()).await?;
    Ok(Json(
        tenants
            .into_iter()
            .map(|t| TenantSummary {
                id: t.id,
                slug: t.slug,
                name: t.name,
                status: t.status,
                tier: t.tier,
                mode: t.mode,
                state: t.placement.state,
                created_at: t.created_at,
            })
            .collect(),
    ))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Platform;
    use crate::routes::Op;
    use axum::http::Method;
    routes.route(
        Method::GET,
        "/api/v1/platform/tenants",
        Platform("platform:tenants:read"),
        Op::new("the agencies on the platform").ok_list::<TenantSummary>(),
        tenants,
    )
}
