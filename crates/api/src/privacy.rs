//! `/api/v1/privacy`: a data subject's requests (POPIA s23 access, s24 deletion), found by
//! their SA ID or passport number. The documents crate does the work
//! (`comply360_documents::subject_rights`); both need `privacy:manage`.

use crate::auth::caller::Caller;
use crate::body::JsonBody;
use crate::documents::documents;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use comply360_documents::subject_rights::{self, ErasureReport, SubjectInput};
use comply360_practice::reminders::sa_today;

/// This resource's routes (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    use serde_json::json;
    let invalid = (422, "validation_failed");
    let no_client = (404, "client_not_found");
    routes
        .route(
            Method::POST,
            "/api/v1/privacy/exports",
            Tenant("privacy:manage"),
            Op::new("a data subject's export (POPIA s23): every record, document and audit entry about the person with this ID or passport number, as a ZIP streamed (manifest.json and documents/); audited")
                .body::<SubjectInput>(json!({"id_number": "8001015009087"}))
                .answer_as(200, "application/zip")
                .problems(&[invalid, no_client]),
            export,
        )
        .route(
            Method::POST,
            "/api/v1/privacy/erasures",
            Tenant("privacy:manage"),
            Op::new("a data subject's erasure (POPIA s24, s14): erases what no law requires keeping (documents past retention purged, a client past retention de-identified) and says why the rest is kept; audited")
                .body::<SubjectInput>(json!({"id_number": "8001015009087"}))
                .ok::<ErasureReport>()
                .problems(&[invalid, no_client]),
            erase,
        )
}

/// `POST /api/v1/privacy/exports`: the ZIP, streamed.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<SubjectInput>,
) -> Result<Response, Problem> {
    let who = input.parse(sa_today())?;
    let docs = documents(&state)?;
    let e = subject_rights::export(
        docs,
        state.store.tenancy(),
        caller.tenant()?,
        &who,
        input.client_id,
        caller.principal.user_id(),
    )
    .await?;
    let mut res = Body::from_stream(e.body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", e.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// `POST /api/v1/privacy/erasures`: the report.
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<SubjectInput>,
) -> Result<Json<ErasureReport>, Problem> {
    let today = sa_today();
    let who = input.parse(today)?;
    let docs = documents(&state)?;
    let report = subject_rights::erase(
        docs,
        &state.outbox,
        state.store.tenancy(),
        caller.tenant()?,
        &who,
        input.client_id,
        caller.principal.user_id(),
        today,
    )
    .await?;
    Ok(Json(report))
}
