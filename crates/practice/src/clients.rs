//! Clients: the people and organisations an agency serves. One parser ([`ClientInput::parse`])
//! serves the API and the CSV import, so both refuse the same things with the same words.
//! Changes are recorded in the audit log (`client.created|updated|deleted|restored`, with the
//! fields changed), which is the client's history.

use crate::error::{PracticeError, Problems};
use crate::history;
use crate::page::{self, Cursor, Page};
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::contact::{EmailAddress, PhoneNumber, Region};
use comply360_domain::identifiers::{IncomeTaxReference, RegistrationNumber, SaIdNumber};
use comply360_store::TenantTx;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;
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

/// A client whose every field has been checked.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidClient {
    pub kind: &'static str,
    pub display_name: String,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_reference: Option<String>,
    pub address: Value,
    pub notes: String,
    pub assigned_agent_id: Option<Uuid>,
    pub external_ref: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ClientInput {
    /// Checks every field and reports every problem, by field name.
    pub fn parse(
        &self,
        today: NaiveDate,
    ) -> Result<ValidClient, Vec<crate::registration_types::Issue>> {
        let mut p = Problems::default();
        let kind = match given(&self.kind).as_deref() {
            Some("person") | None => "person",
            Some("organisation") | Some("organization") => "organisation",
            Some(other) => {
                p.add(
                    "kind",
                    format!("{other:?} is not a kind of client; use person or organisation"),
                );
                "person"
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
            None if kind == "person" => p.add(
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
        if id_number.is_some() && kind == "organisation" {
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

/// A client as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Client {
    pub id: Uuid,
    pub kind: String,
    pub display_name: String,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_reference: Option<String>,
    pub address: Value,
    pub notes: String,
    pub assigned_agent_id: Option<Uuid>,
    pub external_ref: Option<String>,
    pub status: String,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Client {
    /// The client as input again (for patching).
    pub fn as_input(&self) -> ClientInput {
        ClientInput {
            kind: Some(self.kind.clone()),
            display_name: Some(self.display_name.clone()),
            first_names: self.first_names.clone(),
            surname: self.surname.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            id_number: self.id_number.clone(),
            passport_number: self.passport_number.clone(),
            passport_country: self.passport_country.clone(),
            registration_number: self.registration_number.clone(),
            tax_reference: self.tax_reference.clone(),
            address: Some(self.address.clone()),
            notes: Some(self.notes.clone()),
            assigned_agent_id: self.assigned_agent_id,
            external_ref: self.external_ref.clone(),
        }
    }
}

macro_rules! select_clients {
    ($rest:literal) => {
        concat!(
            "SELECT id, kind, display_name, first_names, surname, email, phone, id_number, date_of_birth, \
             passport_number, passport_country, registration_number, tax_reference, address, notes, \
             assigned_agent_id, external_ref, status, deleted_at, created_at, updated_at FROM clients ",
            $rest
        )
    };
}

fn from_row(row: &sqlx::postgres::PgRow) -> Result<Client, sqlx::Error> {
    Ok(Client {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        display_name: row.try_get("display_name")?,
        first_names: row.try_get("first_names")?,
        surname: row.try_get("surname")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        id_number: row.try_get("id_number")?,
        date_of_birth: row.try_get("date_of_birth")?,
        passport_number: row.try_get("passport_number")?,
        passport_country: row.try_get("passport_country")?,
        registration_number: row.try_get("registration_number")?,
        tax_reference: row.try_get("tax_reference")?,
        address: row.try_get("address")?,
        notes: row.try_get("notes")?,
        assigned_agent_id: row.try_get("assigned_agent_id")?,
        external_ref: row.try_get("external_ref")?,
        status: row.try_get("status")?,
        deleted_at: row.try_get("deleted_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Checks that `agent` is an account of this tenant.
pub(crate) async fn check_agent(
    tx: &mut TenantTx,
    agent: Option<Uuid>,
    field: &str,
) -> Result<(), PracticeError> {
    let Some(agent) = agent else { return Ok(()) };
    let exists: bool = tx
        .query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND status <> 'disabled')")
        .bind(tx.tenant_id().as_uuid())
        .bind(agent)
        .fetch_one(tx.conn())
        .await?;
    if exists {
        Ok(())
    } else {
        Err(PracticeError::field(
            field,
            "no active user with this id in your agency",
        ))
    }
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds a client's fields as $3..$18, in the order both the INSERT and the UPDATE name them.
fn bind_fields<'q>(query: PgQuery<'q>, c: &'q ValidClient) -> PgQuery<'q> {
    query
        .bind(c.kind)
        .bind(&c.display_name)
        .bind(&c.first_names)
        .bind(&c.surname)
        .bind(&c.email)
        .bind(&c.phone)
        .bind(&c.id_number)
        .bind(c.date_of_birth)
        .bind(&c.passport_number)
        .bind(&c.passport_country)
        .bind(&c.registration_number)
        .bind(&c.tax_reference)
        .bind(&c.address)
        .bind(&c.notes)
        .bind(c.assigned_agent_id)
        .bind(&c.external_ref)
}

/// Inserts a checked client; returns its id. The caller commits.
pub async fn insert(
    tx: &mut TenantTx,
    actor: Uuid,
    c: &ValidClient,
) -> Result<Uuid, PracticeError> {
    let id = Uuid::now_v7();
    let query = tx.query(
        "INSERT INTO clients (tenant_id, id, kind, display_name, first_names, surname, email, phone, \
         id_number, date_of_birth, passport_number, passport_country, registration_number, \
         tax_reference, address, notes, assigned_agent_id, external_ref) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    );
    bind_fields(query.bind(tx.tenant_id().as_uuid()).bind(id), c)
        .execute(tx.conn())
        .await?;
    history::record(
        tx,
        actor,
        "client.created",
        "client",
        id,
        json!({"display_name": c.display_name}),
    )
    .await?;
    Ok(id)
}

pub async fn create(
    tx: &mut TenantTx,
    actor: Uuid,
    input: &ClientInput,
    today: NaiveDate,
) -> Result<Client, PracticeError> {
    let valid = input
        .parse(today)
        .map_err(|issues| PracticeError::invalid("the client has invalid fields", issues))?;
    check_agent(tx, valid.assigned_agent_id, "assigned_agent_id").await?;
    let id = insert(tx, actor, &valid).await?;
    get(tx, id, true).await
}

pub async fn get(
    tx: &mut TenantTx,
    id: Uuid,
    include_deleted: bool,
) -> Result<Client, PracticeError> {
    let row = tx
        .query(select_clients!(
            "WHERE tenant_id = $1 AND id = $2 AND ($3 OR deleted_at IS NULL)"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(include_deleted)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref()
        .map(from_row)
        .transpose()?
        .ok_or(PracticeError::NotFound("client"))
}

/// The client's display name, deleted or not (a filing summary names its client).
pub async fn display_name(tx: &mut TenantTx, id: Uuid) -> Result<String, PracticeError> {
    Ok(tx
        .query_scalar("SELECT display_name FROM clients WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_one(tx.conn())
        .await?)
}

/// The first client (by name) that has an email address, if any.
pub async fn first_with_email(tx: &mut TenantTx) -> Result<Option<Uuid>, PracticeError> {
    Ok(tx
        .query_scalar(
            "SELECT id FROM clients WHERE tenant_id = $1 AND email IS NOT NULL \
             ORDER BY display_name LIMIT 1",
        )
        .bind(tx.tenant_id().as_uuid())
        .fetch_optional(tx.conn())
        .await?)
}

pub async fn update(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    patch: &Value,
    today: NaiveDate,
) -> Result<Client, PracticeError> {
    let before = get(tx, id, false).await?;
    let input = before.as_input().patched(patch)?;
    let c = input
        .parse(today)
        .map_err(|issues| PracticeError::invalid("the client has invalid fields", issues))?;
    check_agent(tx, c.assigned_agent_id, "assigned_agent_id").await?;
    let query = tx.query(
        "UPDATE clients SET kind = $3, display_name = $4, first_names = $5, surname = $6, email = $7, \
         phone = $8, id_number = $9, date_of_birth = $10, passport_number = $11, passport_country = $12, \
         registration_number = $13, tax_reference = $14, address = $15, notes = $16, \
         assigned_agent_id = $17, external_ref = $18 WHERE tenant_id = $1 AND id = $2",
    );
    bind_fields(query.bind(tx.tenant_id().as_uuid()).bind(id), &c)
        .execute(tx.conn())
        .await?;
    let after = get(tx, id, false).await?;
    let changes = history::diff(
        &serde_json::to_value(&before).unwrap_or_default(),
        &serde_json::to_value(&after).unwrap_or_default(),
    );
    history::record(
        tx,
        actor,
        "client.updated",
        "client",
        id,
        json!({"changes": changes}),
    )
    .await?;
    Ok(after)
}

/// Soft delete: the client disappears from lists and lookups; `restore` brings it back.
pub async fn set_deleted(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    deleted: bool,
) -> Result<Client, PracticeError> {
    let done = tx
        .query(
            "UPDATE clients SET deleted_at = CASE WHEN $3 THEN now() ELSE NULL END \
             WHERE tenant_id = $1 AND id = $2 AND (deleted_at IS NULL) = $3",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(deleted)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if done == 0 {
        let exists = get(tx, id, true).await?;
        return Err(PracticeError::Conflict {
            code: if exists.deleted_at.is_some() {
                "already_deleted"
            } else {
                "not_deleted"
            },
            detail: if deleted {
                "this client is already deleted".into()
            } else {
                "this client is not deleted".into()
            },
        });
    }
    let action = if deleted {
        "client.deleted"
    } else {
        "client.restored"
    };
    history::record(tx, actor, action, "client", id, json!({})).await?;
    get(tx, id, true).await
}

/// A contact person of a client (an organisation's people, a person's alternates).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub full_name: Option<String>,
    #[serde(default)]
    pub role: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub is_primary: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub full_name: String,
    pub role: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_primary: bool,
}

pub async fn add_contact(
    tx: &mut TenantTx,
    actor: Uuid,
    client: Uuid,
    c: &ContactInput,
) -> Result<Contact, PracticeError> {
    get(tx, client, false).await?;
    let mut p = Problems::default();
    let full_name = given(&c.full_name).unwrap_or_default();
    if full_name.is_empty() || full_name.chars().count() > 200 {
        p.add(
            "full_name",
            "the contact's name is required (at most 200 characters)",
        );
    }
    let email = given(&c.email).and_then(|e| match EmailAddress::parse(&e) {
        Ok(e) => Some(e.to_string()),
        Err(err) => {
            p.add("email", err.to_string());
            None
        }
    });
    let phone = given(&c.phone).and_then(|t| match PhoneNumber::parse(&t, Region::SouthAfrica) {
        Ok(n) => Some(n.as_e164().to_owned()),
        Err(err) => {
            p.add("phone", err.to_string());
            None
        }
    });
    p.finish("the contact has invalid fields")?;
    let id = Uuid::now_v7();
    if c.is_primary {
        tx.query(
            "UPDATE client_contacts SET is_primary = false WHERE tenant_id = $1 AND client_id = $2",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(client)
        .execute(tx.conn())
        .await?;
    }
    tx.query(
        "INSERT INTO client_contacts (tenant_id, id, client_id, full_name, role, email, phone, is_primary) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(client)
    .bind(&full_name)
    .bind(c.role.trim())
    .bind(&email)
    .bind(&phone)
    .bind(c.is_primary)
    .execute(tx.conn())
    .await?;
    history::record(
        tx,
        actor,
        "client.contact_added",
        "client",
        client,
        json!({"contact_id": id, "full_name": full_name}),
    )
    .await?;
    Ok(Contact {
        id,
        full_name,
        role: c.role.trim().to_owned(),
        email,
        phone,
        is_primary: c.is_primary,
    })
}

pub async fn contacts(tx: &mut TenantTx, client: Uuid) -> Result<Vec<Contact>, PracticeError> {
    get(tx, client, true).await?;
    let rows = tx
        .query("SELECT id, full_name, role, email, phone, is_primary FROM client_contacts WHERE tenant_id = $1 AND client_id = $2 ORDER BY is_primary DESC, created_at")
        .bind(tx.tenant_id().as_uuid())
        .bind(client)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Contact {
                id: r.try_get("id")?,
                full_name: r.try_get("full_name")?,
                role: r.try_get("role")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                is_primary: r.try_get("is_primary")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(PracticeError::from)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ClientFilter {
    /// Words of the name or email (prefix match), or an exact ID, registration number or email.
    pub q: Option<String>,
    pub agent: Option<Uuid>,
    pub status: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Turns free text into a prefix tsquery of its words (`acme:* & hold:*`); None when no word.
pub(crate) fn prefix_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

pub async fn list(tx: &mut TenantTx, f: &ClientFilter) -> Result<Page<Client>, PracticeError> {
    let limit = page::limit(f.limit);
    let cursor = match &f.cursor {
        Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
            PracticeError::field(
                "cursor",
                "not a cursor this API gave out; start again without it",
            )
        })?),
        None => None,
    };
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let tsquery = q.and_then(prefix_query);
    let exact = q.map(|q| q.split_whitespace().collect::<String>().to_lowercase());
    let rows = tx
        .query(select_clients!(
            "WHERE tenant_id = $1 AND (deleted_at IS NOT NULL) = $2 \
             AND ($3::uuid IS NULL OR assigned_agent_id = $3) \
             AND ($4::text IS NULL OR status = $4) \
             AND ($5::text IS NULL \
                  OR to_tsvector('simple', display_name || ' ' || coalesce(email, '')) @@ to_tsquery('simple', $5) \
                  OR id_number = $6 OR lower(registration_number) = $6 OR lower(email) = $6 \
                  OR lower(registration_number) = 'k' || $6) \
             AND ($7::timestamptz IS NULL OR (created_at, id) < ($7, $8)) \
             ORDER BY created_at DESC, id DESC LIMIT $9"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(f.deleted)
        .bind(f.agent)
        .bind(&f.status)
        .bind(&tsquery)
        .bind(&exact)
        .bind(cursor.map(|c| c.created_at))
        .bind(cursor.map(|c| c.id))
        .bind(limit + 1)
        .fetch_all(tx.conn())
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, limit, |c| Cursor {
        created_at: c.created_at,
        id: c.id,
    }))
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

    #[test]
    fn prefix_queries_keep_only_words() {
        assert_eq!(
            prefix_query("Acme  Hold'; DROP").as_deref(),
            Some("acme:* & hold:* & drop:*")
        );
        assert_eq!(prefix_query(" ' & | ! "), None);
    }
}
