//! Starting a registration: the draft checked (every problem at once, in the order a person
//! reads the form), then stored with its first timeline entry and `registration.created`.

use super::model::FilingPath;
use super::{Actor, NewDraft, Registration, emit, repo};
use crate::error::{PracticeError, Problems};
use crate::obligations::{self, ObligationKind};
use crate::registration_types::{RegistrationType, RegistrationTypes, validate_step};
use chrono::NaiveDate;
use comply360_domain::RegistrationKind;
use comply360_domain::plans::Limit;
use comply360_jobs::Outbox;
use comply360_jobs::event::types;
use comply360_store::TenantTx;
use serde_json::{Value, json};
use uuid::Uuid;

/// The parts of a draft read before the database is asked anything.
struct Head {
    client_id: Option<Uuid>,
    kind: Option<RegistrationKind>,
    ty: Option<&'static RegistrationType>,
    steps: Value,
}

fn read_head(d: &NewDraft, p: &mut Problems) -> Head {
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
    Head {
        client_id,
        kind,
        ty,
        steps,
    }
}

const UNKNOWN_CLIENT: &str = "no client with this id in your agency";

/// The company (when the type needs one) must be the client's. Whether the client is the
/// agency's is asked by the insert itself, or, when the draft is refused anyway, by
/// [`create_draft`] so that every problem is told at once.
async fn check_company(
    tx: &mut TenantTx,
    d: &NewDraft,
    client_id: Uuid,
    ty: Option<&RegistrationType>,
    p: &mut Problems,
) -> Result<(), PracticeError> {
    if ty.is_some_and(|t| t.needs_company) && d.company_id.is_none() {
        p.add(
            "company_id",
            "this filing concerns an existing company: give the company's id",
        );
    }
    if let Some(company) = d.company_id
        && !crate::companies::repo::belongs_to(tx, company, client_id).await?
    {
        p.add(
            "company_id",
            "no company with this id belongs to this client",
        );
    }
    Ok(())
}

/// The filing path (manual unless asked) and the shape of the step data given.
fn read_tail(d: &NewDraft, head: &Head, p: &mut Problems) -> Option<FilingPath> {
    let filing_path = match d.filing_path.as_deref() {
        None => Some(FilingPath::Manual),
        Some(text) => text.parse().ok(),
    };
    if filing_path.is_none() {
        p.add("filing_path", "must be manual (file on the registry's site) or gateway (the configured registry gateway)");
    }
    if let (Some(ty), Some(obj)) = (head.ty, head.steps.as_object()) {
        for (step, value) in obj {
            let v = validate_step(ty, step, value);
            for issue in v.errors {
                p.add(&issue.field, issue.message);
            }
        }
    }
    filing_path
}

/// The obligation of the compliance calendar a filing of `kind` discharges.
fn obligation_kind(kind: RegistrationKind) -> Option<ObligationKind> {
    match kind {
        RegistrationKind::ZaAnnualReturn => Some(ObligationKind::AnnualReturn),
        RegistrationKind::ZaBeneficialOwnership => Some(ObligationKind::BeneficialOwnership),
        RegistrationKind::ZaVatRegistration => Some(ObligationKind::VatRegistration),
        RegistrationKind::ZwReRegistration => Some(ObligationKind::ZwReRegistration),
        _ => None,
    }
}

/// The date asked for, or else, for a filing that answers an obligation, the obligation's.
async fn due_date(
    tx: &mut TenantTx,
    d: &NewDraft,
    kind: RegistrationKind,
) -> Result<Option<NaiveDate>, PracticeError> {
    Ok(match (d.due_on, d.company_id, obligation_kind(kind)) {
        (Some(due), _, _) => Some(due),
        (None, Some(company), Some(obligation)) => {
            obligations::repo::earliest_open_due(tx, company, obligation).await?
        }
        _ => None,
    })
}

pub async fn create_draft(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: &Actor,
    d: &NewDraft,
) -> Result<Registration, PracticeError> {
    let mut p = Problems::default();
    let head = read_head(d, &mut p);
    let Some(client_id) = head.client_id else {
        return Err(PracticeError::invalid(
            "the registration has invalid fields",
            p.0,
        ));
    };
    check_company(tx, d, client_id, head.ty, &mut p).await?;
    let filing_path = read_tail(d, &head, &mut p);
    if !p.0.is_empty() && !crate::clients::repo::exists(tx, client_id).await? {
        // The client is the form's first field.
        p.add_first("client_id", UNKNOWN_CLIENT);
    }
    p.finish("the registration has invalid fields")?;
    crate::agents::check(tx, d.agent_id, "agent_id").await?;
    let (Some(kind), Some(_), Some(filing_path)) = (head.kind, head.ty, filing_path) else {
        return Err(PracticeError::field("kind", "unknown registration type"));
    };
    // Counting is only needed where the plan has an allowance to count against.
    if tx.plan().allowance(Limit::RegistrationsPerMonth).is_some() {
        let used = repo::created_this_month(tx).await?;
        tx.plan().ensure(Limit::RegistrationsPerMonth, used, 1)?;
    }
    let due_on = due_date(tx, d, kind).await?;
    let id = Uuid::now_v7();
    let Some(r) = repo::insert(
        tx,
        &repo::NewRegistration {
            id,
            client_id,
            company_id: d.company_id,
            kind,
            steps: &head.steps,
            filing_path,
            agent_id: d.agent_id,
            due_on,
            created_by: (!actor.id.is_nil()).then_some(actor.id),
        },
    )
    .await?
    else {
        let mut p = Problems::default();
        p.add("client_id", UNKNOWN_CLIENT);
        return Err(PracticeError::invalid(
            "the registration has invalid fields",
            p.0,
        ));
    };
    emit(tx, outbox, types::REGISTRATION_CREATED, &r, json!({})).await?;
    Ok(r)
}
