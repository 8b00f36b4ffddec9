//! Identity and access.

pub mod accounts;
pub mod admin;
pub mod api_keys;
pub mod audit;
pub mod events;
pub mod jwt;
pub mod mfa;
pub mod password;
pub mod principal;
pub mod ratelimit;
pub mod rbac;
pub mod realm;
pub mod recovery;
pub mod revocation;
pub mod sealed;
pub mod secret_token;
pub mod service;
pub mod sessions;
pub mod settings;
pub mod signin;
pub mod signing;
pub mod totp;
mod verified;

pub use audit::ClientInfo;
pub use principal::{KeyPrincipal, Principal, UserPrincipal};
pub use realm::Realm;
pub use service::{AuthError, Identity, StartError};
pub use settings::IdentitySettings;
pub use signin::{SignIn, TokenPair};
