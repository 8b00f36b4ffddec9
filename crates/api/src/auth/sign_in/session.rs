//! Signing in and out: password, the MFA step, refresh-token rotation, sign-out of one
//! session or all, for tenant users and operators alike.

use super::{ip, limit, signin_key};
use crate::auth::caller::Caller;
use crate::auth::fields::Fields;
use crate::body::JsonBody;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use comply360_identity::{ClientInfo, Realm, SignIn, TokenPair};
use serde::{Deserialize, Serialize};

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
