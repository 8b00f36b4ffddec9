//! The compliance calendar: what each company owes and when, computed from its facts in
//! South African business days (`comply360_domain::calendar`) by the rules of
//! `comply360_domain::rules`, and stored so agents can list, assign, finish and be reminded.
//!
//! Obligations are keyed by (company, kind, period), so recomputing is idempotent: a
//! refresh inserts what is missing and moves the dates of open ones, never touching done ones.

use crate::error::{PracticeError, Problems};
use crate::page::{self, Page};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use comply360_domain::Cents;
use comply360_domain::calendar::BusinessCalendar;
use comply360_domain::rules::{self, Rules, VatVerdict};
use comply360_jobs::{NewEvent, Outbox};
use comply360_store::TenantTx;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

/// The event a due (or overdue) obligation emits; notifications send the reminder.
pub const OBLIGATION_DUE: &str = "obligation.due";

/// Beneficial-ownership filings apply to companies incorporated once the regulations took
/// effect (24 May 2023, FACTS.md section 1); older ones filed with their annual return.
fn bo_regulations_effective() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 5, 24).unwrap_or_default()
}

struct Due {
    kind: &'static str,
    period: String,
    opens_on: Option<NaiveDate>,
    due_on: NaiveDate,
    detail: Value,
}

/// What a company owes, by the rules, as of `today`.
fn compute(
    company_type: &str,
    incorporated_on: Option<NaiveDate>,
    taxable_supplies: Option<i64>,
    vat_number: Option<&str>,
    today: NaiveDate,
) -> Vec<Due> {
    let cal = BusinessCalendar::default();
    let mut out = Vec::new();
    let Some(inc) = incorporated_on else {
        return out;
    };
    let Ok(rules) = Rules::defaults() else {
        tracing::error!("the built-in rules do not load; obligations are not computed");
        return out;
    };
    match company_type {
        "close_corporation" => {
            // A CC files from the start of its anniversary month to the end of the next.
            for year in [today.year() - 1, today.year(), today.year() + 1] {
                if year <= inc.year() {
                    continue;
                }
                let Ok(w) = rules::cc_annual_return_window(inc, year) else {
                    continue;
                };
                if w.due >= today - chrono::Duration::days(366)
                    && w.opens <= today + chrono::Duration::days(366)
                {
                    out.push(Due { kind: "annual_return", period: year.to_string(), opens_on: Some(w.opens), due_on: w.due,
                        detail: json!({"rule": "a close corporation files from the start of its anniversary month to the end of the following month"}) });
                }
            }
        }
        "zw_pbc" | "zw_private_limited" => {}
        _ => {
            for year in [today.year() - 1, today.year(), today.year() + 1] {
                if year <= inc.year() {
                    continue;
                }
                let Ok(w) = rules::annual_return_window(inc, year, &cal) else {
                    continue;
                };
                if w.due >= today - chrono::Duration::days(366)
                    && w.opens <= today + chrono::Duration::days(366)
                {
                    out.push(Due { kind: "annual_return", period: year.to_string(), opens_on: Some(w.opens), due_on: w.due,
                        detail: json!({"rule": "within 30 business days after the anniversary of incorporation"}) });
                }
            }
            if inc >= bo_regulations_effective() {
                out.push(Due {
                    kind: "beneficial_ownership",
                    period: "incorporation".into(),
                    opens_on: Some(inc),
                    due_on: rules::beneficial_ownership_due(inc, &cal),
                    detail: json!({"rule": "within 10 business days of incorporation"}),
                });
            }
            if let (Some(supplies), None) = (taxable_supplies, vat_number)
                && let Ok(verdict @ VatVerdict::Compulsory(_)) =
                    rules.vat_test(Cents(supplies), today)
            {
                out.push(Due {
                    kind: "vat_registration",
                    period: "threshold".into(),
                    opens_on: Some(today),
                    due_on: rules::must_apply_by(today, &cal),
                    detail: json!({"rule": verdict.explanation(), "warnings": verdict.warnings()}),
                });
            }
        }
    }
    if company_type.starts_with("zw_") && inc < rules.zw_reregistration_deadline() {
        out.push(Due { kind: "zw_re_registration", period: "SI 108 of 2025".into(), opens_on: None,
            due_on: rules.zw_reregistration_deadline(),
            detail: json!({"rule": "old-system companies and PBCs re-register on the CIPZ electronic registry by the deadline (SI 108 of 2025); waive this if the entity is already on the electronic registry"}) });
    }
    out
}

