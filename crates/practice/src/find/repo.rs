//! The search's statements, one per kind, over the caller's `TenantTx`. A registration is
//! found through its client and its company too, so these read several resources' tables at
//! once: they are a read model of their own (decision 53), not any one resource's.
//!
//! Each statement gathers candidate ids with one indexed lookup per field (`UNION ALL`, so a
//! name's GIN index and an identifier's btree are each used rather than one scan testing
//! every field), keeps each id's best match, then reads the rows of the first few. `$1` is
//! always the tenant; a lookup whose term is NULL (or an empty array) finds nothing.

use super::model::MatchedOn;
use super::terms::Terms;
use crate::companies::CompanyStatus;
use crate::decode;
use crate::workflow::Status;
use comply360_domain::RegistrationKind;
use comply360_store::TenantTx;
use sqlx::Row;
use uuid::Uuid;

/// Clients found: `(id, rank, matched)`; rank 0 for an identifier, 1 for a name. Deleted
/// clients are left out here, so nothing is found through them either.
/// Binds: $2 tsquery, $3 ID number, $4 registration numbers, $5 email.
macro_rules! clients_found {
    () => {
        "clients_found AS ( \
           SELECT DISTINCT ON (f.id) f.id, f.rank, f.matched FROM ( \
             SELECT id, 1 AS rank, 'name' AS matched FROM clients WHERE tenant_id = $1 \
               AND search_text @@ to_tsquery('simple', $2) \
             UNION ALL SELECT id, 0, 'id_number' FROM clients WHERE tenant_id = $1 AND id_number = $3 \
             UNION ALL SELECT id, 0, 'registration_number' FROM clients WHERE tenant_id = $1 \
               AND registration_number = ANY($4) \
             UNION ALL SELECT id, 0, 'email' FROM clients WHERE tenant_id = $1 AND lower(email) = $5 \
           ) f JOIN clients c ON c.tenant_id = $1 AND c.id = f.id AND c.deleted_at IS NULL \
           ORDER BY f.id, f.rank)"
    };
}

/// Companies found, as [`clients_found`]: by name, registration number, or the ID number of
/// a person who has not resigned. Deleted companies, and companies of deleted clients, are
/// left out.
macro_rules! companies_found {
    () => {
        "companies_found AS ( \
           SELECT DISTINCT ON (f.id) f.id, f.rank, f.matched FROM ( \
             SELECT id, 1 AS rank, 'name' AS matched FROM companies WHERE tenant_id = $1 \
               AND search_text @@ to_tsquery('simple', $2) \
             UNION ALL SELECT id, 0, 'registration_number' FROM companies WHERE tenant_id = $1 \
               AND registration_number = ANY($4) \
             UNION ALL SELECT company_id, 0, 'id_number' FROM company_people WHERE tenant_id = $1 \
               AND id_number = $3 AND resigned_on IS NULL \
           ) f JOIN companies co ON co.tenant_id = $1 AND co.id = f.id AND co.deleted_at IS NULL \
           JOIN clients cl ON cl.tenant_id = $1 AND cl.id = co.client_id AND cl.deleted_at IS NULL \
           ORDER BY f.id, f.rank)"
    };
}

/// The name a registration is for, when it names one: the name reserved, else the first one
/// proposed (name reservations and incorporations); NULL for other filings.
macro_rules! proposed_name {
    ($r:literal) => {
        concat!(
            "nullif(coalesce(",
            $r,
            ".outcome ->> 'reserved_name', \
             jsonb_path_query_first(",
            $r,
            ".payload, '$.*.reserved_name') #>> '{}', \
             jsonb_path_query_first(",
            $r,
            ".payload, '$.*.names[0]') #>> '{}', \
             jsonb_path_query_first(",
            $r,
            ".payload, '$.*.alternatives[0]') #>> '{}'), '')"
        )
    };
}
pub(crate) use proposed_name;

fn bind_terms<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    t: &'q Terms,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    query
        .bind(&t.tsquery)
        .bind(&t.id_number)
        .bind(&t.registration_numbers)
        .bind(&t.email)
}

pub(crate) struct ClientRow {
    pub id: Uuid,
    pub display_name: String,
    pub id_number: Option<String>,
    pub registration_number: Option<String>,
    pub email: Option<String>,
    pub archived: bool,
    pub matched: MatchedOn,
}

/// Up to `rows` clients, identifier matches first, then by name.
pub(crate) async fn clients(
    tx: &mut TenantTx,
    t: &Terms,
    rows: i64,
) -> Result<Vec<ClientRow>, sqlx::Error> {
    let query = tx.query(concat!(
        "WITH ",
        clients_found!(),
        " SELECT c.id, c.display_name, c.id_number, c.registration_number, c.email, \
           c.status = 'archived' AS archived, f.matched \
         FROM clients_found f JOIN clients c ON c.tenant_id = $1 AND c.id = f.id \
         ORDER BY f.rank, lower(c.display_name), c.id LIMIT $6"
    ));
    let found = bind_terms(query.bind(tx.tenant_id().as_uuid()), t)
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    found
        .iter()
        .map(|r| {
            Ok(ClientRow {
                id: r.try_get("id")?,
                display_name: r.try_get("display_name")?,
                id_number: r.try_get("id_number")?,
                registration_number: r.try_get("registration_number")?,
                email: r.try_get("email")?,
                archived: r.try_get("archived")?,
                matched: decode::text(r, "matched")?,
            })
        })
        .collect()
}

