//! Kinds of filing an agency prepares for its clients, and the jurisdictions they belong to.

use crate::text_enum;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Jurisdiction {
    #[serde(rename = "ZA")]
    SouthAfrica,
    #[serde(rename = "ZW")]
    Zimbabwe,
}

text_enum!(Jurisdiction, "jurisdiction", {
    SouthAfrica => "ZA", Zimbabwe => "ZW",
});

/// The registration types the tenant schema accepts (`registrations.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    ZaNameReservation,
    ZaPrivateCompany,
    ZaNonProfitCompany,
    ZaVatRegistration,
    ZaBeneficialOwnership,
    ZaAnnualReturn,
    /// Refused for new registrations since 1 May 2011; kept so the refusal can say why.
    ZaCloseCorporation,
    ZwPrivateLimited,
    ZwPbc,
    ZwReRegistration,
}

text_enum!(RegistrationKind, "registration kind", {
    ZaNameReservation => "za_name_reservation",
    ZaPrivateCompany => "za_private_company",
    ZaNonProfitCompany => "za_non_profit_company",
    ZaVatRegistration => "za_vat_registration",
    ZaBeneficialOwnership => "za_beneficial_ownership",
    ZaAnnualReturn => "za_annual_return",
    ZaCloseCorporation => "za_close_corporation",
    ZwPrivateLimited => "zw_private_limited",
    ZwPbc => "zw_pbc",
    ZwReRegistration => "zw_re_registration",
});

impl RegistrationKind {
    pub fn jurisdiction(self) -> Jurisdiction {
        if self.as_str().starts_with("zw_") {
            Jurisdiction::Zimbabwe
        } else {
            Jurisdiction::SouthAfrica
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_know_their_jurisdiction() {
        assert_eq!(
            "zw_pbc".parse::<RegistrationKind>().unwrap().jurisdiction(),
            Jurisdiction::Zimbabwe
        );
        assert_eq!(
            RegistrationKind::ZaVatRegistration.jurisdiction().as_str(),
            "ZA"
        );
        let err = "za_cc".parse::<RegistrationKind>().unwrap_err().to_string();
        assert!(err.contains("za_private_company"), "{err}");
    }

    #[test]
    fn json_spells_every_value_as_the_database_does() {
        for k in RegistrationKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for j in Jurisdiction::ALL {
            assert_eq!(serde_json::to_value(j).unwrap(), j.as_str());
        }
    }
}
