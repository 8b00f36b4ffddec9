//! The client's pay page (`/pay/{agency}/{token}`): public, because the link the agency sent
//! is the credential. It shows what the invoice is for and what is due, and pays it through
//! the agency's providers (Stripe's hosted page, PayFast's signed form); back from the
//! provider it confirms the payment (or says it is still being confirmed), shows the receipt
//! and offers the invoice and receipt as PDFs. The same payments operations as the API's
//! `/api/v1/pay/{agency}/{token}` routes.
//!
//! These pages are served on whatever host the link names (the agency's, or the portal's own
//! address), so the agency comes from the path, never from the host; the chrome supplies only
//! the CSRF token (a public form, as sign-in's).

use super::invoices::{party_of, pdf_response};
use crate::chrome::Chrome;
use crate::errors::PageError;
use crate::templates;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use comply360_api::AppState;
use comply360_api::payments::checkout::checkout_urls;
use comply360_payments::invoices::model::{Invoice, InvoiceDetail, InvoiceStatus};
use comply360_payments::invoices::{self, PayToken, Provider};
use comply360_payments::{PracticeError, Started, pdf, providers};
use comply360_store::Tenant;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::Deserialize;
use std::sync::Arc;

/// How often the "confirming" page looks again, in seconds.
const RECHECK_SECONDS: u32 = 5;

#[derive(Debug, Default, Deserialize)]
pub struct PayQuery {
    #[serde(default)]
    returned: Option<String>,
    #[serde(default)]
    cancelled: Option<String>,
}

/// What brought the client to the page, beyond the link itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arrival {
    Plain,
    Returned,
    Cancelled,
}

/// An invoice a pay link opens, with its agency.
struct Opened {
    tenant: Arc<Tenant>,
    detail: InvoiceDetail,
    providers: Vec<Provider>,
}

/// Why a link opens nothing: unknown, replaced, or the invoice was cancelled.
enum Closed {
    Unknown,
    Void,
}

async fn open(
    state: &AppState,
    slug: &str,
    token: &str,
) -> Result<Result<Opened, Closed>, PageError> {
    let Ok(tenant) = state.store.tenancy().resolve(slug).await else {
        return Ok(Err(Closed::Unknown));
    };
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let invoice = match invoices::by_token(&mut tx, &PayToken::from_link(token)).await {
        Ok(i) => i,
        Err(PracticeError::NotFound(_)) => return Ok(Err(Closed::Unknown)),
        Err(e) => return Err(e.into()),
    };
    if invoice.status == InvoiceStatus::Void {
        return Ok(Err(Closed::Void));
    }
    // A draft has no link; a link that finds one is not a link we gave out.
    if invoice.status == InvoiceStatus::Draft {
        return Ok(Err(Closed::Unknown));
    }
    let detail = invoices::detail(&mut tx, invoice.id).await?;
    let providers = providers::enabled(&mut tx).await?;
    tx.commit().await?;
    Ok(Ok(Opened {
        tenant,
        detail,
        providers,
    }))
}

/// The agency's name as the invoice records it (else as registered).
fn agency_name(tenant: &Tenant, invoice: &Invoice) -> String {
    invoice
        .issuer
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or(tenant.name())
        .to_owned()
}

/// The pages' policy: ours, except that forms may go on to the payment providers (PayFast's
/// form is posted there; Stripe's checkout answers our form with a redirect there, which the
/// browser holds to `form-action` too).
fn policy(state: &AppState) -> String {
    let mut to: Vec<String> = Vec::new();
    if let Some(p) = state.payments.as_ref() {
        let e = p.endpoints();
        to.push(e.payfast_live.origin().ascii_serialization());
        to.push(e.payfast_sandbox.origin().ascii_serialization());
        // Stripe's pages are on checkout.stripe.com, not its API's host; a stand-in serves
        // both from one address.
        if e.stripe_api.host_str() == Some("api.stripe.com") {
            to.push("https://checkout.stripe.com".to_owned());
        } else {
            to.push(e.stripe_api.origin().ascii_serialization());
        }
    }
    to.dedup();
    crate::CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", to.join(" ")),
    )
}

