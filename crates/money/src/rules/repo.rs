//! The statements of commission rules, one each, over the caller's `TenantTx`.

use super::model::Rule;
use chrono::NaiveDate;
use comply360_domain::commission::{BasisPoints, Formula, Rounding, Scope};
use comply360_domain::{Cents, Currency, RegistrationKind};
use comply360_practice::decode;
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// The rules with how many commissions each produced (what the rules page shows).
const SELECT: &str = "SELECT r.id, r.kind, r.agent_id, u.email AS agent_email, r.basis, r.rate_bp, \
     r.amount_cents, r.currency, r.rounding, r.effective_from, r.effective_to, r.note, r.created_at, \
     (SELECT count(*) FROM commissions c WHERE c.tenant_id = r.tenant_id AND c.rule_id = r.id) AS used \
     FROM commission_rules r \
     LEFT JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.agent_id";

/// The rules alone (`used` reads 0): what a calculation reads, once per commission, so it
/// must not count the agency's commissions every time.
const SELECT_FOR_CALCULATION: &str = "SELECT r.id, r.kind, r.agent_id, NULL::text AS agent_email, r.basis, \
     r.rate_bp, r.amount_cents, r.currency, r.rounding, r.effective_from, r.effective_to, r.note, \
     r.created_at, 0::bigint AS used FROM commission_rules r";

fn decode_error(column: &str, message: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: message.into(),
    }
}

fn rule(row: &PgRow) -> Result<Rule, sqlx::Error> {
    let kind: Option<RegistrationKind> = decode::optional_text(row, "kind")?;
    let agent_id: Option<Uuid> = row.try_get("agent_id")?;
    let basis: String = row.try_get("basis")?;
    let rate_bp: Option<i32> = row.try_get("rate_bp")?;
    let amount_cents: Option<i64> = row.try_get("amount_cents")?;
    let currency: Option<String> = row.try_get("currency")?;
    let fixed_currency = currency
        .as_deref()
        .map(str::parse::<Currency>)
        .transpose()
        .map_err(|e| decode_error("currency", e))?;
    let (basis, formula) = match (basis.as_str(), rate_bp, amount_cents) {
        ("percentage", Some(bp), None) => {
            let bp = u32::try_from(bp)
                .ok()
                .and_then(|bp| BasisPoints::new(bp).ok())
                .ok_or_else(|| decode_error("rate_bp", format!("{bp} is out of range")))?;
            ("percentage", Formula::Percentage { rate_bp: bp })
        }
        ("fixed", None, Some(cents)) => (
            "fixed",
            Formula::Fixed {
                amount_cents: Cents(cents),
            },
        ),
        (other, _, _) => {
            return Err(decode_error(
                "basis",
                format!("{other:?} with rate {rate_bp:?} and amount {amount_cents:?}"),
            ));
        }
    };
    let effective_from: NaiveDate = row.try_get("effective_from")?;
    let effective_to: Option<NaiveDate> = row.try_get("effective_to")?;
    Ok(Rule {
        id: row.try_get("id")?,
        kind,
        agent_id,
        agent_email: row.try_get("agent_email")?,
        basis,
        rate_bp: rate_bp.and_then(|b| u32::try_from(b).ok()),
        amount_cents,
        currency,
        rounding: decode::text::<Rounding>(row, "rounding")?,
        effective_from,
        effective_to,
        note: row.try_get("note")?,
        used: row.try_get("used")?,
        created_at: row.try_get("created_at")?,
        formula,
        fixed_currency,
        scope: Scope {
            kind,
            agent: agent_id,
            effective_from,
            effective_to,
        },
    })
}

/// Serialises the agency's rule changes: the overlap check reads, then writes, and two
/// concurrent writers must not both pass it (an exclusion constraint would need btree_gist).
pub(crate) async fn lock_rules(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    tx.query("SELECT pg_advisory_xact_lock(hashtextextended('commission_rules:' || $1::text, 0))")
        .bind(tx.tenant_id().as_uuid())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(crate) struct NewRule<'a> {
    pub kind: Option<RegistrationKind>,
    pub agent: Option<Uuid>,
    pub formula: Formula,
    pub currency: Option<Currency>,
    pub rounding: Rounding,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub note: &'a str,
}

pub(crate) async fn insert(
    tx: &mut TenantTx,
    actor: Uuid,
    r: &NewRule<'_>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    let (basis, rate, amount) = match r.formula {
        Formula::Percentage { rate_bp } => ("percentage", Some(rate_bp.get() as i32), None),
        Formula::Fixed { amount_cents } => ("fixed", None, Some(amount_cents.0)),
    };
    tx.query(
        "INSERT INTO commission_rules (tenant_id, id, kind, agent_id, basis, rate_bp, amount_cents, \
         currency, rounding, effective_from, effective_to, note, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(r.kind.map(RegistrationKind::as_str))
    .bind(r.agent)
    .bind(basis)
    .bind(rate)
    .bind(amount)
    .bind(r.currency.map(Currency::code))
    .bind(r.rounding.as_str())
    .bind(r.from)
    .bind(r.to)
    .bind(r.note)
    .bind((!actor.is_nil()).then_some(actor))
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub(crate) async fn list(tx: &mut TenantTx) -> Result<Vec<Rule>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "{SELECT} WHERE r.tenant_id = $1 \
             ORDER BY r.agent_id NULLS FIRST, r.kind NULLS FIRST, r.effective_from DESC"
        ))
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(rule).collect()
}

/// The rules that could apply to a registration of `kind` earned by `agent` on `day`.
pub(crate) async fn candidates(
    tx: &mut TenantTx,
    kind: RegistrationKind,
    agent: Uuid,
    day: NaiveDate,
) -> Result<Vec<Rule>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "{SELECT_FOR_CALCULATION} WHERE r.tenant_id = $1 AND (r.kind IS NULL OR r.kind = $2) \
             AND (r.agent_id IS NULL OR r.agent_id = $3) \
             AND r.effective_from <= $4 AND (r.effective_to IS NULL OR $4 <= r.effective_to)"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(kind.as_str())
        .bind(agent)
        .bind(day)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(rule).collect()
}

pub(crate) async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<Rule>, sqlx::Error> {
    let row = tx
        .query(&format!("{SELECT} WHERE r.tenant_id = $1 AND r.id = $2"))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(rule).transpose()
}

pub(crate) async fn set_end(
    tx: &mut TenantTx,
    id: Uuid,
    last_day: NaiveDate,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE commission_rules SET effective_to = $3, updated_at = now() \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(last_day)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn delete(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    tx.query("DELETE FROM commission_rules WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
