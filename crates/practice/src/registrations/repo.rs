//! The statements of registrations, one each, over the caller's `TenantTx`.

use super::model::{FilingPath, Registration};
use crate::decode;
use crate::page::Cursor;
use crate::workflow::Status;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use comply360_domain::RegistrationKind;
use comply360_store::TenantTx;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// The columns of a registration, in [`from_row`]'s order (a macro, so each statement stays
/// one literal).
/// The columns [`from_row`] reads.
macro_rules! registration_columns {
    () => {
        "id, client_id, company_id, kind, jurisdiction, status, agent_id, due_on, filing_path, \
         filing_id, registry_reference, payload, outcome, version, submitted_at, completed_at, \
         created_at, updated_at"
    };
}

macro_rules! select_registrations {
    ($rest:literal) => {
        concat!(
            "SELECT ",
            registration_columns!(),
            " FROM registrations ",
            $rest
        )
    };
}

fn from_row(r: &PgRow) -> Result<Registration, sqlx::Error> {
    let status: Status = decode::text(r, "status")?;
    Ok(Registration {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        company_id: r.try_get("company_id")?,
        kind: decode::text(r, "kind")?,
        jurisdiction: decode::text(r, "jurisdiction")?,
        status,
        agent_id: r.try_get("agent_id")?,
        due_on: r.try_get("due_on")?,
        filing_path: decode::text(r, "filing_path")?,
        filing_id: r.try_get("filing_id")?,
        registry_reference: r.try_get("registry_reference")?,
        steps: r.try_get("payload")?,
        outcome: r.try_get("outcome")?,
        version: r.try_get("version")?,
        submitted_at: r.try_get("submitted_at")?,
        completed_at: r.try_get("completed_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        actions: status.actions(),
    })
}

pub(crate) async fn find(tx: &mut TenantTx, id: Uuid) -> Result<Option<Registration>, sqlx::Error> {
    let row = tx
        .query(select_registrations!("WHERE tenant_id = $1 AND id = $2"))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Like [`find`], and locks the row for the rest of the transaction.
pub(crate) async fn find_for_update(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<Registration>, sqlx::Error> {
    let row = tx
        .query(select_registrations!(
            "WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A checked draft, as stored.
pub(crate) struct NewRegistration<'a> {
    pub id: Uuid,
    pub client_id: Uuid,
    pub company_id: Option<Uuid>,
    pub kind: RegistrationKind,
    pub steps: &'a Value,
    pub filing_path: FilingPath,
    pub agent_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    /// Who opened it (the timeline's first entry); None for the registry gateway.
    pub created_by: Option<Uuid>,
}

/// Stores the draft with its timeline's "created" entry and answers it as stored (defaults,
/// generated values and all); None, storing nothing, when the client is not one of the
/// agency's (deleted ones included).
pub(crate) async fn insert(
    tx: &mut TenantTx,
    r: &NewRegistration<'_>,
) -> Result<Option<Registration>, sqlx::Error> {
    // One statement: the client's check, the row and its first timeline entry are a single
    // round trip on the API's busiest write (see `bench/api-write.sh`).
    let row = tx
        .query(concat!(
            "WITH r AS (INSERT INTO registrations (tenant_id, id, client_id, company_id, jurisdiction, kind, payload, filing_path, agent_id, due_on) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS \
             (SELECT 1 FROM clients WHERE tenant_id = $1 AND id = $3 AND deleted_at IS NULL) RETURNING *), \
             t AS (INSERT INTO registration_timeline (tenant_id, id, registration_id, actor_id, action, to_status, note, detail) \
             SELECT tenant_id, $11, id, $12, 'created', status, '', jsonb_build_object('kind', kind, 'filing_path', filing_path) FROM r) \
             SELECT ",
            registration_columns!(),
            " FROM r"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(r.id)
        .bind(r.client_id)
        .bind(r.company_id)
        .bind(r.kind.jurisdiction().as_str())
        .bind(r.kind.as_str())
        .bind(r.steps)
        .bind(r.filing_path.as_str())
        .bind(r.agent_id)
        .bind(r.due_on)
        .bind(Uuid::now_v7())
        .bind(r.created_by)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Replaces the wizard data and the outcome (a data subject's erasure).
pub(crate) async fn replace_data(
    tx: &mut TenantTx,
    id: Uuid,
    steps: &Value,
    outcome: Option<&Value>,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE registrations SET payload = $3, outcome = $4, version = version + 1 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(steps)
    .bind(outcome)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Saves one step's data; a ready registration goes back to draft.
pub(crate) async fn save_step(
    tx: &mut TenantTx,
    id: Uuid,
    step: &str,
    value: &Value,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE registrations SET payload = jsonb_set(payload, ARRAY[$3], $4, true), version = version + 1, \
         status = CASE WHEN status = 'ready' THEN 'draft' ELSE status END WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(step)
    .bind(value)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Registrations started since the first of this month, South African time (what a plan's
/// monthly allowance counts). The month's first instant is a parameter, not an expression
/// of `now()`, so the count is a range of the `(tenant_id, created_at)` index rather than a
/// time-zone conversion of every registration the agency has.
pub(crate) async fn created_this_month(tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let (n,): (i64,) = tx
        .query_as("SELECT count(*) FROM registrations WHERE tenant_id = $1 AND created_at >= $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(sa_month_start(Utc::now()))
        .fetch_one(tx.conn())
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The first instant of the South African month (UTC+2 all year) that `at` falls in.
fn sa_month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let today = crate::reminders::sa_date(at);
    let first = today - chrono::Days::new(u64::from(today.day0()));
    first.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(2)
}

/// Sets one field of one step, leaving the status as it is.
pub(crate) async fn save_field(
    tx: &mut TenantTx,
    id: Uuid,
    step: &str,
    field: &str,
    value: &Value,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE registrations SET payload = jsonb_set( \
             jsonb_set(payload, ARRAY[$3], coalesce(payload -> $3, '{}'::jsonb), true), \
             ARRAY[$3, $4], $5, true), version = version + 1 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(step)
    .bind(field)
    .bind(value)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Moves to `to`, stamping `submitted_at` or `completed_at` when it is one of those.
pub(crate) async fn set_status(tx: &mut TenantTx, id: Uuid, to: Status) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE registrations SET status = $3, version = version + 1, \
         submitted_at = CASE WHEN $3 = 'submitted' THEN now() ELSE submitted_at END, \
         completed_at = CASE WHEN $3 = 'completed' THEN now() ELSE completed_at END \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(to.as_str())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records what the registry said (and its reference, when it gave one).
pub(crate) async fn set_outcome(
    tx: &mut TenantTx,
    id: Uuid,
    outcome: &Value,
    reference: Option<&str>,
) -> Result<(), sqlx::Error> {
    tx.query("UPDATE registrations SET outcome = $3, registry_reference = coalesce($4, registry_reference) WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(outcome)
        .bind(reference)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Rewrites the outcome as an edit (a reservation's extension): the version moves.
pub(crate) async fn amend_outcome(
    tx: &mut TenantTx,
    id: Uuid,
    outcome: &Value,
) -> Result<(), sqlx::Error> {
    tx.query("UPDATE registrations SET outcome = $3, version = version + 1 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(outcome)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Links the company an incorporation created.
pub(crate) async fn set_company(
    tx: &mut TenantTx,
    id: Uuid,
    company: Uuid,
) -> Result<(), sqlx::Error> {
    tx.query("UPDATE registrations SET company_id = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(company)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(crate) async fn set_filing_id(
    tx: &mut TenantTx,
    id: Uuid,
    filing_id: &str,
) -> Result<(), sqlx::Error> {
    tx.query("UPDATE registrations SET filing_id = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(filing_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Assigns an agent and/or a due date (None keeps the current one).
pub(crate) async fn assign(
    tx: &mut TenantTx,
    id: Uuid,
    agent: Option<Uuid>,
    due_on: Option<NaiveDate>,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE registrations SET agent_id = coalesce($3, agent_id), due_on = coalesce($4, due_on), version = version + 1 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(agent)
    .bind(due_on)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A page's worth of the list, as [`list`] reads it (filters already checked).
pub(crate) struct ListQuery<'a> {
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub agent: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub due_before: Option<NaiveDate>,
    pub after: Option<Cursor>,
    /// Rows to read: one more than the page, to learn whether another page exists.
    pub rows: i64,
}

pub(crate) async fn list(
    tx: &mut TenantTx,
    q: &ListQuery<'_>,
) -> Result<Vec<Registration>, sqlx::Error> {
    let mut sql = tx.filtered(select_registrations!(""), "tenant_id");
    sql.and("status = ", q.status)
        .and("kind = ", q.kind)
        .and("agent_id = ", q.agent)
        .and("client_id = ", q.client_id)
        .and("due_on < ", q.due_before)
        .before("created_at, id", q.after.map(|c| (c.created_at, c.id)))
        .order_limit("created_at DESC, id DESC", q.rows);
    let rows = sql.fetch_all(tx).await?;
    rows.iter().map(from_row).collect()
}

/// The registrations of these clients, and those whose wizard data names this number
/// anywhere (a person field's ID or passport number), for a data subject's request.
pub(crate) async fn of_clients_or_naming(
    tx: &mut TenantTx,
    clients: &[Uuid],
    number: &str,
) -> Result<Vec<Registration>, sqlx::Error> {
    let rows = tx
        .query(select_registrations!(
            "WHERE tenant_id = $1 AND (client_id = ANY($2) \
             OR jsonb_path_exists(payload, '$.** ? (@ == $n)', jsonb_build_object('n', $3::text))) \
             ORDER BY created_at, id"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(clients)
        .bind(number)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::sa_month_start;
    use chrono::{DateTime, Utc};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("an RFC 3339 instant")
    }

    #[test]
    fn the_month_starts_at_midnight_south_african_time() {
        // 00:30 on 1 December in Johannesburg is 22:30 on 30 November in UTC.
        let start = at("2026-11-30T22:00:00Z");
        assert_eq!(sa_month_start(at("2026-11-30T22:30:00Z")), start);
        assert_eq!(sa_month_start(at("2026-12-31T21:59:59Z")), start);
        assert_eq!(sa_month_start(at("2026-11-30T22:00:00Z")), start);
        // One second before is still November there.
        assert_eq!(
            sa_month_start(at("2026-11-30T21:59:59Z")),
            at("2026-10-31T22:00:00Z")
        );
        assert_eq!(
            sa_month_start(at("2027-01-01T00:00:00Z")),
            at("2026-12-31T22:00:00Z")
        );
    }
}
