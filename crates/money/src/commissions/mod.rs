//! Commissions: reading them (an agent only their own), the administrator's workflow
//! (approve, reject with a reason, mark paid with a reference and date; one or many at once,
//! all or nothing), each step emitted in its transaction (the `audit.trail` job writes every
//! commission event, with its actor, into the audit log), an agent's monthly statement, and the CSV
//! export.

pub mod calculate;
mod export;
mod model;
pub(crate) mod repo;
mod statement;

pub use export::csv;
pub use model::{Commission, CommissionAction, CommissionFilter, CommissionStatus};
pub use statement::{Statement, StatementTotals, statement};

use chrono::{NaiveDate, Utc};
use comply360_jobs::{NewEvent, Outbox};
use comply360_practice::PracticeError;
use comply360_practice::error::Problems;
use comply360_practice::page::{self, Cursor, Page};
use comply360_practice::registrations::Actor;
use comply360_store::TenantTx;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// Who reads commissions: an agent sees their own; `commissions:read` sees every agent's.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub id: Uuid,
    pub every_agent: bool,
}

impl Viewer {
    fn may_see(&self, agent: Uuid) -> bool {
        self.every_agent || agent == self.id
    }

    /// The agent filter as this viewer may apply it.
    fn agent_filter(&self, asked: Option<Uuid>) -> Option<Uuid> {
        if self.every_agent {
            asked
        } else {
            Some(self.id)
        }
    }
}

pub(crate) fn parse_filter(
    filter: &CommissionFilter,
) -> Result<(Option<CommissionStatus>, Option<Cursor>), PracticeError> {
    let mut problems = Problems::default();
    let status = match filter
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::parse::<CommissionStatus>)
    {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            problems.add("status", e.to_string());
            None
        }
    };
    let cursor = match filter.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            let decoded = Cursor::decode(c);
            if decoded.is_none() {
                problems.add(
                    "cursor",
                    "is not a cursor this list gave out; start again without it",
                );
            }
            decoded
        }
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to < from
    {
        problems.add("to", format!("must be on or after from ({from})"));
    }
    problems.finish("the filter has invalid fields")?;
    Ok((status, cursor))
}

/// A page of commissions, newest first.
pub async fn list(
    tx: &mut TenantTx,
    viewer: Viewer,
    filter: &CommissionFilter,
) -> Result<Page<Commission>, PracticeError> {
    let (status, cursor) = parse_filter(filter)?;
    let limit = page::limit(filter.limit);
    let rows = repo::list(
        tx,
        &repo::ListQuery {
            agent: viewer.agent_filter(filter.agent),
            status,
            from: filter.from,
            to: filter.to,
            after: cursor.as_ref(),
            fetch: limit + 1,
        },
    )
    .await?;
    Ok(Page::from_rows(rows, limit, |c| Cursor {
        created_at: c.created_at,
        id: c.id,
    }))
}

/// One commission; another agent's is not found for a viewer who may only see their own.
pub async fn get(tx: &mut TenantTx, viewer: Viewer, id: Uuid) -> Result<Commission, PracticeError> {
    repo::get(tx, id)
        .await?
        .filter(|c| viewer.may_see(c.agent_id))
        .ok_or(PracticeError::NotFound("commission"))
}

/// An administrator's step on one or more commissions.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// `approve`, `reject` or `pay` (the bulk route; the single routes name it in the path).
    pub action: Option<String>,
    /// The commissions (the bulk route: 1 to 500 ids).
    #[serde(default)]
    pub ids: Vec<Uuid>,
    /// Why, for `reject` (required; at most 500 characters).
    pub reason: Option<String>,
    /// For `pay`: the payment's reference, e.g. the EFT reference (required).
    pub payment_reference: Option<String>,
    /// For `pay`: the day it was paid (today when left out; not in the future).
    pub paid_on: Option<NaiveDate>,
    /// For a single commission: refuse if it changed since this version was read.
    pub expected_version: Option<i32>,
}

pub const MAX_BULK: usize = 500;

