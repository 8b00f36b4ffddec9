//! A data subject's records in the practice (POPIA s23 access, s24 correction and deletion):
//! the clients, company people rows and registrations that hold one person's ID or passport
//! number, and the de-identification of a client whose relationship ended long enough ago.
//! The documents capability (`comply360_documents::subject_rights`) builds the export and the
//! erasure on these.

use crate::clients::{Client, Contact};
use crate::companies::Person;
use crate::registrations::Registration;
use crate::{PracticeError, clients, companies, registrations};
use chrono::{DateTime, Utc};
use comply360_store::TenantTx;
use serde::Serialize;
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
