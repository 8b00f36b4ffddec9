//! Companies: the list (search, the client and agent filters, pages), the company's profile
//! (details, people and their roles, shareholdings, resignations, obligations, registrations,
//! history), adding an existing company (prefilled from CIPC when the agency has credentials),
//! appointing a person and recording a resignation. Every change goes through
//! `comply360_practice::companies` and the lookup through the API's own handler
//! (`comply360_api::practice::cipc::lookup`), so a field error or a CIPC refusal reads the
//! same here as in the API.
//!
//! The practice has no operation to change a company's details after it is added, and keeps
//! shares on the person (there is no separate shareholding record), so there is no edit form
//! and the shareholdings are the shareholders' rows.

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use comply360_api::AppState;
use comply360_api::auth::caller::Caller;
use comply360_api::body::QueryParams;
use comply360_api::practice::cipc;
use comply360_practice::clients::{self, ClientFilter};
use comply360_practice::companies::{
    self, Company, CompanyFilter, CompanyInput, CompanyStatus, CompanyType, PersonInput, PersonRole,
};
use comply360_practice::obligations::{self, ObligationFilter};
use comply360_practice::registrations::{self, RegistrationFilter};
use comply360_practice::reminders::sa_today;
use comply360_practice::{Page, PracticeError, history};
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The fields of the person form (the roles are checkboxes beside them).
const PERSON_FIELDS: &[&str] = &[
    "full_name",
    "id_number",
    "passport_number",
    "passport_country",
    "email",
    "phone",
    "shares",
    "appointed_on",
];

fn id(text: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(text).map_err(|_| PageError::NotFound)
}

fn words(text: &str) -> String {
    text.replace('_', " ")
}

