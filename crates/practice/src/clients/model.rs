//! A client as stored and answered, a client whose input has been checked, its contacts and
//! the list's filter.

use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::text_enum;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::ClientInput;

/// A person or an organisation (`clients.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    Person,
    Organisation,
}

text_enum!(ClientKind, "client kind", {
    Person => "person",
    Organisation => "organisation",
});

/// `clients.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    Active,
    Archived,
}

text_enum!(ClientStatus, "client status", {
    Active => "active",
    Archived => "archived",
});

/// A client whose every field has been checked.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidClient {
    pub kind: ClientKind,
    pub display_name: String,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_reference: Option<String>,
    pub address: Value,
    pub notes: String,
    pub assigned_agent_id: Option<Uuid>,
    pub external_ref: Option<String>,
}

/// A client as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Client {
    pub id: Uuid,
    pub kind: ClientKind,
    pub display_name: String,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_reference: Option<String>,
    pub address: Value,
    pub notes: String,
    pub assigned_agent_id: Option<Uuid>,
    pub external_ref: Option<String>,
    pub status: ClientStatus,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Client {
    /// The client as input again (for patching).
    pub fn as_input(&self) -> ClientInput {
        ClientInput {
            kind: Some(self.kind.as_str().to_owned()),
            display_name: Some(self.display_name.clone()),
            first_names: self.first_names.clone(),
            surname: self.surname.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            id_number: self.id_number.clone(),
            passport_number: self.passport_number.clone(),
            passport_country: self.passport_country.clone(),
            registration_number: self.registration_number.clone(),
            tax_reference: self.tax_reference.clone(),
            address: Some(self.address.clone()),
            notes: Some(self.notes.clone()),
            assigned_agent_id: self.assigned_agent_id,
            external_ref: self.external_ref.clone(),
        }
    }
}

/// A contact person of a client (an organisation's people, a person's alternates).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub full_name: Option<String>,
    #[serde(default)]
    pub role: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub is_primary: bool,
}

/// `role` is the agency's own words ("bookkeeper", "spouse"): the column has no list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub full_name: String,
    pub role: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_primary: bool,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ClientFilter {
    /// Words of the name or email (prefix match), or an exact ID, registration number or email.
    pub q: Option<String>,
    pub agent: Option<Uuid>,
    pub status: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spells_kinds_and_statuses_as_the_database_does() {
        for k in ClientKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in ClientStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
