//! `POST /api/v1/auth/*` (tenant users, the agency named by host or `X-Tenant`) and
//! `POST /api/v1/platform/auth/*` (operators): login, the MFA step, refresh, logout, and the
//! password-reset and invitation flows.
//!
//! Sign-in attempts are rate-limited per client IP and account (the email), on top of the
//! account lockout: the lockout stops guessing one account from anywhere, the rate limit
//! stops one client from hammering (and from locking accounts out at will).

use crate::auth::caller::Caller;
use crate::auth::fields::Fields;
use crate::body::JsonBody;
use crate::gateway::auth::too_many;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use comply360_identity::ratelimit::Decision;
use comply360_identity::{ClientInfo, Realm, SignIn, TokenPair};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// At most 254 characters.
    #[schema(value_type = String, required)]
    email: Option<String>,
    #[schema(value_type = String, required)]
    password: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MfaVerifyRequest {
    /// The `mfa_token` the sign-in answered with (`status: mfa_required`).
    #[schema(value_type = String, required)]
    mfa_token: Option<String>,
    /// A TOTP code from the authenticator app, or one of the recovery codes.
    #[schema(value_type = String, required)]
    code: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    /// Used once: the answer holds the next one.
    #[schema(value_type = String, required)]
    refresh_token: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ForgotRequest {
    #[schema(value_type = String, required)]
    email: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    /// The token from the emailed link.
    #[schema(value_type = String, required)]
    token: Option<String>,
    /// The new password: at least 12 characters, and not a common or guessable one.
    #[schema(value_type = String, required)]
    password: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AcceptRequest {
    /// The token from the invitation's link.
    #[schema(value_type = String, required)]
    token: Option<String>,
    /// At least 12 characters, and not a common or guessable one.
    #[schema(value_type = String, required)]
    password: Option<String>,
    /// At most 200 characters; the invitation's name when left out.
    full_name: Option<String>,
}

async fn limit(state: &AppState, key: String) -> Result<(), Problem> {
    match state.limiter.check(&key, state.settings.signin_quota).await {
        Decision::Limited { retry_after } => Err(too_many(retry_after)),
        Decision::Allowed { .. } => Ok(()),
    }
}

/// The sign-in bucket of a client IP and account, shared by the API and the portal's form.
pub(crate) fn signin_key(realm: &Realm, client: &ClientInfo, email: &str) -> String {
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

async fn login(
    state: &AppState,
    realm: Realm,
    client: ClientInfo,
    body: LoginRequest,
) -> Result<Json<SignIn>, Problem> {
    let mut fields = Fields::default();
    let email = fields.required("email", &body.email, 254).trim().to_owned();
    let password = fields.required("password", &body.password, 1024).to_owned();
    fields.finish()?;
    limit(state, signin_key(&realm, &client, &email)).await?;
    Ok(Json(
        state
            .identity
            .login(&realm, &email, &password, &client)
            .await?,
    ))
}

pub async fn tenant_login(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Json<SignIn>, Problem> {
    login(&state, Realm::Tenant(tenant), client, body).await
}

pub async fn platform_login(
    State(state): State<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Json<SignIn>, Problem> {
    login(&state, Realm::Platform, client, body).await
}

async fn mfa_verify(
    state: &AppState,
    realm: Realm,
    client: ClientInfo,
    body: MfaVerifyRequest,
) -> Result<Json<TokenPair>, Problem> {
    let mut fields = Fields::default();
    let token = fields
        .required("mfa_token", &body.mfa_token, 4096)
        .to_owned();
    let code = fields.required("code", &body.code, 64).to_owned();
    fields.finish()?;
    limit(state, format!("mfa:{}:{}", realm.key(), ip(&client))).await?;
    Ok(Json(
        state
            .identity
            .verify_mfa(&realm, &token, &code, &client)
            .await?,
    ))
}

pub async fn tenant_mfa_verify(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    JsonBody(body): JsonBody<MfaVerifyRequest>,
) -> Result<Json<TokenPair>, Problem> {
    mfa_verify(&state, Realm::Tenant(tenant), client, body).await
}

pub async fn platform_mfa_verify(
    State(state): State<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<MfaVerifyRequest>,
) -> Result<Json<TokenPair>, Problem> {
    mfa_verify(&state, Realm::Platform, client, body).await
}

async fn refresh(
    state: &AppState,
    realm: Realm,
    client: ClientInfo,
    body: RefreshRequest,
) -> Result<Json<TokenPair>, Problem> {
    let mut fields = Fields::default();
    let token = fields
        .required("refresh_token", &body.refresh_token, 256)
        .to_owned();
    fields.finish()?;
    Ok(Json(state.identity.refresh(&realm, &token, &client).await?))
}

pub async fn tenant_refresh(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Json<TokenPair>, Problem> {
    refresh(&state, Realm::Tenant(tenant), client, body).await
}

pub async fn platform_refresh(
    State(state): State<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Json<TokenPair>, Problem> {
    refresh(&state, Realm::Platform, client, body).await
}

/// `POST /auth/logout`: ends the session of the access token presented.
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
) -> Result<StatusCode, Problem> {
    let user = caller.user()?;
    state
        .identity
        .logout(&caller.realm(), user.id, user.session, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many sessions a sign-out everywhere ended.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionsRevoked {
    pub sessions_revoked: u64,
}

/// The answer to a reset request, the same whether or not the address has an account.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ResetRequested)]
pub struct Accepted {
    pub detail: &'static str,
}

/// `POST /auth/logout-all`: ends every session of the account.
pub async fn logout_all(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
) -> Result<Json<SessionsRevoked>, Problem> {
    let user = caller.user()?;
    let n = state
        .identity
        .logout_all(&caller.realm(), user.id, &client)
        .await?;
    Ok(Json(SessionsRevoked {
        sessions_revoked: n,
    }))
}

/// `POST /auth/password/forgot`: always 202, whether or not the email has an account.
pub async fn forgot(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    JsonBody(body): JsonBody<ForgotRequest>,
) -> Result<(StatusCode, Json<Accepted>), Problem> {
    let mut fields = Fields::default();
    let email = fields.required("email", &body.email, 254).trim().to_owned();
    fields.finish()?;
    let realm = Realm::Tenant(tenant);
    limit(
        &state,
        format!(
            "forgot:{}:{}:{}",
            realm.key(),
            ip(&client),
            email.to_lowercase()
        ),
    )
    .await?;
    state
        .identity
        .forgot_password(&realm, &email, &client)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            detail: "if the address has an account here, a reset link is on its way",
        }),
    ))
}

/// `POST /auth/password/reset`: a new password with the emailed token.
pub async fn reset(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    JsonBody(body): JsonBody<ResetRequest>,
) -> Result<StatusCode, Problem> {
    let mut fields = Fields::default();
    let token = fields.required("token", &body.token, 256).to_owned();
    let password = fields.required("password", &body.password, 1024).to_owned();
    fields.finish()?;
    state
        .identity
        .reset_password(&Realm::Tenant(tenant), &token, &password, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/invitations/accept`: the invitee chooses a password.
pub async fn accept_invitation(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    JsonBody(body): JsonBody<AcceptRequest>,
) -> Result<StatusCode, Problem> {
    let mut fields = Fields::default();
    let token = fields.required("token", &body.token, 256).to_owned();
    let password = fields.required("password", &body.password, 1024).to_owned();
    fields.optional("full_name", &body.full_name, 200);
    fields.finish()?;
    state
        .identity
        .accept_invitation(
            &Realm::Tenant(tenant),
            &token,
            &password,
            body.full_name.as_deref(),
            &client,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
