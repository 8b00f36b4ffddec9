//! The companies the stand-in knows, in the PascalCase shape of CIPC data samples
//! (`"EnterpriseNumber":"K2015/255566/07"`, `CompanyTypeCode "07"`, FACTS.md section 1).
//! Names, people and addresses are invented; only the two enterprise numbers and the
//! beneficial-ownership register of 2013/187505/07 come from FACTS.md.

use serde_json::{Value, json};

pub struct Fixture {
    /// Without the enterprise prefix.
    pub registration_number: &'static str,
    pub profile: Value,
    pub directors: Value,
    pub filings: Value,
    /// None answers 404, as for a company that has not filed its register.
    pub beneficial_ownership: Option<Value>,
}

/// The beneficial-ownership register exactly as FACTS.md quotes it; its `links` are elided
/// there ("…"), so the stand-in sends a plausible self link.
pub fn facts_bo_register() -> Value {
    json!({
        "register": [{
            "statementtype": "entityStatement",
            "legal_entity_type": "Private Company",
            "company_type": "NON-AFFECTED COMPANY WITH BENEFICIAL OWNERSHIP",
            "identifiers": [{"registration authority": "ZA-CIPC", "enterprise_number": "2013/187505/07"}]
        }],
        "links": [{"rel": "self", "href": "/sandbox/boreg/enterprise/register/2013%2F187505%2F07"}]
    })
}

pub fn all() -> Vec<Fixture> {
    vec![
        Fixture {
            registration_number: "2015/255566/07",
            profile: json!({
                "EnterpriseNumber": "K2015/255566/07",
                "EnterpriseName": "Karoo Sunlight Traders (Pty) Ltd",
                "CompanyTypeCode": "07",
                "EnterpriseTypeDescription": "Private Company",
                "EnterpriseStatusDescription": "In Business",
                "RegistrationDate": "2015-08-14T00:00:00",
                "RegisteredAddress": {
                    "AddressLine1": "12 Long Street",
                    "AddressLine2": "Cape Town",
                    "PostalCode": "8001"
                },
                "TaxNumber": null,
                "FinancialYearEnd": "February"
            }),
            directors: json!({"Directors": [
                {
                    "FirstNames": "Thandiwe",
                    "Surname": "Mokoena",
                    "IdNumber": "8506150123089",
                    "AppointmentDate": "2015-08-14",
                    "DirectorTypeDescription": "Director",
                    "DirectorStatusDescription": "Active"
                },
                {
                    "FirstNames": "Pieter",
                    "Surname": "van der Merwe",
                    "IdNumber": "8001015009087",
                    "AppointmentDate": "2018-03-01",
                    "DirectorTypeDescription": "Director",
                    "DirectorStatusDescription": "Active"
                },
                {
                    "FirstNames": "Sipho",
                    "Surname": "Dlamini",
                    "IdNumber": "7503305044089",
                    "AppointmentDate": "2015-08-14",
                    "ResignationDate": "2019-02-28",
                    "DirectorTypeDescription": "Director",
                    "DirectorStatusDescription": "Resigned"
                }
            ]}),
            filings: json!({"FilingHistory": [
                {"FilingType": "Annual Return 2024", "FilingDate": "2024-09-20", "TrackingNumber": "9011223344"},
                {"FilingType": "Beneficial Ownership Filing", "FilingDate": "2024-05-10", "TrackingNumber": "9011220001"},
                {"FilingType": "Change of Directors (CoR 39)", "FilingDate": "2019-03-05", "TrackingNumber": "9010000077"}
            ]}),
            beneficial_ownership: Some(json!({
                "register": [
                    {
                        "statementtype": "entityStatement",
                        "legal_entity_type": "Private Company",
                        "company_type": "NON-AFFECTED COMPANY WITH BENEFICIAL OWNERSHIP",
                        "identifiers": [{"registration authority": "ZA-CIPC", "enterprise_number": "2015/255566/07"}]
                    },
                    {
                        "statementtype": "personStatement",
                        "names": [{"fullName": "Thandiwe Mokoena"}],
                        "nationalities": ["ZA"]
                    },
                    {
                        "statementtype": "ownershipOrControlStatement",
                        "interests": [{"type": "shareholding", "share": {"exact": 60}}]
                    }
                ],
                "links": [{"rel": "self", "href": "/sandbox/boreg/enterprise/register/2015%2F255566%2F07"}]
            })),
        },
        Fixture {
            registration_number: "2013/187505/07",
            profile: json!({
                "EnterpriseNumber": "K2013/187505/07",
                "EnterpriseName": "Umhlanga Ridge Consulting (Pty) Ltd",
                "CompanyTypeCode": "07",
                "EnterpriseTypeDescription": "Private Company",
                "EnterpriseStatusDescription": "In Business",
                "RegistrationDate": "2013-10-02T00:00:00",
                "RegisteredAddress": "4 Palm Boulevard, Umhlanga, 4319"
            }),
            directors: json!({"Directors": [{
                "FullName": "Nomvula Zulu",
                "IdNumber": "9512314999181",
                "AppointmentDate": "2013-10-02",
                "DirectorTypeDescription": "Director",
                "DirectorStatusDescription": "Active"
            }]}),
            filings: json!({"FilingHistory": []}),
            beneficial_ownership: Some(facts_bo_register()),
        },
    ]
}
