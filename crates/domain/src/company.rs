//! The legal forms of company an agency's clients hold (`companies.company_type`).

use crate::registration::Jurisdiction;
use crate::text_enum;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
        let err = "llc".parse::<CompanyType>().unwrap_err().to_string();
        assert!(err.contains("close_corporation"), "{err}");
    }
}
