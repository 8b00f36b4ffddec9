//! A registration as stored and as answered, the draft a caller sends, and who acts.

use crate::error::PracticeError;
use crate::registration_types::{RegistrationType, RegistrationTypes};
use crate::workflow::{Action, Status};
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::{Jurisdiction, RegistrationKind, text_enum};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Who acts, with which permissions (the API resolves them; the filing handler acts as the
/// registry gateway with every permission).
pub struct Actor {
    pub id: Uuid,
    /// The permissions the caller holds among those actions need; None = every permission.
    pub granted: Option<Vec<&'static str>>,
}

impl Actor {
    /// The registry gateway recording an outcome.
    pub fn system() -> Actor {
        Actor {
            id: Uuid::nil(),
            granted: None,
        }
    }

    pub fn can(&self, permission: &str) -> bool {
        self.granted
            .as_ref()
            .is_none_or(|g| g.contains(&permission))
    }
}

/// How a registration reaches the registry (`registrations.filing_path`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilingPath {
    /// The agent files on the registry's site and records what it said.
    Manual,
    /// The `registry.file` job files through the configured registry gateway.
    Gateway,
}

text_enum!(FilingPath, "filing path", {
    Manual => "manual",
    Gateway => "gateway",
});

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    pub client_id: Option<String>,
    pub kind: Option<String>,
    pub company_id: Option<Uuid>,
    /// "manual" (the agent files on the registry's site) or "gateway" (the configured
    /// registry gateway, e.g. the simulator).
    pub filing_path: Option<String>,
    pub agent_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    /// Step data to start with: `{step: {field: value}}`.
    pub steps: Option<Value>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Registration {
    pub id: Uuid,
    pub client_id: Uuid,
    pub company_id: Option<Uuid>,
    pub kind: RegistrationKind,
    pub jurisdiction: Jurisdiction,
    pub status: Status,
    pub agent_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub filing_path: FilingPath,
    pub filing_id: Option<String>,
    pub registry_reference: Option<String>,
    /// The wizard's data so far: `{step: {field: value}}`, as the registration type describes.
    pub steps: Value,
    /// What the registry decided (reference, registration number, reserved name, refusal
    /// reason), once it has.
    pub outcome: Option<Value>,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What may be done next from this status.
    pub actions: Vec<Action>,
}

impl Registration {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn registration_type(&self) -> Result<&'static RegistrationType, PracticeError> {
        RegistrationTypes::built_in()
            .get(self.kind)
            .ok_or(PracticeError::NotFound("registration type"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spells_filing_paths_as_the_database_does() {
        for f in FilingPath::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
    }
}
