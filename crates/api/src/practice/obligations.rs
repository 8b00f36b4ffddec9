//! `/api/v1/obligations`: the compliance calendar, and an agent's iCalendar feed.
//!
//! Calendar apps cannot send a bearer token, so the feed lives at a secret URL:
//! `/ical/{token}.ics`, where the token names the agency and the agent and carries a keyed
//! hash under the master key (`GET /api/v1/obligations/feed` hands it to the signed-in agent).

use super::{path_id, today};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use comply360_practice::obligations::{self, Obligation, ObligationFilter};
use comply360_practice::page::Page;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use uuid::Uuid;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(filter): QueryParams<ObligationFilter>,
) -> Result<Json<Page<Obligation>>, Problem> {
    let mut tx = state.store.tenancy().begin_read(caller.tenant()?).await?;
    let page = obligations::list(&mut tx, &filter, today()).await?;
    tx.commit().await?;
    Ok(Json(page))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `open`, `done` or `waived`.
    status: String,
    /// The registration that fulfilled it, if any.
    registration_id: Option<Uuid>,
    #[serde(default)]
    note: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StatusChange>,
) -> Result<StatusCode, Problem> {
    let id = path_id(&id, "obligation")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    obligations::set_status(
        &mut tx,
        caller.actor(),
        id,
        &body.status,
        body.registration_id,
        &body.note,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

const FEED_PURPOSE: &str = "obligations ical feed";

/// The secret token of `agent`'s feed in `tenant` (the portal shows the same address).
pub fn feed_token(state: &AppState, tenant: Uuid, agent: Uuid) -> String {
    let mut data = Vec::with_capacity(32);
    data.extend_from_slice(tenant.as_bytes());
    data.extend_from_slice(agent.as_bytes());
    let mac = state.identity.keyed_hash(FEED_PURPOSE, &data);
    data.extend_from_slice(&mac[..16]);
    URL_SAFE_NO_PAD.encode(data)
}

/// `GET /api/v1/obligations/feed`: the signed-in agent's secret feed URL.
pub async fn feed_url(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<FeedAddress>, Problem> {
    let user = caller.user()?;
    let tenant = caller.tenant()?;
    let agent = user.id;
    let token = feed_token(&state, tenant.id().as_uuid(), agent);
    Ok(Json(FeedAddress {
        path: format!("/ical/{token}.ics"),
        note: "keep this address private: anyone with it can read your obligations",
    }))
}

/// `GET /ical/{token}.ics`: the feed itself (no other credential).
pub async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let not_found = || {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no calendar at this address",
        )
    };
    let token = file.strip_suffix(".ics").ok_or_else(not_found)?;
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| not_found())?;
    if raw.len() != 48 {
        return Err(not_found());
    }
    let (ids, mac) = raw.split_at(32);
    let tenant_id = Uuid::from_slice(&ids[..16]).map_err(|_| not_found())?;
    let agent = Uuid::from_slice(&ids[16..]).map_err(|_| not_found())?;
    let expected = state.identity.keyed_hash(FEED_PURPOSE, ids);
    if !bool::from(expected[..16].ct_eq(mac)) {
        return Err(not_found());
    }
    let tenant = state
        .store
        .tenancy()
        .resolve_id(comply360_domain::TenantId::from_uuid(tenant_id))
        .await
        .map_err(|_| not_found())?;
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let filter = ObligationFilter {
        agent: Some(agent),
        status: Some("open".into()),
        limit: Some(200),
        ..Default::default()
    };
    let page = obligations::list(&mut tx, &filter, today()).await?;
    tx.commit().await?;
    let body = comply360_practice::ical::feed(
        &format!("Comply360 — {}", tenant.name()),
        &page.items,
        chrono::Utc::now(),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}

/// The secret address of the signed-in agent's calendar feed.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FeedAddress {
    /// `/ical/<token>.ics`, on this host.
    pub path: String,
    pub note: &'static str,
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::{Public, Tenant};
    use crate::routes::Op;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/obligations",
            Tenant("clients:read"),
            Op::new("the compliance calendar: filter (status, kind, agent, client_id, company_id, due_before, overdue)")
                .query::<ObligationFilter>()
                .ok_page::<Obligation>()
                .problems(&[(422, "validation_failed")]),
            list,
        )
        .route(
            Method::POST,
            "/api/v1/obligations/{id}/status",
            Tenant("clients:write"),
            Op::new("mark an obligation done, waived or open")
                .body::<StatusChange>(json!({"status": "done", "note": "filed on eFiling, reference 2026-AR-0042"}))
                .no_content()
                .problems(&[(404, "obligation_not_found"), (422, "validation_failed")]),
            set_status,
        )
        .route(
            Method::GET,
            "/api/v1/obligations/feed",
            Tenant("clients:read"),
            Op::new("the signed-in agent's secret iCalendar address")
                .ok::<FeedAddress>()
                .problems(&[(403, "api_key_not_allowed")]),
            feed_url,
        )
        .route(
            Method::GET,
            "/ical/{file}",
            Public,
            Op::new("an agent's iCalendar feed (the secret address is the credential)")
                .answer_as(200, "text/calendar")
                .problems(&[(404, "not_found"), (503, "busy")]),
            feed,
        )
}
