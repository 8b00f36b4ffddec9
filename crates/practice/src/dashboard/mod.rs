//! The dashboard: for the signed-in person, their registrations by status, what waits on
//! them (information requested, drafts with steps missing, filings to submit, complete or
//! reopen), their obligations overdue and due within [`DUE_SOON_DAYS`], and recent activity;
//! with the agency's totals for who may see them. Each section is read only when the
//! viewer's [`Reach`] covers it, and every list is short and says its total, so the page
//! costs the same at 5,000 registrations as at 5.
//!
//! `model` holds the types, `repo` the statements; this file the operation.

mod model;
mod repo;

use crate::error::PracticeError;
use crate::find::{RecordKind, registration_title, subject};
use crate::obligations;
use crate::reach::Reach;
use crate::registrations;
use crate::workflow::Status;
use chrono::{Days, NaiveDate};
use comply360_store::TenantTx;
use repo::{ActivityRow, WaitingRow};

pub use model::{
    Activity, ActivityScope, AgencyTotals, DUE_SOON_DAYS, Dashboard, DueObligations, LIST_LENGTH,
    ObligationList, StatusCount, StepRef, Viewer, WaitReason, WaitingList, WaitingRegistration,
};

/// The statuses in which a registration waits on its agent (a submitted one waits on the
/// registry; completed and cancelled ones on no one).
const WAITING: [Status; 5] = [
    Status::InfoRequested,
    Status::Draft,
    Status::Ready,
    Status::Approved,
    Status::Rejected,
];

/// The dashboard of `viewer` on `today` (a South African date: obligations fall due on them).
pub async fn dashboard(
    tx: &mut TenantTx,
    viewer: &Viewer,
    today: NaiveDate,
) -> Result<Dashboard, PracticeError> {
    let until = today + Days::new(DUE_SOON_DAYS as u64);
    let Reach {
        clients,
        registrations,
    } = viewer.reach;
    let (my_registrations, waiting) = if registrations {
        let counts = repo::my_counts(tx, viewer.user).await?;
        (
            Some(model::by_status(&counts)),
            Some(waiting(tx, viewer.user, today).await?),
        )
    } else {
        (None, None)
    };
    let obligations = if clients {
        Some(due(tx, viewer.user, today, until).await?)
    } else {
        None
    };
    let activity_scope = if viewer.totals {
        ActivityScope::Agency
    } else {
        ActivityScope::Mine
    };
    let activity = activity(tx, viewer, activity_scope).await?;
    let totals = if viewer.totals {
        Some(totals(tx, today, until).await?)
    } else {
        None
    };
    Ok(Dashboard {
        my_registrations,
        waiting,
        obligations,
        activity,
        activity_scope,
        totals,
    })
}

async fn waiting(
    tx: &mut TenantTx,
    viewer: uuid::Uuid,
    today: NaiveDate,
) -> Result<WaitingList, PracticeError> {
    let statuses = WAITING.map(Status::as_str);
    let (rows, total) = repo::my_waiting(tx, viewer, &statuses, LIST_LENGTH).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        // A draft's missing steps are its wizard's verdict, as `POST …/validate` gives it.
        let missing_steps = if row.status == Status::Draft {
            missing_steps(tx, &row, today).await?
        } else {
            Vec::new()
        };
        items.push(waiting_registration(row, missing_steps));
    }
    Ok(WaitingList { items, total })
}

async fn missing_steps(
    tx: &mut TenantTx,
    row: &WaitingRow,
    today: NaiveDate,
) -> Result<Vec<StepRef>, PracticeError> {
    let validation = registrations::check(tx, row.id, today).await?;
    let ty = crate::registration_types::RegistrationTypes::built_in().get(row.kind);
    Ok(validation
        .steps
        .into_iter()
        .filter(|s| !s.complete)
        .map(|s| StepRef {
            title: ty
                .and_then(|t| t.steps.iter().find(|step| step.key == s.key))
                .map_or_else(|| s.key.clone(), |step| step.title.clone()),
            key: s.key,
        })
        .collect())
}

