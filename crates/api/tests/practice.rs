//! The practice over real HTTP: a private company driven from draft to completed through the
//! registry simulator (the automated path, a real job worker polling a real HTTP simulator)
//! and by hand (the manual path); wrong transitions refused with every field error and
//! nothing changed; clients, companies, the compliance calendar and its iCalendar feed.

use crate::support;
use base64::Engine;
use chrono::{Duration as Days, NaiveDate, Utc};
use comply360_api::{AppState, HttpSettings};
use comply360_domain::IsolationMode;
use comply360_domain::calendar::BusinessCalendar;
use comply360_identity::ratelimit::RateLimiter;
use comply360_integrations::registry::{
    RegistrySimulator, SimulatorConfig, SimulatorGateway, SimulatorHandle,
};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::run_jobs::postgres_worker;
use comply360_jobs::{Outbox, RetryPolicy, Runner, Subscriptions, Transport, WorkerConfig};
use comply360_notify::NotifyEvents;
use comply360_practice::filing::RegistryFiling;
use comply360_practice::reminders::{ReminderSettings, sweep_tenant};
use comply360_testkit::http::{Http, problem, problem_fields};
use comply360_testkit::{TestApp, TestDb, spawn_app_with, test_identity};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

struct Practice {
    app: TestApp,
    _sim: SimulatorHandle,
    stop: CancellationToken,
}

impl Drop for Practice {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// An app whose outbox files `gateway` registrations with a registry simulator (answering
/// after 300 ms, "Acme Holdings" already registered), and a job worker running its jobs.
async fn practice(db: &TestDb) -> Practice {
    let sim = RegistrySimulator::start(SimulatorConfig {
        answer_after: Duration::from_millis(300),
        seed_names: vec!["Acme Holdings (Pty) Ltd".into()],
        ..SimulatorConfig::default()
    })
    .await
    .unwrap();
    let resilience = Resilience::new(CallPolicy {
        retries: 0,
        ..CallPolicy::default()
    });
    let gateway = Arc::new(SimulatorGateway::new(
        sim.base_url(),
        reqwest::Client::new(),
    ));
    let subs = Subscriptions::new(RetryPolicy::DEFAULT)
        .with(AuditTrail)
        .with(NotifyEvents::new("en"))
        .with(RegistryFiling::new(
            gateway,
            resilience.clone(),
            Duration::from_millis(200),
        ));
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let identity = test_identity(&db.store, &outbox).await;
    let state = AppState::new(
        db.store.clone(),
        HttpSettings::default(),
        outbox.clone(),
        identity,
        RateLimiter::in_process(),
    )
    .with_resilience(resilience)
    .with_documents(comply360_testkit::default_documents(&db.store).await);
    let app = spawn_app_with(state).await;
    let stop = CancellationToken::new();
    let runner = Runner::new(db.store.tenancy().clone(), outbox, Duration::from_secs(30));
    let config = WorkerConfig {
        sweep_interval: Duration::from_millis(200),
        ..WorkerConfig::default()
    };
    postgres_worker(runner, db.store.listen_options(), config).spawn(stop.clone());
    Practice {
        app,
        _sim: sim,
        stop,
    }
}

fn today() -> NaiveDate {
    (Utc::now() + Days::hours(2)).date_naive()
}

struct Agency<'a> {
    http: Http<'a>,
    slug: String,
    admin: String,
    agent: String,
    assistant: String,
}

impl Agency<'_> {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let res = self
            .http
            .send(method, Some(&self.slug), path, Some(token), body)
            .await;
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(method.clone(), path, &self.agent, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        body
    }

    /// Waits until the registration reaches `status` (the worker files and polls).
    async fn until(&self, id: &str, status: &str) -> Value {
        for _ in 0..150 {
            let r = self
                .ok(Method::GET, &format!("/api/v1/registrations/{id}"), None)
                .await;
            if r["status"] == status {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("registration {id} never reached {status}");
    }
}

async fn agency<'a>(p: &'a Practice, db: &TestDb, slug: &str, mode: IsolationMode) -> Agency<'a> {
    db.tenant(slug, mode).await;
    let app = &p.app;
    app.create_user(slug, &format!("admin@{slug}.example"), "tenant_admin")
        .await;
    app.create_user(slug, &format!("agent@{slug}.example"), "agent")
        .await;
    app.create_user(
        slug,
        &format!("assistant@{slug}.example"),
        "agent_assistant",
    )
    .await;
    Agency {
        http: Http::new(app),
        slug: slug.to_owned(),
        admin: app.login(slug, &format!("admin@{slug}.example")).await,
        agent: app.login(slug, &format!("agent@{slug}.example")).await,
        assistant: app.login(slug, &format!("assistant@{slug}.example")).await,
    }
}

async fn new_client(a: &Agency<'_>) -> String {
    let c = a
        .ok(
            Method::POST,
            "/api/v1/clients",
            Some(
                json!({"first_names": "Thabo", "surname": "Mokoena", "id_number": "8001015009087",
                        "email": "thabo@karoo.example", "phone": "082 555 0101"}),
            ),
        )
        .await;
    c["id"].as_str().unwrap().to_owned()
}

/// The Pty Ltd wizard's steps after the name.
fn pty_steps(today: NaiveDate) -> Vec<(&'static str, Value)> {
    vec![
        (
            "company_details",
            json!({"financial_year_end": 2, "moi": "standard",
            "registered_address": {"line1": "12 Long Street", "city": "Cape Town", "postal_code": "8001"}}),
        ),
        (
            "directors",
            json!({"directors": [{"full_name": "Thabo Mokoena", "id_number": "8001015009087", "email": "thabo@karoo.example"}]}),
        ),
        (
            "shareholders",
            json!({"authorised_shares": 1000, "shareholders": [{"full_name": "Thabo Mokoena", "id_number": "8001015009087", "shares": 1000}]}),
        ),
        (
            "documents",
            json!({"provided": [{"kind": "id_copy", "provided": true}]}),
        ),
        (
            "fees_payment",
            json!({"payment": {"amount_cents": 17500, "reference": "CIPC-EFT-0042", "paid_on": today.to_string()}}),
        ),
    ]
}