/// Takes `action` on every commission in `ids`, or on none: a commission that is missing or
/// whose status does not allow the action refuses the whole request, naming each.
pub async fn act(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: &Actor,
    action: CommissionAction,
    ids: &[Uuid],
    input: &ActionInput,
    today: NaiveDate,
) -> Result<Vec<Commission>, PracticeError> {
    if !actor.can("commissions:approve") {
        return Err(PracticeError::Forbidden("commissions:approve"));
    }
    let mut problems = Problems::default();
    if ids.is_empty() || ids.len() > MAX_BULK {
        problems.add(
            "ids",
            format!("choose at least one commission (at most {MAX_BULK} at once)"),
        );
    }
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let reference = input
        .payment_reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match action {
        CommissionAction::Reject => match reason {
            None => problems.add(
                "reason",
                "say why the commission is rejected (the agent sees it)",
            ),
            Some(r) if r.chars().count() > 500 => {
                problems.add("reason", "must be at most 500 characters")
            }
            _ => {}
        },
        CommissionAction::Pay => {
            match reference {
                None => problems.add(
                    "payment_reference",
                    "the payment's reference is required (e.g. the EFT reference)",
                ),
                Some(r) if r.chars().count() > 120 => {
                    problems.add("payment_reference", "must be at most 120 characters")
                }
                _ => {}
            }
            if input.paid_on.is_some_and(|d| d > today) {
                problems.add(
                    "paid_on",
                    format!("cannot be in the future (today is {today})"),
                );
            }
        }
        CommissionAction::Approve => {}
    }
    problems.finish(&format!("cannot {action}: fix the fields listed"))?;
    let mut unique: Vec<Uuid> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let locked = repo::lock(tx, &unique).await?;
    let missing: Vec<String> = unique
        .iter()
        .filter(|id| !locked.iter().any(|(lid, ..)| lid == *id))
        .map(Uuid::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(PracticeError::NotFoundAmong {
            what: "commission",
            detail: format!(
                "nothing was changed: no commission with these ids in your agency: {}",
                missing.join(", ")
            ),
        });
    }
    let mut refusals = Problems::default();
    for id in &unique {
        match locked.iter().find(|(lid, ..)| lid == id) {
            None => {}
            Some((_, _, status, version)) => {
                if action.from(*status).is_none() {
                    let allowed: Vec<&str> = status
                        .actions()
                        .into_iter()
                        .map(CommissionAction::as_str)
                        .collect();
                    refusals.add(
                        &format!("ids[{id}]"),
                        format!(
                            "cannot {action} a {status} commission; from {status}: {}",
                            if allowed.is_empty() {
                                "nothing (it is final)".to_owned()
                            } else {
                                allowed.join(", ")
                            }
                        ),
                    );
                } else if let Some(expected) = input.expected_version
                    && expected != *version
                {
                    return Err(PracticeError::Conflict {
                        code: "stale_version",
                        detail: format!(
                            "the commission is at version {version}, not {expected}; reload it"
                        ),
                    });
                }
            }
        }
    }
    if !refusals.0.is_empty() {
        let n = refusals.0.len();
        return Err(PracticeError::Conflict {
            code: "transition_not_allowed",
            detail: format!(
                "nothing was changed: {n} of {} commissions cannot be {}: {}",
                unique.len(),
                past(action),
                refusals
                    .0
                    .iter()
                    .map(|i| format!(
                        "{} ({})",
                        i.field.trim_start_matches("ids[").trim_end_matches(']'),
                        i.message
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    let Some(to) = locked.first().and_then(|l| action.from(l.2)) else {
        return Err(PracticeError::field("ids", "no commission to act on"));
    };
    let step = repo::Step {
        action,
        to,
        actor: (!actor.id.is_nil()).then_some(actor.id),
        at: Utc::now(),
        reason,
        reference,
        paid_on: (action == CommissionAction::Pay).then(|| input.paid_on.unwrap_or(today)),
    };
    repo::apply(tx, &unique, &step).await?;
    let mut out = Vec::with_capacity(unique.len());
    for id in &unique {
        let c = repo::get(tx, *id)
            .await?
            .ok_or(PracticeError::NotFound("commission"))?;
        outbox
            .emit(
                tx,
                NewEvent::new(action.event(), "commission")
                    .aggregate(*id)
                    .actor((!actor.id.is_nil()).then_some(actor.id))
                    .payload(json!({
                        "commission_id": id,
                        "registration_id": c.registration_id,
                        "agent_id": c.agent_id,
                        "amount_cents": c.amount_cents,
                        "currency": c.currency,
                        "status": c.status,
                        "from": locked.iter().find(|l| l.0 == *id).map(|l| l.2),
                        "bulk": unique.len() > 1,
                        "reason": c.reason,
                        "payment_reference": c.payment_reference,
                        "paid_on": c.paid_on,
                    })),
            )
            .await
            .map_err(|e| PracticeError::Store(e.into_store(action.event())))?;
        out.push(c);
    }
    Ok(out)
}

fn past(action: CommissionAction) -> &'static str {
    match action {
        CommissionAction::Approve => "approved",
        CommissionAction::Reject => "rejected",
        CommissionAction::Pay => "paid",
    }
}
