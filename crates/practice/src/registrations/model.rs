//! A registration as stored and as answered, the draft a caller sends, and who acts.

use crate::error::PracticeError;
use crate::registration_types::{RegistrationType, RegistrationTypes};
use crate::workflow::{Action, Status};
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::RegistrationKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
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
    pub kind: String,
    pub jurisdiction: String,
    pub status: Status,
    pub agent_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub filing_path: String,
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
    pub actions: Vec<&'static str>,
}

pub(super) fn from_row(r: &sqlx::postgres::PgRow) -> Result<Registration, sqlx::Error> {
    let text: String = r.try_get("status")?;
    // The column's CHECK constraint admits only the workflow's statuses.
    let status: Status = text
        .parse()
        .map_err(|e: String| sqlx::Error::ColumnDecode {
            index: "status".into(),
            source: e.into(),
        })?;
    let actions = status.actions().into_iter().map(Action::as_str).collect();
    Ok(Registration {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        company_id: r.try_get("company_id")?,
        kind: r.try_get("kind")?,
        jurisdiction: r.try_get("jurisdiction")?,
        status,
        agent_id: r.try_get("agent_id")?,
        due_on: r.try_get("due_on")?,
        filing_path: r.try_get("filing_path")?,
        filing_id: r.try_get("filing_id")?,
        registry_reference: r.try_get("registry_reference")?,
        steps: r.try_get("payload")?,
        outcome: r.try_get("outcome")?,
        version: r.try_get("version")?,
        submitted_at: r.try_get("submitted_at")?,
        completed_at: r.try_get("completed_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        actions,
    })
}

impl Registration {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn registration_type(&self) -> Result<&'static RegistrationType, PracticeError> {
        let kind: RegistrationKind = self
            .kind
            .parse()
            .map_err(|_| PracticeError::NotFound("registration type"))?;
        RegistrationTypes::built_in()
            .get(kind)
            .ok_or(PracticeError::NotFound("registration type"))
    }
}
