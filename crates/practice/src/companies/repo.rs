//! The statements of companies and their people, one each, over the caller's `TenantTx`.

use super::model::{
    Company, CompanyFacts, CompanyStatus, CompanyType, Person, PersonInput, PersonRole,
};
use crate::decode;
use crate::page::Cursor;
use chrono::NaiveDate;
use comply360_domain::Jurisdiction;
use comply360_store::TenantTx;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

macro_rules! select_companies {
    ($rest:literal) => {
        concat!(
            "SELECT id, client_id, jurisdiction, company_type, name, registration_number, status, \
             incorporated_on, financial_year_end, registered_address, annual_turnover_cents, \
             taxable_supplies_cents, vat_number, tax_reference, agent_id, deleted_at, created_at \
             FROM companies ",
            $rest
        )
    };
}

fn company_from_row(r: &PgRow) -> Result<Company, sqlx::Error> {
    Ok(Company {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        jurisdiction: decode::text(r, "jurisdiction")?,
        company_type: decode::text(r, "company_type")?,
        name: r.try_get("name")?,
        registration_number: r.try_get("registration_number")?,
        status: decode::text(r, "status")?,
        incorporated_on: r.try_get("incorporated_on")?,
        financial_year_end: r.try_get("financial_year_end")?,
        registered_address: r.try_get("registered_address")?,
        annual_turnover_cents: r.try_get("annual_turnover_cents")?,
        taxable_supplies_cents: r.try_get("taxable_supplies_cents")?,
        vat_number: r.try_get("vat_number")?,
        tax_reference: r.try_get("tax_reference")?,
        agent_id: r.try_get("agent_id")?,
        deleted_at: r.try_get("deleted_at")?,
        created_at: r.try_get("created_at")?,
        people: Vec::new(),
    })
}

/// A checked company, as stored.
pub(crate) struct NewCompany<'a> {
    pub id: Uuid,
    pub client_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub company_type: CompanyType,
    pub name: &'a str,
    pub registration_number: Option<&'a str>,
    pub status: CompanyStatus,
    pub incorporated_on: Option<NaiveDate>,
    pub financial_year_end: Option<i16>,
    pub registered_address: Value,
    pub annual_turnover_cents: Option<i64>,
    pub taxable_supplies_cents: Option<i64>,
    pub vat_number: Option<&'a str>,
    pub tax_reference: Option<&'a str>,
    pub agent_id: Option<Uuid>,
}

