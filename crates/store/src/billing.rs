//! Platform billing: each agency is invoiced monthly at its plan's price (with South African
//! VAT at the rules' rate), numbered without gaps; one that stays unpaid past the grace
//! period is held (writes pause, nothing is deleted) and released as soon as it has paid.
//! Control-plane statements, run as the owner role like the catalog's other changes; each
//! change is in the platform audit log.

use crate::catalog;
use crate::{Store, StoreError};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use comply360_domain::plans::Plan;
use comply360_domain::rules::vat_on;
use comply360_domain::{Jurisdiction, Rules, TenantId, Tier};
use serde::Serialize;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// Days between a platform invoice's issue and its due date.
pub const PAYMENT_TERMS_DAYS: u64 = 7;

#[derive(Clone, Debug, Serialize)]
pub struct PlatformInvoice {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub slug: String,
    pub agency: String,
    /// The month billed (its first day).
    pub period: NaiveDate,
    pub number: String,
    pub tier: String,
    pub amount_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    /// `issued`, `paid` or `void`.
    pub status: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_reference: Option<String>,
}

const COLUMNS: &str = "i.id, i.tenant_id, t.slug, t.name AS agency, i.period, i.number, i.tier, \
     i.amount_cents, i.vat_cents, i.total_cents, i.currency, i.status, i.issued_on, i.due_on, \
     i.paid_at, i.payment_reference";
const FROM: &str = "FROM control.platform_invoices i JOIN control.tenants t ON t.id = i.tenant_id";

fn invoice(row: &PgRow) -> Result<PlatformInvoice, StoreError> {
    Ok(PlatformInvoice {
        id: row.try_get("id")?,
        tenant_id: TenantId::from_uuid(row.try_get("tenant_id")?),
        slug: row.try_get("slug")?,
        agency: row.try_get("agency")?,
        period: row.try_get("period")?,
        number: row.try_get("number")?,
        tier: row.try_get("tier")?,
        amount_cents: row.try_get("amount_cents")?,
        vat_cents: row.try_get("vat_cents")?,
        total_cents: row.try_get("total_cents")?,
        currency: row.try_get::<String, _>("currency")?,
        status: row.try_get("status")?,
        issued_on: row.try_get("issued_on")?,
        due_on: row.try_get("due_on")?,
        paid_at: row.try_get("paid_at")?,
        payment_reference: row.try_get("payment_reference")?,
    })
}

/// What enforcing found: agencies now held, and agencies released.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Enforced {
    pub held: Vec<String>,
    pub released: Vec<String>,
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

