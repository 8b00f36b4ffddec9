//! Companies a client holds (or is registering), with their directors, members and
//! shareholders. Every change refreshes the company's obligations in the same transaction,
//! so the compliance calendar is never stale.

use crate::clients::{check_agent, prefix_query};
use crate::error::{PracticeError, Problems};
use crate::page::{self, Cursor, Page};
use crate::{history, obligations};
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::identifiers::{
    CompanyName, RegistrationNumber, SaCompanyKind, SaIdNumber, ZwEntityKind,
};
use comply360_store::TenantTx;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

pub const COMPANY_TYPES: &[&str] = &[
    "private_company",
    "public_company",
    "non_profit_company",
    "personal_liability_company",
    "state_owned_company",
    "close_corporation",
    "zw_private_limited",
    "zw_pbc",
];

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    pub client_id: Option<Uuid>,
    pub jurisdiction: Option<String>,
    pub company_type: Option<String>,
    pub name: Option<String>,
    pub registration_number: Option<String>,
    pub status: Option<String>,
    pub incorporated_on: Option<NaiveDate>,
    pub financial_year_end: Option<i16>,
    pub registered_address: Option<Value>,
    pub annual_turnover_cents: Option<i64>,
    pub taxable_supplies_cents: Option<i64>,
    pub vat_number: Option<String>,
    pub tax_reference: Option<String>,
    pub agent_id: Option<Uuid>,
    #[serde(default)]
    pub people: Vec<PersonInput>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub full_name: Option<String>,
    pub id_number: Option<String>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub shares: Option<i64>,
    pub ownership_basis_points: Option<i32>,
    pub appointed_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: Uuid,
    pub full_name: String,
    pub id_number: Option<String>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub roles: Vec<String>,
    pub shares: Option<i64>,
    pub ownership_basis_points: Option<i32>,
    pub appointed_on: Option<NaiveDate>,
    pub resigned_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Company {
    pub id: Uuid,
    pub client_id: Uuid,
    pub jurisdiction: String,
    pub company_type: String,
    pub name: String,
    pub registration_number: Option<String>,
    pub status: String,
    pub incorporated_on: Option<NaiveDate>,
    pub financial_year_end: Option<i16>,
    pub registered_address: Value,
    pub annual_turnover_cents: Option<i64>,
    pub taxable_supplies_cents: Option<i64>,
    pub vat_number: Option<String>,
    pub tax_reference: Option<String>,
    pub agent_id: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub people: Vec<Person>,
}

const PERSON_ROLES: &[&str] = &[
    "director",
    "member",
    "shareholder",
    "incorporator",
    "secretary",
    "beneficial_owner",
];

/// Checks a company name against the ending its type needs (FACTS.md s11(3)(c)).
pub fn check_name(name: &str, company_type: &str) -> Result<String, String> {
    let parsed = match company_type {
        "private_company" => CompanyName::parse_sa(name, SaCompanyKind::Private),
        "public_company" => CompanyName::parse_sa(name, SaCompanyKind::Public),
        "non_profit_company" => CompanyName::parse_sa(name, SaCompanyKind::NonProfit),
        "personal_liability_company" => {
            CompanyName::parse_sa(name, SaCompanyKind::PersonalLiability)
        }
        "state_owned_company" => CompanyName::parse_sa(name, SaCompanyKind::StateOwned),
        "zw_private_limited" => CompanyName::parse_zw(name, ZwEntityKind::PrivateLimited),
        "zw_pbc" => CompanyName::parse_zw(name, ZwEntityKind::Pbc),
        // A close corporation's name ends in CC; FACTS.md gives no rule to check.
        _ => return Ok(name.trim().to_owned()),
    };
    parsed
        .map(|n| n.as_str().to_owned())
        .map_err(|e| e.to_string())
}

