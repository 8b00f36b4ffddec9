//! What an agency administrator does to accounts and roles: invite, list, change role or
//! status, unlock; define custom roles from the permission list. Also how the CLI creates
//! accounts directly.
//!
//! The parts: `users` (accounts: create, list, change, unlock), `invitations` (invite, resend,
//! the provisioned administrator's), `roles` (built-in and custom roles) and `security` (the
//! agency's MFA and CORS settings).

mod invitations;
mod roles;
mod security;
mod users;

pub use roles::RoleView;
pub use security::SecuritySettings;
pub use users::{UserChange, UserView, validate_email};
