//! What can go wrong with PayFast: a form we would sign wrongly, a notification that does not
//! hold up, or the API refusing or not answering.

use crate::Retryable;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayFastError {
    /// A checkout field PayFast does not document: it would be posted but not signed (or
    /// signed where PayFast does not), so the payment page would refuse the signature.
    #[error("{0:?} is not a PayFast checkout field")]
    UnknownField(String),
    /// PayFast allows only letters, digits, `-`, `_` and `/` in a passphrase.
    #[error("the PayFast passphrase may contain only letters, digits, '-', '_' and '/'")]
    InvalidPassphrase,
    /// A notification without a `signature` field.
    #[error("the PayFast notification has no signature")]
    MissingSignature,
    /// The signature does not match the fields and our passphrase: forged, altered, or a
    /// passphrase that differs from the one set in the PayFast account.
    #[error("the PayFast signature does not match")]
    SignatureMismatch,
    /// A field that is missing or not in the form PayFast sends (e.g. an amount `1,00`).
    #[error("the PayFast field {field} is missing or malformed: {reason}")]
    Malformed { field: String, reason: String },
    /// The notified amount is more than one cent away from what was charged.
    #[error("PayFast notified {notified_cents} cents where {expected_cents} were expected")]
    AmountMismatch {
        expected_cents: i64,
        notified_cents: i64,
    },
    /// The notification is for another merchant account.
    #[error("the PayFast notification is for merchant {notified}, not {expected}")]
    MerchantMismatch { expected: String, notified: String },
    /// A checkout that cannot be built (a negative amount, a URL that does not parse).
    #[error("the PayFast request cannot be built: {0}")]
    InvalidRequest(String),
    /// No connection (DNS, refused, reset). Worth retrying.
    #[error("PayFast at {url} cannot be reached ({detail})")]
    Unreachable { url: String, detail: String },
    /// No answer in time. Worth retrying.
    #[error("PayFast at {url} did not answer in time ({detail})")]
    Timeout { url: String, detail: String },
    /// An HTTP error status; 5xx is worth retrying, 4xx is not.
    #[error("PayFast answered HTTP {status}: {body}")]
    HttpStatus { status: u16, body: String },
    /// A 200 whose body is not what the API promises (validate answering neither `VALID` nor
    /// `INVALID`, JSON that does not parse).
    #[error("PayFast's answer could not be read: {0}")]
    BadResponse(String),
}

impl PayFastError {
    pub(crate) fn from_reqwest(url: &str, error: &reqwest::Error) -> PayFastError {
        let detail = error.to_string();
        if error.is_timeout() {
            PayFastError::Timeout {
                url: url.to_owned(),
                detail,
            }
        } else {
            PayFastError::Unreachable {
                url: url.to_owned(),
                detail,
            }
        }
    }
}

impl Retryable for PayFastError {
    fn is_retryable(&self) -> bool {
        match self {
            PayFastError::Unreachable { .. } | PayFastError::Timeout { .. } => true,
            PayFastError::HttpStatus { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}
