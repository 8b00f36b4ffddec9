//! What can go wrong with documents; the API maps each to a problem document.

use comply360_practice::PracticeError;
use comply360_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The request itself is wrong (422): one message per field.
    #[error("{detail}")]
    Invalid {
        detail: String,
        fields: Vec<(String, String)>,
    },
    /// The file is refused for what it is (415): the message says what it is and what to
    /// upload instead.
    #[error("{detail}")]
    Refused { code: &'static str, detail: String },
    /// The agency's plan has no room for it (403 `plan_limit_reached`).
    #[error(transparent)]
    PlanLimit(comply360_domain::plans::PlanLimitReached),
    /// Larger than the agency may upload (413).
    #[error(
        "the file is larger than {limit_mb} MB; upload a smaller scan (a PDF of the pages, or photos at a lower resolution)"
    )]
    TooLarge { limit_mb: u64 },
    /// No such document (or not yet or no longer available) in this agency (404).
    #[error("no {0} with this id in your agency")]
    NotFound(&'static str),
    /// The document exists but cannot be read now (409): still being scanned, quarantined,
    /// purged.
    #[error("{detail}")]
    Unavailable { code: &'static str, detail: String },
    /// A state that refuses the action (409).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A signed link that is wrong, expired or of another agency (403).
    #[error(
        "this link is not valid: it has expired or was made for another agency; ask for a new one"
    )]
    BadLink,
    /// Storage refused to store (507 when full).
    #[error("document storage is full; nothing was stored")]
    StorageFull,
    #[error(transparent)]
    Practice(#[from] PracticeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Storage or another part failed; the detail goes to the log, never to the client.
    #[error("document storage failed: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for DocumentError {
    fn from(err: sqlx::Error) -> Self {
        DocumentError::Store(StoreError::from(err))
    }
}

impl DocumentError {
    pub fn field(field: &str, message: impl Into<String>) -> DocumentError {
        DocumentError::Invalid {
            detail: "the request has invalid fields".into(),
            fields: vec![(field.to_owned(), message.into())],
        }
    }
}

impl From<crate::vault::VaultError> for DocumentError {
    fn from(err: crate::vault::VaultError) -> Self {
        use crate::vault::VaultError;
        match err {
            VaultError::StorageFull(_) => DocumentError::StorageFull,
            other => DocumentError::Internal(other.to_string()),
        }
    }
}
