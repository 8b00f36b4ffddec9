//! A company and its people, checked: every problem reported at once, by field path. The
//! checks read the input's words first (so the messages are the same whatever else is wrong)
//! and hand on enums.

use super::model::{CompanyInput, CompanyStatus, CompanyType, PersonInput, PersonRole};
use crate::error::{PracticeError, Problems};
use chrono::NaiveDate;
use comply360_domain::Jurisdiction;
use comply360_domain::identifiers::{
    CompanyName, RegistrationNumber, SaCompanyKind, SaIdNumber, ZwEntityKind,
};
use uuid::Uuid;

/// Checks a company name against the ending its type needs (FACTS.md s11(3)(c)).
pub fn check_name(name: &str, company_type: CompanyType) -> Result<String, String> {
    let parsed = match company_type {
        CompanyType::PrivateCompany => CompanyName::parse_sa(name, SaCompanyKind::Private),
        CompanyType::PublicCompany => CompanyName::parse_sa(name, SaCompanyKind::Public),
        CompanyType::NonProfitCompany => CompanyName::parse_sa(name, SaCompanyKind::NonProfit),
        CompanyType::PersonalLiabilityCompany => {
            CompanyName::parse_sa(name, SaCompanyKind::PersonalLiability)
        }
        CompanyType::StateOwnedCompany => CompanyName::parse_sa(name, SaCompanyKind::StateOwned),
        CompanyType::ZwPrivateLimited => CompanyName::parse_zw(name, ZwEntityKind::PrivateLimited),
        CompanyType::ZwPbc => CompanyName::parse_zw(name, ZwEntityKind::Pbc),
        // A close corporation's name ends in CC; FACTS.md gives no rule to check.
        CompanyType::CloseCorporation => return Ok(name.trim().to_owned()),
    };
    parsed
        .map(|n| n.as_str().to_owned())
        .map_err(|e| e.to_string())
}

fn words<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|v| text(*v)).collect::<Vec<_>>().join(", ")
}

pub(crate) fn check_person(p: &PersonInput, path: &str, today: NaiveDate, problems: &mut Problems) {
    if p.full_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        problems.add(
            &format!("{path}.full_name"),
            "the person's full name is required",
        );
    }
    match (&p.id_number, &p.passport_number) {
        (Some(id), _) => {
            if let Err(e) = SaIdNumber::parse(id, today) {
                problems.add(
                    &format!("{path}.id_number"),
                    format!("not a valid South African ID number: {e}"),
                );
            }
        }
        (None, Some(_)) if p.passport_country.is_none() => {
            problems.add(
                &format!("{path}.passport_country"),
                "give the passport's country (two letters)",
            );
        }
        (None, Some(_)) => {}
        (None, None) => problems.add(
            &format!("{path}.id_number"),
            "give an SA ID number or a passport number",
        ),
    }
    let roles = words(PersonRole::ALL, PersonRole::as_str);
    if p.roles.is_empty() {
        problems.add(
            &format!("{path}.roles"),
            format!("give at least one role: {roles}"),
        );
    }
    for r in &p.roles {
        if r.parse::<PersonRole>().is_err() {
            problems.add(
                &format!("{path}.roles"),
                format!("{r:?} is not a role; use {roles}"),
            );
        }
    }
    if p.ownership_basis_points
        .is_some_and(|b| !(0..=10_000).contains(&b))
    {
        problems.add(
            &format!("{path}.ownership_basis_points"),
            "must be 0 to 10000 (5% = 500)",
        );
    }
}

/// A company whose fields have been checked.
pub(crate) struct Valid {
    pub client_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub company_type: CompanyType,
    pub name: String,
    pub registration_number: Option<String>,
    pub status: CompanyStatus,
}

pub(crate) fn validate(c: &CompanyInput, today: NaiveDate) -> Result<Valid, PracticeError> {
    let mut p = Problems::default();
    if c.client_id.is_none() {
        p.add(
            "client_id",
            "the id of the client who holds the company is required",
        );
    }
    let type_text = c.company_type.clone().unwrap_or_default();
    let company_type = type_text.parse::<CompanyType>().ok();
    if company_type.is_none() {
        p.add(
            "company_type",
            format!(
                "must be one of {}",
                words(CompanyType::ALL, CompanyType::as_str)
            ),
        );
    }
    let zimbabwean = type_text.starts_with("zw_");
    let jurisdiction_text = c
        .jurisdiction
        .clone()
        .unwrap_or_else(|| if zimbabwean { "ZW" } else { "ZA" }.into());
    let jurisdiction = jurisdiction_text.parse::<Jurisdiction>().ok();
    if (jurisdiction == Some(Jurisdiction::Zimbabwe)) != zimbabwean || jurisdiction.is_none() {
        p.add(
            "jurisdiction",
            "must be ZA for South African company types and ZW for zw_* types",
        );
    }
    let name = match c.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => {
            p.add("name", "the company's name is required");
            String::new()
        }
        Some(n) => match company_type {
            Some(t) => check_name(n, t).unwrap_or_else(|e| {
                p.add("name", e);
                n.to_owned()
            }),
            None => n.to_owned(),
        },
    };
    let status = match c.status.as_deref() {
        None => Some(CompanyStatus::Registered),
        Some(s) => s.parse::<CompanyStatus>().ok(),
    };
    if status.is_none() {
        p.add("status", "must be proposed, registered or deregistered");
    }
    let registration_number = c
        .registration_number
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_uppercase);
    if let Some(r) = &registration_number
        && jurisdiction == Some(Jurisdiction::SouthAfrica)
        && let Err(e) = RegistrationNumber::parse(r, today)
    {
        p.add("registration_number", e.to_string());
    }
    if status == Some(CompanyStatus::Registered) && c.incorporated_on.is_none() {
        p.add("incorporated_on", "a registered company needs its incorporation date (the compliance calendar counts from it)");
    }
    if c.incorporated_on.is_some_and(|d| d > today) {
        p.add("incorporated_on", "cannot be in the future");
    }
    if c.financial_year_end.is_some_and(|m| !(1..=12).contains(&m)) {
        p.add("financial_year_end", "must be a month number 1 to 12");
    }
    for (field, v) in [
        ("annual_turnover_cents", c.annual_turnover_cents),
        ("taxable_supplies_cents", c.taxable_supplies_cents),
    ] {
        if v.is_some_and(|v| v < 0) {
            p.add(field, "must not be negative");
        }
    }
    for (i, person) in c.people.iter().enumerate() {
        check_person(person, &format!("people[{i}]"), today, &mut p);
    }
    p.finish("the company has invalid fields")?;
    let (Some(company_type), Some(jurisdiction), Some(status)) =
        (company_type, jurisdiction, status)
    else {
        // Each None added a problem above, so `finish` returned already.
        return Err(PracticeError::field("company_type", "unknown company type"));
    };
    Ok(Valid {
        client_id: c.client_id.unwrap_or_default(),
        jurisdiction,
        company_type,
        name,
        registration_number,
        status,
    })
}
