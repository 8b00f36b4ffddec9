//! The notification handlers: [`Deliver`] sends queued messages; [`NotifyEvents`] turns
//! business events into messages.

mod deliver;
mod events;

pub use deliver::Deliver;
pub use events::NotifyEvents;

use crate::NotifyError;
use comply360_jobs::HandlerError;

/// Database trouble is worth another attempt; a message that cannot be rendered or
/// addressed is not.
impl From<NotifyError> for HandlerError {
    fn from(err: NotifyError) -> Self {
        match err {
            NotifyError::Store(_) | NotifyError::Jobs(_) => {
                HandlerError::Retryable(err.to_string())
            }
            NotifyError::Render(_)
            | NotifyError::InvalidRecipient(_)
            | NotifyError::NoSuchVariant { .. }
            | NotifyError::Config(_)
            | NotifyError::Corrupt(_) => HandlerError::Permanent(err.to_string()),
        }
    }
}
