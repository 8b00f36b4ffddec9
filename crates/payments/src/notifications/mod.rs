//! Provider notifications: the [`inbox`] that stores each one once, and the
//! `payments.notification` job that [`apply`]s it once.

pub mod apply;
pub mod inbox;

pub use apply::ApplyNotification;
