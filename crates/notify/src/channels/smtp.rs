//! SMTP through lettre's pooled async transport.

use super::{EmailSender, OutgoingEmail, SendError, Sent, mime, required};
use crate::NotifyError;
use crate::settings::{NotifySettings, SmtpTls};
use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Smtp {
    pub fn from_settings(settings: &NotifySettings) -> Result<Smtp, NotifyError> {
        let host = settings.smtp_host.trim();
        if host.is_empty() {
            return Err(NotifyError::Config(
                "the smtp email transport needs COMPLY360_SMTP_HOST".into(),
            ));
        }
        let tls_params = || {
            TlsParameters::new(host.to_owned())
                .map_err(|e| NotifyError::Config(format!("SMTP TLS for {host}: {e}")))
        };
        let tls = match settings.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(tls_params()?),
            SmtpTls::Tls => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.smtp_port)
            .tls(tls)
            // Below the resilience timeout, so a hung server surfaces as lettre's error.
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = settings.smtp_username.as_deref().filter(|u| !u.is_empty()) {
            let password = required(
                &settings.smtp_password,
                "COMPLY360_SMTP_PASSWORD",
                "SMTP with a username",
            )?;
            builder = builder.credentials(Credentials::new(user.to_owned(), password.to_owned()));
        }
        Ok(Smtp {
            transport: builder.build(),
        })
    }
}

/// Transient replies (4xx), timeouts and connection trouble are worth another attempt;
/// permanent replies (5xx) and messages lettre itself refuses are not.
fn classify(err: lettre::transport::smtp::Error) -> SendError {
    if err.is_permanent() {
        SendError::permanent(format!("SMTP server refused the message: {err}"))
    } else if err.is_client() {
        SendError::permanent(format!("SMTP client error: {err}"))
    } else if err.is_transient() {
        SendError::retryable(format!("SMTP server deferred the message: {err}"))
    } else {
        SendError::retryable(format!("SMTP: {err}"))
    }
}

#[async_trait]
impl EmailSender for Smtp {
    fn system(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        let message = mime::build(email)?;
        self.transport.send(message).await.map_err(classify)?;
        Ok(Sent {
            provider_message_id: Some(mime::message_id(email)),
        })
    }
}
