//! Invoices for registrations: a draft computed from the registration's fees, issued with
//! the next number of the agency's sequence and a pay link for the client, paid (by the
//! [`crate::ledger`]), or voided with a reason. Every change is audited; issuing and voiding
//! emit `invoice.issued` / `invoice.voided`.

pub mod lines;
pub mod model;
pub mod numbering;
pub(crate) mod repo;

pub use repo::Filter;

use crate::billing;
use crate::ledger::emit_failed;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Days, NaiveDate};
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_practice::page::Cursor;
use comply360_practice::registrations;
use comply360_practice::{Page, PracticeError, history};
use comply360_store::TenantTx;
use model::{DraftInput, Invoice, InvoiceDetail, InvoiceStatus};
use numbering::Series;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use model::{
    CreditNote, InvoiceLine, LineInput, LineKind, ManualMethod, ManualPaymentInput, Payment,
    Provider, RefundInput,
};

/// A client's pay link token: 32 random bytes, URL-safe. Only its SHA-256 is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct PayToken(String);

impl std::fmt::Debug for PayToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PayToken(…)")
    }
}

impl PayToken {
    fn generate() -> PayToken {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        PayToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_link(text: &str) -> PayToken {
        PayToken(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

/// Creates the draft invoice of a registration: its registry fee, the agency's price, and
/// the lines staff add. A registration has one live invoice; void it to draw up another.
pub async fn draft(
    tx: &mut TenantTx,
    actor: Uuid,
    input: &DraftInput,
    today: NaiveDate,
) -> Result<InvoiceDetail, PracticeError> {
    let Some(registration) = input.registration_id else {
        return Err(PracticeError::field(
            "registration_id",
            "name the registration to invoice",
        ));
    };
    let r = registrations::get(tx, registration).await?;
    if let Some(existing) = repo::for_registration(tx, registration).await? {
        return Err(PracticeError::Conflict {
            code: "invoice_exists",
            detail: format!(
                "the registration already has an invoice ({}, {}); void it first to draw up another",
                existing.number.as_deref().unwrap_or("a draft"),
                existing.status
            ),
        });
    }
    let note = input.note.as_deref().map(str::trim).unwrap_or("");
    if note.chars().count() > 1000 {
        return Err(PracticeError::field(
            "note",
            "must be at most 1000 characters",
        ));
    }
    let settings = billing::get(tx).await?;
    let lines = lines::for_registration(tx, &r, &settings, &input.extra_lines, today).await?;
    let id = Uuid::now_v7();
    repo::insert(
        tx,
        &repo::NewInvoice {
            id,
            registration,
            client: r.client_id,
            currency: lines.currency.code(),
            lines: &lines.lines,
            note,
            created_by: (!actor.is_nil()).then_some(actor),
        },
    )
    .await?;
    history::record(
        tx,
        actor,
        "invoice.drafted",
        "invoice",
        id,
        json!({"registration_id": registration, "lines": lines.lines.len()}),
    )
    .await?;
    detail(tx, id).await
}

/// An invoice with its payments and credit notes.
pub async fn detail(tx: &mut TenantTx, id: Uuid) -> Result<InvoiceDetail, PracticeError> {
    let invoice = repo::find(tx, id, false)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    let payments = repo::payments_of(tx, id).await?;
    let credit_notes = repo::credit_notes_of(tx, id).await?;
    Ok(InvoiceDetail {
        invoice,
        payments,
        credit_notes,
    })
}

/// The live invoice of a registration, if it has one.
pub async fn of_registration(
    tx: &mut TenantTx,
    registration: Uuid,
) -> Result<Option<Invoice>, PracticeError> {
    Ok(repo::for_registration(tx, registration).await?)
}

/// Invoices newest first, filtered by status and client, a page at a time.
pub async fn list(
    tx: &mut TenantTx,
    filter: &repo::Filter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Page<Invoice>, PracticeError> {
    let rows = repo::list(tx, filter, after, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |i| Cursor {
        created_at: i.created_at,
        id: i.id,
    }))
}

fn stale(invoice: &Invoice, expected: Option<i32>) -> Result<(), PracticeError> {
    match expected {
        Some(v) if v != invoice.version => Err(PracticeError::Conflict {
            code: "stale_version",
            detail: format!(
                "the invoice changed since you read it (version {} now, {v} in your request); reload and try again",
                invoice.version
            ),
        }),
        _ => Ok(()),
    }
}

/// What issuing needs to know of the agency: its name (printed when the billing settings give
/// no legal name) and how a pay link is written (the portal's address is configuration).
pub struct Links<'a> {
    pub agency: &'a str,
    pub pay_url: &'a (dyn Fn(&PayToken) -> String + Sync),
}

/// An issued invoice and the client's pay link token (shown once, sent to the client).
pub struct Issued {
    pub detail: InvoiceDetail,
    pub token: PayToken,
}

/// Issues a draft: the next number of the agency's sequence, the issuer's details as they
/// stand today, the due date from the payment terms, and a pay link. Emits `invoice.issued`,
/// whose subscriber emails the client the link. `agency` is the agency's name, printed when
/// the billing settings give no legal name.
pub async fn issue(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    id: Uuid,
    expected_version: Option<i32>,
    today: NaiveDate,
    links: &Links<'_>,
) -> Result<Issued, PracticeError> {
    let invoice = repo::find(tx, id, true)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    stale(&invoice, expected_version)?;
    if invoice.status != InvoiceStatus::Draft {
        return Err(PracticeError::Conflict {
            code: "transition_not_allowed",
            detail: format!(
                "invoice {} is already {}; only a draft is issued",
                invoice.number.as_deref().unwrap_or(""),
                invoice.status
            ),
        });
    }
    if invoice.total_cents <= 0 {
        return Err(PracticeError::Conflict {
            code: "nothing_to_invoice",
            detail: "the invoice totals nothing; add a line or delete the draft".into(),
        });
    }
    let settings = billing::get(tx).await?;
    let brand_colour = billing::brand_colour(tx).await?;
    let sequence = numbering::next(tx, Series::Invoice).await?;
    let number = numbering::format(&settings.invoice_prefix, sequence);
    let issuer = json!({
        "name": settings.legal_name.clone().unwrap_or_else(|| links.agency.to_owned()),
        "address": settings.address,
        "email": settings.email,
        "phone": settings.phone,
        "bank_details": settings.bank_details,
        "vat_number": settings.vat_vendor.then_some(settings.vat_number.clone()).flatten(),
        "terms_days": settings.terms_days,
        "brand_colour": brand_colour,
    });
    let due_on = today
        .checked_add_days(Days::new(u64::from(settings.terms_days)))
        .unwrap_or(today);
    let token = PayToken::generate();
    repo::set_issued(
        tx,
        id,
        &repo::Issue {
            sequence,
            number: &number,
            issuer: &issuer,
            issued_on: today,
            due_on,
            token_hash: &token.hash(),
        },
    )
    .await?;
    history::record(
        tx,
        actor,
        "invoice.issued",
        "invoice",
        id,
        json!({"number": number, "total_cents": invoice.total_cents}),
    )
    .await?;
    emit_issued(
        tx,
        outbox,
        actor,
        &invoice,
        &number,
        &(links.pay_url)(&token),
        "issued",
    )
    .await?;
    Ok(Issued {
        detail: detail(tx, id).await?,
        token,
    })
}

async fn emit_issued(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    invoice: &Invoice,
    number: &str,
    pay_url: &str,
    why: &str,
) -> Result<(), PracticeError> {
    outbox
        .emit(
            tx,
            NewEvent::new(types::INVOICE_ISSUED, "invoice")
                .aggregate(invoice.id)
                .actor((!actor.is_nil()).then_some(actor))
                .payload(json!({
                    "invoice_id": invoice.id,
                    "number": number,
                    "registration_id": invoice.registration_id,
                    "client_id": invoice.client_id,
                    "total_cents": invoice.total_cents,
                    "currency": invoice.currency,
                    "due_on": invoice.due_on,
                    "why": why,
                    // The notifier puts the link in the client's email; it is a bearer link
                    // to pay this invoice and nothing else.
                    "pay_url": pay_url,
                })),
        )
        .await
        .map_err(|e| emit_failed("invoice.issued", e))?;
    Ok(())
}

/// A fresh pay link for an issued, unpaid invoice (the old one stops working), emailed to
/// the client again.
pub async fn renew_link(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    id: Uuid,
    links: &Links<'_>,
) -> Result<PayToken, PracticeError> {
    let invoice = repo::find(tx, id, true)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    if !invoice.status.payable() {
        return Err(PracticeError::Conflict {
            code: "not_payable",
            detail: format!(
                "invoice {} is {}; a pay link is only for an issued, unpaid invoice",
                invoice.number.as_deref().unwrap_or("(draft)"),
                invoice.status
            ),
        });
    }
    let token = PayToken::generate();
    repo::set_token(tx, id, &token.hash()).await?;
    history::record(tx, actor, "invoice.link_sent", "invoice", id, json!({})).await?;
    let number = invoice.number.clone().unwrap_or_default();
    emit_issued(
        tx,
        outbox,
        actor,
        &invoice,
        &number,
        &(links.pay_url)(&token),
        "link_sent",
    )
    .await?;
    Ok(token)
}

/// The invoice a pay link opens, if the link is current.
pub async fn by_token(tx: &mut TenantTx, token: &PayToken) -> Result<Invoice, PracticeError> {
    repo::find_by_token(tx, &token.hash())
        .await?
        .ok_or(PracticeError::NotFound("invoice"))
}

/// Voids an invoice with a reason: its number stays taken, its pay link stops working. An
/// invoice with money on it that has not been refunded cannot be voided.
pub async fn void(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    id: Uuid,
    reason: Option<&str>,
    expected_version: Option<i32>,
) -> Result<InvoiceDetail, PracticeError> {
    let reason = reason.map(str::trim).unwrap_or("");
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(PracticeError::field(
            "reason",
            "say why the invoice is void, in 1 to 500 characters",
        ));
    }
    let invoice = repo::find(tx, id, true)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    stale(&invoice, expected_version)?;
    match invoice.status {
        InvoiceStatus::Draft => {
            return Err(PracticeError::Conflict {
                code: "transition_not_allowed",
                detail: "a draft has no number to keep; delete it instead".into(),
            });
        }
        InvoiceStatus::Void => {
            return Err(PracticeError::Conflict {
                code: "transition_not_allowed",
                detail: "the invoice is already void".into(),
            });
        }
        _ => {}
    }
    let kept: i64 = repo::payments_of(tx, id)
        .await?
        .iter()
        .map(|p| p.amount_cents - p.refunded_cents)
        .sum();
    if kept > 0 {
        return Err(PracticeError::Conflict {
            code: "invoice_has_payments",
            detail: format!(
                "{} has {} cents paid that were not refunded; refund the payments first, then void it",
                invoice.number.as_deref().unwrap_or("the invoice"),
                kept
            ),
        });
    }
    repo::set_void(tx, id, reason).await?;
    history::record(
        tx,
        actor,
        "invoice.voided",
        "invoice",
        id,
        json!({"reason": reason, "status": {"from": invoice.status}}),
    )
    .await?;
    outbox
        .emit(
            tx,
            NewEvent::new(types::INVOICE_VOIDED, "invoice")
                .aggregate(id)
                .actor((!actor.is_nil()).then_some(actor))
                .payload(json!({
                    "invoice_id": id,
                    "number": invoice.number,
                    "registration_id": invoice.registration_id,
                    "reason": reason,
                })),
        )
        .await
        .map_err(|e| emit_failed("invoice.voided", e))?;
    detail(tx, id).await
}

/// Deletes a draft (it has no number, so nothing is lost from the sequence).
pub async fn delete_draft(tx: &mut TenantTx, actor: Uuid, id: Uuid) -> Result<(), PracticeError> {
    let invoice = repo::find(tx, id, true)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    if invoice.status != InvoiceStatus::Draft || !repo::delete_draft(tx, id).await? {
        return Err(PracticeError::Conflict {
            code: "transition_not_allowed",
            detail: format!(
                "invoice {} is {}; only a draft is deleted (void an issued one)",
                invoice.number.as_deref().unwrap_or(""),
                invoice.status
            ),
        });
    }
    history::record(
        tx,
        actor,
        "invoice.draft_deleted",
        "invoice",
        id,
        json!({"registration_id": invoice.registration_id}),
    )
    .await?;
    Ok(())
}