impl Store {
    /// Invoices every active agency for the month starting `period` (the first of a month),
    /// at its plan's price plus VAT at the rate in force on `today`. An agency already
    /// invoiced for that month is skipped, so a rerun issues nothing twice. The invoices made.
    pub async fn issue_platform_invoices(
        &self,
        period: NaiveDate,
        today: NaiveDate,
        actor: &str,
    ) -> Result<Vec<PlatformInvoice>, StoreError> {
        if period.day() != 1 {
            return Err(StoreError::Invalid(format!(
                "a billing period starts on the first of a month, not {period}"
            )));
        }
        let rate = Rules::defaults()
            .and_then(|r| r.vat_rate(Jurisdiction::SouthAfrica, today))
            .map_err(|e| StoreError::Invalid(format!("the VAT rate: {e}")))?;
        let mut tx = self.owner_pool().begin().await?;
        let due: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT t.id, t.tier FROM control.tenants t \
             JOIN control.placements p ON p.tenant_id = t.id \
             WHERE t.status = 'active' AND p.state = 'active' \
               AND NOT EXISTS (SELECT 1 FROM control.platform_invoices i \
                               WHERE i.tenant_id = t.id AND i.period = $1) \
             ORDER BY t.created_at, t.id",
        )
        .bind(period)
        .fetch_all(&mut *tx)
        .await?;
        let mut made = Vec::with_capacity(due.len());
        for (tenant, tier) in due {
            let plan = Plan::of(tier.parse::<Tier>()?);
            let amount = plan.monthly.0;
            let vat = vat_on(amount, rate.bp);
            let (sequence,): (i64,) = sqlx::query_as(
                "INSERT INTO control.platform_counters (series, last_number) VALUES ('platform_invoice', 1) \
                 ON CONFLICT (series) DO UPDATE SET last_number = platform_counters.last_number + 1 \
                 RETURNING last_number",
            )
            .fetch_one(&mut *tx)
            .await?;
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO control.platform_invoices (id, tenant_id, period, sequence, number, tier, \
                 amount_cents, vat_cents, total_cents, issued_on, due_on) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(tenant)
            .bind(period)
            .bind(sequence)
            .bind(format!("C360-{sequence:06}"))
            .bind(&tier)
            .bind(amount)
            .bind(vat)
            .bind(amount + vat)
            .bind(today)
            .bind(today.checked_add_days(Days::new(PAYMENT_TERMS_DAYS)).unwrap_or(today))
            .execute(&mut *tx)
            .await?;
            catalog::audit(
                &mut *tx,
                actor,
                "billing.invoice_issued",
                Some(TenantId::from_uuid(tenant)),
                serde_json::json!({"period": period, "total_cents": amount + vat}),
            )
            .await?;
            made.push(id);
        }
        let invoices = if made.is_empty() {
            Vec::new()
        } else {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} {FROM} WHERE i.id = ANY($1) ORDER BY i.sequence"
            ))
            .bind(&made)
            .fetch_all(&mut *tx)
            .await?;
            rows.iter().map(invoice).collect::<Result<_, _>>()?
        };
        tx.commit().await?;
        Ok(invoices)
    }

    /// Platform invoices, newest first: one agency's, or all.
    pub async fn platform_invoices(
        &self,
        tenant: Option<TenantId>,
    ) -> Result<Vec<PlatformInvoice>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE ($1::uuid IS NULL OR i.tenant_id = $1) \
             ORDER BY i.period DESC, i.sequence DESC LIMIT 500"
        ))
        .bind(tenant.map(|t| t.as_uuid()))
        .fetch_all(self.tenancy().catalog_pool())
        .await?;
        rows.iter().map(invoice).collect()
    }

    /// One platform invoice.
    pub async fn platform_invoice(&self, id: Uuid) -> Result<Option<PlatformInvoice>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(self.tenancy().catalog_pool())
            .await?;
        row.as_ref().map(invoice).transpose()
    }

    /// Records that a platform invoice was paid (the operator saw the money, or the
    /// platform's provider said so), then releases the agency if nothing else is overdue.
    /// Paying a paid invoice again changes nothing.
    pub async fn record_platform_payment(
        &self,
        number: &str,
        reference: &str,
        actor: &str,
        today: NaiveDate,
        grace_days: u64,
    ) -> Result<PlatformInvoice, StoreError> {
        let reference = reference.trim();
        if reference.is_empty() || reference.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "give the payment's reference (1 to 200 characters), e.g. the bank statement's"
                    .into(),
            ));
        }
        let mut tx = self.owner_pool().begin().await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE i.number = $1 FOR UPDATE OF i"
        ))
        .bind(number)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::Invalid(format!("no platform invoice is numbered {number:?}"))
        })?;
        let before = invoice(&row)?;
        if before.status == "issued" {
            sqlx::query(
                "UPDATE control.platform_invoices SET status = 'paid', paid_at = now(), \
                 payment_reference = $2 WHERE id = $1",
            )
            .bind(before.id)
            .bind(reference)
            .execute(&mut *tx)
            .await?;
            catalog::audit(
                &mut *tx,
                actor,
                "billing.invoice_paid",
                Some(before.tenant_id),
                serde_json::json!({"number": number, "reference": reference}),
            )
            .await?;
        }
        tx.commit().await?;
        self.enforce_billing(today, grace_days, actor).await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE i.id = $1"))
            .bind(before.id)
            .fetch_one(self.tenancy().catalog_pool())
            .await?;
        invoice(&row)
    }

    /// Holds every agency with an invoice unpaid `grace_days` after its due date, and releases
    /// every held agency that has none. Idempotent; run daily (and after each payment).
    pub async fn enforce_billing(
        &self,
        today: NaiveDate,
        grace_days: u64,
        actor: &str,
    ) -> Result<Enforced, StoreError> {
        let cutoff = today
            .checked_sub_days(Days::new(grace_days))
            .unwrap_or(today);
        let mut tx = self.owner_pool().begin().await?;
        let held: Vec<(Uuid, String)> = sqlx::query_as(
            "UPDATE control.tenants t SET billing_hold_since = now(), updated_at = now() \
             WHERE t.billing_hold_since IS NULL AND EXISTS (SELECT 1 FROM control.platform_invoices i \
                   WHERE i.tenant_id = t.id AND i.status = 'issued' AND i.due_on < $1) \
             RETURNING t.id, t.slug",
        )
        .bind(cutoff)
        .fetch_all(&mut *tx)
        .await?;
        let released: Vec<(Uuid, String)> = sqlx::query_as(
            "UPDATE control.tenants t SET billing_hold_since = NULL, updated_at = now() \
             WHERE t.billing_hold_since IS NOT NULL AND NOT EXISTS (SELECT 1 FROM control.platform_invoices i \
                   WHERE i.tenant_id = t.id AND i.status = 'issued' AND i.due_on < $1) \
             RETURNING t.id, t.slug",
        )
        .bind(cutoff)
        .fetch_all(&mut *tx)
        .await?;
        for (id, slug) in &held {
            catalog::audit(
                &mut *tx,
                actor,
                "billing.held",
                Some(TenantId::from_uuid(*id)),
                serde_json::json!({"slug": slug, "grace_days": grace_days}),
            )
            .await?;
        }
        for (id, slug) in &released {
            catalog::audit(
                &mut *tx,
                actor,
                "billing.released",
                Some(TenantId::from_uuid(*id)),
                serde_json::json!({"slug": slug}),
            )
            .await?;
        }
        tx.commit().await?;
        // This process sees the change at once; the others through the catalog's NOTIFY.
        for (id, _) in held.iter().chain(&released) {
            self.tenancy().invalidate(TenantId::from_uuid(*id));
        }
        Ok(Enforced {
            held: held.into_iter().map(|(_, s)| s).collect(),
            released: released.into_iter().map(|(_, s)| s).collect(),
        })
    }
}
