//! What can go wrong talking to Odoo, worded for an agency's administrator, with Odoo's own
//! message where Odoo gave one.

use crate::Retryable;

/// Longest piece of Odoo's text quoted in an error.
const MAX_QUOTED: usize = 500;

/// What an XML-RPC fault code means on `/xmlrpc/2` [P: odoo/odoo
/// `addons/base/controllers/rpc.py`, `RPC_FAULT_CODE_*`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 1: any other exception (a traceback), e.g. a `ValueError` for an unknown field.
    Application,
    /// 2: `UserError` (and `ValidationError`, `MissingError`, `RedirectWarning`): a business rule.
    UserError,
    /// 3: `AccessDenied`: wrong login or key.
    AccessDenied,
    /// 4: `AccessError`: the user may not touch these records.
    AccessError,
    /// Any other code (the legacy `/xmlrpc` routes send strings, read as 0).
    Other,
}

impl FaultKind {
    pub fn from_code(code: i64) -> FaultKind {
        match code {
            1 => FaultKind::Application,
            2 => FaultKind::UserError,
            3 => FaultKind::AccessDenied,
            4 => FaultKind::AccessError,
            _ => FaultKind::Other,
        }
    }

    /// The code Odoo uses for this kind (0 for [`FaultKind::Other`]).
    pub fn code(self) -> i64 {
        match self {
            FaultKind::Application => 1,
            FaultKind::UserError => 2,
            FaultKind::AccessDenied => 3,
            FaultKind::AccessError => 4,
            FaultKind::Other => 0,
        }
    }
}

impl FaultKind {
    /// How a message names the kind: Odoo's exception name, or the bare code.
    pub fn label(self, code: i64) -> String {
        match self {
            FaultKind::Application => "application error".to_owned(),
            FaultKind::UserError => "UserError".to_owned(),
            FaultKind::AccessDenied => "AccessDenied".to_owned(),
            FaultKind::AccessError => "AccessError".to_owned(),
            FaultKind::Other => format!("fault {code}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OdooError {
    /// No connection: DNS, refused, reset. Worth retrying.
    #[error("Odoo at {url} cannot be reached ({detail}); it will be retried")]
    Unreachable { url: String, detail: String },
    /// Sent, but no answer within the HTTP client's timeout. Worth retrying.
    #[error("Odoo at {url} did not answer in time ({detail}); it will be retried")]
    Timeout { url: String, detail: String },
    /// An HTTP error with no Odoo error in it: a proxy's page, Odoo's HTML 404 or 500.
    #[error("Odoo answered HTTP {status} instead of an API answer ({detail})")]
    HttpStatus { status: u16, detail: String },
    /// An XML-RPC fault other than AccessDenied (that one is
    /// [`OdooError::AuthenticationRefused`]).
    #[error("Odoo refused the call: {message} ({})", kind.label(*code))]
    Fault {
        code: i64,
        kind: FaultKind,
        message: String,
    },
    /// A JSON-2 error body (`{name, message, arguments, context, debug}`), other than a 401.
    #[error("Odoo refused the call: {message} ({name}, HTTP {status})")]
    Json2 {
        status: u16,
        name: String,
        message: String,
    },
    /// The login or API key was refused: `authenticate` returned False, a fault 3, or a
    /// JSON-2 401.
    #[error(
        "Odoo refused to sign in as {login:?}: {message}; check the database, login and API key in the agency's Odoo settings"
    )]
    AuthenticationRefused { login: String, message: String },
    /// The body is not what the protocol promises (a 200 HTML page, a value of the wrong shape).
    #[error(
        "Odoo's answer could not be read ({reason}); check the Odoo URL and protocol in the agency's Odoo settings"
    )]
    BadResponse { reason: String },
    /// Refused here before sending: the call cannot be expressed in the configured protocol.
    #[error("this call cannot be sent to Odoo: {reason}")]
    InvalidCall { reason: String },
}

impl OdooError {
    /// A fault as Odoo sent it: AccessDenied becomes [`OdooError::AuthenticationRefused`]; an
    /// application error's traceback is cut to its last line (`ValueError: …`).
    pub fn from_fault(code: i64, message: &str, login: &str) -> OdooError {
        let kind = FaultKind::from_code(code);
        let message = summarise(message);
        match kind {
            FaultKind::AccessDenied => OdooError::AuthenticationRefused {
                login: login.to_owned(),
                message,
            },
            _ => OdooError::Fault {
                code,
                kind,
                message,
            },
        }
    }

    pub fn bad_response(reason: impl Into<String>) -> OdooError {
        OdooError::BadResponse {
            reason: reason.into(),
        }
    }
}

impl Retryable for OdooError {
    fn is_retryable(&self) -> bool {
        match self {
            OdooError::Unreachable { .. } | OdooError::Timeout { .. } => true,
            OdooError::HttpStatus { status, .. } => *status >= 500 || *status == 429,
            // A 500 with an Odoo exception in it is the call's own fault (it fails again);
            // rate limits and gateway trouble are not.
            OdooError::Json2 { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            OdooError::Fault { .. }
            | OdooError::AuthenticationRefused { .. }
            | OdooError::BadResponse { .. }
            | OdooError::InvalidCall { .. } => false,
        }
    }
}

/// Odoo's text fit for one line: a traceback's last line, at most [`MAX_QUOTED`] characters.
pub(crate) fn summarise(text: &str) -> String {
    let text = text.trim();
    let line = if text.starts_with("Traceback") {
        text.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(text)
            .trim()
    } else {
        text
    };
    match line {
        "" => "no explanation given".to_owned(),
        line if line.chars().count() > MAX_QUOTED => {
            let mut cut: String = line.chars().take(MAX_QUOTED).collect();
            cut.push('…');
            cut
        }
        line => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_quote_odoo() {
        let err = OdooError::from_fault(2, "Object x.y doesn't exist", "admin");
        assert_eq!(
            err.to_string(),
            "Odoo refused the call: Object x.y doesn't exist (UserError)"
        );
        let err = OdooError::from_fault(
            1,
            "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: Invalid field 'foo' on model 'res.partner'\n",
            "admin",
        );
        assert!(
            err.to_string().contains(
                "ValueError: Invalid field 'foo' on model 'res.partner' (application error)"
            ),
            "{err}"
        );
        let err = OdooError::from_fault(3, "Access Denied", "admin");
        assert!(matches!(err, OdooError::AuthenticationRefused { .. }));
        assert!(err.to_string().contains("Access Denied"), "{err}");
    }

    #[test]
    fn only_transient_trouble_is_retried() {
        let http = |status| OdooError::HttpStatus {
            status,
            detail: String::new(),
        };
        let json2 = |status| OdooError::Json2 {
            status,
            name: String::new(),
            message: String::new(),
        };
        assert!(http(503).is_retryable() && http(500).is_retryable() && http(429).is_retryable());
        assert!(!http(404).is_retryable() && !http(400).is_retryable());
        assert!(json2(503).is_retryable() && json2(429).is_retryable());
        assert!(!json2(500).is_retryable() && !json2(422).is_retryable());
        assert!(!OdooError::from_fault(2, "no", "a").is_retryable());
        assert!(!OdooError::from_fault(3, "no", "a").is_retryable());
    }
}
