//! Companies registries (CIPC, CIPZ) behind [`RegistryGateway`].
//!
//! * [`ManualGateway`]: production. The registries have no filing API, so it tells the agent to
//!   file by hand and the outcome is recorded by the agent.
//! * [`SimulatorGateway`] + [`simulator`]: a local registry with an API, so the automated path is
//!   exercised end to end.

mod gateway;
mod manual;
mod names;
mod pdf;
pub mod simulator;
mod simulator_client;

pub use gateway::{
    Certificate, Director, FilingOutcome, IncorporationRequest, NameReservationRequest, Receipt,
    RefusedName, RegistryError, RegistryGateway,
};
pub use manual::{ManualGateway, ManualGatewayConfig};
pub use simulator::{RegistrySimulator, SimulatorConfig, SimulatorError, SimulatorHandle, serve};
pub use simulator_client::SimulatorGateway;
pub(crate) use simulator_client::error_chain;
