//! `GET /api/v1/tenant`: the public profile of the agency the request names.

use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::Json;
use axum::extract::State;
use comply360_store::repo::settings;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantProfile {
    pub slug: String,
    pub name: String,
    /// `active` or `suspended`.
    pub status: String,
    /// The agency's branding settings (colours, logo), or null when it has none.
    pub branding: Value,
    /// The agency's locale settings, or null when it has none.
    pub locale: Value,
}

pub async fn show(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
) -> Result<Json<TenantProfile>, Problem> {
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let rows = settings::get_many(&mut tx, &["branding", "locale"]).await?;
    tx.commit().await?;
    let get = |k: &str| {
        rows.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null)
    };
    Ok(Json(TenantProfile {
        slug: tenant.slug().to_owned(),
        name: tenant.name().to_owned(),
        status: tenant.status().to_string(),
        branding: get("branding"),
        locale: get("locale"),
    }))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Public;
    use crate::routes::Op;
    use axum::http::Method;
    routes.route(
        Method::GET,
        "/api/v1/tenant",
        Public,
        Op::new("the agency's public profile and branding")
            .in_tenant()
            .ok::<TenantProfile>(),
        show,
    )
}