pub(crate) struct CompanyRow {
    pub id: Uuid,
    pub name: String,
    pub registration_number: Option<String>,
    pub status: CompanyStatus,
    pub client_name: String,
    pub matched: MatchedOn,
}

/// Up to `rows` companies, identifier matches first, then by name.
pub(crate) async fn companies(
    tx: &mut TenantTx,
    t: &Terms,
    rows: i64,
) -> Result<Vec<CompanyRow>, sqlx::Error> {
    let query = tx.query(concat!(
        "WITH ",
        companies_found!(),
        " SELECT co.id, co.name, co.registration_number, co.status, cl.display_name AS client_name, f.matched \
         FROM companies_found f JOIN companies co ON co.tenant_id = $1 AND co.id = f.id \
         JOIN clients cl ON cl.tenant_id = $1 AND cl.id = co.client_id \
         ORDER BY f.rank, lower(co.name), co.id LIMIT $6"
    ));
    // $5 (the email) is not used by companies; bound anyway so every statement numbers the
    // terms alike.
    let found = bind_terms(query.bind(tx.tenant_id().as_uuid()), t)
        .bind(rows)
        .fetch_all(tx.conn())
        .await?;
    found
        .iter()
        .map(|r| {
            Ok(CompanyRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                registration_number: r.try_get("registration_number")?,
                status: decode::text(r, "status")?,
                client_name: r.try_get("client_name")?,
                matched: decode::text(r, "matched")?,
            })
        })
        .collect()
}

pub(crate) struct RegistrationRow {
    pub id: Uuid,
    pub kind: RegistrationKind,
    pub status: Status,
    pub registry_reference: Option<String>,
    pub client_name: String,
    pub company_name: Option<String>,
    /// The name reserved, else the first name proposed (name reservations, incorporations).
    pub proposed_name: Option<String>,
    pub matched: MatchedOn,
}

/// Up to `rows` registrations: by their reference or their names, or through a client or a
/// company found; identifier matches first, then newest first. A deleted client's
/// registrations are left out with the client.
pub(crate) async fn registrations(
    tx: &mut TenantTx,
    t: &Terms,
    rows: i64,
) -> Result<Vec<RegistrationRow>, sqlx::Error> {
    let query = tx.query(concat!(
        "WITH ",
        clients_found!(),
        ", ",
        companies_found!(),
        ", registrations_found AS ( \
           SELECT DISTINCT ON (f.id) f.id, f.rank, f.matched FROM ( \
             SELECT id, 0 AS rank, 'reference' AS matched FROM registrations WHERE tenant_id = $1 \
               AND registry_reference = ANY($7) \
             UNION ALL SELECT id, 1, 'name' FROM registrations WHERE tenant_id = $1 \
               AND search_names @@ to_tsquery('simple', $2) \
             UNION ALL SELECT r.id, h.rank, h.matched FROM clients_found h \
               JOIN registrations r ON r.tenant_id = $1 AND r.client_id = h.id \
             UNION ALL SELECT r.id, h.rank, h.matched FROM companies_found h \
               JOIN registrations r ON r.tenant_id = $1 AND r.company_id = h.id \
           ) f ORDER BY f.id, f.rank) \
         SELECT r.id, r.kind, r.status, r.registry_reference, cl.display_name AS client_name, \
           co.name AS company_name, \
           ",
        proposed_name!("r"),
        " AS proposed_name, f.matched \
         FROM registrations_found f JOIN registrations r ON r.tenant_id = $1 AND r.id = f.id \
         JOIN clients cl ON cl.tenant_id = $1 AND cl.id = r.client_id AND cl.deleted_at IS NULL \
         LEFT JOIN companies co ON co.tenant_id = $1 AND co.id = r.company_id \
         ORDER BY f.rank, r.created_at DESC, r.id DESC LIMIT $6"
    ));
    let found = bind_terms(query.bind(tx.tenant_id().as_uuid()), t)
        .bind(rows)
        .bind(&t.references)
        .fetch_all(tx.conn())
        .await?;
    found
        .iter()
        .map(|r| {
            Ok(RegistrationRow {
                id: r.try_get("id")?,
                kind: decode::text(r, "kind")?,
                status: decode::text(r, "status")?,
                registry_reference: r.try_get("registry_reference")?,
                client_name: r.try_get("client_name")?,
                company_name: r.try_get("company_name")?,
                proposed_name: r.try_get("proposed_name")?,
                matched: decode::text(r, "matched")?,
            })
        })
        .collect()
}
