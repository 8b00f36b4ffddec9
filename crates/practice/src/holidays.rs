//! Declared public holidays (Public Holidays Act s2A: election days, decrees), as the platform
//! operator edits them through the API and `comply360 holidays`: the list is platform data
//! (`comply360_store::holidays`), and a change moves every agency's deadlines at once
//! ([`crate::obligations::recompute_everywhere`]).

use crate::error::{PracticeError, Problems};
use crate::obligations::{Recomputed, recompute_everywhere};
use chrono::{Datelike, NaiveDate};
use comply360_domain::calendar::DeclaredHoliday;
use comply360_store::Store;
use comply360_store::holidays::{self, DeclaredHolidayRecord};

/// The years a declaration may name: the Act dates from 1994, and a day far ahead is a typo.
const YEARS: std::ops::RangeInclusive<i32> = 1995..=2100;

/// The longest reason we keep (the column's CHECK says the same).
const NAME_MAX: usize = 200;

/// Checks a declaration as typed: the day within [`YEARS`], a reason of 1 to 200 characters.
pub fn parse(on: NaiveDate, name: &str) -> Result<DeclaredHoliday, PracticeError> {
    let mut p = Problems::default();
    if !YEARS.contains(&on.year()) {
        p.add(
            "date",
            format!("must be a day from {} to {}", YEARS.start(), YEARS.end()),
        );
    }
    let name = name.trim();
    if name.is_empty() {
        p.add(
            "name",
            "say why the day is a holiday, e.g. \"local government elections\"",
        );
    } else if name.chars().count() > NAME_MAX {
        p.add("name", format!("must be at most {NAME_MAX} characters"));
    }
    p.finish("the declared holiday is invalid")?;
    Ok(DeclaredHoliday {
        on,
        name: name.to_owned(),
    })
}

/// The list, by date.
pub async fn list(store: &Store) -> Result<Vec<DeclaredHolidayRecord>, PracticeError> {
    Ok(holidays::list(store.tenancy().catalog_pool()).await?)
}

/// Declares a holiday (audited as `actor`) and recomputes every agency's deadlines with it.
/// A day already declared is a conflict and changes nothing.
pub async fn declare(
    store: &Store,
    actor: &str,
    holiday: &DeclaredHoliday,
    today: NaiveDate,
) -> Result<(DeclaredHolidayRecord, Recomputed), PracticeError> {
    let Some(record) = holidays::add(store.tenancy().catalog_pool(), actor, holiday).await? else {
        return Err(PracticeError::Conflict {
            code: "holiday_exists",
            detail: format!("{} is already a declared holiday", holiday.on),
        });
    };
    Ok((record, recompute(store, today).await))
}

/// Withdraws a declared holiday (audited as `actor`) and recomputes every agency's deadlines
/// without it; `None` when the day was not declared (nothing changes).
pub async fn withdraw(
    store: &Store,
    actor: &str,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<Option<(DeclaredHolidayRecord, Recomputed)>, PracticeError> {
    let Some(record) = holidays::remove(store.tenancy().catalog_pool(), actor, on).await? else {
        return Ok(None);
    };
    Ok(Some((record, recompute(store, today).await)))
}

/// Drops this process's cached calendar (other replicas hear the NOTIFY), then recomputes on
/// a task of its own, so that a caller who goes away (a client's timeout) does not leave
/// half the agencies on the old dates.
async fn recompute(store: &Store, today: NaiveDate) -> Recomputed {
    store.tenancy().invalidate_calendar();
    let store = store.clone();
    match tokio::spawn(async move { recompute_everywhere(&store, today).await }).await {
        Ok(done) => done,
        Err(e) => Recomputed {
            failed: vec![format!("the recompute stopped: {e}")],
            ..Recomputed::default()
        },
    }
}
