//! Invoices in the portal: the agency's list (by status), one invoice with its lines, totals,
//! payments and credit notes, and what staff do with it: issue a draft (the pay link shown
//! once), delete a draft, send a new pay link, record an EFT or cash payment, refund, void,
//! and the invoice, receipts and credit notes as PDFs. A registration's page drafts its
//! invoice. The same payments operations as the API's `/api/v1/invoices` routes; each action
//! is offered only to who may take it, when the invoice's status allows it.

use super::settings::{Refusal, uuid, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_payments::invoices::model::{
    DraftInput, InvoiceDetail, InvoiceStatus, ManualPaymentInput, RefundInput,
};
use comply360_payments::invoices::{self, Filter, PayToken};
use comply360_payments::{PracticeError, manual, pdf, refunds};
use comply360_practice::clients::Client;
use comply360_practice::page::Cursor;
use comply360_practice::reminders::sa_today;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The list's tabs: (status, label); "" is every invoice.
const TABS: [(&str, &str); 6] = [
    ("", "All"),
    ("draft", "Drafts"),
    ("issued", "Issued"),
    ("partially_paid", "Part paid"),
    ("paid", "Paid"),
    ("void", "Void"),
];

/// A PDF answer: inline (a phone shows it), named, never cached (it names a client).
pub(crate) fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    let safe = if safe.is_empty() {
        "document".into()
    } else {
        safe
    };
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{safe}.pdf\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The client as a document addresses them.
pub(crate) fn party_of(client: &Client) -> pdf::Party<'_> {
    pdf::Party {
        name: &client.display_name,
        email: client.email.as_deref(),
        address: None,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    cursor: String,
}

/// `GET /invoices`: newest first, by status.
pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let status = q.status.parse::<InvoiceStatus>().ok();
    let after = Cursor::decode(&q.cursor);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let filter = Filter {
        status,
        client: None,
        registration: None,
    };
    let page = invoices::list(&mut tx, &filter, after.as_ref(), 50).await?;
    tx.commit().await?;
    let current = status.map_or("", |s| s.as_str());
    let tabs: Vec<_> = TABS
        .iter()
        .map(|&(s, label)| context! { status => s, label, active => s == current })
        .collect();
    let ctx = context! {
        items => View::from(Serde(&page.items)),
        next_cursor => page.next_cursor,
        tabs,
        status => current,
    };
    Ok(chrome.page("invoices/list.html", "invoices", "Invoices", ctx))
}

/// What a refused form leaves for the page: which form, what was typed, and why.
#[derive(Default, Serialize)]
struct Typed {
    form: &'static str,
    values: BTreeMap<String, String>,
}

/// What the detail page shows beyond the invoice.
#[derive(Default)]
struct Extra {
    refused: Option<(Typed, Refusal)>,
    pay_url: Option<String>,
}

