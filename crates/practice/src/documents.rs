//! A registration's documents as the practice records them (a registry's certificate lands in
//! `document_contents`, see [`crate::outcome::attach`], until the documents service's ingest
//! job moves it into the vault): the kinds, the list, and the statements that store a
//! registry's document. Reading a document's bytes is the documents service's (`read::file`).

use crate::PracticeError;
use crate::decode;
use comply360_domain::text_enum;
use comply360_store::TenantTx;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

/// What a document is (`documents.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    IdCopy,
    Passport,
    ProofOfAddress,
    Moi,
    Certificate,
    /// CIPC's notice of a name reservation.
    #[serde(rename = "cor_9_4")]
    Cor94,
    /// CIPC's registration certificate.
    #[serde(rename = "cor_14_3")]
    Cor143,
    /// A bank's letter confirming the account (FICA).
    BankConfirmation,
    /// SARS's tax compliance status (formerly the tax clearance certificate).
    TaxClearance,
    Other,
}

text_enum!(DocumentKind, "document kind", {
    IdCopy => "id_copy",
    Passport => "passport",
    ProofOfAddress => "proof_of_address",
    Moi => "moi",
    Certificate => "certificate",
    Cor94 => "cor_9_4",
    Cor143 => "cor_14_3",
    BankConfirmation => "bank_confirmation",
    TaxClearance => "tax_clearance",
    Other => "other",
});

/// A document of a registration, as the API lists it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RegistrationDocument)]
pub struct Document {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The registration's documents, oldest first.
pub async fn of_registration(
    tx: &mut TenantTx,
    registration: Uuid,
) -> Result<Vec<Document>, PracticeError> {
    let rows = tx
        .query(
            "SELECT id, kind, file_name, content_type, size_bytes, sha256, created_at FROM documents \
             WHERE tenant_id = $1 AND registration_id = $2 ORDER BY created_at",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(registration)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Document {
                id: r.try_get("id")?,
                kind: decode::text(r, "kind")?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size_bytes: r.try_get("size_bytes")?,
                sha256: r.try_get("sha256")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(PracticeError::from)
}

/// A registry's document, as stored (checked and verified: it came from the registry).
pub(crate) struct NewDocument<'a> {
    pub id: Uuid,
    pub client_id: Uuid,
    pub registration_id: Uuid,
    pub kind: DocumentKind,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
}

/// Stores a registry's document as the next version of the registration's document of that
/// kind (the bytes wait in `document_contents` until the documents capability moves them into
/// encrypted storage; see `comply360_documents::ingest`).
pub(crate) async fn insert_verified(
    tx: &mut TenantTx,
    d: &NewDocument<'_>,
) -> Result<(), sqlx::Error> {
    // The version it replaces, if any: retired first, so the one-current-version index holds.
    let previous: Option<(Uuid, i32)> = tx
        .query_as(
            "UPDATE documents SET is_current = false WHERE tenant_id = $1 AND is_current \
             AND subject = 'registration' AND registration_id = $2 AND kind = $3 \
             AND custom_type IS NULL AND label = '' RETURNING series_id, version",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(d.registration_id)
        .bind(d.kind.as_str())
        .fetch_optional(tx.conn())
        .await?;
    let (series, version) = previous.map_or((d.id, 1), |(s, v)| (s, v + 1));
    tx.query(
        "INSERT INTO documents (tenant_id, id, client_id, registration_id, subject, series_id, version, kind, file_name, content_type, size_bytes, sha256, storage_key, status) \
         VALUES ($1, $2, $3, $4, 'registration', $5, $6, $7, $8, $9, $10, $11, $12, 'verified')",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(d.id)
    .bind(d.client_id)
    .bind(d.registration_id)
    .bind(series)
    .bind(version)
    .bind(d.kind.as_str())
    .bind(d.file_name)
    .bind(d.content_type)
    .bind(d.size_bytes)
    .bind(d.sha256)
    .bind(d.storage_key)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn insert_content(
    tx: &mut TenantTx,
    document: Uuid,
    bytes: &[u8],
) -> Result<(), sqlx::Error> {
    tx.query("INSERT INTO document_contents (tenant_id, document_id, content) VALUES ($1, $2, $3)")
        .bind(tx.tenant_id().as_uuid())
        .bind(document)
        .bind(bytes)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The newest registration certificate attached to the registration, if any.
pub(crate) async fn latest_certificate(
    tx: &mut TenantTx,
    registration: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    tx.query_scalar("SELECT id FROM documents WHERE tenant_id = $1 AND registration_id = $2 AND kind IN ('cor_14_3', 'certificate') ORDER BY created_at DESC LIMIT 1")
        .bind(tx.tenant_id().as_uuid())
        .bind(registration)
        .fetch_optional(tx.conn())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spells_document_kinds_as_the_database_does() {
        for k in DocumentKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
