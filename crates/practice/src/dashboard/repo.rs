//! The dashboard's statements over the caller's `TenantTx`: counts and short lists that read
//! registrations with their clients, companies and timelines, and the audit log, so a read
//! model of their own (decision 53). The viewer's obligations are `obligations::repo`'s.
//!
//! `$1` is always the tenant and `$2` the viewer (when there is one). A registration is the viewer's when it is
//! assigned to them, or unassigned and started by them (its `created` timeline entry is
//! theirs: assistants and agents start drafts before anyone is assigned). A deleted client's
//! registrations are left out with the client, as the search leaves them out.

use crate::decode;
use crate::find::{RecordKind, proposed_name};
use crate::workflow::Status;
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::RegistrationKind;
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// `mine`: the ids of the viewer's (`$2`) registrations: those assigned to them
/// (`registrations_by_agent_status`) and the unassigned ones whose `created` entry is theirs
/// (`registration_timeline_created_by`). Gathered first, so a statement reads only the
/// viewer's rows, never tests each of the agency's.
macro_rules! with_mine {
    () => {
        "WITH mine AS ( \
           SELECT id FROM registrations WHERE tenant_id = $1 AND agent_id = $2 \
           UNION ALL SELECT x.id FROM registration_timeline s \
             JOIN registrations x ON x.tenant_id = $1 AND x.id = s.registration_id AND x.agent_id IS NULL \
             WHERE s.tenant_id = $1 AND s.action = 'created' AND s.actor_id = $2) "
    };
}

/// Registrations whose client is not deleted.
macro_rules! live_registrations {
    () => {
        "registrations r JOIN clients cl ON cl.tenant_id = $1 AND cl.id = r.client_id AND cl.deleted_at IS NULL"
    };
}

/// The viewer's registrations whose client is not deleted (after [`with_mine`]).
macro_rules! my_registrations {
    () => {
        "mine m JOIN registrations r ON r.tenant_id = $1 AND r.id = m.id \
         JOIN clients cl ON cl.tenant_id = $1 AND cl.id = r.client_id AND cl.deleted_at IS NULL"
    };
}

fn status_counts(rows: &[PgRow]) -> Result<Vec<(Status, i64)>, sqlx::Error> {
    rows.iter()
        .map(|r| Ok((decode::text(r, "status")?, r.try_get("n")?)))
        .collect()
}

