//! Settings › Plan and billing (`settings:manage`): the agency's plan and what it uses of each
//! allowance, every plan to compare, its platform invoices, and — when changes are paused for
//! an unpaid one — the way out: paying online ("Pay now", to the platform's Stripe page) or by
//! EFT. The page reads what `GET /api/v1/billing` answers and pays through the API's own
//! checkout, so both say the same.
//!
//! Paying is the one change a held agency may make: the guard lets `/settings/plan/pay/...`
//! through, as the API lets `/api/v1/billing/` through.

use super::{page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use comply360_api::AppState;
use comply360_api::auth::caller::Caller;
use comply360_api::billing::{self, BillingView, PlatformInvoiceView};
use comply360_domain::plans::{Feature, Plan};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};

const GB: u64 = 1024 * 1024 * 1024;

/// Every feature a plan may include, in the order the comparison lists them.
const FEATURES: [Feature; 2] = [Feature::OdooSync, Feature::ApiKeys];

/// One allowance and what the agency uses of it.
#[derive(Serialize)]
struct Use {
    id: &'static str,
    label: &'static str,
    /// "2 of 3 users", "0.4 of 5 GB", "12 registrations (unlimited)".
    text: String,
    /// For the bar: used and the allowance in the same unit (None: unlimited, no bar).
    used: f64,
    allowed: Option<f64>,
    /// At or over the allowance: the next one is refused.
    full: bool,
}

/// Gigabytes with one decimal (two below 0.1, so a few documents do not read as nothing).
fn gb(bytes: u64) -> String {
    let g = bytes as f64 / GB as f64;
    if bytes == 0 {
        "0".to_owned()
    } else if g < 0.1 {
        format!("{g:.2}")
    } else {
        format!("{g:.1}").trim_end_matches(".0").to_owned()
    }
}

fn count(used: u64, allowed: Option<u64>, one: &str, many: &str) -> String {
    match allowed {
        Some(n) => format!("{used} of {n} {}", if n == 1 { one } else { many }),
        None => format!("{used} {} (no limit)", if used == 1 { one } else { many }),
    }
}

fn usage(b: &BillingView) -> Vec<Use> {
    let p = &b.plan;
    let u = &b.usage;
    let full = |used: u64, allowed: Option<u64>| allowed.is_some_and(|a| used >= a);
    vec![
        Use {
            id: "users",
            label: "Users",
            text: count(u.users, p.users, "user", "users"),
            used: u.users as f64,
            allowed: p.users.map(|a| a as f64),
            full: full(u.users, p.users),
        },
        Use {
            id: "registrations",
            label: "Registrations this month",
            text: count(
                u.registrations_this_month,
                p.registrations_per_month,
                "registration",
                "registrations",
            ),
            used: u.registrations_this_month as f64,
            allowed: p.registrations_per_month.map(|a| a as f64),
            full: full(u.registrations_this_month, p.registrations_per_month),
        },
        Use {
            id: "storage",
            label: "Document storage",
            text: match p.storage_bytes {
                Some(a) => format!("{} of {} GB", gb(u.storage_bytes), gb(a)),
                None => format!("{} GB (no limit)", gb(u.storage_bytes)),
            },
            used: u.storage_bytes as f64 / GB as f64,
            allowed: p.storage_bytes.map(|a| a as f64 / GB as f64),
            full: full(u.storage_bytes, p.storage_bytes),
        },
    ]
}