/// A pay page: `template` with `ctx`, the CSRF cookie set, the pay policy, never cached (it
/// shows what a bearer link opens). The referrer policy stays the server's
/// `strict-origin-when-cross-origin`: another site sees only our origin, never the link's
/// token (`no-referrer` would also make the browser post our own form with `Origin: null`,
/// which the CSRF check refuses).
fn respond(
    state: &AppState,
    chrome: Chrome,
    template: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Response {
    let frame = context! { csrf => chrome.csrf.clone(), console => false };
    let mut res = match templates::render(template, context! { ..ctx, ..frame }) {
        Some(html) => Html(html).into_response(),
        None => PageError::Problem(comply360_api::problem::Problem::internal()).into_response(),
    };
    *res.status_mut() = status;
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&policy(state)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    chrome.respond(res)
}

fn closed(state: &AppState, chrome: Chrome, why: &Closed) -> Response {
    let void = matches!(why, Closed::Void);
    respond(
        state,
        chrome,
        "pay/closed.html",
        StatusCode::NOT_FOUND,
        context! {
            title => if void { "This invoice was cancelled" } else { "This payment link does not work" },
            void,
        },
    )
}

fn render(
    state: &AppState,
    chrome: Chrome,
    (slug, token): (&str, &str),
    opened: &Opened,
    arrival: Arrival,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let invoice = &opened.detail.invoice;
    let agency = agency_name(&opened.tenant, invoice);
    let paid = invoice.status == InvoiceStatus::Paid;
    let confirming = arrival == Arrival::Returned && !paid;
    let title = if paid && arrival == Arrival::Returned {
        "Payment received — thank you".to_owned()
    } else if paid {
        format!(
            "Invoice {} is paid",
            invoice.number.as_deref().unwrap_or("")
        )
    } else if confirming {
        "We are confirming your payment".to_owned()
    } else if arrival == Arrival::Cancelled {
        "Payment cancelled".to_owned()
    } else {
        format!("Pay invoice {}", invoice.number.as_deref().unwrap_or(""))
    };
    let title = if problem.is_some() {
        format!("Error: {title}")
    } else {
        title
    };
    let latest = opened.detail.payments.iter().max_by_key(|p| p.created_at);
    let providers: Vec<&str> = opened.providers.iter().map(|p| p.as_str()).collect();
    let ctx = context! {
        title,
        agency,
        slug,
        token,
        i => View::from(Serde(invoice)),
        payments => View::from(Serde(&opened.detail.payments)),
        latest => latest.map(|p| View::from(Serde(p))),
        providers,
        paid,
        confirming,
        recheck => RECHECK_SECONDS,
        returned => arrival == Arrival::Returned,
        cancelled => arrival == Arrival::Cancelled,
        payable => invoice.status.payable() && invoice.due_cents > 0,
        problem,
    };
    respond(state, chrome, "pay/page.html", status, ctx)
}

/// `GET /pay/{agency}/{token}`: what is due and how to pay it; back from a provider, the
/// payment confirmed (or being confirmed); cancelled there, nothing charged.
pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((slug, token)): Path<(String, String)>,
    Query(q): Query<PayQuery>,
) -> Result<Response, PageError> {
    let opened = match open(&state, &slug, &token).await? {
        Ok(o) => o,
        Err(why) => return Ok(closed(&state, chrome, &why)),
    };
    let arrival = if q.returned.is_some() {
        Arrival::Returned
    } else if q.cancelled.is_some() {
        Arrival::Cancelled
    } else {
        Arrival::Plain
    };
    Ok(render(
        &state,
        chrome,
        (&slug, &token),
        &opened,
        arrival,
        None,
        StatusCode::OK,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    provider: String,
}

/// What the client reads when a checkout could not start: our words, never the provider's
/// or the server's.
fn refused(e: &PracticeError, provider: &str) -> Option<String> {
    let name = if provider == "payfast" {
        "PayFast"
    } else {
        "Stripe"
    };
    match e {
        PracticeError::Conflict { code, .. } => Some(match *code {
            "provider_unavailable" => format!(
                "{name} could not be reached just now, so nothing was charged. Try again in a few minutes, or choose another way to pay."
            ),
            "provider_not_connected" | "provider_settings_invalid" => format!(
                "Paying with {name} is not available for this invoice at the moment. Choose another way to pay, or ask the agency."
            ),
            "currency_not_supported" => format!(
                "{name} cannot take payment in this invoice's currency. Choose another way to pay."
            ),
            "not_payable" => "There is nothing left to pay on this invoice.".to_owned(),
            _ => "The payment could not be started. Try again, or ask the agency for help."
                .to_owned(),
        }),
        PracticeError::Invalid { .. } => Some("Choose how you would like to pay.".to_owned()),
        _ => None,
    }
}

/// `POST /pay/{agency}/{token}/checkout`: Stripe's page (a redirect), or PayFast's form to
/// continue with (posted from the client's own browser, as PayFast requires).
pub async fn checkout(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((slug, token)): Path<(String, String)>,
    Form(form): Form<CheckoutForm>,
) -> Result<Response, PageError> {
    let opened = match open(&state, &slug, &token).await? {
        Ok(o) => o,
        Err(why) => return Ok(closed(&state, chrome, &why)),
    };
    let provider = match form.provider.parse::<Provider>() {
        Ok(p @ (Provider::Payfast | Provider::Stripe)) if opened.providers.contains(&p) => p,
        _ => {
            let problem = Some("Choose one of the ways to pay shown below.".to_owned());
            return Ok(render(
                &state,
                chrome,
                (&slug, &token),
                &opened,
                Arrival::Plain,
                problem,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let Some(payments) = state.payments.as_ref() else {
        let problem =
            Some("Online payment is not available right now. Try again later.".to_owned());
        return Ok(render(
            &state,
            chrome,
            (&slug, &token),
            &opened,
            Arrival::Plain,
            problem,
            StatusCode::SERVICE_UNAVAILABLE,
        ));
    };
    let urls = checkout_urls(&state, &slug, &token).map_err(PageError::Problem)?;
    let started = payments
        .start_checkout(
            state.store.tenancy(),
            &opened.tenant,
            &PayToken::from_link(&token),
            provider,
            &urls,
        )
        .await;
    match started {
        Ok(Started::Stripe(url)) => Ok(chrome.respond(Redirect::to(url.as_str()).into_response())),
        Ok(Started::PayFast(form)) => {
            let invoice = &opened.detail.invoice;
            let ctx = context! {
                title => "Continue to PayFast",
                agency => agency_name(&opened.tenant, invoice),
                slug, token,
                i => View::from(Serde(invoice)),
                action => form.action.to_string(),
                fields => View::from(Serde(&form.fields)),
            };
            Ok(respond(
                &state,
                chrome,
                "pay/handoff.html",
                StatusCode::OK,
                ctx,
            ))
        }
        Err(PracticeError::NotFound(_)) => Ok(closed(&state, chrome, &Closed::Unknown)),
        Err(e) => {
            let Some(message) = refused(&e, provider.as_str()) else {
                return Err(e.into());
            };
            tracing::info!(error = %e, "a checkout did not start");
            let status = if matches!(
                &e,
                PracticeError::Conflict {
                    code: "provider_unavailable",
                    ..
                }
            ) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::CONFLICT
            };
            Ok(render(
                &state,
                chrome,
                (&slug, &token),
                &opened,
                Arrival::Plain,
                Some(message),
                status,
            ))
        }
    }
}

/// `GET /pay/{agency}/{token}/invoice.pdf`.
pub async fn invoice_pdf(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Ok(opened) = open(&state, &slug, &token).await? else {
        return Err(PageError::NotFound);
    };
    let client = client_of(&state, &opened).await?;
    let name = opened.detail.invoice.number.clone().unwrap_or_default();
    let bytes = pdf::invoice_pdf(&opened.detail, &party_of(&client));
    Ok(pdf_response(bytes, &name))
}

/// `GET /pay/{agency}/{token}/receipt.pdf`: the receipt for the latest payment.
pub async fn receipt_pdf(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Ok(opened) = open(&state, &slug, &token).await? else {
        return Err(PageError::NotFound);
    };
    let Some(payment) = opened.detail.payments.iter().max_by_key(|p| p.created_at) else {
        return Err(PageError::NotFound);
    };
    let client = client_of(&state, &opened).await?;
    let name = format!(
        "{}-receipt",
        opened.detail.invoice.number.as_deref().unwrap_or("invoice")
    );
    let bytes = pdf::receipt_pdf(&opened.detail, payment, &party_of(&client));
    Ok(pdf_response(bytes, &name))
}

async fn client_of(
    state: &AppState,
    opened: &Opened,
) -> Result<comply360_practice::clients::Client, PageError> {
    let mut tx = state.store.tenancy().begin(&opened.tenant).await?;
    let client =
        comply360_practice::clients::get(&mut tx, opened.detail.invoice.client_id, true).await?;
    tx.commit().await?;
    Ok(client)
}

/// `GET /pay/{agency}/brand.css`: the agency's colour for its pay pages, whatever host they
/// are served on.
pub async fn brand(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let colour = match state.store.tenancy().resolve(&slug).await {
        Ok(tenant) => crate::brand::colour_of(&state, &tenant).await,
        Err(_) => None,
    };
    crate::brand::stylesheet_response(colour.as_deref(), &headers)
}
