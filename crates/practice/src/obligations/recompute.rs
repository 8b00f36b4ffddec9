//! Recomputing every agency's deadlines, for when the platform's declared holidays change.
//!
//! A direct pass over the servable agencies, one tenant transaction each (whatever their
//! isolation mode), running the same refresh the hourly sweep runs
//! ([`super::refresh_company`]) in a transaction whose calendar holds the new list. Only the
//! open obligations whose window spans a changed day get a new date; done and waived ones
//! keep theirs. An agency that fails (or is suspended, or is served by a replica whose cache
//! has not heard of the change yet) is caught up by the next hourly sweep, which computes
//! with the same list: the pass makes the change visible at once, the sweep makes it certain.

use super::{refresh_company, repo};
use crate::companies;
use crate::error::PracticeError;
use chrono::NaiveDate;
use comply360_store::{Store, Tenant};
use serde::Serialize;

/// What a recompute did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recomputed {
    /// Agencies recomputed.
    pub agencies: usize,
    /// Open obligations whose due date changed.
    pub moved: usize,
    /// Agencies that failed (slug: error); the hourly sweep retries them.
    pub failed: Vec<String>,
}

/// One agency: refreshes every registered company's obligations; returns how many open
/// obligations got a new due date. One transaction, so the agency's calendar moves at once.
pub async fn recompute_tenant(
    store: &Store,
    tenant: &Tenant,
    today: NaiveDate,
) -> Result<usize, PracticeError> {
    let mut tx = store.tenancy().begin(tenant).await?;
    let before = repo::open_due_dates(&mut tx).await?;
    for company in companies::repo::registered(&mut tx).await? {
        refresh_company(&mut tx, company, today).await?;
    }
    let after = repo::open_due_dates(&mut tx).await?;
    tx.commit().await?;
    Ok(before
        .iter()
        .filter(|(id, due)| after.get(*id).is_some_and(|now| now != *due))
        .count())
}

/// Every servable agency, one after another, with the calendar as it is now (the caller has
/// dropped its cached calendar after changing the list). Agencies are independent: one that
/// fails is reported and the rest continue.
pub async fn recompute_everywhere(store: &Store, today: NaiveDate) -> Recomputed {
    let mut done = Recomputed::default();
    let tenants = match store.tenancy().servable_tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list agencies to recompute deadlines");
            done.failed.push(format!("(the catalog): {e}"));
            return done;
        }
    };
    for tenant in tenants {
        match recompute_tenant(store, &tenant, today).await {
            Ok(moved) => {
                done.agencies += 1;
                done.moved += moved;
            }
            Err(e) => {
                tracing::warn!(tenant = %tenant.slug(), error = %e, "recomputing deadlines failed for this agency");
                done.failed.push(format!("{}: {e}", tenant.slug()));
            }
        }
    }
    done
}
