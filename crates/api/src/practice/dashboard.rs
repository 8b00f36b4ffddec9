//! `GET /api/v1/dashboard`: the signed-in person's dashboard (`comply360_practice::dashboard`),
//! with the agency's totals for who holds `reports:read`.

use super::{reach, today};
use crate::auth::caller::Caller;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use comply360_practice::dashboard::{self, Dashboard, Viewer};

/// The permission that adds the agency's totals and widens the activity to the agency's.
/// Its own, rather than `users:read` or `audit:read` which administrators also hold: the
/// totals count every agent's work, which an agent does not see, and an agency may give them
/// to a manager's custom role without the power to read the users or the audit log.
pub const TOTALS: &str = "reports:read";

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Dashboard>, Problem> {
    // "Mine" is a person's: an API key is nobody's agent.
    let user = caller.user()?.id;
    let viewer = Viewer {
        user,
        reach: reach(&state, &caller).await,
        totals: state
            .identity
            .authorize(&caller.principal, caller.tenant.as_ref(), TOTALS)
            .await,
    };
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let board = dashboard::dashboard(&mut tx, &viewer, today()).await?;
    tx.commit().await?;
    Ok(Json(board))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    // Every person of the agency has a dashboard (`tenant:read`); its sections follow what
    // they may read (registrations with `registrations:read`, obligations with
    // `clients:read`), and the totals need `reports:read`.
    routes.route(
        Method::GET,
        "/api/v1/dashboard",
        Tenant("tenant:read"),
        Op::new("the signed-in person's dashboard: their registrations by status, what waits on them, their obligations overdue and due within 30 days, recent activity; the agency's totals with reports:read")
            .ok::<Dashboard>()
            .problems(&[(403, "api_key_not_allowed")]),
        show,
    )
}
