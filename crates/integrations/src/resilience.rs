//! The one shared way to call an outside system.
//!
//! `Resilience::call(tenant, system, || request())`:
//! 1. fails fast with [`CallError::CircuitOpen`] while the (tenant, system) circuit is open;
//! 2. bounds each attempt by a timeout;
//! 3. retries timeouts and errors that say they are retryable ([`Retryable`]), with exponential
//!    backoff and jitter, and never retries the others (a 400 stays a 400);
//! 4. counts every attempt's outcome in the circuit, which opens after `failure_threshold`
//!    consecutive failures and half-opens after `cool_down` to let one probe through.
//!
//! Circuits are per tenant because tenants bring their own credentials and endpoints (one
//! agency's broken Odoo must not stop another's). Their state is kept for metrics and
//! `comply360 integrations status` through [`Resilience::statuses`].

use backon::{ExponentialBuilder, Retryable as _};
use comply360_domain::TenantId;
use failsafe::failure_policy::ConsecutiveFailures;
use failsafe::{StateMachine, backoff};
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument;

/// Whether an error is worth another attempt (timeouts always are).
pub trait Retryable {
    fn is_retryable(&self) -> bool;
}

/// Limits for calls to one kind of outside system.
#[derive(Clone, Copy, Debug)]
pub struct CallPolicy {
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: usize,
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub failure_threshold: u32,
    pub cool_down: Duration,
}