fn waiting_registration(row: WaitingRow, missing_steps: Vec<StepRef>) -> WaitingRegistration {
    let reason = match row.status {
        Status::InfoRequested => WaitReason::InformationRequested,
        Status::Draft if !missing_steps.is_empty() => WaitReason::StepsMissing,
        Status::Approved => WaitReason::ToComplete,
        Status::Rejected => WaitReason::Refused,
        _ => WaitReason::ReadyToSubmit,
    };
    let title = registration_title(
        row.kind,
        subject(
            row.company_name.as_deref(),
            row.proposed_name.as_deref(),
            &row.client_name,
        ),
    );
    WaitingRegistration {
        id: row.id,
        kind: row.kind,
        status: row.status,
        title,
        client_id: row.client_id,
        client_name: row.client_name,
        due_on: row.due_on,
        reason,
        missing_steps,
        updated_at: row.updated_at,
    }
}

async fn due(
    tx: &mut TenantTx,
    viewer: uuid::Uuid,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<DueObligations, PracticeError> {
    let yesterday = today - Days::new(1);
    let (items, total) =
        obligations::repo::open_of_agent(tx, viewer, None, yesterday, today, LIST_LENGTH).await?;
    let overdue = ObligationList { items, total };
    let (items, total) =
        obligations::repo::open_of_agent(tx, viewer, Some(today), until, today, LIST_LENGTH)
            .await?;
    let upcoming = ObligationList { items, total };
    Ok(DueObligations {
        overdue,
        upcoming,
        until,
    })
}

/// The newest entries the viewer may read: registrations' timelines with registrations
/// read, clients' and companies' history with clients read; merged newest first.
async fn activity(
    tx: &mut TenantTx,
    viewer: &Viewer,
    scope: ActivityScope,
) -> Result<Vec<Activity>, PracticeError> {
    let mut rows = Vec::new();
    if viewer.reach.registrations {
        rows.extend(match scope {
            ActivityScope::Mine => repo::my_timeline(tx, viewer.user, LIST_LENGTH).await?,
            ActivityScope::Agency => repo::agency_timeline(tx, LIST_LENGTH).await?,
        });
    }
    if viewer.reach.clients {
        rows.extend(match scope {
            ActivityScope::Mine => repo::my_history(tx, viewer.user, LIST_LENGTH).await?,
            ActivityScope::Agency => repo::agency_history(tx, LIST_LENGTH).await?,
        });
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.at));
    rows.truncate(LIST_LENGTH as usize);
    Ok(rows.into_iter().map(activity_entry).collect())
}

fn activity_entry(row: ActivityRow) -> Activity {
    let title = match (row.record, row.kind) {
        (RecordKind::Registration, Some(kind)) => registration_title(
            kind,
            subject(
                row.company_name.as_deref(),
                row.proposed_name.as_deref(),
                &row.name,
            ),
        ),
        _ => row.name,
    };
    Activity {
        at: row.at,
        actor_id: row.actor_id,
        actor_name: row.actor_name,
        record: row.record,
        record_id: row.record_id,
        title,
        action: row.action,
        from_status: row.from_status,
        to_status: row.to_status,
        note: row.note,
    }
}

async fn totals(
    tx: &mut TenantTx,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<AgencyTotals, PracticeError> {
    let t = repo::totals(tx, today, until).await?;
    let counts = repo::all_counts(tx).await?;
    let (users_active, users_invited) = crate::agents::counts(tx).await?;
    Ok(AgencyTotals {
        clients: t.clients,
        companies: t.companies,
        registrations: model::by_status(&counts),
        obligations_overdue: t.obligations_overdue,
        obligations_upcoming: t.obligations_upcoming,
        users_active,
        users_invited,
    })
}