async fn upsert(
    tx: &mut TenantTx,
    company: Uuid,
    client: Uuid,
    agent: Option<Uuid>,
    d: &Due,
) -> Result<(), PracticeError> {
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
    .bind(d.kind)
    .bind(&d.period)
    .bind(d.opens_on)
    .bind(d.due_on)
    .bind(agent)
    .bind(&d.detail)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Recomputes one company's obligations.
pub async fn refresh_company(
    tx: &mut TenantTx,
    company: Uuid,
    today: NaiveDate,
) -> Result<(), PracticeError> {
    let row = tx
        .query("SELECT client_id, agent_id, company_type, status, incorporated_on, taxable_supplies_cents, vat_number FROM companies WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL")
        .bind(tx.tenant_id().as_uuid())
        .bind(company)
        .fetch_optional(tx.conn())
        .await?;
    let Some(row) = row else { return Ok(()) };
    let status: String = row.try_get("status")?;
    if status != "registered" {
        return Ok(());
    }
    let client: Uuid = row.try_get("client_id")?;
    let agent: Option<Uuid> = row.try_get("agent_id")?;
    let company_type: String = row.try_get("company_type")?;
    let vat_number: Option<String> = row.try_get("vat_number")?;
    for d in compute(
        &company_type,
        row.try_get("incorporated_on")?,
        row.try_get("taxable_supplies_cents")?,
        vat_number.as_deref(),
        today,
    ) {
        upsert(tx, company, client, agent, &d).await?;
    }
    Ok(())
}

/// A change of shareholding or beneficial owners opens a BO filing (10 business days by
/// default; FACTS.md leaves 10 vs 5 unconfirmed, so it is configuration).
pub async fn beneficial_ownership_changed(
    tx: &mut TenantTx,
    company: Uuid,
    on: NaiveDate,
) -> Result<(), PracticeError> {
    let row = tx
        .query("SELECT client_id, agent_id, jurisdiction FROM companies WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(company)
        .fetch_one(tx.conn())
        .await?;
    let jurisdiction: String = row.try_get("jurisdiction")?;
    if jurisdiction != "ZA" {
        return Ok(());
    }
    let cal = BusinessCalendar::default();
    let rules = Rules::defaults()
        .map_err(|e| PracticeError::Store(comply360_store::StoreError::Invalid(e.to_string())))?;
    let days = rules.beneficial_ownership.change_filing_business_days;
    let d = Due {
        kind: "beneficial_ownership",
        period: format!("change {on}"),
        opens_on: Some(on),
        due_on: rules.beneficial_ownership_change_due(on, &cal),
        detail: json!({"rule": format!("within {days} business days of a change of beneficial ownership"), "warnings": rules.beneficial_ownership_change_warnings()}),
    };
    upsert(
        tx,
        company,
        row.try_get("client_id")?,
        row.try_get("agent_id")?,
        &d,
    )
    .await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Obligation {
    pub id: Uuid,
    pub company_id: Uuid,
    pub company_name: String,
    pub client_id: Uuid,
    pub kind: String,
    pub period: String,
    pub opens_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub status: String,
    pub overdue: bool,
    pub agent_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub detail: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ObligationFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub agent: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub due_before: Option<NaiveDate>,
    #[serde(default)]
    pub overdue: bool,
    /// Cursor: "due_on|id" of the last item (obligations are listed by due date).
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn from_row(r: &sqlx::postgres::PgRow, today: NaiveDate) -> Result<Obligation, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let due_on: NaiveDate = r.try_get("due_on")?;
    Ok(Obligation {
        id: r.try_get("id")?,
        company_id: r.try_get("company_id")?,
        company_name: r.try_get("company_name")?,
        client_id: r.try_get("client_id")?,
        kind: r.try_get("kind")?,
        period: r.try_get("period")?,
        opens_on: r.try_get("opens_on")?,
        due_on,
        overdue: status == "open" && due_on < today,
        status,
        agent_id: r.try_get("agent_id")?,
        registration_id: r.try_get("registration_id")?,
        detail: r.try_get("detail")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Obligations by due date (soonest first), keyset-paginated on (due_on, id).
pub async fn list(
    tx: &mut TenantTx,
    f: &ObligationFilter,
    today: NaiveDate,
) -> Result<Page<Obligation>, PracticeError> {
    let mut p = Problems::default();
    if f.status
        .as_deref()
        .is_some_and(|s| !["open", "done", "waived"].contains(&s))
    {
        p.add("status", "must be open, done or waived");
    }
    let cursor = match f.cursor.as_deref() {
        Some(c) => match c
            .split_once('|')
            .and_then(|(d, i)| Some((d.parse::<NaiveDate>().ok()?, i.parse::<Uuid>().ok()?)))
        {
            Some(c) => Some(c),
            None => {
                p.add("cursor", "not a cursor this API gave out");
                None
            }
        },
        None => None,
    };
    p.finish("the filter is invalid")?;
    let limit = page::limit(f.limit);
    let rows = tx
        .query(
            "SELECT o.id, o.company_id, c.name AS company_name, o.client_id, o.kind, o.period, o.opens_on, o.due_on, \
             o.status, o.agent_id, o.registration_id, o.detail, o.created_at \
             FROM obligations o JOIN companies c ON c.tenant_id = o.tenant_id AND c.id = o.company_id \
             WHERE o.tenant_id = $1 AND c.deleted_at IS NULL \
             AND ($2::text IS NULL OR o.status = $2) AND ($3::text IS NULL OR o.kind = $3) \
             AND ($4::uuid IS NULL OR o.agent_id = $4) AND ($5::uuid IS NULL OR o.client_id = $5) \
             AND ($6::uuid IS NULL OR o.company_id = $6) AND ($7::date IS NULL OR o.due_on < $7) \
             AND (NOT $8 OR (o.status = 'open' AND o.due_on < $9)) \
             AND ($10::date IS NULL OR (o.due_on, o.id) > ($10, $11)) \
             ORDER BY o.due_on, o.id LIMIT $12",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(&f.status)
        .bind(&f.kind)
        .bind(f.agent)
        .bind(f.client_id)
        .bind(f.company_id)
        .bind(f.due_before)
        .bind(f.overdue)
        .bind(today)
        .bind(cursor.map(|c| c.0))
        .bind(cursor.map(|c| c.1))
        .bind(limit + 1)
        .fetch_all(tx.conn())
        .await?;
    let mut items = rows
        .iter()
        .map(|r| from_row(r, today))
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|o| format!("{}|{}", o.due_on, o.id))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Marks an obligation done (optionally by a registration) or waived.
pub async fn set_status(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    status: &str,
    registration: Option<Uuid>,
    note: &str,
) -> Result<(), PracticeError> {
    if !["open", "done", "waived"].contains(&status) {
        return Err(PracticeError::field(
            "status",
            "must be open, done or waived",
        ));
    }
    let done = tx
        .query("UPDATE obligations SET status = $3, registration_id = coalesce($4, registration_id) WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(status)
        .bind(registration)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if done == 0 {
        return Err(PracticeError::NotFound("obligation"));
    }
    crate::history::record(
        tx,
        actor,
        "obligation.status",
        "obligation",
        id,
        json!({"status": status, "note": note}),
    )
    .await
}

/// Emits `obligation.due` for open obligations due within `lead_days` (or overdue) that were
/// not reminded in the last `every_days`; returns how many. Each reminder and its event commit
/// together, so a crash neither loses nor repeats one.
pub async fn remind(
    tx: &mut TenantTx,
    outbox: &Outbox,
    today: NaiveDate,
    lead_days: i64,
    every_days: i64,
) -> Result<usize, PracticeError> {
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
        .bind(i32::try_from(lead_days).unwrap_or(30))
        .bind(i32::try_from(every_days).unwrap_or(7))
        .fetch_all(tx.conn())
        .await?;
    for r in &rows {
        let id: Uuid = r.try_get("id")?;
        let due_on: NaiveDate = r.try_get("due_on")?;
        let event = NewEvent::new(OBLIGATION_DUE, "obligation")
            .aggregate(id)
            .payload(json!({
                "obligation_id": id,
                "company_id": r.try_get::<Uuid, _>("company_id")?,
                "company_name": r.try_get::<String, _>("company_name")?,
                "client_id": r.try_get::<Uuid, _>("client_id")?,
                "agent_id": r.try_get::<Option<Uuid>, _>("agent_id")?,
                "kind": r.try_get::<String, _>("kind")?,
                "period": r.try_get::<String, _>("period")?,
                "due_on": due_on,
                "overdue": due_on < today,
            }));
        outbox.emit(tx, event).await.map_err(|e| {
            PracticeError::Store(comply360_store::StoreError::Invalid(format!(
                "cannot emit obligation.due: {e}"
            )))
        })?;
    }
    Ok(rows.len())
}