fn actions(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// Name reserved (the first choice refused as a near-duplicate), then a (Pty) Ltd
/// incorporated under the reserved name: registration number recorded, CoR 14.3 attached,
/// the company and its obligations created, the timeline complete. All through the
/// simulator, as the job worker files and polls.
#[tokio::test]
async fn a_private_company_is_registered_through_the_registry_simulator() {
    let db = TestDb::new().await;
    let p = practice(&db).await;
    let a = agency(&p, &db, "sim-pooled", IsolationMode::Pooled).await;
    let client = new_client(&a).await;

    // 1. Name reservation: "ACME holding" is too close to the registered "Acme Holdings".
    let reservation = a
        .ok(Method::POST, "/api/v1/registrations", Some(json!({
            "client_id": client, "kind": "za_name_reservation", "filing_path": "gateway",
            "steps": {"names": {"company_kind": "private", "e_filed": true,
                "names": ["ACME Holding (Pty) Ltd", "Karoo Sun Traders (Pty) Ltd", "Karoo Sun Trading (Pty) Ltd"]}}})))
        .await;
    let rid = reservation["id"].as_str().unwrap().to_owned();
    let v = a
        .ok(
            Method::POST,
            &format!("/api/v1/registrations/{rid}/validate"),
            None,
        )
        .await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["fee_cents"], 5000, "R50 e-filed: {v}");
    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{rid}/submit"),
        None,
    )
    .await;
    let reserved = a.until(&rid, "completed").await;
    let outcome = &reserved["outcome"];
    assert_eq!(outcome["document"], "CoR 9.4");
    assert_eq!(outcome["reserved_name"], "Karoo Sun Traders (Pty) Ltd");
    let reservation_number = outcome["reservation_number"].as_str().unwrap().to_owned();
    let applied: NaiveDate = outcome["applied_on"].as_str().unwrap().parse().unwrap();
    let expires: NaiveDate = outcome["expires_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        expires,
        applied.checked_add_months(chrono::Months::new(6)).unwrap(),
        "6 months from the application"
    );

    // 2. Incorporation under the reserved name, step by step, as the wizard saves them.
    let pty = a
        .ok(
            Method::POST,
            "/api/v1/registrations",
            Some(json!({
            "client_id": client, "kind": "za_private_company", "filing_path": "gateway"})),
        )
        .await;
    let id = pty["id"].as_str().unwrap().to_owned();
    let mut steps = vec![(
        "company_name",
        json!({"name_choice": "reserved",
        "reserved_name": "Karoo Sun Traders (Pty) Ltd", "reservation_number": reservation_number}),
    )];
    steps.extend(pty_steps(today()));
    for (step, value) in steps {
        let saved = a
            .ok(
                Method::PATCH,
                &format!("/api/v1/registrations/{id}/steps/{step}"),
                Some(value),
            )
            .await;
        assert!(
            saved["validation"]["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["key"] == step && s["complete"] == true),
            "{step}: {saved}"
        );
    }
    let v = a
        .ok(
            Method::POST,
            &format!("/api/v1/registrations/{id}/validate"),
            None,
        )
        .await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(
        v["fee_cents"], 17500,
        "standard MOI with a reserved name is R175: {v}"
    );
    let summary = a
        .http
        .get(
            Some(&a.slug),
            &format!("/api/v1/registrations/{id}/summary"),
            Some(&a.agent),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        summary.contains("Karoo Sun Traders (Pty) Ltd")
            && summary.contains("8001015009087")
            && summary.contains("CoR 15.1A"),
        "{summary}"
    );

    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{id}/submit"),
        Some(json!({"note": "filed via the simulator"})),
    )
    .await;
    let done = a.until(&id, "completed").await;
    let number = done["outcome"]["registration_number"].as_str().unwrap();
    let parsed = comply360_domain::identifiers::RegistrationNumber::parse(number, today()).unwrap();
    assert_eq!(
        parsed.company_type(),
        comply360_domain::identifiers::CompanyType::Private
    );
    assert_eq!(done["outcome"]["document"], "CoR 14.3");
    assert_eq!(done["registry_reference"], number);

    // The certificate is attached and is the simulator's PDF.
    let docs = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations/{id}/documents"),
            None,
        )
        .await;
    assert_eq!(docs.as_array().unwrap().len(), 1, "{docs}");
    assert_eq!(docs[0]["kind"], "cor_14_3");
    let pdf = a
        .http
        .get(
            Some(&a.slug),
            &format!(
                "/api/v1/registrations/{id}/documents/{}",
                docs[0]["id"].as_str().unwrap()
            ),
            Some(&a.agent),
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.windows(5).any(|w| w == b"%%EOF"));

    // The company exists, with its number, director and shareholder, and its calendar.
    let company_id = done["company_id"].as_str().unwrap();
    let company = a
        .ok(
            Method::GET,
            &format!("/api/v1/companies/{company_id}"),
            None,
        )
        .await;
    assert_eq!(company["registration_number"], number);
    assert_eq!(company["name"], "Karoo Sun Traders (Pty) Ltd");
    assert_eq!(
        company["people"].as_array().unwrap().len(),
        1,
        "the director who is also the shareholder is one person: {company}"
    );
    let roles = company["people"][0]["roles"].as_array().unwrap();
    for role in ["director", "incorporator", "shareholder"] {
        assert!(roles.iter().any(|r| r == role), "{role}: {company}");
    }
    let obligations = a
        .ok(
            Method::GET,
            &format!("/api/v1/obligations?company_id={company_id}"),
            None,
        )
        .await;
    let bo = obligations["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "beneficial_ownership")
        .expect("BO obligation");
    let incorporated: NaiveDate = company["incorporated_on"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        bo["due_on"],
        BusinessCalendar::shipped()
            .add_business_days(incorporated, 10)
            .to_string()
    );

    // The timeline: every step, the registry's answers recorded by nobody (the gateway).
    let timeline = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations/{id}/timeline"),
            None,
        )
        .await;
    assert_eq!(
        actions(&timeline),
        [
            "created",
            "step_saved",
            "step_saved",
            "step_saved",
            "step_saved",
            "step_saved",
            "step_saved",
            "mark_ready",
            "submit",
            "approve",
            "complete"
        ]
    );
    let entries = timeline.as_array().unwrap();
    assert!(
        entries[..9].iter().all(|e| e["actor_id"].is_string()),
        "people acted: {timeline}"
    );
    assert!(
        entries[9..]
            .iter()
            .all(|e| e["actor_id"].is_null() && e["note"].as_str().unwrap().contains("filing")),
        "{timeline}"
    );
    assert_eq!(entries[8]["note"], "filed via the simulator");
    assert_eq!(
        (
            entries[10]["from_status"].as_str(),
            entries[10]["to_status"].as_str()
        ),
        (Some("approved"), Some("completed"))
    );

    // The events went to the outbox with the registration.
    let tenant = p.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = p.app.store.tenancy().begin(&tenant).await.unwrap();
    let events: Vec<String> = tx
        .query_scalar("SELECT event_type FROM outbox_events WHERE tenant_id = $1 AND aggregate_id = $2::uuid ORDER BY occurred_at, id")
        .bind(tenant.id().as_uuid())
        .bind(&id)
        .fetch_all(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for expected in [
        "registration.created",
        "registration.updated",
        "registration.submitted",
        "registration.approved",
    ] {
        assert!(
            events.iter().any(|e| e == expected),
            "{expected} in {events:?}"
        );
    }
}

