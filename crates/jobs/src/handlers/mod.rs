//! Handlers that belong to the platform itself rather than to an outside system.

mod audit_trail;

pub use audit_trail::AuditTrail;
