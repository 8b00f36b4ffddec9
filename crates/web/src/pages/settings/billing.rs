//! Settings › Billing (`payments:manage`): the agency as its invoices show it (legal name,
//! address, contact, bank details, VAT vendor and number, payment terms, numbering). The same
//! operation as `PUT /api/v1/billing-settings`; a refusal is shown beside its field.

use super::{Refusal, page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_payments::billing::{self, BillingInput};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The form as typed (and shown again when refused).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct BillingForm {
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    bank_details: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    vat_vendor: Option<String>,
    #[serde(default)]
    vat_number: String,
    #[serde(default)]
    terms_days: String,
    #[serde(default)]
    invoice_prefix: String,
    #[serde(default)]
    credit_note_prefix: String,
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    refused: Option<(BillingForm, Refusal)>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let stored = billing::get(&mut tx).await?;
    tx.commit().await?;
    let (values, refusal) = match refused {
        Some((form, r)) => (form, Some(r)),
        None => (
            BillingForm {
                legal_name: stored.legal_name.clone().unwrap_or_default(),
                address: stored.address.clone().unwrap_or_default(),
                email: stored.email.clone().unwrap_or_default(),
                phone: stored.phone.clone().unwrap_or_default(),
                bank_details: stored.bank_details.clone().unwrap_or_default(),
                vat_vendor: stored.vat_vendor.then(|| "1".to_owned()),
                vat_number: stored.vat_number.clone().unwrap_or_default(),
                terms_days: stored.terms_days.to_string(),
                invoice_prefix: stored.invoice_prefix.clone(),
                credit_note_prefix: stored.credit_note_prefix.clone(),
            },
            None,
        ),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let title = if summary.is_some() {
        "Error: Billing"
    } else {
        "Billing"
    };
    let ctx = context! { values => View::from(Serde(&values)), errors, summary };
    Ok(with_status(
        page(chrome, "settings/billing.html", "billing", title, ctx),
        status,
    ))
}

/// `GET /settings/billing`.
pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, None).await
}

fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

/// `POST /settings/billing`.
pub async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<BillingForm>,
) -> Result<Response, PageError> {
    let terms = form.terms_days.trim();
    let terms_days = if terms.is_empty() {
        None
    } else {
        match terms.parse::<u16>() {
            Ok(n) => Some(n),
            Err(_) => {
                let refusal =
                    Refusal::of(Problem::from(comply360_payments::PracticeError::field(
                        "terms_days",
                        "enter a whole number of days between 0 and 120",
                    )))?;
                return render(&state, chrome, Some((form, refusal))).await;
            }
        }
    };
    let input = BillingInput {
        legal_name: text(&form.legal_name),
        address: text(&form.address),
        email: text(&form.email),
        phone: text(&form.phone),
        bank_details: text(&form.bank_details),
        vat_vendor: Some(form.vat_vendor.is_some()),
        vat_number: text(&form.vat_number),
        terms_days,
        invoice_prefix: Some(form.invoice_prefix.clone()).filter(|p| !p.trim().is_empty()),
        credit_note_prefix: Some(form.credit_note_prefix.clone()).filter(|p| !p.trim().is_empty()),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match billing::put(&mut tx, chrome.actor(), &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/billing",
                "Billing details saved. Invoices issued from now on show them.",
            ))
        }
        Err(e) => {
            drop(tx);
            let refusal = Refusal::of(Problem::from(e))?;
            render(&state, chrome, Some((form, refusal))).await
        }
    }
}
