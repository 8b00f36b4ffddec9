//! Registrations: a filing of one type for one client, driven through the workflow of
//! [`crate::workflow`]. Every change writes a timeline entry and an event in the same
//! transaction; a refused change writes nothing.

use crate::error::{PracticeError, Problems};
use crate::outcome::{self, OutcomeInput};
use crate::registration_types::{
    Ctx, Issue, RegistrationTypes, Validation, validate, validate_step,
};
use crate::timeline;
use crate::workflow::{Action, Status};
use chrono::NaiveDate;
use comply360_domain::RegistrationKind;
use comply360_domain::contact::Region;
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_store::TenantTx;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

/// The columns of a registration, in [`model::from_row`]'s order (a macro, so the statement
/// stays one literal).
macro_rules! select_registrations {
    ($rest:literal) => {
        concat!(
            "SELECT id, client_id, company_id, kind, jurisdiction, status, agent_id, due_on, filing_path, \
             filing_id, registry_reference, payload, outcome, version, submitted_at, completed_at, \
             created_at, updated_at FROM registrations ",
            $rest
        )
    };
}

mod assignment;
mod list;
mod model;

pub use assignment::{AssignInput, assign, extend_reservation};
pub use list::{RegistrationFilter, list};
use model::from_row;
pub use model::{Actor, NewDraft, Registration};

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Registration, PracticeError> {
    let row = tx
        .query(select_registrations!("WHERE tenant_id = $1 AND id = $2"))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref()
        .map(from_row)
        .transpose()?
        .ok_or(PracticeError::NotFound("registration"))
}

