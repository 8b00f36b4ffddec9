//! Rows for `comply360 bench --suite reports`: an agency's history of registrations with
//! their timelines, prices and commissions, written in a few set-based statements, and the
//! executed plans of the reports' statements. Never used by the product itself.

use crate::reports::{Period, Report, repo};
use comply360_store::{StoreError, TenantTx};
use sqlx::Row;
use uuid::Uuid;

/// 200 clients and `rows` registrations created over the last `days` days, spread over six
/// types, ten statuses (most filed, a third approved or completed) and `agents`; `seed` makes
/// the ids differ between agencies. Filed ones were submitted a day after they were started.
pub async fn fill_registrations(
    tx: &mut TenantTx,
    seed: &str,
    rows: i64,
    days: i64,
    agents: &[Uuid],
) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "INSERT INTO clients (tenant_id, id, kind, display_name) \
         SELECT $1, md5($2 || 'client' || g)::uuid, 'person', 'Client ' || g \
         FROM generate_series(0, 199) g",
    )
    .bind(tenant)
    .bind(seed)
    .execute(tx.conn())
    .await?;
    tx.query(
        "INSERT INTO registrations (tenant_id, id, client_id, agent_id, jurisdiction, kind, status, created_at, submitted_at) \
         SELECT $1, md5($2 || 'registration' || g)::uuid, md5($2 || 'client' || (g % 200))::uuid, \
                $3[1 + g % cardinality($3)], 'ZA', \
                (ARRAY['za_name_reservation','za_private_company','za_non_profit_company', \
                       'za_vat_registration','za_beneficial_ownership','za_annual_return'])[1 + g % 6], \
                s.status, s.created, \
                CASE WHEN s.status NOT IN ('draft', 'ready', 'cancelled') \
                     THEN least(now(), s.created + interval '1 day') END \
         FROM generate_series(0, $4 - 1) g \
         CROSS JOIN LATERAL (SELECT \
             (ARRAY['approved','approved','completed','approved','submitted','info_requested', \
                    'draft','ready','rejected','cancelled'])[1 + (g * 7) % 10] AS status, \
             now() - make_interval(secs => g * ($5 * 86400.0) / $4) AS created) s",
    )
    .bind(tenant)
    .bind(seed)
    .bind(agents)
    .bind(rows)
    .bind(days as f64)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Each registration's timeline as the workflow would have written it: created, submitted,