pub(crate) fn check_person(p: &PersonInput, path: &str, today: NaiveDate, problems: &mut Problems) {
    if p.full_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        problems.add(
            &format!("{path}.full_name"),
            "the person's full name is required",
        );
    }
    match (&p.id_number, &p.passport_number) {
        (Some(id), _) => {
            if let Err(e) = SaIdNumber::parse(id, today) {
                problems.add(
                    &format!("{path}.id_number"),
                    format!("not a valid South African ID number: {e}"),
                );
            }
        }
        (None, Some(_)) if p.passport_country.is_none() => {
            problems.add(
                &format!("{path}.passport_country"),
                "give the passport's country (two letters)",
            );
        }
        (None, Some(_)) => {}
        (None, None) => problems.add(
            &format!("{path}.id_number"),
            "give an SA ID number or a passport number",
        ),
    }
    if p.roles.is_empty() {
        problems.add(
            &format!("{path}.roles"),
            format!("give at least one role: {}", PERSON_ROLES.join(", ")),
        );
    }
    for r in &p.roles {
        if !PERSON_ROLES.contains(&r.as_str()) {
            problems.add(
                &format!("{path}.roles"),
                format!("{r:?} is not a role; use {}", PERSON_ROLES.join(", ")),
            );
        }
    }
    if p.ownership_basis_points
        .is_some_and(|b| !(0..=10_000).contains(&b))
    {
        problems.add(
            &format!("{path}.ownership_basis_points"),
            "must be 0 to 10000 (5% = 500)",
        );
    }
}

/// A company whose fields have been checked.
struct Valid {
    client_id: Uuid,
    jurisdiction: String,
    company_type: String,
    name: String,
    registration_number: Option<String>,
    status: String,
}

fn validate(c: &CompanyInput, today: NaiveDate) -> Result<Valid, PracticeError> {
    let mut p = Problems::default();
    if c.client_id.is_none() {
        p.add(
            "client_id",
            "the id of the client who holds the company is required",
        );
    }
    let company_type = c.company_type.clone().unwrap_or_default();
    if !COMPANY_TYPES.contains(&company_type.as_str()) {
        p.add(
            "company_type",
            format!("must be one of {}", COMPANY_TYPES.join(", ")),
        );
    }
    let jurisdiction = c.jurisdiction.clone().unwrap_or_else(|| {
        if company_type.starts_with("zw_") {
            "ZW".into()
        } else {
            "ZA".into()
        }
    });
    if (jurisdiction == "ZW") != company_type.starts_with("zw_")
        || !["ZA", "ZW"].contains(&jurisdiction.as_str())
    {
        p.add(
            "jurisdiction",
            "must be ZA for South African company types and ZW for zw_* types",
        );
    }
    let name = match c.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => {
            p.add("name", "the company's name is required");
            String::new()
        }
        Some(n) => check_name(n, &company_type).unwrap_or_else(|e| {
            p.add("name", e);
            n.to_owned()
        }),
    };
    let status = c.status.clone().unwrap_or_else(|| "registered".into());
    if !["proposed", "registered", "deregistered"].contains(&status.as_str()) {
        p.add("status", "must be proposed, registered or deregistered");
    }
    let registration_number = c
        .registration_number
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_uppercase);
    if let Some(r) = &registration_number
        && jurisdiction == "ZA"
        && let Err(e) = RegistrationNumber::parse(r, today)
    {
        p.add("registration_number", e.to_string());
    }
    if status == "registered" && c.incorporated_on.is_none() {
        p.add("incorporated_on", "a registered company needs its incorporation date (the compliance calendar counts from it)");
    }
    if c.incorporated_on.is_some_and(|d| d > today) {
        p.add("incorporated_on", "cannot be in the future");
    }
    if c.financial_year_end.is_some_and(|m| !(1..=12).contains(&m)) {
        p.add("financial_year_end", "must be a month number 1 to 12");
    }
    for (field, v) in [
        ("annual_turnover_cents", c.annual_turnover_cents),
        ("taxable_supplies_cents", c.taxable_supplies_cents),
    ] {
        if v.is_some_and(|v| v < 0) {
            p.add(field, "must not be negative");
        }
    }
    for (i, person) in c.people.iter().enumerate() {
        check_person(person, &format!("people[{i}]"), today, &mut p);
    }
    p.finish("the company has invalid fields")?;
    Ok(Valid {
        client_id: c.client_id.unwrap_or_default(),
        jurisdiction,
        company_type,
        name,
        registration_number,
        status,
    })
}

