//! Clients: the people and organisations an agency serves. One parser ([`ClientInput::parse`])
//! serves the API and the CSV import, so both refuse the same things with the same words.
//! Changes are recorded in the audit log (`client.created|updated|deleted|restored`, with the
//! fields changed), which is the client's history.
//!
//! `model` holds the types, `input` the parser, `repo` the statements; this file the
//! operations.

mod input;
mod model;
pub(crate) mod repo;

use crate::error::{PracticeError, Problems};
use crate::history;
use crate::page::{self, Cursor, Page};
use crate::search::prefix_query;
use chrono::NaiveDate;
use comply360_domain::contact::{EmailAddress, PhoneNumber, Region};
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_store::TenantTx;
use input::given;
use serde_json::{Value, json};
use uuid::Uuid;

pub use input::ClientInput;
pub use model::{
    Client, ClientFilter, ClientKind, ClientStatus, Contact, ContactInput, ValidClient,
};

fn parse(input: &ClientInput, today: NaiveDate) -> Result<ValidClient, PracticeError> {
    input
        .parse(today)
        .map_err(|issues| PracticeError::invalid("the client has invalid fields", issues))
}

/// Emits the client's change (`client.created|updated|deleted|restored`) in its transaction.
async fn emit(
    tx: &mut TenantTx,
    outbox: &Outbox,
    event_type: &'static str,
    actor: Uuid,
    id: Uuid,
) -> Result<(), PracticeError> {
    outbox
        .emit(
            tx,
            NewEvent::new(event_type, "client")
                .aggregate(id)
                .actor((!actor.is_nil()).then_some(actor))
                .payload(json!({"client_id": id})),
        )
        .await
        .map_err(|e| PracticeError::Store(e.into_store(event_type)))?;
    Ok(())
}

/// Tells the client's subscribers (the agency's ERP) it changed by other means than
/// [`update`]: a POPIA erasure de-identifying it, say, which the ERP must mirror too.
pub async fn changed(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    id: Uuid,
) -> Result<(), PracticeError> {
    emit(tx, outbox, types::CLIENT_UPDATED, actor, id).await
}

/// Inserts a checked client; returns its id. The caller commits.
pub async fn insert(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    c: &ValidClient,
) -> Result<Uuid, PracticeError> {
    let id = Uuid::now_v7();
    repo::insert(tx, id, c).await?;
    history::record(
        tx,
        actor,
        "client.created",
        "client",
        id,
        json!({"display_name": c.display_name}),
    )
    .await?;
    emit(tx, outbox, types::CLIENT_CREATED, actor, id).await?;
    Ok(id)
}

pub async fn create(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    input: &ClientInput,
    today: NaiveDate,
) -> Result<Client, PracticeError> {
    let valid = parse(input, today)?;
    crate::agents::check(tx, valid.assigned_agent_id, "assigned_agent_id").await?;
    let id = insert(tx, outbox, actor, &valid).await?;
    get(tx, id, true).await
}

pub async fn get(
    tx: &mut TenantTx,
    id: Uuid,
    include_deleted: bool,
) -> Result<Client, PracticeError> {
    repo::find(tx, id, include_deleted)
        .await?
        .ok_or(PracticeError::NotFound("client"))
}

/// The client's display name, deleted or not (a filing summary names its client).
pub async fn display_name(tx: &mut TenantTx, id: Uuid) -> Result<String, PracticeError> {
    Ok(repo::display_name(tx, id).await?)
}

/// The names of several clients at once (a list page's rows), by id; an id of no client of
/// the agency is absent.
pub async fn display_names(
    tx: &mut TenantTx,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, PracticeError> {
    Ok(repo::display_names(tx, ids).await?.into_iter().collect())
}

/// The first client (by name) that has an email address, if any.
pub async fn first_with_email(tx: &mut TenantTx) -> Result<Option<Uuid>, PracticeError> {
    Ok(repo::first_with_email(tx).await?)
}

pub async fn update(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    id: Uuid,
    patch: &Value,
    today: NaiveDate,
) -> Result<Client, PracticeError> {
    let before = get(tx, id, false).await?;
    let valid = parse(&before.as_input().patched(patch)?, today)?;
    crate::agents::check(tx, valid.assigned_agent_id, "assigned_agent_id").await?;
    repo::update(tx, id, &valid).await?;
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
    emit(tx, outbox, types::CLIENT_UPDATED, actor, id).await?;
    Ok(after)
}

/// Soft delete: the client disappears from lists and lookups; `restore` brings it back.
pub async fn set_deleted(
    tx: &mut TenantTx,
    outbox: &Outbox,
    actor: Uuid,
    id: Uuid,
    deleted: bool,
) -> Result<Client, PracticeError> {
    if repo::set_deleted(tx, id, deleted).await? == 0 {
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
    let event = if deleted {
        types::CLIENT_DELETED
    } else {
        types::CLIENT_RESTORED
    };
    emit(tx, outbox, event, actor, id).await?;
    get(tx, id, true).await
}

/// A contact's fields, checked: (full name, email, phone).
fn check_contact(
    c: &ContactInput,
) -> Result<(String, Option<String>, Option<String>), PracticeError> {
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
    Ok((full_name, email, phone))
}

pub async fn add_contact(
    tx: &mut TenantTx,
    actor: Uuid,
    client: Uuid,
    c: &ContactInput,
) -> Result<Contact, PracticeError> {
    get(tx, client, false).await?;
    let (full_name, email, phone) = check_contact(c)?;
    let contact = Contact {
        id: Uuid::now_v7(),
        full_name,
        role: c.role.trim().to_owned(),
        email,
        phone,
        is_primary: c.is_primary,
    };
    if contact.is_primary {
        repo::clear_primary_contact(tx, client).await?;
    }
    repo::insert_contact(
        tx,
        &repo::NewContact {
            id: contact.id,
            client,
            full_name: &contact.full_name,
            role: &contact.role,
            email: contact.email.as_deref(),
            phone: contact.phone.as_deref(),
            is_primary: contact.is_primary,
        },
    )
    .await?;
    history::record(
        tx,
        actor,
        "client.contact_added",
        "client",
        client,
        json!({"contact_id": contact.id, "full_name": contact.full_name}),
    )
    .await?;
    Ok(contact)
}

pub async fn contacts(tx: &mut TenantTx, client: Uuid) -> Result<Vec<Contact>, PracticeError> {
    get(tx, client, true).await?;
    Ok(repo::contacts(tx, client).await?)
}

pub async fn list(tx: &mut TenantTx, f: &ClientFilter) -> Result<Page<Client>, PracticeError> {
    let limit = page::limit(f.limit);
    let after = match &f.cursor {
        Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
            PracticeError::field(
                "cursor",
                "not a cursor this API gave out; start again without it",
            )
        })?),
        None => None,
    };
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let query = repo::ListQuery {
        deleted: f.deleted,
        agent: f.agent,
        status: f.status.as_deref(),
        tsquery: q.and_then(prefix_query),
        exact: q.map(|q| q.split_whitespace().collect::<String>().to_lowercase()),
        after,
        rows: limit + 1,
    };
    let items = repo::list(tx, &query).await?;
    Ok(Page::from_rows(items, limit, |c| Cursor {
        created_at: c.created_at,
        id: c.id,
    }))
}
