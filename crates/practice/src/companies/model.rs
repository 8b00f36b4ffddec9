//! A company as stored and answered (with its people), what a caller sends to create one or
//! add a person, and the list's filter.

use chrono::{DateTime, NaiveDate, Utc};
pub use comply360_domain::{CompanyType, PersonRole};
use comply360_domain::{Jurisdiction, text_enum};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// `companies.status`: proposed (being registered), registered, deregistered. Only a
/// registered company has a compliance calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompanyStatus {
    Proposed,
    Registered,
    Deregistered,
}

text_enum!(CompanyStatus, "company status", {
    Proposed => "proposed",
    Registered => "registered",
    Deregistered => "deregistered",
});

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    pub client_id: Option<Uuid>,
    pub jurisdiction: Option<String>,
    pub company_type: Option<String>,
    pub name: Option<String>,
    pub registration_number: Option<String>,
    pub status: Option<String>,
    pub incorporated_on: Option<NaiveDate>,
    pub financial_year_end: Option<i16>,
    pub registered_address: Option<Value>,
    pub annual_turnover_cents: Option<i64>,
    pub taxable_supplies_cents: Option<i64>,
    pub vat_number: Option<String>,
    pub tax_reference: Option<String>,
    pub agent_id: Option<Uuid>,
    #[serde(default)]
    pub people: Vec<PersonInput>,
}

/// A person as given. `roles` stay words until checked, so an unknown role is a field error
/// that names the roles, not a body that fails to parse.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub full_name: Option<String>,
    pub id_number: Option<String>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub shares: Option<i64>,
    pub ownership_basis_points: Option<i32>,
    pub appointed_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: Uuid,
    pub full_name: String,
    pub id_number: Option<String>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub roles: Vec<PersonRole>,
    pub shares: Option<i64>,
    pub ownership_basis_points: Option<i32>,
    pub appointed_on: Option<NaiveDate>,
    pub resigned_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Company {
    pub id: Uuid,
    pub client_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub company_type: CompanyType,
    pub name: String,
    pub registration_number: Option<String>,
    pub status: CompanyStatus,
    pub incorporated_on: Option<NaiveDate>,
    pub financial_year_end: Option<i16>,
    pub registered_address: Value,
    pub annual_turnover_cents: Option<i64>,
    pub taxable_supplies_cents: Option<i64>,
    pub vat_number: Option<String>,
    pub tax_reference: Option<String>,
    pub agent_id: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub people: Vec<Person>,
}

/// What the compliance calendar and a filing's validation need to know of a company.
#[derive(Clone, Debug)]
pub struct CompanyFacts {
    pub client_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub jurisdiction: Jurisdiction,
    pub company_type: CompanyType,
    pub status: CompanyStatus,
    pub incorporated_on: Option<NaiveDate>,
    pub taxable_supplies_cents: Option<i64>,
    pub vat_number: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CompanyFilter {
    pub q: Option<String>,
    pub client_id: Option<Uuid>,
    pub agent: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spells_statuses_as_the_database_does() {
        for s in CompanyStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