/// A plan as the comparison shows it.
#[derive(Serialize)]
struct Offer {
    name: &'static str,
    monthly: i64,
    users: String,
    registrations: String,
    storage: String,
    features: Vec<(&'static str, bool)>,
    current: bool,
}

fn offer(p: &Plan, current: &Plan) -> Offer {
    let or_unlimited = |n: Option<u64>| n.map_or("Unlimited".to_owned(), |n| n.to_string());
    Offer {
        name: p.name,
        monthly: p.monthly.0,
        users: or_unlimited(p.users),
        registrations: or_unlimited(p.registrations_per_month),
        storage: p
            .storage_bytes
            .map_or("Unlimited".to_owned(), |b| format!("{} GB", gb(b))),
        features: FEATURES
            .iter()
            .map(|f| (f.label(), p.includes(*f)))
            .collect(),
        current: p.tier == current.tier,
    }
}

/// The invoice that holds the agency: the oldest unpaid one.
fn overdue(invoices: &[PlatformInvoiceView]) -> Option<&PlatformInvoiceView> {
    invoices
        .iter()
        .filter(|i| i.status == "issued")
        .min_by_key(|i| i.due_on)
}

#[derive(Default, Deserialize)]
pub struct Back {
    /// Back from Stripe's page, paid (Stripe tells us separately; the page says so).
    paid: Option<String>,
    /// Back from Stripe's page without paying.
    cancelled: Option<String>,
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    caller: Caller,
    back: Back,
    refused: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let Json(b) = billing::show(State(state.clone()), caller).await?;
    let uses = usage(&b);
    let plans: Vec<Offer> = b.plans.iter().map(|p| offer(p, &b.plan)).collect();
    let held_by = b.hold_since.and(overdue(&b.invoices));
    let months: Vec<String> = b
        .invoices
        .iter()
        .map(|i| i.period.format("%B %Y").to_string())
        .collect();
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.0);
    let ctx = context! {
        plan => View::from(Serde(&b.plan)),
        features => b.plan.features.iter().map(|f| f.label()).collect::<Vec<_>>(),
        uses => View::from(Serde(&uses)),
        plans => View::from(Serde(&plans)),
        invoices => View::from(Serde(&b.invoices)),
        months,
        hold_since => b.hold_since.map(|t| t.to_rfc3339()),
        held_by => held_by.map(|i| View::from(Serde(i))),
        online => b.online_payment,
        unpaid => b.invoices.iter().any(|i| i.status == "issued"),
        paid => back.paid.is_some(),
        cancelled => back.cancelled.is_some(),
        refused => refused.map(|r| r.1),
    };
    let mut res = with_status(
        page(
            chrome,
            "settings/plan.html",
            "plan",
            "Plan and billing",
            ctx,
        ),
        status,
    );
    if let Ok(v) = HeaderValue::from_str(&policy(state)) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Ok(res)
}

/// The pages' policy, except that "Pay now" may go on to Stripe: our form is answered with a
/// redirect to Stripe's page, and the browser holds that redirect to `form-action` too.
fn policy(state: &AppState) -> String {
    let mut to = vec!["https://checkout.stripe.com".to_owned()];
    // A stand-in (demos, tests) serves its pages from its API's address; the platform's Stripe
    // is pointed at the same one as the agencies'.
    if let Some(p) = state.payments.as_ref() {
        let api = &p.endpoints().stripe_api;
        if api.host_str() != Some("api.stripe.com") {
            to.push(api.origin().ascii_serialization());
        }
    }
    crate::CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", to.join(" ")),
    )
}

/// `GET /settings/plan` (`?paid=1` / `?cancelled=1` back from Stripe's page).
pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    caller: Caller,
    Query(back): Query<Back>,
) -> Result<Response, PageError> {
    render(&state, chrome, caller, back, None).await
}

/// `POST /settings/plan/pay/{number}`: to the platform's Stripe page for the invoice; allowed
/// while changes are paused (paying is how they resume).
pub async fn pay(
    State(state): State<AppState>,
    chrome: Chrome,
    caller: Caller,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    // The page shown again on a refusal reads as the same caller.
    let again = Caller {
        principal: caller.principal.clone(),
        tenant: caller.tenant.clone(),
    };
    match billing::checkout(State(state.clone()), caller, Path(number)).await {
        Ok(Json(to)) => Ok(chrome.respond(Redirect::to(&to.redirect_url).into_response())),
        Err(p) if p.status == StatusCode::NOT_FOUND => Err(PageError::NotFound),
        Err(p) if p.status == StatusCode::SERVICE_UNAVAILABLE => {
            let why = "Paying online is not available on this server. Pay by EFT instead: contact the platform operator for the bank details and use the invoice number as the reference.".to_owned();
            render(
                &state,
                chrome,
                again,
                Back::default(),
                Some((p.status, why)),
            )
            .await
        }
        Err(p) if p.status.is_server_error() => Err(PageError::Problem(p)),
        Err(p) => {
            let why = format!(
                "Stripe could not start the payment ({}). Try again in a few minutes, or pay by EFT: contact the platform operator for the bank details.",
                p.detail
            );
            render(
                &state,
                chrome,
                again,
                Back::default(),
                Some((p.status, why)),
            )
            .await
        }
    }
}