/// Locks the row for the rest of the transaction, so two transitions cannot interleave.
async fn get_for_update(tx: &mut TenantTx, id: Uuid) -> Result<Registration, PracticeError> {
    let row = tx
        .query(select_registrations!(
            "WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref()
        .map(from_row)
        .transpose()?
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
        .map_err(|e| {
            PracticeError::Store(comply360_store::StoreError::Invalid(format!(
                "cannot emit {event_type}: {e}"
            )))
        })?;
    Ok(())
}

/// What validation needs to know about the registration's company.
async fn ctx_for(
    tx: &mut TenantTx,
    r: &Registration,
    today: NaiveDate,
) -> Result<Ctx, PracticeError> {
    let company = match r.company_id {
        Some(id) => {
            let row = tx
                .query("SELECT company_type, incorporated_on FROM companies WHERE tenant_id = $1 AND id = $2")
                .bind(tx.tenant_id().as_uuid())
                .bind(id)
                .fetch_optional(tx.conn())
                .await?;
            match row {
                Some(row) => Some(crate::registration_types::CompanyFacts {
                    company_type: row.try_get("company_type")?,
                    incorporated_on: row.try_get("incorporated_on")?,
                }),
                None => None,
            }
        }
        None => None,
    };
    Ok(Ctx {
        today,
        region: if r.jurisdiction == "ZW" {
            Region::Zimbabwe
        } else {
            Region::SouthAfrica
        },
        company,
    })
}

pub async fn create_draft(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: &Actor,
    d: &NewDraft,
) -> Result<Registration, PracticeError> {
    let mut p = Problems::default();
    let client_id = match d.client_id.as_deref().map(str::parse::<Uuid>) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            p.add(
                "client_id",
                "must be the id (a UUID) of one of your clients",
            );
            None
        }
        None => {
            p.add(
                "client_id",
                "the id of the client this filing is for is required",
            );
            None
        }
    };
    let kind = match d.kind.as_deref().map(str::parse::<RegistrationKind>) {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            p.add("kind", e.to_string());
            None
        }
        None => {
            p.add(
                "kind",
                "the registration type is required (GET /api/v1/registration-types lists them)",
            );
            None
        }
    };
    let ty = kind.and_then(|k| RegistrationTypes::built_in().get(k));
    if let Some(ty) = ty
        && !ty.accepts_new
    {
        p.add(
            "kind",
            ty.refusal_reason
                .clone()
                .unwrap_or_else(|| format!("{} is not available", ty.title)),
        );
    }
    let steps = d.steps.clone().unwrap_or_else(|| json!({}));
    if !steps.is_object() {
        p.add(
            "steps",
            "must be an object of step data: {\"step\": {\"field\": value}}",
        );
    }
    let Some(client_id) = client_id else {
        return Err(PracticeError::invalid(
            "the registration has invalid fields",
            p.0,
        ));
    };
    let client_ok: bool = tx
        .query_scalar("SELECT EXISTS (SELECT 1 FROM clients WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)")
        .bind(tx.tenant_id().as_uuid())
        .bind(client_id)
        .fetch_one(tx.conn())
        .await?;
    if !client_ok {
        p.add("client_id", "no client with this id in your agency");
    }
    if ty.is_some_and(|t| t.needs_company) && d.company_id.is_none() {
        p.add(
            "company_id",
            "this filing concerns an existing company: give the company's id",
        );
    }
    if let Some(company) = d.company_id {
        let owned: bool = tx
            .query_scalar("SELECT EXISTS (SELECT 1 FROM companies WHERE tenant_id = $1 AND id = $2 AND client_id = $3 AND deleted_at IS NULL)")
            .bind(tx.tenant_id().as_uuid())
            .bind(company)
            .bind(client_id)
            .fetch_one(tx.conn())
            .await?;
        if !owned {
            p.add(
                "company_id",
                "no company with this id belongs to this client",
            );
        }
    }
    let filing_path = d.filing_path.clone().unwrap_or_else(|| "manual".into());
    if !["manual", "gateway"].contains(&filing_path.as_str()) {
        p.add("filing_path", "must be manual (file on the registry's site) or gateway (the configured registry gateway)");
    }
    if let (Some(ty), Some(obj)) = (ty, steps.as_object()) {
        for (step, value) in obj {
            let v = validate_step(ty, step, value);
            for issue in v.errors {
                p.add(&issue.field, issue.message);
            }
        }
    }
    p.finish("the registration has invalid fields")?;
    crate::clients::check_agent(tx, d.agent_id, "agent_id").await?;
    let (Some(kind), Some(_)) = (kind, ty) else {
        return Err(PracticeError::field("kind", "unknown registration type"));
    };
    // A filing that answers an obligation is due when the obligation is.
    let due_on = match (d.due_on, d.company_id, obligation_kind(kind)) {
        (Some(due), _, _) => Some(due),
        (None, Some(company), Some(obligation)) => tx
            .query_scalar("SELECT min(due_on) FROM obligations WHERE tenant_id = $1 AND company_id = $2 AND kind = $3 AND status = 'open'")
            .bind(tx.tenant_id().as_uuid())
            .bind(company)
            .bind(obligation)
            .fetch_one(tx.conn())
            .await?,
        _ => None,
    };
    let id = Uuid::now_v7();
    tx.query(
        "INSERT INTO registrations (tenant_id, id, client_id, company_id, jurisdiction, kind, payload, filing_path, agent_id, due_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(client_id)
    .bind(d.company_id)
    .bind(kind.jurisdiction().as_str())
    .bind(kind.as_str())
    .bind(&steps)
    .bind(&filing_path)
    .bind(d.agent_id)
    .bind(due_on)
    .execute(tx.conn())
    .await?;
    timeline::append(
        tx,
        id,
        actor.id,
        "created",
        None,
        Some(Status::Draft),
        "",
        json!({"kind": kind.as_str(), "filing_path": filing_path}),
    )
    .await?;
    let r = get(tx, id).await?;
    emit(tx, outbox, types::REGISTRATION_CREATED, &r, json!({})).await?;
    Ok(r)
}

/// The obligation of the compliance calendar a filing of `kind` discharges.
fn obligation_kind(kind: RegistrationKind) -> Option<&'static str> {
    match kind {
        RegistrationKind::ZaAnnualReturn => Some("annual_return"),
        RegistrationKind::ZaBeneficialOwnership => Some("beneficial_ownership"),
        RegistrationKind::ZaVatRegistration => Some("vat_registration"),
        RegistrationKind::ZwReRegistration => Some("zw_re_registration"),
        _ => None,
    }
}

