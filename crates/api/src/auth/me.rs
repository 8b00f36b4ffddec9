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
use comply360_domain::TenantId;
use comply360_identity::mfa::{Confirmed, Enrolment};
use comply360_identity::rbac::{PLATFORM_PERMISSIONS, TENANT_PERMISSIONS};
use comply360_identity::signin::MFA_SETUP;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// Who is signed in, in which agency, and what they may do.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    /// None for a platform operator.
    pub tenant: Option<MeTenant>,
    pub mfa_enabled: bool,
    /// Enrolment started but not confirmed.
    pub mfa_pending: bool,
    pub session_id: Uuid,
    /// The permissions this account holds (from the agency's or the platform's catalogue).
    pub permissions: Vec<&'static str>,
}

/// The agency a signed-in account belongs to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MeTenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
}

/// `GET /api/v1/me`: who the token belongs to, in which agency, and what they may do.
pub async fn show(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, Problem> {
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
    Ok(Json(Me {
        id: profile.id,
        email: profile.email,
        role: profile.role,
        tenant: caller.tenant.as_ref().map(|t| MeTenant {
            id: t.id(),
            slug: t.slug().to_owned(),
            name: t.name().to_owned(),
        }),
        mfa_enabled: profile.mfa_enabled,
        mfa_pending: profile.mfa_pending,
        session_id: user.session,
        permissions,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    #[schema(value_type = String, required)]
    current_password: Option<String>,
    /// At least 12 characters, and not a common or guessable one.
    #[schema(value_type = String, required)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = MfaCode)]
pub struct CodeBody {
    /// The authenticator app's current code.
    #[schema(value_type = String, required)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = PasswordConfirmation)]
pub struct PasswordBody {
    #[schema(value_type = String, required)]
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
    use crate::routes::Op;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/me",
            SignedIn,
            Op::new("who is signed in, and what they may do").ok::<Me>(),
            show,
        )
        .route(
            Method::POST,
            "/api/v1/me/password",
            SignedIn,
            Op::new("change the password (other sessions end)")
                .body::<PasswordChange>(json!({"current_password": "correct horse battery staple", "new_password": "violet kettle drums at noon"}))
                .no_content()
                .problems(&[(422, "validation_failed")]),
            change_password,
        )
        .route(
            Method::POST,
            "/api/v1/me/mfa/enrol",
            MfaSetup,
            Op::new("start TOTP enrolment: secret, otpauth URI, QR code")
                .ok::<Enrolment>()
                .problems(&[(409, "conflict")]),
            mfa_enrol,
        )
        .route(
            Method::POST,
            "/api/v1/me/mfa/confirm",
            MfaSetup,
            Op::new("turn MFA on with a first code; returns recovery codes")
                .body::<CodeBody>(json!({"code": "492039"}))
                .ok::<Confirmed>()
                .problems(&[
                    (401, "invalid_mfa_code"),
                    (409, "conflict"),
                    (422, "validation_failed"),
                ]),
            mfa_confirm,
        )
        .route(
            Method::POST,
            "/api/v1/me/mfa/disable",
            SignedIn,
            Op::new("turn MFA off (needs the password)")
                .body::<PasswordBody>(json!({"password": "correct horse battery staple"}))
                .no_content()
                .problems(&[(404, "not_found"), (422, "validation_failed")]),
            mfa_disable,
        )
}