/// Inserts the company; false when another company of the agency has its registration number.
pub(crate) async fn insert(tx: &mut TenantTx, c: &NewCompany<'_>) -> Result<bool, sqlx::Error> {
    let inserted = tx
        .query(
            "INSERT INTO companies (tenant_id, id, client_id, jurisdiction, company_type, name, \
             registration_number, status, incorporated_on, financial_year_end, registered_address, \
             annual_turnover_cents, taxable_supplies_cents, vat_number, tax_reference, agent_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT DO NOTHING",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(c.id)
        .bind(c.client_id)
        .bind(c.jurisdiction.as_str())
        .bind(c.company_type.as_str())
        .bind(c.name)
        .bind(c.registration_number)
        .bind(c.status.as_str())
        .bind(c.incorporated_on)
        .bind(c.financial_year_end)
        .bind(&c.registered_address)
        .bind(c.annual_turnover_cents)
        .bind(c.taxable_supplies_cents)
        .bind(c.vat_number)
        .bind(c.tax_reference)
        .bind(c.agent_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(inserted > 0)
}

/// A company that is not deleted, without its people.
pub(crate) async fn find(tx: &mut TenantTx, id: Uuid) -> Result<Option<Company>, sqlx::Error> {
    let row = tx
        .query(select_companies!(
            "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(company_from_row).transpose()
}

/// Whether a company that is not deleted has this id and belongs to this client.
pub(crate) async fn belongs_to(
    tx: &mut TenantTx,
    id: Uuid,
    client: Uuid,
) -> Result<bool, sqlx::Error> {
    tx.query_scalar("SELECT EXISTS (SELECT 1 FROM companies WHERE tenant_id = $1 AND id = $2 AND client_id = $3 AND deleted_at IS NULL)")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(client)
        .fetch_one(tx.conn())
        .await
}

/// The facts of a company (deleted ones only when asked).
pub(crate) async fn facts(
    tx: &mut TenantTx,
    id: Uuid,
    include_deleted: bool,
) -> Result<Option<CompanyFacts>, sqlx::Error> {
    let row = tx
        .query(
            "SELECT client_id, agent_id, jurisdiction, company_type, status, incorporated_on, \
             taxable_supplies_cents, vat_number FROM companies \
             WHERE tenant_id = $1 AND id = $2 AND ($3 OR deleted_at IS NULL)",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(include_deleted)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| {
        Ok(CompanyFacts {
            client_id: r.try_get("client_id")?,
            agent_id: r.try_get("agent_id")?,
            jurisdiction: decode::text(&r, "jurisdiction")?,
            company_type: decode::text(&r, "company_type")?,
            status: decode::text(&r, "status")?,
            incorporated_on: r.try_get("incorporated_on")?,
            taxable_supplies_cents: r.try_get("taxable_supplies_cents")?,
            vat_number: r.try_get("vat_number")?,
        })
    })
    .transpose()
}

/// The ids of the registered companies that are not deleted (those with a calendar).
pub(crate) async fn registered(tx: &mut TenantTx) -> Result<Vec<Uuid>, sqlx::Error> {
    tx.query_scalar("SELECT id FROM companies WHERE tenant_id = $1 AND deleted_at IS NULL AND status = 'registered'")
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await
}

/// Sets or clears `deleted_at` when it is not already so; returns the rows changed (0 or 1).
pub(crate) async fn set_deleted(
    tx: &mut TenantTx,
    id: Uuid,
    deleted: bool,
) -> Result<u64, sqlx::Error> {
    Ok(tx
        .query("UPDATE companies SET deleted_at = CASE WHEN $3 THEN now() ELSE NULL END WHERE tenant_id = $1 AND id = $2 AND (deleted_at IS NULL) = $3")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(deleted)
        .execute(tx.conn())
        .await?
        .rows_affected())
}

/// A page's worth of the list, as [`list`] reads it.
pub(crate) struct ListQuery {
    pub client_id: Option<Uuid>,
    pub agent: Option<Uuid>,
    /// A prefix tsquery of the search's words.
    pub tsquery: Option<String>,
    /// The search as one upper-case word, for the registration number.
    pub exact: Option<String>,
    pub after: Option<Cursor>,
    /// Rows to read: one more than the page, to learn whether another page exists.
    pub rows: i64,
}

pub(crate) async fn list(tx: &mut TenantTx, q: &ListQuery) -> Result<Vec<Company>, sqlx::Error> {
    let mut sql = tx.filtered(select_companies!(""), "tenant_id");
    sql.and_sql("deleted_at IS NULL")
        .and("client_id = ", q.client_id)
        .and("agent_id = ", q.agent);
    if let (Some(words), Some(exact)) = (&q.tsquery, &q.exact) {
        sql.and_sql("(search_text @@ to_tsquery('simple', ")
            .bind(words)
            .push(") OR registration_number = ")
            .bind(exact)
            .push(" OR 'K' || registration_number = ")
            .bind(exact)
            .push(")");
    }
    sql.before("created_at, id", q.after.map(|c| (c.created_at, c.id)))
        .order_limit("created_at DESC, id DESC", q.rows);
    let rows = sql.fetch_all(tx).await?;
    rows.iter().map(company_from_row).collect()
}

/// Inserts a checked person (`appointed_on` defaulting to `default_appointed`).
pub(crate) async fn insert_person(
    tx: &mut TenantTx,
    id: Uuid,
    company: Uuid,
    p: &PersonInput,
    default_appointed: Option<NaiveDate>,
) -> Result<(), sqlx::Error> {
    tx.query(
        "INSERT INTO company_people (tenant_id, id, company_id, full_name, id_number, passport_number, \
         passport_country, email, phone, roles, shares, ownership_basis_points, appointed_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(company)
    .bind(p.full_name.as_deref().unwrap_or_default().trim())
    .bind(&p.id_number)
    .bind(&p.passport_number)
    .bind(&p.passport_country)
    .bind(&p.email)
    .bind(&p.phone)
    .bind(&p.roles)
    .bind(p.shares)
    .bind(p.ownership_basis_points)
    .bind(p.appointed_on.or(default_appointed))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records a current person's resignation; their roles, or None when no such current person.
pub(crate) async fn resign_person(
    tx: &mut TenantTx,
    company: Uuid,
    person: Uuid,
    on: NaiveDate,
) -> Result<Option<Vec<PersonRole>>, sqlx::Error> {
    let row = tx
        .query("UPDATE company_people SET resigned_on = $4 WHERE tenant_id = $1 AND company_id = $2 AND id = $3 AND resigned_on IS NULL RETURNING roles")
        .bind(tx.tenant_id().as_uuid())
        .bind(company)
        .bind(person)
        .bind(on)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| decode::text_array(&r, "roles")).transpose()
}

/// A company's people, current and resigned, in the order they were added.
pub(crate) async fn people(tx: &mut TenantTx, company: Uuid) -> Result<Vec<Person>, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT id, full_name, id_number, passport_number, passport_country, email, phone, roles, \
             shares, ownership_basis_points, appointed_on, resigned_on FROM company_people \
             WHERE tenant_id = $1 AND company_id = $2 ORDER BY created_at, id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(company)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(person_from_row).collect()
}

fn person_from_row(r: &PgRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        id: r.try_get("id")?,
        full_name: r.try_get("full_name")?,
        id_number: r.try_get("id_number")?,
        passport_number: r.try_get("passport_number")?,
        passport_country: r.try_get("passport_country")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        roles: decode::text_array(r, "roles")?,
        shares: r.try_get("shares")?,
        ownership_basis_points: r.try_get("ownership_basis_points")?,
        appointed_on: r.try_get("appointed_on")?,
        resigned_on: r.try_get("resigned_on")?,
    })
}

/// The people rows (of any company) holding this ID or passport number, with their company's
/// id, name and client, for a data subject's request.
pub(crate) async fn people_with_identifier(
    tx: &mut TenantTx,
    id_number: Option<&str>,
    passport_number: Option<&str>,
) -> Result<Vec<(Person, Uuid, String, Uuid)>, sqlx::Error> {
    let rows = tx
        .query(
            "SELECT p.id, p.full_name, p.id_number, p.passport_number, p.passport_country, p.email, p.phone, p.roles, \
             p.shares, p.ownership_basis_points, p.appointed_on, p.resigned_on, c.id AS company_id, c.name AS company_name, \
             c.client_id FROM company_people p JOIN companies c ON c.tenant_id = p.tenant_id AND c.id = p.company_id \
             WHERE p.tenant_id = $1 AND (($2::text IS NOT NULL AND p.id_number = $2) \
             OR ($3::text IS NOT NULL AND upper(p.passport_number) = upper($3))) ORDER BY p.created_at, p.id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id_number)
        .bind(passport_number)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                person_from_row(r)?,
                r.try_get("company_id")?,
                r.try_get("company_name")?,
                r.try_get("client_id")?,
            ))
        })
        .collect()
}

/// De-identifies a people row: name, numbers and contact details removed, `erased_at` set;
/// roles, shares and dates kept. Whether a row changed.
pub(crate) async fn deidentify_person(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let changed = tx
        .query(
            "UPDATE company_people SET full_name = 'Erased person', id_number = NULL, \
             passport_number = NULL, passport_country = NULL, email = NULL, phone = NULL, \
             erased_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 AND erased_at IS NULL",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(changed == 1)
}

/// The company a person belongs to.
pub(crate) async fn company_of_person(
    tx: &mut TenantTx,
    person: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    tx.query_scalar("SELECT company_id FROM company_people WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(person)
        .fetch_optional(tx.conn())
        .await
}
