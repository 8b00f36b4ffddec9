//! The documents' statements, one per function, over the caller's `TenantTx`.

pub mod subjects;
mod texts;

pub use texts::{StoredText, TextHit, preview_key, put_preview, put_text, search, text_of};

use crate::model::{Document, DocumentStatus, LegalHold, Review, ScanRecord, SubjectKind};
use comply360_store::TenantTx;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const COLUMNS: &str = "id, series_id, version, is_current, kind, custom_type, subject, \
    coalesce(person_id, company_id, registration_id, client_id) AS subject_id, client_id, person_ref, \
    label, file_name, content_type, size_bytes, sha256, status, scan, validation, review, legal_hold, \
    uploaded_by, created_at, updated_at";

fn json<T: serde::de::DeserializeOwned>(row: &PgRow, col: &str) -> Result<Option<T>, sqlx::Error> {
    let v: Option<Value> = row.try_get(col)?;
    v.map(|v| {
        serde_json::from_value(v).map_err(|e| sqlx::Error::ColumnDecode {
            index: col.to_owned(),
            source: Box::new(e),
        })
    })
    .transpose()
}

fn text<T: std::str::FromStr>(row: &PgRow, col: &str) -> Result<T, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: String = row.try_get(col)?;
    s.parse().map_err(|e| sqlx::Error::ColumnDecode {
        index: col.to_owned(),
        source: Box::new(e),
    })
}

