//! A registration's documents as stored today (bytes in `document_contents`, see
//! [`crate::outcome::attach`]): the list, and one document's bytes.

use crate::PracticeError;
use comply360_store::TenantTx;
use serde::Serialize;
use uuid::Uuid;

/// A document of a registration, as the API lists it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = RegistrationDocument)]
pub struct Document {
    pub id: Uuid,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One document's name, type and bytes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Content {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// The registration's documents, oldest first.
pub async fn of_registration(
    tx: &mut TenantTx,
    registration: Uuid,
) -> Result<Vec<Document>, PracticeError> {
    Ok(tx
        .query_as(
            "SELECT id, kind, file_name, content_type, size_bytes, sha256, created_at FROM documents \
             WHERE tenant_id = $1 AND registration_id = $2 ORDER BY created_at",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(registration)
        .fetch_all(tx.conn())
        .await?)
}

/// A document of the registration with its bytes, if both exist.
pub async fn content(
    tx: &mut TenantTx,
    registration: Uuid,
    document: Uuid,
) -> Result<Option<Content>, PracticeError> {
    Ok(tx
        .query_as(
            "SELECT d.file_name, d.content_type, c.content FROM documents d \
             JOIN document_contents c ON c.tenant_id = d.tenant_id AND c.document_id = d.id \
             WHERE d.tenant_id = $1 AND d.registration_id = $2 AND d.id = $3",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(registration)
        .bind(document)
        .fetch_optional(tx.conn())
        .await?)
}
