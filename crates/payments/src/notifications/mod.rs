//! Provider notifications: the [`inbox`] that stores each one once, and the
//! `payments.notification` (PayFast) and `payments.webhook` (Stripe) jobs that [`apply`] it
//! once.

pub mod apply;
pub mod inbox;

pub use apply::{ApplyNotification, ApplyWebhook};
