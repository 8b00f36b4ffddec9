//! Console › Billing: every agency's platform invoices, filtered by status; the agencies whose
//! changes are paused for an unpaid one, first; and the operator's actions — invoicing this
//! month, enforcing (hold those unpaid past the grace period, release those that paid) and
//! recording a payment seen on the bank statement. The store operations the API's
//! `/api/v1/platform/billing` and the CLI call, so a rule exists once.

use super::{MANAGE, actor, view};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::billing::PlatformInvoiceView;
use comply360_practice::reminders::sa_today;
use comply360_store::StoreError;
use comply360_store::billing::month_of;
use comply360_store::catalog;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The filters of the list, as the status select names them.
const STATUS_FILTERS: &[(&str, &str)] = &[
    ("", "Any status"),
    ("issued", "Unpaid"),
    ("overdue", "Overdue"),
    ("paid", "Paid"),
    ("void", "Void"),
];

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
}

/// An agency whose changes are paused.
#[derive(Serialize)]
struct Held {
    slug: String,
    name: String,
    since: String,
}

/// A payment form refused: which invoice, what was typed, why.
#[derive(Default)]
struct Refused {
    number: String,
    reference: String,
    message: String,
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    status: String,
    refused: Option<Refused>,
) -> Result<Response, PageError> {
    let today = sa_today();
    let all = state.store.platform_invoices(None).await?;
    let total = all.len();
    let invoices: Vec<PlatformInvoiceView> = all
        .into_iter()
        .filter(|i| match status.as_str() {
            "" => true,
            "overdue" => i.status == "issued" && i.due_on < today,
            s => i.status == s,
        })
        .map(Into::into)
        .collect();
    let months: Vec<String> = invoices
        .iter()
        .map(|i| i.period.format("%B %Y").to_string())
        .collect();
    let overdue: Vec<bool> = invoices
        .iter()
        .map(|i| i.status == "issued" && i.due_on < today)
        .collect();
    let held: Vec<Held> = catalog::list_tenants(state.store.tenancy().catalog_pool())
        .await?
        .into_iter()
        .filter_map(|t| {
            t.billing_hold_since.map(|since| Held {
                slug: t.slug,
                name: t.name,
                since: since.to_rfc3339(),
            })
        })
        .collect();
    let (code, title) = if refused.is_some() {
        (StatusCode::UNPROCESSABLE_ENTITY, "Error: Billing")
    } else {
        (StatusCode::OK, "Billing")
    };
    let refused = refused.unwrap_or_default();
    let ctx = context! {
        invoices => view(&invoices),
        months,
        overdue,
        total,
        held => view(&held),
        status,
        statuses => view(&STATUS_FILTERS),
        this_month => month_of(today).format("%B %Y").to_string(),
        grace_days => state.platform_billing.grace_days,
        can_manage => chrome.may(MANAGE),
        refused_number => refused.number,
        refused_reference => refused.reference,
        refused_message => refused.message,
    };
    let mut res = chrome.page("console/billing.html", "billing", title, ctx);
    *res.status_mut() = code;
    Ok(res)
}

/// `GET /billing`.
pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    page(&state, chrome, q.status.unwrap_or_default(), None).await
}

/// "acacia and baobab", "acacia, baobab and cedar".
fn names(slugs: &[String]) -> String {
    match slugs {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `POST /billing/run`: invoices every active agency for this month (never twice).
pub async fn run(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let today = sa_today();
    let period = month_of(today);
    let made = state
        .store
        .issue_platform_invoices(period, today, &actor(&chrome))
        .await?;
    let month = period.format("%B %Y");
    let notice = match made.len() {
        0 => format!(
            "Every active agency already has its invoice for {month}; nothing new was issued."
        ),
        n => format!(
            "{n} {} issued for {month}: {}.",
            if n == 1 { "invoice" } else { "invoices" },
            names(
                &made
                    .iter()
                    .map(|i| format!("{} ({})", i.number, i.slug))
                    .collect::<Vec<_>>()
            )
        ),
    };
    Ok(chrome.done("/billing", &notice))
}

/// `POST /billing/enforce`: holds the agencies unpaid past the grace period, releases those
/// that paid, and says which.
pub async fn enforce(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let e = state
        .store
        .enforce_billing(
            sa_today(),
            state.platform_billing.grace_days,
            &actor(&chrome),
        )
        .await?;
    let mut parts = Vec::new();
    if !e.held.is_empty() {
        parts.push(format!("Held (changes paused): {}.", names(&e.held)));
    }
    if !e.released.is_empty() {
        parts.push(format!("Released: {}.", names(&e.released)));
    }
    let notice = if parts.is_empty() {
        "Enforced: nobody was held or released; every agency is as it was.".to_owned()
    } else {
        format!("Enforced. {}", parts.join(" "))
    };
    Ok(chrome.done("/billing", &notice))
}

#[derive(Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    reference: String,
}

/// `POST /billing/{number}/payment`: an invoice paid by EFT, with the statement's reference;
/// releases the agency when nothing else of it is overdue.
pub async fn record_payment(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(number): Path<String>,
    Form(form): Form<PaymentForm>,
) -> Result<Response, PageError> {
    let reference = form.reference.trim();
    let refuse = |message: String| Refused {
        number: number.clone(),
        reference: form.reference.clone(),
        message,
    };
    if reference.is_empty() {
        let r = refuse(
            "Enter the reference on the bank statement (or the provider's payment id), so the payment can be traced."
                .to_owned(),
        );
        return page(&state, chrome, String::new(), Some(r)).await;
    }
    let paid = state
        .store
        .record_platform_payment(
            &number,
            reference,
            &actor(&chrome),
            sa_today(),
            state.platform_billing.grace_days,
        )
        .await;
    match paid {
        Ok(i) => {
            let held = catalog::tenant_by_slug(state.store.tenancy().catalog_pool(), &i.slug)
                .await?
                .and_then(|t| t.billing_hold_since)
                .is_some();
            let notice = if held {
                format!(
                    "{} is recorded as paid ({reference}). {} still has another overdue invoice, so its changes stay paused.",
                    i.number, i.slug
                )
            } else {
                format!(
                    "{} is recorded as paid ({reference}); {} can make changes.",
                    i.number, i.slug
                )
            };
            Ok(chrome.done("/billing", &notice))
        }
        // The store's refusals of the request itself (an invoice already paid, say).
        Err(StoreError::Invalid(m)) => {
            let r = refuse(m);
            page(&state, chrome, String::new(), Some(r)).await
        }
        Err(e) => Err(e.into()),
    }
}
