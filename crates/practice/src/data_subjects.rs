//! A data subject's records in the practice (POPIA s23 access, s24 correction and deletion):
//! the clients, company people rows and registrations that hold one person's ID or passport
//! number, and the de-identification of what a data subject's erasure reaches once retention
//! is over: a client record, a company's people row, and the person's entries in a closed
//! registration's wizard data.
//! The documents capability (`comply360_documents::subject_rights`) builds the export and the
//! erasure on these.

use crate::clients::{Client, Contact};
use crate::companies::Person;
use crate::registrations::Registration;
use crate::{PracticeError, clients, companies, registrations};
use chrono::{DateTime, Utc};
use comply360_store::TenantTx;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// One person's number: an SA ID number (13 digits) or a passport number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identifier {
    IdNumber(String),
    Passport(String),
}

impl Identifier {
    /// The number as stored.
    pub fn number(&self) -> &str {
        match self {
            Identifier::IdNumber(n) | Identifier::Passport(n) => n,
        }
    }
    fn parts(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Identifier::IdNumber(n) => (Some(n), None),
            Identifier::Passport(n) => (None, Some(n)),
        }
    }
}

/// A client record of the person, with its contacts and when the relationship ended.
#[derive(Clone, Debug, Serialize)]
pub struct ClientRecord {
    pub client: Client,
    pub contacts: Vec<Contact>,
    pub relationship_ended_at: Option<DateTime<Utc>>,
}

/// A company's people row of the person, with the company it is in.
#[derive(Clone, Debug, Serialize)]
pub struct PersonRecord {
    pub person: Person,
    pub company_id: Uuid,
    pub company_name: String,
    pub client_id: Uuid,
}

/// What the practice holds about one person.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectRecords {
    pub clients: Vec<ClientRecord>,
    pub people: Vec<PersonRecord>,
    pub registrations: Vec<Registration>,
}