async fn render(
    state: &AppState,
    chrome: Chrome,
    raw: &str,
    extra: Extra,
) -> Result<Response, PageError> {
    let id = uuid(raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let d = invoices::detail(&mut tx, id).await?;
    tx.commit().await?;
    let i = &d.invoice;
    let write = chrome.may("invoices:write");
    let manage = chrome.may("payments:manage");
    let kept: i64 = d
        .payments
        .iter()
        .map(|p| p.amount_cents - p.refunded_cents)
        .sum();
    let refundable: Vec<_> = d
        .payments
        .iter()
        .filter(|p| p.amount_cents > p.refunded_cents)
        .map(|p| {
            context! {
                id => p.id.to_string(),
                label => format!("{} on {}, ref. {} ({} refundable)", method_label(&p.provider, &p.method), p.received_on.format("%-d %b %Y"), p.reference, money(p.amount_cents - p.refunded_cents)),
            }
        })
        .collect();
    let can = context! {
        issue => write && i.status == InvoiceStatus::Draft,
        delete => write && i.status == InvoiceStatus::Draft,
        relink => write && i.status.payable(),
        record => manage && i.status.payable() && i.due_cents > 0,
        refund => manage && !refundable.is_empty(),
        void => manage && !matches!(i.status, InvoiceStatus::Draft | InvoiceStatus::Void) && kept <= 0,
        void_blocked => manage && !matches!(i.status, InvoiceStatus::Draft | InvoiceStatus::Void) && kept > 0,
    };
    let (typed, refusal) = match extra.refused {
        Some((t, r)) => (Some(t), Some(r)),
        None => (None, None),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let title = match (&refusal, &i.number) {
        (Some(_), Some(n)) => format!("Error: Invoice {n}"),
        (Some(_), None) => "Error: Draft invoice".to_owned(),
        (None, Some(n)) => format!("Invoice {n}"),
        (None, None) => "Draft invoice".to_owned(),
    };
    let payments: Vec<_> = d
        .payments
        .iter()
        .map(
            |p| context! { p => View::from(Serde(p)), how => method_label(&p.provider, &p.method) },
        )
        .collect();
    let ctx = context! {
        i => View::from(Serde(i)),
        payments,
        notes => View::from(Serde(&d.credit_notes)),
        refundable,
        can,
        typed => typed.map(|t| View::from(Serde(t))),
        errors => refusal.as_ref().map(|r| r.errors.clone()).unwrap_or_default(),
        summary => refusal.as_ref().map(|r| r.summary.clone()),
        pay_url => extra.pay_url.clone(),
        today => sa_today().to_string(),
        due_rands => rands_text(i.due_cents),
    };
    let mut res = with_status(
        chrome.page("invoices/show.html", "invoices", &title, ctx),
        status,
    );
    if extra.pay_url.is_some() {
        // The pay link is shown once: no copy of this page kept anywhere.
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// How a payment was made, in words.
fn method_label(provider: &str, method: &str) -> &'static str {
    match (provider, method) {
        ("stripe", _) => "Card (Stripe)",
        ("payfast", _) => "PayFast",
        (_, "cash") => "Cash",
        _ => "EFT",
    }
}

/// Cents as the pages write rands: `R1,725.00`.
fn money(cents: i64) -> String {
    crate::templates::rands_text(cents)
}

/// Cents as a form's amount field holds them: `1725.00`.
fn rands_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, (cents % 100).abs())
}

/// An amount typed in rands (`1725`, `1 725,50`, `R1,725.50`) as cents; None when it is not
/// an amount.
fn parse_rands(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .trim_start_matches(['R', 'r'])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // A comma before exactly two final digits is a decimal comma; any other is a separator.
    let t = match t.rfind(',') {
        Some(at) if t.len() - at == 3 && !t.contains('.') => {
            format!("{}.{}", t[..at].replace(',', ""), &t[at + 1..])
        }
        _ => t.replace(',', ""),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t.as_str(), ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// `GET /invoices/{id}`.
pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    render(&state, chrome, &id, Extra::default()).await
}

/// A refusal of one of the page's forms, shown again on the page; not found is the
/// not-found page, server errors the error page.
async fn refuse(
    state: &AppState,
    chrome: Chrome,
    raw: &str,
    form: &'static str,
    values: BTreeMap<String, String>,
    e: PracticeError,
    rename: &[(&str, &str)],
) -> Result<Response, PageError> {
    if matches!(e, PracticeError::NotFound(_)) {
        return Err(PageError::NotFound);
    }
    let mut refusal = Refusal::of(Problem::from(e))?;
    refusal.errors = refusal
        .errors
        .into_iter()
        .map(|(k, v)| {
            let k = rename
                .iter()
                .find(|(from, _)| *from == k)
                .map_or(k, |(_, to)| (*to).to_owned());
            (k, v)
        })
        .collect();
    let typed = Typed { form, values };
    render(
        state,
        chrome,
        raw,
        Extra {
            refused: Some((typed, refusal)),
            pay_url: None,
        },
    )
    .await
}

/// `POST /invoices/{id}/issue`: numbered, due, and its pay link shown (once).
pub async fn issue(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let slug = tenant.slug().to_owned();
    let url = |t: &PayToken| pay_url(&state, &slug, t.as_str());
    let links = invoices::Links {
        agency: tenant.name(),
        pay_url: &url,
    };
    match invoices::issue(
        &mut tx,
        &state.outbox,
        chrome.actor(),
        id,
        None,
        sa_today(),
        &links,
    )
    .await
    {
        Ok(issued) => {
            tx.commit().await?;
            let pay_url = pay_url(&state, tenant.slug(), issued.token.as_str());
            render(
                &state,
                chrome,
                &raw,
                Extra {
                    refused: None,
                    pay_url: Some(pay_url),
                },
            )
            .await
        }
        Err(e) => {
            drop(tx);
            refuse(&state, chrome, &raw, "issue", BTreeMap::new(), e, &[]).await
        }
    }
}

/// The client's pay link (as the API's `pay_url` makes it).
fn pay_url(state: &AppState, slug: &str, token: &str) -> String {
    state
        .identity
        .settings()
        .portal_link(slug, &format!("/pay/{slug}/{token}"))
}

/// `POST /invoices/{id}/pay-link`: a new link (the old one stops working), shown once and
/// emailed to the client.
pub async fn renew_link(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let slug = tenant.slug().to_owned();
    let url = |t: &PayToken| pay_url(&state, &slug, t.as_str());
    let links = invoices::Links {
        agency: tenant.name(),
        pay_url: &url,
    };
    match invoices::renew_link(&mut tx, &state.outbox, chrome.actor(), id, &links).await {
        Ok(token) => {
            tx.commit().await?;
            let pay_url = pay_url(&state, tenant.slug(), token.as_str());
            render(
                &state,
                chrome,
                &raw,
                Extra {
                    refused: None,
                    pay_url: Some(pay_url),
                },
            )
            .await
        }
        Err(e) => {
            drop(tx);
            refuse(&state, chrome, &raw, "relink", BTreeMap::new(), e, &[]).await
        }
    }
}

/// `POST /invoices/{id}/delete`: a draft only; back to its registration.
pub async fn delete(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let registration = invoices::detail(&mut tx, id).await?.invoice.registration_id;
    match invoices::delete_draft(&mut tx, chrome.actor(), id).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(chrome.done(
                &format!("/registrations/{registration}"),
                "The draft invoice is deleted.",
            ))
        }
        Err(e) => {
            drop(tx);
            refuse(&state, chrome, &raw, "delete", BTreeMap::new(), e, &[]).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    received_on: String,
}

/// `POST /invoices/{id}/payments`: an EFT or cash payment staff saw arrive.
pub async fn record_payment(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(f): Form<PaymentForm>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let values = BTreeMap::from([
        ("method".to_owned(), f.method.clone()),
        ("amount".to_owned(), f.amount.clone()),
        ("reference".to_owned(), f.reference.clone()),
        ("received_on".to_owned(), f.received_on.clone()),
    ]);
    let mut typo = comply360_practice::error::Problems::default();
    let amount = parse_rands(&f.amount);
    if amount.is_none() && !f.amount.trim().is_empty() {
        typo.add("amount_cents", "enter the amount in rands, e.g. 1725.00");
    }
    let received_on = if f.received_on.trim().is_empty() {
        None
    } else {
        let d = f.received_on.trim().parse().ok();
        if d.is_none() {
            typo.add("received_on", "enter a date, e.g. 2026-12-04");
        }
        d
    };
    let rename = [("amount_cents", "amount")];
    if let Err(e) = typo.finish("the payment has invalid fields") {
        return refuse(&state, chrome, &raw, "record", values, e, &rename).await;
    }
    let input = ManualPaymentInput {
        method: Some(f.method.clone()).filter(|m| !m.is_empty()),
        amount_cents: amount,
        reference: Some(f.reference.clone()),
        received_on,
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match manual::record(
        &mut tx,
        &state.outbox,
        chrome.actor(),
        id,
        &input,
        sa_today(),
    )
    .await
    {
        Ok(p) => {
            tx.commit().await?;
            Ok(chrome.done(
                &format!("/invoices/{id}"),
                &format!("Payment of {} recorded.", money(p.amount_cents)),
            ))
        }
        Err(e) => {
            drop(tx);
            let e = in_rands(e, "amount_cents");
            refuse(&state, chrome, &raw, "record", values, e, &rename).await
        }
    }
}

/// The payments' messages speak of cents (the API's unit); the forms take rands, so an
/// amount's message names the sum in rands instead.
fn in_rands(e: PracticeError, field: &str) -> PracticeError {
    match e {
        PracticeError::Invalid { detail, issues } => PracticeError::Invalid {
            detail,
            issues: issues
                .into_iter()
                .map(|mut i| {
                    if i.field == field {
                        i.message = rewrite_cents(&i.message);
                    }
                    i
                })
                .collect(),
        },
        other => other,
    }
}

/// "is more than the 172500 cents still due; …" → "is more than the R1,725.00 still due; …".
fn rewrite_cents(message: &str) -> String {
    let words: Vec<&str> = message.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let (Some(next), Ok(n)) = (words.get(i + 1), words[i].parse::<i64>())
            && next.starts_with("cents")
        {
            out.push(format!("{}{}", money(n), &next["cents".len()..]));
            i += 2;
            continue;
        }
        out.push(words[i].to_owned());
        i += 1;
    }
    out.join(" ").replace(", in cents,", "")
}

#[derive(Debug, Default, Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    payment_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

/// `POST /invoices/{id}/refunds`: part or all of a payment, with a credit note.
pub async fn refund(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(f): Form<RefundForm>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let values = BTreeMap::from([
        ("payment_id".to_owned(), f.payment_id.clone()),
        ("refund_amount".to_owned(), f.amount.clone()),
        ("refund_reason".to_owned(), f.reason.clone()),
    ]);
    let rename = [
        ("amount_cents", "refund_amount"),
        ("reason", "refund_reason"),
        ("payment_id", "payment_id"),
    ];
    let amount = parse_rands(&f.amount);
    if amount.is_none() && !f.amount.trim().is_empty() {
        let e = PracticeError::field(
            "amount_cents",
            "enter the amount in rands, e.g. 250.00, or leave it empty to refund all of it",
        );
        return refuse(&state, chrome, &raw, "refund", values, e, &rename).await;
    }
    let input = RefundInput {
        payment_id: f.payment_id.parse().ok(),
        amount_cents: amount,
        reason: Some(f.reason.clone()),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match refunds::refund(
        &mut tx,
        &state.outbox,
        chrome.actor(),
        id,
        &input,
        sa_today(),
    )
    .await
    {
        Ok(note) => {
            tx.commit().await?;
            Ok(chrome.done(
                &format!("/invoices/{id}"),
                &format!(
                    "Refund of {} recorded: credit note {}.",
                    money(note.amount_cents),
                    note.number
                ),
            ))
        }
        Err(e) => {
            drop(tx);
            let e = in_rands(e, "amount_cents");
            refuse(&state, chrome, &raw, "refund", values, e, &rename).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct VoidForm {
    #[serde(default)]
    reason: String,
}

/// `POST /invoices/{id}/void`: with a reason; its number stays taken.
pub async fn void(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(f): Form<VoidForm>,
) -> Result<Response, PageError> {
    let id = uuid(&raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match invoices::void(
        &mut tx,
        &state.outbox,
        chrome.actor(),
        id,
        Some(&f.reason),
        None,
    )
    .await
    {
        Ok(d) => {
            tx.commit().await?;
            Ok(chrome.done(
                &format!("/invoices/{id}"),
                &format!(
                    "Invoice {} is void; its pay link no longer works.",
                    d.invoice.number.unwrap_or_default()
                ),
            ))
        }
        Err(e) => {
            drop(tx);
            let values = BTreeMap::from([("void_reason".to_owned(), f.reason.clone())]);
            refuse(
                &state,
                chrome,
                &raw,
                "void",
                values,
                e,
                &[("reason", "void_reason")],
            )
            .await
        }
    }
}

/// The invoice and its client, for a document.
async fn document(
    state: &AppState,
    chrome: &Chrome,
    raw: &str,
) -> Result<(InvoiceDetail, Client), PageError> {
    let id = uuid(raw)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let d = invoices::detail(&mut tx, id).await?;
    let client = comply360_practice::clients::get(&mut tx, d.invoice.client_id, true).await?;
    tx.commit().await?;
    Ok((d, client))
}

/// `GET /invoices/{id}/invoice.pdf`.
pub async fn invoice_pdf(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let (d, client) = document(&state, &chrome, &raw).await?;
    let name = d
        .invoice
        .number
        .clone()
        .unwrap_or_else(|| "draft-invoice".into());
    Ok(pdf_response(
        pdf::invoice_pdf(&d, &party_of(&client)),
        &name,
    ))
}

/// `{uuid}.pdf` as the uuid.
fn pdf_id(file: &str) -> Result<uuid::Uuid, PageError> {
    uuid(file.strip_suffix(".pdf").ok_or(PageError::NotFound)?)
}

/// `GET /invoices/{id}/receipts/{payment}.pdf`.
pub async fn receipt_pdf(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((raw, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let payment = pdf_id(&file)?;
    let (d, client) = document(&state, &chrome, &raw).await?;
    let p = d
        .payments
        .iter()
        .find(|p| p.id == payment)
        .ok_or(PageError::NotFound)?;
    let name = format!(
        "{}-receipt",
        d.invoice.number.as_deref().unwrap_or("invoice")
    );
    Ok(pdf_response(
        pdf::receipt_pdf(&d, p, &party_of(&client)),
        &name,
    ))
}

/// `GET /invoices/{id}/credit-notes/{note}.pdf`.
pub async fn credit_note_pdf(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((raw, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let note = pdf_id(&file)?;
    let (d, client) = document(&state, &chrome, &raw).await?;
    let n = d
        .credit_notes
        .iter()
        .find(|n| n.id == note)
        .ok_or(PageError::NotFound)?;
    Ok(pdf_response(
        pdf::credit_note_pdf(&d, n, &party_of(&client)),
        &n.number,
    ))
}

/// `POST /registrations/{id}/invoice`: the registration's draft invoice, then its page; a
/// refusal (no price, one already) on the registration's page.
pub async fn create_for_registration(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let registration = uuid(&raw)?;
    let input = DraftInput {
        registration_id: Some(registration),
        extra_lines: Vec::new(),
        note: None,
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    match invoices::draft(&mut tx, chrome.actor(), &input, sa_today()).await {
        Ok(d) => {
            tx.commit().await?;
            Ok(chrome.done(
                &format!("/invoices/{}", d.invoice.id),
                "Draft invoice created. Check it, then issue it to send the client a pay link.",
            ))
        }
        Err(PracticeError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => {
            drop(tx);
            let problem = Problem::from(e);
            if problem.status.is_server_error() {
                return Err(PageError::Problem(problem));
            }
            let message = match problem.code {
                "nothing_to_invoice" => "There is nothing to invoice: set the agency's price for this kind of registration (Settings › Commissions › Prices), then try again.".to_owned(),
                _ => super::settings::upper_first(&problem.detail),
            };
            super::registrations::record::with_invoice_refusal(&state, chrome, &raw, message).await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_typed_in_rands_become_cents() {
        use super::parse_rands;
        assert_eq!(parse_rands("1725"), Some(172_500));
        assert_eq!(parse_rands("1725.5"), Some(172_550));
        assert_eq!(parse_rands("R1,725.50"), Some(172_550));
        assert_eq!(parse_rands("1 725,50"), Some(172_550));
        assert_eq!(parse_rands("0.99"), Some(99));
        assert_eq!(parse_rands(""), None);
        assert_eq!(parse_rands("12.345"), None);
        assert_eq!(parse_rands("ten"), None);
        assert_eq!(parse_rands("-5"), None);
    }

    #[test]
    fn messages_in_cents_are_said_in_rands() {
        assert_eq!(
            super::rewrite_cents(
                "is more than the 172500 cents still due; record what the client paid, and refund any excess"
            ),
            "is more than the R1,725.00 still due; record what the client paid, and refund any excess"
        );
    }
}
