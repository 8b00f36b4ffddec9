//! What queueing, rendering and configuring notifications can fail with. Delivery failures are
//! [`crate::channels::SendError`] (classified retryable or permanent) and become a
//! [`comply360_jobs::HandlerError`] in the delivery handler.

use comply360_jobs::JobsError;
use comply360_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Jobs(#[from] JobsError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("{0:?} is not an email address or an E.164 phone number (+27821234567)")]
    InvalidRecipient(String),
    #[error("template {template} has no {channel} version")]
    NoSuchVariant {
        template: &'static str,
        channel: &'static str,
    },
    /// A setting is missing or wrong; the message names the variable to set.
    #[error("{0}")]
    Config(String),
    /// A row holds a value this version does not know (written by a newer one).
    #[error("{0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for NotifyError {
    fn from(err: sqlx::Error) -> Self {
        NotifyError::Store(StoreError::from(err))
    }
}

/// A template that cannot produce its message. Always an error, never a blank: a missing
/// variable would otherwise send "Dear ," to a client.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}: {detail}")]
    Template { name: String, detail: String },
    #[error("template variables must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    #[error("template variable {0:?} is reserved for the branding")]
    Reserved(String),
    #[error("template {0} rendered an empty subject")]
    EmptySubject(String),
}

impl RenderError {
    pub(crate) fn template(name: &str, err: &minijinja::Error) -> RenderError {
        // minijinja keeps the line and the undefined name in the error's detail and chain.
        let mut detail = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        RenderError::Template {
            name: name.to_owned(),
            detail,
        }
    }
}
