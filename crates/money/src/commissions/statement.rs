//! An agent's statement for a month: what they earned in it (each commission with its status
//! and how it was calculated), what was paid to them in it, and the totals.

use super::model::{Commission, CommissionStatus};
use super::{Viewer, repo};
use chrono::{Datelike, NaiveDate};
use comply360_practice::PracticeError;
use comply360_store::TenantTx;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub agent_id: Uuid,
    pub agent_email: String,
    /// `YYYY-MM`.
    pub month: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Commissions earned in the month, oldest first.
    pub earned: Vec<Commission>,
    /// Commissions paid in the month (whenever earned), oldest first.
    pub paid: Vec<Commission>,
    /// Per currency.
    pub totals: Vec<StatementTotals>,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct StatementTotals {
    pub currency: String,
    /// Earned in the month, by status.
    pub pending_cents: i64,
    pub approved_cents: i64,
    pub paid_cents: i64,
    pub rejected_cents: i64,
    /// Earned in the month and not rejected.
    pub earned_cents: i64,
    /// Paid in the month (whenever earned).
    pub paid_in_month_cents: i64,
}

/// The first and last day of a `YYYY-MM` month.
pub fn month_bounds(month: &str) -> Result<(NaiveDate, NaiveDate), PracticeError> {
    let bad = || {
        PracticeError::field(
            "month",
            format!("{month:?} is not a month: write it as YYYY-MM, e.g. 2026-11"),
        )
    };
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    if month.len() != 7 {
        return Err(bad());
    }
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next.and_then(|n| n.pred_opt()).ok_or_else(bad)?;
    Ok((first, last))
}

pub async fn statement(
    tx: &mut TenantTx,
    viewer: Viewer,
    agent: Uuid,
    month: &str,
) -> Result<Statement, PracticeError> {
    let (first, last) = month_bounds(month)?;
    if !viewer.may_see(agent) {
        return Err(PracticeError::NotFound("agent"));
    }
    let agent_email = repo::user_email(tx, agent)
        .await?
        .ok_or(PracticeError::NotFound("agent"))?;
    let earned = repo::earned_between(tx, agent, first, last).await?;
    let paid = repo::paid_between(tx, agent, first, last).await?;
    let mut totals: BTreeMap<String, StatementTotals> = BTreeMap::new();
    for c in &earned {
        let t = totals.entry(c.currency.clone()).or_default();
        match c.status {
            CommissionStatus::Pending => t.pending_cents += c.amount_cents,
            CommissionStatus::Approved => t.approved_cents += c.amount_cents,
            CommissionStatus::Paid => t.paid_cents += c.amount_cents,
            CommissionStatus::Rejected => t.rejected_cents += c.amount_cents,
        }
        if c.status != CommissionStatus::Rejected {
            t.earned_cents += c.amount_cents;
        }
    }
    for c in &paid {
        totals
            .entry(c.currency.clone())
            .or_default()
            .paid_in_month_cents += c.amount_cents;
    }
    Ok(Statement {
        agent_id: agent,
        agent_email,
        month: month.to_owned(),
        first_day: first,
        last_day: last,
        earned,
        paid,
        totals: totals
            .into_iter()
            .map(|(currency, t)| StatementTotals { currency, ..t })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_have_their_days() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            month_bounds("2026-02").unwrap(),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(month_bounds("2028-02").unwrap().1, d("2028-02-29"));
        assert_eq!(month_bounds("2026-12").unwrap().1, d("2026-12-31"));
        for bad in ["2026-13", "2026-1", "26-01", "2026-01-05", "November"] {
            assert!(month_bounds(bad).is_err(), "{bad}");
        }
    }
}
