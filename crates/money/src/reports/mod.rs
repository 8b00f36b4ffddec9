//! Reports for the agency's administrators (`reports:read`), over a period of up to 36
//! months (by default the last 12 whole months and the current one), months in South African
//! time: registrations per month by type and status, turnaround from submission to approval
//! per type (median and 90th percentile), commission totals per agent and month by status,
//! and the fees earned per month and type at the agency's prices. Each is a typed struct
//! (JSON) and, row for row, CSV ([`csv`]).

mod export;
mod model;
mod period;
pub(crate) mod repo;

pub use export::csv;
pub use model::{
    AgentCommissions, CommissionTotals, CommissionsReport, FeeRow, FeeTotal, FeesReport,
    RegistrationCount, RegistrationsReport, Report, TurnaroundOverall, TurnaroundReport,
    TurnaroundRow,
};
pub use period::{MAX_MONTHS, Period, PeriodInput, month_key};

use chrono::NaiveDate;
use comply360_practice::PracticeError;
use comply360_store::TenantTx;
use std::collections::BTreeMap;

fn month_keys(period: &Period) -> Vec<String> {
    period.months().into_iter().map(month_key).collect()
}

/// Registrations per month by type and status (each in the month it was created).
pub async fn registrations(
    tx: &mut TenantTx,
    input: &PeriodInput,
    today: NaiveDate,
) -> Result<RegistrationsReport, PracticeError> {
    let period = Period::parse(input, today)?;
    let rows = repo::registrations(tx, &period).await?;
    Ok(RegistrationsReport {
        period,
        months: month_keys(&period),
        total: rows.iter().map(|r| r.count).sum(),
        rows,
    })
}

/// Turnaround from submission to approval per type, over the registrations approved in the
/// period.
pub async fn turnaround(
    tx: &mut TenantTx,
    input: &PeriodInput,
    today: NaiveDate,
) -> Result<TurnaroundReport, PracticeError> {
    let period = Period::parse(input, today)?;
    let (rows, overall) = repo::turnaround(tx, &period).await?;
    Ok(TurnaroundReport {
        period,
        rows,
        overall: overall.map(|(approved, median_days, p90_days)| TurnaroundOverall {
            approved,
            median_days,
            p90_days,
        }),
    })
}

/// Commission totals per agent and month, by status and currency.
pub async fn commissions(
    tx: &mut TenantTx,
    input: &PeriodInput,
    today: NaiveDate,
) -> Result<CommissionsReport, PracticeError> {
    let period = Period::parse(input, today)?;
    let rows = repo::commissions(tx, &period).await?;
    Ok(CommissionsReport {
        period,
        months: month_keys(&period),
        agents: per_agent(&rows),
        rows,
    })
}

/// The monthly rows summed per agent and currency, the largest total first (then by email,
/// so the order is stable).
fn per_agent(rows: &[CommissionTotals]) -> Vec<AgentCommissions> {
    let mut sums: BTreeMap<(uuid::Uuid, &str), AgentCommissions> = BTreeMap::new();
    for r in rows {
        let sum = sums
            .entry((r.agent_id, r.currency.as_str()))
            .or_insert_with(|| AgentCommissions {
                agent_id: r.agent_id,
                agent_email: r.agent_email.clone(),
                agent_name: r.agent_name.clone(),
                currency: r.currency.clone(),
                commissions: 0,
                pending_cents: 0,
                approved_cents: 0,
                paid_cents: 0,
                rejected_cents: 0,
            });
        sum.commissions += r.commissions;
        sum.pending_cents += r.pending_cents;
        sum.approved_cents += r.approved_cents;
        sum.paid_cents += r.paid_cents;
        sum.rejected_cents += r.rejected_cents;
    }
    let mut agents: Vec<AgentCommissions> = sums.into_values().collect();
    let total =
        |a: &AgentCommissions| a.pending_cents + a.approved_cents + a.paid_cents + a.rejected_cents;
    agents.sort_by(|a, b| {
        total(b)
            .cmp(&total(a))
            .then_with(|| a.agent_email.cmp(&b.agent_email))
            .then_with(|| a.currency.cmp(&b.currency))
    });
    agents
}

/// Fees earned per month and type, at the agency's prices; registrations without a price
/// counted apart.
pub async fn fees(
    tx: &mut TenantTx,
    input: &PeriodInput,
    today: NaiveDate,
) -> Result<FeesReport, PracticeError> {
    let period = Period::parse(input, today)?;
    let rows = repo::fees(tx, &period).await?;
    let mut totals: BTreeMap<&str, FeeTotal> = BTreeMap::new();
    let mut unpriced = 0;
    for r in &rows {
        match r.currency.as_deref() {
            Some(currency) => {
                let t = totals.entry(currency).or_insert_with(|| FeeTotal {
                    currency: currency.to_owned(),
                    registrations: 0,
                    fees_cents: 0,
                });
                t.registrations += r.registrations;
                t.fees_cents += r.fees_cents;
            }
            None => unpriced += r.registrations,
        }
    }
    let totals = totals.into_values().collect();
    Ok(FeesReport {
        period,
        months: month_keys(&period),
        totals,
        unpriced,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(agent: u128, email: &str, currency: &str, pending: i64, paid: i64) -> CommissionTotals {
        CommissionTotals {
            agent_id: uuid::Uuid::from_u128(agent),
            agent_email: email.into(),
            agent_name: String::new(),
            month: "2026-01".into(),
            currency: currency.into(),
            commissions: 1,
            pending_cents: pending,
            approved_cents: 0,
            paid_cents: paid,
            rejected_cents: 0,
        }
    }

    #[test]
    fn agents_are_summed_per_currency_largest_first() {
        let rows = [
            row(1, "a@x", "ZAR", 100, 0),
            row(1, "a@x", "ZAR", 0, 50),
            row(2, "b@x", "ZAR", 500, 0),
            row(1, "a@x", "USD", 7, 0),
        ];
        let agents = per_agent(&rows);
        let seen: Vec<(&str, &str, i64, i64, i64)> = agents
            .iter()
            .map(|a| {
                (
                    a.agent_email.as_str(),
                    a.currency.as_str(),
                    a.commissions,
                    a.pending_cents,
                    a.paid_cents,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("b@x", "ZAR", 1, 500, 0),
                ("a@x", "ZAR", 2, 100, 50),
                ("a@x", "USD", 1, 7, 0)
            ]
        );
    }
}
