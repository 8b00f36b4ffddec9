//! The statements of commissions, one each, over the caller's `TenantTx`.

use super::model::{Commission, CommissionAction, CommissionStatus};
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::{Cents, Currency};
use comply360_practice::decode;
use comply360_practice::page::Cursor;
use comply360_store::TenantTx;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const SELECT: &str = "SELECT c.id, c.registration_id, r.kind AS registration_kind, \
     r.registry_reference AS registration_reference, r.client_id, cl.display_name AS client_name, \
     c.agent_id, u.email AS agent_email, c.status, c.amount_cents, c.currency, c.fee_cents, \
     c.rule_id, c.calculation, c.earned_on, c.approved_at, c.approved_by, c.rejected_at, \
     c.rejected_by, c.reason, c.paid_on, c.paid_by, c.payment_reference, c.version, \
     c.created_at, c.updated_at \
     FROM commissions c \
     JOIN registrations r ON r.tenant_id = c.tenant_id AND r.id = c.registration_id \
     JOIN clients cl ON cl.tenant_id = r.tenant_id AND cl.id = r.client_id \
     JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.agent_id";

fn commission(row: &PgRow) -> Result<Commission, sqlx::Error> {
    let status: CommissionStatus = decode::text(row, "status")?;
    Ok(Commission {
        id: row.try_get("id")?,
        registration_id: row.try_get("registration_id")?,
        registration_kind: decode::text(row, "registration_kind")?,
        registration_reference: row.try_get("registration_reference")?,
        client_id: row.try_get("client_id")?,
        client_name: row.try_get("client_name")?,
        agent_id: row.try_get("agent_id")?,
        agent_email: row.try_get("agent_email")?,
        status,
        amount_cents: row.try_get("amount_cents")?,
        currency: row.try_get::<String, _>("currency")?,
        fee_cents: row.try_get("fee_cents")?,
        rule_id: row.try_get("rule_id")?,
        calculation: row.try_get("calculation")?,
        earned_on: row.try_get("earned_on")?,
        approved_at: row.try_get("approved_at")?,
        approved_by: row.try_get("approved_by")?,
        rejected_at: row.try_get("rejected_at")?,
        rejected_by: row.try_get("rejected_by")?,
        reason: row.try_get("reason")?,
        paid_on: row.try_get("paid_on")?,
        paid_by: row.try_get("paid_by")?,
        payment_reference: row.try_get("payment_reference")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        actions: status.actions(),
    })
}

pub(crate) struct NewCommission<'a> {
    pub registration: Uuid,
    pub agent: Uuid,
    pub rule: Uuid,
    pub amount: Cents,
    pub currency: Currency,
    pub fee: Option<Cents>,
    pub calculation: &'a Value,
    pub earned_on: NaiveDate,
}

/// Inserts the commission unless the registration already earned its agent one; the new id,
/// or None when it existed.
pub(crate) async fn insert_once(
    tx: &mut TenantTx,
    c: &NewCommission<'_>,
) -> Result<Option<Uuid>, sqlx::Error> {
    tx.query_scalar(
        "INSERT INTO commissions (tenant_id, id, agent_id, registration_id, rule_id, amount_cents, \
         currency, fee_cents, calculation, earned_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (tenant_id, registration_id, agent_id) DO NOTHING RETURNING id",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(Uuid::now_v7())
    .bind(c.agent)
    .bind(c.registration)
    .bind(c.rule)
    .bind(c.amount.0)
    .bind(c.currency.code())
    .bind(c.fee.map(|f| f.0))
    .bind(c.calculation)
    .bind(c.earned_on)
    .fetch_optional(tx.conn())
    .await
}

pub(crate) async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<Commission>, sqlx::Error> {
    let row = tx
        .query(&format!("{SELECT} WHERE c.tenant_id = $1 AND c.id = $2"))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(commission).transpose()
}

/// Locks the commissions with these ids (in id order, so two bulk actions cannot deadlock)
/// and returns their (id, agent, status, version).
pub(crate) async fn lock(
    tx: &mut TenantTx,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Uuid, CommissionStatus, i32)>, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT id, agent_id, status, version FROM commissions \
             WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(ids)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("agent_id")?,
                decode::text(r, "status")?,
                r.try_get("version")?,
            ))
        })
        .collect()
}

