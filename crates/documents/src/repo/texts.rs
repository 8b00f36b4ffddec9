//! The text read from a document and its preview's place.

use comply360_store::TenantTx;
use sqlx::Row;
use uuid::Uuid;

/// The text as stored, with how it was read.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StoredText {
    /// `text_layer` (the PDF's own text) or `ocr`.
    pub method: String,
    pub pages: i32,
    pub ocr_pages: i32,
    pub confidence: Option<f32>,
    pub content: String,
}

pub async fn put_text(
    tx: &mut TenantTx,
    document: Uuid,
    t: &StoredText,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO document_texts (tenant_id, document_id, method, pages, ocr_pages, confidence, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, document_id) DO UPDATE SET \
         method = EXCLUDED.method, pages = EXCLUDED.pages, ocr_pages = EXCLUDED.ocr_pages, \
         confidence = EXCLUDED.confidence, content = EXCLUDED.content, extracted_at = now()",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(document)
    .bind(&t.method)
    .bind(t.pages)
    .bind(t.ocr_pages)
    .bind(t.confidence)
    .bind(&t.content)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn text_of(tx: &mut TenantTx, document: Uuid) -> Result<Option<StoredText>, sqlx::Error> {
    let row = tx
        .query("SELECT method, pages, ocr_pages, confidence, content FROM document_texts WHERE tenant_id = $1 AND document_id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(document)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| {
        Ok(StoredText {
            method: r.try_get(0)?,
            pages: r.try_get(1)?,
            ocr_pages: r.try_get(2)?,
            confidence: r.try_get(3)?,
            content: r.try_get(4)?,
        })
    })
    .transpose()
}

pub async fn put_preview(
    tx: &mut TenantTx,
    document: Uuid,
    storage_key: &str,
    width: i32,
    height: i32,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO document_previews (tenant_id, document_id, storage_key, width, height) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, document_id) DO UPDATE SET \
         storage_key = EXCLUDED.storage_key, width = EXCLUDED.width, height = EXCLUDED.height",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(document)
    .bind(storage_key)
    .bind(width)
    .bind(height)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn preview_key(tx: &mut TenantTx, document: Uuid) -> Result<Option<String>, sqlx::Error> {
    tx.query_scalar(
        "SELECT storage_key FROM document_previews WHERE tenant_id = $1 AND document_id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(document)
    .fetch_optional(tx.conn())
    .await
}

/// A document found by its text.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TextHit {
    pub id: Uuid,
    /// `kind`, or the agency's own type code.
    #[serde(rename = "type")]
    pub doc_type: String,
    pub client_id: Uuid,
    pub client_name: String,
    pub file_name: String,
    /// A few words around the match, the matched words between `«` and `»` (plain text:
    /// the page escapes it).
    pub snippet: String,
}

/// Current, readable documents whose text matches `q` (web search syntax over the `simple`
/// configuration: names and numbers as written), best first, at most `limit`.
pub async fn search(tx: &mut TenantTx, q: &str, limit: i64) -> Result<Vec<TextHit>, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT d.id, coalesce(d.custom_type, d.kind) AS doc_type, d.client_id, \
             coalesce(c.display_name, '') AS client_name, d.file_name, \
             ts_headline('simple', t.content, websearch_to_tsquery('simple', $2), \
               'StartSel=«, StopSel=», MaxWords=18, MinWords=6, MaxFragments=1') AS snippet \
             FROM document_texts t \
             JOIN documents d ON d.tenant_id = t.tenant_id AND d.id = t.document_id \
             LEFT JOIN clients c ON c.tenant_id = d.tenant_id AND c.id = d.client_id \
             WHERE t.tenant_id = $1 AND t.search_text @@ websearch_to_tsquery('simple', $2) \
             AND d.is_current AND d.status IN ('processing', 'verified', 'needs_review', 'rejected', 'uploaded') \
             AND c.deleted_at IS NULL \
             ORDER BY ts_rank(t.search_text, websearch_to_tsquery('simple', $2)) DESC, d.created_at DESC \
             LIMIT $3",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(q)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TextHit {
                id: r.try_get(0)?,
                doc_type: r.try_get(1)?,
                client_id: r.try_get(2)?,
                client_name: r.try_get(3)?,
                file_name: r.try_get(4)?,
                snippet: r.try_get(5)?,
            })
        })
        .collect()
}
