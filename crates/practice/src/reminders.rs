//! The calendar's clock: every `interval`, for each agency in turn, recompute every company's
//! obligations (a new year brings a new annual return) and emit `obligation.due` for those
//! due soon or overdue. One transaction per agency; replicas may all run it, since a reminder
//! is claimed by the row update that records it.

use crate::error::PracticeError;
use crate::{companies, obligations};
use chrono::{Duration as Days, NaiveDate, Utc};
use comply360_jobs::Outbox;
use comply360_store::{Store, Tenant};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Copy, Debug)]
pub struct ReminderSettings {
    pub lead_days: i64,
    pub every_days: i64,
    pub interval: Duration,
}

/// Today in South Africa (UTC+2 all year).
pub fn sa_today() -> NaiveDate {
    sa_date(Utc::now())
}

/// The South African date (SAST, UTC+2 all year) of an instant.
pub fn sa_date(at: chrono::DateTime<Utc>) -> NaiveDate {
    (at + Days::hours(2)).date_naive()
}

/// One agency: refresh its companies' obligations, then remind; returns reminders emitted.
pub async fn sweep_tenant(
    store: &Store,
    outbox: &Outbox,
    tenant: &Tenant,
    s: &ReminderSettings,
    today: NaiveDate,
) -> Result<usize, PracticeError> {
    let mut tx = store.tenancy().begin(tenant).await?;
    for company in companies::repo::registered(&mut tx).await? {
        obligations::refresh_company(&mut tx, company, today).await?;
    }
    let sent = obligations::remind(&mut tx, outbox, today, s.lead_days, s.every_days).await?;
    tx.commit().await?;
    Ok(sent)
}

/// Every servable agency, one after another; an agency that fails is logged and skipped.
pub async fn sweep(
    store: &Store,
    outbox: &Outbox,
    s: &ReminderSettings,
    today: NaiveDate,
) -> usize {
    let tenants = match store.tenancy().servable_tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list agencies for obligation reminders");
            return 0;
        }
    };
    let mut total = 0;
    for tenant in tenants {
        match sweep_tenant(store, outbox, &tenant, s, today).await {
            Ok(n) => total += n,
            Err(e) => {
                tracing::warn!(tenant = %tenant.slug(), error = %e, "obligation reminders failed for this agency")
            }
        }
    }
    total
}

/// Runs [`sweep`] every `interval` until `stop`.
pub fn spawn(
    store: Store,
    outbox: Outbox,
    s: ReminderSettings,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let sent = sweep(&store, &outbox, &s, sa_today()).await;
            if sent > 0 {
                tracing::info!(reminders = sent, "obligation reminders emitted");
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(s.interval) => {}
            }
        }
    })
}
