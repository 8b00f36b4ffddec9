//! Registrations: a filing of one type for one client, driven through the workflow of
//! [`crate::workflow`]. Every change writes a timeline entry and an event in the same
//! transaction; a refused change writes nothing.
//!
//! `model` holds the types, `repo` the statements; the operations are grouped by what they
//! do to a registration: `drafts` (start one), `steps` (the wizard's data and its
//! validation), `transitions` (the workflow's actions), `assignment`, and `list`.

mod assignment;
mod drafts;
mod list;
mod model;
mod payment;
pub(crate) mod repo;
mod steps;
mod transitions;

use crate::error::PracticeError;
use crate::registration_types::{Issue, Validation};
use comply360_jobs::{NewEvent, Outbox};
use comply360_store::TenantTx;
use serde_json::{Value, json};
use uuid::Uuid;

pub use assignment::{AssignInput, assign, extend_reservation};
pub use drafts::create_draft;
pub use list::{RegistrationFilter, list};
pub use model::{Actor, FilingPath, NewDraft, Registration};
pub use payment::{PaymentStep, StepRecorded, record_payment};
pub use steps::{StepPatch, check, patch_step};
pub use transitions::{TransitionInput, transition};

/// Registrations started this month (South African time): what the plan's monthly allowance
/// counts.
pub async fn started_this_month(tx: &mut TenantTx) -> Result<u64, PracticeError> {
    Ok(repo::created_this_month(tx).await?)
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Registration, PracticeError> {
    repo::find(tx, id)
        .await?
        .ok_or(PracticeError::NotFound("registration"))
}

/// Locks the row for the rest of the transaction, so two transitions cannot interleave.
async fn get_for_update(tx: &mut TenantTx, id: Uuid) -> Result<Registration, PracticeError> {
    repo::find_for_update(tx, id)
        .await?
        .ok_or(PracticeError::NotFound("registration"))
}

pub(crate) async fn emit(
    tx: &mut TenantTx,
    outbox: &Outbox,
    event_type: &'static str,
    r: &Registration,
    extra: Value,
) -> Result<(), PracticeError> {
    let mut payload = json!({
        "registration_id": r.id,
        "client_id": r.client_id,
        "kind": r.kind,
        "status": r.status,
        "reference": r.registry_reference,
        "filing_path": r.filing_path,
    });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    outbox
        .emit(
            tx,
            NewEvent::new(event_type, "registration")
                .aggregate(r.id)
                .payload(payload),
        )
        .await
        .map_err(|e| PracticeError::Store(e.into_store(event_type)))?;
    Ok(())
}

/// Records the gateway's filing id (the automated path).
pub(crate) async fn set_filing_id(
    tx: &mut TenantTx,
    id: Uuid,
    filing_id: &str,
) -> Result<(), PracticeError> {
    Ok(repo::set_filing_id(tx, id, filing_id).await?)
}

pub fn issues_of(v: &Validation) -> Vec<Issue> {
    v.errors.clone()
}
