//! Rows for `comply360 bench --suite payments`: issued invoices, each with a Stripe checkout
//! waiting for its webhook, written in a few set-based statements. Never used by the product.

use comply360_store::{StoreError, TenantTx};
use sqlx::Row;
use uuid::Uuid;

/// `n` clients, each with a draft incorporation, an issued invoice of `total_cents` rand and
/// an open Stripe checkout for it; the checkouts' ids. `seed` makes the ids differ between
/// runs.
pub async fn fill_payable(
    tx: &mut TenantTx,
    seed: &str,
    n: i64,
    total_cents: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    for sql in [
        "INSERT INTO clients (tenant_id, id, kind, display_name) \
         SELECT $1, md5($2 || 'client' || g)::uuid, 'person', 'Client ' || g \
         FROM generate_series(1, $3) g",
        "INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind, status) \
         SELECT $1, md5($2 || 'registration' || g)::uuid, md5($2 || 'client' || g)::uuid, 'ZA', \
                'za_private_company', 'draft' \
         FROM generate_series(1, $3) g",
    ] {
        tx.query(sql)
            .bind(tenant)
            .bind(seed)
            .bind(n)
            .execute(tx.conn())
            .await?;
    }
    // The numbers are taken as issuing would take them: the counter moves on by n.
    tx.query(
        "INSERT INTO invoice_counters (tenant_id, series, last_number) VALUES ($1, 'invoice', $2) \
         ON CONFLICT (tenant_id, series) DO UPDATE SET last_number = invoice_counters.last_number + $2",
    )
    .bind(tenant)
    .bind(n)
    .execute(tx.conn())
    .await?;
    tx.query(
        "INSERT INTO invoices (tenant_id, id, registration_id, client_id, status, sequence, number, \
         currency, subtotal_cents, total_cents, issued_on, due_on) \
         SELECT $1, md5($2 || 'invoice' || g)::uuid, md5($2 || 'registration' || g)::uuid, \
                md5($2 || 'client' || g)::uuid, 'issued', \
                (SELECT last_number FROM invoice_counters WHERE tenant_id = $1 AND series = 'invoice') - $3 + g, \
                'BENCH-' || $2 || '-' || g, 'ZAR', $4, $4, current_date, current_date + 7 \
         FROM generate_series(1, $3) g",
    )
    .bind(tenant)
    .bind(seed)
    .bind(n)
    .bind(total_cents)
    .execute(tx.conn())
    .await?;
    tx.query(
        "INSERT INTO invoice_lines (tenant_id, invoice_id, position, kind, description, quantity, \
         unit_cents, vat_rate_bp, amount_cents, vat_cents) \
         SELECT $1, md5($2 || 'invoice' || g)::uuid, 0, 'service_fee', 'Service fee', 1, $4, 0, $4, 0 \
         FROM generate_series(1, $3) g",
    )
    .bind(tenant)
    .bind(seed)
    .bind(n)
    .bind(total_cents)
    .execute(tx.conn())
    .await?;
    let rows = tx
        .query(
            "INSERT INTO payment_checkouts (tenant_id, id, invoice_id, provider, amount_cents, currency) \
             SELECT $1, md5($2 || 'checkout' || g)::uuid, md5($2 || 'invoice' || g)::uuid, 'stripe', $4, 'ZAR' \
             FROM generate_series(1, $3) g RETURNING id",
        )
        .bind(tenant)
        .bind(seed)
        .bind(n)
        .bind(total_cents)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| r.try_get::<Uuid, _>("id").map_err(StoreError::from))
        .collect()
}

/// Notifications stored, and those of them still waiting to be applied: the bench waits for
/// `(events, 0)`.
pub async fn notifications(tx: &mut TenantTx) -> Result<(i64, i64), StoreError> {
    let (stored, waiting): (i64, i64) = tx
        .query_as(
            "SELECT count(*), count(*) FILTER (WHERE state = 'received') \
             FROM payment_notifications WHERE tenant_id = $1",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_one(tx.conn())
        .await?;
    Ok((stored, waiting))
}

/// Payments recorded, and `payment.received` events emitted: each must equal the checkouts.
pub async fn effects(tx: &mut TenantTx) -> Result<(i64, i64), StoreError> {
    let (payments,): (i64,) = tx
        .query_as("SELECT count(*) FROM payments WHERE tenant_id = $1")
        .bind(tx.tenant_id().as_uuid())
        .fetch_one(tx.conn())
        .await?;
    let (events,): (i64,) = tx
        .query_as(
            "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND event_type = 'payment.received'",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_one(tx.conn())
        .await?;
    Ok((payments, events))
}
