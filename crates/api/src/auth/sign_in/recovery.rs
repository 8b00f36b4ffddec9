//! Getting back in: a forgotten password's reset link, the reset itself, and an invitee
//! choosing a password.

use super::{ip, limit};
use crate::auth::fields::Fields;
use crate::body::JsonBody;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use comply360_identity::{ClientInfo, Realm};
use serde::{Deserialize, Serialize};

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

/// The answer to a reset request, the same whether or not the address has an account.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ResetRequested)]
pub struct Accepted {
    pub detail: &'static str,
}

/// The reset-request bucket of a client IP and address, shared by the API and the portal.
pub async fn limit_forgot(
    state: &AppState,
    realm: &Realm,
    client: &ClientInfo,
    email: &str,
) -> Result<(), Problem> {
    let key = format!(
        "forgot:{}:{}:{}",
        realm.key(),
        ip(client),
        email.to_lowercase()
    );
    limit(state, key).await
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
    limit_forgot(&state, &realm, &client, &email).await?;
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
