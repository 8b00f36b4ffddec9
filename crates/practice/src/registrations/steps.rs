//! The wizard's steps: saving one (a ready registration goes back to draft) and checking the
//! whole draft against its type, with what validation must know of the company.

use super::{Actor, Registration, emit, get, get_for_update, repo};
use crate::error::PracticeError;
use crate::registration_types::{CompanyFacts, Ctx, Validation, validate, validate_step};
use crate::timeline;
use crate::workflow::{Action, Status};
use chrono::NaiveDate;
use comply360_domain::Jurisdiction;
use comply360_domain::contact::Region;
use comply360_jobs::Outbox;
use comply360_jobs::event::types;
use comply360_store::TenantTx;
use serde_json::{Value, json};
use uuid::Uuid;

/// What validation needs to know about the registration's company.
pub(super) async fn ctx_for(
    tx: &mut TenantTx,
    r: &Registration,
    today: NaiveDate,
) -> Result<Ctx, PracticeError> {
    let company = match r.company_id {
        Some(id) => crate::companies::repo::facts(tx, id, true)
            .await?
            .map(|f| CompanyFacts {
                company_type: f.company_type,
                incorporated_on: f.incorporated_on,
            }),
        None => None,
    };
    Ok(Ctx {
        today,
        region: match r.jurisdiction {
            Jurisdiction::Zimbabwe => Region::Zimbabwe,
            Jurisdiction::SouthAfrica => Region::SouthAfrica,
        },
        company,
        calendar: tx.calendar().clone(),
    })
}

/// One step's new data, and the version it was edited from (None: last write wins).
pub struct StepPatch<'a> {
    pub step: &'a str,
    pub value: &'a Value,
    pub expected_version: Option<i32>,
}

/// Refuses an edit of a registration past the editable statuses, or from a stale version.
fn check_editable(r: &Registration, expected_version: Option<i32>) -> Result<(), PracticeError> {
    if !r.status().editable() {
        return Err(PracticeError::Conflict {
            code: "not_editable",
            detail: format!(
                "a {} registration cannot be edited; only draft, ready and info_requested ones can",
                r.status
            ),
        });
    }
    if let Some(v) = expected_version
        && v != r.version
    {
        return Err(PracticeError::Conflict {
            code: "stale_version",
            detail: format!(
                "the registration changed since you read it (version {} now, {v} in your request); reload and apply your change again",
                r.version
            ),
        });
    }
    Ok(())
}

/// Saves one step of the wizard. A ready registration goes back to draft (it must be
/// validated again); `expected_version`, when given, refuses a stale edit.
pub async fn patch_step(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: &Actor,
    id: Uuid,
    patch: StepPatch<'_>,
    today: NaiveDate,
) -> Result<(Registration, Validation), PracticeError> {
    let StepPatch {
        step,
        value,
        expected_version,
    } = patch;
    let r = get_for_update(tx, id).await?;
    let ty = r.registration_type()?;
    check_editable(&r, expected_version)?;
    let ctx = ctx_for(tx, &r, today).await?;
    let shape = validate_step(ty, step, value);
    if !shape.errors.is_empty() {
        return Err(PracticeError::invalid(
            "the step has invalid fields",
            shape.errors,
        ));
    }
    repo::save_step(tx, id, step, value).await?;
    if r.status() == Status::Ready {
        timeline::append(
            tx,
            id,
            actor.id,
            Action::Edit.as_str(),
            Some(Status::Ready),
            Some(Status::Draft),
            "",
            json!({}),
        )
        .await?;
    }
    timeline::append(
        tx,
        id,
        actor.id,
        "step_saved",
        None,
        None,
        "",
        json!({"step": step}),
    )
    .await?;
    let r = get(tx, id).await?;
    let validation = validate(ty, &r.steps, &ctx);
    emit(
        tx,
        outbox,
        types::REGISTRATION_UPDATED,
        &r,
        json!({"change": "step_saved", "step": step}),
    )
    .await?;
    Ok((r, validation))
}

pub async fn check(
    tx: &mut TenantTx,
    id: Uuid,
    today: NaiveDate,
) -> Result<Validation, PracticeError> {
    let r = get(tx, id).await?;
    let ty = r.registration_type()?;
    let ctx = ctx_for(tx, &r, today).await?;
    Ok(validate(ty, &r.steps, &ctx))
}
