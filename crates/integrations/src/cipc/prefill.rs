//! [`CipcClient::prefill`]: everything CIPC knows about a company, merged into what a client
//! record needs, so an agent types an enterprise number instead of a profile.

use super::client::CipcClient;
use super::error::CipcError;
use super::model::{BeneficialOwnershipRegister, DirectorRecord, FilingRecord};
use chrono::{NaiveDate, Utc};
use comply360_domain::identifiers::RegistrationNumber;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CompanyPrefill {
    /// As asked for (with the K prefix when it was given).
    pub enterprise_number: String,
    /// `YYYY/NNNNNN/NN`, without the prefix.
    pub registration_number: String,
    pub name: Option<String>,
    /// CIPC's description, or else what the number's type code is commonly read as.
    pub company_type: Option<String>,
    pub status: Option<String>,
    pub registration_date: Option<NaiveDate>,
    pub registered_address: Option<String>,
    /// Current directors only (resigned ones are left out).
    pub directors: Vec<PrefillDirector>,
    pub filings: Vec<PrefillFiling>,
    /// Natural persons in the beneficial-ownership register.
    pub beneficial_owners: Vec<PrefillBeneficialOwner>,
    /// What the register says the company is, e.g. "NON-AFFECTED COMPANY WITH BENEFICIAL
    /// OWNERSHIP".
    pub beneficial_ownership_company_type: Option<String>,
    /// Things a person should look at: missing sections, unconfirmed type codes.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PrefillDirector {
    pub full_name: Option<String>,
    pub id_number: Option<String>,
    pub appointed_on: Option<NaiveDate>,
    pub role: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PrefillFiling {
    pub kind: Option<String>,
    pub filed_on: Option<NaiveDate>,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PrefillBeneficialOwner {
    pub full_name: Option<String>,
}

impl CipcClient {
    /// The profile, directors, filing history and beneficial-ownership register of
    /// `enterprise_number`, fetched together and merged. The profile is required (its 404 is
    /// [`CipcError::NotFound`]); a missing directors, filings or register section becomes a
    /// warning. Any other failure fails the whole prefill, so a retry starts clean.
    pub async fn prefill(&self, enterprise_number: &str) -> Result<CompanyPrefill, CipcError> {
        let number = RegistrationNumber::parse(enterprise_number, Utc::now().date_naive())
            .map_err(|reason| CipcError::InvalidEnterpriseNumber {
                given: enterprise_number.to_owned(),
                reason,
            })?;
        let (profile, directors, filings, register) = tokio::join!(
            self.company_profile(enterprise_number),
            self.directors(enterprise_number),
            self.filing_history(enterprise_number),
            self.beneficial_ownership(enterprise_number),
        );
        let profile = profile?;
        let mut warnings = number.warnings();
        let directors = optional(directors, "directors", &mut warnings)?;
        let filings = optional(filings, "filing history", &mut warnings)?;
        let register = optional(register, "beneficial-ownership register", &mut warnings)?;

        let registration_number = profile
            .enterprise_number
            .as_deref()
            .and_then(|n| RegistrationNumber::parse(n, Utc::now().date_naive()).ok())
            .unwrap_or_else(|| number.clone())
            .registration_number();
        if registration_number != number.registration_number() {
            warnings.push(format!(
                "CIPC's profile is for {registration_number}, not {}; check the number",
                number.registration_number()
            ));
        }
        Ok(CompanyPrefill {
            enterprise_number: number.to_string(),
            registration_number,
            name: profile.name,
            company_type: profile
                .company_type
                .or_else(|| Some(number.company_type().as_str().replace('_', " "))),
            status: profile.status,
            registration_date: profile.registration_date,
            registered_address: profile.registered_address,
            directors: directors
                .unwrap_or_default()
                .into_iter()
                .filter(DirectorRecord::is_current)
                .map(|d| PrefillDirector {
                    full_name: d.full_name,
                    id_number: d.id_number,
                    appointed_on: d.appointed_on,
                    role: d.role,
                })
                .collect(),
            filings: filings
                .unwrap_or_default()
                .into_iter()
                .map(|f: FilingRecord| PrefillFiling {
                    kind: f.kind,
                    filed_on: f.filed_on,
                    reference: f.reference,
                })
                .collect(),
            beneficial_ownership_company_type: register
                .as_ref()
                .and_then(BeneficialOwnershipRegister::company_type)
                .map(str::to_owned),
            beneficial_owners: register
                .iter()
                .flat_map(BeneficialOwnershipRegister::people)
                .map(|person| PrefillBeneficialOwner {
                    full_name: person.name.clone(),
                })
                .collect(),
            warnings,
        })
    }
}

/// A section that may be missing: its 404 becomes a warning, other errors stay errors.
fn optional<T>(
    result: Result<T, CipcError>,
    section: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<T>, CipcError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(CipcError::NotFound { .. }) => {
            warnings.push(format!(
                "CIPC has no {section} for this company; fill it in by hand"
            ));
            Ok(None)
        }
        Err(other) => Err(other),
    }
}
