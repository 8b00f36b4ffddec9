//! The pay link's API, public (the link is the credential): `GET /api/v1/pay/{agency}/{token}`
//! shows what is due and how it can be paid; `POST …/checkout` starts paying with a provider
//! and answers where the browser goes next. The portal's pay page does the same for people.

use super::service;
use crate::body::JsonBody;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comply360_payments::invoices::{self, PayToken, Provider};
use comply360_payments::{CheckoutUrls, Started, providers};
use comply360_practice::PracticeError;
use comply360_store::Tenant;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use url::Url;

/// What a client sees of an invoice through its pay link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PayView {
    pub agency: String,
    pub number: Option<String>,
    /// issued, partially_paid, paid or void.
    pub status: String,
    pub currency: String,
    pub total_cents: i64,
    pub paid_cents: i64,
    pub due_cents: i64,
    pub due_on: Option<chrono::NaiveDate>,
    /// `payfast`, `stripe`: the ways this agency takes payments online.
    pub providers: Vec<Provider>,
}

async fn agency(state: &AppState, slug: &str) -> Result<Arc<Tenant>, Problem> {
    state
        .store
        .tenancy()
        .resolve(slug)
        .await
        .map_err(|_| link_not_found())
}

fn link_not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "pay_link_not_found",
        "this pay link is not valid (it may have been replaced by a newer one); ask the agency for a new link",
    )
}

fn not_found_is_link(e: PracticeError) -> Problem {
    match e {
        PracticeError::NotFound(_) => link_not_found(),
        other => other.into(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Json<PayView>, Problem> {
    let tenant = agency(&state, &slug).await?;
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let invoice = invoices::by_token(&mut tx, &PayToken::from_link(&token))
        .await
        .map_err(not_found_is_link)?;
    let providers = providers::enabled(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(PayView {
        agency: invoice
            .issuer
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or(tenant.name())
            .to_owned(),
        number: invoice.number,
        status: invoice.status.to_string(),
        currency: invoice.currency,
        total_cents: invoice.total_cents,
        paid_cents: invoice.paid_cents,
        due_cents: invoice.due_cents,
        due_on: invoice.due_on,
        providers,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutInput {
    /// `payfast` or `stripe`.
    #[schema(value_type = String, required)]
    pub provider: Option<String>,
}

/// Where the browser goes next: Stripe's page, or PayFast's form to post.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckoutAnswer {
    pub provider: Provider,
    /// Stripe: go here.
    pub redirect_url: Option<String>,
    /// PayFast: post these fields, in this order, to `form_action`.
    pub form_action: Option<String>,
    pub form_fields: Vec<(String, String)>,
}

/// The addresses a checkout gives the provider: back to the pay link, and PayFast's ITN.
pub fn checkout_urls(state: &AppState, slug: &str, token: &str) -> Result<CheckoutUrls, Problem> {
    let link = |path: String| {
        Url::parse(&state.identity.settings().portal_link(slug, &path)).map_err(|e| {
            tracing::error!(error = %e, "the portal URL setting does not make a URL");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the server's address is misconfigured",
            )
        })
    };
    Ok(CheckoutUrls {
        return_url: link(format!("/pay/{slug}/{token}?returned=1"))?,
        cancel_url: link(format!("/pay/{slug}/{token}?cancelled=1"))?,
        notify_url: link(format!("/api/v1/webhooks/payfast/{slug}"))?,
    })
}

pub async fn start(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
    JsonBody(input): JsonBody<CheckoutInput>,
) -> Result<Json<CheckoutAnswer>, Problem> {
    let payments = service(&state)?;
    let provider = match input.provider.as_deref().map(str::parse::<Provider>) {
        Some(Ok(p @ (Provider::Payfast | Provider::Stripe))) => p,
        _ => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the request has invalid fields",
            )
            .with_field("provider", "choose payfast or stripe"));
        }
    };
    let tenant = agency(&state, &slug).await?;
    let urls = checkout_urls(&state, &slug, &token)?;
    let started = payments
        .start_checkout(
            state.store.tenancy(),
            &tenant,
            &PayToken::from_link(&token),
            provider,
            &urls,
        )
        .await
        .map_err(not_found_is_link)?;
    Ok(Json(match started {
        Started::Stripe(url) => CheckoutAnswer {
            provider,
            redirect_url: Some(url.to_string()),
            form_action: None,
            form_fields: Vec::new(),
        },
        Started::PayFast(form) => CheckoutAnswer {
            provider,
            redirect_url: None,
            form_action: Some(form.action.to_string()),
            form_fields: form.fields,
        },
    }))
}

pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Public;
    use crate::routes::Op;
    use axum::http::Method;
    let gone = (404, "pay_link_not_found");
    routes
        .route(
            Method::GET,
            "/api/v1/pay/{agency}/{token}",
            Public,
            Op::new("what a pay link's invoice asks: the agency, number, amounts, due date and the ways to pay online")
                .ok::<PayView>()
                .problems(&[gone]),
            show,
        )
        .route(
            Method::POST,
            "/api/v1/pay/{agency}/{token}/checkout",
            Public,
            Op::new("start paying what is due with PayFast or Stripe: where the browser goes next (Stripe's page, or PayFast's signed form)")
                .body::<CheckoutInput>(json!({"provider": "stripe"}))
                .ok::<CheckoutAnswer>()
                .problems(&[gone, (422, "validation_failed"), (409, "not_payable"), (409, "provider_not_connected"), (409, "provider_unavailable"), (409, "currency_not_supported"), (503, "payments_unavailable")]),
            start,
        )
}