/// The viewer's registrations counted by status (statuses with none are absent).
pub(crate) async fn my_counts(
    tx: &mut TenantTx,
    viewer: Uuid,
) -> Result<Vec<(Status, i64)>, sqlx::Error> {
    let rows = tx
        .query(concat!(
            with_mine!(),
            "SELECT r.status, count(*) AS n FROM ",
            my_registrations!(),
            " GROUP BY r.status"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(viewer)
        .fetch_all(tx.conn())
        .await?;
    status_counts(&rows)
}

/// Every registration of the agency counted by status.
pub(crate) async fn all_counts(tx: &mut TenantTx) -> Result<Vec<(Status, i64)>, sqlx::Error> {
    let rows = tx
        .query(concat!(
            "SELECT r.status, count(*) AS n FROM ",
            live_registrations!(),
            " WHERE r.tenant_id = $1 GROUP BY r.status"
        ))
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    status_counts(&rows)
}

/// A registration of the viewer's in a status that waits on them.
pub(crate) struct WaitingRow {
    pub id: Uuid,
    pub kind: RegistrationKind,
    pub status: Status,
    pub client_id: Uuid,
    pub client_name: String,
    pub company_name: Option<String>,
    pub proposed_name: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// The first `rows` of the viewer's registrations in `statuses` (due soonest first, then
/// the longest untouched), and how many there are in all.
pub(crate) async fn my_waiting(
    tx: &mut TenantTx,
    viewer: Uuid,
    statuses: &[&str],
    rows: i64,
) -> Result<(Vec<WaitingRow>, i64), sqlx::Error> {
    let found = tx
        .query(concat!(
            with_mine!(),
            "SELECT r.id, r.kind, r.status, r.client_id, cl.display_name AS client_name, \
               co.name AS company_name, ",
            proposed_name!("r"),
            " AS proposed_name, r.due_on, r.updated_at, count(*) OVER () AS total FROM ",
            my_registrations!(),
            " LEFT JOIN companies co ON co.tenant_id = $1 AND co.id = r.company_id \
             WHERE r.status = ANY($3) \
             ORDER BY r.due_on NULLS LAST, r.updated_at, r.id LIMIT $4"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(viewer)
        .bind(statuses)
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    let total = match found.first() {
        Some(r) => r.try_get("total")?,
        None => 0,
    };
    let items = found
        .iter()
        .map(|r| {
            Ok(WaitingRow {
                id: r.try_get("id")?,
                kind: decode::text(r, "kind")?,
                status: decode::text(r, "status")?,
                client_id: r.try_get("client_id")?,
                client_name: r.try_get("client_name")?,
                company_name: r.try_get("company_name")?,
                proposed_name: r.try_get("proposed_name")?,
                due_on: r.try_get("due_on")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, total))
}

/// An entry of the recent activity, as read (the title is composed by the operation).
pub(crate) struct ActivityRow {
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub record: RecordKind,
    pub record_id: Uuid,
    pub action: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub note: String,
    /// A client's or company's name; for a registration, its client's.
    pub name: String,
    /// For a registration: its kind, its company's name and the name it proposes.
    pub kind: Option<RegistrationKind>,
    pub company_name: Option<String>,
    pub proposed_name: Option<String>,
}

fn activity_row(r: &PgRow) -> Result<ActivityRow, sqlx::Error> {
    Ok(ActivityRow {
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        record: decode::text(r, "record")?,
        record_id: r.try_get("record_id")?,
        action: r.try_get("action")?,
        from_status: decode::optional_text(r, "from_status")?,
        to_status: decode::optional_text(r, "to_status")?,
        note: r.try_get("note")?,
        name: r.try_get("name")?,
        kind: decode::optional_text(r, "kind")?,
        company_name: r.try_get("company_name")?,
        proposed_name: r.try_get("proposed_name")?,
    })
}

/// The columns of a timeline entry as activity, from `t` (the entry), `r`, `cl`, `co`, `u`.
macro_rules! timeline_columns {
    () => {
        concat!(
            "t.at, t.actor_id, coalesce(nullif(u.full_name, ''), u.email) AS actor_name, \
             'registration' AS record, r.id AS record_id, t.action, t.from_status, t.to_status, \
             t.note, cl.display_name AS name, r.kind, co.name AS company_name, ",
            proposed_name!("r"),
            " AS proposed_name"
        )
    };
}

/// The newest `rows` timeline entries of the viewer's registrations (whoever wrote them).
pub(crate) async fn my_timeline(
    tx: &mut TenantTx,
    viewer: Uuid,
    rows: i64,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    let found = tx
        .query(concat!(
            with_mine!(),
            "SELECT ",
            timeline_columns!(),
            " FROM ",
            my_registrations!(),
            " JOIN registration_timeline t ON t.tenant_id = $1 AND t.registration_id = r.id \
             LEFT JOIN companies co ON co.tenant_id = $1 AND co.id = r.company_id \
             LEFT JOIN users u ON u.tenant_id = $1 AND u.id = t.actor_id \
             ORDER BY t.at DESC, t.id DESC LIMIT $3"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(viewer)
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    found.iter().map(activity_row).collect()
}

/// The agency's newest `rows` timeline entries (`registration_timeline_by_time`).
pub(crate) async fn agency_timeline(
    tx: &mut TenantTx,
    rows: i64,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    let found = tx
        .query(concat!(
            "SELECT ",
            timeline_columns!(),
            " FROM registration_timeline t \
             JOIN registrations r ON r.tenant_id = $1 AND r.id = t.registration_id \
             JOIN clients cl ON cl.tenant_id = $1 AND cl.id = r.client_id AND cl.deleted_at IS NULL \
             LEFT JOIN companies co ON co.tenant_id = $1 AND co.id = r.company_id \
             LEFT JOIN users u ON u.tenant_id = $1 AND u.id = t.actor_id \
             WHERE t.tenant_id = $1 ORDER BY t.at DESC, t.id DESC LIMIT $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    found.iter().map(activity_row).collect()
}

/// The columns of a history entry as activity, from `a` (the entry), `u`, and `name`.
macro_rules! history_columns {
    () => {
        "a.at, a.actor_id, coalesce(nullif(u.full_name, ''), u.email) AS actor_name, \
         a.entity AS record, a.entity_id AS record_id, a.action, NULL::text AS from_status, \
         NULL::text AS to_status, coalesce(a.detail ->> 'note', '') AS note, h.name, \
         NULL::text AS kind, NULL::text AS company_name, NULL::text AS proposed_name"
    };
}

/// The newest `rows` history entries of the viewer's clients and companies (assigned to
/// them), from each one's own entries (`audit_log_by_entity`).
pub(crate) async fn my_history(
    tx: &mut TenantTx,
    viewer: Uuid,
    rows: i64,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    let found = tx
        .query(concat!(
            "SELECT ",
            history_columns!(),
            " FROM ( \
               SELECT 'client' AS entity, id, display_name AS name FROM clients \
                 WHERE tenant_id = $1 AND assigned_agent_id = $2 AND deleted_at IS NULL \
               UNION ALL SELECT 'company', co.id, co.name FROM companies co \
                 JOIN clients cl ON cl.tenant_id = $1 AND cl.id = co.client_id AND cl.deleted_at IS NULL \
                 WHERE co.tenant_id = $1 AND co.agent_id = $2 AND co.deleted_at IS NULL \
             ) h JOIN audit_log a ON a.tenant_id = $1 AND a.entity = h.entity AND a.entity_id = h.id \
             LEFT JOIN users u ON u.tenant_id = $1 AND u.id = a.actor_id \
             ORDER BY a.at DESC, a.id DESC LIMIT $3"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(viewer)
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    found.iter().map(activity_row).collect()
}

/// The agency's newest `rows` history entries of clients and companies that are not deleted
/// (`audit_log_practice_by_time`).
pub(crate) async fn agency_history(
    tx: &mut TenantTx,
    rows: i64,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    let found = tx
        .query(concat!(
            "SELECT ",
            history_columns!(),
            " FROM audit_log a \
             LEFT JOIN clients hc ON a.entity = 'client' AND hc.tenant_id = $1 AND hc.id = a.entity_id \
             LEFT JOIN companies hco ON a.entity = 'company' AND hco.tenant_id = $1 AND hco.id = a.entity_id \
             LEFT JOIN clients hcl ON hcl.tenant_id = $1 AND hcl.id = hco.client_id \
             CROSS JOIN LATERAL (SELECT coalesce(hc.display_name, hco.name) AS name) h \
             LEFT JOIN users u ON u.tenant_id = $1 AND u.id = a.actor_id \
             WHERE a.tenant_id = $1 AND a.entity IN ('client', 'company') \
               AND (hc.deleted_at IS NULL AND hc.id IS NOT NULL \
                    OR hco.id IS NOT NULL AND hco.deleted_at IS NULL AND hcl.deleted_at IS NULL) \
             ORDER BY a.at DESC, a.id DESC LIMIT $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    found.iter().map(activity_row).collect()
}

/// The agency's counts of live clients and companies and of open obligations overdue
/// (before `today`) and coming due (`today` to `until`).
pub(crate) struct Totals {
    pub clients: i64,
    pub companies: i64,
    pub obligations_overdue: i64,
    pub obligations_upcoming: i64,
}

pub(crate) async fn totals(
    tx: &mut TenantTx,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Totals, sqlx::Error> {
    let r = tx
        .query(
            "SELECT \
               (SELECT count(*) FROM clients WHERE tenant_id = $1 AND deleted_at IS NULL) AS clients, \
               (SELECT count(*) FROM companies co JOIN clients cl ON cl.tenant_id = $1 AND cl.id = co.client_id \
                  AND cl.deleted_at IS NULL WHERE co.tenant_id = $1 AND co.deleted_at IS NULL) AS companies, \
               o.overdue, o.upcoming \
             FROM (SELECT count(*) FILTER (WHERE o.due_on < $2) AS overdue, \
                          count(*) FILTER (WHERE o.due_on >= $2) AS upcoming \
                   FROM obligations o \
                   JOIN companies co ON co.tenant_id = $1 AND co.id = o.company_id AND co.deleted_at IS NULL \
                   JOIN clients cl ON cl.tenant_id = $1 AND cl.id = o.client_id AND cl.deleted_at IS NULL \
                   WHERE o.tenant_id = $1 AND o.status = 'open' AND o.due_on <= $3) o",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(today)
        .bind(until)
        .fetch_one(tx.conn())
        .await?;
    Ok(Totals {
        clients: r.try_get("clients")?,
        companies: r.try_get("companies")?,
        obligations_overdue: r.try_get("overdue")?,
        obligations_upcoming: r.try_get("upcoming")?,
    })
}
