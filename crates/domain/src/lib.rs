//! Pure types and rules of Comply360. Nothing in this crate performs I/O.
//!
//! Values here are parsed once at the edge ("parse, don't validate"): a [`Slug`]
//! or an [`IsolationMode`] that exists is valid, so code further in never checks again.

pub mod calendar;
pub mod contact;
pub mod identifiers;
pub mod ids;
pub mod money;
pub mod registration;
pub mod rules;
pub mod secret;
pub mod slug;
pub mod tenancy;

pub use contact::{EmailAddress, EmailError, PhoneError, PhoneNumber, Region};
pub use ids::{EventId, JobId, MessageId, NamespaceId, ServerId, TenantId};
pub use money::{Cents, Currency};
pub use registration::{Jurisdiction, RegistrationKind};
pub use rules::{RuleError, Rules};
pub use secret::Secret;
pub use slug::{Slug, SlugError};
pub use tenancy::{IsolationMode, ProvisioningState, ProvisioningStep, TenantStatus, Tier};