/// A company type or role with its words, for pickers.
fn options<T: Copy>(all: &[T], key: impl Fn(T) -> &'static str) -> Vec<Value> {
    all.iter()
        .map(|v| json!({"value": key(*v), "label": upper_first(&words(key(*v)))}))
        .collect()
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The agency's clients for a picker (the first hundred, newest first, as registrations do).
async fn client_choices(tx: &mut comply360_store::TenantTx) -> Result<Vec<Value>, PracticeError> {
    let clients = clients::list(
        tx,
        &ClientFilter {
            limit: Some(100),
            ..ClientFilter::default()
        },
    )
    .await?
    .items;
    Ok(clients
        .iter()
        .map(|c| json!({"id": c.id.to_string(), "name": c.display_name}))
        .collect())
}

/// A company as the list and profile show it: the stored record with its client's name, the
/// registered address as one line, the financial year end as a month.
async fn view(
    tx: &mut comply360_store::TenantTx,
    company: &Company,
) -> Result<Value, PracticeError> {
    let client = clients::display_name(tx, company.client_id).await?;
    let mut v = serde_json::to_value(company).unwrap_or_default();
    v["client_name"] = json!(client);
    v["type_label"] = json!(upper_first(&words(company.company_type.as_str())));
    v["address"] = json!(address_line(&company.registered_address));
    v["year_end"] = json!(
        company
            .financial_year_end
            .and_then(|m| usize::try_from(m).ok())
            .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
    );
    Ok(v)
}

fn address_line(address: &Value) -> String {
    [
        "line1",
        "line2",
        "suburb",
        "city",
        "province",
        "postal_code",
    ]
    .iter()
    .filter_map(|k| address.get(*k).and_then(Value::as_str))
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

// ---------------------------------------------------------------------------------------
// The list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    client: Option<String>,
    mine: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let mine = query.mine.as_deref() == Some("1");
    let client = query.client.clone().filter(|c| !c.is_empty());
    let filter = CompanyFilter {
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        // An unknown client id matches nothing rather than failing the page.
        client_id: client
            .as_deref()
            .map(|c| Uuid::parse_str(c).unwrap_or_else(|_| Uuid::nil())),
        agent: mine.then(|| chrome.actor()),
        cursor: query.cursor.clone().filter(|c| !c.is_empty()),
        limit: Some(25),
    };
    let filtered = filter.q.is_some() || filter.client_id.is_some() || mine;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let (page, error) = match companies::list(&mut tx, &filter).await {
        Ok(page) => (page, None),
        // A stale cursor: the practice's words beside the list, not an error page.
        Err(PracticeError::Invalid { issues, .. }) => (
            Page {
                items: Vec::new(),
                next_cursor: None,
            },
            issues.first().map(|i| i.message.clone()),
        ),
        Err(e) => return Err(e.into()),
    };
    let mut rows = Vec::new();
    for c in &page.items {
        rows.push(view(&mut tx, c).await?);
    }
    let clients = client_choices(&mut tx).await?;
    tx.commit().await?;
    let empty_agency = !filtered && filter.cursor.is_none() && rows.is_empty() && error.is_none();
    let ctx = context! {
        companies => View::from(Serde(&rows)),
        clients => View::from(Serde(&clients)),
        next_cursor => page.next_cursor,
        q => query.q.unwrap_or_default(),
        client => client.unwrap_or_default(),
        mine,
        filtered,
        empty_agency,
        error,
        can_write => chrome.may("clients:write"),
    };
    if chrome.htmx() {
        return Ok(chrome.fragment("companies/rows.html", ctx));
    }
    Ok(chrome.page("companies/list.html", "companies", "Companies", ctx))
}

// ---------------------------------------------------------------------------------------
// Adding an existing company, with the CIPC prefill

#[derive(Deserialize, Default)]
pub struct NewQuery {
    client: Option<String>,
    /// Set by the "Look up on CIPC" form: the number to prefill from.
    enterprise_number: Option<String>,
}

/// The new-company form: `values` by field name, `errors` beside their fields, `people` the
/// directors carried over from CIPC (added with the company unless unticked).
struct FormState {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    summary: Option<String>,
    people: Vec<Value>,
    lookup: Option<Value>,
    lookup_error: Option<String>,
    enterprise_number: String,
}

async fn form_page(
    state: &AppState,
    chrome: Chrome,
    form: FormState,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let cipc_ready = cipc::stored_settings(state, &tenant).await?.is_some();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let clients = client_choices(&mut tx).await?;
    tx.commit().await?;
    let months: Vec<Value> = MONTHS
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"value": (i + 1).to_string(), "label": m}))
        .collect();
    let invalid = !form.errors.is_empty() || form.lookup_error.is_some();
    let ctx = context! {
        values => form.values,
        errors => form.errors,
        summary => form.summary,
        people => View::from(Serde(&form.people)),
        lookup => View::from(Serde(&form.lookup)),
        lookup_error => form.lookup_error,
        enterprise_number => form.enterprise_number,
        clients => View::from(Serde(&clients)),
        types => View::from(Serde(&options(CompanyType::ALL, CompanyType::as_str))),
        statuses => View::from(Serde(&options(CompanyStatus::ALL, CompanyStatus::as_str))),
        months => View::from(Serde(&months)),
        cipc_ready,
        can_set_cipc => chrome.may("settings:manage"),
    };
    let mut res = chrome.page("companies/form.html", "companies", "Add a company", ctx);
    if invalid {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn new(
    State(state): State<AppState>,
    chrome: Chrome,
    caller: Caller,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let mut form = FormState {
        values: BTreeMap::from([
            ("client_id".into(), q.client.clone().unwrap_or_default()),
            ("status".into(), "registered".into()),
            ("company_type".into(), "private_company".into()),
        ]),
        errors: BTreeMap::new(),
        summary: None,
        people: Vec::new(),
        lookup: None,
        lookup_error: None,
        enterprise_number: String::new(),
    };
    if let Some(number) = q.enterprise_number.filter(|n| !n.trim().is_empty()) {
        form.enterprise_number = number.trim().to_owned();
        match look_up(&state, caller, &form.enterprise_number).await? {
            Ok(prefill) => fill_from(&mut form, &prefill),
            Err(message) => form.lookup_error = Some(message),
        }
    }
    form_page(&state, chrome, form).await
}

/// The API's lookup, called as the API calls it; a refusal as the sentence to show beside the
/// number (a fault of ours stays an error page).
async fn look_up(
    state: &AppState,
    caller: Caller,
    number: &str,
) -> Result<Result<Value, String>, PageError> {
    let query: cipc::LookupQuery = serde_json::from_value(json!({"enterprise_number": number}))
        .map_err(|e| PageError::from(PracticeError::field("enterprise_number", e.to_string())))?;
    match cipc::lookup(State(state.clone()), caller, QueryParams(query)).await {
        Ok(axum::Json(prefill)) => Ok(Ok(serde_json::to_value(&prefill).unwrap_or_default())),
        Err(problem) if problem.status == StatusCode::INTERNAL_SERVER_ERROR => {
            Err(PageError::Problem(problem))
        }
        Err(problem) => Ok(Err(problem
            .errors
            .first()
            .map_or(problem.detail.clone(), |e| e.message.clone()))),
    }
}

/// CIPC's words for a company type, read as ours (the agent checks the form before adding).
fn type_from_cipc(text: &str) -> Option<&'static str> {
    let t = text.to_lowercase();
    let found = if t.contains("non profit") || t.contains("non-profit") || t.contains("npc") {
        "non_profit_company"
    } else if t.contains("personal liability") || t.contains("inc") {
        "personal_liability_company"
    } else if t.contains("state") {
        "state_owned_company"
    } else if t.contains("close") {
        "close_corporation"
    } else if t.contains("public") {
        "public_company"
    } else if t.contains("private") || t.contains("pty") {
        "private_company"
    } else {
        return None;
    };
    Some(found)
}

