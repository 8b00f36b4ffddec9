//! Documents as the API shows them: what each is about ([`Subject`]), what it is
//! ([`DocType`]), where it stands ([`DocumentStatus`]) and its versions.

mod status;
mod subject;
mod types;

pub use status::DocumentStatus;
pub use subject::{Subject, SubjectKind};
pub use types::DocType;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One version of a document.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: Uuid,
    /// Every version of one document shares this id (the first version's).
    pub series_id: Uuid,
    pub version: i32,
    /// Whether this is the version in use.
    pub is_current: bool,
    /// `kind`, or the agency's own type code when `kind` is `custom`.
    #[serde(rename = "type")]
    pub doc_type: String,
    pub subject: SubjectKind,
    pub subject_id: Uuid,
    pub client_id: Uuid,
    /// For a document on a registration: whose it is (an ID or passport number).
    pub person_ref: Option<String>,
    pub label: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub status: DocumentStatus,
    pub scan: Option<ScanRecord>,
    /// The checks made and their verdict (see `validate`).
    #[schema(value_type = Option<Object>)]
    pub validation: Option<serde_json::Value>,
    pub review: Option<Review>,
    pub legal_hold: Option<LegalHold>,
    pub uploaded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the scan found.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanRecord {
    /// `builtin` (what Comply360 refuses itself) or `clamd`.
    pub engine: String,
    pub clean: bool,
    /// What was found, for a refused document.
    pub finding: Option<String>,
    pub at: DateTime<Utc>,
}

/// A person's decision over the automatic verdict.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    pub status: DocumentStatus,
    pub reason: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

/// Why a document must not be purged whatever its retention.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LegalHold {
    pub reason: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

/// The upload's answer: the document, and whether it was already held (then nothing new was
/// stored).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    #[serde(flatten)]
    pub document: Document,
    pub duplicate: bool,
}
