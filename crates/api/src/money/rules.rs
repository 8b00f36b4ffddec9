//! `/api/v1/prices`, `/api/v1/commission-rules` and `/api/v1/commission-settings`: what the
//! agency charges per registration type, what its agents earn, and when.

use super::super::practice::{path_id, today};
use crate::auth::caller::Caller;
use crate::body::JsonBody;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comply360_money::prices::{self, Price, PriceInput};
use comply360_money::rules::{self, EndInput, Rule, RuleInput};
use comply360_money::settings::{self, CommissionSettings, SettingsInput};
use serde_json::json;

pub async fn list_prices(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Price>>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let list = prices::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(list))
}

pub async fn set_price(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<PriceInput>,
) -> Result<(StatusCode, Json<Price>), Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let price = prices::set(&mut tx, caller.actor(), &input, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(price)))
}

pub async fn withdraw_price(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = path_id(&id, "price")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    prices::withdraw(&mut tx, caller.actor(), id, today()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_rules(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Rule>>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let list = rules::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(list))
}

pub async fn create_rule(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<RuleInput>,
) -> Result<(StatusCode, Json<Rule>), Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let rule = rules::create(&mut tx, caller.actor(), &input, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

pub async fn end_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<EndInput>,
) -> Result<Json<Rule>, Problem> {
    let id = path_id(&id, "commission rule")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let rule = rules::end(&mut tx, caller.actor(), id, &input).await?;
    tx.commit().await?;
    Ok(Json(rule))
}

pub async fn delete_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = path_id(&id, "commission rule")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    rules::delete(&mut tx, caller.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CommissionSettings>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = settings::get(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(s))
}

pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<SettingsInput>,
) -> Result<Json<CommissionSettings>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = settings::put(&mut tx, caller.actor(), &input).await?;
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
            "/api/v1/prices",
            Tenant("commissions:read_own"),
            Op::new("the agency's prices per registration type, with the days they apply from").ok_list::<Price>(),
            list_prices,
        )
        .creating(
            "/api/v1/prices",
            Tenant("commissions:manage"),
            Op::new("set a registration type's price from a day (today or later)")
                .body::<PriceInput>(json!({"kind": "za_private_company", "amount_cents": 150000, "currency": "ZAR", "effective_from": "2027-01-01"}))
                .created::<Price>()
                .problems(&[invalid]),
            set_price,
        )
        .route(
            Method::DELETE,
            "/api/v1/prices/{id}",
            Tenant("commissions:manage"),
            Op::new("withdraw a price that is not yet in force")
                .no_content()
                .problems(&[(404, "price_not_found"), (409, "price_in_force")]),
            withdraw_price,
        )
        .route(
            Method::GET,
            "/api/v1/commission-rules",
            Tenant("commissions:read_own"),
            Op::new("the agency's commission rules").ok_list::<Rule>(),
            list_rules,
        )
        .creating(
            "/api/v1/commission-rules",
            Tenant("commissions:manage"),
            Op::new("add a commission rule: a percentage of the fee or a fixed amount, for a type or all, for an agent or all, between dates")
                .body::<RuleInput>(json!({"kind": "za_private_company", "basis": "percentage", "rate_bp": 1250, "rounding": "half_even", "effective_from": "2027-01-01"}))
                .created::<Rule>()
                .problems(&[invalid, (409, "rule_overlaps")]),
            create_rule,
        )
        .route(
            Method::POST,
            "/api/v1/commission-rules/{id}/end",
            Tenant("commissions:manage"),
            Op::new("end a rule on a day (commissions it produced keep their calculation)")
                .body::<EndInput>(json!({"last_day": "2027-06-30"}))
                .ok::<Rule>()
                .problems(&[invalid, (404, "commission_rule_not_found")]),
            end_rule,
        )
        .route(
            Method::DELETE,
            "/api/v1/commission-rules/{id}",
            Tenant("commissions:manage"),
            Op::new("delete a rule that has produced no commission")
                .no_content()
                .problems(&[(404, "commission_rule_not_found"), (409, "rule_in_use")]),
            delete_rule,
        )
        .route(
            Method::GET,
            "/api/v1/commission-settings",
            Tenant("commissions:read_own"),
            Op::new("when a registration earns its agent a commission").ok::<CommissionSettings>(),
            get_settings,
        )
        .route(
            Method::PUT,
            "/api/v1/commission-settings",
            Tenant("commissions:manage"),
            Op::new("choose when a registration earns its agent a commission: approved or completed")
                .body::<SettingsInput>(json!({"trigger": "completed"}))
                .ok::<CommissionSettings>()
                .problems(&[invalid]),
            put_settings,
        )
}