/// Fills the form from CIPC's answer: the profile's fields and the current directors.
fn fill_from(form: &mut FormState, prefill: &Value) {
    let text = |k: &str| prefill[k].as_str().unwrap_or_default().to_owned();
    let values = &mut form.values;
    values.insert("name".into(), text("name"));
    values.insert("registration_number".into(), text("registration_number"));
    values.insert("incorporated_on".into(), text("registration_date"));
    if let Some(t) = type_from_cipc(&text("company_type")) {
        values.insert("company_type".into(), t.into());
    }
    let status = text("status").to_lowercase();
    values.insert(
        "status".into(),
        if status.contains("dereg") {
            "deregistered"
        } else {
            "registered"
        }
        .into(),
    );
    // CIPC gives the address as one line: the street first, the postal code last.
    let address = text("registered_address");
    let mut parts: Vec<&str> = address
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        values.insert(
            "address_postal_code".into(),
            parts.pop().unwrap_or_default().into(),
        );
    }
    if parts.len() > 1 {
        values.insert(
            "address_city".into(),
            parts.pop().unwrap_or_default().into(),
        );
    }
    values.insert("address_line1".into(), parts.join(", "));
    form.people = prefill["directors"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| {
                    json!({
                        "full_name": d["full_name"].as_str().unwrap_or_default(),
                        "id_number": d["id_number"].as_str().unwrap_or_default(),
                        "appointed_on": d["appointed_on"].as_str().unwrap_or_default(),
                        "include": true,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    form.lookup = Some(prefill.clone());
}

fn some(form: &BTreeMap<String, String>, key: &str) -> Option<String> {
    form.get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A date field: None when empty; a field error when not a date (a browser's date input
/// always sends YYYY-MM-DD, so this is for hand-made requests).
fn date(
    value: Option<String>,
    field: &str,
    errors: &mut BTreeMap<String, String>,
) -> Option<NaiveDate> {
    let v = value?;
    NaiveDate::parse_from_str(&v, "%Y-%m-%d")
        .map_err(|_| {
            errors.insert(field.into(), "give the date as YYYY-MM-DD".into());
        })
        .ok()
}

/// The posted form as the practice's input, and the fields that could not be read.
fn company_input(
    form: &[(String, String)],
) -> (
    CompanyInput,
    BTreeMap<String, String>,
    Vec<Value>,
    BTreeMap<String, String>,
) {
    let mut values = BTreeMap::new();
    let mut people: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in form {
        // Carried-over directors: `people[0].full_name`, …
        if let Some(rest) = k.strip_prefix("people[")
            && let Some((i, field)) = rest.split_once("].")
            && let Ok(i) = i.parse::<usize>()
        {
            people
                .entry(i)
                .or_default()
                .insert(field.to_owned(), v.clone());
        } else {
            values.insert(k.clone(), v.clone());
        }
    }
    let mut errors = BTreeMap::new();
    let mut address = serde_json::Map::new();
    for (field, key) in [
        ("address_line1", "line1"),
        ("address_city", "city"),
        ("address_postal_code", "postal_code"),
    ] {
        if let Some(v) = some(&values, field) {
            address.insert(key.into(), Value::String(v));
        }
    }
    let client_id = some(&values, "client_id").map(|c| {
        Uuid::parse_str(&c).unwrap_or_else(|_| {
            errors.insert("client_id".into(), "choose a client from the list".into());
            Uuid::nil()
        })
    });
    let mut inputs = Vec::new();
    let mut shown = Vec::new();
    for p in people.values() {
        let include = p.get("include").is_some_and(|v| v == "1");
        let get = |k: &str| some(p, k);
        shown.push(json!({
            "full_name": get("full_name").unwrap_or_default(),
            "id_number": get("id_number").unwrap_or_default(),
            "appointed_on": get("appointed_on").unwrap_or_default(),
            "include": include,
        }));
        if include {
            let appointed = date(
                get("appointed_on"),
                &format!("people[{}].appointed_on", inputs.len()),
                &mut errors,
            );
            inputs.push(PersonInput {
                full_name: get("full_name"),
                id_number: get("id_number"),
                roles: vec![PersonRole::Director.as_str().to_owned()],
                appointed_on: appointed,
                ..PersonInput::default()
            });
        }
    }
    let input = CompanyInput {
        client_id,
        company_type: some(&values, "company_type"),
        name: some(&values, "name"),
        registration_number: some(&values, "registration_number"),
        status: some(&values, "status"),
        incorporated_on: date(
            some(&values, "incorporated_on"),
            "incorporated_on",
            &mut errors,
        ),
        financial_year_end: some(&values, "financial_year_end").and_then(|m| m.parse().ok()),
        registered_address: (!address.is_empty()).then_some(Value::Object(address)),
        vat_number: some(&values, "vat_number"),
        tax_reference: some(&values, "tax_reference"),
        people: inputs,
        ..CompanyInput::default()
    };
    (input, values, shown, errors)
}

pub async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (input, values, people, mut errors) = company_input(&form);
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = companies::create(&mut tx, chrome.actor(), &input, sa_today()).await;
    let (summary, refused) = match result {
        // Saved only when every field could be read: a field we could not read went to the
        // practice as missing, so its answer alone does not decide.
        Ok(company) if errors.is_empty() => {
            tx.commit().await?;
            let to = format!("/companies/{}", company.id);
            return Ok(chrome.done(&to, &format!("{} was added.", company.name)));
        }
        Ok(_) => ("the company has invalid fields".to_owned(), BTreeMap::new()),
        Err(err) => {
            let (refused, summary) = crate::errors::refusal(err)?;
            (summary, refused)
        }
    };
    // Dropping the transaction rolls back whatever the practice wrote.
    drop(tx);
    for (k, v) in refused {
        errors.entry(k).or_insert(v);
    }
    let form = FormState {
        values,
        errors,
        summary: Some(summary),
        people,
        lookup: None,
        lookup_error: None,
        enterprise_number: String::new(),
    };
    form_page(&state, chrome, form).await
}

// ---------------------------------------------------------------------------------------
// The profile, appointing a person, a resignation

/// The add-person form as typed, and its errors.
#[derive(Default)]
struct PersonForm {
    values: BTreeMap<String, String>,
    roles: Vec<String>,
    errors: BTreeMap<String, String>,
    summary: Option<String>,
}

async fn profile(
    state: &AppState,
    chrome: Chrome,
    company_id: Uuid,
    person: PersonForm,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let company = companies::get(&mut tx, company_id).await?;
    let shown = view(&mut tx, &company).await?;
    let obligations = obligations::list(
        &mut tx,
        &ObligationFilter {
            company_id: Some(company_id),
            status: Some("open".into()),
            limit: Some(50),
            ..ObligationFilter::default()
        },
        sa_today(),
    )
    .await?
    .items;
    // The practice filters registrations by client; this company's are among its client's.
    let registrations = if chrome.may("registrations:read") {
        registrations::list(
            &mut tx,
            &RegistrationFilter {
                client_id: Some(company.client_id),
                limit: Some(100),
                ..RegistrationFilter::default()
            },
        )
        .await?
        .items
        .into_iter()
        .filter(|r| r.company_id == Some(company_id))
        .map(|r| {
            json!({"id": r.id, "kind": super::registrations::type_title(r.kind.as_str()),
                   "status": r.status, "due_on": r.due_on, "reference": r.registry_reference})
        })
        .collect()
    } else {
        Vec::new()
    };
    let history = history::of(&mut tx, "company", company_id).await?;
    let documents = super::documents::section(
        state,
        &chrome,
        &mut tx,
        comply360_documents::model::SubjectKind::Company,
        company_id,
        &format!("/companies/{company_id}"),
    )
    .await?;
    tx.commit().await?;

    let current: Vec<_> = company
        .people
        .iter()
        .filter(|p| p.resigned_on.is_none())
        .collect();
    let resigned: Vec<_> = company
        .people
        .iter()
        .filter(|p| p.resigned_on.is_some())
        .collect();
    // Shareholdings: the current shareholders and their part of the shares held.
    let total: i64 = current.iter().filter_map(|p| p.shares).sum();
    let holdings: Vec<Value> = current
        .iter()
        .filter(|p| p.shares.is_some() || p.roles.contains(&PersonRole::Shareholder))
        .map(|p| {
            let part = p.shares.filter(|_| total > 0).map(|s| {
                // Two decimals, as a share register prints them.
                let hundredths = s.saturating_mul(10_000) / total;
                format!("{}.{:02}%", hundredths / 100, hundredths % 100)
            });
            json!({"full_name": p.full_name, "shares": p.shares, "part": part,
                   "ownership": p.ownership_basis_points.map(|b| format!("{}.{:02}%", b / 100, b % 100))})
        })
        .collect();
    let invalid = !person.errors.is_empty();
    let title = company.name.clone();
    let ctx = context! {
        company => View::from(Serde(&shown)),
        current => View::from(Serde(&current)),
        resigned => View::from(Serde(&resigned)),
        holdings => View::from(Serde(&holdings)),
        total_shares => total,
        obligations => View::from(Serde(&obligations)),
        registrations => View::from(Serde(&registrations)),
        history => View::from(Serde(history.iter().rev().collect::<Vec<_>>())),
        roles => View::from(Serde(&options(PersonRole::ALL, PersonRole::as_str))),
        person => person.values,
        person_roles => person.roles,
        person_errors => person.errors,
        person_summary => person.summary,
        person_fields => View::from(Serde(PERSON_FIELDS)),
        today => sa_today().to_string(),
        can_write => chrome.may("clients:write"),
        documents => View::from(Serde(&documents)),
    };
    let mut res = chrome.page("companies/show.html", "companies", &title, ctx);
    if invalid {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let company_id = id(&raw)?;
    profile(&state, chrome, company_id, PersonForm::default()).await
}

pub async fn add_person(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(raw): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let company_id = id(&raw)?;
    let mut typed = PersonForm::default();
    for (k, v) in form {
        if k == "roles" {
            typed.roles.push(v);
        } else if PERSON_FIELDS.contains(&k.as_str()) {
            typed.values.insert(k, v);
        }
    }
    let mut errors = BTreeMap::new();
    let shares = some(&typed.values, "shares").and_then(|s| {
        s.replace([' ', ','], "")
            .parse::<i64>()
            .map_err(|_| {
                errors.insert(
                    "shares".to_owned(),
                    "give a whole number of shares".to_owned(),
                );
            })
            .ok()
    });
    let input = PersonInput {
        full_name: some(&typed.values, "full_name"),
        id_number: some(&typed.values, "id_number"),
        passport_number: some(&typed.values, "passport_number"),
        passport_country: some(&typed.values, "passport_country"),
        email: some(&typed.values, "email"),
        phone: some(&typed.values, "phone"),
        roles: typed.roles.clone(),
        shares,
        ownership_basis_points: None,
        appointed_on: date(
            some(&typed.values, "appointed_on"),
            "appointed_on",
            &mut errors,
        ),
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result =
        companies::add_person(&mut tx, chrome.actor(), company_id, &input, sa_today()).await;
    let summary = match result {
        Ok(_) if errors.is_empty() => {
            tx.commit().await?;
            let name = input.full_name.unwrap_or_default();
            let to = format!("/companies/{company_id}#people-h");
            return Ok(chrome.done(&to, &format!("{name} was added.")));
        }
        Ok(_) => "the person has invalid fields".to_owned(),
        Err(PracticeError::NotFound(what)) => return Err(PracticeError::NotFound(what).into()),
        Err(err) => {
            let (refused, summary) = crate::errors::refusal(err)?;
            // The practice names the fields `person.full_name`; the form names them `full_name`.
            for (k, v) in refused {
                let k = k.strip_prefix("person.").unwrap_or(&k).to_owned();
                errors.entry(k).or_insert(v);
            }
            summary
        }
    };
    drop(tx);
    typed.errors = errors;
    typed.summary = Some(summary);
    profile(&state, chrome, company_id, typed).await
}

#[derive(Deserialize)]
pub struct ResignForm {
    #[serde(default)]
    on: String,
}

pub async fn resign(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((raw, raw_person)): Path<(String, String)>,
    Form(form): Form<ResignForm>,
) -> Result<Response, PageError> {
    let company_id = id(&raw)?;
    let person = id(&raw_person)?;
    let on = match form.on.trim() {
        // Today when left out, as the API does.
        "" => sa_today(),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            PageError::from(PracticeError::field("on", "give the date as YYYY-MM-DD"))
        })?,
    };
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let company = companies::resign_person(&mut tx, chrome.actor(), company_id, person, on).await?;
    tx.commit().await?;
    let name = company
        .people
        .iter()
        .find(|p| p.id == person)
        .map_or_else(String::new, |p| p.full_name.clone());
    Ok(chrome.done(
        &format!("/companies/{company_id}#resigned-h"),
        &format!("{name}'s resignation on {on} was recorded."),
    ))
}
