//! Companies a client holds (or is registering), with their directors, members and
//! shareholders. Every change refreshes the company's obligations in the same transaction,
//! so the compliance calendar is never stale.
//!
//! `model` holds the types, `validate` the checks, `repo` the statements; this file the
//! operations.

mod model;
pub(crate) mod repo;
mod validate;

use crate::error::{PracticeError, Problems};
use crate::page::{self, Cursor, Page};
use crate::search::prefix_query;
use crate::{history, obligations};
use chrono::NaiveDate;
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

pub use model::{
    Company, CompanyFilter, CompanyInput, CompanyStatus, CompanyType, Person, PersonInput,
    PersonRole,
};
pub use validate::check_name;

pub async fn create(
    tx: &mut TenantTx,
    actor: Uuid,
    c: &CompanyInput,
    today: NaiveDate,
) -> Result<Company, PracticeError> {
    let v = validate::validate(c, today)?;
    if !crate::clients::repo::exists(tx, v.client_id).await? {
        return Err(PracticeError::field(
            "client_id",
            "no client with this id in your agency",
        ));
    }
    crate::agents::check(tx, c.agent_id, "agent_id").await?;
    let id = Uuid::now_v7();
    let inserted = repo::insert(
        tx,
        &repo::NewCompany {
            id,
            client_id: v.client_id,
            jurisdiction: v.jurisdiction,
            company_type: v.company_type,
            name: &v.name,
            registration_number: v.registration_number.as_deref(),
            status: v.status,
            incorporated_on: c.incorporated_on,
            financial_year_end: c.financial_year_end,
            registered_address: c.registered_address.clone().unwrap_or_else(|| json!({})),
            annual_turnover_cents: c.annual_turnover_cents,
            taxable_supplies_cents: c.taxable_supplies_cents,
            vat_number: c.vat_number.as_deref(),
            tax_reference: c.tax_reference.as_deref(),
            agent_id: c.agent_id,
        },
    )
    .await?;
    if !inserted {
        return Err(PracticeError::field(
            "registration_number",
            "another company of your agency has this registration number",
        ));
    }
    for person in &c.people {
        repo::insert_person(tx, Uuid::now_v7(), id, person, c.incorporated_on).await?;
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
    validate::check_person(p, "person", today, &mut problems);
    problems.finish("the person has invalid fields")?;
    let id = Uuid::now_v7();
    repo::insert_person(tx, id, company, p, Some(today)).await?;
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
        .filter_map(|r| r.parse::<PersonRole>().ok())
        .any(PersonRole::concerns_ownership)
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
    let Some(roles) = repo::resign_person(tx, company, person, on).await? else {
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
    if roles.into_iter().any(PersonRole::concerns_ownership) {
        obligations::beneficial_ownership_changed(tx, company, on).await?;
    }
    get(tx, company).await
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Company, PracticeError> {
    let mut company = repo::find(tx, id)
        .await?
        .ok_or(PracticeError::NotFound("company"))?;
    company.people = repo::people(tx, id).await?;
    Ok(company)
}

/// A company's person, with the company.
pub async fn person(tx: &mut TenantTx, id: Uuid) -> Result<(Company, Person), PracticeError> {
    let company = repo::company_of_person(tx, id)
        .await?
        .ok_or(PracticeError::NotFound("person"))?;
    let company = get(tx, company).await?;
    let person = company
        .people
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .ok_or(PracticeError::NotFound("person"))?;
    Ok((company, person))
}

pub async fn set_deleted(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    deleted: bool,
) -> Result<(), PracticeError> {
    if repo::set_deleted(tx, id, deleted).await? == 0 {
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

pub async fn list(tx: &mut TenantTx, f: &CompanyFilter) -> Result<Page<Company>, PracticeError> {
    let limit = page::limit(f.limit);
    let after = match &f.cursor {
        Some(c) => Some(
            Cursor::decode(c)
                .ok_or_else(|| PracticeError::field("cursor", "not a cursor this API gave out"))?,
        ),
        None => None,
    };
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let query = repo::ListQuery {
        client_id: f.client_id,
        agent: f.agent,
        tsquery: q.and_then(prefix_query),
        exact: q.map(|q| q.split_whitespace().collect::<String>().to_uppercase()),
        after,
        rows: limit + 1,
    };
    let items = repo::list(tx, &query).await?;
    Ok(Page::from_rows(items, limit, |c| Cursor {
        created_at: c.created_at,
        id: c.id,
    }))
}
