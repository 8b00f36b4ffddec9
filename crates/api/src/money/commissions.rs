//! `/api/v1/commissions`: reading commissions (an agent their own), the administrator's
//! workflow (one at a time or in bulk, all or nothing), statements and the CSV export.

use super::super::practice::{path_id, today};
use super::{approver, viewer};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use comply360_money::PracticeError;
use comply360_money::commissions::{
    self, ActionInput, Commission, CommissionAction, CommissionFilter, Statement,
};
use comply360_practice::Page;
use serde_json::json;
use uuid::Uuid;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(filter): QueryParams<CommissionFilter>,
) -> Result<Json<Page<Commission>>, Problem> {
    let viewer = viewer(&state, &caller).await;
    let mut tx = state.store.tenancy().begin_read(caller.tenant()?).await?;
    let page = commissions::list(&mut tx, viewer, &filter).await?;
    tx.commit().await?;
    Ok(Json(page))
}

pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(filter): QueryParams<CommissionFilter>,
) -> Result<Response, Problem> {
    let viewer = viewer(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let body = commissions::csv(&mut tx, viewer, &filter).await?;
    tx.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"commissions.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Commission>, Problem> {
    let id = path_id(&id, "commission")?;
    let viewer = viewer(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let c = commissions::get(&mut tx, viewer, id).await?;
    tx.commit().await?;
    Ok(Json(c))
}

async fn run(
    state: &AppState,
    caller: &Caller,
    action: CommissionAction,
    ids: &[Uuid],
    input: &ActionInput,
) -> Result<Vec<Commission>, Problem> {
    let actor = approver(state, caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let done =
        commissions::act(&mut tx, &state.outbox, &actor, action, ids, input, today()).await?;
    tx.commit().await?;
    Ok(done)
}

/// `POST /api/v1/commissions/{id}/{action}`: one commission.
pub async fn act_one(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
    body: Option<JsonBody<ActionInput>>,
) -> Result<Json<Commission>, Problem> {
    let id = path_id(&id, "commission")?;
    let action: CommissionAction = action
        .parse()
        .map_err(|_| Problem::from(PracticeError::NotFound("commission action")))?;
    let input = body.map(|JsonBody(b)| b).unwrap_or_default();
    if input.action.is_some() || !input.ids.is_empty() {
        return Err(PracticeError::field(
            "action",
            "the path names the action and the commission; leave action and ids out",
        )
        .into());
    }
    let mut done = run(&state, &caller, action, &[id], &input).await?;
    done.pop()
        .map(Json)
        .ok_or_else(|| PracticeError::NotFound("commission").into())
}

/// `POST /api/v1/commissions/bulk`: many at once, all or nothing.
pub async fn act_many(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<ActionInput>,
) -> Result<Json<Vec<Commission>>, Problem> {
    let action: CommissionAction = match input.action.as_deref().map(str::parse::<CommissionAction>)
    {
        Some(Ok(a)) => a,
        Some(Err(e)) => return Err(PracticeError::field("action", e.to_string()).into()),
        None => {
            return Err(
                PracticeError::field("action", "is required: approve, reject or pay").into(),
            );
        }
    };
    let ids = input.ids.clone();
    Ok(Json(run(&state, &caller, action, &ids, &input).await?))
}

pub async fn statement(
    State(state): State<AppState>,
    caller: Caller,
    Path((agent, month)): Path<(String, String)>,
) -> Result<Json<Statement>, Problem> {
    let agent = path_id(&agent, "agent")?;
    let viewer = viewer(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = commissions::statement(&mut tx, viewer, agent, &month).await?;
    tx.commit().await?;
    Ok(Json(s))
}

pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    let invalid = (422, "validation_failed");
    routes
        .route(
            Method::GET,
            "/api/v1/commissions",
            Tenant("commissions:read_own"),
            Op::new("commissions, newest first: filter by agent, status, earned from/to (an agent sees their own)")
                .query::<CommissionFilter>()
                .ok_page::<Commission>()
                .problems(&[invalid]),
            list,
        )
        .route(
            Method::GET,
            "/api/v1/commissions/export",
            Tenant("commissions:read_own"),
            Op::new("the filtered commissions as CSV")
                .query::<CommissionFilter>()
                .answer_as(200, "text/csv")
                .problems(&[invalid]),
            export,
        )
        .route(
            Method::POST,
            "/api/v1/commissions/bulk",
            Tenant("commissions:approve"),
            Op::new("approve, reject or pay many commissions at once: all of them, or none if any cannot")
                .body::<ActionInput>(json!({"action": "approve", "ids": ["0193a3c2-6b7e-7c4e-9a51-3f1d2e4b5a60"]}))
                .ok_list::<Commission>()
                .problems(&[invalid, (404, "commission_not_found"), (409, "transition_not_allowed")]),
            act_many,
        )
        .route(
            Method::GET,
            "/api/v1/commissions/{id}",
            Tenant("commissions:read_own"),
            Op::new("one commission, with how it was calculated")
                .ok::<Commission>()
                .problems(&[(404, "commission_not_found")]),
            show,
        )
        .route(
            Method::POST,
            "/api/v1/commissions/{id}/{action}",
            Tenant("commissions:approve"),
            Op::new("approve, reject (with a reason) or pay (with a reference and date) one commission")
                .optional_body::<ActionInput>(json!({"payment_reference": "EFT 2026-11-0042", "paid_on": "2026-11-30"}))
                .ok::<Commission>()
                .problems(&[invalid, (404, "commission_not_found"), (404, "not_found"), (409, "transition_not_allowed"), (409, "stale_version")]),
            act_one,
        )
        .route(
            Method::GET,
            "/api/v1/commissions/statements/{agent}/{month}",
            Tenant("commissions:read_own"),
            Op::new("an agent's statement for a month (YYYY-MM): earned, paid and totals")
                .ok::<Statement>()
                .problems(&[invalid, (404, "agent_not_found")]),
            statement,
        )
}
