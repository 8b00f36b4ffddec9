//! Payments staff record by hand: an EFT seen on the bank statement, cash at the counter.

use crate::invoices::model::{ManualMethod, ManualPaymentInput, Payment, Provider};
use crate::invoices::repo;
use crate::ledger::{self, Received, Recorded};
use chrono::NaiveDate;
use comply360_jobs::Outbox;
use comply360_practice::PracticeError;
use comply360_practice::error::Problems;
use comply360_store::TenantTx;
use uuid::Uuid;

/// Records a manual payment of at most what is still due on the invoice.
pub async fn record(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    invoice: Uuid,
    input: &ManualPaymentInput,
    today: NaiveDate,
) -> Result<Payment, PracticeError> {
    let current = repo::find(tx, invoice, false)
        .await?
        .ok_or(PracticeError::NotFound("invoice"))?;
    let mut problems = Problems::default();
    let method = match input.method.as_deref().map(str::parse::<ManualMethod>) {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            problems.add("method", e.to_string());
            None
        }
        None => {
            problems.add("method", "is required: eft or cash");
            None
        }
    };
    let amount = input.amount_cents.unwrap_or(0);
    match input.amount_cents {
        None => problems.add("amount_cents", "the amount received, in cents, is required"),
        Some(a) if a <= 0 => problems.add("amount_cents", "must be more than 0"),
        Some(a) if current.status.payable() && a > current.due_cents => problems.add(
            "amount_cents",
            format!(
                "is more than the {} cents still due; record what the client paid, and refund any excess",
                current.due_cents
            ),
        ),
        Some(_) => {}
    }
    let reference = input.reference.as_deref().map(str::trim).unwrap_or("");
    if reference.is_empty() || reference.chars().count() > 100 {
        problems.add(
            "reference",
            "give the bank statement's reference or the receipt number (1 to 100 characters)",
        );
    }
    let received_on = input.received_on.unwrap_or(today);
    if received_on > today {
        problems.add("received_on", "cannot be in the future");
    }
    problems.finish("the payment has invalid fields")?;
    if !current.status.payable() {
        return Err(PracticeError::Conflict {
            code: "not_payable",
            detail: format!(
                "invoice {} is {}; payments are recorded against an issued, unpaid invoice",
                current.number.as_deref().unwrap_or("(draft)"),
                current.status
            ),
        });
    }
    let method = method.map_or("eft", ManualMethod::as_str);
    match ledger::record(
        tx,
        outbox,
        &Received {
            invoice,
            provider: Provider::Manual,
            method,
            reference,
            amount_cents: amount,
            currency: &current.currency,
            fee_cents: None,
            received_on,
            recorded_by: (!actor.is_nil()).then_some(actor),
            checkout: None,
            notification: None,
        },
    )
    .await?
    {
        Recorded::New(p) => {
            crate::metrics::count("manual", "recorded");
            Ok(p)
        }
        // Manual payments have no provider reference to be unique on.
        Recorded::AlreadyRecorded => Err(PracticeError::Conflict {
            code: "already_recorded",
            detail: "this payment was already recorded".into(),
        }),
    }
}
