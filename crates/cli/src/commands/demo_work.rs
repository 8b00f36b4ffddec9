//! The demo's work in progress, made through the practice's own operations (what an agent
//! would do in the portal), so that every page has something to show: clients with ID
//! numbers, companies whose obligations are overdue or coming up, and registrations in several
//! states (a half-filled draft, submitted, information requested, completed with its company,
//! cancelled). Runs once per agency: an agency that already has the first of these clients is
//! left alone.

use base64::Engine;
use chrono::{Datelike, Days, NaiveDate};
use comply360_jobs::Outbox;
use comply360_practice::clients::{self, ClientFilter, ClientInput};
use comply360_practice::companies::{self, CompanyInput};
use comply360_practice::outcome::{Attachment, OutcomeInput};
use comply360_practice::registrations::{self, Actor, NewDraft, TransitionInput};
use comply360_practice::reminders::sa_today;
use comply360_store::{Store, Tenant};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

/// People with valid South African ID numbers (FACTS.md's test IDs).
const PEOPLE: [(&str, &str, &str); 4] = [
    ("Lerato", "Mokoena", "8506150123089"),
    ("Johan", "van der Merwe", "8001015009087"),
    ("Ayanda", "Dlamini", "9512314999181"),
    ("Pieter", "Botha", "7503305044089"),
];

/// A (Pty) Ltd incorporation's wizard, complete, for `name` with ID `id`.
fn complete_steps(name: &str, id: &str, paid_on: NaiveDate) -> Value {
    json!({
        "company_name": {"name_choice": "registration_number"},
        "company_details": {
            "financial_year_end": 2,
            "registered_address": {"line1": "12 Loop Street", "city": "Cape Town", "postal_code": "8001", "province": "Western Cape"},
            "moi": "standard"
        },
        "directors": {"directors": [{"full_name": name, "id_number": id, "roles": ["director", "incorporator"]}]},
        "shareholders": {"authorised_shares": 1000, "shareholders": [{"full_name": name, "id_number": id, "shares": 1000, "roles": ["shareholder"]}]},
        "documents": {"provided": [{"kind": "id_copy", "provided": true}]},
        "fees_payment": {"payment": {"amount_cents": 12_500, "reference": "CIPC-INV-1001", "paid_on": paid_on}}
    })
}

fn action(name: &str, note: &str) -> TransitionInput {
    TransitionInput {
        action: Some(name.into()),
        note: note.into(),
        outcome: None,
        expected_version: None,
    }
}

/// The day `years` before `day` (28 February for a 29th that year lacks).
/// The agency's prices (the fee a percentage commission is a share of) and its commission
/// rules: 10 % of the fee for every agent, and the demo agent's own R 250 on incorporations,
/// so the registration approved below earns a commission to approve.
async fn prices_and_rules(
    tx: &mut comply360_store::TenantTx,
    admin: Uuid,
    agent: Uuid,
    today: NaiveDate,
) -> anyhow::Result<()> {
    use comply360_money::{prices, rules};
    let fail = |e: comply360_money::PracticeError| anyhow::anyhow!("demo prices and rules: {e}");
    for (kind, cents) in [
        ("za_name_reservation", 45_000),
        ("za_private_company", 250_000),
        ("za_non_profit_company", 320_000),
        ("za_vat_registration", 180_000),
        ("za_beneficial_ownership", 95_000),
        ("za_annual_return", 85_000),
        ("zw_private_limited", 300_000),
    ] {
        let price = prices::PriceInput {
            kind: Some(kind.into()),
            amount_cents: Some(cents),
            ..prices::PriceInput::default()
        };
        prices::set(tx, admin, &price, today).await.map_err(fail)?;
    }
    for rule in [
        serde_json::json!({"basis": "percentage", "rate_bp": 1000, "note": "agency standard"}),
        serde_json::json!({"basis": "fixed", "amount_cents": 25_000, "kind": "za_private_company", "agent_id": agent, "note": "senior agent"}),
    ] {
        let input: rules::RuleInput = serde_json::from_value(rule)?;
        rules::create(tx, admin, &input, today)
            .await
            .map_err(fail)?;
    }
    Ok(())
}

fn years_before(day: NaiveDate, years: i32) -> NaiveDate {
    day.with_year(day.year() - years)
        .unwrap_or_else(|| day - Days::new(365 * u64::try_from(years).unwrap_or(1)))
}

