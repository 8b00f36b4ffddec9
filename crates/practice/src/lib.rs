//! The agency's practice, the part of Comply360 agencies pay for:
//!
//! * [`clients`] and [`companies`] (with their people and [`history`]): CRUD, search, soft
//!   delete; [`import`] brings clients in from CSV.
//! * [`registration_types`]: each filing type as data (wizard steps, fields, documents,
//!   checks), and the [`workflow`]: pure definitions that live in `comply360_domain`,
//!   re-exported here.
//! * [`registrations`]: drafts driven through the [`workflow`] state machine, with a
//!   [`timeline`], assignment and due dates; [`outcome`] records what the registry said;
//!   [`filing`] files through a `RegistryGateway` (the simulator) when a registration asks for
//!   the automated path; [`documents`] lists a registration's documents and reads their bytes.
//! * [`obligations`]: the compliance calendar, its reminders, and its [`ical`] feed; its
//!   deadlines count business days of the transaction's calendar, which includes the
//!   platform's [`holidays`] (declared public holidays); changing those recomputes every agency.
//! * [`find`] (the search box across clients, companies and registrations) and
//!   [`dashboard`] (a person's work and the agency's totals): read models over several
//!   resources, limited to what a caller may read ([`reach`]).
//!
//! Every function takes the caller's `TenantTx`: the caller decides what commits together.
//!
//! Each resource is in layers: `model` (the types, with enums for kinds, statuses and roles),
//! `repo` (one statement per function over `&mut TenantTx`, returning model types) and the
//! operations in its `mod.rs` (validation, the repository calls in order, history and events).

pub mod agents;
pub mod clients;
pub mod companies;
pub mod dashboard;
pub mod data_subjects;
pub mod decode;
pub mod documents;
pub mod error;
pub mod filing;
pub mod find;
pub mod history;
pub mod holidays;
pub mod ical;
pub mod import;
pub mod obligations;
pub mod outcome;
pub mod page;
pub mod reach;
pub mod registrations;
pub mod reminders;
mod search;
pub mod summary;
pub mod timeline;

/// The wizard definitions and the state machine are pure, so they live in `domain`; these
/// paths keep the practice's public surface as it was.
pub use comply360_domain::{registration_types, workflow};
pub use error::PracticeError;
pub use page::Page;
pub use reach::Reach;
