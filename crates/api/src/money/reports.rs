//! `/api/v1/reports/…`: the administrators' reports over a period (`?from=&to=`, days or
//! months), each as JSON and, with a `.csv` suffix on the path, as CSV with the same rows.

use super::super::practice::today;
use crate::auth::caller::Caller;
use crate::body::QueryParams;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use comply360_money::reports::{
    self, CommissionsReport, FeesReport, PeriodInput, RegistrationsReport, Report, TurnaroundReport,
};

pub async fn registrations(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Json<RegistrationsReport>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let report = reports::registrations(&mut tx, &input, today()).await?;
    tx.commit().await?;
    Ok(Json(report))
}

pub async fn turnaround(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Json<TurnaroundReport>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let report = reports::turnaround(&mut tx, &input, today()).await?;
    tx.commit().await?;
    Ok(Json(report))
}

pub async fn commissions(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Json<CommissionsReport>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let report = reports::commissions(&mut tx, &input, today()).await?;
    tx.commit().await?;
    Ok(Json(report))
}

pub async fn fees(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Json<FeesReport>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let report = reports::fees(&mut tx, &input, today()).await?;
    tx.commit().await?;
    Ok(Json(report))
}

/// `report` as a CSV download named after it.
async fn csv(
    state: &AppState,
    caller: &Caller,
    report: Report,
    input: &PeriodInput,
) -> Result<Response, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let body = reports::csv(&mut tx, report, input, today()).await?;
    tx.commit().await?;
    Ok(csv_download(report, body))
}

/// The CSV answer: a download named after the report, never cached (it is the agency's data).
pub fn csv_download(report: Report, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{report}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

pub async fn registrations_csv(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Response, Problem> {
    csv(&state, &caller, Report::Registrations, &input).await
}

pub async fn turnaround_csv(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Response, Problem> {
    csv(&state, &caller, Report::Turnaround, &input).await
}

pub async fn commissions_csv(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Response, Problem> {
    csv(&state, &caller, Report::Commissions, &input).await
}

pub async fn fees_csv(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(input): QueryParams<PeriodInput>,
) -> Result<Response, Problem> {
    csv(&state, &caller, Report::Fees, &input).await
}

/// Each report at `/api/v1/reports/<name>` (JSON) and `/api/v1/reports/<name>.csv` (CSV).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    const NEED: crate::routes::Access = Tenant("reports:read");
    let invalid = [(422, "validation_failed")];
    let csv = |summary: &'static str| {
        Op::new(summary)
            .query::<PeriodInput>()
            .answer_as(200, "text/csv")
            .problems(&invalid)
    };
    routes
        .route(
            Method::GET,
            "/api/v1/reports/registrations",
            NEED,
            Op::new("registrations per month (created, SA time) by type and status, over a period of up to 36 months (the last 12 whole months and this one by default); `.csv` on the path for CSV")
                .query::<PeriodInput>()
                .ok::<RegistrationsReport>()
                .problems(&invalid),
            registrations,
        )
        .route(
            Method::GET,
            "/api/v1/reports/registrations.csv",
            NEED,
            csv("the registrations report as CSV: month, registration_kind, status, count"),
            registrations_csv,
        )
        .route(
            Method::GET,
            "/api/v1/reports/turnaround",
            NEED,
            Op::new("days from submission to approval per registration type (count, median, 90th percentile by linear interpolation, one decimal), over the registrations approved in the period; `.csv` on the path for CSV")
                .query::<PeriodInput>()
                .ok::<TurnaroundReport>()
                .problems(&invalid),
            turnaround,
        )
        .route(
            Method::GET,
            "/api/v1/reports/turnaround.csv",
            NEED,
            csv("the turnaround report as CSV: registration_kind, approved, median_days, p90_days (the last line `all`)"),
            turnaround_csv,
        )
        .route(
            Method::GET,
            "/api/v1/reports/commissions",
            NEED,
            Op::new("commission totals per agent and month earned, by status and currency, with each agent's totals over the period; `.csv` on the path for CSV")
                .query::<PeriodInput>()
                .ok::<CommissionsReport>()
                .problems(&invalid),
            commissions,
        )
        .route(
            Method::GET,
            "/api/v1/reports/commissions.csv",
            NEED,
            csv("the commissions report as CSV: one line per agent, month and currency, amounts as decimals"),
            commissions_csv,
        )
        .route(
            Method::GET,
            "/api/v1/reports/fees",
            NEED,
            Op::new("fees earned per month of approval and type: the agency's price in force on each registration's submission day, summed; registrations without a price counted apart; `.csv` on the path for CSV")
                .query::<PeriodInput>()
                .ok::<FeesReport>()
                .problems(&invalid),
            fees,
        )
        .route(
            Method::GET,
            "/api/v1/reports/fees.csv",
            NEED,
            csv("the fees report as CSV: month, registration_kind, price (set or no price set), currency, registrations, fees"),
            fees_csv,
        )
}
