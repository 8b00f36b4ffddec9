//! `commissions.calculate`: the job that earns a registration's agent a commission when the
//! registration is approved (or completed, per the agency's settings).
//!
//! Idempotent twice over: the job runner's inbox makes one event's job count once, and the
//! table's unique (registration, agent) makes a second approval of the same registration
//! (after a rejection and a resubmission, or a retried job of another event) a no-op. What
//! produced the amount (the rule as it stood, the fee, the exact arithmetic) is kept with it.

use super::repo::{self, NewCommission};
use crate::prices;
use crate::rules::{self, Rule};
use crate::settings::{self, Trigger};
use async_trait::async_trait;
use chrono::NaiveDate;
use comply360_domain::commission::Formula;
use comply360_domain::{Cents, Currency, RegistrationKind};
use comply360_jobs::event::types;
use comply360_jobs::{Handler, HandlerError, JobContext, NewEvent, Outbox};
use comply360_practice::PracticeError;
use comply360_practice::reminders::sa_date;
use comply360_store::TenantTx;
use serde_json::{Value, json};
use uuid::Uuid;

pub struct CalculateCommission;

#[async_trait]
impl Handler for CalculateCommission {
    fn name(&self) -> &'static str {
        "commissions.calculate"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::REGISTRATION_APPROVED, types::REGISTRATION_UPDATED]
    }

    fn runs_in_batches(&self) -> bool {
        true
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let payload = &ctx.event.payload;
        let Some(registration) = payload
            .get("registration_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
        else {
            return Err(HandlerError::Permanent(
                "the event names no registration_id".into(),
            ));
        };
        let completed = payload.get("action").and_then(Value::as_str) == Some("complete");
        let trigger = settings::get(ctx.tx).await.map_err(failed)?.trigger;
        let fires = match ctx.event.event_type.as_str() {
            types::REGISTRATION_APPROVED => trigger == Trigger::Approved,
            _ => completed && trigger == Trigger::Completed,
        };
        if !fires {
            return Ok(());
        }
        calculate(
            ctx.tx,
            ctx.outbox,
            registration,
            sa_date(ctx.event.occurred_at),
            trigger,
        )
        .await
        .map_err(failed)?;
        Ok(())
    }
}

fn failed(e: PracticeError) -> HandlerError {
    match e {
        PracticeError::Store(_) => HandlerError::Retryable(e.to_string()),
        other => HandlerError::Permanent(other.to_string()),
    }
}

/// What a calculation did.
#[derive(Debug, PartialEq, Eq)]
pub enum Calculated {
    /// A new commission with this id.
    Created(Uuid),
    /// The registration had already earned its agent one.
    AlreadyEarned,
    /// Nothing to earn: no agent assigned, or no rule in force; the reason.
    Nothing(&'static str),
}

/// Calculates and records the commission a registration earned its agent on `earned_on`.
pub async fn calculate(
    tx: &mut TenantTx,
    outbox: &Outbox,
    registration: Uuid,
    earned_on: NaiveDate,
    trigger: Trigger,
) -> Result<Calculated, PracticeError> {
    let earning = repo::earning(tx, registration)
        .await?
        .ok_or(PracticeError::NotFound("registration"))?;
    let Some(agent) = earning.agent else {
        tracing::info!(%registration, "no agent is assigned: no commission");
        return Ok(Calculated::Nothing(
            "no agent is assigned to the registration",
        ));
    };
    let kind: RegistrationKind =
        earning
            .kind
            .parse()
            .map_err(|e: comply360_domain::tenancy::UnknownValue| {
                PracticeError::field("kind", e.to_string())
            })?;
    let Some(rule) = rules::applicable(tx, kind, agent, earned_on).await? else {
        tracing::info!(%registration, %agent, %earned_on, "no commission rule in force");
        return Ok(Calculated::Nothing("no commission rule applies"));
    };
    // The fee is the price the client was quoted: the one in force on the day of submission.
    let fee_day = earning.submitted_at.map_or(earned_on, sa_date);
    let fee = prices::fee_on(tx, kind, fee_day).await?;
    let Amount {
        amount,
        currency,
        fee: fee_cents,
        exact_cents,
        explanation,
    } = amount_for(&rule, fee, kind, fee_day)?;
    let calculation = json!({
        "rule": {
            "id": rule.id,
            "kind": rule.kind,
            "agent_id": rule.agent_id,
            "basis": rule.basis,
            "rate_bp": rule.rate_bp,
            "amount_cents": rule.amount_cents,
            "currency": rule.currency,
            "rounding": rule.rounding,
            "effective_from": rule.effective_from,
            "effective_to": rule.effective_to,
        },
        "trigger": trigger,
        "fee_cents": fee_cents.map(|f| f.0),
        "fee_day": fee_day,
        "exact_cents": exact_cents,
        "explanation": explanation,
    });
    let Some(id) = repo::insert_once(
        tx,
        &NewCommission {
            registration,
            agent,
            rule: rule.id,
            amount,
            currency,
            fee: fee_cents,
            calculation: &calculation,
            earned_on,
        },
    )
    .await?
    else {
        return Ok(Calculated::AlreadyEarned);
    };
    outbox
        .emit(
            tx,
            NewEvent::new(types::COMMISSION_CALCULATED, "commission")
                .aggregate(id)
                .payload(json!({
                    "commission_id": id,
                    "registration_id": registration,
                    "agent_id": agent,
                    "amount_cents": amount.0,
                    "currency": currency.code(),
                    "earned_on": earned_on,
                    "explanation": calculation["explanation"],
                })),
        )
        .await
        .map_err(|e| PracticeError::Store(e.into_store("commission.calculated")))?;
    Ok(Calculated::Created(id))
}

/// A commission's amount and how it came about.
struct Amount {
    amount: Cents,
    currency: Currency,
    /// The fee it is a share of (none for a fixed rule's).
    fee: Option<Cents>,
    exact_cents: String,
    explanation: String,
}

fn amount_for(
    rule: &Rule,
    fee: Option<(Cents, Currency)>,
    kind: RegistrationKind,
    fee_day: NaiveDate,
) -> Result<Amount, PracticeError> {
    let invalid = |e: comply360_domain::commission::CommissionError| {
        PracticeError::field("rule", e.to_string())
    };
    match (rule.formula(), fee) {
        (Formula::Fixed { .. }, _) => {
            let c = rule
                .formula()
                .calculate(Cents(0), rule.rounding)
                .map_err(invalid)?;
            Ok(Amount {
                amount: c.amount,
                currency: rule.fixed_currency().unwrap_or(Currency::Zar),
                fee: None,
                exact_cents: c.exact_cents,
                explanation: c.explanation,
            })
        }
        (Formula::Percentage { .. }, Some((base, currency))) => {
            let c = rule
                .formula()
                .calculate(base, rule.rounding)
                .map_err(invalid)?;
            Ok(Amount {
                amount: c.amount,
                currency,
                fee: Some(base),
                exact_cents: c.exact_cents,
                explanation: c.explanation,
            })
        }
        // A percentage of no price: recorded as zero with the reason, for an administrator to
        // see (and reject, or set the price and have it recalculated), rather than lost.
        (Formula::Percentage { rate_bp }, None) => Ok(Amount {
            amount: Cents(0),
            currency: Currency::Zar,
            fee: None,
            exact_cents: "0".to_owned(),
            explanation: format!(
                "{rate_bp} of no fee: the agency had no price for {kind} on {fee_day}; set one under Commissions → Prices"
            ),
        }),
    }
}
