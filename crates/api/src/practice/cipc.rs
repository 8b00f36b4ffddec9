//! CIPC company lookup: an agency stores its own CIPC API credentials (the password and the
//! subscription key sealed under the master key, bound to the agency), and agents prefill an
//! existing company's profile, directors and filing history from CIPC's read-only API.

use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use comply360_integrations::{
    CallError, CipcClient, CipcConfig, CipcCredentials, CipcError, CompanyPrefill,
};
use comply360_store::Tenant;
use comply360_store::repo::settings;
use serde::Deserialize;
use serde_json::json;

const KEY: &str = "integrations.cipc";
const DEFAULT_BASE_URL: &str = "https://api.cipc.co.za";

fn context(tenant: &Tenant, what: &str) -> Vec<u8> {
    format!("cipc:{what}:{}", tenant.id()).into_bytes()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CipcSettingsInput {
    /// CIPC's API address; https://api.cipc.co.za when left out.
    pub base_url: Option<String>,
    /// From the CIPC developer portal, like the three below (at most 500 characters each).
    #[schema(value_type = String, required)]
    pub client_id: Option<String>,
    #[schema(value_type = String, required)]
    pub username: Option<String>,
    /// Sealed under the master key; never shown again.
    #[schema(value_type = String, required)]
    pub password: Option<String>,
    /// Sealed under the master key; never shown again.
    #[schema(value_type = String, required)]
    pub subscription_key: Option<String>,
    #[serde(default)]
    pub scope: String,
}

/// The stored CIPC settings as an administrator sees them: the secrets only as "(set)".
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CipcSettingsView {
    pub base_url: String,
    pub client_id: String,
    pub username: String,
    pub scope: String,
    /// Always "(set)": the password is sealed and never shown.
    pub password: &'static str,
    /// Always "(set)".
    pub subscription_key: &'static str,
}

/// `PUT /api/v1/integrations/cipc`: the agency's CIPC API credentials.
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CipcSettingsInput>,
) -> Result<Json<CipcSettingsView>, Problem> {
    Ok(Json(save_settings(&state, caller.tenant()?, body).await?))
}

/// Checks and stores `tenant`'s CIPC credentials, the secrets sealed (also the portal's
/// settings page, so both say the same about a field).
pub async fn save_settings(
    state: &AppState,
    tenant: &Tenant,
    body: CipcSettingsInput,
) -> Result<CipcSettingsView, Problem> {
    let mut errors: Vec<(&str, &str)> = Vec::new();
    let base_url = body.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    if !url::Url::parse(&base_url).is_ok_and(|u| matches!(u.scheme(), "https" | "http")) {
        errors.push((
            "base_url",
            "must be an http(s) URL, e.g. https://api.cipc.co.za",
        ));
    }
    let mut required = |field: &'static str, v: &Option<String>| -> String {
        match v
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 500)
        {
            Some(s) => s.to_owned(),
            None => {
                errors.push((
                    field,
                    "is required (at most 500 characters), from the CIPC developer portal",
                ));
                String::new()
            }
        }
    };
    let client_id = required("client_id", &body.client_id);
    let username = required("username", &body.username);
    let password = required("password", &body.password);
    let subscription_key = required("subscription_key", &body.subscription_key);
    if !errors.is_empty() {
        let mut problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the CIPC settings have invalid fields",
        );
        for (field, message) in errors {
            problem = problem.with_field(field, message);
        }
        return Err(problem);
    }
    let shown = CipcSettingsView {
        base_url: base_url.clone(),
        client_id: client_id.clone(),
        username: username.clone(),
        scope: body.scope.trim().to_owned(),
        password: "(set)",
        subscription_key: "(set)",
    };
    let value = json!({
        "base_url": base_url,
        "client_id": client_id,
        "username": username,
        "scope": body.scope.trim(),
        "password_sealed": STANDARD.encode(state.identity.seal(password.as_bytes(), &context(tenant, "password"))),
        "subscription_key_sealed": STANDARD.encode(state.identity.seal(subscription_key.as_bytes(), &context(tenant, "subscription_key"))),
        "set_at": chrono::Utc::now(),
    });
    let mut tx = state.store.tenancy().begin(tenant).await?;
    settings::put(&mut tx, KEY, &value).await?;
    tx.commit().await?;
    Ok(shown)
}

/// The stored credentials as an administrator may see them: no secret, only when they were set.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CipcStored {
    pub base_url: String,
    pub client_id: String,
    pub username: String,
    pub scope: String,
    /// When they were last set (absent for credentials stored before this was recorded).
    pub set_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `tenant`'s stored CIPC credentials, without the secrets; None when there are none.
pub async fn stored_settings(
    state: &AppState,
    tenant: &Tenant,
) -> Result<Option<CipcStored>, Problem> {
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let value = settings::get(&mut tx, KEY).await?;
    tx.commit().await?;
    Ok(value.map(|v| {
        let text = |field: &str| v[field].as_str().unwrap_or_default().to_owned();
        CipcStored {
            base_url: text("base_url"),
            client_id: text("client_id"),
            username: text("username"),
            scope: text("scope"),
            set_at: serde_json::from_value(v["set_at"].clone()).ok(),
        }
    }))
}

