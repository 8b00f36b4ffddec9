//! Refunds: a credit note, numbered in its own sequence, for part or all of a payment. A
//! manual payment's refund is recorded as made (staff paid the client back); a provider's is
//! pending until the `payments.refund` job has the provider's API confirm it, with the credit
//! note's id as the idempotency key, so a retried job never refunds twice.

use crate::billing;
use crate::invoices::model::{CreditNote, Provider, RefundInput};
use crate::invoices::numbering::{self, Series};
use crate::invoices::repo;
use crate::ledger::emit_failed;
use chrono::NaiveDate;
use comply360_domain::commission::Rounding;
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_practice::error::Problems;
use comply360_practice::{PracticeError, history};
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

/// Issues a credit note refunding (part of) a payment of `invoice`.
pub async fn refund(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    invoice: Uuid,
    input: &RefundInput,
    today: NaiveDate,
) -> Result<CreditNote, PracticeError> {
    let inv = repo::find(tx, invoice, true)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    let Some(payment_id) = input.payment_id else {
        return Err(PracticeError::field(
            "payment_id",
            "name the payment to refund",
        ));
    };
    let payment = repo::payment_for_update(tx, payment_id)
        .await?
        .filter(|p| p.invoice_id == invoice)
        .ok_or(PracticeError::NotFound("payment"))?;
    let (reserved,): (i64,) = tx
        .query_as(
            "SELECT coalesce(sum(amount_cents), 0)::bigint FROM credit_notes \
             WHERE tenant_id = $1 AND payment_id = $2 AND refund_status <> 'failed'",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(payment_id)
        .fetch_one(tx.conn())
        .await?;
    let remaining = payment.amount_cents - reserved;
    let amount = input.amount_cents.unwrap_or(remaining);
    let mut problems = Problems::default();
    if amount <= 0 {
        problems.add(
            "amount_cents",
            if remaining <= 0 {
                "the payment has been refunded in full already".to_owned()
            } else {
                "must be more than 0".to_owned()
            },
        );
    } else if amount > remaining {
        problems.add(
            "amount_cents",
            format!("is more than the {remaining} cents of this payment not yet refunded"),
        );
    }
    let reason = input.reason.as_deref().map(str::trim).unwrap_or("");
    if reason.is_empty() || reason.chars().count() > 500 {
        problems.add(
            "reason",
            "say why the money is refunded, in 1 to 500 characters",
        );
    }
    problems.finish("the refund has invalid fields")?;
    // The VAT in the refund is the invoice's share of VAT in its total.
    let vat = if inv.total_cents > 0 {
        i64::try_from(Rounding::HalfUp.divide(
            i128::from(amount) * i128::from(inv.vat_cents),
            i128::from(inv.total_cents),
        ))
        .unwrap_or(0)
    } else {
        0
    };
    let settings = billing::get(tx).await?;
    let sequence = numbering::next(tx, Series::CreditNote).await?;
    let number = numbering::format(&settings.credit_note_prefix, sequence);
    let manual = payment.provider == Provider::Manual.as_str();
    let id = Uuid::now_v7();
    let row = tx
        .query(
            "INSERT INTO credit_notes (tenant_id, id, invoice_id, payment_id, sequence, number, \
             amount_cents, vat_cents, reason, refund_status, issued_on, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             RETURNING id, invoice_id, payment_id, number, amount_cents, vat_cents, reason, \
             refund_status, provider_refund, failure, issued_on, created_by, created_at",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(invoice)
        .bind(payment_id)
        .bind(sequence)
        .bind(&number)
        .bind(amount)
        .bind(vat)
        .bind(reason)
        .bind(if manual { "refunded" } else { "pending" })
        .bind(today)
        .bind((!actor.is_nil()).then_some(actor))
        .fetch_one(tx.conn())
        .await?;
    let note = repo::credit_note(&row)?;
    history::record(
        tx,
        actor,
        "invoice.credit_note_issued",
        "invoice",
        invoice,
        json!({"credit_note": number, "payment_id": payment_id, "amount_cents": amount, "reason": reason}),
    )
    .await?;
    if manual {
        settle(tx, outbox, &note, None).await?;
    } else {
        outbox
            .emit(
                tx,
                NewEvent::new(types::PAYMENT_REFUND_REQUESTED, "invoice")
                    .aggregate(invoice)
                    .actor((!actor.is_nil()).then_some(actor))
                    .payload(json!({
                        "credit_note_id": id,
                        "invoice_id": invoice,
                        "payment_id": payment_id,
                        "provider": payment.provider,
                        "reference": payment.reference,
                        "amount_cents": amount,
                        "currency": payment.currency,
                        "reason": reason,
                    })),
            )
            .await
            .map_err(|e| emit_failed("payment.refund_requested", e))?;
    }
    let refreshed = repo::credit_note_for_update(tx, id)
        .await?
        .ok_or(PracticeError::NotFound("credit note"))?;
    Ok(refreshed)
}

/// The money went back: the payment's and the invoice's refunded amounts grow, and
/// `payment.refunded` is emitted.
async fn settle(
    tx: &mut TenantTx,
    outbox: &Outbox,
    note: &CreditNote,
    provider_refund: Option<&str>,
) -> Result<(), PracticeError> {
    tx.query(
        "UPDATE credit_notes SET refund_status = 'refunded', provider_refund = $3, failure = NULL, \
         updated_at = now() WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(note.id)
    .bind(provider_refund)
    .execute(tx.conn())
    .await?;
    tx.query(
        "UPDATE payments SET refunded_cents = refunded_cents + $3 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(note.payment_id)
    .bind(note.amount_cents)
    .execute(tx.conn())
    .await?;
    repo::add_credited(tx, note.invoice_id, note.amount_cents).await?;
    outbox
        .emit(
            tx,
            NewEvent::new(types::PAYMENT_REFUNDED, "invoice")
                .aggregate(note.invoice_id)
                .payload(json!({
                    "credit_note_id": note.id,
                    "credit_note": note.number,
                    "invoice_id": note.invoice_id,
                    "payment_id": note.payment_id,
                    "amount_cents": note.amount_cents,
                    "provider_refund": provider_refund,
                })),
        )
        .await
        .map_err(|e| emit_failed("payment.refunded", e))?;
    Ok(())
}

/// The provider confirmed a pending refund. A second confirmation changes nothing.
pub async fn confirm(
    tx: &mut TenantTx,
    outbox: &Outbox,
    credit_note: Uuid,
    provider_refund: &str,
) -> Result<bool, PracticeError> {
    let note = repo::credit_note_for_update(tx, credit_note)
        .await?
        .ok_or(PracticeError::NotFound("credit note"))?;
    if note.refund_status != "pending" {
        return Ok(false);
    }
    settle(tx, outbox, &note, Some(provider_refund)).await?;
    Ok(true)
}

/// The provider refused the refund: the credit note says why, and the amount may be
/// refunded again (by another means, or once the cause is fixed).
pub async fn fail(
    tx: &mut TenantTx,
    credit_note: Uuid,
    failure: &str,
) -> Result<(), PracticeError> {
    let failure: String = failure.chars().take(1000).collect();
    tx.query(
        "UPDATE credit_notes SET refund_status = 'failed', failure = $3, updated_at = now() \
         WHERE tenant_id = $1 AND id = $2 AND refund_status = 'pending'",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(credit_note)
    .bind(failure)
    .execute(tx.conn())
    .await?;
    Ok(())
}
