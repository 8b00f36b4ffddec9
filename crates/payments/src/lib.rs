//! Payments (ARCHITECTURE.md, "Payments"): the agency's [`invoices`] to its clients for
//! registrations, numbered without gaps, with VAT where the agency is a vendor; money
//! received, recorded once through the [`ledger`] whether a provider's notification or
//! [`manual`] entry brought it; [`refunds`] with credit notes; and the agency's [`billing`]
//! details printed on every invoice.
//!
//! Errors are the practice's ([`PracticeError`]): the same problems for the same mistakes.

pub mod billing;
pub mod invoices;
pub mod ledger;
pub mod manual;
pub mod pdf;
pub mod refunds;

pub use comply360_practice::PracticeError;
