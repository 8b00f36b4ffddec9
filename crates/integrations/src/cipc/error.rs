//! What can go wrong talking to CIPC, each with what to do about it.

use crate::Retryable;
use comply360_domain::identifiers::RegistrationNumberError;

/// The fix for any credential problem, in every message that needs it.
pub const CREDENTIALS_FIX: &str =
    "check the CIPC username, password and subscription key in the agency's integration settings";

#[derive(Debug, thiserror::Error)]
pub enum CipcError {
    /// Refused before any request was sent.
    #[error("{given:?} is not an enterprise number: {reason}")]
    InvalidEnterpriseNumber {
        given: String,
        reason: RegistrationNumberError,
    },
    /// Sign-in refused, or still refused after a refresh and a fresh sign-in.
    #[error("CIPC refused the credentials ({detail}); {CREDENTIALS_FIX}")]
    Unauthorized { detail: String },
    #[error(
        "the CIPC subscription does not allow this call ({detail}); subscribe to the Companies and Beneficial Ownership APIs in the CIPC developer portal"
    )]
    Forbidden { detail: String },
    #[error(
        "CIPC has no record for enterprise number {enterprise_number}; check the number against the registration certificate"
    )]
    NotFound { enterprise_number: String },
    /// Network trouble, a timeout, HTTP 429 or 5xx: worth retrying later.
    #[error("CIPC is unavailable ({detail}); it will be retried")]
    Unavailable { detail: String },
    #[error("CIPC refused the request with HTTP {status} ({detail})")]
    Refused { status: u16, detail: String },
    #[error(
        "CIPC answered in an unexpected shape ({detail}); check the base URL and paths in the CIPC settings"
    )]
    Protocol { detail: String },
    #[error("the CIPC settings are wrong: {detail}")]
    Config { detail: String },
}

impl Retryable for CipcError {
    fn is_retryable(&self) -> bool {
        matches!(self, CipcError::Unavailable { .. })
    }
}
