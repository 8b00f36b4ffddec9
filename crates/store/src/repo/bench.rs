//! Rows for `comply360 bench`: a request-shaped write, and a tenant filled with clients and
//! registrations for the list benchmark. Never used by the product itself.

use crate::{StoreError, TenantTx};
use sqlx::PgPool;
use uuid::Uuid;

/// One small insert (an audit row), the body of a request-shaped transaction.
pub async fn write_one_row(tx: &mut TenantTx) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query("INSERT INTO audit_log (tenant_id, id, action) VALUES ($1, $2, 'bench')")
        .bind(tenant)
        .bind(Uuid::now_v7())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// 1,000 clients (each with an email and a phone) and `rows` registrations spread over
/// kinds, statuses and creation times, each with a name reservation's first step (three
/// proposed names); `seed` makes the ids differ between tenants.
pub async fn fill_registrations(
    tx: &mut TenantTx,
    seed: &str,
    rows: i64,
) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "INSERT INTO clients (tenant_id, id, kind, display_name, email, phone, created_at) \
         SELECT $1, md5($2 || g)::uuid, 'person', 'Client ' || g, \
                'client' || g || '@' || $2 || '.example', '+2782' || lpad(g::text, 7, '0'), \
                now() - make_interval(secs => g * 611) \
         FROM generate_series(0, 999) g",
    )
    .bind(tenant)
    .bind(seed)
    .execute(tx.conn())
    .await?;
    tx.query(
        "INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind, status, created_at, payload) \
         SELECT $1, gen_random_uuid(), md5($2 || (g % 1000))::uuid, 'ZA', \
                (ARRAY['za_name_reservation','za_private_company','za_non_profit_company','za_vat_registration','za_beneficial_ownership','za_annual_return'])[1 + g % 6], \
                (ARRAY['draft','ready','submitted','info_requested','approved','rejected','completed','cancelled'])[1 + (g * 7) % 8], \
                now() - make_interval(secs => g * 37), \
                jsonb_build_object('names', jsonb_build_object( \
                    'company_kind', 'private', 'e_filed', true, \
                    'names', jsonb_build_array('Karoo Sun ' || g || ' Traders (Pty) Ltd', \
                                               'Karoo Sun ' || g || ' Trading (Pty) Ltd', \
                                               'Umoya ' || g || ' Holdings (Pty) Ltd'))) \
         FROM generate_series(1, $3) g",
    )
    .bind(tenant)
    .bind(seed)
    .bind(rows)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Fresh planner statistics for every table, as autovacuum would gather them soon after a
/// bulk load (owner pool: ANALYZE needs the owner). Without them the planner takes a freshly
/// filled table for an empty one.
pub async fn analyze_everything(owner: &PgPool) -> Result<(), StoreError> {
    sqlx::query("ANALYZE").execute(owner).await?;
    Ok(())
}

/// Fresh planner statistics for a namespace's clients and registrations, after a bulk load
/// (owner pool). `namespace` is a schema name from the catalog, quoted here.
pub async fn analyze_namespace(owner: &PgPool, namespace: &str) -> Result<(), StoreError> {
    let ns = namespace.replace('"', "\"\"");
    sqlx::query(&format!("ANALYZE \"{ns}\".clients, \"{ns}\".registrations"))
        .execute(owner)
        .await?;
    Ok(())
}

/// Fresh planner statistics for the pooled registrations (owner pool: ANALYZE needs the owner).
pub async fn analyze_pooled_registrations(owner: &PgPool) -> Result<(), StoreError> {
    sqlx::query("ANALYZE pooled.registrations")
        .execute(owner)
        .await?;
    Ok(())
}

/// The executed plan of the first page of submitted registrations, newest first.
pub async fn plan_of_status_list(tx: &mut TenantTx) -> Result<Vec<String>, StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    Ok(tx
        .query_scalar(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM registrations WHERE tenant_id = $1 AND status = 'submitted' \
             ORDER BY created_at DESC, id DESC LIMIT 51",
        )
        .bind(tenant)
        .fetch_all(tx.conn())
        .await?)
}

/// `rows` name reservations of one client, approved today and assigned to `agent`, and
/// their ids (what the commission benchmark calculates on).
pub async fn fill_approved(
    tx: &mut TenantTx,
    agent: Uuid,
    rows: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    let client = Uuid::now_v7();
    tx.query("INSERT INTO clients (tenant_id, id, kind, display_name) VALUES ($1, $2, 'organisation', 'Bench Holdings')")
        .bind(tenant)
        .bind(client)
        .execute(tx.conn())
        .await?;
    Ok(tx
        .query_scalar(
            "INSERT INTO registrations (tenant_id, id, client_id, agent_id, jurisdiction, kind, status, submitted_at) \
             SELECT $1, gen_random_uuid(), $2, $3, 'ZA', 'za_name_reservation', 'approved', now() \
             FROM generate_series(1, $4) RETURNING id",
        )
        .bind(tenant)
        .bind(client)
        .bind(agent)
        .bind(rows)
        .fetch_all(tx.conn())
        .await?)
}

/// An active agent with no password (benchmarks act for them, never sign in as them).
pub async fn insert_agent(tx: &mut TenantTx, id: Uuid, email: &str) -> Result<(), StoreError> {
    tx.query("INSERT INTO users (tenant_id, id, email, role, status) VALUES ($1, $2, $3, 'agent', 'active')")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(email)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The agency's commissions.
pub async fn count_commissions(tx: &mut TenantTx) -> Result<i64, StoreError> {
    Ok(tx
        .query_scalar("SELECT count(*) FROM commissions WHERE tenant_id = $1")
        .bind(tx.tenant_id().as_uuid())
        .fetch_one(tx.conn())
        .await?)
}

/// The agency's newest client (what a benchmark files for).
pub async fn newest_client(tx: &mut TenantTx) -> Result<Uuid, StoreError> {
    Ok(tx
        .query_scalar(
            "SELECT id FROM clients WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_one(tx.conn())
        .await?)
}

/// Events in the agency's outbox.
pub async fn count_outbox_events(tx: &mut TenantTx) -> Result<i64, StoreError> {
    Ok(tx
        .query_scalar("SELECT count(*) FROM outbox_events WHERE tenant_id = $1")
        .bind(tx.tenant_id().as_uuid())
        .fetch_one(tx.conn())
        .await?)
}
