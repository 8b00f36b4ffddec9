//! The statements of clients and their contacts, one each, over the caller's `TenantTx`.

use super::model::{Client, Contact, ValidClient};
use crate::decode;
use crate::page::Cursor;
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

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

fn from_row(row: &PgRow) -> Result<Client, sqlx::Error> {
    Ok(Client {
        id: row.try_get("id")?,
        kind: decode::text(row, "kind")?,
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
        status: decode::text(row, "status")?,
        deleted_at: row.try_get("deleted_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds a client's fields as $3..$18, in the order both the INSERT and the UPDATE name them.
fn bind_fields<'q>(query: PgQuery<'q>, c: &'q ValidClient) -> PgQuery<'q> {
    query
        .bind(c.kind.as_str())
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

pub(crate) async fn insert(
    tx: &mut TenantTx,
    id: Uuid,
    c: &ValidClient,
) -> Result<(), sqlx::Error> {
    let query = tx.query(
        "INSERT INTO clients (tenant_id, id, kind, display_name, first_names, surname, email, phone, \
         id_number, date_of_birth, passport_number, passport_country, registration_number, \
         tax_reference, address, notes, assigned_agent_id, external_ref) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    );
    bind_fields(query.bind(tx.tenant_id().as_uuid()).bind(id), c)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(crate) async fn update(
    tx: &mut TenantTx,
    id: Uuid,
    c: &ValidClient,
) -> Result<(), sqlx::Error> {
    let query = tx.query(
        "UPDATE clients SET kind = $3, display_name = $4, first_names = $5, surname = $6, email = $7, \
         phone = $8, id_number = $9, date_of_birth = $10, passport_number = $11, passport_country = $12, \
         registration_number = $13, tax_reference = $14, address = $15, notes = $16, \
         assigned_agent_id = $17, external_ref = $18 WHERE tenant_id = $1 AND id = $2",
    );
    bind_fields(query.bind(tx.tenant_id().as_uuid()).bind(id), c)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(crate) async fn find(
    tx: &mut TenantTx,
    id: Uuid,
    include_deleted: bool,
) -> Result<Option<Client>, sqlx::Error> {
    let row = tx
        .query(select_clients!(
            "WHERE tenant_id = $1 AND id = $2 AND ($3 OR deleted_at IS NULL)"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(include_deleted)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether a client that is not deleted has this id.
pub(crate) async fn exists(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    tx.query_scalar("SELECT EXISTS (SELECT 1 FROM clients WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_one(tx.conn())
        .await
}

pub(crate) async fn display_name(tx: &mut TenantTx, id: Uuid) -> Result<String, sqlx::Error> {
    tx.query_scalar("SELECT display_name FROM clients WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_one(tx.conn())
        .await
}

pub(crate) async fn display_names(
    tx: &mut TenantTx,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    tx.query_as("SELECT id, display_name FROM clients WHERE tenant_id = $1 AND id = ANY($2)")
        .bind(tx.tenant_id().as_uuid())
        .bind(ids)
        .fetch_all(tx.conn())
        .await
}

pub(crate) async fn first_with_email(tx: &mut TenantTx) -> Result<Option<Uuid>, sqlx::Error> {
    tx.query_scalar(
        "SELECT id FROM clients WHERE tenant_id = $1 AND email IS NOT NULL \
         ORDER BY display_name LIMIT 1",
    )
    .bind(tx.tenant_id().as_uuid())
    .fetch_optional(tx.conn())
    .await
}

/// Sets or clears `deleted_at` when it is not already so; returns the rows changed (0 or 1).
pub(crate) async fn set_deleted(
    tx: &mut TenantTx,
    id: Uuid,
    deleted: bool,
) -> Result<u64, sqlx::Error> {
    Ok(tx
        .query(
            "UPDATE clients SET deleted_at = CASE WHEN $3 THEN now() ELSE NULL END \
             WHERE tenant_id = $1 AND id = $2 AND (deleted_at IS NULL) = $3",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(deleted)
        .execute(tx.conn())
        .await?
        .rows_affected())
}

/// Of these ID and registration numbers, the pairs that clients (not deleted) already hold.
pub(crate) async fn holding_identifiers(
    tx: &mut TenantTx,
    id_numbers: &[String],
    registration_numbers: &[String],
) -> Result<Vec<(Option<String>, Option<String>)>, sqlx::Error> {
    tx.query_as(
        "SELECT id_number, registration_number FROM clients WHERE tenant_id = $1 AND deleted_at IS NULL \
         AND (id_number = ANY($2) OR registration_number = ANY($3))",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id_numbers)
    .bind(registration_numbers)
    .fetch_all(tx.conn())
    .await
}

/// A page's worth of the list, as [`list`] reads it.
pub(crate) struct ListQuery<'a> {
    pub deleted: bool,
    pub agent: Option<Uuid>,
    pub status: Option<&'a str>,
    /// A prefix tsquery of the search's words.
    pub tsquery: Option<String>,
    /// The search as one lower-case word, for the exact identifier lookups.
    pub exact: Option<String>,
    pub after: Option<Cursor>,
    /// Rows to read: one more than the page, to learn whether another page exists.
    pub rows: i64,
}

pub(crate) async fn list(tx: &mut TenantTx, q: &ListQuery<'_>) -> Result<Vec<Client>, sqlx::Error> {
    let mut sql = tx.filtered(select_clients!(""), "tenant_id");
    sql.and_sql(if q.deleted {
        "deleted_at IS NOT NULL"
    } else {
        "deleted_at IS NULL"
    })
    .and("assigned_agent_id = ", q.agent)
    .and("status = ", q.status);
    if let (Some(words), Some(exact)) = (&q.tsquery, &q.exact) {
        sql.and_sql("(search_text @@ to_tsquery('simple', ")
            .bind(words)
            .push(") OR id_number = ")
            .bind(exact)
            .push(" OR lower(registration_number) = ")
            .bind(exact)
            .push(" OR lower(email) = ")
            .bind(exact)
            .push(" OR lower(registration_number) = 'k' || ")
            .bind(exact)
            .push(")");
    }
    sql.before("created_at, id", q.after.map(|c| (c.created_at, c.id)))
        .order_limit("created_at DESC, id DESC", q.rows);
    let rows = sql.fetch_all(tx).await?;
    rows.iter().map(from_row).collect()
}

/// A contact checked by the operation, as stored.
pub(crate) struct NewContact<'a> {
    pub id: Uuid,
    pub client: Uuid,
    pub full_name: &'a str,
    pub role: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub is_primary: bool,
}

pub(crate) async fn clear_primary_contact(
    tx: &mut TenantTx,
    client: Uuid,
) -> Result<(), sqlx::Error> {
    tx.query(
        "UPDATE client_contacts SET is_primary = false WHERE tenant_id = $1 AND client_id = $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(client)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn insert_contact(
    tx: &mut TenantTx,
    c: &NewContact<'_>,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO client_contacts (tenant_id, id, client_id, full_name, role, email, phone, is_primary) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(c.id)
    .bind(c.client)
    .bind(c.full_name)
    .bind(c.role)
    .bind(c.email)
    .bind(c.phone)
    .bind(c.is_primary)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn contacts(tx: &mut TenantTx, client: Uuid) -> Result<Vec<Contact>, sqlx::Error> {
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
        .collect()
}

/// The clients (deleted too) holding this ID or passport number, each with the time its
/// relationship ended (archived or deleted), for a data subject's request.
pub(crate) async fn with_identifier(
    tx: &mut TenantTx,
    id_number: Option<&str>,
    passport_number: Option<&str>,
) -> Result<Vec<(Client, Option<chrono::DateTime<chrono::Utc>>)>, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT id, kind, display_name, first_names, surname, email, phone, id_number, date_of_birth, \
             passport_number, passport_country, registration_number, tax_reference, address, notes, \
             assigned_agent_id, external_ref, status, deleted_at, created_at, updated_at, relationship_ended_at \
             FROM clients WHERE tenant_id = $1 AND (($2::text IS NOT NULL AND id_number = $2) \
             OR ($3::text IS NOT NULL AND upper(passport_number) = upper($3))) ORDER BY created_at, id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id_number)
        .bind(passport_number)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| Ok((from_row(r)?, r.try_get("relationship_ended_at")?)))
        .collect()
}

/// When a client's relationship ended (archived or deleted), `None` while it runs; the row
/// is locked for the caller's transaction.
pub(crate) async fn relationship_ended_for_update(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<Option<chrono::DateTime<chrono::Utc>>>, sqlx::Error> {
    tx.query_scalar(
        "SELECT relationship_ended_at FROM clients WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .fetch_optional(tx.conn())
    .await
}

/// De-identifies a client whose relationship has ended: names, ID and passport numbers,
/// contact details, address and notes are blanked (its contacts deleted); the row and its id
/// stay, so the records that point at it still say what was done. Returns whether it changed.
pub(crate) async fn deidentify(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let changed = tx
        .query(
            "UPDATE clients SET display_name = 'Erased client', first_names = NULL, surname = NULL, \
             email = NULL, phone = NULL, id_number = NULL, date_of_birth = NULL, passport_number = NULL, \
             passport_country = NULL, tax_reference = NULL, address = '{}'::jsonb, notes = '', \
             external_ref = NULL WHERE tenant_id = $1 AND id = $2 AND relationship_ended_at IS NOT NULL",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    tx.query("DELETE FROM client_contacts WHERE tenant_id = $1 AND client_id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(changed == 1)
}
