//! CIPC's read-only Companies and Beneficial Ownership API (FACTS.md section 1), used to prefill
//! a client's company from its enterprise number. CIPC offers no filing API: filings go through
//! [`registry`](crate::registry).
//!
//! * [`CipcConfig`] / [`CipcCredentials`]: where the API is (paths are templates, mostly
//!   UNCONFIRMED) and one agency's account.
//! * [`CipcClient`]: the calls, with API Management sign-in, refresh on 401 and re-sign-in.
//! * [`CompanyPrefill`]: the merged result of [`CipcClient::prefill`].
//! * [`standin`]: a local server speaking the same HTTP, for tests and demos.

mod auth;
mod client;
mod config;
mod error;
mod model;
mod prefill;
pub mod standin;
mod wire;

pub use client::CipcClient;
pub use config::{
    CipcConfig, CipcCredentials, DEFAULT_BENEFICIAL_OWNERSHIP_PATH, DEFAULT_COMPANY_PROFILE_PATH,
    DEFAULT_DIRECTORS_PATH, DEFAULT_FILING_HISTORY_PATH, DEFAULT_TOKEN_PATH,
};
pub use error::{CREDENTIALS_FIX, CipcError};
pub use model::{
    BeneficialOwnershipRegister, BoIdentifier, BoStatement, CompanyProfile, DirectorRecord,
    FilingRecord, StatementKind,
};
pub use prefill::{CompanyPrefill, PrefillBeneficialOwner, PrefillDirector, PrefillFiling};
pub use standin::{CipcStandIn, StandInConfig, StandInCounters, StandInHandle};
pub use wire::SUBSCRIPTION_KEY_HEADER;
