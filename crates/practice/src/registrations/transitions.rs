//! Taking a workflow action on a registration. Refusals (not allowed from this status,
//! missing permission, an invalid draft, a missing outcome) come before any write, so a
//! refused action changes nothing; an accepted one writes the row, its timeline entry (two
//! for a submit from draft, which passes through ready) and its event together.

use super::steps::ctx_for;
use super::{Actor, Registration, emit, get, get_for_update, repo};
use crate::error::PracticeError;
use crate::outcome::{self, OutcomeInput};
use crate::registration_types::{RegistrationType, validate};
use crate::timeline;
use crate::workflow::{Action, Status};
use chrono::NaiveDate;
use comply360_jobs::Outbox;
use comply360_jobs::event::types;
use comply360_store::TenantTx;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub action: Option<String>,
    #[serde(default)]
    pub note: String,
    pub outcome: Option<OutcomeInput>,
    pub expected_version: Option<i32>,
}

/// The action asked for, if the caller may take it and the note fits.
fn read_request(actor: &Actor, input: &TransitionInput) -> Result<Action, PracticeError> {
    let action: Action = match input.action.as_deref() {
        Some(a) => a
            .parse()
            .map_err(|e: String| PracticeError::field("action", e))?,
        None => {
            return Err(PracticeError::field(
                "action",
                "the action to take is required",
            ));
        }
    };
    if !actor.can(action.permission()) {
        return Err(PracticeError::Forbidden(action.permission()));
    }
    if input.note.chars().count() > 2000 {
        return Err(PracticeError::field(
            "note",
            "must be at most 2000 characters",
        ));
    }
    Ok(action)
}

/// Where `action` leads from the registration's status, unless the caller read an older
/// version or the workflow does not allow it there.
fn next_status(
    r: &Registration,
    action: Action,
    expected_version: Option<i32>,
) -> Result<Status, PracticeError> {
    if let Some(v) = expected_version
        && v != r.version
    {
        return Err(PracticeError::Conflict {
            code: "stale_version",
            detail: format!(
                "the registration is at version {}, not {v}; reload it",
                r.version
            ),
        });
    }
    let from = r.status();
    action.from(from).ok_or_else(|| {
        let allowed: Vec<&str> = from.actions().into_iter().map(Action::as_str).collect();
        PracticeError::Conflict {
            code: "transition_not_allowed",
            detail: format!(
                "cannot {action} a {from} registration; from {from} you can: {}",
                if allowed.is_empty() {
                    "nothing (it is final)".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
        }
    })
}

/// Marking ready and submitting need a draft that validates.
async fn require_valid_draft(
    tx: &mut TenantTx,
    r: &Registration,
    ty: &RegistrationType,
    action: Action,
    today: NaiveDate,
) -> Result<(), PracticeError> {
    if !action.needs_valid_draft() {
        return Ok(());
    }
    let ctx = ctx_for(tx, r, today).await?;
    let v = validate(ty, &r.steps, &ctx);
    if v.valid {
        Ok(())
    } else {
        Err(PracticeError::invalid(
            format!("the registration cannot {action}: fix the fields listed"),
            v.errors,
        ))
    }
}

/// What the registry said, for the actions that record it; returns the timeline's detail.
async fn record_outcome(
    tx: &mut TenantTx,
    actor: &Actor,
    ty: &RegistrationType,
    r: &Registration,
    action: Action,
    input: &TransitionInput,
    today: NaiveDate,
) -> Result<Value, PracticeError> {
    let no_reason = input.note.trim().is_empty()
        && input
            .outcome
            .as_ref()
            .and_then(|o| o.reason.as_ref())
            .is_none();
    match action {
        Action::Approve => {
            let outcome = outcome::for_approval(ty, r, input.outcome.as_ref(), today)?;
            outcome::store(tx, r, &outcome).await?;
            Ok(json!({"outcome": outcome.record}))
        }
        Action::Reject | Action::RequestInfo if no_reason => Err(PracticeError::field(
            "note",
            format!("say why (the registry's reason) when you {action}"),
        )),
        Action::Reject => {
            let record = outcome::for_rejection(ty, input.outcome.as_ref(), &input.note);
            repo::set_outcome(tx, r.id, &record, None).await?;
            Ok(json!({"outcome": record}))
        }
        Action::Complete => {
            outcome::complete(tx, actor.id, ty, r, input.outcome.as_ref(), today).await
        }
        _ => Ok(json!({})),
    }
}

fn event_of(action: Action) -> &'static str {
    match action {
        Action::Submit | Action::Resubmit => types::REGISTRATION_SUBMITTED,
        Action::Approve => types::REGISTRATION_APPROVED,
        Action::Reject => types::REGISTRATION_REJECTED,
        _ => types::REGISTRATION_UPDATED,
    }
}

/// Takes `action` on the registration. Refusals (not allowed from this status, missing
/// permission, an invalid draft, a missing outcome) change nothing.
pub async fn transition(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: &Actor,
    id: Uuid,
    input: &TransitionInput,
    today: NaiveDate,
) -> Result<Registration, PracticeError> {
    let action = read_request(actor, input)?;
    let r = get_for_update(tx, id).await?;
    let to = next_status(&r, action, input.expected_version)?;
    let ty = r.registration_type()?;
    require_valid_draft(tx, &r, ty, action, today).await?;
    let detail = record_outcome(tx, actor, ty, &r, action, input, today).await?;
    let mut from = r.status();
    if action == Action::Submit && from == Status::Draft {
        // A submit from draft passes through ready: both steps are on the timeline.
        timeline::append(
            tx,
            id,
            actor.id,
            Action::MarkReady.as_str(),
            Some(Status::Draft),
            Some(Status::Ready),
            "",
            json!({}),
        )
        .await?;
        from = Status::Ready;
    }
    repo::set_status(tx, id, to).await?;
    timeline::append(
        tx,
        id,
        actor.id,
        action.as_str(),
        Some(from),
        Some(to),
        &input.note,
        detail,
    )
    .await?;
    let r = get(tx, id).await?;
    emit(
        tx,
        outbox,
        event_of(action),
        &r,
        json!({"action": action.as_str(), "note": input.note}),
    )
    .await?;
    Ok(r)
}