/// The same company by hand: the agent files on CIPC's site and records what came back.
#[tokio::test]
async fn a_private_company_is_registered_by_hand_recording_each_outcome() {
    let db = TestDb::new().await;
    let p = practice(&db).await;
    let a = agency(&p, &db, "manual-schema", IsolationMode::Schema).await;
    let client = new_client(&a).await;

    let r = a
        .ok(
            Method::POST,
            "/api/v1/registrations",
            Some(json!({"client_id": client, "kind": "za_name_reservation",
            "steps": {"names": {"company_kind": "private", "names": ["Umoya Bakers (Pty) Ltd"]}}})),
        )
        .await;
    let rid = r["id"].as_str().unwrap().to_owned();
    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{rid}/submit"),
        None,
    )
    .await;
    // Approving needs what the CoR 9.4 says; a name that was not filed is refused.
    let (status, body) = a
        .call(Method::POST, &format!("/api/v1/registrations/{rid}/transitions"), &a.agent,
              Some(json!({"action": "approve", "outcome": {"reserved_name": "Another Name (Pty) Ltd"}})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = problem_fields(&body);
    assert_eq!(
        fields,
        ["outcome.reserved_name", "outcome.reservation_number"]
    );
    a.ok(Method::POST, &format!("/api/v1/registrations/{rid}/transitions"),
         Some(json!({"action": "approve", "note": "CoR 9.4 received by email",
                     "outcome": {"reserved_name": "Umoya Bakers (Pty) Ltd", "reservation_number": "2026123456"}}))).await;
    let done = a
        .ok(
            Method::POST,
            &format!("/api/v1/registrations/{rid}/transitions"),
            Some(json!({"action": "complete"})),
        )
        .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["outcome"]["document"], "CoR 9.4");
    // An extension for good cause: 60 business days after the expiry, once.
    let expiry: NaiveDate = done["outcome"]["expires_on"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{rid}/extend"),
            &a.agent,
            Some(json!({})),
        )
        .await;
    problem_of(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "reason");
    let extended = a
        .ok(
            Method::POST,
            &format!("/api/v1/registrations/{rid}/extend"),
            Some(json!({"reason": "awaiting the client's MOI signature"})),
        )
        .await;
    assert_eq!(
        extended["outcome"]["expires_on"],
        BusinessCalendar::shipped()
            .add_business_days(expiry, 60)
            .to_string()
    );
    assert_eq!(extended["outcome"]["extended_from"], expiry.to_string());
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{rid}/extend"),
            &a.agent,
            Some(json!({"reason": "again"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_extended")),
        "{body}"
    );

    let pty = a
        .ok(
            Method::POST,
            "/api/v1/registrations",
            Some(json!({"client_id": client, "kind": "za_private_company"})),
        )
        .await;
    let id = pty["id"].as_str().unwrap().to_owned();
    let mut steps = vec![(
        "company_name",
        json!({"name_choice": "reserved", "reserved_name": "Umoya Bakers (Pty) Ltd", "reservation_number": "2026123456"}),
    )];
    steps.extend(pty_steps(today()));
    for (step, value) in steps {
        a.ok(
            Method::PATCH,
            &format!("/api/v1/registrations/{id}/steps/{step}"),
            Some(value),
        )
        .await;
    }
    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{id}/transitions"),
        Some(json!({"action": "mark_ready"})),
    )
    .await;
    // The administrator assigns it to the agent with a due date; the list filters by both.
    let agent_id = support::claims_of(&a.agent)["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, assigned) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/assign"),
            &a.admin,
            Some(json!({"agent_id": agent_id, "due_on": "2030-01-31", "note": "Thabo's file"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["agent_id"], agent_id.as_str());
    let mine = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations?agent={agent_id}&status=ready&due_before=2030-02-01"),
            None,
        )
        .await;
    let ids: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let none = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations?agent={agent_id}&due_before=2030-01-31"),
            None,
        )
        .await;
    assert!(
        none["items"].as_array().unwrap().is_empty(),
        "due_before is exclusive: {none}"
    );
    let (status, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/assign"),
            &a.assistant,
            Some(json!({"agent_id": agent_id})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{id}/submit"),
        None,
    )
    .await;
    // CIPC asked for a clearer ID copy; the agent resubmits.
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            &a.agent,
            Some(json!({"action": "request_info"})),
        )
        .await;
    problem_of(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "note");
    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{id}/transitions"),
        Some(json!({"action": "request_info", "note": "CIPC: certified ID copy illegible"})),
    )
    .await;
    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{id}/transitions"),
        Some(json!({"action": "resubmit", "note": "new certified copy uploaded"})),
    )
    .await;
    // The number must be a CIPC number.
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            &a.agent,
            Some(
                json!({"action": "approve", "outcome": {"registration_number": "2026-123456-07"}}),
            ),
        )
        .await;
    problem_of(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outcome.registration_number",
    );
    let number = format!("{}/654321/07", today().format("%Y"));
    a.ok(Method::POST, &format!("/api/v1/registrations/{id}/transitions"),
         Some(json!({"action": "approve", "note": "CoR 14.3 issued", "outcome": {"registration_number": number}}))).await;
    // Completing needs the certificate.
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            &a.agent,
            Some(json!({"action": "complete"})),
        )
        .await;
    problem_of(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outcome.certificate",
    );
    let pdf = b"%PDF-1.4\n% CoR 14.3 as downloaded from CIPC\n%%EOF\n";
    let done = a
        .ok(Method::POST, &format!("/api/v1/registrations/{id}/transitions"),
            Some(json!({"action": "complete", "outcome": {"certificate": {"file_name": "CoR14.3.pdf", "content_type": "application/pdf",
                "content_base64": base64::engine::general_purpose::STANDARD.encode(pdf)}}})))
        .await;
    assert_eq!(done["status"], "completed");
    let company = a
        .ok(
            Method::GET,
            &format!("/api/v1/companies/{}", done["company_id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(company["registration_number"], number.as_str());
    let timeline = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations/{id}/timeline"),
            None,
        )
        .await;
    assert_eq!(
        actions(&timeline)[7..],
        [
            "mark_ready",
            "assigned",
            "submit",
            "request_info",
            "resubmit",
            "approve",
            "complete"
        ]
    );
    assert!(
        timeline
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_id"].is_string()),
        "all by people: {timeline}"
    );
    let docs = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations/{id}/documents"),
            None,
        )
        .await;
    assert_eq!(docs[0]["size_bytes"], pdf.len());
}

