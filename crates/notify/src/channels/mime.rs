//! An [`OutgoingEmail`] as an RFC 5322 message (lettre's builder), for SMTP and the
//! mailbox directory alike.

use super::{OutgoingEmail, SendError};
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

/// `X-Comply360-Tenant: <slug>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantHeader(pub String);

impl Header for TenantHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Comply360-Tenant")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(TenantHeader(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The `Message-ID` of a message: stable across attempts, so a receiving server or a reader
/// can tell a resend from a new message.
pub fn message_id(email: &OutgoingEmail) -> String {
    format!("<{}@{}>", email.message_id, email.from_address.domain())
}

/// Builds the message. A failure here is the message's fault (an address lettre cannot
/// encode), so it is permanent.
pub fn build(email: &OutgoingEmail) -> Result<Message, SendError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| SendError::permanent(format!("recipient address refused: {e}")))?;
    let from = Mailbox::new(Some(email.from_name.clone()), email.from_address.clone());
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(message_id(email)))
        .header(TenantHeader(email.tenant.clone()));
    // The branding was validated as an address when read; a bad one is left out, not fatal.
    if let Some(mailbox) = email
        .reply_to
        .as_deref()
        .and_then(|r| r.parse::<Mailbox>().ok())
    {
        builder = builder.reply_to(mailbox);
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone());
    let built = match &email.html {
        Some(html) => builder.multipart(
            MultiPart::alternative().singlepart(text).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.clone()),
            ),
        ),
        None => builder.singlepart(text),
    };
    built.map_err(|e| SendError::permanent(format!("message could not be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use comply360_domain::MessageId;

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            message_id: MessageId::new(),
            tenant: "baobab".into(),
            from_name: "Baobab Corporate Services".into(),
            from_address: "no-reply@comply360.example".parse().unwrap(),
            reply_to: Some("help@baobab.example".into()),
            to: "sipho@client.example".into(),
            subject: "Your application has been opened".into(),
            text: "Dear Sipho,\n".into(),
            html: Some("<p>Dear Sipho,</p>".into()),
        }
    }

    #[test]
    fn message_carries_branding_ids_and_both_bodies() {
        let e = email();
        let raw = String::from_utf8(build(&e).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("From: \"Baobab Corporate Services\" <no-reply@comply360.example>"),
            "{raw}"
        );
        assert!(raw.contains("Reply-To: help@baobab.example"), "{raw}");
        assert!(raw.contains("X-Comply360-Tenant: baobab"), "{raw}");
        assert!(
            raw.contains(&format!("Message-ID: <{}@comply360.example>", e.message_id)),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("<p>Dear Sipho,</p>"), "{raw}");
    }

    #[test]
    fn a_bad_recipient_is_permanent() {
        let e = OutgoingEmail {
            to: "not an address".into(),
            ..email()
        };
        let err = build(&e).unwrap_err();
        assert!(!err.retryable);
    }
}
