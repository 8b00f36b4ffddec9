//! Deployment-wide notification settings: which transports carry email and SMS, and how to
//! reach them. Read once at start-up by the CLI (defaults, TOML, `COMPLY360_*` env); the
//! field names are the variable names without the prefix, in lowercase.

use comply360_domain::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// How email leaves the platform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// Each message written as an `.eml` file into `mailbox_dir` (the embedded default: a
    /// laptop needs no mail server, and `/dev/mailbox` shows what was "sent").
    #[default]
    Mailbox,
    Smtp,
    Sendgrid,
}

/// How an SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or a test server.
    None,
    /// Upgrade with STARTTLS, and refuse to send if the server cannot (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// How SMS leave the platform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsTransport {
    /// No SMS: queueing one is refused, so nothing waits for a channel that is not there.
    #[default]
    None,
    Twilio,
}

macro_rules! parse_lowercase {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(format!(
                        concat!("unknown ", $what, " {:?}: use one of ", $($text, " "),+),
                        other
                    )),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

parse_lowercase!(EmailTransport, "email transport", {
    Mailbox => "mailbox", Smtp => "smtp", Sendgrid => "sendgrid",
});
parse_lowercase!(SmtpTls, "SMTP TLS mode", {
    None => "none", Starttls => "starttls", Tls => "tls",
});
parse_lowercase!(SmsTransport, "SMS transport", {
    None => "none", Twilio => "twilio",
});

/// Every field has a default, so an empty configuration gives the embedded setup: email into
/// `./.comply360/mailbox`, no SMS.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct NotifySettings {
    /// `COMPLY360_EMAIL_TRANSPORT`: mailbox | smtp | sendgrid.
    pub email_transport: EmailTransport,
    /// `COMPLY360_EMAIL_FROM`: the From address of every email; the display name is the
    /// tenant's branding display name.
    pub email_from: String,
    /// `COMPLY360_MAILBOX_DIR`: where the mailbox transport writes `.eml` files.
    pub mailbox_dir: PathBuf,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    /// Secret (`COMPLY360_SMTP_PASSWORD` or `_FILE`).
    pub smtp_password: Option<Secret>,
    /// Secret (`COMPLY360_SENDGRID_API_KEY` or `_FILE`).
    pub sendgrid_api_key: Option<Secret>,
    /// Overridable so tests and staging can point at a stand-in.
    pub sendgrid_base_url: String,
    /// `COMPLY360_SMS_TRANSPORT`: none | twilio.
    pub sms_transport: SmsTransport,
    pub twilio_account_sid: Option<String>,
    /// Secret (`COMPLY360_TWILIO_AUTH_TOKEN` or `_FILE`).
    pub twilio_auth_token: Option<Secret>,
    /// The sending number (E.164) or messaging service sender.
    pub twilio_from: Option<String>,
    pub twilio_base_url: String,
    /// Language of messages whose recipient has none (an IETF tag such as `en`); a language
    /// without templates falls back to English.
    pub notify_default_language: String,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            email_transport: EmailTransport::Mailbox,
            email_from: "no-reply@comply360.localhost".to_owned(),
            mailbox_dir: PathBuf::from("./.comply360/mailbox"),
            smtp_host: "localhost".to_owned(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            sendgrid_api_key: None,
            sendgrid_base_url: "https://api.sendgrid.com".to_owned(),
            sms_transport: SmsTransport::None,
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            twilio_base_url: "https://api.twilio.com".to_owned(),
            notify_default_language: "en".to_owned(),
        }
    }
}

/// Secrets never reach a log line through `{:?}`.
impl fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn redacted(secret: &Option<Secret>) -> &'static str {
            if secret.is_some() {
                "<redacted>"
            } else {
                "<unset>"
            }
        }
        f.debug_struct("NotifySettings")
            .field("email_transport", &self.email_transport)
            .field("email_from", &self.email_from)
            .field("mailbox_dir", &self.mailbox_dir)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &redacted(&self.smtp_password))
            .field("sendgrid_api_key", &redacted(&self.sendgrid_api_key))
            .field("sendgrid_base_url", &self.sendgrid_base_url)
            .field("sms_transport", &self.sms_transport)
            .field("twilio_account_sid", &self.twilio_account_sid)
            .field("twilio_auth_token", &redacted(&self.twilio_auth_token))
            .field("twilio_from", &self.twilio_from)
            .field("twilio_base_url", &self.twilio_base_url)
            .field("notify_default_language", &self.notify_default_language)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_mailbox_without_sms() {
        let s = NotifySettings::default();
        assert_eq!(s.email_transport, EmailTransport::Mailbox);
        assert_eq!(s.sms_transport, SmsTransport::None);
        assert_eq!(s.notify_default_language, "en");
    }

    #[test]
    fn modes_parse_and_refuse_unknown_words() {
        assert_eq!("smtp".parse::<EmailTransport>(), Ok(EmailTransport::Smtp));
        assert_eq!("tls".parse::<SmtpTls>(), Ok(SmtpTls::Tls));
        let err = "ses".parse::<EmailTransport>().unwrap_err();
        assert!(err.contains("sendgrid"), "{err}");
    }

    #[test]
    fn debug_hides_secrets() {
        let s = NotifySettings {
            smtp_password: Some(Secret::new("hunter2")),
            sendgrid_api_key: Some(Secret::new("SG.secret")),
            twilio_auth_token: Some(Secret::new("tok")),
            ..NotifySettings::default()
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("SG.secret") && !shown.contains("tok\"")
        );
        assert!(shown.contains("<redacted>"));
    }
}
