//! Sample rows for demo agencies: a few users, clients, registrations, a document and a
//! commission, so the portal and API have something to show. Idempotent per tenant.

use crate::{StoreError, TenantTx};
use uuid::Uuid;

/// Inserts the sample rows unless the tenant already has clients. Returns whether it did.
pub async fn seed(tx: &mut TenantTx, agency: &str) -> Result<bool, StoreError> {
    let t = tx.tenant_id().as_uuid();
    let existing: i64 = tx
        .query_scalar("SELECT count(*) FROM clients WHERE tenant_id = $1")
        .bind(t)
        .fetch_one(tx.conn())
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    let domain = format!("{agency}.example");
    let agent = Uuid::now_v7();
    tx.query("INSERT INTO users (tenant_id, id, email, full_name, role, status) VALUES ($1, $2, $3, 'Thandi Mokoena', 'agent', 'invited') ON CONFLICT DO NOTHING")
        .bind(t)
        .bind(agent)
        .bind(format!("thandi@{domain}"))
        .execute(tx.conn())
        .await?;
    let clients = [
        ("person", "Sipho Ndlovu", "sipho@client.example"),
        (
            "organisation",
            "Karoo Solar (Pty) Ltd",
            "finance@karoosolar.example",
        ),
        (
            "organisation",
            "Harare Logistics (Private) Limited",
            "admin@hararelogistics.example",
        ),
    ];
    let mut client_ids = Vec::new();
    for (kind, name, email) in clients {
        let id = Uuid::now_v7();
        tx.query("INSERT INTO clients (tenant_id, id, kind, display_name, email, assigned_agent_id) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(t)
            .bind(id)
            .bind(kind)
            .bind(name)
            .bind(email)
            .bind(agent)
            .execute(tx.conn())
            .await?;
        client_ids.push(id);
    }
    let reservation = Uuid::now_v7();
    tx.query("INSERT INTO registrations (tenant_id, id, client_id, agent_id, jurisdiction, kind, status, payload) VALUES ($1, $2, $3, $4, 'ZA', 'za_name_reservation', 'submitted', $5)")
        .bind(t)
        .bind(reservation)
        .bind(client_ids[0])
        .bind(agent)
        .bind(serde_json::json!({"names": {"company_kind": "private", "names": ["Ndlovu Holdings (Pty) Ltd", "Ndlovu Ventures (Pty) Ltd"]}}))
        .execute(tx.conn())
        .await?;
    tx.query("INSERT INTO registrations (tenant_id, id, client_id, agent_id, jurisdiction, kind, status) VALUES ($1, $2, $3, $4, 'ZW', 'zw_private_limited', 'draft')")
        .bind(t)
        .bind(Uuid::now_v7())
        .bind(client_ids[2])
        .bind(agent)
        .execute(tx.conn())
        .await?;
    // A company the organisation holds; `serve` computes its obligations (annual returns) at
    // start, so the compliance calendar has something to show.
    tx.query("INSERT INTO companies (tenant_id, id, client_id, jurisdiction, company_type, name, registration_number, status, incorporated_on, financial_year_end, agent_id) VALUES ($1, $2, $3, 'ZA', 'private_company', 'Karoo Solar (Pty) Ltd', '2015/255566/07', 'registered', '2015-03-30', 2, $4)")
        .bind(t)
        .bind(Uuid::now_v7())
        .bind(client_ids[1])
        .bind(agent)
        .execute(tx.conn())
        .await?;
    Ok(true)
}
