//! `payments.notification` (PayFast's ITNs) and `payments.webhook` (Stripe's events): apply a
//! stored notification once.
//!
//! The notification is re-read under a row lock in the job's transaction; one that is no
//! longer `received` was applied by an earlier run and is left alone, so a retried job, a
//! replayed event or two workers racing change nothing twice. A payment then goes through
//! the [`ledger`](crate::ledger), whose unique provider reference is the second guard.
//!
//! What each provider's notification must show before money is recorded:
//! * Stripe: `checkout.session.completed` with `payment_status` `paid` (or
//!   `checkout.session.async_payment_succeeded`), naming a checkout of this agency, for the
//!   amount and currency asked. Fulfilment never comes from the browser's return.
//! * PayFast: `COMPLETE`, naming a checkout of this agency, `amount_gross` within a cent of
//!   the amount asked, our merchant id, and PayFast's own server answering `VALID` for the
//!   same fields (FACTS.md §7). That call is made in `prepare`, outside the transaction.

use super::inbox::{self, Stored};
use crate::checkouts::{self, Checkout};
use crate::invoices::model::Provider;
use crate::ledger::{self, Received, Recorded};
use crate::providers;
use crate::service::{PAYFAST, Payments};
use async_trait::async_trait;
use comply360_integrations::CallError;
use comply360_integrations::payfast::{self, Itn};
use comply360_integrations::stripe::{CheckoutSession, Event, EventObject};
use comply360_jobs::event::types;
use comply360_jobs::{Handler, HandlerError, JobContext, PrepareContext, Prepared};
use comply360_practice::PracticeError;
use comply360_practice::reminders::sa_date;
use comply360_store::TenantTx;
use serde_json::Value;
use uuid::Uuid;

pub struct ApplyNotification {
    payments: Payments,
}

impl ApplyNotification {
    pub fn new(payments: Payments) -> ApplyNotification {
        ApplyNotification { payments }
    }
}

/// What a notification comes to.
#[derive(Debug)]
enum Verdict {
    /// Money received for this checkout.
    Pay {
        checkout: Checkout,
        reference: String,
        amount_cents: i64,
        fee_cents: Option<i64>,
    },
    /// The checkout did not go through (cancelled, an async payment failed).
    CheckoutFailed { checkout: Checkout, why: String },
    /// Nothing to do (another event type, a pending status).
    Ignore(String),
    /// Not to be trusted or not ours: nothing recorded, the reason kept.
    Refuse(String),
}

fn notification_id(payload: &Value) -> Result<Uuid, HandlerError> {
    payload
        .get("notification_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HandlerError::Permanent("the event names no notification_id".into()))
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

#[async_trait]
impl Handler for ApplyNotification {
    fn name(&self) -> &'static str {
        "payments.notification"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::PAYMENT_NOTIFICATION_RECEIVED]
    }

    /// PayFast's confirmation is asked for here, outside the job's transaction.
    async fn prepare(&self, ctx: &PrepareContext<'_>) -> Result<Option<Prepared>, HandlerError> {
        let id = notification_id(&ctx.event.payload)?;
        let mut tx = ctx.tenancy.begin(ctx.tenant).await.map_err(store_error)?;
        let Some(n) = inbox::get(&mut tx, id, false).await.map_err(store_error)? else {
            return Ok(None);
        };
        if n.state != "received" || n.provider != Provider::Payfast.as_str() {
            return Ok(None);
        }
        let verdict = self.payfast_verdict(&mut tx, ctx, &n).await?;
        tx.rollback().await.map_err(store_error)?;
        Ok(Some(Box::new(verdict)))
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let id = notification_id(&ctx.event.payload)?;
        let Some(n) = inbox::get(ctx.tx, id, true).await.map_err(store_error)? else {
            return Err(HandlerError::Permanent(format!(
                "notification {id} is not in this agency"
            )));
        };
        if n.state != "received" {
            return Ok(()); // applied before
        }
        let verdict = match ctx.prepared.take() {
            Some(p) => match p.downcast::<Verdict>() {
                Ok(v) => *v,
                Err(_) => return Err(HandlerError::Permanent("unexpected preparation".into())),
            },
            None => {
                return Err(HandlerError::Retryable(
                    "the PayFast notification was not prepared".into(),
                ));
            }
        };
        apply(ctx, &n, verdict).await
    }
}