pub async fn fill(
    store: &Store,
    outbox: &Outbox,
    tenant: &Arc<Tenant>,
    agent: Uuid,
    admin: Uuid,
) -> anyhow::Result<()> {
    let today = sa_today();
    let mut tx = store.tenancy().begin(tenant).await?;
    let done_before = clients::list(
        &mut tx,
        &ClientFilter {
            q: Some(PEOPLE[0].2.into()),
            limit: Some(1),
            ..ClientFilter::default()
        },
    )
    .await?;
    if !done_before.items.is_empty() {
        tx.rollback().await?;
        return Ok(());
    }
    let everything = Actor {
        id: admin,
        granted: None,
    };
    let as_agent = Actor {
        id: agent,
        granted: None,
    };
    prices_and_rules(&mut tx, admin, agent, today).await?;
    let mut people = Vec::new();
    for (first, last, id) in PEOPLE {
        let client = clients::create(
            &mut tx,
            outbox,
            agent,
            &ClientInput {
                first_names: Some(first.into()),
                surname: Some(last.into()),
                id_number: Some(id.into()),
                email: Some(format!("{}@client.example", first.to_lowercase())),
                phone: Some("082 555 0123".into()),
                assigned_agent_id: Some(agent),
                ..ClientInput::default()
            },
            today,
        )
        .await?;
        people.push((client.id, format!("{first} {last}"), id));
    }
    // Companies already registered: one whose annual return is overdue, one due soon.
    for ((client, name, _), (company, incorporated)) in people.iter().zip([
        (
            "Mokoena Trading (Pty) Ltd",
            years_before(today - Days::new(80), 3),
        ),
        (
            "Van der Merwe Farms (Pty) Ltd",
            years_before(today + Days::new(10), 2),
        ),
    ]) {
        let _ = name;
        companies::create(
            &mut tx,
            agent,
            &CompanyInput {
                client_id: Some(*client),
                company_type: Some("private_company".into()),
                name: Some(company.into()),
                incorporated_on: Some(incorporated),
                agent_id: Some(agent),
                ..CompanyInput::default()
            },
            today,
        )
        .await?;
    }
    let paid = today - Days::new(3);
    // A draft half-filled, waiting on the agent.
    let (client, name, id) = &people[0];
    let mut half = complete_steps(name, id, paid);
    if let Some(steps) = half.as_object_mut() {
        for later in ["directors", "shareholders", "documents", "fees_payment"] {
            steps.remove(later);
        }
    }
    let draft = |client: &Uuid, steps: Value| NewDraft {
        client_id: Some(client.to_string()),
        kind: Some("za_private_company".into()),
        agent_id: Some(agent),
        steps: Some(steps),
        ..NewDraft::default()
    };
    registrations::create_draft(&mut tx, outbox, &as_agent, &draft(client, half)).await?;
    // Submitted; information requested; completed with its company; cancelled.
    let mut ids = Vec::new();
    for (client, name, id) in &people[1..4] {
        let r = registrations::create_draft(
            &mut tx,
            outbox,
            &as_agent,
            &draft(client, complete_steps(name, id, paid)),
        )
        .await?;
        registrations::transition(
            &mut tx,
            outbox,
            &as_agent,
            r.id,
            &action("submit", ""),
            today,
        )
        .await?;
        ids.push((r.id, name.clone()));
    }
    registrations::transition(
        &mut tx,
        outbox,
        &everything,
        ids[1].0,
        &action(
            "request_info",
            "CIPC asks for a certified copy of the director's ID.",
        ),
        today,
    )
    .await?;
    let (done, owner) = &ids[2];
    let surname = owner.split(' ').next_back().unwrap_or("Demo");
    let number = format!("{}/{:06}/07", today.year(), 420_042);
    let name = format!("{surname} Holdings (Pty) Ltd");
    // A real PDF with a text layer, so the documents pipeline reads and previews it like a
    // registry's certificate.
    let pdf = comply360_fixtures::pdf_with_text(&[&[
        "Companies and Intellectual Property Commission",
        "CoR 14.3 Registration Certificate (demonstration)",
        &format!("Enterprise number: {number}"),
        &format!("Enterprise name: {name}"),
    ]]);
    let certificate = Attachment {
        file_name: "CoR14.3.pdf".into(),
        content_type: "application/pdf".into(),
        content_base64: base64::engine::general_purpose::STANDARD.encode(pdf),
    };
    let mut approve = action("approve", "");
    approve.outcome = Some(OutcomeInput {
        reference: Some("CIPC-REF-2026-0042".into()),
        registration_number: Some(number),
        name: Some(name),
        decided_on: Some(today - Days::new(1)),
        certificate: Some(certificate),
        ..OutcomeInput::default()
    });
    registrations::transition(&mut tx, outbox, &everything, *done, &approve, today).await?;
    registrations::transition(
        &mut tx,
        outbox,
        &everything,
        *done,
        &action("complete", ""),
        today,
    )
    .await?;
    let (client, name, id) = &people[0];
    let r = registrations::create_draft(
        &mut tx,
        outbox,
        &as_agent,
        &draft(client, complete_steps(name, id, paid)),
    )
    .await?;
    registrations::transition(
        &mut tx,
        outbox,
        &as_agent,
        r.id,
        &action("cancel", "The client chose a trust instead."),
        today,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
