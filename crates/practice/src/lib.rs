//! The agency's practice, the part of Comply360 agencies pay for:
//!
//! * [`clients`] and [`companies`] (with their people and [`history`]): CRUD, search, soft
//!   delete; [`import`] brings clients in from CSV.
//! * [`registration_types`]: each filing type as data (wizard steps, fields, documents,
//!   checks), loaded from `types/*.toml`.
//! * [`registrations`]: drafts driven through the [`workflow`] state machine, with a
//!   [`timeline`], assignment and due dates; [`outcome`] records what the registry said;
//!   [`filing`] files through a `RegistryGateway` (the simulator) when a registration asks for
//!   the automated path; [`documents`] lists a registration's documents and reads their bytes.
//! * [`obligations`]: the compliance calendar, its reminders, and its [`ical`] feed.
//!
//! Every function takes the caller's `TenantTx`: the caller decides what commits together.

pub mod clients;
pub mod companies;
pub mod documents;
pub mod error;
mod fees;
pub mod filing;
pub mod history;
pub mod ical;
pub mod import;
pub mod obligations;
pub mod outcome;
pub mod page;
pub mod registration_types;
pub mod registrations;
pub mod reminders;
pub mod summary;
pub mod timeline;
pub mod workflow;

pub use error::PracticeError;
pub use page::Page;