/// `payments.webhook`: Stripe's events, which carry all they need (the session, its amount,
/// our checkout's id), so no outside call: the jobs run in batches, each under a savepoint.
pub struct ApplyWebhook;

#[async_trait]
impl Handler for ApplyWebhook {
    fn name(&self) -> &'static str {
        "payments.webhook"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::PAYMENT_WEBHOOK_RECEIVED]
    }

    fn runs_in_batches(&self) -> bool {
        true
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let id = notification_id(&ctx.event.payload)?;
        let Some(n) = inbox::get(ctx.tx, id, true).await.map_err(store_error)? else {
            return Err(HandlerError::Permanent(format!(
                "notification {id} is not in this agency"
            )));
        };
        if n.state != "received" {
            return Ok(()); // applied before
        }
        let verdict = stripe_verdict(ctx.tx, &n).await.map_err(practice_error)?;
        apply(ctx, &n, verdict).await
    }
}

impl ApplyNotification {
    async fn payfast_verdict(
        &self,
        tx: &mut TenantTx,
        ctx: &PrepareContext<'_>,
        n: &Stored,
    ) -> Result<Verdict, HandlerError> {
        let itn = match Itn::parse(&n.body) {
            Ok(itn) => itn,
            Err(e) => return Ok(Verdict::Refuse(format!("the ITN is malformed: {e}"))),
        };
        let Some(checkout) = ours(tx, &itn.m_payment_id, Provider::Payfast).await? else {
            return Ok(Verdict::Refuse(format!(
                "m_payment_id {} is not a PayFast checkout of this agency",
                itn.m_payment_id
            )));
        };
        if !itn.is_complete() {
            if itn.payment_status == "CANCELLED" {
                return Ok(Verdict::CheckoutFailed {
                    checkout,
                    why: "the client cancelled the payment at PayFast".into(),
                });
            }
            return Ok(Verdict::Ignore(format!(
                "payment status {} is not a completed payment",
                itn.payment_status
            )));
        }
        let pf = providers::payfast(
            tx,
            self.payments.sealing(),
            self.payments.endpoints(),
            self.payments.http(),
        )
        .await
        .map_err(practice_error)?
        .ok_or_else(|| {
            HandlerError::Permanent("the agency has no PayFast merchant connected".into())
        })?;
        if let Err(e) = payfast::check_merchant(&pf.config().merchant_id, &itn) {
            return Ok(Verdict::Refuse(format!("not our merchant account: {e}")));
        }
        if let Err(e) = payfast::check_amount(checkout.amount_cents, &itn) {
            return Ok(Verdict::Refuse(format!(
                "the amount paid is not the amount asked: {e}"
            )));
        }
        let confirmed = self
            .payments
            .resilience()
            .call(ctx.tenant.id(), PAYFAST, || pf.validate_pairs(&itn.pairs))
            .await;
        match confirmed {
            Ok(true) => Ok(Verdict::Pay {
                reference: itn.pf_payment_id.clone(),
                amount_cents: itn.amount_gross_cents,
                fee_cents: itn.amount_fee_cents.map(i64::abs),
                checkout,
            }),
            Ok(false) => Ok(Verdict::Refuse(
                "PayFast's server did not confirm the notification (validate answered INVALID)"
                    .into(),
            )),
            Err(CallError::CircuitOpen { .. }) => Err(HandlerError::Deferred {
                after: self.payments.resilience().policy(PAYFAST).cool_down,
                reason: "PayFast's circuit is open".into(),
            }),
            Err(e) => Err(HandlerError::Retryable(format!(
                "PayFast's confirmation could not be asked for: {e}"
            ))),
        }
    }
}

/// This agency's checkout named by a provider's reference; another agency's (or garbage)
/// finds nothing.
async fn ours(
    tx: &mut TenantTx,
    reference: &str,
    provider: Provider,
) -> Result<Option<Checkout>, HandlerError> {
    let Ok(id) = reference.parse::<Uuid>() else {
        return Ok(None);
    };
    checkouts::find(tx, id, provider).await.map_err(store_error)
}

