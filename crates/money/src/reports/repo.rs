//! The reports' statements, one each, over the caller's `TenantTx`.
//!
//! Every statement takes the same parameters: `$1` the agency, `$2`..`$3` the period as
//! instants (South African midnight to midnight, the end excluded) and `$4`..`$5` as days
//! (both included), so the benchmark can show each one's plan with the same binding. Days and
//! months are South African (UTC+2 all year): `(at AT TIME ZONE 'UTC') + interval '2 hours'`
//! is the SAST wall clock whatever the session's time zone.

use super::model::{CommissionTotals, FeeRow, RegistrationCount, TurnaroundRow};
use super::period::{Period, month_key};
use chrono::NaiveDate;
use comply360_practice::decode;
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// Registrations created in the period, per SA month, type and status
/// (`registrations_by_created`).
pub(crate) const REGISTRATIONS: &str = "\
SELECT date_trunc('month', (r.created_at AT TIME ZONE 'UTC') + interval '2 hours')::date AS month, \
       r.kind, r.status, count(*) AS n \
FROM registrations r \
WHERE r.tenant_id = $1 AND r.created_at >= $2 AND r.created_at < $3 \
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

/// The registrations approved in the period and when (`registration_timeline_approvals`).
/// A registration is approved once (approved leads only to completed), `min` guards anyway.
const APPROVED: &str = "\
approved AS ( \
    SELECT t.registration_id, min(t.at) AS approved_at \
    FROM registration_timeline t \
    WHERE t.tenant_id = $1 AND t.to_status = 'approved' AND t.at >= $2 AND t.at < $3 \
    GROUP BY t.registration_id)";

/// Days from the submission of the filing that was approved to its approval, per type and
/// over all (`GROUPING SETS`); the percentiles interpolate linearly (`percentile_cont`). The
/// submission is the last entry into `submitted` from a draft before the approval: after a
/// rejection the filing is redone from a draft, while a resubmission after a request for
/// information continues the same one. `submitted_at` stands in for a registration without
/// such an entry. The grand total of nothing (no approval) is no row. `waits` is
/// materialised: inlined, each row's submission was looked up twice (the filter and the
/// value), seen in the plan.
pub(crate) fn turnaround_sql() -> String {
    format!(
        "WITH {APPROVED}, \
         waits AS MATERIALIZED ( \
            SELECT r.kind, extract(epoch FROM a.approved_at - coalesce( \
                       (SELECT max(s.at) FROM registration_timeline s \
                         WHERE s.tenant_id = $1 AND s.registration_id = a.registration_id \
                           AND s.to_status = 'submitted' AND s.from_status IN ('draft', 'ready') \
                           AND s.at <= a.approved_at), \
                       r.submitted_at))::float8 / 86400 AS days \
            FROM approved a \
            JOIN registrations r ON r.tenant_id = $1 AND r.id = a.registration_id) \
         SELECT kind, count(*) AS approved, \
                round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days)::numeric, 1)::float8 AS median_days, \
                round(percentile_cont(0.9) WITHIN GROUP (ORDER BY days)::numeric, 1)::float8 AS p90_days \
         FROM waits WHERE days IS NOT NULL \
         GROUP BY GROUPING SETS ((kind), ()) HAVING count(*) > 0 \
         ORDER BY kind NULLS LAST"
    )
}

/// Commissions earned in the period per agent, SA month and currency, by status
/// (`commissions_by_period`).
pub(crate) const COMMISSIONS: &str = "\
SELECT c.agent_id, u.email AS agent_email, u.full_name AS agent_name, \
       date_trunc('month', c.earned_on::timestamp)::date AS month, c.currency::text AS currency, \
       count(*) AS commissions, \
       coalesce(sum(c.amount_cents) FILTER (WHERE c.status = 'pending'), 0)::bigint AS pending_cents, \
       coalesce(sum(c.amount_cents) FILTER (WHERE c.status = 'approved'), 0)::bigint AS approved_cents, \
       coalesce(sum(c.amount_cents) FILTER (WHERE c.status = 'paid'), 0)::bigint AS paid_cents, \
       coalesce(sum(c.amount_cents) FILTER (WHERE c.status = 'rejected'), 0)::bigint AS rejected_cents \
FROM commissions c \
JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.agent_id \
WHERE c.tenant_id = $1 AND c.earned_on BETWEEN $4 AND $5 \
GROUP BY c.agent_id, u.email, u.full_name, 4, 5 \
ORDER BY lower(u.email), c.agent_id, 4, 5";

