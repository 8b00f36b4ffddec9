//! Where the CIPC API is and how an agency signs in to it.
//!
//! FACTS.md section 1 documents the token endpoint and one Beneficial Ownership path; the
//! Companies API paths are not documented there, so every path is a template here, with
//! defaults marked UNCONFIRMED that an operator can correct without a release.
//!
//! Templates start with `/`, are appended to the base URL's path, may carry a query string, and
//! may use two placeholders:
//! * `{enterprise_number}`: the number as one path segment, percent-encoded
//!   (`K2015%2F255566%2F07`);
//! * `{enterprise_number_raw}`: the number as is (`K2015/255566/07`).
//!
//! The number is sent as the caller gave it (with or without the K prefix), after validation.

use std::fmt;
use url::Url;

/// `POST` here for tokens [P: guide.cipc.co.za via FACTS.md].
pub const DEFAULT_TOKEN_PATH: &str = "/oauth2/token";
/// UNCONFIRMED: FACTS.md names the "companyprofile" API but not its path.
pub const DEFAULT_COMPANY_PROFILE_PATH: &str = "/companies/v1/companyprofile/{enterprise_number}";
/// UNCONFIRMED: FACTS.md names the "directors" API but not its path.
pub const DEFAULT_DIRECTORS_PATH: &str = "/companies/v1/directors/{enterprise_number}";
/// UNCONFIRMED: FACTS.md names the "filing history" API but not its path.
pub const DEFAULT_FILING_HISTORY_PATH: &str = "/companies/v1/filinghistory/{enterprise_number}";
/// The one documented path (the sandbox's) [P: guide.cipc.co.za via FACTS.md]; production may
/// drop `/sandbox`.
pub const DEFAULT_BENEFICIAL_OWNERSHIP_PATH: &str =
    "/sandbox/boreg/enterprise/register/{enterprise_number}";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CipcConfig {
    /// The API Management gateway, e.g. `https://<gateway>/`.
    pub base_url: Url,
    pub token_path: String,
    pub company_profile_path: String,
    pub directors_path: String,
    pub filing_history_path: String,
    pub beneficial_ownership_path: String,
}

impl CipcConfig {
    /// The default paths under `base_url`.
    pub fn new(base_url: Url) -> CipcConfig {
        CipcConfig {
            base_url,
            token_path: DEFAULT_TOKEN_PATH.to_owned(),
            company_profile_path: DEFAULT_COMPANY_PROFILE_PATH.to_owned(),
            directors_path: DEFAULT_DIRECTORS_PATH.to_owned(),
            filing_history_path: DEFAULT_FILING_HISTORY_PATH.to_owned(),
            beneficial_ownership_path: DEFAULT_BENEFICIAL_OWNERSHIP_PATH.to_owned(),
        }
    }
}

/// One agency's CIPC developer account: the API Management subscription and the user it
/// signs in as. Each tenant brings its own.
#[derive(Clone, PartialEq, Eq)]
pub struct CipcCredentials {
    pub client_id: String,
    pub username: String,
    pub password: String,
    /// Sent as `Ocp-Apim-Subscription-Key` on every request.
    pub subscription_key: String,
    pub scope: String,
}

/// Redacts the password and the subscription key, so credentials can be logged as context.
impl fmt::Debug for CipcCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CipcCredentials")
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("subscription_key", &"[redacted]")
            .field("scope", &self.scope)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secrets() {
        let credentials = CipcCredentials {
            client_id: "client".into(),
            username: "agent".into(),
            password: "hunter2".into(),
            subscription_key: "sub-key-123".into(),
            scope: "read".into(),
        };
        let text = format!("{credentials:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("sub-key-123"),
            "{text}"
        );
        assert!(
            text.contains("agent") && text.contains("[redacted]"),
            "{text}"
        );
    }
}
