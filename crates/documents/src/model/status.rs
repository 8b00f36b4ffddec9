use comply360_domain::text_enum;
use serde::{Deserialize, Serialize};

/// Where a document stands. Only `processing`, `verified`, `needs_review` and `rejected`
/// documents can be read: the others are not yet scanned, refused by a scan, or purged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DocumentStatus)]
pub enum DocumentStatus {
    /// Stored before this capability existed, never scanned (the registry's own documents).
    Uploaded,
    Scanning,
    Processing,
    Verified,
    NeedsReview,
    Rejected,
    Quarantined,
    Purged,
}

text_enum!(DocumentStatus, "document status", {
    Uploaded => "uploaded",
    Scanning => "scanning",
    Processing => "processing",
    Verified => "verified",
    NeedsReview => "needs_review",
    Rejected => "rejected",
    Quarantined => "quarantined",
    Purged => "purged",
});

impl DocumentStatus {
    /// Whether the bytes may be served.
    pub fn readable(self) -> bool {
        matches!(
            self,
            DocumentStatus::Uploaded
                | DocumentStatus::Processing
                | DocumentStatus::Verified
                | DocumentStatus::NeedsReview
                | DocumentStatus::Rejected
        )
    }

    /// The problem a read of a document in this state answers, if it cannot be read.
    pub fn unavailable(self) -> Option<(&'static str, &'static str)> {
        match self {
            DocumentStatus::Scanning => Some((
                "document_scanning",
                "the document is still being scanned for malware; it can be read once cleared (usually within seconds)",
            )),
            DocumentStatus::Quarantined => Some((
                "document_quarantined",
                "the document was refused by the malware scan and its file deleted; ask the client for a clean copy",
            )),
            DocumentStatus::Purged => Some((
                "document_purged",
                "the document's retention period ended and its file was deleted",
            )),
            _ => None,
        }
    }

    /// The verdicts a person may set over the automatic one.
    pub fn reviewable(self) -> bool {
        matches!(
            self,
            DocumentStatus::Verified | DocumentStatus::NeedsReview | DocumentStatus::Rejected
        )
    }
}
