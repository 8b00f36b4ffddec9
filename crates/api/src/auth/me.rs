//! The caller's own account: `GET /api/v1/me`, password change, MFA enrolment.

use crate::auth::caller::Caller;
use crate::auth::fields::Fields;
use crate::body::JsonBody;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use comply360_identity::mfa::{Confirmed, Enrolment};
use comply360_identity::rbac::{PLATFORM_PERMISSIONS, TENANT_PERMISSIONS};
use comply360_identity::signin::MFA_SETUP;
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /api/v1/me`: who the token belongs to, in which agency, and what they may do.
pub async fn show(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, Problem> {
    let user = caller.user()?;
    let profile = state.identity.profile(&caller.realm(), user.id).await?;
    let catalogue = if caller.tenant.is_some() {
        TENANT_PERMISSIONS
    } else {
        PLATFORM_PERMISSIONS
    };
    let mut permissions = Vec::new();
    for (p, _) in catalogue {
        if state
            .identity
            .authorize(&caller.principal, caller.tenant.as_ref(), p)
            .await
        {
            permissions.push(*p);
        }
    }
    Ok(Json(json!({
        "id": profile.id,
        "email": profile.email,
        "role": profile.role,
        "tenant": caller.tenant.as_ref().map(|t| json!({"id": t.id(), "slug": t.slug(), "name": t.name()})),
        "mfa_enabled": profile.mfa_enabled,
        "mfa_pending": profile.mfa_pending,
        "session_id": user.session,
        "permissions": permissions,
    })))
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: Option<String>,
    new_password: Option<String>,
}

/// `POST /api/v1/me/password`: other sessions are revoked; this one stays.
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<StatusCode, Problem> {
    let user = caller.user()?;
    let mut fields = Fields::default();
    let current = fields
        .required("current_password", &body.current_password, 1024)
        .to_owned();
    let new = fields
        .required("new_password", &body.new_password, 1024)
        .to_owned();
    fields.finish()?;
    state
        .identity
        .change_password(
            &caller.realm(),
            user.id,
            user.session,
            &current,
            &new,
            &client,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/mfa/enrol`: a new secret, its otpauth URI and QR code.
pub async fn mfa_enrol(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Enrolment>, Problem> {
    let user = caller.user()?;
    Ok(Json(
        state.identity.mfa_enrol(&caller.realm(), user.id).await?,
    ))
}

#[derive(Deserialize)]
pub struct CodeBody {
    code: Option<String>,
}

/// `POST /api/v1/me/mfa/confirm`: the first code turns MFA on; the answer holds the recovery
/// codes (once) and, after a sign-in that required enrolment, the session's tokens.
pub async fn mfa_confirm(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    JsonBody(body): JsonBody<CodeBody>,
) -> Result<Json<Confirmed>, Problem> {
    let user = caller.user()?;
    let mut fields = Fields::default();
    let code = fields.required("code", &body.code, 16).to_owned();
    fields.finish()?;
    let setup = user.restriction.as_deref() == Some(MFA_SETUP);
    Ok(Json(
        state
            .identity
            .mfa_confirm(&caller.realm(), user.id, &code, setup, &client)
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct PasswordBody {
    password: Option<String>,
}

/// `POST /api/v1/me/mfa/disable`: needs the password.
pub async fn mfa_disable(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    JsonBody(body): JsonBody<PasswordBody>,
) -> Result<StatusCode, Problem> {
    let user = caller.user()?;
    let mut fields = Fields::default();
    let password = fields.required("password", &body.password, 1024).to_owned();
    fields.finish()?;
    state
        .identity
        .mfa_disable(&caller.realm(), user.id, &password, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::{MfaSetup, SignedIn};
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/me",
            SignedIn,
            "who is signed in, and what they may do",
            show,
        )
        .route(
            Method::POST,
            "/api/v1/me/password",
            SignedIn,
            "change the password (other sessions end)",
            change_password,
        )
        .route(
            Method::POST,
            "/api/v1/me/mfa/enrol",
            MfaSetup,
            "start TOTP enrolment: secret, otpauth URI, QR code",
            mfa_enrol,
        )
        .route(
            Method::POST,
            "/api/v1/me/mfa/confirm",
            MfaSetup,
            "turn MFA on with a first code; returns recovery codes",
            mfa_confirm,
        )
        .route(
            Method::POST,
            "/api/v1/me/mfa/disable",
            SignedIn,
            "turn MFA off (needs the password)",
            mfa_disable,
        )
}