fn problem_of(status: StatusCode, body: &Value, expected: StatusCode, field: &str) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == field)),
        "{field} not in {body}"
    );
}

/// Wrong transitions and invalid drafts are refused with a problem listing each field, and
/// the registration is exactly as it was.
#[tokio::test]
async fn wrong_transitions_are_refused_and_change_nothing() {
    let db = TestDb::new().await;
    let p = practice(&db).await;
    let a = agency(&p, &db, "wrong-db", IsolationMode::Database).await;
    let client = new_client(&a).await;
    let pty = a
        .ok(
            Method::POST,
            "/api/v1/registrations",
            Some(json!({"client_id": client, "kind": "za_private_company"})),
        )
        .await;
    let id = pty["id"].as_str().unwrap().to_owned();
    // A name, details, an invalid ID number and no shareholders.
    a.ok(Method::PATCH, &format!("/api/v1/registrations/{id}/steps/company_name"),
         Some(json!({"name_choice": "alternatives", "alternatives": ["Karoo Sun", "Karoo Sun Traders (Pty) Ltd", "Karoo Sun Traders (Pty) Ltd"]}))).await;
    a.ok(
        Method::PATCH,
        &format!("/api/v1/registrations/{id}/steps/directors"),
        Some(json!({"directors": [{"full_name": "Thabo Mokoena", "id_number": "8001015009088"}]})),
    )
    .await;
    let before = a
        .ok(Method::GET, &format!("/api/v1/registrations/{id}"), None)
        .await;
    let timeline_before = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations/{id}/timeline"),
            None,
        )
        .await;

    // Approve a draft: not from draft.
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            &a.agent,
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "transition_not_allowed");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("from draft you can: mark_ready, submit, cancel"),
        "{body}"
    );
    // Submit with the invalid ID, the bad names and missing steps: each field listed.
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/submit"),
            &a.agent,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "validation_failed");
    let fields = problem_fields(&body);
    for expected in [
        "steps.company_name.alternatives[0]",
        "steps.company_name.alternatives[2]",
        "steps.company_details.financial_year_end",
        "steps.company_details.registered_address",
        "steps.company_details.moi",
        "steps.directors.directors[0].id_number",
        "steps.shareholders.authorised_shares",
        "steps.shareholders.shareholders",
    ] {
        assert!(fields.contains(&expected), "{expected} not in {fields:?}");
    }
    let id_error = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "steps.directors.directors[0].id_number")
        .unwrap();
    assert!(
        id_error["message"]
            .as_str()
            .unwrap()
            .contains("not a valid South African ID number"),
        "{id_error}"
    );
    // No director at all.
    a.ok(
        Method::PATCH,
        &format!("/api/v1/registrations/{id}/steps/directors"),
        Some(json!({"directors": []})),
    )
    .await;
    let (_, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/submit"),
            &a.agent,
            None,
        )
        .await;
    let missing = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "steps.directors.directors")
        .unwrap();
    assert!(
        missing["message"].as_str().unwrap().contains("required")
            || missing["message"].as_str().unwrap().contains("at least 1"),
        "{body}"
    );
    // An assistant may prepare, not file.
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/submit"),
            &a.assistant,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            &a.assistant,
            Some(json!({"action": "cancel"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("permission_denied")),
        "{body}"
    );
    // An unknown step or field is refused, and a stale version too.
    let (status, body) = a
        .call(
            Method::PATCH,
            &format!("/api/v1/registrations/{id}/steps/colour"),
            &a.agent,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let res = a
        .http
        .client
        .patch(
            a.http
                .app
                .url(&format!("/api/v1/registrations/{id}/steps/company_details")),
        )
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.agent)
        .header("if-match", "\"1\"")
        .json(&json!({"financial_year_end": 2}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::CONFLICT, "stale_version").await;

    // Nothing changed except the one valid patch (directors emptied) before the refusals.
    let after = a
        .ok(Method::GET, &format!("/api/v1/registrations/{id}"), None)
        .await;
    assert_eq!(after["status"], "draft");
    assert_eq!(
        after["version"].as_i64().unwrap(),
        before["version"].as_i64().unwrap() + 1
    );
    let timeline_after = a
        .ok(
            Method::GET,
            &format!("/api/v1/registrations/{id}/timeline"),
            None,
        )
        .await;
    assert_eq!(
        timeline_after.as_array().unwrap().len(),
        timeline_before.as_array().unwrap().len() + 1
    );

    // A new close corporation is refused, with the reason; an NPC needs 3 directors.
    let (status, body) = a
        .call(
            Method::POST,
            "/api/v1/registrations",
            &a.agent,
            Some(json!({"client_id": client, "kind": "za_close_corporation"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "kind");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 May 2011"),
        "{body}"
    );
    let npc = a.ok(Method::POST, "/api/v1/registrations", Some(json!({"client_id": client, "kind": "za_non_profit_company",
        "steps": {"directors": {"directors": [
            {"full_name": "A", "id_number": "8001015009087"}, {"full_name": "B", "id_number": "8506150123089"}]}}}))).await;
    let v = a
        .ok(
            Method::POST,
            &format!(
                "/api/v1/registrations/{}/validate",
                npc["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let e = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "steps.directors.directors")
        .unwrap();
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("at least 3 directors"),
        "{v}"
    );
    // A registration of another type's step, or a non-existent one.
    let (status, _) = a
        .call(
            Method::GET,
            "/api/v1/registrations/00000000-0000-0000-0000-000000000000",
            &a.agent,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Cancelling is final.
    a.ok(
        Method::POST,
        &format!("/api/v1/registrations/{id}/transitions"),
        Some(json!({"action": "cancel", "note": "client withdrew"})),
    )
    .await;
    let (status, body) = a
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            &a.agent,
            Some(json!({"action": "reopen"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("nothing (it is final)"),
        "{body}"
    );
}

/// Clients: create, search, patch with history, soft delete and restore; companies with
/// their calendar; the calendar's filters; the iCalendar feed; registration types.
#[tokio::test]
async fn clients_companies_and_the_compliance_calendar() {
    let db = TestDb::new().await;
    let p = practice(&db).await;
    let a = agency(&p, &db, "cal-pooled", IsolationMode::Pooled).await;
    let client = new_client(&a).await;
    let org = a.ok(Method::POST, "/api/v1/clients", Some(json!({"kind": "organisation", "display_name": "Baobab Holdings", "registration_number": "K2015/255566/07", "email": "info@baobab.example"}))).await;
    // Search by name prefix, by exact ID number, by registration number, by email.
    for (q, expected) in [
        ("thab", client.as_str()),
        ("8001015009087", client.as_str()),
        ("2015/255566/07", org["id"].as_str().unwrap()),
        ("info@baobab.example", org["id"].as_str().unwrap()),
        ("baob hold", org["id"].as_str().unwrap()),
    ] {
        let found = a
            .ok(
                Method::GET,
                &format!("/api/v1/clients?q={}", urlencode(q)),
                None,
            )
            .await;
        let ids: Vec<&str> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [expected], "{q}");
    }
    // Bad input: every field at once.
    let (status, body) = a
        .call(
            Method::POST,
            "/api/v1/clients",
            &a.agent,
            Some(json!({"kind": "robot", "id_number": "123", "email": "nope", "phone": "12"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = problem_fields(&body);
    assert_eq!(
        fields,
        ["kind", "display_name", "email", "phone", "id_number"]
    );
    // Patch, history, delete, restore.
    a.ok(
        Method::PATCH,
        &format!("/api/v1/clients/{client}"),
        Some(json!({"phone": "+27 82 555 0199"})),
    )
    .await;
    let history = a
        .ok(
            Method::GET,
            &format!("/api/v1/clients/{client}/history"),
            None,
        )
        .await;
    assert_eq!(history[1]["action"], "client.updated");
    assert_eq!(
        history[1]["detail"]["changes"]["phone"]["to"],
        "+27825550199"
    );
    let (status, _) = a
        .call(
            Method::DELETE,
            &format!("/api/v1/clients/{client}"),
            &a.assistant,
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "assistants read clients, do not delete them"
    );
    a.ok(Method::DELETE, &format!("/api/v1/clients/{client}"), None)
        .await;
    let (status, _) = a
        .call(
            Method::GET,
            &format!("/api/v1/clients/{client}"),
            &a.agent,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let deleted = a
        .ok(Method::GET, "/api/v1/clients?deleted=true", None)
        .await;
    assert_eq!(deleted["items"].as_array().unwrap().len(), 1);
    a.ok(
        Method::POST,
        &format!("/api/v1/clients/{client}/restore"),
        None,
    )
    .await;
    a.ok(Method::GET, &format!("/api/v1/clients/{client}"), None)
        .await;

    // A company incorporated on Friday 28 March 2025: its 2026 anniversary is Saturday 28
    // March 2026. Counting 30 business days from Monday 30 March (day 1), skipping Good
    // Friday (3 April), Family Day (6 April), Freedom Day (27 April) and Workers' Day
    // (1 May): 4 days to 2 April, 14 more to 24 April, 3 to 30 April, 8 more to 13 May,
    // and the 30th is Thursday 14 May 2026.
    let company = a.ok(Method::POST, "/api/v1/companies", Some(json!({"client_id": client, "company_type": "private_company",
        "name": "Karoo Sun Traders (Pty) Ltd", "registration_number": "2025/100200/07", "incorporated_on": "2025-03-28",
        "people": [{"full_name": "Thabo Mokoena", "id_number": "8001015009087", "roles": ["director", "shareholder"], "shares": 100}]}))).await;
    let cid = company["id"].as_str().unwrap();
    let obligations = a
        .ok(
            Method::GET,
            &format!("/api/v1/obligations?company_id={cid}&kind=annual_return"),
            None,
        )
        .await;
    let due: Vec<(&str, &str)> = obligations["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["period"].as_str().unwrap(), o["due_on"].as_str().unwrap()))
        .collect();
    assert!(due.contains(&("2026", "2026-05-14")), "{obligations}");
    // A bad company is refused field by field.
    let (status, body) = a.call(Method::POST, "/api/v1/companies", &a.agent, Some(json!({"client_id": client, "company_type": "private_company", "name": "Karoo Sun", "registration_number": "2025-1", "people": [{"full_name": "X", "id_number": "8001015009088", "roles": ["boss"]}]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = problem_fields(&body);
    assert_eq!(
        fields,
        [
            "name",
            "registration_number",
            "incorporated_on",
            "people[0].id_number",
            "people[0].roles"
        ]
    );
    // A new shareholder is a change of beneficial ownership: a BO filing is due.
    a.ok(Method::POST, &format!("/api/v1/companies/{cid}/people"), Some(json!({"full_name": "Lindiwe Dube", "id_number": "8506150123089", "roles": ["shareholder"], "shares": 50}))).await;
    let bo = a
        .ok(
            Method::GET,
            &format!("/api/v1/obligations?company_id={cid}&kind=beneficial_ownership"),
            None,
        )
        .await;
    let change = bo["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["period"].as_str().unwrap().starts_with("change"))
        .expect("a BO change filing");
    assert_eq!(
        change["due_on"],
        BusinessCalendar::shipped()
            .add_business_days(today(), 10)
            .to_string(),
        "{bo}"
    );
    assert!(
        change["detail"]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("UNCONFIRMED"),
        "{bo}"
    );
    // Overdue filter and mark done.
    let all = a
        .ok(Method::GET, "/api/v1/obligations?status=open", None)
        .await;
    assert!(!all["items"].as_array().unwrap().is_empty());
    let first = all["items"][0]["id"].as_str().unwrap();
    let (status, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/obligations/{first}/status"),
            &a.agent,
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = a
        .call(
            Method::GET,
            "/api/v1/obligations?due_before=yesterday",
            &a.agent,
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query")),
        "{body}"
    );

    // The iCalendar feed of the admin (no agent is assigned: nothing is theirs), then with one.
    let agent_id = support::claims_of(&a.agent)["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(
        Method::POST,
        "/api/v1/companies",
        Some(
            json!({"client_id": client, "company_type": "private_company", "agent_id": agent_id,
        "name": "Umoya Bakers (Pty) Ltd", "incorporated_on": "2024-06-14"}),
        ),
    )
    .await;
    // Reminders: the sweep emits obligation.due once (not again within the week), and the
    // notifications handler queues an email to the company's agent.
    let tenant = p.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let settings = ReminderSettings {
        lead_days: 400,
        every_days: 7,
        interval: Duration::from_secs(3600),
    };
    let sent = sweep_tenant(
        &p.app.store,
        &p.app.state.outbox,
        &tenant,
        &settings,
        today(),
    )
    .await
    .unwrap();
    assert!(sent >= 3, "{sent} reminders");
    assert_eq!(
        sweep_tenant(
            &p.app.store,
            &p.app.state.outbox,
            &tenant,
            &settings,
            today()
        )
        .await
        .unwrap(),
        0
    );
    let mut queued = Vec::new();
    for _ in 0..100 {
        let mut tx = p.app.store.tenancy().begin(&tenant).await.unwrap();
        queued = tx
            .query_as::<(String, String)>("SELECT template, recipient FROM notification_messages WHERE tenant_id = $1 AND template = 'obligation_due'")
            .bind(tenant.id().as_uuid())
            .fetch_all(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if queued
            .iter()
            .any(|(_, to)| to == &format!("agent@{}.example", a.slug))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        queued
            .iter()
            .any(|(_, to)| to == &format!("agent@{}.example", a.slug)),
        "{queued:?}"
    );
    assert!(
        queued
            .iter()
            .any(|(_, to)| to == &format!("admin@{}.example", a.slug)),
        "unassigned obligations go to the administrators: {queued:?}"
    );

    let feed = a.ok(Method::GET, "/api/v1/obligations/feed", None).await;
    let path = feed["path"].as_str().unwrap();
    let ics = reqwest::get(p.app.url(path)).await.unwrap();
    assert_eq!(ics.status(), StatusCode::OK);
    assert!(
        ics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = ics.text().await.unwrap();
    assert!(
        text.starts_with("BEGIN:VCALENDAR") && text.contains("BEGIN:VEVENT"),
        "{text}"
    );
    assert!(
        text.contains("Annual return") && text.contains("Umoya Bakers"),
        "{text}"
    );
    assert!(
        !text.contains("Karoo Sun Traders"),
        "only the agent's own obligations: {text}"
    );
    // A forged or altered address is not a calendar.
    let mut forged = path.to_owned();
    forged.replace_range(10..11, if &path[10..11] == "A" { "B" } else { "A" });
    assert_eq!(
        reqwest::get(p.app.url(&forged)).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // The registration types render the wizard.
    let types = a.ok(Method::GET, "/api/v1/registration-types", None).await;
    let keys: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    for k in [
        "za_name_reservation",
        "za_private_company",
        "za_non_profit_company",
        "za_vat_registration",
        "za_beneficial_ownership",
        "za_annual_return",
        "za_close_corporation",
        "zw_private_limited",
        "zw_pbc",
        "zw_re_registration",
    ] {
        assert!(keys.contains(&k), "{k}");
    }
    let pty = a
        .ok(
            Method::GET,
            "/api/v1/registration-types/za_private_company",
            None,
        )
        .await;
    assert_eq!(pty["steps"].as_array().unwrap().len(), 7);
}

/// The VAT test explains which threshold applies; an annual return's fee follows its band.
#[tokio::test]
async fn vat_and_annual_return_filings_explain_their_numbers() {
    let db = TestDb::new().await;
    let p = practice(&db).await;
    let a = agency(&p, &db, "vat-schema", IsolationMode::Schema).await;
    let client = new_client(&a).await;
    let company = a
        .ok(
            Method::POST,
            "/api/v1/companies",
            Some(
                json!({"client_id": client, "company_type": "private_company",
        "name": "Karoo Sun Traders (Pty) Ltd", "incorporated_on": "2020-03-02"}),
            ),
        )
        .await;
    let cid = company["id"].as_str().unwrap();
    let vat = a.ok(Method::POST, "/api/v1/registrations", Some(json!({"client_id": client, "company_id": cid, "kind": "za_vat_registration",
        "steps": {"turnover": {"taxable_supplies": 250_000_000, "tested_on": "2026-05-04"},
                  "vendor": {"tax_reference": "0001339050", "public_officer_email": "thabo@karoo.example"}}}))).await;
    let v = a
        .ok(
            Method::POST,
            &format!(
                "/api/v1/registrations/{}/validate",
                vat["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(v["valid"], true, "{v}");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("R2,300,000.00") && notes.contains("must apply"),
        "{notes}"
    );
    let small = a
        .ok(
            Method::POST,
            "/api/v1/registrations",
            Some(
                json!({"client_id": client, "company_id": cid, "kind": "za_vat_registration",
        "steps": {"turnover": {"taxable_supplies": 10_000_000, "tested_on": "2026-05-04"}}}),
            ),
        )
        .await;
    let v = a
        .ok(
            Method::POST,
            &format!(
                "/api/v1/registrations/{}/validate",
                small["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert!(
        v["errors"]
            .to_string()
            .contains("below the voluntary threshold"),
        "{v}"
    );

    // The 2025 return of a company incorporated 2 March 2020 was due in April 2025: late now.
    let ar = a
        .ok(
            Method::POST,
            "/api/v1/registrations",
            Some(
                json!({"client_id": client, "company_id": cid, "kind": "za_annual_return",
        "steps": {"financials": {"year": 2025, "turnover": 100_000_000}}}),
            ),
        )
        .await;
    let v = a
        .ok(
            Method::POST,
            &format!(
                "/api/v1/registrations/{}/validate",
                ar["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        v["fee_cents"], 60000,
        "R1m is in the R1m–R10m band, late: R600 {v}"
    );
    assert!(v["notes"].to_string().contains("late"), "{v}");
    // An annual return needs the company.
    let (status, body) = a
        .call(
            Method::POST,
            "/api/v1/registrations",
            &a.agent,
            Some(json!({"client_id": client, "kind": "za_annual_return"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "company_id");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// CIPC lookup with the agency's own credentials (sealed at rest), against a stand-in that
/// speaks CIPC's HTTP shapes: prefill, wrong credentials, unknown and malformed numbers, and
/// another agency that has none configured.
#[tokio::test]
async fn companies_are_prefilled_from_cipc_with_the_agencys_credentials() {
    use comply360_integrations::cipc::standin::{CipcStandIn, StandInConfig};
    let db = TestDb::new().await;
    let p = practice(&db).await;
    let a = agency(&p, &db, "cipc-pooled", IsolationMode::Pooled).await;
    let b = agency(&p, &db, "cipc-schema", IsolationMode::Schema).await;
    let standin = CipcStandIn::start(StandInConfig::default()).await.unwrap();
    let creds = standin.credentials();
    let lookup = |_: &Agency<'_>, n: &str| {
        format!(
            "/api/v1/companies/lookup?enterprise_number={}",
            urlencode(n)
        )
    };

    // Not configured yet: says who fixes it and how.
    let (status, body) = a
        .call(Method::GET, &lookup(&a, "K2015/255566/07"), &a.agent, None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("cipc_not_configured")),
        "{body}"
    );
    // Only an administrator sets the credentials; every missing field is named.
    let settings = json!({"base_url": standin.base_url().to_string(), "client_id": creds.client_id, "username": creds.username,
        "password": creds.password, "subscription_key": creds.subscription_key, "scope": creds.scope});
    let (status, _) = a
        .call(
            Method::PUT,
            "/api/v1/integrations/cipc",
            &a.agent,
            Some(settings.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = a
        .call(
            Method::PUT,
            "/api/v1/integrations/cipc",
            &a.admin,
            Some(json!({"base_url": "ftp://x"})),
        )
        .await;
    problem_of(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "base_url");
    assert_eq!(body["errors"].as_array().unwrap().len(), 5, "{body}");
    let (status, shown) = a
        .call(
            Method::PUT,
            "/api/v1/integrations/cipc",
            &a.admin,
            Some(settings.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["password"], "(set)");
    assert!(
        !shown.to_string().contains(&creds.password),
        "secrets are never shown"
    );
    // Sealed at rest.
    let tenant = p.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = p.app.store.tenancy().begin(&tenant).await.unwrap();
    let stored: Value = tx
        .query_scalar(
            "SELECT value FROM settings WHERE tenant_id = $1 AND key = 'integrations.cipc'",
        )
        .bind(tenant.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        !stored.to_string().contains(&creds.password)
            && !stored.to_string().contains(&creds.subscription_key),
        "{stored}"
    );

    // The prefill: profile, directors, filings.
    let prefill = a
        .ok(Method::GET, &lookup(&a, "K2015/255566/07"), None)
        .await;
    assert_eq!(prefill["name"], "Karoo Sunlight Traders (Pty) Ltd");
    assert_eq!(prefill["registration_number"], "2015/255566/07");
    let directors: Vec<&str> = prefill["directors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["full_name"].as_str().unwrap())
        .collect();
    assert!(directors.contains(&"Thandiwe Mokoena"), "{prefill}");
    assert!(
        !prefill["filings"].as_array().unwrap().is_empty(),
        "{prefill}"
    );
    assert!(standin.counters().sign_ins >= 1);
    // Unknown and malformed numbers.
    let (status, body) = a
        .call(Method::GET, &lookup(&a, "2019/000001/07"), &a.agent, None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("cipc_company_not_found")),
        "{body}"
    );
    let before = standin.counters().api_requests;
    let (status, body) = a
        .call(Method::GET, &lookup(&a, "2019-1-07"), &a.agent, None)
        .await;
    problem_of(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "enterprise_number",
    );
    assert_eq!(
        standin.counters().api_requests,
        before,
        "a malformed number is refused before any request"
    );
    // Wrong credentials: the error says what to fix.
    let mut wrong = settings.clone();
    wrong["password"] = json!("not-the-password");
    let (status, _) = a
        .call(
            Method::PUT,
            "/api/v1/integrations/cipc",
            &a.admin,
            Some(wrong),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = a
        .call(Method::GET, &lookup(&a, "K2015/255566/07"), &a.agent, None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("cipc_refused")),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("password"),
        "{body}"
    );
    // Another agency has its own (no) credentials.
    let (status, body) = b
        .call(Method::GET, &lookup(&b, "K2015/255566/07"), &b.agent, None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("cipc_not_configured")),
        "{body}"
    );
}

#[tokio::test]
async fn lists_answer_only_the_fields_asked_for() {
    let db = TestDb::new().await;
    let p = practice(&db).await;
    let a = agency(&p, &db, "sparse-lists", IsolationMode::Pooled).await;
    let client = new_client(&a).await;
    a.ok(
        Method::POST,
        "/api/v1/registrations",
        Some(json!({"client_id": client, "kind": "za_name_reservation",
            "steps": {"names": {"company_kind": "private", "names": ["Umoya Bakers (Pty) Ltd"]}}})),
    )
    .await;

    // Exactly the named fields, in the item's own order, whatever order they were asked in.
    let page = a
        .ok(
            Method::GET,
            "/api/v1/clients?fields=email,id,display_name",
            None,
        )
        .await;
    let item = page["items"][0].as_object().unwrap();
    assert_eq!(
        item.keys().collect::<Vec<_>>(),
        ["display_name", "email", "id"],
        "{page}"
    );
    assert_eq!(item["id"], client.as_str());
    assert_eq!(item["email"], "thabo@karoo.example");
    assert!(
        page.get("next_cursor").is_some(),
        "the page keeps its cursor: {page}"
    );
    let full = a.ok(Method::GET, "/api/v1/clients", None).await;
    assert!(full["items"][0].as_object().unwrap().len() > 15, "{full}");

    // Nested values come whole; a repeated name counts once.
    let regs = a
        .ok(
            Method::GET,
            "/api/v1/registrations?status=draft&fields=id,steps,id",
            None,
        )
        .await;
    let item = regs["items"][0].as_object().unwrap();
    assert_eq!(item.keys().collect::<Vec<_>>(), ["id", "steps"], "{regs}");
    assert_eq!(item["steps"]["names"]["names"][0], "Umoya Bakers (Pty) Ltd");

    // An unknown name is a problem naming the field and what there is; so is naming none.
    for query in ["fields=id,nickname", "fields=", "fields=,"] {
        let (status, body) = a
            .call(
                Method::GET,
                &format!("/api/v1/clients?{query}"),
                &a.agent,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["code"], "invalid_query", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert_eq!(body["errors"][0]["field"], "fields", "{body}");
        assert!(message.contains("display_name"), "{query}: {message}");
        if query.contains("nickname") {
            assert!(message.contains("unknown field nickname"), "{message}");
        }
    }
}
