//! `comply360 billing invoice|enforce|paid|list`: the platform's billing of agencies by hand
//! (`serve` also does the monthly run and the daily enforcement itself: [`spawn`]).

use super::table;
use crate::cli::{BillingCommand, GlobalArgs};
use crate::runtime::Runtime;
use comply360_practice::reminders::sa_today;
use comply360_store::Store;
use comply360_store::billing::{PlatformInvoice, month_of};
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const ACTOR: &str = "comply360 billing";

pub async fn run(global: &GlobalArgs, cmd: BillingCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let grace = rt.settings.billing_grace_days;
    let result = async {
        let today = sa_today();
        match cmd {
            BillingCommand::Invoice(args) => {
                let period = month_of(args.month.unwrap_or(today));
                let made = rt
                    .store
                    .issue_platform_invoices(period, today, ACTOR)
                    .await?;
                println!("{} invoices for {}", made.len(), period.format("%B %Y"));
                print(&made);
            }
            BillingCommand::Enforce => {
                let report = rt.store.enforce_billing(today, grace, ACTOR).await?;
                println!(
                    "held: {}; released: {}",
                    list_or_none(&report.held),
                    list_or_none(&report.released)
                );
            }
            BillingCommand::Paid(args) => {
                let paid = rt
                    .store
                    .record_platform_payment(&args.number, &args.reference, ACTOR, today, grace)
                    .await
                    .map_err(|e| match e {
                        comply360_store::StoreError::Invalid(m) => anyhow::anyhow!(m),
                        other => other.into(),
                    })?;
                print(std::slice::from_ref(&paid));
            }
            BillingCommand::List => print(&rt.store.platform_invoices(None).await?),
        }
        anyhow::Ok(())
    }
    .await;
    rt.close().await?;
    result.map(|()| ExitCode::SUCCESS)
}

fn list_or_none(slugs: &[String]) -> String {
    if slugs.is_empty() {
        "none".into()
    } else {
        slugs.join(", ")
    }
}

fn print(invoices: &[PlatformInvoice]) {
    let rows: Vec<Vec<String>> = invoices
        .iter()
        .map(|i| {
            vec![
                i.number.clone(),
                i.slug.clone(),
                i.period.format("%Y-%m").to_string(),
                i.tier.clone(),
                format!("{}.{:02}", i.total_cents / 100, i.total_cents % 100),
                i.status.clone(),
                i.due_on.to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        println!(
            "{}",
            table::render(
                &[
                    "number",
                    "agency",
                    "month",
                    "plan",
                    "total ZAR",
                    "status",
                    "due"
                ],
                &rows
            )
        );
    }
}

/// In `serve` (workers): once an hour, this month's platform invoices (the first run of a
/// month makes them; later runs find them made) and the holds. Replicas may all run it: both
/// steps are idempotent.
pub fn spawn(
    store: Store,
    grace_days: u64,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = every.tick() => {}
            }
            let today = sa_today();
            if let Err(e) = store
                .issue_platform_invoices(month_of(today), today, "comply360 serve")
                .await
            {
                tracing::error!(error = %e, "the monthly platform invoices were not issued; retried in an hour");
            }
            if let Err(e) = store
                .enforce_billing(today, grace_days, "comply360 serve")
                .await
            {
                tracing::error!(error = %e, "billing holds were not enforced; retried in an hour");
            }
        }
    })
}