/// Finds the person's records. With `client`, only that client's record is taken as theirs
/// (it must hold the number); people rows and registrations naming the number are found
/// wherever they are.
pub async fn records(
    tx: &mut TenantTx,
    who: &Identifier,
    client: Option<Uuid>,
) -> Result<SubjectRecords, PracticeError> {
    let (id_number, passport) = who.parts();
    let mut found = clients::repo::with_identifier(tx, id_number, passport).await?;
    if let Some(only) = client {
        found.retain(|(c, _)| c.id == only);
        if found.is_empty() {
            return Err(PracticeError::NotFound("client"));
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for (c, ended) in found {
        let contacts = clients::repo::contacts(tx, c.id).await?;
        out.push(ClientRecord {
            client: c,
            contacts,
            relationship_ended_at: ended,
        });
    }
    let people = companies::repo::people_with_identifier(tx, id_number, passport)
        .await?
        .into_iter()
        .map(
            |(person, company_id, company_name, client_id)| PersonRecord {
                person,
                company_id,
                company_name,
                client_id,
            },
        )
        .collect();
    let ids: Vec<Uuid> = out.iter().map(|c| c.client.id).collect();
    let regs = registrations::repo::of_clients_or_naming(tx, &ids, who.number()).await?;
    Ok(SubjectRecords {
        clients: out,
        people,
        registrations: regs,
    })
}

/// When the client's relationship ended (`None` while it runs), locking the row for the
/// caller's transaction; not found in this agency is an error.
pub async fn relationship_ended(
    tx: &mut TenantTx,
    client: Uuid,
) -> Result<Option<DateTime<Utc>>, PracticeError> {
    clients::repo::relationship_ended_for_update(tx, client)
        .await?
        .ok_or(PracticeError::NotFound("client"))
}

/// De-identifies a client whose relationship ended (see `clients::repo::deidentify`); a
/// client whose relationship runs is refused.
pub async fn deidentify_client(tx: &mut TenantTx, client: Uuid) -> Result<(), PracticeError> {
    if relationship_ended(tx, client).await?.is_none() {
        return Err(PracticeError::Conflict {
            code: "relationship_active",
            detail: "the relationship with this client has not ended".into(),
        });
    }
    clients::repo::deidentify(tx, client).await?;
    Ok(())
}

/// De-identifies a company's people row (`companies::repo::deidentify_person`): name, numbers
/// and contact details removed, roles, shares and dates kept. Refused while the relationship
/// with the company's client runs; whether the row changed.
pub async fn deidentify_person(
    tx: &mut TenantTx,
    person: Uuid,
    client: Uuid,
) -> Result<bool, PracticeError> {
    if relationship_ended(tx, client).await?.is_none() {
        return Err(PracticeError::Conflict {
            code: "relationship_active",
            detail: "the relationship with this company's client has not ended".into(),
        });
    }
    Ok(companies::repo::deidentify_person(tx, person).await?)
}

/// Removes the person from a closed registration: in its wizard data and its outcome, each
/// object holding their ID or passport number is replaced by a note. An open registration is
/// refused (its filing still needs the data). Whether anything changed.
pub async fn erase_from_registration(
    tx: &mut TenantTx,
    registration: Uuid,
    who: &Identifier,
) -> Result<bool, PracticeError> {
    let r = registrations::repo::find_for_update(tx, registration)
        .await?
        .ok_or(PracticeError::NotFound("registration"))?;
    if !r.status.closed() {
        return Err(PracticeError::Conflict {
            code: "registration_open",
            detail: format!(
                "the registration is {} and its filing still needs its data",
                r.status
            ),
        });
    }
    let (steps, a) = without_the_person(&r.steps, who.number());
    let (outcome, b) = match &r.outcome {
        Some(o) => {
            let (o, changed) = without_the_person(o, who.number());
            (Some(o), changed)
        }
        None => (None, false),
    };
    if a || b {
        registrations::repo::replace_data(tx, registration, &steps, outcome.as_ref()).await?;
    }
    Ok(a || b)
}

/// `value` with every object that holds `number` as its `id_number` or `passport_number`
/// replaced by `{"erased": …}`, and whether any was.
pub fn without_the_person(value: &Value, number: &str) -> (Value, bool) {
    match value {
        Value::Object(map) => {
            let theirs = ["id_number", "passport_number"].iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case(number))
            });
            if theirs {
                return (json!({"erased": ERASED_NOTE}), true);
            }
            let mut changed = false;
            let map = map
                .iter()
                .map(|(k, v)| {
                    let (v, c) = without_the_person(v, number);
                    changed |= c;
                    (k.clone(), v)
                })
                .collect();
            (Value::Object(map), changed)
        }
        Value::Array(items) => {
            let mut changed = false;
            let items = items
                .iter()
                .map(|v| {
                    let (v, c) = without_the_person(v, number);
                    changed |= c;
                    v
                })
                .collect();
            (Value::Array(items), changed)
        }
        other => (other.clone(), false),
    }
}

/// What stands where a person's entry was erased.
pub const ERASED_NOTE: &str = "a person's details, erased at their request (POPIA s24)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_persons_entries_are_erased() {
        let steps = json!({"directors": {"directors": [
            {"full_name": "Thabo Mokoena", "id_number": "8001015009087"},
            {"full_name": "Naledi Khumalo", "id_number": "8506150123089"}]},
            "names": {"names": ["Karoo Sun"]}});
        let (out, changed) = without_the_person(&steps, "8001015009087");
        assert!(changed);
        assert_eq!(
            out["directors"]["directors"][0],
            json!({"erased": ERASED_NOTE})
        );
        assert_eq!(
            out["directors"]["directors"][1],
            steps["directors"]["directors"][1]
        );
        assert_eq!(out["names"], steps["names"]);
        let (same, changed) = without_the_person(&steps, "P1234567");
        assert!(!changed);
        assert_eq!(same, steps);
    }
}
