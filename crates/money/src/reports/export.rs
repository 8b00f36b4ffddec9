//! The reports as CSV: the JSON's rows, one line each, amounts as decimals a spreadsheet
//! reads (`1500.00`) and people's text guarded against formulas.

use super::model::{CommissionsReport, FeesReport, RegistrationsReport, Report, TurnaroundReport};
use super::{PeriodInput, commissions, fees, registrations, turnaround};
use crate::sheet::{Sheet, guard};
use chrono::NaiveDate;
use comply360_domain::Cents;
use comply360_practice::PracticeError;
use comply360_store::TenantTx;

/// `report` for the period `input` asks for, as CSV.
pub async fn csv(
    tx: &mut TenantTx,
    report: Report,
    input: &PeriodInput,
    today: NaiveDate,
) -> Result<Vec<u8>, PracticeError> {
    match report {
        Report::Registrations => registrations_csv(&registrations(tx, input, today).await?),
        Report::Turnaround => turnaround_csv(&turnaround(tx, input, today).await?),
        Report::Commissions => commissions_csv(&commissions(tx, input, today).await?),
        Report::Fees => fees_csv(&fees(tx, input, today).await?),
    }
}

fn money(cents: i64) -> String {
    Cents(cents).to_string()
}

pub(crate) fn registrations_csv(r: &RegistrationsReport) -> Result<Vec<u8>, PracticeError> {
    let mut sheet = Sheet::with_header(["month", "registration_kind", "status", "count"])?;
    for row in &r.rows {
        sheet.row([
            row.month.clone(),
            row.kind.to_string(),
            row.status.to_string(),
            row.count.to_string(),
        ])?;
    }
    sheet.finish()
}

/// One line per type, then `all` for every type together.
pub(crate) fn turnaround_csv(r: &TurnaroundReport) -> Result<Vec<u8>, PracticeError> {
    let mut sheet =
        Sheet::with_header(["registration_kind", "approved", "median_days", "p90_days"])?;
    for row in &r.rows {
        sheet.row([
            row.kind.to_string(),
            row.approved.to_string(),
            format!("{:.1}", row.median_days),
            format!("{:.1}", row.p90_days),
        ])?;
    }
    if let Some(all) = &r.overall {
        sheet.row([
            "all".to_owned(),
            all.approved.to_string(),
            format!("{:.1}", all.median_days),
            format!("{:.1}", all.p90_days),
        ])?;
    }
    sheet.finish()
}

pub(crate) fn commissions_csv(r: &CommissionsReport) -> Result<Vec<u8>, PracticeError> {
    let mut sheet = Sheet::with_header([
        "agent_id",
        "agent_email",
        "agent_name",
        "month",
        "currency",
        "commissions",
        "pending",
        "approved",
        "paid",
        "rejected",
    ])?;
    for row in &r.rows {
        sheet.row([
            row.agent_id.to_string(),
            guard(&row.agent_email),
            guard(&row.agent_name),
            row.month.clone(),
            row.currency.clone(),
            row.commissions.to_string(),
            money(row.pending_cents),
            money(row.approved_cents),
            money(row.paid_cents),
            money(row.rejected_cents),
        ])?;
    }
    sheet.finish()
}

/// A registration without a price has an empty currency and fees, and `no price set`.
pub(crate) fn fees_csv(r: &FeesReport) -> Result<Vec<u8>, PracticeError> {
    let mut sheet = Sheet::with_header([
        "month",
        "registration_kind",
        "price",
        "currency",
        "registrations",
        "fees",
    ])?;
    for row in &r.rows {
        let (price, currency, fees) = match &row.currency {
            Some(c) => ("set", c.clone(), money(row.fees_cents)),
            None => ("no price set", String::new(), String::new()),
        };
        sheet.row([
            row.month.clone(),
            row.kind.to_string(),
            price.to_owned(),
            currency,
            row.registrations.to_string(),
            fees,
        ])?;
    }
    sheet.finish()
}
