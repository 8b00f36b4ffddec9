//! What the registry said, checked and shaped into the record kept on the registration:
//! pure, so the manual path (an agent typing it in) and the gateway's answers share it.

use crate::companies::{CompanyInput, CompanyStatus, PersonInput};
use crate::error::{PracticeError, Problems};
use crate::registration_types::{Operation, RegistrationType};
use crate::registrations::Registration;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use comply360_domain::Jurisdiction;
use comply360_domain::identifiers::RegistrationNumber;
use comply360_domain::rules;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    /// The registry's reference for the filing (e.g. the CoR 9.4's reservation number).
    pub reference: Option<String>,
    /// The registry's document, e.g. "CoR 14.3"; defaults to the type's.
    pub document: Option<String>,
    pub registration_number: Option<String>,
    pub reserved_name: Option<String>,
    pub reservation_number: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub certificate: Option<Attachment>,
    pub reason: Option<String>,
    /// The company's name as registered (incorporations; defaults to the name filed).
    pub name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    /// The file, base64-encoded.
    pub content_base64: String,
}

pub struct Approved {
    pub record: Value,
    pub reference: Option<String>,
    pub certificate: Option<(String, String, Vec<u8>)>,
}

fn names_filed(r: &Registration) -> Vec<String> {
    let from = |step: &str, field: &str| -> Vec<String> {
        r.steps
            .get(step)
            .and_then(|s| s.get(field))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut names = from("names", "names");
    names.extend(from("company_name", "names"));
    names.extend(from("company_name", "alternatives"));
    if let Some(n) = r
        .steps
        .get("company_name")
        .and_then(|s| s.get("reserved_name"))
        .and_then(Value::as_str)
    {
        names.insert(0, n.to_owned());
    }
    names
}

pub(super) fn decode(
    a: &Attachment,
    path: &str,
    p: &mut Problems,
) -> Option<(String, String, Vec<u8>)> {
    match STANDARD.decode(a.content_base64.trim()) {
        Ok(bytes) if !bytes.is_empty() && bytes.len() <= 10 * 1024 * 1024 => {
            Some((a.file_name.clone(), a.content_type.clone(), bytes))
        }
        Ok(_) => {
            p.add(
                &format!("{path}.content_base64"),
                "the file must be between 1 byte and 10 MiB",
            );
            None
        }
        Err(_) => {
            p.add(
                &format!("{path}.content_base64"),
                "must be the file's bytes in base64",
            );
            None
        }
    }
}

/// Checks what an approval must carry for this type, and builds the record.
pub fn for_approval(
    ty: &RegistrationType,
    r: &Registration,
    input: Option<&OutcomeInput>,
    today: NaiveDate,
) -> Result<Approved, PracticeError> {
    let empty = OutcomeInput::default();
    let o = input.unwrap_or(&empty);
    let mut p = Problems::default();
    let document = o.document.clone().or_else(|| ty.outcome_document.clone());
    let decided_on = o.decided_on.unwrap_or(today);
    let certificate = o
        .certificate
        .as_ref()
        .and_then(|a| decode(a, "outcome.certificate", &mut p));
    let record = match ty.operation {
        Operation::NameReservation => {
            let filed = names_filed(r);
            let reserved = o
                .reserved_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            match reserved {
                None => p.add(
                    "outcome.reserved_name",
                    "which of the names filed was reserved (from the CoR 9.4)",
                ),
                Some(n) if !filed.iter().any(|f| f.eq_ignore_ascii_case(n)) => p.add(
                    "outcome.reserved_name",
                    format!("{n:?} is not one of the names filed: {}", filed.join("; ")),
                ),
                Some(_) => {}
            }
            if o.reservation_number
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
            {
                p.add(
                    "outcome.reservation_number",
                    "the reservation number on the CoR 9.4 is required",
                );
            }
            let applied_on = r.submitted_at.map(|t| t.date_naive()).unwrap_or(today);
            let expires_on = o
                .expires_on
                .or_else(|| rules::name_reservation_expiry(applied_on).ok());
            json!({
                "document": document, "reserved_name": reserved, "reservation_number": o.reservation_number,
                "applied_on": applied_on, "expires_on": expires_on, "decided_on": decided_on,
            })
        }
        Operation::Incorporation => {
            let number = o
                .registration_number
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            match number {
                None => p.add(
                    "outcome.registration_number",
                    "the registration number on the certificate is required",
                ),
                Some(n) if r.jurisdiction == Jurisdiction::SouthAfrica => {
                    if let Err(e) = RegistrationNumber::parse(n, today) {
                        p.add("outcome.registration_number", e.to_string());
                    }
                }
                Some(_) => {}
            }
            let name = o.name.clone().or_else(|| names_filed(r).into_iter().next());
            json!({
                "document": document, "registration_number": number, "name": name,
                "decided_on": decided_on, "reference": o.reference,
            })
        }
        _ => {
            if o.reference.as_deref().is_none_or(|n| n.trim().is_empty()) {
                p.add(
                    "outcome.reference",
                    "the registry's reference for this filing is required",
                );
            }
            json!({"document": document, "reference": o.reference, "decided_on": decided_on})
        }
    };
    p.finish("the outcome is incomplete")?;
    let reference = o
        .reference
        .clone()
        .or_else(|| o.reservation_number.clone())
        .or_else(|| o.registration_number.clone());
    Ok(Approved {
        record,
        reference,
        certificate,
    })
}

pub fn for_rejection(ty: &RegistrationType, input: Option<&OutcomeInput>, note: &str) -> Value {
    json!({
        "document": input.and_then(|o| o.document.clone()).or_else(|| ty.refusal_document.clone()),
        "reason": input.and_then(|o| o.reason.clone()).unwrap_or_else(|| note.trim().to_owned()),
        "reference": input.and_then(|o| o.reference.clone()),
    })
}

fn people_from(r: &Registration) -> Vec<PersonInput> {
    let mut people: Vec<PersonInput> = Vec::new();
    for (step, field, default_roles) in [
        ("directors", "directors", vec!["director", "incorporator"]),
        ("members", "members", vec!["member", "director"]),
        ("shareholders", "shareholders", vec!["shareholder"]),
    ] {
        let Some(items) = r
            .steps
            .get(step)
            .and_then(|s| s.get(field))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for item in items {
            let mut p: PersonInput = serde_json::from_value(json!({
                "full_name": item.get("full_name"), "id_number": item.get("id_number"),
                "passport_number": item.get("passport_number"), "passport_country": item.get("passport_country"),
                "email": item.get("email"), "phone": item.get("phone"), "shares": item.get("shares"),
            }))
            .unwrap_or_default();
            p.roles = match item.get("roles").and_then(Value::as_array) {
                Some(r) => r
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                None => default_roles.iter().map(|s| (*s).to_owned()).collect(),
            };
            // The same person as director and shareholder is one person with both roles.
            let same = people
                .iter_mut()
                .find(|q| q.id_number.is_some() && q.id_number == p.id_number);
            match same {
                Some(q) => {
                    for role in p.roles {
                        if !q.roles.contains(&role) {
                            q.roles.push(role);
                        }
                    }
                    q.shares = q.shares.or(p.shares);
                }
                None => people.push(p),
            }
        }
    }
    people
}

/// The registration number the approval recorded.
pub(super) fn registration_number(r: &Registration) -> Option<String> {
    r.outcome
        .as_ref()
        .and_then(|o| o.get("registration_number"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The company an approved incorporation creates: the name and number the registry gave
/// (or the first name filed), incorporated on the day it decided, with the wizard's people.
pub(super) fn incorporated_company(
    ty: &RegistrationType,
    r: &Registration,
    today: NaiveDate,
) -> CompanyInput {
    let outcome = r.outcome.clone().unwrap_or_default();
    let number = registration_number(r);
    let name = outcome
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| names_filed(r).into_iter().next().unwrap_or_default());
    let name = if name.is_empty() {
        number.clone().unwrap_or_default()
    } else {
        name
    };
    let incorporated_on = outcome
        .get("decided_on")
        .and_then(Value::as_str)
        .and_then(|d| d.parse().ok())
        .unwrap_or(today);
    let details = r.steps.get("company_details");
    CompanyInput {
        client_id: Some(r.client_id),
        jurisdiction: Some(r.jurisdiction.as_str().to_owned()),
        company_type: ty.company_type.map(|t| t.as_str().to_owned()),
        name: Some(name),
        registration_number: number,
        status: Some(CompanyStatus::Registered.as_str().to_owned()),
        incorporated_on: Some(incorporated_on),
        financial_year_end: details
            .and_then(|d| d.get("financial_year_end"))
            .and_then(Value::as_i64)
            .and_then(|m| i16::try_from(m).ok()),
        registered_address: details.and_then(|d| d.get("registered_address")).cloned(),
        agent_id: r.agent_id,
        people: people_from(r),
        ..Default::default()
    }
}
