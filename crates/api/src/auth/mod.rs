//! The identity and access endpoints: signing in and out, the caller's own account and MFA,
//! and what administrators manage (users, roles, API keys). The flows live in
//! `comply360-identity`; these handlers parse, check fields, and map results to HTTP.

pub mod api_keys;
pub mod caller;
pub mod fields;
pub mod me;
pub mod roles;
pub mod security;
pub mod sign_in;
pub mod users;

use crate::state::AppState;
use axum::Json;
use axum::extract::State;

/// `GET /.well-known/jwks.json`: the public keys that verify access tokens.
pub async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(state.identity.keys().ring().jwks()).unwrap_or_default())
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Public;
    use axum::http::Method;
    routes.route(
        Method::GET,
        "/.well-known/jwks.json",
        Public,
        "public keys that verify access tokens",
        jwks,
    )
}
