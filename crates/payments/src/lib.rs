//! Payments (ARCHITECTURE.md, "Payments"): the agency's [`invoices`] to its clients for
//! registrations, numbered without gaps, with VAT where the agency is a vendor; money
//! received, recorded once through the [`ledger`] whether a provider's notification or
//! [`manual`] entry brought it; [`refunds`] with credit notes; and the agency's [`billing`]
//! details printed on every invoice. Online payments: the agency's [`providers`] (PayFast,
//! Stripe, secrets sealed), [`checkouts`] started by the [`service`], and provider
//! [`notifications`] stored once and applied once. Invoices, receipts and credit notes
//! print as PDFs ([`pdf`]).
//!
//! Errors are the practice's ([`PracticeError`]): the same problems for the same mistakes.

pub mod bench;
pub mod billing;
pub mod checkouts;
pub mod invoices;
pub mod ledger;
pub mod manual;
mod metrics;
pub mod notifications;
pub mod pdf;
pub mod platform;
pub mod providers;
pub mod reconcile;
mod refund_job;
pub mod refunds;
pub mod service;

pub use comply360_practice::PracticeError;
pub use notifications::{ApplyNotification, ApplyWebhook};
pub use refund_job::RefundPayment;
pub use service::{CheckoutUrls, Payments, Refusal, Started};