async fn stripe_verdict(tx: &mut TenantTx, n: &Stored) -> Result<Verdict, PracticeError> {
    let event = match Event::parse(&n.body) {
        Ok(e) => e,
        Err(e) => return Ok(Verdict::Refuse(format!("the event is malformed: {e}"))),
    };
    let (session, succeeded) = match event.object {
        EventObject::CheckoutSessionCompleted(s) => (s, false),
        EventObject::CheckoutSessionAsyncPaymentSucceeded(s) => (s, true),
        EventObject::CheckoutSessionAsyncPaymentFailed(s) => {
            return Ok(match session_checkout(tx, &s).await? {
                Some(checkout) => Verdict::CheckoutFailed {
                    checkout,
                    why: "the client's delayed payment failed".into(),
                },
                None => Verdict::Refuse(not_ours(&s)),
            });
        }
        _ => {
            return Ok(Verdict::Ignore(format!(
                "{} is not an event payments act on",
                event.type_
            )));
        }
    };
    let Some(checkout) = session_checkout(tx, &session).await? else {
        return Ok(Verdict::Refuse(not_ours(&session)));
    };
    if !succeeded && session.payment_status != "paid" {
        return Ok(Verdict::Ignore(format!(
            "the session completed with payment status {}; waiting for the delayed payment",
            session.payment_status
        )));
    }
    let amount = session.amount_total.unwrap_or(0);
    let currency = session.currency.as_deref().unwrap_or("").to_uppercase();
    if amount != checkout.amount_cents || currency != checkout.currency {
        return Ok(Verdict::Refuse(format!(
            "the session was for {amount} {currency}, but the checkout asked {} {}",
            checkout.amount_cents, checkout.currency
        )));
    }
    Ok(Verdict::Pay {
        reference: session.payment_intent.clone().unwrap_or(session.id.clone()),
        amount_cents: amount,
        fee_cents: None,
        checkout,
    })
}

fn not_ours(s: &CheckoutSession) -> String {
    format!(
        "client_reference_id {} is not a Stripe checkout of this agency",
        s.client_reference_id.as_deref().unwrap_or("(none)")
    )
}

async fn session_checkout(
    tx: &mut TenantTx,
    s: &CheckoutSession,
) -> Result<Option<Checkout>, PracticeError> {
    let Some(id) = s
        .client_reference_id
        .as_deref()
        .and_then(|r| r.parse::<Uuid>().ok())
    else {
        return Ok(None);
    };
    Ok(checkouts::find(tx, id, Provider::Stripe).await?)
}

async fn apply(ctx: &mut JobContext<'_>, n: &Stored, verdict: Verdict) -> Result<(), HandlerError> {
    let (state, outcome) = match verdict {
        Verdict::Pay {
            checkout,
            reference,
            amount_cents,
            fee_cents,
        } => {
            let provider: Provider = n
                .provider
                .parse()
                .map_err(|e| HandlerError::Permanent(format!("{e}")))?;
            let recorded = ledger::record(
                ctx.tx,
                ctx.outbox,
                &Received {
                    invoice: checkout.invoice_id,
                    provider,
                    method: "online",
                    reference: &reference,
                    amount_cents,
                    currency: &checkout.currency,
                    fee_cents,
                    received_on: sa_date(ctx.event.occurred_at),
                    recorded_by: None,
                    checkout: Some(checkout.id),
                    notification: Some(n.id),
                },
            )
            .await;
            checkouts::set_status(ctx.tx, checkout.id, "completed")
                .await
                .map_err(store_error)?;
            match recorded {
                Ok(Recorded::New(p)) => (
                    "applied",
                    format!(
                        "payment {} of {} cents recorded",
                        p.reference, p.amount_cents
                    ),
                ),
                Ok(Recorded::AlreadyRecorded) => (
                    "ignored",
                    format!("payment {reference} was already recorded"),
                ),
                // The invoice was voided meanwhile: the money is real, so the notification
                // stays visible for staff to refund, instead of vanishing.
                Err(PracticeError::Conflict { detail, .. }) => ("refused", detail),
                Err(e) => return Err(practice_error(e)),
            }
        }
        Verdict::CheckoutFailed { checkout, why } => {
            checkouts::set_status(ctx.tx, checkout.id, "failed")
                .await
                .map_err(store_error)?;
            ("ignored", why)
        }
        Verdict::Ignore(why) => ("ignored", why),
        Verdict::Refuse(why) => {
            tracing::warn!(notification = %n.id, provider = %n.provider, reason = %why, "payment notification refused");
            ("refused", why)
        }
    };
    inbox::conclude(ctx.tx, n.id, state, &outcome)
        .await
        .map_err(store_error)?;
    crate::metrics::count(&n.provider, state);
    Ok(())
}
