//! The words of notifications: channels, message states, preference categories and
//! recipients, each parsed once at the edge.

use crate::NotifyError;
use std::fmt;
use std::str::FromStr;

macro_rules! text_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl FromStr for $ty {
            type Err = NotifyError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(NotifyError::Corrupt(format!(
                        concat!("unknown ", $what, " {:?}"), other
                    ))),
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
}

text_enum!(Channel, "channel", { Email => "email", Sms => "sms" });

/// Where a message is in its life (`notification_messages.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// Waiting for (or between attempts of) its delivery job.
    Queued,
    /// Accepted by the provider.
    Sent,
    /// Every attempt failed, or the provider refused it for good; `last_error` says why.
    Failed,
    /// The provider reported it undeliverable after accepting it.
    Bounced,
    /// Not sent: the user opted out of its category on its channel.
    Suppressed,
}

text_enum!(MessageState, "message state", {
    Queued => "queued", Sent => "sent", Failed => "failed", Bounced => "bounced",
    Suppressed => "suppressed",
});

/// What a message is about, which is what a user opts out of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Progress of the client's filings.
    Registrations,
    /// Invitations and account administration.
    Account,
    /// Password resets, locked accounts: always essential.
    Security,
    /// Operator messages such as `comply360 notify test`.
    System,
    /// Invoices, pay links and receipts to clients.
    Billing,
}

text_enum!(Category, "notification category", {
    Registrations => "registrations", Account => "account", Security => "security",
    System => "system", Billing => "billing",
});

/// An address on one channel, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    Email(String),
    /// E.164: `+` and 8 to 15 digits.
    Sms(String),
}

impl Recipient {
    /// An email address (`user@domain`) or, when it starts with `+`, a phone number.
    pub fn parse(text: &str) -> Result<Recipient, NotifyError> {
        let text = text.trim();
        if text.starts_with('+') {
            Recipient::phone(text)
        } else {
            Recipient::email(text)
        }
    }

    pub fn email(text: &str) -> Result<Recipient, NotifyError> {
        let text = text.trim();
        // lettre's parser is the one that will put it on the wire, so it decides.
        match text.parse::<lettre::Address>() {
            Ok(_) if text.len() <= 254 => Ok(Recipient::Email(text.to_owned())),
            _ => Err(NotifyError::InvalidRecipient(text.to_owned())),
        }
    }

    pub fn phone(text: &str) -> Result<Recipient, NotifyError> {
        let text = text.trim();
        let digits = text.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
        {
            Ok(Recipient::Sms(text.to_owned()))
        } else {
            Err(NotifyError::InvalidRecipient(text.to_owned()))
        }
    }

    pub fn channel(&self) -> Channel {
        match self {
            Recipient::Email(_) => Channel::Email,
            Recipient::Sms(_) => Channel::Sms,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Recipient::Email(a) | Recipient::Sms(a) => a,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_parsed_by_shape() {
        assert_eq!(
            Recipient::parse(" sipho@client.example ").unwrap(),
            Recipient::Email("sipho@client.example".into())
        );
        assert_eq!(
            Recipient::parse("+27821234567").unwrap().channel(),
            Channel::Sms
        );
        for bad in ["", "nobody", "a@", "+27-82", "+0123456789", "x@y z"] {
            assert!(Recipient::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn words_round_trip() {
        for s in [
            MessageState::Queued,
            MessageState::Suppressed,
            MessageState::Bounced,
        ] {
            assert_eq!(s.as_str().parse::<MessageState>().unwrap(), s);
        }
        assert_eq!("security".parse::<Category>().unwrap(), Category::Security);
        assert!("fax".parse::<Channel>().is_err());
    }
}
