//! `payments.refund`: asks the provider to refund what a credit note credits.
//!
//! The call is made in `prepare`, outside the job's transaction, with the credit note's id
//! as Stripe's idempotency key, so a retried job is the same refund to Stripe. PayFast's
//! refund API takes no idempotency key: a pending credit note's refund is asked for only
//! while the credit note is still pending, and a retry after an unknown outcome is the one
//! place a duplicate could arise (noted in ARCHITECTURE.md). The outcome is then recorded in
//! the job's transaction ([`refunds::confirm`] or [`refunds::fail`]).

use crate::invoices::model::Provider;
use crate::invoices::repo;
use crate::providers;
use crate::refunds;
use crate::service::{PAYFAST, Payments, STRIPE};
use async_trait::async_trait;
use comply360_integrations::{CallError, Retryable};
use comply360_jobs::event::types;
use comply360_jobs::{Handler, HandlerError, JobContext, PrepareContext, Prepared};
use comply360_practice::PracticeError;
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

pub struct RefundPayment {
    payments: Payments,
}

impl RefundPayment {
    pub fn new(payments: Payments) -> RefundPayment {
        RefundPayment { payments }
    }
}

/// What the provider said.
enum Outcome {
    Refunded(String),
    Refused(String),
}

fn store_error(e: impl std::fmt::Display) -> HandlerError {
    HandlerError::Retryable(e.to_string())
}

fn practice_error(e: PracticeError) -> HandlerError {
    match e {
        PracticeError::Store(s) => HandlerError::Retryable(s.to_string()),
        other => HandlerError::Permanent(other.to_string()),
    }
}

fn call_error<E: Retryable + std::fmt::Display>(
    e: CallError<E>,
    payments: &Payments,
    system: &str,
) -> Result<Outcome, HandlerError> {
    match e {
        CallError::CircuitOpen { .. } => Err(HandlerError::Deferred {
            after: payments.resilience().policy(system).cool_down,
            reason: format!("{system}'s circuit is open"),
        }),
        CallError::Failed(e) if !e.is_retryable() => Ok(Outcome::Refused(e.to_string())),
        other => Err(HandlerError::Retryable(other.to_string())),
    }
}

#[async_trait]
impl Handler for RefundPayment {
    fn name(&self) -> &'static str {
        "payments.refund"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::PAYMENT_REFUND_REQUESTED]
    }

    async fn prepare(&self, ctx: &PrepareContext<'_>) -> Result<Option<Prepared>, HandlerError> {
        let p = &ctx.event.payload;
        let note_id = uuid_of(p, "credit_note_id")?;
        let mut tx = ctx.tenancy.begin(ctx.tenant).await.map_err(store_error)?;
        let Some(note) = repo::credit_note_for_update(&mut tx, note_id)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        if note.refund_status != "pending" {
            return Ok(None);
        }
        let payment = repo::payment_for_update(&mut tx, note.payment_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| HandlerError::Permanent("the refunded payment is gone".into()))?;
        let provider: Provider = payment
            .provider
            .parse()
            .map_err(|e| HandlerError::Permanent(format!("{e}")))?;
        let outcome = match provider {
            Provider::Stripe => {
                let api = providers::stripe(
                    &mut tx,
                    self.payments.sealing(),
                    self.payments.endpoints(),
                    self.payments.http(),
                )
                .await
                .map_err(practice_error)?;
                tx.rollback().await.map_err(store_error)?;
                let Some(api) = api else {
                    return Ok(Some(Box::new(Outcome::Refused(
                        "Stripe is no longer connected".into(),
                    ))));
                };
                let metadata = BTreeMap::from([
                    ("credit_note".to_owned(), note.number.clone()),
                    ("invoice_id".to_owned(), note.invoice_id.to_string()),
                ]);
                let key = format!("refund-{}", note.id);
                match self
                    .payments
                    .resilience()
                    .call(ctx.tenant.id(), STRIPE, || {
                        api.create_refund(
                            &payment.reference,
                            Some(note.amount_cents),
                            &metadata,
                            &key,
                        )
                    })
                    .await
                {
                    Ok(r) if matches!(r.status.as_str(), "succeeded" | "pending") => {
                        Outcome::Refunded(r.id)
                    }
                    Ok(r) => {
                        Outcome::Refused(format!("Stripe answered refund status {}", r.status))
                    }
                    Err(e) => call_error(e, &self.payments, STRIPE)?,
                }
            }
            Provider::Payfast => {
                let api = providers::payfast(
                    &mut tx,
                    self.payments.sealing(),
                    self.payments.endpoints(),
                    self.payments.http(),
                )
                .await
                .map_err(practice_error)?;
                tx.rollback().await.map_err(store_error)?;
                let Some(api) = api else {
                    return Ok(Some(Box::new(Outcome::Refused(
                        "PayFast is no longer connected".into(),
                    ))));
                };
                match self
                    .payments
                    .resilience()
                    .call(ctx.tenant.id(), PAYFAST, || {
                        api.refund(&payment.reference, note.amount_cents, &note.reason)
                    })
                    .await
                {
                    Ok(answer) => {
                        Outcome::Refunded(format!("{}:{}", payment.reference, answer.status))
                    }
                    Err(e) => call_error(e, &self.payments, PAYFAST)?,
                }
            }
            Provider::Manual => return Ok(None),
        };
        Ok(Some(Box::new(outcome)))
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let note = uuid_of(&ctx.event.payload, "credit_note_id")?;
        let Some(prepared) = ctx.prepared.take() else {
            return Ok(());
        };
        let outcome = prepared
            .downcast::<Outcome>()
            .map_err(|_| HandlerError::Permanent("unexpected preparation".into()))?;
        match *outcome {
            Outcome::Refunded(id) => {
                refunds::confirm(ctx.tx, ctx.outbox, note, &id)
                    .await
                    .map_err(practice_error)?;
            }
            Outcome::Refused(why) => {
                tracing::warn!(credit_note = %note, reason = %why, "refund refused by the provider");
                refunds::fail(ctx.tx, note, &why)
                    .await
                    .map_err(practice_error)?;
            }
        }
        Ok(())
    }
}

fn uuid_of(payload: &Value, key: &str) -> Result<Uuid, HandlerError> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HandlerError::Permanent(format!("the event names no {key}")))
}
