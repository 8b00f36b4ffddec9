//! Assigning a registration to an agent (with a due date), and extending a reserved name.

use super::{Actor, Registration, emit, get, get_for_update, repo};
use crate::error::PracticeError;
use crate::timeline;
use crate::workflow::Status;
use chrono::NaiveDate;
use comply360_domain::RegistrationKind;
use comply360_jobs::Outbox;
use comply360_jobs::event::types;
use comply360_store::TenantTx;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub agent_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
}

pub async fn assign(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: &Actor,
    id: Uuid,
    a: &AssignInput,
) -> Result<Registration, PracticeError> {
    let r = get_for_update(tx, id).await?;
    if matches!(r.status(), Status::Completed | Status::Cancelled) {
        return Err(PracticeError::Conflict {
            code: "final",
            detail: format!("a {} registration cannot be reassigned", r.status),
        });
    }
    if a.agent_id.is_none() && a.due_on.is_none() {
        return Err(PracticeError::field(
            "agent_id",
            "give agent_id (or null to unassign) and/or due_on",
        ));
    }
    crate::agents::check(tx, a.agent_id, "agent_id").await?;
    repo::assign(tx, id, a.agent_id, a.due_on).await?;
    timeline::append(
        tx,
        id,
        actor.id,
        "assigned",
        None,
        None,
        &a.note,
        json!({"agent_id": a.agent_id, "due_on": a.due_on, "previous_agent_id": r.agent_id}),
    )
    .await?;
    let r = get(tx, id).await?;
    emit(
        tx,
        outbox,
        types::REGISTRATION_UPDATED,
        &r,
        json!({"change": "assigned", "agent_id": a.agent_id}),
    )
    .await?;
    Ok(r)
}

/// Extends a reserved name for good cause (CoR 9.2): 60 business days after its expiry,
/// once, while it has not expired. The reason is required and kept on the timeline.
pub async fn extend_reservation(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    today: NaiveDate,
) -> Result<Registration, PracticeError> {
    if !actor.can("registrations:write") {
        return Err(PracticeError::Forbidden("registrations:write"));
    }
    let r = get_for_update(tx, id).await?;
    if r.kind != RegistrationKind::ZaNameReservation
        || !matches!(r.status(), Status::Approved | Status::Completed)
    {
        return Err(PracticeError::Conflict {
            code: "not_a_reservation",
            detail: "only an approved or completed name reservation can be extended".into(),
        });
    }
    if reason.trim().is_empty() {
        return Err(PracticeError::field(
            "reason",
            "give the good cause for the extension (it goes on the CoR 9.2)",
        ));
    }
    let mut outcome = r.outcome.clone().unwrap_or_default();
    let Some(expires_on) = outcome
        .get("expires_on")
        .and_then(Value::as_str)
        .and_then(|d| d.parse::<NaiveDate>().ok())
    else {
        return Err(PracticeError::Conflict {
            code: "no_expiry",
            detail: "the reservation has no expiry date recorded".into(),
        });
    };
    if outcome.get("extended_from").is_some_and(|v| !v.is_null()) {
        return Err(PracticeError::Conflict {
            code: "already_extended",
            detail: format!("the reservation was already extended to {expires_on}"),
        });
    }
    if today > expires_on {
        return Err(PracticeError::Conflict {
            code: "reservation_expired",
            detail: format!(
                "the reservation expired on {expires_on}; an expired name cannot be extended, reserve it again"
            ),
        });
    }
    let extended = comply360_domain::rules::name_reservation_extension(expires_on, tx.calendar());
    if let Some(obj) = outcome.as_object_mut() {
        obj.insert("expires_on".into(), json!(extended));
        obj.insert("extended_from".into(), json!(expires_on));
        obj.insert("extension_document".into(), json!("CoR 9.2"));
    }
    repo::amend_outcome(tx, id, &outcome).await?;
    timeline::append(
        tx,
        id,
        actor.id,
        "extended",
        None,
        None,
        reason,
        json!({"from": expires_on, "to": extended}),
    )
    .await?;
    let r = get(tx, id).await?;
    emit(
        tx,
        outbox,
        types::REGISTRATION_UPDATED,
        &r,
        json!({"change": "reservation_extended", "expires_on": extended}),
    )
    .await?;
    Ok(r)
}