impl Default for CallPolicy {
    fn default() -> Self {
        CallPolicy {
            timeout: Duration::from_secs(10),
            retries: 3,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            failure_threshold: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CallError<E> {
    #[error("{system} is unavailable for now (circuit open); retry later")]
    CircuitOpen { system: String },
    #[error("{system} did not answer within {after:?}")]
    Timeout { system: String, after: Duration },
    #[error(transparent)]
    Failed(E),
}

impl<E: Retryable> CallError<E> {
    fn worth_retrying(&self) -> bool {
        match self {
            CallError::CircuitOpen { .. } => false,
            CallError::Timeout { .. } => true,
            CallError::Failed(e) => e.is_retryable(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    Closed,
    HalfOpen,
    Open,
}

impl CircuitState {
    /// As a gauge value: 0 closed, 1 half-open, 2 open.
    pub fn as_gauge(self) -> u8 {
        self as u8
    }

    fn from_gauge(v: u8) -> CircuitState {
        match v {
            1 => CircuitState::HalfOpen,
            2 => CircuitState::Open,
            _ => CircuitState::Closed,
        }
    }
}

/// One circuit's state, for metrics and the status command.
#[derive(Clone, Debug, Serialize)]
pub struct CircuitStatus {
    pub tenant: TenantId,
    pub system: String,
    pub state: CircuitState,
    /// Calls refused while open, since the process started.
    pub rejected: u64,
}

/// Records transitions where we can read them (failsafe keeps its state private).
#[derive(Clone, Default)]
struct Observed {
    state: Arc<AtomicU8>,
    rejected: Arc<AtomicU64>,
}

struct Recorder {
    observed: Observed,
    label: String,
}

impl failsafe::Instrument for Recorder {
    fn on_call_rejected(&self) {
        self.observed.rejected.fetch_add(1, Ordering::Relaxed);
    }
    fn on_open(&self) {
        self.observed
            .state
            .store(CircuitState::Open.as_gauge(), Ordering::Relaxed);
        tracing::warn!(circuit = %self.label, "circuit opened: failing fast");
    }
    fn on_half_open(&self) {
        self.observed
            .state
            .store(CircuitState::HalfOpen.as_gauge(), Ordering::Relaxed);
        tracing::info!(circuit = %self.label, "circuit half-open: probing");
    }
    fn on_closed(&self) {
        self.observed
            .state
            .store(CircuitState::Closed.as_gauge(), Ordering::Relaxed);
        tracing::info!(circuit = %self.label, "circuit closed");
    }
}

type Breaker = StateMachine<ConsecutiveFailures<backoff::Constant>, Recorder>;

struct Circuit {
    breaker: Breaker,
    observed: Observed,
}

type Circuits = HashMap<(TenantId, String), Arc<Circuit>>;

/// Circuits for every (tenant, system) this process has called. Cheap to clone.
#[derive(Clone)]
pub struct Resilience {
    policies: Arc<HashMap<String, CallPolicy>>,
    default_policy: CallPolicy,
    circuits: Arc<Mutex<Circuits>>,
}

impl Resilience {
    pub fn new(default_policy: CallPolicy) -> Resilience {
        Resilience {
            policies: Arc::new(HashMap::new()),
            default_policy,
            circuits: Arc::default(),
        }
    }

    /// A policy for one system (e.g. a registry that is slow by nature).
    pub fn with_policy(mut self, system: &str, policy: CallPolicy) -> Resilience {
        Arc::make_mut(&mut self.policies).insert(system.to_owned(), policy);
        self
    }

    pub fn policy(&self, system: &str) -> CallPolicy {
        self.policies
            .get(system)
            .copied()
            .unwrap_or(self.default_policy)
    }

    fn circuit(&self, tenant: TenantId, system: &str) -> Arc<Circuit> {
        let mut circuits = self
            .circuits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        circuits
            .entry((tenant, system.to_owned()))
            .or_insert_with(|| {
                let policy = self.policy(system);
                let observed = Observed::default();
                let recorder = Recorder {
                    observed: observed.clone(),
                    label: format!("{tenant}/{system}"),
                };
                let breaker = failsafe::Config::new()
                    .failure_policy(failsafe::failure_policy::consecutive_failures(
                        policy.failure_threshold,
                        backoff::constant(policy.cool_down),
                    ))
                    .instrument(recorder)
                    .build();
                Arc::new(Circuit { breaker, observed })
            })
            .clone()
    }

    /// Calls `request` (a fresh future per attempt) under the system's policy.
    pub async fn call<T, E, F, Fut>(
        &self,
        tenant: TenantId,
        system: &str,
        request: F,
    ) -> Result<T, CallError<E>>
    where
        E: Retryable,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let policy = self.policy(system);
        let circuit = self.circuit(tenant, system);
        let attempt = || async {
            if !circuit.breaker.is_call_permitted() {
                return Err(CallError::CircuitOpen {
                    system: system.to_owned(),
                });
            }
            let outcome = match tokio::time::timeout(policy.timeout, request()).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(CallError::Failed(e)),
                Err(_) => Err(CallError::Timeout {
                    system: system.to_owned(),
                    after: policy.timeout,
                }),
            };
            match &outcome {
                Ok(_) => circuit.breaker.on_success(),
                // Only failures of the remote side count against the circuit; a request the
                // system refused as invalid says nothing about its health.
                Err(e) if e.worth_retrying() => circuit.breaker.on_error(),
                Err(_) => circuit.breaker.on_success(),
            }
            outcome
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.first_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.retries)
            .with_jitter();
        // One span per call, retries included: the outside system's work in a trace, and the
        // parent its `traceparent` header names (see `traced`).
        let span = tracing::info_span!("outside_call", system = %system, tenant = %tenant, otel.kind = "client");
        attempt
            .retry(backoff)
            .when(|e: &CallError<E>| e.worth_retrying())
            .notify(|e, after| tracing::debug!(system, error = %ErrorKind(e), ?after, "retrying outside call"))
            .instrument(span)
            .await
    }

    /// Every circuit this process knows, sorted by system then tenant.
    pub fn statuses(&self) -> Vec<CircuitStatus> {
        let circuits = self
            .circuits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out: Vec<CircuitStatus> = circuits
            .iter()
            .map(|((tenant, system), c)| {
                // The breaker moves from open to half-open lazily; ask it so the status is current.
                let _ = c.breaker.is_call_permitted();
                CircuitStatus {
                    tenant: *tenant,
                    system: system.clone(),
                    state: CircuitState::from_gauge(c.observed.state.load(Ordering::Relaxed)),
                    rejected: c.observed.rejected.load(Ordering::Relaxed),
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.system, a.tenant).cmp(&(&b.system, b.tenant)));
        out
    }

    pub fn state(&self, tenant: TenantId, system: &str) -> CircuitState {
        let circuits = self
            .circuits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        circuits
            .get(&(tenant, system.to_owned()))
            .map_or(CircuitState::Closed, |c| {
                CircuitState::from_gauge(c.observed.state.load(Ordering::Relaxed))
            })
    }
}

/// Logs the kind of an error without its content (which may carry personal data).
struct ErrorKind<'a, E>(&'a CallError<E>);

impl<E> std::fmt::Display for ErrorKind<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            CallError::CircuitOpen { .. } => "circuit open",
            CallError::Timeout { .. } => "timeout",
            CallError::Failed(_) => "failed",
        })
    }
}
