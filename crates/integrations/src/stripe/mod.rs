//! Stripe (FACTS.md section 6): Checkout Sessions, refunds and reconciliation over the REST
//! API, webhook signatures and events, and an in-memory stand-in on loopback.
//!
//! * [`signature`]: `sign` / `verify` of `Stripe-Signature`.
//! * [`StripeClient`] with [`StripeConfig`]: sessions, refunds, listing.
//! * [`event`]: [`Event`] and [`construct_event`].
//! * [`standin`]: the API, a hosted payment page and a webhook sender.

mod client;
mod error;
pub mod event;
pub mod signature;
pub mod standin;
mod types;

pub use client::{API_BASE, CheckoutSessionRequest, LineItem, StripeClient, StripeConfig};
pub use error::StripeError;
pub use event::{Event, EventObject, construct_event};
pub use standin::{SentEvent, StripeStandIn, StripeStandInConfig, StripeStandInHandle};
pub use types::{Charge, CheckoutSession, List, Refund};
