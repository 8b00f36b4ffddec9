//! Outside systems (registries, Odoo, payments, messages, storage, OCR) sit behind traits in
//! this crate, and every call to one goes through [`resilience`]: a timeout, retries with
//! backoff for retryable errors only, and a circuit breaker per (tenant, system).
//!
//! * [`registry`]: companies registries (CIPC, CIPZ) for filings, by hand in production and
//!   against a local simulator in tests and demos.
//! * [`cipc`]: CIPC's read-only Companies and Beneficial Ownership API, to prefill a client's
//!   company from its enterprise number.
//! * [`odoo`]: an agency's Odoo over JSON-2 (19.0 and later) or XML-RPC, and an in-memory
//!   stand-in serving both.
//! * [`stripe`]: Stripe Checkout Sessions, refunds, webhook signatures and events, with a
//!   stand-in.
//! * [`payfast`]: PayFast checkout forms, ITNs and the refunds/history API, with a stand-in.

pub mod cipc;
pub mod odoo;
pub mod payfast;
pub mod registry;
pub mod resilience;
pub mod stripe;
mod traced;

pub use cipc::{CipcClient, CipcConfig, CipcCredentials, CipcError, CompanyPrefill};
pub use odoo::{OdooClient, OdooConfig, OdooError, OdooProtocol, OdooStandIn};
pub use payfast::{PayFastClient, PayFastConfig, PayFastError, PayFastStandIn};
pub use registry::{
    ManualGateway, RegistryError, RegistryGateway, RegistrySimulator, SimulatorGateway,
};
pub use resilience::{CallError, CallPolicy, CircuitState, CircuitStatus, Resilience, Retryable};
pub use stripe::{StripeClient, StripeConfig, StripeError, StripeStandIn};
pub use traced::Traced;
