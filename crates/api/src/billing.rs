//! Platform billing over HTTP. For an agency: its plan, what it uses of it, its platform
//! invoices and paying one online (`/api/v1/billing`, open while the agency is held, so it can
//! pay). For the operator: the invoices of every agency, the monthly run, enforcement, and
//! payments seen by hand (`/api/v1/platform/billing`). The platform's own Stripe webhook.

use crate::auth::caller::Caller;
use crate::body::JsonBody;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;
use comply360_domain::plans::Plan;
use comply360_payments::platform::PlatformBillingError;
use comply360_store::billing::{Enforced, PlatformInvoice, month_of};
use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;

/// What an agency uses of its plan.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Usage {
    /// Active and invited users.
    pub users: u64,
    pub registrations_this_month: u64,
    pub storage_bytes: u64,
}

/// A platform invoice as its agency and the operator see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlatformInvoiceView {
    pub number: String,
    pub slug: String,
    pub agency: String,
    pub period: NaiveDate,
    pub tier: String,
    pub amount_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    /// issued, paid or void.
    pub status: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
    pub payment_reference: Option<String>,
}

impl From<PlatformInvoice> for PlatformInvoiceView {
    fn from(i: PlatformInvoice) -> Self {
        PlatformInvoiceView {
            number: i.number,
            slug: i.slug,
            agency: i.agency,
            period: i.period,
            tier: i.tier,
            amount_cents: i.amount_cents,
            vat_cents: i.vat_cents,
            total_cents: i.total_cents,
            currency: i.currency,
            status: i.status,
            issued_on: i.issued_on,
            due_on: i.due_on,
            paid_at: i.paid_at,
            payment_reference: i.payment_reference,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BillingView {
    pub plan: Plan,
    pub usage: Usage,
    /// Since when changes are paused for an unpaid invoice (null: not held).
    pub hold_since: Option<chrono::DateTime<chrono::Utc>>,
    pub invoices: Vec<PlatformInvoiceView>,
    /// Whether invoices can be paid online here (the platform's Stripe is set up).
    pub online_payment: bool,
    /// Every plan, for comparing and upgrading.
    pub plans: Vec<Plan>,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BillingView>, Problem> {
    let tenant = caller.tenant()?;
    let users = state
        .identity
        .list_users(tenant)
        .await
        .map_err(|e| crate::problem::from_auth(&e))?
        .iter()
        .filter(|u| matches!(u.status.as_str(), "active" | "invited"))
        .count() as u64;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let registrations_this_month =
        comply360_practice::registrations::started_this_month(&mut tx).await?;
    let storage_bytes = comply360_documents::repo::stored_bytes(&mut tx)
        .await
        .map_err(comply360_store::StoreError::from)?;
    tx.commit().await?;
    let invoices = state.store.platform_invoices(Some(tenant.id())).await?;
    Ok(Json(BillingView {
        plan: Plan::of(tenant.record().tier).clone(),
        usage: Usage {
            users,
            registrations_this_month,
            storage_bytes,
        },
        hold_since: tenant.record().billing_hold_since,
        invoices: invoices.into_iter().map(Into::into).collect(),
        online_payment: state.platform_billing.online(),
        plans: Plan::all().to_vec(),
    }))
}

fn billing_problem(e: PlatformBillingError) -> Problem {
    match e {
        PlatformBillingError::NotConfigured => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "payments_unavailable",
            e.to_string(),
        ),
        PlatformBillingError::NotFound(_) => Problem::new(
            StatusCode::NOT_FOUND,
            "platform_invoice_not_found",
            e.to_string(),
        ),
        PlatformBillingError::Unavailable => {
            Problem::new(StatusCode::CONFLICT, "provider_unavailable", e.to_string())
        }
        PlatformBillingError::Refused(m) => {
            tracing::warn!(reason = %m, "platform Stripe notification refused");
            Problem::new(
                StatusCode::BAD_REQUEST,
                "signature_invalid",
                "the notification was not accepted",
            )
        }
        PlatformBillingError::Store(s) => s.into(),
    }
}

/// Where the browser goes to pay.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Redirect {
    pub redirect_url: String,
}

pub async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> Result<Json<Redirect>, Problem> {
    let tenant = caller.tenant()?;
    let back = |q: &str| {
        Url::parse(
            &state
                .identity
                .settings()
                .portal_link(tenant.slug(), &format!("/settings/plan?{q}")),
        )
        .map_err(|_| Problem::internal())
    };
    let url = state
        .platform_billing
        .checkout(
            &state.store,
            tenant.id(),
            &number,
            &back("paid=1")?,
            &back("cancelled=1")?,
        )
        .await
        .map_err(billing_problem)?;
    Ok(Json(Redirect {
        redirect_url: url.to_string(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlatformReceived {
    pub received: bool,
}

pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PlatformReceived>, Problem> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    state
        .platform_billing
        .receive(&state.store, &body, signature, chrono::Utc::now())
        .await
        .map_err(billing_problem)?;
    Ok(Json(PlatformReceived { received: true }))
}

pub async fn all_invoices(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<PlatformInvoiceView>>, Problem> {
    let invoices = state.store.platform_invoices(None).await?;
    Ok(Json(invoices.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunInput {
    /// Any day of the month to invoice (this month when left out).
    pub month: Option<NaiveDate>,
}

pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    body: Option<JsonBody<RunInput>>,
) -> Result<Json<Vec<PlatformInvoiceView>>, Problem> {
    let input = body.map(|JsonBody(b)| b).unwrap_or_default();
    let today = comply360_practice::reminders::sa_today();
    let period = month_of(input.month.unwrap_or(today));
    let made = state
        .store
        .issue_platform_invoices(period, today, &caller.principal.label())
        .await?;
    Ok(Json(made.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnforcedView {
    /// Agencies now held (changes paused).
    pub held: Vec<String>,
    /// Agencies released.
    pub released: Vec<String>,
}

pub async fn enforce(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<EnforcedView>, Problem> {
    let Enforced { held, released } = state
        .store
        .enforce_billing(
            comply360_practice::reminders::sa_today(),
            state.platform_billing.grace_days,
            &caller.principal.label(),
        )
        .await?;
    Ok(Json(EnforcedView { held, released }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// The bank statement's reference (or the provider's).
    #[schema(value_type = String, required)]
    pub reference: Option<String>,
}

pub async fn record_payment(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    JsonBody(input): JsonBody<PaymentInput>,
) -> Result<Json<PlatformInvoiceView>, Problem> {
    let paid = state
        .store
        .record_platform_payment(
            &number,
            input.reference.as_deref().unwrap_or(""),
            &caller.principal.label(),
            comply360_practice::reminders::sa_today(),
            state.platform_billing.grace_days,
        )
        .await
        .map_err(|e| match e {
            // The store's refusals of the request itself (an unknown number, no reference).
            comply360_store::StoreError::Invalid(m) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
            }
            other => other.into(),
        })?;
    Ok(Json(paid.into()))
}

pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::{Platform, Public, Tenant};
    use crate::routes::Op;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/api/v1/billing",
            Tenant("settings:manage"),
            Op::new("the agency's plan, what it uses of it, its platform invoices, whether changes are paused for an unpaid one, and every plan to compare")
                .ok::<BillingView>(),
            show,
        )
        .route(
            Method::POST,
            "/api/v1/billing/invoices/{number}/checkout",
            Tenant("settings:manage"),
            Op::new("pay a platform invoice online: where the browser goes (the platform's Stripe page); allowed while changes are paused")
                .ok::<Redirect>()
                .problems(&[(404, "platform_invoice_not_found"), (409, "provider_unavailable"), (503, "payments_unavailable")]),
            checkout,
        )
        .route(
            Method::POST,
            "/api/v1/platform/webhooks/stripe",
            Public,
            Op::new("the platform's own Stripe webhook: a paid session for a platform invoice marks it paid and releases a held agency")
                .body_as("application/json", r#"{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{}}}"#)
                .header("Stripe-Signature", "t=<unix time>,v1=<hex HMAC-SHA256>")
                .ok::<PlatformReceived>()
                .problems(&[(400, "signature_invalid"), (503, "payments_unavailable")]),
            webhook,
        )
        .route(
            Method::GET,
            "/api/v1/platform/billing/invoices",
            Platform("platform:tenants:read"),
            Op::new("every agency's platform invoices, newest first").ok_list::<PlatformInvoiceView>(),
            all_invoices,
        )
        .route(
            Method::POST,
            "/api/v1/platform/billing/run",
            Platform("platform:tenants:manage"),
            Op::new("invoice every active agency for a month at its plan's price (never twice for a month)")
                .optional_body::<RunInput>(json!({"month": "2026-12-01"}))
                .ok_list::<PlatformInvoiceView>(),
            run,
        )
        .route(
            Method::POST,
            "/api/v1/platform/billing/enforce",
            Platform("platform:tenants:manage"),
            Op::new("hold agencies unpaid past the grace period (changes pause), release those that paid")
                .ok::<EnforcedView>(),
            enforce,
        )
        .route(
            Method::POST,
            "/api/v1/platform/billing/invoices/{number}/payments",
            Platform("platform:tenants:manage"),
            Op::new("record a platform invoice paid by EFT (releases the agency if nothing else is overdue)")
                .body::<PaymentInput>(json!({"reference": "FNB 2026-12-05 KAROO"}))
                .ok::<PlatformInvoiceView>()
                .problems(&[(422, "invalid")]),
            record_payment,
        )
}
