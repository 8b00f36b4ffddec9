//! Recording money received against an invoice, the one way every payment lands: from a
//! provider's notification or from staff. In the caller's transaction, together: the payment
//! row (once per provider reference, whatever reaches us how often), the invoice's paid
//! amount and status, the registration's payment step, the audit entry and
//! `payment.received` (whose subscribers send the client's receipt and mirror it into Odoo).

use crate::invoices::model::{InvoiceStatus, Payment, Provider};
use crate::invoices::repo;
use chrono::NaiveDate;
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_practice::registrations::{self, PaymentStep};
use comply360_practice::{PracticeError, history};
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

/// Money received.
pub struct Received<'a> {
    pub invoice: Uuid,
    pub provider: Provider,
    /// `card`, `eft`, `cash` or `online`.
    pub method: &'a str,
    pub reference: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub fee_cents: Option<i64>,
    pub received_on: NaiveDate,
    pub recorded_by: Option<Uuid>,
    pub checkout: Option<Uuid>,
    pub notification: Option<Uuid>,
}

#[derive(Debug)]
pub enum Recorded {
    New(Payment),
    /// This provider's payment was recorded before (a repeated notification).
    AlreadyRecorded,
}

pub(crate) fn emit_failed(what: &str, e: comply360_jobs::JobsError) -> PracticeError {
    PracticeError::Store(e.into_store(what))
}

/// Records `received` against its invoice. Refuses (409) an invoice that is void or still a
/// draft; a provider's payment for an invoice already paid is recorded all the same (the
/// money arrived; staff refund the excess), and the invoice says so in `paid_cents`.
pub async fn record(
    tx: &mut TenantTx,
    outbox: &Outbox,
    received: &Received<'_>,
) -> Result<Recorded, PracticeError> {
    let invoice = repo::find(tx, received.invoice, true)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    match invoice.status {
        InvoiceStatus::Draft => {
            return Err(PracticeError::Conflict {
                code: "invoice_not_issued",
                detail: "a draft invoice cannot be paid; issue it first".into(),
            });
        }
        InvoiceStatus::Void => {
            return Err(PracticeError::Conflict {
                code: "invoice_void",
                detail: format!(
                    "invoice {} is void ({}); record the payment against its replacement",
                    invoice.number.as_deref().unwrap_or(""),
                    invoice.void_reason.as_deref().unwrap_or("")
                ),
            });
        }
        _ => {}
    }
    if received.currency != invoice.currency {
        return Err(PracticeError::Conflict {
            code: "currency_mismatch",
            detail: format!(
                "the payment is in {} but the invoice is in {}",
                received.currency, invoice.currency
            ),
        });
    }
    let id = Uuid::now_v7();
    let row = tx
        .query(
            "INSERT INTO payments (tenant_id, id, invoice_id, checkout_id, notification_id, provider, \
             method, reference, amount_cents, currency, fee_cents, received_on, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (tenant_id, provider, reference) WHERE provider <> 'manual' DO NOTHING \
             RETURNING id, invoice_id, provider, method, reference, amount_cents, currency, \
             fee_cents, refunded_cents, received_on, recorded_by, created_at",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(received.invoice)
        .bind(received.checkout)
        .bind(received.notification)
        .bind(received.provider.as_str())
        .bind(received.method)
        .bind(received.reference.trim())
        .bind(received.amount_cents)
        .bind(received.currency)
        .bind(received.fee_cents)
        .bind(received.received_on)
        .bind(received.recorded_by)
        .fetch_optional(tx.conn())
        .await?;
    let Some(row) = row else {
        return Ok(Recorded::AlreadyRecorded);
    };
    let payment = repo::payment(&row)?;
    let paid = invoice.paid_cents + payment.amount_cents;
    let status = InvoiceStatus::after_payment(paid, invoice.total_cents);
    repo::add_paid(tx, invoice.id, paid, status).await?;
    registrations::record_payment(
        tx,
        outbox,
        invoice.registration_id,
        &PaymentStep {
            amount_cents: paid,
            reference: &payment.reference,
            paid_on: payment.received_on,
            provider: received.provider.as_str(),
        },
    )
    .await?;
    history::record(
        tx,
        received.recorded_by.unwrap_or_default(),
        "payment.received",
        "invoice",
        invoice.id,
        json!({
            "payment_id": payment.id,
            "provider": payment.provider,
            "method": payment.method,
            "reference": payment.reference,
            "amount_cents": payment.amount_cents,
            "status": {"from": invoice.status, "to": status},
        }),
    )
    .await?;
    outbox
        .emit(
            tx,
            NewEvent::new(types::PAYMENT_RECEIVED, "invoice")
                .aggregate(invoice.id)
                .actor(received.recorded_by)
                .payload(json!({
                    "payment_id": payment.id,
                    "invoice_id": invoice.id,
                    "invoice_number": invoice.number,
                    "registration_id": invoice.registration_id,
                    "client_id": invoice.client_id,
                    "provider": payment.provider,
                    "method": payment.method,
                    "reference": payment.reference,
                    "amount_cents": payment.amount_cents,
                    "currency": payment.currency,
                    "paid_cents": paid,
                    "total_cents": invoice.total_cents,
                    "invoice_status": status,
                    "received_on": payment.received_on,
                })),
        )
        .await
        .map_err(|e| emit_failed("payment.received", e))?;
    Ok(Recorded::New(payment))
}
