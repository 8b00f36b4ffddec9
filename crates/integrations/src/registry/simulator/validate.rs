//! Requests the simulator refuses to accept at all (HTTP 422), as opposed to requests it
//! accepts and then decides against (a refusal or rejection outcome). A registry's form would
//! not let these be submitted.

use super::rules::{self, CompanyTypeRule};
use crate::registry::{IncorporationRequest, NameReservationRequest};

pub fn reservation(request: &NameReservationRequest) -> Result<(), String> {
    let registry = rules::registry_rules(request.jurisdiction);
    let count = request.names.len();
    if count == 0 || count > registry.max_names {
        return Err(format!(
            "a {} name reservation lists 1 to {} names in order of preference; this one lists {count}",
            registry.registry, registry.max_names
        ));
    }
    if let Some(position) = request.names.iter().position(|n| n.trim().is_empty()) {
        return Err(format!(
            "name {} of the reservation is empty; remove it or fill it in",
            position + 1
        ));
    }
    reference(&request.applicant_reference)
}

pub fn incorporation(request: &IncorporationRequest) -> Result<&'static CompanyTypeRule, String> {
    let codes = rules::company_type_codes(request.jurisdiction);
    let rule = rules::company_type(&request.company_type)
        .filter(|rule| rule.jurisdiction == request.jurisdiction)
        .ok_or_else(|| {
            format!(
                "company type {:?} is not one the simulator files in {}; use one of: {}",
                request.company_type,
                request.jurisdiction,
                codes.join(", ")
            )
        })?;
    if request.directors.is_empty() {
        return Err(
            "an incorporation lists its directors (each incorporator is a first director); none were given"
                .to_owned(),
        );
    }
    if let Some(position) = request
        .directors
        .iter()
        .position(|d| d.full_name.trim().is_empty())
    {
        return Err(format!("director {} has no full name", position + 1));
    }
    if request.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(
            "the name is empty; leave it out to use the registration number as the name".to_owned(),
        );
    }
    reference(&request.applicant_reference)?;
    Ok(rule)
}

fn reference(reference: &str) -> Result<(), String> {
    if reference.trim().is_empty() {
        return Err(
            "applicant_reference is empty; send the registration id so the answer can be traced"
                .to_owned(),
        );
    }
    Ok(())
}
