//! Pure types and rules of Comply360. Nothing in this crate performs I/O (a rule that cannot
//! load says so through `tracing`, a facade: the binary decides where logs go).
//!
//! Besides the vocabulary (ids, identifiers, kinds, statuses) it holds the definitions the
//! practice runs on: the filing [`workflow`] and the [`registration_types`] (the wizards,
//! their validation and fee quotes), which touch no database.
//!
//! Values here are parsed once at the edge ("parse, don't validate"): a [`Slug`]
//! or an [`IsolationMode`] that exists is valid, so code further in never checks again.

pub mod calendar;
pub mod commission;
pub mod company;
pub mod contact;
pub mod identifiers;
pub mod ids;
pub mod money;
pub mod plans;
pub mod redact;
pub mod registration;
pub mod registration_types;
pub mod rules;
pub mod secret;
pub mod slug;
pub mod tenancy;
pub mod trace_context;
pub mod workflow;

pub use company::{CompanyType, PersonRole};
pub use contact::{EmailAddress, EmailError, PhoneError, PhoneNumber, Region};
pub use ids::{EventId, JobId, MessageId, NamespaceId, ServerId, TenantId};
pub use money::{Cents, Currency};
pub use registration::{Jurisdiction, RegistrationKind};
pub use rules::{RuleError, Rules};
pub use secret::Secret;
pub use slug::{Slug, SlugError};
pub use tenancy::{IsolationMode, ProvisioningState, ProvisioningStep, TenantStatus, Tier};