/// Removes `tenant`'s CIPC credentials (lookups then say CIPC is not set up); whether there
/// were any.
pub async fn clear_settings(state: &AppState, tenant: &Tenant) -> Result<bool, Problem> {
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let removed = settings::delete(&mut tx, KEY).await?;
    tx.commit().await?;
    Ok(removed)
}

/// The agency's CIPC client, or why there is none.
async fn client(state: &AppState, tenant: &Tenant) -> Result<CipcClient, Problem> {
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let stored = settings::get_many(&mut tx, &[KEY]).await?;
    tx.commit().await?;
    let not_configured = || {
        Problem::new(
            StatusCode::CONFLICT,
            "cipc_not_configured",
            "CIPC lookup is not set up for your agency: an administrator enters the CIPC API credentials at PUT /api/v1/integrations/cipc",
        )
    };
    let Some((_, v)) = stored.into_iter().next() else {
        return Err(not_configured());
    };
    let open = |field: &str, what: &str| -> Option<String> {
        let sealed = STANDARD.decode(v[field].as_str()?).ok()?;
        String::from_utf8(state.identity.open(&sealed, &context(tenant, what))?).ok()
    };
    let (Some(password), Some(subscription_key)) = (
        open("password_sealed", "password"),
        open("subscription_key_sealed", "subscription_key"),
    ) else {
        tracing::error!(tenant = %tenant.slug(), "stored CIPC secrets do not open (master key changed?)");
        return Err(not_configured());
    };
    let base_url = v["base_url"]
        .as_str()
        .and_then(|u| url::Url::parse(u).ok())
        .ok_or_else(not_configured)?;
    let text = |field: &str| v[field].as_str().unwrap_or_default().to_owned();
    Ok(CipcClient::new(
        CipcConfig::new(base_url),
        CipcCredentials {
            client_id: text("client_id"),
            username: text("username"),
            password,
            subscription_key,
            scope: text("scope"),
        },
        reqwest::Client::new(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LookupQuery {
    /// The company's enterprise (registration) number, e.g. `K2015/255566/07` or `2015/255566/07`.
    enterprise_number: String,
}

/// `GET /api/v1/companies/lookup?enterprise_number=K2015/255566/07`: what CIPC knows, to
/// prefill a company (its profile, directors, filing history and beneficial owners).
pub async fn lookup(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<LookupQuery>,
) -> Result<Json<CompanyPrefill>, Problem> {
    let tenant = caller.tenant()?.clone();
    let client = client(&state, &tenant).await?;
    let number = q.enterprise_number.trim().to_owned();
    let result = state
        .resilience
        .call(tenant.id(), "cipc", || client.prefill(&number))
        .await;
    match result {
        Ok(prefill) => Ok(Json(prefill)),
        Err(CallError::Failed(e)) => Err(match &e {
            CipcError::InvalidEnterpriseNumber { .. } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the enterprise number is invalid",
            )
            .with_field("enterprise_number", e.public_message()),
            CipcError::NotFound { .. } => Problem::new(
                StatusCode::NOT_FOUND,
                "cipc_company_not_found",
                e.public_message(),
            ),
            CipcError::Unauthorized { .. }
            | CipcError::Forbidden { .. }
            | CipcError::Config { .. } => {
                tracing::warn!(error = %e, tenant = %tenant.slug(), "CIPC lookup refused");
                Problem::new(StatusCode::BAD_GATEWAY, "cipc_refused", e.public_message())
            }
            _ => {
                tracing::warn!(error = %e, tenant = %tenant.slug(), "CIPC lookup failed");
                Problem::new(StatusCode::BAD_GATEWAY, "cipc_failed", e.public_message())
            }
        }),
        Err(other) => Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "cipc_unavailable",
            other.to_string(),
        )),
    }
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/companies/lookup",
            Tenant("clients:read"),
            Op::new("prefill a company from CIPC (enterprise_number)")
                .query::<LookupQuery>()
                .ok::<CompanyPrefill>()
                .problems(&[
                    (404, "cipc_company_not_found"),
                    (409, "cipc_not_configured"),
                    (422, "validation_failed"),
                    (502, "cipc_failed"),
                    (502, "cipc_refused"),
                    (503, "cipc_unavailable"),
                ]),
            lookup,
        )
        .route(
            Method::PUT,
            "/api/v1/integrations/cipc",
            Tenant("settings:manage"),
            Op::new("the agency's CIPC API credentials (secrets sealed)")
                .body::<CipcSettingsInput>(json!({
                    "base_url": "https://api.cipc.co.za", "client_id": "karoo-agency",
                    "username": "filings@karoo.example", "password": "cipc-portal-password",
                    "subscription_key": "8f14e45fceea167a5a36dedd4bea2543", "scope": "companies.read"
                }))
                .ok::<CipcSettingsView>()
                .problems(&[(422, "validation_failed")]),
            put_settings,
        )
}