pub(crate) struct Step<'a> {
    pub action: CommissionAction,
    pub to: CommissionStatus,
    pub actor: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub reason: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub paid_on: Option<NaiveDate>,
}

/// Moves the commissions to `step.to`, recording who and when for the action.
pub(crate) async fn apply(
    tx: &mut TenantTx,
    ids: &[Uuid],
    step: &Step<'_>,
) -> Result<u64, sqlx::Error> {
    let sql = match step.action {
        CommissionAction::Approve => {
            "UPDATE commissions SET status = $3, approved_by = $4, approved_at = $5, \
             version = version + 1, updated_at = $5 WHERE tenant_id = $1 AND id = ANY($2)"
        }
        CommissionAction::Reject => {
            "UPDATE commissions SET status = $3, rejected_by = $4, rejected_at = $5, reason = $6, \
             version = version + 1, updated_at = $5 WHERE tenant_id = $1 AND id = ANY($2)"
        }
        CommissionAction::Pay => {
            "UPDATE commissions SET status = $3, paid_by = $4, paid_at = $5, payment_reference = $7, \
             paid_on = $8, version = version + 1, updated_at = $5 WHERE tenant_id = $1 AND id = ANY($2)"
        }
    };
    let done = tx
        .query(sql)
        .bind(tx.tenant_id().as_uuid())
        .bind(ids)
        .bind(step.to.as_str())
        .bind(step.actor)
        .bind(step.at)
        .bind(step.reason)
        .bind(step.reference)
        .bind(step.paid_on)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

pub(crate) struct ListQuery<'a> {
    pub agent: Option<Uuid>,
    pub status: Option<CommissionStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub after: Option<&'a Cursor>,
    /// Rows to fetch (a page's limit + 1, or the export's cap).
    pub fetch: i64,
}

/// Newest first, by (created_at, id).
pub(crate) async fn list(
    tx: &mut TenantTx,
    q: &ListQuery<'_>,
) -> Result<Vec<Commission>, sqlx::Error> {
    let mut sql = tx.filtered(SELECT, "c.tenant_id");
    sql.and("c.agent_id = ", q.agent)
        .and("c.status = ", q.status.map(CommissionStatus::as_str))
        .and("c.earned_on >= ", q.from)
        .and("c.earned_on <= ", q.to)
        .before("c.created_at, c.id", q.after.map(|c| (c.created_at, c.id)))
        .order_limit("c.created_at DESC, c.id DESC", q.fetch);
    let rows = sql.fetch_all(tx).await?;
    rows.iter().map(commission).collect()
}

/// An agent's commissions earned between two days, oldest first (a statement's lines).
pub(crate) async fn earned_between(
    tx: &mut TenantTx,
    agent: Uuid,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<Commission>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "{SELECT} WHERE c.tenant_id = $1 AND c.agent_id = $2 \
             AND c.earned_on BETWEEN $3 AND $4 ORDER BY c.earned_on, c.created_at, c.id"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(agent)
        .bind(first)
        .bind(last)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(commission).collect()
}

/// An agent's commissions paid between two days (any month earned), oldest first.
pub(crate) async fn paid_between(
    tx: &mut TenantTx,
    agent: Uuid,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<Commission>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "{SELECT} WHERE c.tenant_id = $1 AND c.agent_id = $2 AND c.status = 'paid' \
             AND c.paid_on BETWEEN $3 AND $4 ORDER BY c.paid_on, c.id"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(agent)
        .bind(first)
        .bind(last)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(commission).collect()
}

/// The agent's email, if the id is a user of the agency.
pub(crate) async fn user_email(tx: &mut TenantTx, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    tx.query_scalar("SELECT email FROM users WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await
}

/// What the calculation needs to know of a registration.
pub(crate) struct Earning {
    pub kind: String,
    pub agent: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
}

pub(crate) async fn earning(
    tx: &mut TenantTx,
    registration: Uuid,
) -> Result<Option<Earning>, sqlx::Error> {
    let row = tx
        .query("SELECT kind, agent_id, submitted_at FROM registrations WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(registration)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| {
        Ok(Earning {
            kind: r.try_get("kind")?,
            agent: r.try_get("agent_id")?,
            submitted_at: r.try_get("submitted_at")?,
        })
    })
    .transpose()
}
