//! `/api/v1/security`: the agency's security settings — whether MFA is required (of nobody,
//! administrators, or everyone) and which browser origins may call the API.

use crate::auth::caller::Caller;
use crate::body::JsonBody;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use comply360_identity::admin::SecuritySettings;

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SecuritySettings>, Problem> {
    Ok(Json(
        state.identity.security_settings(caller.tenant()?).await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    JsonBody(body): JsonBody<SecuritySettings>,
) -> Result<Json<SecuritySettings>, Problem> {
    Ok(Json(
        state
            .identity
            .set_security_settings(caller.tenant()?, caller.principal.user_id(), body, &client)
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
            "/api/v1/security",
            Tenant("settings:manage"),
            Op::new("the agency's security settings (MFA policy, CORS origins)")
                .ok::<SecuritySettings>(),
            show,
        )
        .route(
            Method::PUT,
            "/api/v1/security",
            Tenant("settings:manage"),
            Op::new("change the agency's security settings")
                .body::<SecuritySettings>(serde_json::json!({"mfa_required": "admins", "cors_origins": ["https://portal.karoo.example"]}))
                .ok::<SecuritySettings>()
                .problems(&[(422, "validation_failed")]),
            update,
        )
}