fn document(row: &PgRow) -> Result<Document, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let custom: Option<String> = row.try_get("custom_type")?;
    Ok(Document {
        id: row.try_get("id")?,
        series_id: row.try_get("series_id")?,
        version: row.try_get("version")?,
        is_current: row.try_get("is_current")?,
        doc_type: custom.unwrap_or(kind),
        subject: text::<SubjectKind>(row, "subject")?,
        subject_id: row.try_get("subject_id")?,
        client_id: row.try_get("client_id")?,
        person_ref: row.try_get("person_ref")?,
        label: row.try_get("label")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
        status: text::<DocumentStatus>(row, "status")?,
        scan: json::<ScanRecord>(row, "scan")?,
        validation: row.try_get("validation")?,
        review: json::<Review>(row, "review")?,
        legal_hold: json::<LegalHold>(row, "legal_hold")?,
        uploaded_by: row.try_get("uploaded_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A new version, as stored.
pub struct NewDocument<'a> {
    pub id: Uuid,
    pub series_id: Uuid,
    pub version: i32,
    pub client_id: Uuid,
    pub subject: SubjectKind,
    pub company_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub person_ref: Option<&'a str>,
    pub kind: &'a str,
    pub custom_type: Option<&'a str>,
    pub label: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub file_type: &'a str,
    pub size_bytes: i64,
    pub stored_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    pub uploaded_by: Option<Uuid>,
}

/// Bytes of every document version the agency keeps (what a plan's storage counts).
pub async fn stored_bytes(tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let (n,): (i64,) = tx
        .query_as(
            "SELECT coalesce(sum(size_bytes), 0)::bigint FROM documents \
             WHERE tenant_id = $1 AND status <> 'purged'",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_one(tx.conn())
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub async fn insert(tx: &mut TenantTx, d: &NewDocument<'_>) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO documents (tenant_id, id, series_id, version, is_current, client_id, subject, \
         company_id, person_id, registration_id, person_ref, kind, custom_type, label, file_name, \
         content_type, file_type, size_bytes, stored_bytes, sha256, storage_key, uploaded_by, status) \
         VALUES ($1, $2, $3, $4, true, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, 'scanning')",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(d.id)
    .bind(d.series_id)
    .bind(d.version)
    .bind(d.client_id)
    .bind(d.subject.as_str())
    .bind(d.company_id)
    .bind(d.person_id)
    .bind(d.registration_id)
    .bind(d.person_ref)
    .bind(d.kind)
    .bind(d.custom_type)
    .bind(d.label)
    .bind(d.file_name)
    .bind(d.content_type)
    .bind(d.file_type)
    .bind(d.size_bytes)
    .bind(d.stored_bytes)
    .bind(d.sha256)
    .bind(d.storage_key)
    .bind(d.uploaded_by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The series a new upload joins: (subject, kind, custom type, label), current version
/// locked so two uploads of one series take turns.
pub struct SeriesKey<'a> {
    pub subject: SubjectKind,
    pub subject_id: Uuid,
    pub kind: &'a str,
    pub custom_type: Option<&'a str>,
    pub label: &'a str,
}

/// The current version of the series (id, series id, version), locked.
pub async fn current_of_series(
    tx: &mut TenantTx,
    key: &SeriesKey<'_>,
) -> Result<Option<(Uuid, Uuid, i32)>, sqlx::Error> {
    let row = tx
        .query(
            "SELECT id, series_id, version FROM documents WHERE tenant_id = $1 AND is_current \
             AND subject = $2 AND coalesce(person_id, company_id, registration_id, client_id) = $3 \
             AND kind = $4 AND coalesce(custom_type, '') = coalesce($5, '') AND label = $6 \
             FOR UPDATE",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(key.subject.as_str())
        .bind(key.subject_id)
        .bind(key.kind)
        .bind(key.custom_type)
        .bind(key.label)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}

pub async fn retire(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    tx.query("UPDATE documents SET is_current = false WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A document of the same subject with these exact bytes, not purged or quarantined.
pub async fn duplicate(
    tx: &mut TenantTx,
    subject: SubjectKind,
    subject_id: Uuid,
    sha256: &str,
) -> Result<Option<Document>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE tenant_id = $1 AND subject = $2 \
             AND coalesce(person_id, company_id, registration_id, client_id) = $3 AND sha256 = $4 \
             AND status NOT IN ('purged', 'quarantined') ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(subject.as_str())
        .bind(subject_id)
        .bind(sha256)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(document).transpose()
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<Document>, sqlx::Error> {
    let row = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(document).transpose()
}

/// The stored object's key (`storage_key`), and the file type the bytes were sniffed as.
pub async fn storage_of(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    let row = tx
        .query("SELECT storage_key, file_type FROM documents WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// What to list.
#[derive(Default)]
pub struct Filter {
    pub client_id: Option<Uuid>,
    pub subject: Option<(SubjectKind, Uuid)>,
    /// A registration's documents and its client's (what its filing may use).
    pub for_registration: Option<(Uuid, Uuid)>,
    pub status: Option<DocumentStatus>,
    pub all_versions: bool,
}

pub async fn list(tx: &mut TenantTx, f: &Filter, limit: i64) -> Result<Vec<Document>, sqlx::Error> {
    let mut sql = tx.filtered(&format!("SELECT {COLUMNS} FROM documents"), "tenant_id");
    sql.and("client_id = ", f.client_id);
    if let Some((kind, id)) = f.subject {
        sql.and("subject = ", Some(kind.as_str()))
            .push(" AND coalesce(person_id, company_id, registration_id, client_id) = ")
            .bind(id);
    }
    if let Some((registration, client)) = f.for_registration {
        sql.and("(registration_id = ", Some(registration))
            .push(" OR (client_id = ")
            .bind(client)
            .push(" AND subject <> 'registration'))");
    }
    sql.and("status = ", f.status.map(|s| s.as_str()));
    if !f.all_versions {
        sql.and_sql("is_current");
    }
    sql.order_limit("created_at DESC, id DESC", limit);
    let rows = sql.fetch_all(tx).await?;
    rows.iter().map(document).collect()
}

pub async fn versions(tx: &mut TenantTx, series: Uuid) -> Result<Vec<Document>, sqlx::Error> {
    let rows = tx
        .query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE tenant_id = $1 AND series_id = $2 ORDER BY version DESC"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(series)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(document).collect()
}

/// Sets the status, and any of scan / validation / review that are given.
pub async fn set_status(
    tx: &mut TenantTx,
    id: Uuid,
    status: DocumentStatus,
    scan: Option<&ScanRecord>,
    validation: Option<&Value>,
) -> Result<(), sqlx::Error> {
    let scan = scan.map(serde_json::to_value).transpose().map_err(encode)?;
    tx.query(
        "UPDATE documents SET status = $3, scan = coalesce($4, scan), validation = coalesce($5, validation) \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(status.as_str())
    .bind(scan)
    .bind(validation)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_review(tx: &mut TenantTx, id: Uuid, review: &Review) -> Result<(), sqlx::Error> {
    let v = serde_json::to_value(review).map_err(encode)?;
    tx.query("UPDATE documents SET status = $3, review = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(review.status.as_str())
        .bind(v)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_legal_hold(
    tx: &mut TenantTx,
    id: Uuid,
    hold: Option<&LegalHold>,
) -> Result<(), sqlx::Error> {
    let v = hold.map(serde_json::to_value).transpose().map_err(encode)?;
    tx.query("UPDATE documents SET legal_hold = $3 WHERE tenant_id = $1 AND series_id = (SELECT series_id FROM documents WHERE tenant_id = $1 AND id = $2)")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(v)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Appends to the agency's audit log (who, what, which document, from where).
pub async fn audit(
    tx: &mut TenantTx,
    actor: Option<Uuid>,
    action: &str,
    document: Uuid,
    ip: Option<std::net::IpAddr>,
    detail: Value,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO audit_log (tenant_id, id, actor_id, action, entity, entity_id, ip, detail) \
         VALUES ($1, $2, $3, $4, 'document', $5, $6::inet, $7)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(Uuid::now_v7())
    .bind(actor)
    .bind(action)
    .bind(document)
    .bind(ip.map(|ip| ip.to_string()))
    .bind(detail)
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn encode(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Encode(Box::new(e))
}

pub async fn custom_type_exists(tx: &mut TenantTx, code: &str) -> Result<bool, sqlx::Error> {
    tx.query_scalar(
        "SELECT EXISTS (SELECT 1 FROM document_types WHERE tenant_id = $1 AND code = $2)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(code)
    .fetch_one(tx.conn())
    .await
}

/// Bytes still in the database hand-off table (a registry certificate not yet moved).
pub async fn legacy_content(tx: &mut TenantTx, id: Uuid) -> Result<Option<Vec<u8>>, sqlx::Error> {
    tx.query_scalar(
        "SELECT content FROM document_contents WHERE tenant_id = $1 AND document_id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .fetch_optional(tx.conn())
    .await
}
