//! Settings › Payments (`payments:manage`): the agency's PayFast merchant and Stripe account
//! (secrets sealed on saving and never shown again), the addresses to give each provider, and
//! the latest notifications the providers sent, with what became of them. The same operations
//! as `/api/v1/payment-providers`.

use super::secret::Secret;
use super::{Refusal, page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::payments::settings::answer;
use comply360_api::problem::Problem;
use comply360_payments::invoices::Provider;
use comply360_payments::notifications::inbox;
use comply360_payments::providers::{self, PayfastInput, StripeInput};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many notifications the delivery log shows.
const RECENT: i64 = 20;

/// What a refused form shows again (never a secret).
#[derive(Default, Serialize)]
struct Shown {
    form: &'static str,
    merchant_id: String,
    merchant_key: String,
    sandbox: bool,
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    refused: Option<(Shown, Refusal)>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let view = providers::get(&mut tx).await?;
    let recent = inbox::recent(&mut tx, RECENT)
        .await
        .map_err(|e| PageError::from(comply360_store::StoreError::from(e)))?;
    tx.commit().await?;
    let notifications: Vec<_> = recent
        .iter()
        .map(|n| {
            context! {
                provider => if n.provider == "payfast" { "PayFast" } else { "Stripe" },
                kind => n.kind.clone(),
                state => n.state.clone(),
                outcome => n.outcome.clone(),
                deliveries => n.deliveries,
            }
        })
        .collect();
    let a = answer(state, tenant.slug(), view);
    let (shown, refusal) = match refused {
        Some((s, r)) => (Some(s), Some(r)),
        None => (None, None),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let title = if summary.is_some() {
        "Error: Payments"
    } else {
        "Payments"
    };
    let ctx = context! {
        p => View::from(Serde(&a)),
        shown => shown.map(|s| View::from(Serde(s))),
        notifications,
        errors, summary,
        ready => state.payments.is_some(),
    };
    Ok(with_status(
        page(chrome, "settings/payments.html", "payments", title, ctx),
        status,
    ))
}

/// `GET /settings/payments`.
pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, None).await
}

#[derive(Default, Deserialize)]
pub struct PayfastForm {
    // The fields are named for their form: the page has two, and ids are unique.
    #[serde(default, rename = "payfast-merchant_id")]
    merchant_id: String,
    #[serde(default, rename = "payfast-merchant_key")]
    merchant_key: String,
    #[serde(default, rename = "payfast-passphrase")]
    passphrase: Secret,
    /// A checkbox: present when ticked.
    #[serde(default)]
    sandbox: Option<String>,
}

/// `POST /settings/payments/payfast`.
pub async fn save_payfast(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<PayfastForm>,
) -> Result<Response, PageError> {
    let passphrase = form.passphrase.expose().trim();
    let input = PayfastInput {
        merchant_id: Some(form.merchant_id.clone()),
        merchant_key: Some(form.merchant_key.clone()),
        // Empty: keep the stored passphrase (it is never shown, so the field is always empty).
        passphrase: (!passphrase.is_empty()).then(|| passphrase.to_owned()),
        sandbox: Some(form.sandbox.is_some()),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match providers::put_payfast(&mut tx, &state.identity, chrome.actor(), &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/payments",
                "PayFast is connected: clients can pay with it from their pay links.",
            ))
        }
        Err(e) => {
            drop(tx);
            let refusal = Refusal::of(Problem::from(e))?;
            let shown = Shown {
                form: "payfast",
                merchant_id: form.merchant_id,
                merchant_key: form.merchant_key,
                sandbox: form.sandbox.is_some(),
            };
            render(&state, chrome, Some((shown, refusal))).await
        }
    }
}

#[derive(Default, Deserialize)]
pub struct StripeForm {
    #[serde(default, rename = "stripe-secret_key")]
    secret_key: Secret,
    #[serde(default, rename = "stripe-webhook_secret")]
    webhook_secret: Secret,
}

/// `POST /settings/payments/stripe`.
pub async fn save_stripe(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<StripeForm>,
) -> Result<Response, PageError> {
    // Empty: keep the stored secret (neither is ever shown).
    let given = |s: &Secret| {
        let t = s.expose().trim();
        (!t.is_empty()).then(|| t.to_owned())
    };
    let input = StripeInput {
        secret_key: given(&form.secret_key),
        webhook_secret: given(&form.webhook_secret),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match providers::put_stripe(&mut tx, &state.identity, chrome.actor(), &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/payments",
                "Stripe is connected: clients can pay by card from their pay links.",
            ))
        }
        Err(e) => {
            drop(tx);
            let refusal = Refusal::of(Problem::from(e))?;
            let shown = Shown {
                form: "stripe",
                ..Shown::default()
            };
            render(&state, chrome, Some((shown, refusal))).await
        }
    }
}

/// `POST /settings/payments/{provider}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(provider): Path<String>,
) -> Result<Response, PageError> {
    let (provider, name) = match provider.parse::<Provider>() {
        Ok(p @ Provider::Payfast) => (p, "PayFast"),
        Ok(p @ Provider::Stripe) => (p, "Stripe"),
        _ => return Err(PageError::NotFound),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    providers::remove(&mut tx, chrome.actor(), provider).await?;
    tx.commit().await?;
    Ok(chrome.done(
        "/settings/payments",
        &format!("{name} is disconnected: clients can no longer pay with it."),
    ))
}