async fn client_exists(tx: &mut TenantTx, id: Uuid) -> Result<bool, PracticeError> {
    Ok(tx
        .query_scalar("SELECT EXISTS (SELECT 1 FROM clients WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_one(tx.conn())
        .await?)
}

pub async fn create(
    tx: &mut TenantTx,
    actor: Uuid,
    c: &CompanyInput,
    today: NaiveDate,
) -> Result<Company, PracticeError> {
    let v = validate(c, today)?;
    if !client_exists(tx, v.client_id).await? {
        return Err(PracticeError::field(
            "client_id",
            "no client with this id in your agency",
        ));
    }
    check_agent(tx, c.agent_id, "agent_id").await?;
    let id = Uuid::now_v7();
    let inserted = tx
        .query(
            "INSERT INTO companies (tenant_id, id, client_id, jurisdiction, company_type, name, \
             registration_number, status, incorporated_on, financial_year_end, registered_address, \
             annual_turnover_cents, taxable_supplies_cents, vat_number, tax_reference, agent_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT DO NOTHING",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(v.client_id)
        .bind(&v.jurisdiction)
        .bind(&v.company_type)
        .bind(&v.name)
        .bind(&v.registration_number)
        .bind(&v.status)
        .bind(c.incorporated_on)
        .bind(c.financial_year_end)
        .bind(c.registered_address.clone().unwrap_or_else(|| json!({})))
        .bind(c.annual_turnover_cents)
        .bind(c.taxable_supplies_cents)
        .bind(&c.vat_number)
        .bind(&c.tax_reference)
        .bind(c.agent_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if inserted == 0 {
        return Err(PracticeError::field(
            "registration_number",
            "another company of your agency has this registration number",
        ));
    }
    for person in &c.people {
        insert_person(tx, id, person, c.incorporated_on).await?;
    }
    history::record(
        tx,
        actor,
        "company.created",
        "company",
        id,
        json!({"name": v.name}),
    )
    .await?;
    obligations::refresh_company(tx, id, today).await?;
    get(tx, id).await
}

pub(crate) async fn insert_person(
    tx: &mut TenantTx,
    company: Uuid,
    p: &PersonInput,
    default_appointed: Option<NaiveDate>,
) -> Result<Uuid, PracticeError> {
    let id = Uuid::now_v7();
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
    Ok(id)
}

/// Adds a person to a company; a new beneficial owner opens a BO change filing obligation.
pub async fn add_person(
    tx: &mut TenantTx,
    actor: Uuid,
    company: Uuid,
    p: &PersonInput,
    today: NaiveDate,
) -> Result<Company, PracticeError> {
    get(tx, company).await?;
    let mut problems = Problems::default();
    check_person(p, "person", today, &mut problems);
    problems.finish("the person has invalid fields")?;
    let id = insert_person(tx, company, p, Some(today)).await?;
    history::record(
        tx,
        actor,
        "company.person_added",
        "company",
        company,
        json!({"person_id": id, "roles": p.roles}),
    )
    .await?;
    if p.roles
        .iter()
        .any(|r| r == "beneficial_owner" || r == "shareholder")
    {
        obligations::beneficial_ownership_changed(tx, company, today).await?;
    }
    obligations::refresh_company(tx, company, today).await?;
    get(tx, company).await
}

/// Records a resignation (the person stays in the history).
pub async fn resign_person(
    tx: &mut TenantTx,
    actor: Uuid,
    company: Uuid,
    person: Uuid,
    on: NaiveDate,
) -> Result<Company, PracticeError> {
    let roles: Option<Vec<String>> = tx
        .query_scalar("UPDATE company_people SET resigned_on = $4 WHERE tenant_id = $1 AND company_id = $2 AND id = $3 AND resigned_on IS NULL RETURNING roles")
        .bind(tx.tenant_id().as_uuid())
        .bind(company)
        .bind(person)
        .bind(on)
        .fetch_optional(tx.conn())
        .await?;
    let Some(roles) = roles else {
        return Err(PracticeError::NotFound("current person of this company"));
    };
    history::record(
        tx,
        actor,
        "company.person_resigned",
        "company",
        company,
        json!({"person_id": person, "on": on}),
    )
    .await?;
    if roles
        .iter()
        .any(|r| r == "beneficial_owner" || r == "shareholder")
    {
        obligations::beneficial_ownership_changed(tx, company, on).await?;
    }
    get(tx, company).await
}

fn company_from_row(r: &sqlx::postgres::PgRow) -> Result<Company, sqlx::Error> {
    Ok(Company {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        jurisdiction: r.try_get("jurisdiction")?,
        company_type: r.try_get("company_type")?,
        name: r.try_get("name")?,
        registration_number: r.try_get("registration_number")?,
        status: r.try_get("status")?,
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

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Company, PracticeError> {
    let row = tx
        .query(select_companies!(
            "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    let mut company = row
        .as_ref()
        .map(company_from_row)
        .transpose()?
        .ok_or(PracticeError::NotFound("company"))?;
    let people = tx
        .query(
            "SELECT id, full_name, id_number, passport_number, passport_country, email, phone, roles, \
             shares, ownership_basis_points, appointed_on, resigned_on FROM company_people \
             WHERE tenant_id = $1 AND company_id = $2 ORDER BY created_at, id",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_all(tx.conn())
        .await?;
    company.people = people
        .iter()
        .map(|r| {
            Ok(Person {
                id: r.try_get("id")?,
                full_name: r.try_get("full_name")?,
                id_number: r.try_get("id_number")?,
                passport_number: r.try_get("passport_number")?,
                passport_country: r.try_get("passport_country")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                roles: r.try_get("roles")?,
                shares: r.try_get("shares")?,
                ownership_basis_points: r.try_get("ownership_basis_points")?,
                appointed_on: r.try_get("appointed_on")?,
                resigned_on: r.try_get("resigned_on")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(company)
}

pub async fn set_deleted(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    deleted: bool,
) -> Result<(), PracticeError> {
    let done = tx
        .query("UPDATE companies SET deleted_at = CASE WHEN $3 THEN now() ELSE NULL END WHERE tenant_id = $1 AND id = $2 AND (deleted_at IS NULL) = $3")
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .bind(deleted)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if done == 0 {
        return Err(PracticeError::NotFound(if deleted {
            "company"
        } else {
            "deleted company"
        }));
    }
    history::record(
        tx,
        actor,
        if deleted {
            "company.deleted"
        } else {
            "company.restored"
        },
        "company",
        id,
        json!({}),
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CompanyFilter {
    pub q: Option<String>,
    pub client_id: Option<Uuid>,
    pub agent: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

pub async fn list(tx: &mut TenantTx, f: &CompanyFilter) -> Result<Page<Company>, PracticeError> {
    let limit = page::limit(f.limit);
    let cursor = match &f.cursor {
        Some(c) => Some(
            Cursor::decode(c)
                .ok_or_else(|| PracticeError::field("cursor", "not a cursor this API gave out"))?,
        ),
        None => None,
    };
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let tsquery = q.and_then(prefix_query);
    let exact = q.map(|q| q.split_whitespace().collect::<String>().to_uppercase());
    let rows = tx
        .query(select_companies!(
            "WHERE tenant_id = $1 AND deleted_at IS NULL \
             AND ($2::uuid IS NULL OR client_id = $2) AND ($3::uuid IS NULL OR agent_id = $3) \
             AND ($4::text IS NULL OR to_tsvector('simple', name) @@ to_tsquery('simple', $4) \
                  OR registration_number = $5 OR 'K' || registration_number = $5) \
             AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7)) \
             ORDER BY created_at DESC, id DESC LIMIT $8"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(f.client_id)
        .bind(f.agent)
        .bind(&tsquery)
        .bind(&exact)
        .bind(cursor.map(|c| c.created_at))
        .bind(cursor.map(|c| c.id))
        .bind(limit + 1)
        .fetch_all(tx.conn())
        .await?;
    let items = rows
        .iter()
        .map(company_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, limit, |c| Cursor {
        created_at: c.created_at,
        id: c.id,
    }))
}
