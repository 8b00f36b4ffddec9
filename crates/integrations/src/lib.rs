//! Outside systems (registries, Odoo, payments, messages, storage, OCR) sit behind traits in
//! this crate, and every call to one goes through [`resilience`]: a timeout, retries with
//! backoff for retryable errors only, and a circuit breaker per (tenant, system).

pub mod resilience;

pub use resilience::{CallError, CallPolicy, CircuitState, CircuitStatus, Resilience, Retryable};