/// then decided (approved, rejected or information requested) 6 to 906 hours later, completed
/// two days after approval, cancelled an hour after it was started; nothing after now.
pub async fn fill_timelines(tx: &mut TenantTx) -> Result<(), StoreError> {
    tx.query(
        "INSERT INTO registration_timeline (tenant_id, id, registration_id, at, action, from_status, to_status) \
         SELECT $1, gen_random_uuid(), x.id, e.at, e.action, e.from_status, e.to_status \
         FROM (SELECT id, status, created_at, submitted_at, \
                      least(now(), submitted_at + make_interval(hours => 6 + abs(hashtext(id::text)) % 900)) AS decided \
               FROM registrations WHERE tenant_id = $1) x \
         CROSS JOIN LATERAL (VALUES \
             (x.created_at, 'created', NULL, 'draft'), \
             (x.submitted_at, 'submit', 'draft', 'submitted'), \
             (CASE WHEN x.status IN ('approved', 'completed') THEN x.decided END, 'approve', 'submitted', 'approved'), \
             (CASE WHEN x.status = 'completed' THEN least(now(), x.decided + interval '2 days') END, 'complete', 'approved', 'completed'), \
             (CASE WHEN x.status = 'rejected' THEN x.decided END, 'reject', 'submitted', 'rejected'), \
             (CASE WHEN x.status = 'info_requested' THEN x.decided END, 'request_info', 'submitted', 'info_requested'), \
             (CASE WHEN x.status = 'cancelled' THEN x.created_at + interval '1 hour' END, 'cancel', 'draft', 'cancelled') \
         ) e(at, action, from_status, to_status) \
         WHERE e.at IS NOT NULL",
    )
    .bind(tx.tenant_id().as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Prices for five of the six types (annual returns have none: the "no price set" bucket),
/// from two years ago, raised by a tenth nine months ago.
pub async fn fill_prices(tx: &mut TenantTx) -> Result<(), StoreError> {
    tx.query(
        "INSERT INTO registration_prices (tenant_id, id, kind, amount_cents, currency, effective_from) \
         SELECT $1, gen_random_uuid(), k.kind, k.cents * f.tenths / 10, 'ZAR', f.day \
         FROM (VALUES ('za_name_reservation', 50000), ('za_private_company', 175000), \
                      ('za_non_profit_company', 220000), ('za_vat_registration', 95000), \
                      ('za_beneficial_ownership', 60000)) k(kind, cents) \
         CROSS JOIN (VALUES (10, current_date - 730), (11, current_date - 270)) f(tenths, day)",
    )
    .bind(tx.tenant_id().as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A 10 % commission for every approved registration's agent, earned on the approval's SA
/// day, at the price of its submission day, in every status of the workflow.
pub async fn fill_commissions(tx: &mut TenantTx) -> Result<(), StoreError> {
    tx.query(
        "INSERT INTO commissions (tenant_id, id, agent_id, registration_id, amount_cents, currency, \
                                  status, fee_cents, earned_on, approved_at, rejected_at, reason, \
                                  paid_on, payment_reference) \
         SELECT $1, gen_random_uuid(), r.agent_id, r.id, coalesce(p.amount_cents, 0) / 10, 'ZAR', \
                s.status, p.amount_cents, s.day, \
                CASE WHEN s.status IN ('approved', 'paid') THEN a.at END, \
                CASE WHEN s.status = 'rejected' THEN a.at END, \
                CASE WHEN s.status = 'rejected' THEN 'bench' END, \
                CASE WHEN s.status = 'paid' THEN s.day END, \
                CASE WHEN s.status = 'paid' THEN 'EFT bench' END \
         FROM registrations r \
         JOIN registration_timeline a \
           ON a.tenant_id = r.tenant_id AND a.registration_id = r.id AND a.to_status = 'approved' \
         LEFT JOIN LATERAL ( \
             SELECT pr.amount_cents FROM registration_prices pr \
             WHERE pr.tenant_id = r.tenant_id AND pr.kind = r.kind \
               AND pr.effective_from <= ((r.submitted_at AT TIME ZONE 'UTC') + interval '2 hours')::date \
             ORDER BY pr.effective_from DESC LIMIT 1) p ON true \
         CROSS JOIN LATERAL (SELECT \
             (ARRAY['pending', 'approved', 'paid', 'paid', 'rejected'])[1 + abs(hashtext(r.id::text)) % 5] AS status, \
             ((a.at AT TIME ZONE 'UTC') + interval '2 hours')::date AS day) s \
         WHERE r.tenant_id = $1 AND r.agent_id IS NOT NULL",
    )
    .bind(tx.tenant_id().as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The executed plan (`EXPLAIN (ANALYZE, BUFFERS)`) of each report's statement over `period`.
pub async fn plans(
    tx: &mut TenantTx,
    period: &Period,
) -> Result<Vec<(Report, Vec<String>)>, StoreError> {
    let statements = [
        (Report::Registrations, repo::REGISTRATIONS.to_owned()),
        (Report::Turnaround, repo::turnaround_sql()),
        (Report::Commissions, repo::COMMISSIONS.to_owned()),
        (Report::Fees, repo::fees_sql()),
    ];
    let mut out = Vec::new();
    for (report, sql) in statements {
        let explain = format!("EXPLAIN (ANALYZE, BUFFERS) {sql}");
        let lines = repo::rows(tx, &explain, period)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?;
        out.push((report, lines));
    }
    Ok(out)
}
