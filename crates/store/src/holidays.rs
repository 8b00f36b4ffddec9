//! The declared public holidays (`control.declared_holidays`): platform data, one list for
//! every agency, from which each tenant transaction's business calendar is built
//! ([`crate::TenantTx::calendar`]). Adding or removing one writes the platform audit log in
//! the same transaction.

use crate::{StoreError, catalog};
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::calendar::DeclaredHoliday;
use serde::Serialize;
use sqlx::{PgExecutor, PgPool, Row};

/// A declared holiday as the platform records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeclaredHolidayRecord {
    /// The day (YYYY-MM-DD).
    pub date: NaiveDate,
    /// Why it is a holiday ("local government elections").
    pub name: String,
    /// Who added it: `shipped` for the defaults, else the operator.
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

impl DeclaredHolidayRecord {
    pub fn holiday(&self) -> DeclaredHoliday {
        DeclaredHoliday {
            on: self.date,
            name: self.name.clone(),
        }
    }
}

fn from_row(r: &sqlx::postgres::PgRow) -> Result<DeclaredHolidayRecord, sqlx::Error> {
    Ok(DeclaredHolidayRecord {
        date: r.try_get("day")?,
        name: r.try_get("name")?,
        added_by: r.try_get("added_by")?,
        added_at: r.try_get("added_at")?,
    })
}

/// Every declared holiday, by date.
pub async fn list<'c>(db: impl PgExecutor<'c>) -> Result<Vec<DeclaredHolidayRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, name, added_by, added_at FROM control.declared_holidays ORDER BY day",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Adds a declared holiday and audits it, in one transaction; `None` when that day is
/// already declared (nothing changes).
pub async fn add(
    pool: &PgPool,
    actor: &str,
    holiday: &DeclaredHoliday,
) -> Result<Option<DeclaredHolidayRecord>, StoreError> {
    let mut tx = crate::txn::begin(pool, None).await?;
    let row = sqlx::query(
        "INSERT INTO control.declared_holidays (day, name, added_by) VALUES ($1, $2, $3)
         ON CONFLICT (day) DO NOTHING
         RETURNING day, name, added_by, added_at",
    )
    .bind(holiday.on)
    .bind(&holiday.name)
    .bind(actor)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        crate::txn::rollback(tx).await?;
        return Ok(None);
    };
    let record = from_row(&row)?;
    catalog::audit(
        &mut *tx,
        actor,
        "holiday.declared",
        None,
        serde_json::json!({"date": record.date, "name": record.name}),
    )
    .await?;
    crate::txn::commit(tx).await?;
    Ok(Some(record))
}

/// Removes a declared holiday and audits it, in one transaction; `None` when that day was
/// not declared.
pub async fn remove(
    pool: &PgPool,
    actor: &str,
    on: NaiveDate,
) -> Result<Option<DeclaredHolidayRecord>, StoreError> {
    let mut tx = crate::txn::begin(pool, None).await?;
    let row = sqlx::query(
        "DELETE FROM control.declared_holidays WHERE day = $1
         RETURNING day, name, added_by, added_at",
    )
    .bind(on)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        crate::txn::rollback(tx).await?;
        return Ok(None);
    };
    let record = from_row(&row)?;
    catalog::audit(
        &mut *tx,
        actor,
        "holiday.removed",
        None,
        serde_json::json!({"date": record.date, "name": record.name}),
    )
    .await?;
    crate::txn::commit(tx).await?;
    Ok(Some(record))
}