/// The price in force on each approved registration's submission day (its `submitted_at`,
/// the day the commission job also prices it on; the approval's day without one), summed per
/// SA month of approval, type and currency; a NULL currency is "no price set".
pub(crate) fn fees_sql() -> String {
    format!(
        "WITH {APPROVED}, \
         priced AS ( \
            SELECT date_trunc('month', (a.approved_at AT TIME ZONE 'UTC') + interval '2 hours')::date AS month, \
                   r.kind, p.currency, p.amount_cents \
            FROM approved a \
            JOIN registrations r ON r.tenant_id = $1 AND r.id = a.registration_id \
            LEFT JOIN LATERAL ( \
                SELECT pr.currency::text AS currency, pr.amount_cents FROM registration_prices pr \
                WHERE pr.tenant_id = $1 AND pr.kind = r.kind \
                  AND pr.effective_from <= ((coalesce(r.submitted_at, a.approved_at) AT TIME ZONE 'UTC') \
                                            + interval '2 hours')::date \
                ORDER BY pr.effective_from DESC LIMIT 1) p ON true) \
         SELECT month, kind, currency, count(*) AS registrations, \
                coalesce(sum(amount_cents), 0)::bigint AS fees_cents \
         FROM priced GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 NULLS LAST"
    )
}

/// `sql`'s rows for `period` in this agency, with the parameters every report statement takes.
pub(crate) async fn rows(
    tx: &mut TenantTx,
    sql: &str,
    period: &Period,
) -> Result<Vec<PgRow>, sqlx::Error> {
    tx.query(sql)
        .bind(tx.tenant_id().as_uuid())
        .bind(period.starts())
        .bind(period.ends())
        .bind(period.from)
        .bind(period.to)
        .fetch_all(tx.conn())
        .await
}

fn month(row: &PgRow) -> Result<String, sqlx::Error> {
    Ok(month_key(row.try_get::<NaiveDate, _>("month")?))
}

pub(crate) async fn registrations(
    tx: &mut TenantTx,
    period: &Period,
) -> Result<Vec<RegistrationCount>, sqlx::Error> {
    rows(tx, REGISTRATIONS, period)
        .await?
        .iter()
        .map(|r| {
            Ok(RegistrationCount {
                month: month(r)?,
                kind: decode::text(r, "kind")?,
                status: decode::text(r, "status")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// Per type, then the row over every type (its `kind` NULL), if anything was approved.
pub(crate) async fn turnaround(
    tx: &mut TenantTx,
    period: &Period,
) -> Result<(Vec<TurnaroundRow>, Option<(i64, f64, f64)>), sqlx::Error> {
    let mut by_kind = Vec::new();
    let mut overall = None;
    for r in rows(tx, &turnaround_sql(), period).await? {
        let approved: i64 = r.try_get("approved")?;
        let median: f64 = r.try_get("median_days")?;
        let p90: f64 = r.try_get("p90_days")?;
        match decode::optional_text(&r, "kind")? {
            Some(kind) => by_kind.push(TurnaroundRow {
                kind,
                approved,
                median_days: median,
                p90_days: p90,
            }),
            None => overall = Some((approved, median, p90)),
        }
    }
    Ok((by_kind, overall))
}

pub(crate) async fn commissions(
    tx: &mut TenantTx,
    period: &Period,
) -> Result<Vec<CommissionTotals>, sqlx::Error> {
    rows(tx, COMMISSIONS, period)
        .await?
        .iter()
        .map(|r| {
            Ok(CommissionTotals {
                agent_id: r.try_get("agent_id")?,
                agent_email: r.try_get("agent_email")?,
                agent_name: r.try_get("agent_name")?,
                month: month(r)?,
                currency: r.try_get("currency")?,
                commissions: r.try_get("commissions")?,
                pending_cents: r.try_get("pending_cents")?,
                approved_cents: r.try_get("approved_cents")?,
                paid_cents: r.try_get("paid_cents")?,
                rejected_cents: r.try_get("rejected_cents")?,
            })
        })
        .collect()
}

pub(crate) async fn fees(tx: &mut TenantTx, period: &Period) -> Result<Vec<FeeRow>, sqlx::Error> {
    rows(tx, &fees_sql(), period)
        .await?
        .iter()
        .map(|r| {
            Ok(FeeRow {
                month: month(r)?,
                kind: decode::text(r, "kind")?,
                currency: r.try_get("currency")?,
                registrations: r.try_get("registrations")?,
                fees_cents: r.try_get("fees_cents")?,
            })
        })
        .collect()
}
