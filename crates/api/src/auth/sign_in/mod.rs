//! `POST /api/v1/auth/*` (tenant users, the agency named by host or `X-Tenant`) and
//! `POST /api/v1/platform/auth/*` (operators): login, the MFA step, refresh, logout, and the
//! password-reset and invitation flows.
//!
//! Sign-in attempts are rate-limited per client IP and account (the email), on top of the
//! account lockout: the lockout stops guessing one account from anywhere, the rate limit
//! stops one client from hammering (and from locking accounts out at will).
//!
//! The handlers by concern: `session` (sign in, the MFA step, refresh, sign out) and
//! `recovery` (forgotten password, reset, accepting an invitation); this module holds the rate
//! limit keys they share and the route table fragment.

mod recovery;
mod session;

pub use recovery::{
    AcceptRequest, Accepted, ForgotRequest, ResetRequest, accept_invitation, forgot, limit_forgot,
    reset,
};
pub use session::{
    LoginRequest, MfaVerifyRequest, RefreshRequest, SessionsRevoked, logout, logout_all,
    platform_login, platform_mfa_verify, platform_refresh, tenant_login, tenant_mfa_verify,
    tenant_refresh,
};

use crate::gateway::auth::too_many;
use crate::problem::Problem;
use crate::state::AppState;
use comply360_identity::ratelimit::Decision;
use comply360_identity::{ClientInfo, Realm, SignIn, TokenPair};
use serde_json::json;

async fn limit(state: &AppState, key: String) -> Result<(), Problem> {
    match state.limiter.check(&key, state.settings.signin_quota).await {
        Decision::Limited { retry_after } => Err(too_many(retry_after)),
        Decision::Allowed { .. } => Ok(()),
    }
}

/// The sign-in bucket of a client IP and account, shared by the API and the portal's form.
pub fn signin_key(realm: &Realm, client: &ClientInfo, email: &str) -> String {
    format!(
        "signin:{}:{}:{}",
        realm.key(),
        ip(client),
        email.trim().to_lowercase()
    )
}

fn ip(client: &ClientInfo) -> String {
    client
        .ip
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::{Public, SignedIn};
    use crate::routes::Op;
    use axum::http::Method;
    let login =
        || json!({"email": "thandi@karoo.example", "password": "correct horse battery staple"});
    let mfa = || json!({"mfa_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjAxOTkifQ.e30.c2lnbmF0dXJl", "code": "492039"});
    let refresh = || json!({"refresh_token": "rt_0199f1c27a3b7c008000000000000001_k3M9qL2x"});
    let validation: &[(u16, &str)] = &[(422, "validation_failed")];
    routes
        .route(
            Method::POST,
            "/api/v1/auth/login",
            Public,
            Op::new("sign in with email and password")
                .in_tenant()
                .body::<LoginRequest>(login())
                .ok::<SignIn>()
                .problems(validation)
                .problems(&[(401, "invalid_credentials"), (429, "rate_limited")]),
            tenant_login,
        )
        .route(
            Method::POST,
            "/api/v1/auth/mfa/verify",
            Public,
            Op::new("finish signing in with a TOTP or recovery code")
                .in_tenant()
                .body::<MfaVerifyRequest>(mfa())
                .ok::<TokenPair>()
                .problems(validation)
                .problems(&[
                    (401, "invalid_credentials"),
                    (401, "invalid_mfa_code"),
                    (401, "invalid_token"),
                    (429, "rate_limited"),
                ]),
            tenant_mfa_verify,
        )
        .route(
            Method::POST,
            "/api/v1/auth/refresh",
            Public,
            Op::new("rotate a refresh token for new tokens")
                .in_tenant()
                .body::<RefreshRequest>(refresh())
                .ok::<TokenPair>()
                .problems(validation)
                .problems(&[(401, "invalid_token"), (401, "refresh_token_reused")]),
            tenant_refresh,
        )
        .route(
            Method::POST,
            "/api/v1/auth/logout",
            SignedIn,
            Op::new("end this session").no_content(),
            logout,
        )
        .route(
            Method::POST,
            "/api/v1/auth/logout-all",
            SignedIn,
            Op::new("end every session of this account").ok::<SessionsRevoked>(),
            logout_all,
        )
        .route(
            Method::POST,
            "/api/v1/auth/password/forgot",
            Public,
            Op::new("email a password-reset link")
                .in_tenant()
                .body::<ForgotRequest>(json!({"email": "thandi@karoo.example"}))
                .answer_json(202, crate::routes::Schema::of::<Accepted>())
                .problems(validation)
                .problems(&[(429, "rate_limited")]),
            forgot,
        )
        .route(
            Method::POST,
            "/api/v1/auth/password/reset",
            Public,
            Op::new("set a new password with a reset token")
                .in_tenant()
                .body::<ResetRequest>(json!({"token": "Zm9yZ290LTAxOTlmMWMy", "password": "correct horse battery staple"}))
                .no_content()
                .problems(validation)
                .problems(&[(401, "invalid_token")]),
            reset,
        )
        .route(
            Method::POST,
            "/api/v1/auth/invitations/accept",
            Public,
            Op::new("accept an invitation and choose a password")
                .in_tenant()
                .body::<AcceptRequest>(json!({"token": "aW52aXRlLTAxOTlmMWMy", "password": "correct horse battery staple", "full_name": "Thandi Nkosi"}))
                .no_content()
                .problems(validation)
                .problems(&[(401, "invalid_token")]),
            accept_invitation,
        )
        .route(
            Method::POST,
            "/api/v1/platform/auth/login",
            Public,
            Op::new("operator sign-in")
                .body::<LoginRequest>(json!({"email": "ops@comply360.example", "password": "correct horse battery staple"}))
                .ok::<SignIn>()
                .problems(validation)
                .problems(&[(401, "invalid_credentials"), (429, "rate_limited"), (503, "busy")]),
            platform_login,
        )
        .route(
            Method::POST,
            "/api/v1/platform/auth/mfa/verify",
            Public,
            Op::new("operator sign-in, second step")
                .body::<MfaVerifyRequest>(mfa())
                .ok::<TokenPair>()
                .problems(validation)
                .problems(&[
                    (401, "invalid_credentials"),
                    (401, "invalid_mfa_code"),
                    (401, "invalid_token"),
                    (429, "rate_limited"),
                    (503, "busy"),
                ]),
            platform_mfa_verify,
        )
        .route(
            Method::POST,
            "/api/v1/platform/auth/refresh",
            Public,
            Op::new("operator token refresh")
                .body::<RefreshRequest>(refresh())
                .ok::<TokenPair>()
                .problems(validation)
                .problems(&[(401, "invalid_token"), (401, "refresh_token_reused"), (503, "busy")]),
            platform_refresh,
        )
}
