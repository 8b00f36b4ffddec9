//! The invoices' statements, one each, over the caller's `TenantTx`.

use super::lines::NewLine;
use super::model::{CreditNote, Invoice, InvoiceLine, InvoiceStatus, Payment};
use chrono::NaiveDate;
use comply360_practice::decode;
use comply360_practice::page::Cursor;
use comply360_store::TenantTx;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const COLUMNS: &str = "i.id, i.registration_id, i.client_id, c.display_name AS client_name, i.status, \
     i.number, i.currency, i.subtotal_cents, i.vat_cents, i.total_cents, i.paid_cents, \
     i.credited_cents, i.issuer, i.issued_on, i.due_on, i.void_reason, i.note, i.version, \
     i.created_at, i.updated_at";

const FROM: &str =
    "FROM invoices i JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id";

fn invoice(row: &PgRow) -> Result<Invoice, sqlx::Error> {
    let total: i64 = row.try_get("total_cents")?;
    let paid: i64 = row.try_get("paid_cents")?;
    Ok(Invoice {
        id: row.try_get("id")?,
        registration_id: row.try_get("registration_id")?,
        client_id: row.try_get("client_id")?,
        client_name: row.try_get("client_name")?,
        status: decode::text(row, "status")?,
        number: row.try_get("number")?,
        currency: row.try_get::<String, _>("currency")?,
        subtotal_cents: row.try_get("subtotal_cents")?,
        vat_cents: row.try_get("vat_cents")?,
        total_cents: total,
        paid_cents: paid,
        credited_cents: row.try_get("credited_cents")?,
        due_cents: (total - paid).max(0),
        issuer: row.try_get("issuer")?,
        issued_on: row.try_get("issued_on")?,
        due_on: row.try_get("due_on")?,
        void_reason: row.try_get("void_reason")?,
        note: row.try_get("note")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        lines: Vec::new(),
    })
}

fn line(row: &PgRow) -> Result<InvoiceLine, sqlx::Error> {
    Ok(InvoiceLine {
        position: row.try_get("position")?,
        kind: decode::text(row, "kind")?,
        description: row.try_get("description")?,
        quantity: row.try_get("quantity")?,
        unit_cents: row.try_get("unit_cents")?,
        vat_rate_bp: row.try_get("vat_rate_bp")?,
        amount_cents: row.try_get("amount_cents")?,
        vat_cents: row.try_get("vat_cents")?,
    })
}

pub(crate) struct NewInvoice<'a> {
    pub id: Uuid,
    pub registration: Uuid,
    pub client: Uuid,
    pub currency: &'a str,
    pub lines: &'a [NewLine],
    pub note: &'a str,
    pub created_by: Option<Uuid>,
}

