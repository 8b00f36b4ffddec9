//! The statements of the compliance calendar, one each, over the caller's `TenantTx`.

use super::calendar::Due;
use super::model::{Obligation, ObligationKind, ObligationStatus};
use crate::decode;
use chrono::NaiveDate;
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// Inserts the obligation, or moves the dates of the open one with its key.
pub(crate) async fn upsert(
    tx: &mut TenantTx,
    company: Uuid,
    client: Uuid,
    agent: Option<Uuid>,
    d: &Due,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO obligations (tenant_id, id, company_id, client_id, kind, period, opens_on, due_on, agent_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (tenant_id, company_id, kind, period) DO UPDATE \
         SET opens_on = excluded.opens_on, due_on = excluded.due_on, detail = excluded.detail, \
             agent_id = coalesce(obligations.agent_id, excluded.agent_id) \
         WHERE obligations.status = 'open'",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(Uuid::now_v7())
    .bind(company)
    .bind(client)
    .bind(d.kind.as_str())
    .bind(&d.period)
    .bind(d.opens_on)
    .bind(d.due_on)
    .bind(agent)
    .bind(&d.detail)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The days of the company's open BO change filings (each remembers its change in `opens_on`).
pub(crate) async fn open_ownership_changes(
    tx: &mut TenantTx,
    company: Uuid,
) -> Result<Vec<NaiveDate>, sqlx::Error> {
    tx.query_scalar(
        "SELECT opens_on FROM obligations WHERE tenant_id = $1 AND company_id = $2 \
         AND kind = 'beneficial_ownership' AND starts_with(period, $3) AND status = 'open' \
         AND opens_on IS NOT NULL ORDER BY opens_on",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(company)
    .bind(super::OWNERSHIP_CHANGE_PERIOD)
    .fetch_all(tx.conn())
    .await
}

/// Every open obligation's due date, by id: what a recompute compares before and after.
pub(crate) async fn open_due_dates(
    tx: &mut TenantTx,
) -> Result<std::collections::HashMap<Uuid, NaiveDate>, sqlx::Error> {
    let rows: Vec<(Uuid, NaiveDate)> = tx
        .query_as("SELECT id, due_on FROM obligations WHERE tenant_id = $1 AND status = 'open'")
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    Ok(rows.into_iter().collect())
}

/// The earliest due date of the company's open obligations of this kind.
pub(crate) async fn earliest_open_due(
    tx: &mut TenantTx,
    company: Uuid,
    kind: ObligationKind,
) -> Result<Option<NaiveDate>, sqlx::Error> {
    tx.query_scalar("SELECT min(due_on) FROM obligations WHERE tenant_id = $1 AND company_id = $2 AND kind = $3 AND status = 'open'")
        .bind(tx.tenant_id().as_uuid())
        .bind(company)
        .bind(kind.as_str())
        .fetch_one(tx.conn())
        .await
}

fn from_row(r: &PgRow, today: NaiveDate) -> Result<Obligation, sqlx::Error> {
    let status: ObligationStatus = decode::text(r, "status")?;
    let due_on: NaiveDate = r.try_get("due_on")?;
    Ok(Obligation {
        id: r.try_get("id")?,
        company_id: r.try_get("company_id")?,
        company_name: r.try_get("company_name")?,
        client_id: r.try_get("client_id")?,
        kind: decode::text(r, "kind")?,
        period: r.try_get("period")?,
        opens_on: r.try_get("opens_on")?,
        due_on,
        overdue: status == ObligationStatus::Open && due_on < today,
        status,
        agent_id: r.try_get("agent_id")?,
        registration_id: r.try_get("registration_id")?,
        detail: r.try_get("detail")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A page's worth of the list, as [`list`] reads it.
pub(crate) struct ListQuery<'a> {
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub agent: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub due_before: Option<NaiveDate>,
    pub overdue: bool,
    pub today: NaiveDate,
    /// The (due_on, id) of the last item of the previous page.
    pub after: Option<(NaiveDate, Uuid)>,
    /// Rows to read: one more than the page, to learn whether another page exists.
    pub rows: i64,
}

pub(crate) async fn list(
    tx: &mut TenantTx,
    q: &ListQuery<'_>,
) -> Result<Vec<Obligation>, sqlx::Error> {
    let mut sql = tx.filtered(
        "SELECT o.id, o.company_id, c.name AS company_name, o.client_id, o.kind, o.period, o.opens_on, o.due_on, \
         o.status, o.agent_id, o.registration_id, o.detail, o.created_at \
         FROM obligations o JOIN companies c ON c.tenant_id = o.tenant_id AND c.id = o.company_id",
        "o.tenant_id",
    );
    sql.and_sql("c.deleted_at IS NULL")
        .and("o.status = ", q.status)
        .and("o.kind = ", q.kind)
        .and("o.agent_id = ", q.agent)
        .and("o.client_id = ", q.client_id)
        .and("o.company_id = ", q.company_id)
        .and("o.due_on < ", q.due_before);
    if q.overdue {
        sql.and("o.status = 'open' AND o.due_on < ", Some(q.today));
    }
    // Ascending by due date: the next page starts after the cursor's row.
    if let Some((due_on, id)) = q.after {
        sql.and("(o.due_on, o.id) > (", Some(due_on))
            .push(", ")
            .bind(id)
            .push(")");
    }
    sql.order_limit("o.due_on, o.id", q.rows);
    let rows = sql.fetch_all(tx).await?;
    rows.iter().map(|r| from_row(r, q.today)).collect()
}

/// The first `rows` open obligations of an agent due in `[from, to]` (no lower bound when
/// `from` is None), soonest first, and how many there are: those assigned to the agent and
/// those of the clients assigned to them (`obligations_by_agent`, `obligations_by_client`).
/// Deleted companies and clients are left out.
pub(crate) async fn open_of_agent(
    tx: &mut TenantTx,
    agent: Uuid,
    from: Option<NaiveDate>,
    to: NaiveDate,
    today: NaiveDate,
    rows: i64,
) -> Result<(Vec<Obligation>, i64), sqlx::Error> {
    let found = tx
        .query(
            "SELECT o.id, o.company_id, c.name AS company_name, o.client_id, o.kind, o.period, o.opens_on, o.due_on, \
             o.status, o.agent_id, o.registration_id, o.detail, o.created_at, count(*) OVER () AS total \
             FROM obligations o JOIN companies c ON c.tenant_id = o.tenant_id AND c.id = o.company_id \
             JOIN clients cl ON cl.tenant_id = o.tenant_id AND cl.id = o.client_id \
             WHERE o.tenant_id = $1 AND c.deleted_at IS NULL AND cl.deleted_at IS NULL AND o.status = 'open' \
             AND ($3::date IS NULL OR o.due_on >= $3) AND o.due_on <= $4 \
             AND (o.agent_id = $2 OR cl.assigned_agent_id = $2) \
             ORDER BY o.due_on, o.id LIMIT $5",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(agent)
        .bind(from)
        .bind(to)
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    let total = match found.first() {
        Some(r) => r.try_get("total")?,
        None => 0,
    };
    let items = found
        .iter()
        .map(|r| from_row(r, today))
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// Sets the status (and the registration that did it, if any); false when no such obligation.
pub(crate) async fn set_status(
    tx: &mut TenantTx,
    id: Uuid,
    status: ObligationStatus,
    registration: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let done = tx
        .query("UPDATE obligations SET status = $3, registration_id = coalesce($4, registration_id) WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(status.as_str())
        .bind(registration)
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(done > 0)
}

/// An open obligation whose reminder is due, as claimed.
pub(crate) struct Reminder {
    pub id: Uuid,
    pub company_id: Uuid,
    pub company_name: String,
    pub client_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub kind: ObligationKind,
    pub period: String,
    pub due_on: NaiveDate,
}

/// Claims the reminders due (open, due within `lead_days` or overdue, not reminded in the
/// last `every_days`) by setting `reminded_on`: a conditional update, so replicas never
/// claim the same one.
pub(crate) async fn claim_reminders(
    tx: &mut TenantTx,
    today: NaiveDate,
    lead_days: i32,
    every_days: i32,
) -> Result<Vec<Reminder>, sqlx::Error> {
    let rows = tx
        .query(
            "UPDATE obligations o SET reminded_on = $2 FROM companies c \
             WHERE o.tenant_id = $1 AND c.tenant_id = o.tenant_id AND c.id = o.company_id AND c.deleted_at IS NULL \
             AND o.status = 'open' AND o.due_on <= $2 + $3::int \
             AND (o.reminded_on IS NULL OR o.reminded_on <= $2 - $4::int) \
             RETURNING o.id, o.company_id, c.name AS company_name, o.client_id, o.kind, o.period, o.due_on, o.agent_id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(today)
        .bind(lead_days)
        .bind(every_days)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Reminder {
                id: r.try_get("id")?,
                company_id: r.try_get("company_id")?,
                company_name: r.try_get("company_name")?,
                client_id: r.try_get("client_id")?,
                agent_id: r.try_get("agent_id")?,
                kind: decode::text(r, "kind")?,
                period: r.try_get("period")?,
                due_on: r.try_get("due_on")?,
            })
        })
        .collect()
}
