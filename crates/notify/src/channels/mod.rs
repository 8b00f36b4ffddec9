//! The ways a message leaves: one trait per kind ([`EmailSender`], [`SmsSender`]), and the
//! implementations chosen by [`NotifySettings`]: SMTP, a mailbox directory or SendGrid for
//! email; Twilio for SMS.
//!
//! Senders classify their failures ([`SendError::retryable`]): a provider that is down,
//! slow, overloaded (5xx, 429, timeouts, refused connections, SMTP 4xx) is worth another
//! attempt; a refusal of the message itself (HTTP 4xx, SMTP 5xx) is not. The delivery
//! handler calls every sender through `Resilience::call` with [`EmailSender::system`] as the
//! system name, so those retries and the circuit breaker are shared with every other outside
//! call.

mod http;
mod mailbox;
mod mime;
mod sendgrid;
mod smtp;
mod twilio;

pub use mailbox::MailboxWriter;
pub use sendgrid::SendGrid;
pub use smtp::Smtp;
pub use twilio::Twilio;

use crate::NotifyError;
use crate::settings::{EmailTransport, NotifySettings, SmsTransport};
use async_trait::async_trait;
use comply360_domain::MessageId;
use comply360_integrations::Retryable;
use std::sync::Arc;

/// An email ready for a transport.
#[derive(Clone, Debug)]
pub struct OutgoingEmail {
    pub message_id: MessageId,
    /// The tenant's slug, sent as the `X-Comply360-Tenant` header so a bounce or a
    /// complaint can be traced to its agency.
    pub tenant: String,
    /// The tenant's display name; the address is the deployment's `email_from`.
    pub from_name: String,
    pub from_address: lettre::Address,
    /// The tenant's support address, when it has one: replies go to the agency.
    pub reply_to: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

#[derive(Clone, Debug)]
pub struct OutgoingSms {
    pub message_id: MessageId,
    pub tenant: String,
    pub to: String,
    pub body: String,
}

/// What a provider said when it accepted a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its id for the message, to match later delivery reports.
    pub provider_message_id: Option<String>,
}

/// A failed send. The message is for the operator and is stored as the message's
/// `last_error`; senders keep recipients and bodies out of it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub retryable: bool,
    pub message: String,
}

impl SendError {
    pub fn retryable(message: impl Into<String>) -> SendError {
        SendError {
            retryable: true,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            retryable: false,
            message: message.into(),
        }
    }
}

impl Retryable for SendError {
    fn is_retryable(&self) -> bool {
        self.retryable
    }
}

#[async_trait]
pub trait EmailSender: Send + Sync + 'static {
    /// The system name for `Resilience::call` and the stored `provider`.
    fn system(&self) -> &'static str;
    async fn send(&self, email: &OutgoingEmail) -> Result<Sent, SendError>;
}

#[async_trait]
pub trait SmsSender: Send + Sync + 'static {
    fn system(&self) -> &'static str;
    async fn send(&self, sms: &OutgoingSms) -> Result<Sent, SendError>;
}

/// The deployment's transports. Cheap to clone.
#[derive(Clone)]
pub struct Channels {
    pub email: Arc<dyn EmailSender>,
    pub sms: Option<Arc<dyn SmsSender>>,
    /// The From address of every email.
    pub email_from: lettre::Address,
}

impl Channels {
    /// Builds the transports the settings name; a missing setting is an error naming the
    /// variable to set, at start-up rather than at the first message.
    pub fn from_settings(settings: &NotifySettings) -> Result<Channels, NotifyError> {
        let email_from: lettre::Address = settings.email_from.parse().map_err(|_| {
            NotifyError::Config(format!(
                "COMPLY360_EMAIL_FROM={:?} is not an email address",
                settings.email_from
            ))
        })?;
        let email: Arc<dyn EmailSender> = match settings.email_transport {
            EmailTransport::Mailbox => Arc::new(MailboxWriter::new(settings.mailbox_dir.clone())),
            EmailTransport::Smtp => Arc::new(Smtp::from_settings(settings)?),
            EmailTransport::Sendgrid => Arc::new(SendGrid::from_settings(settings)?),
        };
        let sms: Option<Arc<dyn SmsSender>> = match settings.sms_transport {
            SmsTransport::None => None,
            SmsTransport::Twilio => Some(Arc::new(Twilio::from_settings(settings)?)),
        };
        Ok(Channels {
            email,
            sms,
            email_from,
        })
    }
}

/// `Some(value)` of a setting that must be present, or an error naming its variable.
fn required<'a>(
    value: &'a Option<impl AsSettingText>,
    variable: &str,
    transport: &str,
) -> Result<&'a str, NotifyError> {
    value
        .as_ref()
        .map(|v| v.setting_text().trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            NotifyError::Config(format!(
                "{transport} needs {variable}; set it (or {variable}_FILE)"
            ))
        })
}

/// Provider error text is kept short in `last_error`.
fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A setting's text, whether plain or a [`comply360_domain::Secret`].
trait AsSettingText {
    fn setting_text(&self) -> &str;
}

impl AsSettingText for String {
    fn setting_text(&self) -> &str {
        self
    }
}

impl AsSettingText for comply360_domain::Secret {
    fn setting_text(&self) -> &str {
        self.expose()
    }
}
