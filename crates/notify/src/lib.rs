//! Notifications (issue 3, item 5): every email and SMS the platform sends on a tenant's
//! behalf.
//!
//! * [`templates`]: per template and language, subject / text / HTML / SMS, embedded and
//!   rendered with minijinja inside the tenant's [`branding`].
//! * [`queue()`]: render, store (`notification_messages`) and emit `notification.queued` in
//!   the caller's transaction; opted-out users get a `suppressed` row instead
//!   ([`preferences`]).
//! * [`channels`]: SMTP, a mailbox directory, SendGrid, Twilio, behind one trait per kind,
//!   chosen by [`NotifySettings`].
//! * [`handlers`]: `notify.deliver` sends queued messages (retries, dead letters, failures
//!   visible on the message); `notify.events` turns business events into messages.
//! * [`send_test()`]: `comply360 notify test`. [`mailbox_router`]: `/dev/mailbox`.
//!
//! Errors: [`NotifyError`] for queueing and configuration, [`channels::SendError`] for a
//! provider's refusal, mapped to the jobs' `HandlerError` in the handlers.

pub mod branding;
pub mod channels;
mod dev_mailbox;
mod error;
pub mod handlers;
pub mod messages;
pub mod model;
pub mod preferences;
mod queue;
mod send_test;
pub mod settings;
pub mod templates;

pub use branding::Branding;
pub use channels::Channels;
pub use dev_mailbox::mailbox_router;
pub use error::{NotifyError, RenderError};
pub use handlers::{Deliver, NotifyEvents};
pub use messages::Message;
pub use model::{Category, Channel, MessageState, Recipient};
pub use queue::{AGGREGATE, NewMessage, Queued, queue};
pub use send_test::{TestOutcome, send_test};
pub use settings::{EmailTransport, NotifySettings, SmsTransport, SmtpTls};
pub use templates::Template;
