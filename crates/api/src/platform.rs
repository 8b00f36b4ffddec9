//! The platform operators' API (`/api/v1/platform/*`), for `super_admin` and
//! `global_support`: the agencies, and the declared public holidays every agency's deadlines
//! count. More of the operator's console arrives with tenant lifecycle work.

use crate::auth::caller::Caller;
use crate::body::JsonBody;
use crate::practice::today;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::TenantId;
use comply360_domain::tenancy::{IsolationMode, ProvisioningState, TenantStatus, Tier};
use comply360_practice::holidays;
use comply360_practice::obligations::Recomputed;
use comply360_store::catalog;
use comply360_store::holidays::DeclaredHolidayRecord;
use serde::{Deserialize, Serialize};

/// An agency as the platform's operators see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TenantSummary {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub tier: Tier,
    pub mode: IsolationMode,
    /// Where it is in provisioning (`active` when it can be served).
    pub state: ProvisioningState,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/platform/tenants`: every agency with its placement and state.
pub async fn tenants(State(state): State<AppState>) -> Result<Json<Vec<TenantSummary>>, Problem> {
    let tenants = catalog::list_tenants(state.store.tenancy().catalog_pool()).await?;
    Ok(Json(
        tenants
            .into_iter()
            .map(|t| TenantSummary {
                id: t.id,
                slug: t.slug,
                name: t.name,
                status: t.status,
                tier: t.tier,
                mode: t.mode,
                state: t.placement.state,
                created_at: t.created_at,
            })
            .collect(),
    ))
}

/// A public holiday the President declared (Public Holidays Act s2A), beyond the Act's own.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeclaredHoliday {
    /// The day (YYYY-MM-DD). If it is a Sunday, the Monday after is a holiday too.
    pub date: NaiveDate,
    /// Why: "local government elections", "presidential decree".
    pub name: String,
    /// Who added it: `shipped` for the defaults, `platform_user:<id>` or `cli`.
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

impl From<DeclaredHolidayRecord> for DeclaredHoliday {
    fn from(r: DeclaredHolidayRecord) -> DeclaredHoliday {
        DeclaredHoliday {
            date: r.date,
            name: r.name,
            added_by: r.added_by,
            added_at: r.added_at,
        }
    }
}

/// A new declared holiday.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeclaredHoliday {
    /// The day (YYYY-MM-DD).
    pub date: NaiveDate,
    /// Why it is a holiday (1 to 200 characters).
    pub name: String,
}

/// What recomputing every agency's deadlines did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeadlinesRecomputed {
    /// Agencies whose deadlines were recomputed.
    pub agencies: usize,
    /// Open obligations whose due date moved.
    pub moved: usize,
    /// Agencies that failed (`slug: error`); the hourly sweep recomputes them.
    pub failed: Vec<String>,
}

impl From<Recomputed> for DeadlinesRecomputed {
    fn from(r: Recomputed) -> DeadlinesRecomputed {
        DeadlinesRecomputed {
            agencies: r.agencies,
            moved: r.moved,
            failed: r.failed,
        }
    }
}

/// A change of the declared holidays and what it moved.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HolidayChange {
    pub holiday: DeclaredHoliday,
    pub recomputed: DeadlinesRecomputed,
}

/// The audit log's name for the operator.
fn actor(caller: &Caller) -> String {
    format!("platform_user:{}", caller.actor())
}

/// `GET /api/v1/platform/holidays`: the declared holidays, by date.
pub async fn list_holidays(
    State(state): State<AppState>,
) -> Result<Json<Vec<DeclaredHoliday>>, Problem> {
    let list = holidays::list(&state.store).await?;
    Ok(Json(list.into_iter().map(DeclaredHoliday::from).collect()))
}

/// `POST /api/v1/platform/holidays`: declares a holiday; every agency's deadlines move.
pub async fn declare_holiday(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<NewDeclaredHoliday>,
) -> Result<(StatusCode, Json<HolidayChange>), Problem> {
    let holiday = holidays::parse(input.date, &input.name)?;
    let (record, recomputed) =
        holidays::declare(&state.store, &actor(&caller), &holiday, today()).await?;
    Ok((
        StatusCode::CREATED,
        Json(HolidayChange {
            holiday: record.into(),
            recomputed: recomputed.into(),
        }),
    ))
}

/// `DELETE /api/v1/platform/holidays/{date}`: withdraws a declared holiday; every agency's
/// deadlines move back.
pub async fn withdraw_holiday(
    State(state): State<AppState>,
    caller: Caller,
    Path(date): Path<String>,
) -> Result<Json<HolidayChange>, Problem> {
    let not_found = || {
        Problem::new(
            StatusCode::NOT_FOUND,
            "holiday_not_found",
            format!("{date} is not a declared holiday"),
        )
    };
    let Ok(on) = date.parse::<NaiveDate>() else {
        return Err(not_found());
    };
    let Some((record, recomputed)) =
        holidays::withdraw(&state.store, &actor(&caller), on, today()).await?
    else {
        return Err(not_found());
    };
    Ok(Json(HolidayChange {
        holiday: record.into(),
        recomputed: recomputed.into(),
    }))
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Platform;
    use crate::routes::Op;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/platform/tenants",
            Platform("platform:tenants:read"),
            Op::new("the agencies on the platform").ok_list::<TenantSummary>(),
            tenants,
        )
        .route(
            Method::GET,
            "/api/v1/platform/holidays",
            Platform("platform:holidays:read"),
            Op::new("the declared public holidays (beyond the Public Holidays Act's own)")
                .ok_list::<DeclaredHoliday>(),
            list_holidays,
        )
        .route(
            Method::POST,
            "/api/v1/platform/holidays",
            Platform("platform:holidays:manage"),
            Op::new("declare a public holiday; every agency's deadlines are recomputed")
                .body::<NewDeclaredHoliday>(
                    serde_json::json!({"date": "2029-05-09", "name": "national and provincial elections"}),
                )
                .created::<HolidayChange>()
                .problems(&[(422, "validation_failed"), (409, "holiday_exists")]),
            declare_holiday,
        )
        .route(
            Method::DELETE,
            "/api/v1/platform/holidays/{date}",
            Platform("platform:holidays:manage"),
            Op::new("withdraw a declared public holiday; every agency's deadlines are recomputed")
                .ok::<HolidayChange>()
                .problems(&[(404, "holiday_not_found")]),
            withdraw_holiday,
        )
}
