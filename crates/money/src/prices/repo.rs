//! The statements of the price list, one each, over the caller's `TenantTx`.

use super::model::Price;
use chrono::NaiveDate;
use comply360_domain::{Cents, Currency, RegistrationKind};
use comply360_practice::decode;
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const COLUMNS: &str = "id, kind, amount_cents, currency, effective_from, created_at";

fn price(row: &PgRow) -> Result<Price, sqlx::Error> {
    Ok(Price {
        id: row.try_get("id")?,
        kind: decode::text(row, "kind")?,
        amount_cents: row.try_get("amount_cents")?,
        currency: row.try_get::<String, _>("currency")?,
        effective_from: row.try_get("effective_from")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) async fn upsert(
    tx: &mut TenantTx,
    actor: Uuid,
    kind: RegistrationKind,
    amount: Cents,
    currency: Currency,
    from: NaiveDate,
) -> Result<Price, sqlx::Error> {
    let row = tx
        .query(&format!(
            "INSERT INTO registration_prices (tenant_id, id, kind, amount_cents, currency, effective_from, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id, kind, effective_from) DO UPDATE \
             SET amount_cents = excluded.amount_cents, currency = excluded.currency, \
                 created_by = excluded.created_by, created_at = now() \
             RETURNING {COLUMNS}"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(Uuid::now_v7())
        .bind(kind.as_str())
        .bind(amount.0)
        .bind(currency.code())
        .bind(from)
        .bind((!actor.is_nil()).then_some(actor))
        .fetch_one(tx.conn())
        .await?;
    price(&row)
}

pub(crate) async fn list(tx: &mut TenantTx) -> Result<Vec<Price>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM registration_prices WHERE tenant_id = $1 \
             ORDER BY kind, effective_from DESC"
        ))
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(price).collect()
}

pub(crate) async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<Price>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM registration_prices WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(price).transpose()
}

pub(crate) async fn in_force(
    tx: &mut TenantTx,
    kind: RegistrationKind,
    day: NaiveDate,
) -> Result<Option<(Cents, Currency)>, sqlx::Error> {
    let row: Option<(i64, String)> = tx
        .query_as(
            "SELECT amount_cents, currency FROM registration_prices \
             WHERE tenant_id = $1 AND kind = $2 AND effective_from <= $3 \
             ORDER BY effective_from DESC LIMIT 1",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(kind.as_str())
        .bind(day)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|(cents, currency)| {
        currency
            .parse::<Currency>()
            .map(|c| (Cents(cents), c))
            .map_err(|e| sqlx::Error::ColumnDecode {
                index: "currency".into(),
                source: e.into(),
            })
    })
    .transpose()
}

pub(crate) async fn delete(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    tx.query("DELETE FROM registration_prices WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
