//! `/api/v1/integrations/odoo`: the agency's Odoo connection (the API key sealed, never
//! shown), "test connection", the sync state with the latest failures, and reconciliation.

use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use comply360_erp::SyncState;
use comply360_erp::check::{self, ConnectionReport};
use comply360_erp::reconcile::{self, ReconcileError, Report};
use comply360_erp::settings::{self, OdooSettingsInput, OdooSettingsView};
use serde::Deserialize;
use serde_json::json;

pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OdooSettingsView>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = settings::get(&mut tx).await?;
    tx.commit().await?;
    s.map(Json).ok_or_else(not_connected)
}

fn not_connected() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "odoo_not_configured",
        "the agency has no Odoo connection; PUT /api/v1/integrations/odoo sets one",
    )
}

pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<OdooSettingsInput>,
) -> Result<Json<OdooSettingsView>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = settings::save(&mut tx, &state.identity, caller.actor(), &input).await?;
    tx.commit().await?;
    Ok(Json(s))
}

pub async fn delete_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let had = settings::clear(&mut tx, caller.actor()).await?;
    tx.commit().await?;
    if had {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_connected())
    }
}

/// Test connection: Odoo's version, who the key signs in as, which models are there. Odoo's
/// refusal is the answer (502, Odoo's message), never an error of ours.
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ConnectionReport>, Problem> {
    Ok(Json(test_connection(&state, caller.tenant()?).await?))
}

/// The portal's "Test connection" too.
pub async fn test_connection(
    state: &AppState,
    tenant: &comply360_store::Tenant,
) -> Result<ConnectionReport, Problem> {
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let connection =
        settings::connect(&mut tx, &state.identity, &comply360_erp::http_client()).await?;
    tx.commit().await?;
    let connection = connection.ok_or_else(not_connected)?;
    check::test(&connection.client)
        .await
        .map_err(|e| Problem::new(StatusCode::BAD_GATEWAY, "odoo_refused", format!("{e}")))
}

pub async fn sync_state(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SyncState>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = comply360_erp::state(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(s))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileQuery {
    /// Queue a sync of every missing, deleted or changed record.
    #[serde(default)]
    pub fix: bool,
}

pub async fn run_reconcile(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ReconcileQuery>,
) -> Result<Json<Report>, Problem> {
    reconcile_for(&state, caller.tenant()?, q.fix)
        .await
        .map(Json)
        .map_err(|e| match e {
            ReconcileError::NotConnected => not_connected(),
            ReconcileError::Odoo(m) => Problem::new(StatusCode::BAD_GATEWAY, "odoo_refused", m),
            ReconcileError::Practice(p) => p.into(),
            ReconcileError::Store(s) => s.into(),
        })
}

/// Reconciliation for `tenant` (the portal's "Compare with Odoo" too).
pub async fn reconcile_for(
    state: &AppState,
    tenant: &comply360_store::Tenant,
    fix: bool,
) -> Result<Report, ReconcileError> {
    reconcile::run(
        state.store.tenancy(),
        tenant,
        &state.identity,
        &comply360_erp::http_client(),
        &state.outbox,
        fix,
    )
    .await
}

pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    let invalid = (422, "validation_failed");
    let missing = (404, "odoo_not_configured");
    routes
        .route(
            Method::GET,
            "/api/v1/integrations/odoo",
            Tenant("settings:manage"),
            Op::new("the agency's Odoo connection (the API key only as \"(set)\")")
                .ok::<OdooSettingsView>()
                .problems(&[missing]),
            get_settings,
        )
        .route(
            Method::PUT,
            "/api/v1/integrations/odoo",
            Tenant("settings:manage"),
            Op::new("connect the agency's Odoo: address, database, login, API key (sealed), protocol json2 or xmlrpc, stage names")
                .body::<OdooSettingsInput>(json!({"base_url": "https://karoo.odoo.com", "database": "karoo", "login": "ops@karoo.example", "api_key": "6578616d706c65206a736f6e20617069206b6579", "protocol": "json2"}))
                .ok::<OdooSettingsView>()
                .problems(&[invalid, (409, "odoo_settings_unreadable"), (403, "plan_limit_reached")]),
            put_settings,
        )
        .route(
            Method::DELETE,
            "/api/v1/integrations/odoo",
            Tenant("settings:manage"),
            Op::new("disconnect the agency's Odoo (nothing more is synced)")
                .no_content()
                .problems(&[missing]),
            delete_settings,
        )
        .route(
            Method::POST,
            "/api/v1/integrations/odoo/test",
            Tenant("settings:manage"),
            Op::new("test the connection: Odoo's version, the signed-in user, which models exist")
                .ok::<ConnectionReport>()
                .problems(&[missing, (409, "odoo_settings_unreadable"), (502, "odoo_refused")]),
            test,
        )
        .route(
            Method::GET,
            "/api/v1/integrations/odoo/sync",
            Tenant("settings:manage"),
            Op::new("the sync state: records synced and failed per kind, the latest failures with Odoo's message")
                .ok::<SyncState>(),
            sync_state,
        )
        .route(
            Method::POST,
            "/api/v1/integrations/odoo/reconcile",
            Tenant("settings:manage"),
            Op::new("compare Comply360 with Odoo (missing, deleted, changed, extra); fix=true queues a sync of each difference")
                .query::<ReconcileQuery>()
                .ok::<Report>()
                .problems(&[missing, invalid, (409, "odoo_settings_unreadable"), (502, "odoo_refused")]),
            run_reconcile,
        )
}