/// One step's new data, and the version it was edited from (None: last write wins).
pub struct StepPatch<'a> {
    pub step: &'a str,
    pub value: &'a Value,
    pub expected_version: Option<i32>,
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
    let ctx = ctx_for(tx, &r, today).await?;
    let shape = validate_step(ty, step, value);
    if !shape.errors.is_empty() {
        return Err(PracticeError::invalid(
            "the step has invalid fields",
            shape.errors,
        ));
    }
    let back_to_draft = r.status() == Status::Ready;
    tx.query(
        "UPDATE registrations SET payload = jsonb_set(payload, ARRAY[$3], $4, true), version = version + 1, \
         status = CASE WHEN status = 'ready' THEN 'draft' ELSE status END WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(step)
    .bind(value)
    .execute(tx.conn())
    .await?;
    if back_to_draft {
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

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub action: Option<String>,
    #[serde(default)]
    pub note: String,
    pub outcome: Option<OutcomeInput>,
    pub expected_version: Option<i32>,
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
    let r = get_for_update(tx, id).await?;
    if let Some(v) = input.expected_version
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
    let Some(mut to) = action.from(from) else {
        let allowed: Vec<&str> = from.actions().into_iter().map(Action::as_str).collect();
        return Err(PracticeError::Conflict {
            code: "transition_not_allowed",
            detail: format!(
                "cannot {action} a {from} registration; from {from} you can: {}",
                if allowed.is_empty() {
                    "nothing (it is final)".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
        });
    };
    let ty = r.registration_type()?;
    if action.needs_valid_draft() {
        let ctx = ctx_for(tx, &r, today).await?;
        let v = validate(ty, &r.steps, &ctx);
        if !v.valid {
            return Err(PracticeError::invalid(
                format!("the registration cannot {action}: fix the fields listed"),
                v.errors,
            ));
        }
    }
    let mut detail = json!({});
    match action {
        Action::Approve => {
            let outcome = outcome::for_approval(ty, &r, input.outcome.as_ref(), today)?;
            detail = json!({"outcome": outcome.record});
            outcome::store(tx, &r, &outcome).await?;
        }
        Action::Reject | Action::RequestInfo
            if input.note.trim().is_empty()
                && input
                    .outcome
                    .as_ref()
                    .and_then(|o| o.reason.as_ref())
                    .is_none() =>
        {
            return Err(PracticeError::field(
                "note",
                format!("say why (the registry's reason) when you {action}"),
            ));
        }
        Action::Reject => {
            let record = outcome::for_rejection(ty, input.outcome.as_ref(), &input.note);
            detail = json!({"outcome": record});
            tx.query("UPDATE registrations SET outcome = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tx.tenant_id().as_uuid())
                .bind(id)
                .bind(&record)
                .execute(tx.conn())
                .await?;
        }
        Action::Complete => {
            detail = outcome::complete(tx, actor.id, ty, &r, input.outcome.as_ref(), today).await?;
        }
        _ => {}
    }
    if action == Action::Submit && from == Status::Draft {
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
    }
    if action == Action::Submit || action == Action::Resubmit {
        to = Status::Submitted;
    }
    tx.query(
        "UPDATE registrations SET status = $3, version = version + 1, \
         submitted_at = CASE WHEN $3 = 'submitted' THEN now() ELSE submitted_at END, \
         completed_at = CASE WHEN $3 = 'completed' THEN now() ELSE completed_at END \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(to.as_str())
    .execute(tx.conn())
    .await?;
    let from_for_entry = if action == Action::Submit && from == Status::Draft {
        Status::Ready
    } else {
        from
    };
    timeline::append(
        tx,
        id,
        actor.id,
        action.as_str(),
        Some(from_for_entry),
        Some(to),
        &input.note,
        detail,
    )
    .await?;
    let r = get(tx, id).await?;
    let event = match action {
        Action::Submit | Action::Resubmit => types::REGISTRATION_SUBMITTED,
        Action::Approve => types::REGISTRATION_APPROVED,
        Action::Reject => types::REGISTRATION_REJECTED,
        _ => types::REGISTRATION_UPDATED,
    };
    emit(
        tx,
        outbox,
        event,
        &r,
        json!({"action": action.as_str(), "note": input.note}),
    )
    .await?;
    Ok(r)
}

/// Records the gateway's filing id (the automated path).
pub(crate) async fn set_filing_id(
    tx: &mut TenantTx,
    id: Uuid,
    filing_id: &str,
) -> Result<(), PracticeError> {
    tx.query("UPDATE registrations SET filing_id = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(filing_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub fn issues_of(v: &Validation) -> Vec<Issue> {
    v.errors.clone()
}
