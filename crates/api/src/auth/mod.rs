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
    use crate::routes::{Op, Schema};
    use axum::http::Method;
    // The set is jsonwebtoken's `JwkSet`; only the members our Ed25519 keys have are listed.
    let jwks_schema = serde_json::json!({
        "type": "object",
        "description": "A JSON Web Key Set (RFC 7517) of the Ed25519 public keys (OKP, EdDSA) that verify access tokens.",
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": {
            "type": "object",
            "required": ["kty", "crv", "x", "kid"],
            "properties": {
                "kty": {"const": "OKP"}, "crv": {"const": "Ed25519"},
                "x": {"type": "string", "description": "the public key, base64url"},
                "kid": {"type": "string"}, "alg": {"const": "EdDSA"}, "use": {"const": "sig"}
            }
        }}}
    });
    routes.route(
        Method::GET,
        "/.well-known/jwks.json",
        Public,
        Op::new("public keys that verify access tokens").answer_json(200, Schema::raw(jwks_schema)),
        jwks,
    )
}
