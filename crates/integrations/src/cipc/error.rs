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

impl CipcError {
    /// What a client of Comply360 may be told: the error without the details that come from
    /// CIPC's answers or from the network (upstream bodies, addresses, error chains), which go
    /// to the log instead. The agency's own settings are quoted (`Config`): the administrator
    /// wrote them and needs to see what to mend.
    pub fn public_message(&self) -> String {
        match self {
            CipcError::InvalidEnterpriseNumber { .. }
            | CipcError::NotFound { .. }
            | CipcError::Config { .. } => self.to_string(),
            CipcError::Unauthorized { .. } => {
                format!("CIPC refused the agency's credentials; {CREDENTIALS_FIX}")
            }
            CipcError::Forbidden { .. } => "the CIPC subscription does not allow this call; subscribe to the Companies and Beneficial Ownership APIs in the CIPC developer portal".into(),
            CipcError::Unavailable { .. } => "CIPC is unavailable; try again later".into(),
            CipcError::Refused { status, .. } => format!("CIPC refused the request with HTTP {status}"),
            CipcError::Protocol { .. } => "CIPC answered in an unexpected shape; check the base URL and paths in the CIPC settings".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_messages_leave_out_what_came_from_outside() {
        let secret = "upstream said: stack trace at 10.0.0.7:8443";
        for err in [
            CipcError::Unauthorized {
                detail: secret.into(),
            },
            CipcError::Forbidden {
                detail: secret.into(),
            },
            CipcError::Unavailable {
                detail: secret.into(),
            },
            CipcError::Refused {
                status: 400,
                detail: secret.into(),
            },
            CipcError::Protocol {
                detail: secret.into(),
            },
        ] {
            let public = err.public_message();
            assert!(!public.contains("stack trace"), "{public}");
            assert!(!public.contains("10.0.0.7"), "{public}");
            assert!(err.to_string().contains(secret), "the log keeps the detail");
        }
        assert!(
            CipcError::Unauthorized {
                detail: String::new()
            }
            .public_message()
            .contains("password"),
            "the fix is named"
        );
    }
}
