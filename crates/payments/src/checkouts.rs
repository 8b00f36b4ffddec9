//! Checkouts: a client's attempt to pay an invoice with a provider. The checkout's id is
//! what the provider echoes back (PayFast's `m_payment_id`, Stripe's `client_reference_id`),
//! so a notification is matched to a checkout of this agency, and through it to the invoice
//! and the amount that was asked for.

use crate::invoices::model::Provider;
use chrono::{DateTime, Utc};
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct Checkout {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub provider: String,
    pub amount_cents: i64,
    pub currency: String,
    pub provider_session: Option<String>,
    /// `open`, `completed` or `failed`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, invoice_id, provider, amount_cents, currency, provider_session, status, created_at";

fn checkout(row: &PgRow) -> Result<Checkout, sqlx::Error> {
    Ok(Checkout {
        id: row.try_get("id")?,
        invoice_id: row.try_get("invoice_id")?,
        provider: row.try_get("provider")?,
        amount_cents: row.try_get("amount_cents")?,
        currency: row.try_get("currency")?,
        provider_session: row.try_get("provider_session")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) async fn insert(
    tx: &mut TenantTx,
    invoice: Uuid,
    provider: Provider,
    amount_cents: i64,
    currency: &str,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    tx.query(
        "INSERT INTO payment_checkouts (tenant_id, id, invoice_id, provider, amount_cents, currency) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(invoice)
    .bind(provider.as_str())
    .bind(amount_cents)
    .bind(currency)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub(crate) async fn attach_session(
    tx: &mut TenantTx,
    id: Uuid,
    session: &str,
) -> Result<(), sqlx::Error> {
    tx.query("UPDATE payment_checkouts SET provider_session = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(session)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(crate) async fn set_status(
    tx: &mut TenantTx,
    id: Uuid,
    status: &str,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE payment_checkouts SET status = $3, \
         completed_at = CASE WHEN $3 = 'completed' THEN now() ELSE completed_at END \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(status)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// This agency's checkout with `id` and `provider`; another agency's id finds nothing.
pub(crate) async fn find(
    tx: &mut TenantTx,
    id: Uuid,
    provider: Provider,
) -> Result<Option<Checkout>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM payment_checkouts WHERE tenant_id = $1 AND id = $2 AND provider = $3"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(provider.as_str())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(checkout).transpose()
}

/// The checkouts created since `since`, for reconciliation.
pub async fn since(tx: &mut TenantTx, since: DateTime<Utc>) -> Result<Vec<Checkout>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM payment_checkouts WHERE tenant_id = $1 AND created_at >= $2 \
             ORDER BY created_at"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(since)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(checkout).collect()
}
