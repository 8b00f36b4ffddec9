//! The automated filing path: `registry.file` takes each submitted registration whose
//! `filing_path` is `gateway`, files it through the configured [`RegistryGateway`], and
//! polls until the registry answers; then it records the outcome exactly as an agent would
//! (approve + complete, or reject), so the timeline reads the same either way.
//!
//! Delivery is at least once and the gateway call cannot join our transaction, so the call
//! carries the registration id and submission time as its idempotency key (`applicant_reference`): filing again
//! after a crash returns the same filing. While the registry has not answered, the job is
//! deferred (no attempt used) and polls again after `poll_every`.

use crate::outcome::{Attachment, OutcomeInput};
use crate::registration_types::Operation;
use crate::registrations::{self, Actor, Registration, TransitionInput};
use crate::workflow::Status;
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use comply360_domain::CompanyType;
use comply360_integrations::registry::{
    Director, FilingOutcome, IncorporationRequest, NameReservationRequest, Receipt, RegistryError,
    RegistryGateway,
};
use comply360_integrations::{CallError, Resilience};
use comply360_jobs::event::types;
use comply360_jobs::{Handler, HandlerError, JobContext};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub struct RegistryFiling {
    gateway: Arc<dyn RegistryGateway>,
    resilience: Resilience,
    poll_every: Duration,
}

