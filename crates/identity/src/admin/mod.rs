//! What an agency administrator does to accounts and roles: invite, list, change role or
//! status, unlock; define custom roles from the permission list. Also how the CLI creates
//! accounts directly.
//!
//! The parts: `users` (accounts: create, list, change, unlock), `invitations` (invite, resend,
//! the provisioned administrator's), `roles` (built-in and custom roles), `security` (the
//! agency's MFA and CORS settings) and `signing_keys` (the platform console's view and
//! rotation of the token signing keys).

mod invitations;
mod roles;
mod security;
mod signing_keys;
mod users;

pub use roles::RoleView;
pub use security::SecuritySettings;
pub use users::{UserChange, UserView, validate_email};
