//! `/api/v1/users`: the agency's accounts, for administrators (`users:read`, `users:manage`).

use crate::auth::caller::Caller;
use crate::auth::fields::Fields;
use crate::body::JsonBody;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comply360_identity::admin::{UserChange, UserView};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

fn user_id(raw: &str) -> Result<Uuid, Problem> {
    raw.parse().map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such user in this agency",
        )
        .with_field("id", "must be a user id (a UUID)")
    })
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserView>>, Problem> {
    Ok(Json(state.identity.list_users(caller.tenant()?).await?))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    Ok(Json(
        state
            .identity
            .get_user(caller.tenant()?, user_id(&id)?)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Invite {
    #[schema(value_type = String, required)]
    email: Option<String>,
    /// A built-in or custom role's key (GET /api/v1/roles).
    #[schema(value_type = String, required)]
    role: Option<String>,
    /// At most 200 characters.
    full_name: Option<String>,
}

/// `POST /api/v1/users`: invites by email and role; the invitee gets a link by email.
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    JsonBody(body): JsonBody<Invite>,
) -> Result<(StatusCode, Json<UserView>), Problem> {
    let mut fields = Fields::default();
    let email = fields.required("email", &body.email, 254).to_owned();
    let role = fields.required("role", &body.role, 40).trim().to_owned();
    fields.optional("full_name", &body.full_name, 200);
    fields.finish()?;
    let view = state
        .identity
        .invite(
            caller.tenant()?,
            caller.principal.user_id(),
            &email,
            &role,
            body.full_name.as_deref(),
            &client,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UserChange)]
pub struct Change {
    role: Option<String>,
    /// `active` or `disabled`.
    status: Option<String>,
    full_name: Option<String>,
}

/// `PATCH /api/v1/users/{id}`: role, status (`active`/`disabled`) or name.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Change>,
) -> Result<Json<UserView>, Problem> {
    let id = user_id(&id)?;
    let change = UserChange {
        role: body.role.map(|r| r.trim().to_owned()),
        status: body.status.map(|s| s.trim().to_owned()),
        full_name: body.full_name,
    };
    Ok(Json(
        state
            .identity
            .update_user(caller.tenant()?, caller.actor(), id, change, &client)
            .await?,
    ))
}

/// `DELETE /api/v1/users/{id}`: disables the account (its records stay, attributed to it).
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    let id = user_id(&id)?;
    let change = UserChange {
        status: Some("disabled".into()),
        ..UserChange::default()
    };
    Ok(Json(
        state
            .identity
            .update_user(caller.tenant()?, caller.actor(), id, change, &client)
            .await?,
    ))
}

/// `POST /api/v1/users/{id}/unlock`: ends a lockout.
pub async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    let id = user_id(&id)?;
    Ok(Json(
        state
            .identity
            .unlock_user(caller.tenant()?, caller.actor(), id, &client)
            .await?,
    ))
}

/// `POST /api/v1/users/{id}/invitation`: sends a fresh invitation link.
pub async fn resend_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = user_id(&id)?;
    state
        .identity
        .resend_invitation(caller.tenant()?, caller.actor(), id, &client)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    let not_found = (404, "not_found");
    routes
        .route(
            Method::GET,
            "/api/v1/users",
            Tenant("users:read"),
            Op::new("list the agency's users").ok_list::<UserView>(),
            list,
        )
        .creating(
            "/api/v1/users",
            Tenant("users:manage"),
            Op::new("invite a user by email and role")
                .body::<Invite>(json!({"email": "sipho@karoo.example", "role": "agent", "full_name": "Sipho Dlamini"}))
                .created::<UserView>()
                .problems(&[(409, "conflict"), (422, "validation_failed"), (403, "plan_limit_reached")]),
            invite,
        )
        .route(
            Method::GET,
            "/api/v1/users/{id}",
            Tenant("users:read"),
            Op::new("one user")
                .ok::<UserView>()
                .problems(&[not_found]),
            show,
        )
        .route(
            Method::PATCH,
            "/api/v1/users/{id}",
            Tenant("users:manage"),
            Op::new("change a user's role, status or name")
                .body::<Change>(json!({"role": "agent_assistant", "full_name": "Sipho Dlamini"}))
                .ok::<UserView>()
                .problems(&[not_found, (403, "forbidden"), (422, "validation_failed")]),
            update,
        )
        .route(
            Method::DELETE,
            "/api/v1/users/{id}",
            Tenant("users:manage"),
            Op::new("disable a user")
                .ok::<UserView>()
                .problems(&[not_found, (403, "forbidden"), (422, "validation_failed")]),
            disable,
        )
        .route(
            Method::POST,
            "/api/v1/users/{id}/unlock",
            Tenant("users:manage"),
            Op::new("end a lockout")
                .ok::<UserView>()
                .problems(&[not_found]),
            unlock,
        )
        .route(
            Method::POST,
            "/api/v1/users/{id}/invitation",
            Tenant("users:manage"),
            Op::new("send a fresh invitation")
                .no_content()
                .problems(&[not_found, (409, "conflict")]),
            resend_invitation,
        )
}
