//! A client as given (an API body, a CSV row) and the one parser that checks it, so the API
//! and the import refuse the same things with the same words.

use super::model::{ClientKind, ValidClient};
use crate::error::{PracticeError, Problems};
use crate::registration_types::Issue;
use chrono::NaiveDate;
use comply360_domain::contact::{EmailAddress, PhoneNumber, Region};
use comply360_domain::identifiers::{IncomeTaxReference, RegistrationNumber, SaIdNumber};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// A client as given (API body, CSV row): every field optional, checked by [`parse`].
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub kind: Option<String>,
    pub display_name: Option<String>,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_reference: Option<String>,
    pub address: Option<Value>,
    pub notes: Option<String>,
    pub assigned_agent_id: Option<Uuid>,
    pub external_ref: Option<String>,
}

pub(crate) fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ClientInput {
    /// Checks every field and reports every problem, by field name.
    pub fn parse(&self, today: NaiveDate) -> Result<ValidClient, Vec<Issue>> {
        let mut p = Problems::default();
        let kind = match given(&self.kind).as_deref() {
            Some("person") | None => ClientKind::Person,
            Some("organisation") | Some("organization") => ClientKind::Organisation,
            Some(other) => {
                p.add(
                    "kind",
                    format!("{other:?} is not a kind of client; use person or organisation"),
                );
                ClientKind::Person
            }
        };
        let first_names = given(&self.first_names);
        let surname = given(&self.surname);
        let display_name = given(&self.display_name).or_else(|| match (&first_names, &surname) {
            (Some(f), Some(s)) => Some(format!("{f} {s}")),
            (Some(n), None) | (None, Some(n)) => Some(n.clone()),
            _ => None,
        });
        match &display_name {
            None if kind == ClientKind::Person => p.add(
                "display_name",
                "give the client's name (display_name, or first_names and surname)",
            ),
            None => p.add("display_name", "give the organisation's name"),
            Some(n) if n.chars().count() > 300 => {
                p.add("display_name", "must be at most 300 characters")
            }
            _ => {}
        }
        let email = given(&self.email).and_then(|e| match EmailAddress::parse(&e) {
            Ok(e) => Some(e.to_string()),
            Err(err) => {
                p.add("email", err.to_string());
                None
            }
        });
        let phone =
            given(&self.phone).and_then(|t| match PhoneNumber::parse(&t, Region::SouthAfrica) {
                Ok(n) => Some(n.as_e164().to_owned()),
                Err(err) => {
                    p.add("phone", err.to_string());
                    None
                }
            });
        let mut date_of_birth = None;
        let id_number = given(&self.id_number).and_then(|t| match SaIdNumber::parse(&t, today) {
            Ok(id) => {
                date_of_birth = Some(id.date_of_birth());
                Some(id.as_str().to_owned())
            }
            Err(err) => {
                p.add(
                    "id_number",
                    format!("not a valid South African ID number: {err}"),
                );
                None
            }
        });
        if id_number.is_some() && kind == ClientKind::Organisation {
            p.add(
                "id_number",
                "an organisation has a registration number, not an ID number",
            );
        }
        let passport_number = given(&self.passport_number);
        let passport_country = given(&self.passport_country).map(|c| c.to_uppercase());
        if let Some(c) = &passport_country
            && !(c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()))
        {
            p.add(
                "passport_country",
                "must be a two-letter ISO 3166 country code, e.g. ZW",
            );
        }
        if passport_number.is_some() && passport_country.is_none() {
            p.add(
                "passport_country",
                "give the country that issued the passport (two letters, e.g. ZW)",
            );
        }
        let registration_number = given(&self.registration_number).and_then(|t| {
            match RegistrationNumber::parse(&t, today) {
                Ok(_) => Some(t.to_uppercase()),
                Err(err) => {
                    p.add("registration_number", err.to_string());
                    None
                }
            }
        });
        let tax_reference =
            given(&self.tax_reference).and_then(|t| match IncomeTaxReference::parse(&t) {
                Ok(_) => Some(t.split_whitespace().collect()),
                Err(err) => {
                    p.add("tax_reference", err.to_string());
                    None
                }
            });
        let address = match &self.address {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => {
                p.add(
                    "address",
                    "must be an object (line1, line2, city, postal_code, province, country)",
                );
                json!({})
            }
        };
        let notes = given(&self.notes).unwrap_or_default();
        if notes.chars().count() > 5000 {
            p.add("notes", "must be at most 5000 characters");
        }
        if !p.0.is_empty() {
            return Err(p.0);
        }
        Ok(ValidClient {
            kind,
            display_name: display_name.unwrap_or_default(),
            first_names,
            surname,
            email,
            phone,
            id_number,
            date_of_birth,
            passport_number,
            passport_country,
            registration_number,
            tax_reference,
            address,
            notes,
            assigned_agent_id: self.assigned_agent_id,
            external_ref: given(&self.external_ref),
        })
    }

    /// `self` with the fields present in `patch` (a JSON object) replaced; `null` clears.
    pub fn patched(&self, patch: &Value) -> Result<ClientInput, PracticeError> {
        let mut current =
            serde_json::to_value(self).map_err(|e| PracticeError::field("body", e.to_string()))?;
        let (Some(obj), Some(changes)) = (current.as_object_mut(), patch.as_object()) else {
            return Err(PracticeError::field(
                "body",
                "must be a JSON object of the fields to change",
            ));
        };
        for (k, v) in changes {
            obj.insert(k.clone(), v.clone());
        }
        serde_json::from_value(current).map_err(|e| PracticeError::field("body", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn a_person_is_parsed_with_every_problem_reported() {
        let ok = ClientInput {
            first_names: Some("Thandi".into()),
            surname: Some("Nkosi".into()),
            id_number: Some("8506150123089".into()),
            email: Some("thandi@example.co.za".into()),
            phone: Some("082 123 4567".into()),
            ..Default::default()
        }
        .parse(today())
        .unwrap();
        assert_eq!(ok.display_name, "Thandi Nkosi");
        assert_eq!(ok.date_of_birth, NaiveDate::from_ymd_opt(1985, 6, 15));
        assert_eq!(ok.phone.as_deref(), Some("+27821234567"));

        let bad = ClientInput {
            kind: Some("robot".into()),
            id_number: Some("8001015009088".into()),
            email: Some("not-an-email".into()),
            tax_reference: Some("2449494160".into()),
            ..Default::default()
        }
        .parse(today())
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "display_name",
                "email",
                "id_number",
                "tax_reference"
            ]
        );
    }
}
