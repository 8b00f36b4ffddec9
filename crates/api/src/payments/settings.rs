//! `/api/v1/billing-settings` and `/api/v1/payment-providers`: the agency as its invoices
//! show it, and its PayFast and Stripe accounts (secrets sealed, never shown again).

use crate::auth::caller::Caller;
use crate::body::JsonBody;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use comply360_payments::billing::{self, BillingInput, BillingSettings};
use comply360_payments::invoices::Provider;
use comply360_payments::providers::{self, PayfastInput, ProvidersView, StripeInput};
use comply360_practice::PracticeError;
use serde::Serialize;
use serde_json::json;

pub async fn get_billing(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BillingSettings>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = billing::get(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(s))
}

pub async fn put_billing(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<BillingInput>,
) -> Result<Json<BillingSettings>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let s = billing::put(&mut tx, caller.actor(), &input).await?;
    tx.commit().await?;
    Ok(Json(s))
}

/// The providers and the addresses to give them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProvidersAnswer {
    #[serde(flatten)]
    pub providers: ProvidersView,
    /// The endpoint to add in Stripe (Developers › Webhooks), for
    /// `checkout.session.completed`, `checkout.session.async_payment_succeeded` and
    /// `checkout.session.async_payment_failed`.
    pub stripe_webhook_url: String,
    /// Where PayFast posts its notifications (sent with each checkout).
    pub payfast_notify_url: String,
}

pub fn answer(state: &AppState, slug: &str, providers: ProvidersView) -> ProvidersAnswer {
    let link = |p: &str| {
        state
            .identity
            .settings()
            .portal_link(slug, &format!("/api/v1/webhooks/{p}/{slug}"))
    };
    ProvidersAnswer {
        providers,
        stripe_webhook_url: link("stripe"),
        payfast_notify_url: link("payfast"),
    }
}

pub async fn get_providers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ProvidersAnswer>, Problem> {
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let view = providers::get(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(answer(&state, tenant.slug(), view)))
}

pub async fn put_payfast(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<PayfastInput>,
) -> Result<Json<ProvidersAnswer>, Problem> {
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let view = providers::put_payfast(&mut tx, &state.identity, caller.actor(), &input).await?;
    tx.commit().await?;
    Ok(Json(answer(&state, tenant.slug(), view)))
}

pub async fn put_stripe(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<StripeInput>,
) -> Result<Json<ProvidersAnswer>, Problem> {
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let view = providers::put_stripe(&mut tx, &state.identity, caller.actor(), &input).await?;
    tx.commit().await?;
    Ok(Json(answer(&state, tenant.slug(), view)))
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(provider): Path<String>,
) -> Result<Json<ProvidersAnswer>, Problem> {
    let provider = match provider.parse::<Provider>() {
        Ok(p @ (Provider::Payfast | Provider::Stripe)) => p,
        _ => return Err(PracticeError::NotFound("payment provider").into()),
    };
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let view = providers::remove(&mut tx, caller.actor(), provider).await?;
    tx.commit().await?;
    Ok(Json(answer(&state, tenant.slug(), view)))
}

pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    let invalid = (422, "validation_failed");
    routes
        .route(
            Method::GET,
            "/api/v1/billing-settings",
            Tenant("invoices:read"),
            Op::new("the agency as its invoices show it: name, address, bank details, VAT vendor and number, terms, numbering")
                .ok::<BillingSettings>(),
            get_billing,
        )
        .route(
            Method::PUT,
            "/api/v1/billing-settings",
            Tenant("payments:manage"),
            Op::new("set the agency's billing details (a VAT vendor must give its VAT number)")
                .body::<BillingInput>(json!({"legal_name": "Karoo Corporate Services (Pty) Ltd", "vat_vendor": true, "vat_number": "4123456789", "terms_days": 7, "bank_details": "FNB 62000000000, branch 250655"}))
                .ok::<BillingSettings>()
                .problems(&[invalid]),
            put_billing,
        )
        .route(
            Method::GET,
            "/api/v1/payment-providers",
            Tenant("payments:manage"),
            Op::new("the agency's PayFast and Stripe accounts (secrets only as set or not) and the webhook addresses to give them")
                .ok::<ProvidersAnswer>(),
            get_providers,
        )
        .route(
            Method::PUT,
            "/api/v1/payment-providers/payfast",
            Tenant("payments:manage"),
            Op::new("connect the agency's PayFast merchant (passphrase sealed; sandbox until you go live)")
                .body::<PayfastInput>(json!({"merchant_id": "10000100", "merchant_key": "46f0cd694581a", "passphrase": "jt7NOE43FZPn", "sandbox": true}))
                .ok::<ProvidersAnswer>()
                .problems(&[invalid]),
            put_payfast,
        )
        .route(
            Method::PUT,
            "/api/v1/payment-providers/stripe",
            Tenant("payments:manage"),
            Op::new("connect the agency's Stripe account (secret key and webhook signing secret, sealed)")
                .body::<StripeInput>(json!({"secret_key": "sk_test_51Example", "webhook_secret": "whsec_example"}))
                .ok::<ProvidersAnswer>()
                .problems(&[invalid]),
            put_stripe,
        )
        .route(
            Method::DELETE,
            "/api/v1/payment-providers/{provider}",
            Tenant("payments:manage"),
            Op::new("disconnect PayFast or Stripe")
                .ok::<ProvidersAnswer>()
                .problems(&[(404, "payment_provider_not_found")]),
            remove,
        )
}
