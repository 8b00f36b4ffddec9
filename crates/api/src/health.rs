//! `/healthz`: the process is alive. `/readyz`: the database answers and migrations are current.

use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, Problem> {
    let readiness = state.store.readiness().await.map_err(|err| {
        tracing::warn!(error = %err, "readiness check failed");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the database is not reachable",
        )
    })?;
    if !readiness.is_ready() {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "migrations_pending",
            format!(
                "migrations are not current: control plane at {} of {}, {} namespaces behind version {}; run comply360 migrate",
                readiness.control_version,
                readiness.control_latest,
                readiness.namespaces_behind,
                readiness.tenant_latest
            ),
        ));
    }
    Ok(Json(json!({"status": "ready", "migrations": readiness})))
}

/// Liveness and readiness (served by every replica, workers too).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Public;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/healthz",
            Public,
            crate::routes::Op::new("liveness"),
            healthz,
        )
        .route(
            Method::GET,
            "/readyz",
            Public,
            crate::routes::Op::new("readiness: database reachable, migrations current"),
            readyz,
        )
}
