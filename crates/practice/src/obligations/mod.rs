//! The compliance calendar: what each company owes and when, computed from its facts in
//! South African business days (`comply360_domain::calendar`) by the rules of
//! `comply360_domain::rules`, and stored so agents can list, assign, finish and be reminded.
//!
//! Obligations are keyed by (company, kind, period), so recomputing is idempotent: a
//! refresh inserts what is missing and moves the dates of open ones, never touching done ones.
//!
//! `model` holds the types, `calendar` the computation (pure), `repo` the statements,
//! `recompute` the run over every agency when the declared holidays change; this file the
//! operations.

mod calendar;
mod model;
mod recompute;
pub(crate) mod repo;

use crate::companies::{self, CompanyStatus};
use crate::error::{PracticeError, Problems};
use crate::page::{self, Page};
use calendar::Due;
use chrono::NaiveDate;
use comply360_domain::Jurisdiction;
use comply360_domain::calendar::BusinessCalendar;
use comply360_domain::rules::Rules;
use comply360_jobs::{NewEvent, Outbox};
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

pub use model::{Obligation, ObligationFilter, ObligationKind, ObligationStatus};
pub use recompute::{Recomputed, recompute_everywhere, recompute_tenant};

/// The event a due (or overdue) obligation emits; notifications send the reminder.
pub const OBLIGATION_DUE: &str = "obligation.due";

/// Recomputes one company's obligations in the business days of the transaction's calendar
/// (the Act's holidays and the platform's declared ones): inserts what is missing and moves
/// the dates of open ones, including the beneficial-ownership changes opened earlier.
pub async fn refresh_company(
    tx: &mut TenantTx,
    company: Uuid,
    today: NaiveDate,
) -> Result<(), PracticeError> {
    let Some(facts) = companies::repo::facts(tx, company, false).await? else {
        return Ok(());
    };
    if facts.status != CompanyStatus::Registered {
        return Ok(());
    }
    let mut dues = calendar::compute(
        facts.company_type,
        facts.incorporated_on,
        facts.taxable_supplies_cents,
        facts.vat_number.as_deref(),
        today,
        tx.calendar(),
    );
    // A change's window runs from the change, which only its own obligation remembers.
    if facts.jurisdiction == Jurisdiction::SouthAfrica {
        let rules = rules()?;
        for changed_on in repo::open_ownership_changes(tx, company).await? {
            dues.push(ownership_change_due(rules, changed_on, tx.calendar()));
        }
    }
    for d in &dues {
        repo::upsert(tx, company, facts.client_id, facts.agent_id, d).await?;
    }
    Ok(())
}

fn rules() -> Result<&'static Rules, PracticeError> {
    Rules::defaults()
        .map_err(|e| PracticeError::Store(comply360_store::StoreError::Invalid(e.to_string())))
}

/// The BO filing a change of beneficial ownership on `on` calls for.
fn ownership_change_due(rules: &Rules, on: NaiveDate, cal: &BusinessCalendar) -> Due {
    let days = rules.beneficial_ownership.change_filing_business_days;
    Due {
        kind: ObligationKind::BeneficialOwnership,
        period: format!("{OWNERSHIP_CHANGE_PERIOD}{on}"),
        opens_on: Some(on),
        due_on: rules.beneficial_ownership_change_due(on, cal),
        detail: json!({"rule": format!("within {days} business days of a change of beneficial ownership"), "warnings": rules.beneficial_ownership_change_warnings()}),
    }
}

/// The period of a BO change filing is this and the day of the change.
pub(crate) const OWNERSHIP_CHANGE_PERIOD: &str = "change ";

/// A change of shareholding or beneficial owners opens a BO filing (10 business days by
/// default; FACTS.md leaves 10 vs 5 unconfirmed, so it is configuration).
pub async fn beneficial_ownership_changed(
    tx: &mut TenantTx,
    company: Uuid,
    on: NaiveDate,
) -> Result<(), PracticeError> {
    let facts = companies::repo::facts(tx, company, true)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    if facts.jurisdiction != Jurisdiction::SouthAfrica {
        return Ok(());
    }
    let d = ownership_change_due(rules()?, on, tx.calendar());
    Ok(repo::upsert(tx, company, facts.client_id, facts.agent_id, &d).await?)
}

/// Obligations by due date (soonest first), keyset-paginated on (due_on, id).
pub async fn list(
    tx: &mut TenantTx,
    f: &ObligationFilter,
    today: NaiveDate,
) -> Result<Page<Obligation>, PracticeError> {
    let mut p = Problems::default();
    if f.status
        .as_deref()
        .is_some_and(|s| s.parse::<ObligationStatus>().is_err())
    {
        p.add("status", "must be open, done or waived");
    }
    let after = match f.cursor.as_deref() {
        Some(c) => match c
            .split_once('|')
            .and_then(|(d, i)| Some((d.parse::<NaiveDate>().ok()?, i.parse::<Uuid>().ok()?)))
        {
            Some(c) => Some(c),
            None => {
                p.add("cursor", "not a cursor this API gave out");
                None
            }
        },
        None => None,
    };
    p.finish("the filter is invalid")?;
    let limit = page::limit(f.limit);
    let query = repo::ListQuery {
        status: f.status.as_deref(),
        kind: f.kind.as_deref(),
        agent: f.agent,
        client_id: f.client_id,
        company_id: f.company_id,
        due_before: f.due_before,
        overdue: f.overdue,
        today,
        after,
        rows: limit + 1,
    };
    let mut items = repo::list(tx, &query).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|o| format!("{}|{}", o.due_on, o.id))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Marks an obligation done (optionally by a registration) or waived.
pub async fn set_status(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    status: &str,
    registration: Option<Uuid>,
    note: &str,
) -> Result<(), PracticeError> {
    let Ok(status) = status.parse::<ObligationStatus>() else {
        return Err(PracticeError::field(
            "status",
            "must be open, done or waived",
        ));
    };
    if !repo::set_status(tx, id, status, registration).await? {
        return Err(PracticeError::NotFound("obligation"));
    }
    crate::history::record(
        tx,
        actor,
        "obligation.status",
        "obligation",
        id,
        json!({"status": status, "note": note}),
    )
    .await
}

/// Emits `obligation.due` for open obligations due within `lead_days` (or overdue) that were
/// not reminded in the last `every_days`; returns how many. Each reminder and its event commit
/// together, so a crash neither loses nor repeats one.
pub async fn remind(
    tx: &mut TenantTx,
    outbox: &Outbox,
    today: NaiveDate,
    lead_days: i64,
    every_days: i64,
) -> Result<usize, PracticeError> {
    let reminders = repo::claim_reminders(
        tx,
        today,
        i32::try_from(lead_days).unwrap_or(30),
        i32::try_from(every_days).unwrap_or(7),
    )
    .await?;
    for r in &reminders {
        let event = NewEvent::new(OBLIGATION_DUE, "obligation")
            .aggregate(r.id)
            .payload(json!({
                "obligation_id": r.id,
                "company_id": r.company_id,
                "company_name": r.company_name,
                "client_id": r.client_id,
                "agent_id": r.agent_id,
                "kind": r.kind,
                "period": r.period,
                "due_on": r.due_on,
                "overdue": r.due_on < today,
            }));
        outbox
            .emit(tx, event)
            .await
            .map_err(|e| PracticeError::Store(e.into_store("obligation.due")))?;
    }
    Ok(reminders.len())
}
