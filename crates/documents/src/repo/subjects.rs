//! The statements of a data subject's request: their documents and the audit entries about
//! their records.

use super::{COLUMNS, document};
use crate::model::Document;
use chrono::{DateTime, Utc};
use comply360_store::TenantTx;
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

/// Where a person's documents are: their clients' own documents, their people rows'
/// documents, the documents of their clients' registrations that are about no one else, and
/// any document whose `person_ref` is their number.
pub struct SubjectDocuments<'a> {
    pub clients: &'a [Uuid],
    pub people: &'a [Uuid],
    pub registrations: &'a [Uuid],
    pub number: &'a str,
}

/// Every version of the person's documents, oldest first.
pub async fn documents_of(
    tx: &mut TenantTx,
    s: &SubjectDocuments<'_>,
) -> Result<Vec<Document>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE tenant_id = $1 AND ( \
             (subject = 'client' AND client_id = ANY($2)) \
             OR (subject = 'person' AND person_id = ANY($3)) \
             OR (subject = 'registration' AND registration_id = ANY($4) AND (person_ref IS NULL OR person_ref = $5)) \
             OR person_ref = $5) ORDER BY created_at, id"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(s.clients)
        .bind(s.people)
        .bind(s.registrations)
        .bind(s.number)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(document).collect()
}

/// Locks a document's row for the caller's transaction; its current state.
pub async fn lock(tx: &mut TenantTx, id: Uuid) -> Result<Option<Document>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(document).transpose()
}

/// One audit entry: who did what to which record, when and from where.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    /// The agency's user who acted (none for the system), with their name and email: the
    /// people who had access.
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub ip: Option<String>,
    pub detail: Value,
}

/// The audit entries about these records, oldest first.
pub async fn audit_about(tx: &mut TenantTx, ids: &[Uuid]) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT a.id, a.at, a.action, a.entity, a.entity_id, a.actor_id, u.full_name, u.email, \
             host(a.ip) AS ip, a.detail FROM audit_log a \
             LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.actor_id \
             WHERE a.tenant_id = $1 AND a.entity_id = ANY($2) ORDER BY a.at, a.id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(ids)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                action: r.try_get(2)?,
                entity: r.try_get(3)?,
                entity_id: r.try_get(4)?,
                actor_id: r.try_get(5)?,
                actor_name: r.try_get(6)?,
                actor_email: r.try_get(7)?,
                ip: r.try_get(8)?,
                detail: r.try_get(9)?,
            })
        })
        .collect()
}

/// An audit entry about a data subject's request (`privacy.exported`, `privacy.erasure`):
/// ids and reasons only, never the person's number or name.
pub async fn audit_request(
    tx: &mut TenantTx,
    actor: Option<Uuid>,
    action: &str,
    detail: Value,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO audit_log (tenant_id, id, actor_id, action, entity, entity_id, detail) \
         VALUES ($1, $2, $3, $4, 'data_subject', NULL, $5)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(Uuid::now_v7())
    .bind(actor)
    .bind(action)
    .bind(detail)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The newest request entry (`action`) naming this client, with its time and detail.
pub async fn last_request(
    tx: &mut TenantTx,
    action: &str,
    client: Uuid,
) -> Result<Option<(DateTime<Utc>, Value)>, sqlx::Error> {
    let row = tx
        .query(
            "SELECT at, detail FROM audit_log WHERE tenant_id = $1 AND action = $2 \
             AND entity = 'data_subject' AND detail->'clients' @> jsonb_build_array($3::text) \
             ORDER BY at DESC, id DESC LIMIT 1",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(action)
        .bind(client.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}
