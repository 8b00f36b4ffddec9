//! What can go wrong with Stripe: a webhook whose signature does not hold, or the API
//! refusing (Stripe's error JSON) or not answering.

use crate::Retryable;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeError {
    /// The `Stripe-Signature` header is not `t=…,v1=…` (no timestamp, or not an integer).
    #[error("the Stripe-Signature header cannot be read")]
    MalformedSignatureHeader,
    /// The header has no `v1` signature.
    #[error("the Stripe-Signature header has no v1 signature")]
    NoV1Signature,
    /// No `v1` matches the body and our webhook secret.
    #[error("no Stripe signature matches the payload")]
    SignatureMismatch,
    /// Signed too long ago (or in the future): a replay, or a clock far off.
    #[error(
        "the Stripe signature's timestamp {timestamp} is more than {tolerance_s} s from now ({now})"
    )]
    OutsideTolerance {
        timestamp: i64,
        now: i64,
        tolerance_s: i64,
    },
    /// Stripe's error JSON `{error: {type, code, message, param}}` with the HTTP status.
    #[error("Stripe refused the call (HTTP {status}, {type_}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Api {
        status: u16,
        type_: String,
        code: Option<String>,
        message: String,
        param: Option<String>,
    },
    /// No connection. Worth retrying.
    #[error("Stripe at {url} cannot be reached ({detail})")]
    Unreachable { url: String, detail: String },
    /// No answer in time. Worth retrying.
    #[error("Stripe at {url} did not answer in time ({detail})")]
    Timeout { url: String, detail: String },
    /// A body that is not what the API promises.
    #[error("Stripe's answer could not be read: {0}")]
    BadResponse(String),
}

impl StripeError {
    pub(crate) fn from_reqwest(url: &str, error: &reqwest::Error) -> StripeError {
        let detail = error.to_string();
        if error.is_timeout() {
            StripeError::Timeout {
                url: url.to_owned(),
                detail,
            }
        } else {
            StripeError::Unreachable {
                url: url.to_owned(),
                detail,
            }
        }
    }
}

impl Retryable for StripeError {
    /// Connection failures, timeouts, 429 and 5xx. (Stripe's `Stripe-Should-Retry` header
    /// is not read.) With an `Idempotency-Key`, a retried POST is not done twice.
    fn is_retryable(&self) -> bool {
        match self {
            StripeError::Unreachable { .. } | StripeError::Timeout { .. } => true,
            StripeError::Api { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
