//! The money side of the practice (ARCHITECTURE.md, "Money"): what the agency charges for
//! each registration type ([`prices`]), what its agents earn ([`rules`]), and the commissions
//! themselves ([`commissions`]): calculated by a job when a registration is approved (or
//! completed, per the agency's [`settings`]), then approved, paid or rejected by an
//! administrator, with statements and a CSV export; and the administrators' [`reports`]
//! (registrations, turnaround, commissions and fees over a period).
//!
//! Errors are the practice's ([`PracticeError`]): the same problems for the same mistakes.

pub mod bench;
pub mod commissions;
pub mod prices;
pub mod reports;
pub mod rules;
pub mod settings;
mod sheet;

pub use commissions::calculate::CalculateCommission;
pub use comply360_practice::PracticeError;
