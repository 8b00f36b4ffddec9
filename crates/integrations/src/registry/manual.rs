//! The real registries' path: CIPC and CIPZ have no filing API (FACTS.md sections 1 and 4), so
//! every filing is made by hand by the agent on the registry's own site.
//!
//! [`ManualGateway`] answers every call with [`RegistryError::ManualFiling`], whose message says
//! where to file; the workflow turns that into a task for the agent. The agent then records the
//! outcome (the CoR 9.4 / 9.5 / 14.3 / 14.2, or CIPZ's equivalent) on the registration, so
//! [`RegistryGateway::outcome`] has nothing to poll and says so. The portal addresses are
//! configuration, never fetched.

use crate::registry::{
    FilingOutcome, IncorporationRequest, NameReservationRequest, Receipt, RegistryError,
    RegistryGateway,
};
use async_trait::async_trait;
use comply360_domain::Jurisdiction;

/// Where agents file by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualGatewayConfig {
    /// CIPC e-services; default `https://eservices.cipc.co.za`.
    pub cipc_url: String,
    /// The CIPZ portal. FACTS.md marks its address UNCONFIRMED, so there is no default.
    pub cipz_url: Option<String>,
}

impl Default for ManualGatewayConfig {
    fn default() -> Self {
        ManualGatewayConfig {
            cipc_url: "https://eservices.cipc.co.za".to_owned(),
            cipz_url: None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ManualGateway {
    config: ManualGatewayConfig,
}

impl ManualGateway {
    pub fn new(config: ManualGatewayConfig) -> ManualGateway {
        ManualGateway { config }
    }

    fn by_hand(&self, jurisdiction: Jurisdiction, action: &str) -> RegistryError {
        let (registry, url) = match jurisdiction {
            Jurisdiction::SouthAfrica => ("CIPC", self.config.cipc_url.clone()),
            Jurisdiction::Zimbabwe => (
                "CIPZ",
                self.config.cipz_url.clone().unwrap_or_else(|| {
                    "the CIPZ portal (its address is not configured; add it to the agency's integration settings)"
                        .to_owned()
                }),
            ),
        };
        RegistryError::ManualFiling {
            registry: registry.to_owned(),
            url,
            action: action.to_owned(),
        }
    }
}

#[async_trait]
impl RegistryGateway for ManualGateway {
    fn name(&self) -> &str {
        "manual"
    }

    async fn reserve_name(
        &self,
        request: &NameReservationRequest,
    ) -> Result<Receipt, RegistryError> {
        let action = match request.jurisdiction {
            Jurisdiction::SouthAfrica => "reserve the name (CoR 9.1)",
            Jurisdiction::Zimbabwe => "submit the name search",
        };
        Err(self.by_hand(request.jurisdiction, action))
    }

    async fn incorporate(&self, request: &IncorporationRequest) -> Result<Receipt, RegistryError> {
        let action = match request.jurisdiction {
            Jurisdiction::SouthAfrica => "file the notice of incorporation (CoR 14.1)",
            Jurisdiction::Zimbabwe => "file the incorporation",
        };
        Err(self.by_hand(request.jurisdiction, action))
    }

    async fn outcome(&self, receipt: &Receipt) -> Result<FilingOutcome, RegistryError> {
        Err(RegistryError::ManualOutcome {
            filing_id: receipt.filing_id.clone(),
        })
    }
}
