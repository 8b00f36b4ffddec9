//! `GET /api/v1/search`: the search box across clients, companies and registrations
//! (`comply360_practice::find`), limited to the kinds the caller may read.

use super::reach;
use crate::auth::caller::Caller;
use crate::body::QueryParams;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use comply360_practice::find::{self, Found, SearchQuery};

pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<SearchQuery>,
) -> Result<Json<Found>, Problem> {
    let reach = reach(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let found = find::search(&mut tx, &query, reach).await?;
    tx.commit().await?;
    Ok(Json(found))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    // Anyone of the agency may search (`tenant:read`, which every built-in role holds); what
    // they find is what they may read: clients and companies with `clients:read`,
    // registrations with `registrations:read` (a group per kind, absent without it).
    routes.route(
        Method::GET,
        "/api/v1/search",
        Tenant("tenant:read"),
        Op::new("search clients, companies and registrations by name (word prefixes), ID number, registration number, email or registry reference: a few of each kind the caller may read")
            .query::<SearchQuery>()
            .ok::<Found>()
            .problems(&[(422, "validation_failed")]),
        search,
    )
}