pub(crate) async fn insert(tx: &mut TenantTx, new: &NewInvoice<'_>) -> Result<(), sqlx::Error> {
    let subtotal: i64 = new.lines.iter().map(NewLine::amount_cents).sum();
    let vat: i64 = new.lines.iter().map(NewLine::vat_cents).sum();
    tx.query(
        "INSERT INTO invoices (tenant_id, id, registration_id, client_id, currency, subtotal_cents, \
         vat_cents, total_cents, note, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(new.id)
    .bind(new.registration)
    .bind(new.client)
    .bind(new.currency)
    .bind(subtotal)
    .bind(vat)
    .bind(subtotal + vat)
    .bind(new.note)
    .bind(new.created_by)
    .execute(tx.conn())
    .await?;
    for (position, l) in new.lines.iter().enumerate() {
        tx.query(
            "INSERT INTO invoice_lines (tenant_id, invoice_id, position, kind, description, quantity, \
             unit_cents, vat_rate_bp, amount_cents, vat_cents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(new.id)
        .bind(i16::try_from(position).unwrap_or(i16::MAX))
        .bind(l.kind.as_str())
        .bind(&l.description)
        .bind(l.quantity)
        .bind(l.unit_cents)
        .bind(l.vat_rate_bp)
        .bind(l.amount_cents())
        .bind(l.vat_cents())
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

async fn with_lines(tx: &mut TenantTx, mut inv: Invoice) -> Result<Invoice, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT position, kind, description, quantity, unit_cents, vat_rate_bp, amount_cents, \
             vat_cents FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY position",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(inv.id)
        .fetch_all(tx.conn())
        .await?;
    inv.lines = rows.iter().map(line).collect::<Result<_, _>>()?;
    Ok(inv)
}

pub(crate) async fn find(
    tx: &mut TenantTx,
    id: Uuid,
    for_update: bool,
) -> Result<Option<Invoice>, sqlx::Error> {
    let lock = if for_update { " FOR UPDATE OF i" } else { "" };
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE i.tenant_id = $1 AND i.id = $2{lock}"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    match row {
        Some(r) => Ok(Some(with_lines(tx, invoice(&r)?).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn find_by_token(
    tx: &mut TenantTx,
    token_hash: &[u8],
) -> Result<Option<Invoice>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE i.tenant_id = $1 AND i.pay_token_hash = $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(token_hash)
        .fetch_optional(tx.conn())
        .await?;
    match row {
        Some(r) => Ok(Some(with_lines(tx, invoice(&r)?).await?)),
        None => Ok(None),
    }
}

/// The live (not void) invoice of a registration.
pub(crate) async fn for_registration(
    tx: &mut TenantTx,
    registration: Uuid,
) -> Result<Option<Invoice>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE i.tenant_id = $1 AND i.registration_id = $2 \
             AND i.status <> 'void'"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(registration)
        .fetch_optional(tx.conn())
        .await?;
    match row {
        Some(r) => Ok(Some(with_lines(tx, invoice(&r)?).await?)),
        None => Ok(None),
    }
}

/// Which invoices a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<InvoiceStatus>,
    pub client: Option<Uuid>,
    pub registration: Option<Uuid>,
}

/// Invoices newest first (by creation), after the cursor's row.
pub(crate) async fn list(
    tx: &mut TenantTx,
    filter: &Filter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Invoice>, sqlx::Error> {
    let mut sql = tx.filtered(&format!("SELECT {COLUMNS} {FROM}"), "i.tenant_id");
    sql.and("i.status = ", filter.status.map(InvoiceStatus::as_str))
        .and("i.client_id = ", filter.client)
        .and("i.registration_id = ", filter.registration)
        .before("i.created_at, i.id", after.map(|c| (c.created_at, c.id)))
        .order_limit("i.created_at DESC, i.id DESC", limit);
    let rows = sql.fetch_all(tx).await?;
    rows.iter().map(invoice).collect()
}

pub(crate) struct Issue<'a> {
    pub sequence: i64,
    pub number: &'a str,
    pub issuer: &'a Value,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub token_hash: &'a [u8],
}

pub(crate) async fn set_issued(
    tx: &mut TenantTx,
    id: Uuid,
    issue: &Issue<'_>,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE invoices SET status = 'issued', sequence = $3, number = $4, issuer = $5, \
         issued_on = $6, due_on = $7, pay_token_hash = $8, version = version + 1, updated_at = now() \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(issue.sequence)
    .bind(issue.number)
    .bind(issue.issuer)
    .bind(issue.issued_on)
    .bind(issue.due_on)
    .bind(issue.token_hash)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn set_token(
    tx: &mut TenantTx,
    id: Uuid,
    token_hash: &[u8],
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE invoices SET pay_token_hash = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(token_hash)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn set_void(tx: &mut TenantTx, id: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE invoices SET status = 'void', void_reason = $3, pay_token_hash = NULL, \
         version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(reason)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn delete_draft(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = tx
        .query("DELETE FROM invoices WHERE tenant_id = $1 AND id = $2 AND status = 'draft'")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds `amount` to what was paid and sets the status that follows.
pub(crate) async fn add_paid(
    tx: &mut TenantTx,
    id: Uuid,
    paid_cents: i64,
    status: InvoiceStatus,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE invoices SET paid_cents = $3, status = $4, version = version + 1, updated_at = now() \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(paid_cents)
    .bind(status.as_str())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn add_credited(
    tx: &mut TenantTx,
    id: Uuid,
    amount: i64,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE invoices SET credited_cents = credited_cents + $3, version = version + 1, \
         updated_at = now() WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(amount)
    .execute(tx.conn())
    .await?;
    Ok(())
}

const PAYMENT_COLUMNS: &str = "id, invoice_id, provider, method, reference, amount_cents, currency, \
     fee_cents, refunded_cents, received_on, recorded_by, created_at";

pub(crate) fn payment(row: &PgRow) -> Result<Payment, sqlx::Error> {
    Ok(Payment {
        id: row.try_get("id")?,
        invoice_id: row.try_get("invoice_id")?,
        provider: row.try_get("provider")?,
        method: row.try_get("method")?,
        reference: row.try_get("reference")?,
        amount_cents: row.try_get("amount_cents")?,
        currency: row.try_get("currency")?,
        fee_cents: row.try_get("fee_cents")?,
        refunded_cents: row.try_get("refunded_cents")?,
        received_on: row.try_get("received_on")?,
        recorded_by: row.try_get("recorded_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) async fn payments_of(
    tx: &mut TenantTx,
    invoice: Uuid,
) -> Result<Vec<Payment>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE tenant_id = $1 AND invoice_id = $2 \
             ORDER BY created_at"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(invoice)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(payment).collect()
}

pub(crate) async fn payment_for_update(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<Payment>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(payment).transpose()
}

const CREDIT_COLUMNS: &str = "id, invoice_id, payment_id, number, amount_cents, vat_cents, reason, \
     refund_status, provider_refund, failure, issued_on, created_by, created_at";

pub(crate) fn credit_note(row: &PgRow) -> Result<CreditNote, sqlx::Error> {
    Ok(CreditNote {
        id: row.try_get("id")?,
        invoice_id: row.try_get("invoice_id")?,
        payment_id: row.try_get("payment_id")?,
        number: row.try_get("number")?,
        amount_cents: row.try_get("amount_cents")?,
        vat_cents: row.try_get("vat_cents")?,
        reason: row.try_get("reason")?,
        refund_status: row.try_get("refund_status")?,
        provider_refund: row.try_get("provider_refund")?,
        failure: row.try_get("failure")?,
        issued_on: row.try_get("issued_on")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) async fn credit_notes_of(
    tx: &mut TenantTx,
    invoice: Uuid,
) -> Result<Vec<CreditNote>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_notes WHERE tenant_id = $1 AND invoice_id = $2 \
             ORDER BY sequence"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(invoice)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(credit_note).collect()
}

pub(crate) async fn credit_note_for_update(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<CreditNote>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_notes WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(credit_note).transpose()
}
