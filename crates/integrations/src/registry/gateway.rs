//! The seam between a registration and a companies registry (CIPC in South Africa, CIPZ in
//! Zimbabwe).
//!
//! Neither registry offers a filing API (FACTS.md sections 1 and 4), so production uses
//! [`ManualGateway`](super::ManualGateway), which tells the agent to file by hand. The same trait
//! is implemented over HTTP against the local registry simulator
//! ([`SimulatorGateway`](super::SimulatorGateway)) so the automated path exists and is tested end
//! to end. The request and outcome types double as the simulator's JSON wire format.

use crate::Retryable;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::Jurisdiction;
use serde::{Deserialize, Serialize};

/// A registry that reserves names and incorporates companies, asynchronously: a submission
/// returns a [`Receipt`], and [`RegistryGateway::outcome`] is polled until it is no longer
/// [`FilingOutcome::Pending`].
#[async_trait]
pub trait RegistryGateway: Send + Sync {
    /// A short name for logs and for the circuit breaker's system label.
    fn name(&self) -> &str;
    async fn reserve_name(
        &self,
        request: &NameReservationRequest,
    ) -> Result<Receipt, RegistryError>;
    async fn incorporate(&self, request: &IncorporationRequest) -> Result<Receipt, RegistryError>;
    async fn outcome(&self, receipt: &Receipt) -> Result<FilingOutcome, RegistryError>;
}

/// A name reservation (CoR 9.1 in South Africa; a name search in Zimbabwe).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameReservationRequest {
    #[serde(with = "jurisdiction_code")]
    pub jurisdiction: Jurisdiction,
    /// In order of preference; only the first acceptable one is reserved.
    pub names: Vec<String>,
    /// Our registration id, so the registry's answer can be traced back.
    pub applicant_reference: String,
}

/// A notice of incorporation (CoR 14.1 in South Africa).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncorporationRequest {
    #[serde(with = "jurisdiction_code")]
    pub jurisdiction: Jurisdiction,
    /// `private_company`, `non_profit_company` (ZA), `zw_private_limited` or `zw_pbc` (ZW).
    pub company_type: String,
    /// The reserved name; `None` asks for the registration number as the name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub name_reservation_number: Option<String>,
    pub directors: Vec<Director>,
    #[serde(default)]
    pub financial_year_end: Option<String>,
    pub applicant_reference: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Director {
    pub full_name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub passport: Option<String>,
}

/// Proof that a registry accepted a submission for processing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub filing_id: String,
    pub submitted_at: DateTime<Utc>,
}

/// What the registry decided. `document` names the registry's paper for the decision (CoR 9.4,
/// 9.5, 14.3, 14.2 in South Africa); it is data to show, never something to branch on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FilingOutcome {
    Pending,
    NameReserved {
        name: String,
        reservation_number: String,
        document: String,
        applied_on: NaiveDate,
        /// Six months after the application date in South Africa (FACTS.md section 1).
        expires_on: NaiveDate,
        /// Choices before the reserved one, with the reason each was refused.
        #[serde(default)]
        refused: Vec<RefusedName>,
        /// Choices after the reserved one: only one name is reserved, so these were not looked at.
        #[serde(default)]
        not_considered: Vec<String>,
    },
    NamesRefused {
        refused: Vec<RefusedName>,
        document: String,
    },
    Incorporated {
        /// `YYYY/NNNNNN/NN` in South Africa.
        registration_number: String,
        /// `K` + the registration number in South Africa.
        enterprise_number: String,
        name: String,
        document: String,
        certificate: Certificate,
    },
    Rejected {
        reason: String,
        document: String,
    },
}

impl FilingOutcome {
    /// Whether the registry has not decided yet (poll again later).
    pub fn is_pending(&self) -> bool {
        matches!(self, FilingOutcome::Pending)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedName {
    pub name: String,
    pub reason: String,
}

/// A document the registry issued; `content` is base64 in JSON.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub file_name: String,
    pub content_type: String,
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("content", &format_args!("{} bytes", self.content.len()))
            .finish()
    }
}

/// Why a registry call did not produce a receipt or an outcome.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry's own way of saying "there is no API: do this by hand".
    #[error(
        "{registry} has no filing API: {action} by hand at {url}, then record the outcome on the registration"
    )]
    ManualFiling {
        registry: String,
        url: String,
        action: String,
    },
    /// Hand-filed work has no outcome to poll: the agent records it on the registration.
    #[error(
        "filing {filing_id} was made by hand, so there is no outcome to poll; record the registry's answer on the registration"
    )]
    ManualOutcome { filing_id: String },
    #[error("{registry} could not be reached ({detail}); it will be retried")]
    Unreachable { registry: String, detail: String },
    #[error("{registry} failed with HTTP {status} ({detail}); it will be retried")]
    Server {
        registry: String,
        status: u16,
        detail: String,
    },
    /// The registry refused the request itself (HTTP 4xx); its message says what to correct.
    #[error("{registry} refused the request with HTTP {status}: {detail}")]
    Refused {
        registry: String,
        status: u16,
        detail: String,
    },
    #[error(
        "{registry} does not know filing {filing_id}; check that the receipt belongs to this registry"
    )]
    UnknownFiling { registry: String, filing_id: String },
    #[error("{registry} answered in an unexpected shape ({detail}); check its base URL")]
    Protocol { registry: String, detail: String },
    #[error("the {registry} gateway is misconfigured: {detail}")]
    Config { registry: String, detail: String },
}

impl Retryable for RegistryError {
    fn is_retryable(&self) -> bool {
        matches!(
            self,
            RegistryError::Unreachable { .. } | RegistryError::Server { .. }
        )
    }
}

/// `Jurisdiction` as its two-letter code ("ZA", "ZW"); the domain type has no serde of its own.
mod jurisdiction_code {
    use comply360_domain::Jurisdiction;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(value: &Jurisdiction, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Jurisdiction, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(D::Error::custom)
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(value: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_tagged_by_status_and_certificates_are_base64() {
        let pending = serde_json::to_value(FilingOutcome::Pending).unwrap();
        assert_eq!(pending, serde_json::json!({"status": "pending"}));
        let done = FilingOutcome::Incorporated {
            registration_number: "2026/000001/07".into(),
            enterprise_number: "K2026/000001/07".into(),
            name: "Acme (Pty) Ltd".into(),
            document: "CoR 14.3".into(),
            certificate: Certificate {
                file_name: "c.pdf".into(),
                content_type: "application/pdf".into(),
                content: b"%PDF-".to_vec(),
            },
        };
        let json = serde_json::to_value(&done).unwrap();
        assert_eq!(json["status"], "incorporated");
        assert_eq!(json["certificate"]["content"], "JVBERi0=");
        assert_eq!(serde_json::from_value::<FilingOutcome>(json).unwrap(), done);
    }

    #[test]
    fn jurisdictions_travel_as_codes() {
        let request: NameReservationRequest = serde_json::from_value(serde_json::json!({
            "jurisdiction": "ZW", "names": ["Msasa Trading"], "applicant_reference": "r1"
        }))
        .unwrap();
        assert_eq!(request.jurisdiction, Jurisdiction::Zimbabwe);
        let bad = serde_json::from_value::<NameReservationRequest>(serde_json::json!({
            "jurisdiction": "ZM", "names": ["x"], "applicant_reference": "r1"
        }))
        .unwrap_err()
        .to_string();
        assert!(bad.contains("ZA"), "{bad}");
    }
}
