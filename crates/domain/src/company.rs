//! The legal forms of company an agency's clients hold (`companies.company_type`), and what
//! a person can be to a company (`company_people.roles`).

use crate::registration::Jurisdiction;
use crate::text_enum;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompanyType {
    PrivateCompany,
    PublicCompany,
    NonProfitCompany,
    PersonalLiabilityCompany,
    StateOwnedCompany,
    CloseCorporation,
    ZwPrivateLimited,
    ZwPbc,
}

text_enum!(CompanyType, "company type", {
    PrivateCompany => "private_company",
    PublicCompany => "public_company",
    NonProfitCompany => "non_profit_company",
    PersonalLiabilityCompany => "personal_liability_company",
    StateOwnedCompany => "state_owned_company",
    CloseCorporation => "close_corporation",
    ZwPrivateLimited => "zw_private_limited",
    ZwPbc => "zw_pbc",
});

impl CompanyType {
    pub fn jurisdiction(self) -> Jurisdiction {
        match self {
            CompanyType::ZwPrivateLimited | CompanyType::ZwPbc => Jurisdiction::Zimbabwe,
            _ => Jurisdiction::SouthAfrica,
        }
    }
}

/// What a person is to a company (`company_people.roles`, one or more).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Director,
    Member,
    Shareholder,
    Incorporator,
    Secretary,
    BeneficialOwner,
}

text_enum!(PersonRole, "role", {
    Director => "director",
    Member => "member",
    Shareholder => "shareholder",
    Incorporator => "incorporator",
    Secretary => "secretary",
    BeneficialOwner => "beneficial_owner",
});

impl PersonRole {
    /// Whether a person gaining or losing this role changes the company's beneficial
    /// ownership (and so opens a BO filing).
    pub fn concerns_ownership(self) -> bool {
        matches!(self, PersonRole::BeneficialOwner | PersonRole::Shareholder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_text_agree_and_zimbabwean_types_say_so() {
        for t in CompanyType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(t.as_str().parse::<CompanyType>().unwrap(), *t);
            assert_eq!(
                t.jurisdiction() == Jurisdiction::Zimbabwe,
                t.as_str().starts_with("zw_")
            );
        }
        for r in PersonRole::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        let err = "llc".parse::<CompanyType>().unwrap_err().to_string();
        assert!(err.contains("close_corporation"), "{err}");
    }
}