impl RegistryFiling {
    pub fn new(
        gateway: Arc<dyn RegistryGateway>,
        resilience: Resilience,
        poll_every: Duration,
    ) -> RegistryFiling {
        RegistryFiling {
            gateway,
            resilience,
            poll_every,
        }
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn names(r: &Registration) -> Vec<String> {
    for (step, field) in [
        ("names", "names"),
        ("company_name", "names"),
        ("company_name", "alternatives"),
    ] {
        if let Some(list) = r
            .steps
            .get(step)
            .and_then(|s| s.get(field))
            .and_then(Value::as_array)
        {
            return list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
    }
    Vec::new()
}

fn incorporation(r: &Registration, company_type: &str) -> IncorporationRequest {
    let name_step = r.steps.get("company_name");
    let choice = text(name_step.and_then(|s| s.get("name_choice")));
    let (name, reservation) = match choice.as_deref() {
        Some("reserved") => (
            text(name_step.and_then(|s| s.get("reserved_name"))),
            text(name_step.and_then(|s| s.get("reservation_number"))),
        ),
        Some("registration_number") => (None, None),
        _ => (names(r).into_iter().next(), None),
    };
    let people = r
        .steps
        .get("directors")
        .and_then(|s| s.get("directors"))
        .or_else(|| r.steps.get("members").and_then(|s| s.get("members")))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    IncorporationRequest {
        jurisdiction: r.jurisdiction,
        company_type: company_type.to_owned(),
        name,
        name_reservation_number: reservation,
        directors: people
            .iter()
            .map(|p| Director {
                full_name: text(p.get("full_name")).unwrap_or_default(),
                id_number: text(p.get("id_number")),
                passport: text(p.get("passport_number")),
            })
            .collect(),
        financial_year_end: r
            .steps
            .get("company_details")
            .and_then(|s| s.get("financial_year_end"))
            .map(|m| m.to_string()),
        applicant_reference: applicant_reference(r),
    }
}

fn failure(err: CallError<RegistryError>) -> HandlerError {
    match err {
        CallError::CircuitOpen { .. } => HandlerError::Deferred {
            after: Duration::from_secs(30),
            reason: err.to_string(),
        },
        CallError::Failed(e) if !e_is_retryable(&e) => HandlerError::Permanent(e.to_string()),
        other => HandlerError::Retryable(other.to_string()),
    }
}

fn e_is_retryable(e: &RegistryError) -> bool {
    use comply360_integrations::Retryable;
    e.is_retryable()
}

/// The idempotency key of one submission: the registration and when it was submitted, so a
/// retried job files nothing new while a resubmission after a refusal is a new filing.
fn applicant_reference(r: &Registration) -> String {
    format!(
        "{}@{}",
        r.id,
        r.submitted_at
            .map(|t| t.timestamp_micros())
            .unwrap_or_default()
    )
}

impl RegistryFiling {
    async fn file(
        &self,
        ctx: &JobContext<'_>,
        r: &Registration,
        operation: Operation,
        company_type: Option<&str>,
    ) -> Result<Receipt, HandlerError> {
        let tenant = ctx.tenant.id();
        let gateway = self.gateway.clone();
        match operation {
            Operation::NameReservation => {
                let request = NameReservationRequest {
                    jurisdiction: r.jurisdiction,
                    names: names(r),
                    applicant_reference: applicant_reference(r),
                };
                self.resilience
                    .call(tenant, "registry", || gateway.reserve_name(&request))
                    .await
                    .map_err(failure)
            }
            Operation::Incorporation => {
                let request = incorporation(r, company_type.unwrap_or("private_company"));
                self.resilience
                    .call(tenant, "registry", || gateway.incorporate(&request))
                    .await
                    .map_err(failure)
            }
            other => Err(HandlerError::Permanent(format!(
                "{} has no automated filing ({other}); file it by hand and record the outcome",
                r.kind
            ))),
        }
    }
}

#[async_trait]
impl Handler for RegistryFiling {
    fn name(&self) -> &'static str {
        "registry.file"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::REGISTRATION_SUBMITTED]
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        if ctx.event.payload.get("filing_path").and_then(Value::as_str) != Some("gateway") {
            return Ok(());
        }
        let Some(id) = ctx
            .event
            .payload
            .get("registration_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
        else {
            return Err(HandlerError::Permanent(
                "registration.submitted without a registration_id".into(),
            ));
        };
        let r = registrations::get(ctx.tx, id)
            .await
            .map_err(|e| HandlerError::Retryable(e.to_string()))?;
        if r.status() != Status::Submitted {
            return Ok(());
        }
        let ty = r
            .registration_type()
            .map_err(|e| HandlerError::Permanent(e.to_string()))?;
        let receipt = self
            .file(
                ctx,
                &r,
                ty.operation,
                ty.company_type.map(CompanyType::as_str),
            )
            .await?;
        let gateway = self.gateway.clone();
        let outcome = self
            .resilience
            .call(ctx.tenant.id(), "registry", || gateway.outcome(&receipt))
            .await
            .map_err(failure)?;
        if outcome.is_pending() {
            return Err(HandlerError::Deferred {
                after: self.poll_every,
                reason: format!(
                    "{} has not answered filing {} yet",
                    self.gateway.name(),
                    receipt.filing_id
                ),
            });
        }
        registrations::set_filing_id(ctx.tx, id, &receipt.filing_id)
            .await
            .map_err(|e| HandlerError::Retryable(e.to_string()))?;
        let system = Actor::system();
        let note = format!(
            "answer from {} (filing {})",
            self.gateway.name(),
            receipt.filing_id
        );
        let today = crate::reminders::sa_today();
        let steps: Vec<TransitionInput> = match outcome {
            FilingOutcome::Pending => Vec::new(),
            FilingOutcome::NameReserved {
                name,
                reservation_number,
                document,
                expires_on,
                applied_on,
                ..
            } => vec![
                TransitionInput {
                    action: Some("approve".into()),
                    note: note.clone(),
                    outcome: Some(OutcomeInput {
                        reserved_name: Some(name),
                        reservation_number: Some(reservation_number.clone()),
                        reference: Some(reservation_number),
                        document: Some(document),
                        expires_on: Some(expires_on),
                        decided_on: Some(applied_on),
                        ..Default::default()
                    }),
                    expected_version: None,
                },
                TransitionInput {
                    action: Some("complete".into()),
                    note: note.clone(),
                    outcome: None,
                    expected_version: None,
                },
            ],
            FilingOutcome::Incorporated {
                registration_number,
                name,
                document,
                certificate,
                ..
            } => vec![
                TransitionInput {
                    action: Some("approve".into()),
                    note: note.clone(),
                    outcome: Some(OutcomeInput {
                        registration_number: Some(registration_number.clone()),
                        reference: Some(registration_number),
                        name: Some(name),
                        document: Some(document),
                        certificate: Some(Attachment {
                            file_name: certificate.file_name,
                            content_type: certificate.content_type,
                            content_base64: STANDARD.encode(&certificate.content),
                        }),
                        ..Default::default()
                    }),
                    expected_version: None,
                },
                TransitionInput {
                    action: Some("complete".into()),
                    note: note.clone(),
                    outcome: None,
                    expected_version: None,
                },
            ],
            FilingOutcome::NamesRefused { refused, document } => vec![TransitionInput {
                action: Some("reject".into()),
                note: refused
                    .iter()
                    .map(|n| format!("{}: {}", n.name, n.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
                outcome: Some(OutcomeInput {
                    document: Some(document),
                    ..Default::default()
                }),
                expected_version: None,
            }],
            FilingOutcome::Rejected { reason, document } => vec![TransitionInput {
                action: Some("reject".into()),
                note: reason,
                outcome: Some(OutcomeInput {
                    document: Some(document),
                    ..Default::default()
                }),
                expected_version: None,
            }],
        };
        for step in steps {
            registrations::transition(ctx.tx, ctx.outbox, &system, id, &step, today)
                .await
                .map_err(|e| {
                    HandlerError::Permanent(format!("cannot record the registry's answer: {e}"))
                })?;
        }
        Ok(())
    }

    async fn on_dead(&self, ctx: &mut JobContext<'_>, error: &str) -> Result<(), HandlerError> {
        if let Some(id) = ctx
            .event
            .payload
            .get("registration_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
        {
            crate::timeline::append(
                ctx.tx,
                id,
                Uuid::nil(),
                "filing_failed",
                None,
                None,
                error,
                serde_json::json!({}),
            )
            .await
            .map_err(|e| HandlerError::Retryable(e.to_string()))?;
        }
        Ok(())
    }
}
