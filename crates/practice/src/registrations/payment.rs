//! A payment of the registration's invoice fills the wizard's payment step: the field of
//! kind `payment` gets the amount, the reference and the day, so the step a client's payment
//! completes is done without anyone typing it in.

use super::{Registration, emit, get, get_for_update, repo};
use crate::error::PracticeError;
use crate::registration_types::FieldKind;
use crate::timeline;
use chrono::NaiveDate;
use comply360_jobs::Outbox;
use comply360_jobs::event::types;
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

/// What was paid towards the registration, as the payment step records it.
pub struct PaymentStep<'a> {
    pub amount_cents: i64,
    pub reference: &'a str,
    pub paid_on: NaiveDate,
    /// `payfast`, `stripe` or `manual`.
    pub provider: &'a str,
}

/// What recording did.
#[derive(Debug, PartialEq, Eq)]
pub enum StepRecorded {
    /// The step's payment field now holds the payment.
    Recorded,
    /// The registration is past editing (submitted or later): only its timeline says so.
    NotEditable,
    /// Its type has no payment step (a VAT registration, say): only its timeline says so.
    NoPaymentStep,
}

/// Records a payment on the registration: the payment step's field when the registration can
/// still be edited, a timeline entry always, and `registration.updated`. A ready registration
/// stays ready (the payment completes a step, it does not change what was checked).
pub async fn record_payment(
    tx: &mut TenantTx,
    outbox: &Outbox,
    id: Uuid,
    payment: &PaymentStep<'_>,
) -> Result<(Registration, StepRecorded), PracticeError> {
    let r = get_for_update(tx, id).await?;
    let ty = r.registration_type()?;
    let field = ty.steps.iter().find_map(|step| {
        step.fields
            .iter()
            .find(|f| f.kind == FieldKind::Payment)
            .map(|f| (step.key.as_str(), f.key.as_str()))
    });
    let value = json!({
        "amount_cents": payment.amount_cents,
        "reference": payment.reference,
        "paid_on": payment.paid_on,
        "provider": payment.provider,
    });
    let recorded = match field {
        None => StepRecorded::NoPaymentStep,
        Some(_) if !r.status().editable() => StepRecorded::NotEditable,
        Some((step, key)) => {
            repo::save_field(tx, id, step, key, &value).await?;
            StepRecorded::Recorded
        }
    };
    timeline::append(
        tx,
        id,
        Uuid::nil(),
        "payment_recorded",
        None,
        None,
        "",
        json!({"payment": value, "step": field.map(|(s, _)| s)}),
    )
    .await?;
    let r = get(tx, id).await?;
    emit(
        tx,
        outbox,
        types::REGISTRATION_UPDATED,
        &r,
        json!({"change": "payment_recorded"}),
    )
    .await?;
    Ok((r, recorded))
}
