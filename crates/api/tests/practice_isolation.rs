//! The practice's tables and routes keep each agency's clients, contacts, companies, people,
//! registrations, timelines, documents and obligations to itself, in every isolation mode:
//! at the database (RLS refuses another tenant's rows, reading and writing) and over HTTP
//! (another agency's ids are unknown, its lists are its own, its duplicates are not ours).

use crate::support;
use base64::Engine;
use comply360_domain::IsolationMode;
use comply360_testkit::http::Http;
use comply360_testkit::isolation;
use comply360_testkit::{TestApp, TestDb, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Seeded {
    token: String,
    client: String,
    company: String,
    person: String,
    registration: String,
    document: String,
    obligation: String,
}

async fn call(
    http: &Http<'_>,
    slug: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let res = http.send(method, Some(slug), path, Some(token), body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A client with a contact, a company with a director (and so obligations), a name
/// reservation approved with its CoR 9.4 attached (timeline, document, contents).
async fn populate(app: &TestApp, slug: &str) -> Seeded {
    let http = Http::new(app);
    let token = app.token_for(slug, "tenant_admin").await;
    let ok = |method: Method, path: String, body: Value| {
        let http = &http;
        let token = &token;
        async move {
            let (status, body) = call(http, slug, token, method.clone(), &path, Some(body)).await;
            assert!(
                status.is_success(),
                "{slug} {method} {path}: {status} {body}"
            );
            body
        }
    };
    let client = ok(Method::POST, "/api/v1/clients".into(), json!({"first_names": "Thabo", "surname": "Mokoena", "id_number": "8001015009087", "email": "thabo@shared.example"})).await;
    let client = client["id"].as_str().unwrap().to_owned();
    ok(
        Method::POST,
        format!("/api/v1/clients/{client}/contacts"),
        json!({"full_name": "Naledi Mokoena", "role": "spouse", "is_primary": true}),
    )
    .await;
    // The company is the administrator's, so their calendar feed lists its obligations.
    let admin_id = support::claims_of(&token)["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let company = ok(Method::POST, "/api/v1/companies".into(), json!({"client_id": client, "company_type": "private_company", "agent_id": admin_id,
        "name": "Karoo Sun Traders (Pty) Ltd", "registration_number": "2024/100200/07", "incorporated_on": "2024-06-14",
        "people": [{"full_name": "Thabo Mokoena", "id_number": "8001015009087", "roles": ["director", "shareholder"], "shares": 10}]})).await;
    let person = company["people"][0]["id"].as_str().unwrap().to_owned();
    let company = company["id"].as_str().unwrap().to_owned();
    let r = ok(
        Method::POST,
        "/api/v1/registrations".into(),
        json!({"client_id": client, "kind": "za_name_reservation",
        "steps": {"names": {"company_kind": "private", "names": ["Umoya Bakers (Pty) Ltd"]}}}),
    )
    .await;
    let registration = r["id"].as_str().unwrap().to_owned();
    ok(
        Method::POST,
        format!("/api/v1/registrations/{registration}/submit"),
        json!({}),
    )
    .await;
    ok(Method::POST, format!("/api/v1/registrations/{registration}/transitions"), json!({"action": "approve", "outcome": {
        "reserved_name": "Umoya Bakers (Pty) Ltd", "reservation_number": "2026000001",
        "certificate": {"file_name": "cor94.pdf", "content_type": "application/pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 CoR 9.4 %%EOF")}}})).await;
    let (_, docs) = call(
        &http,
        slug,
        &token,
        Method::GET,
        &format!("/api/v1/registrations/{registration}/documents"),
        None,
    )
    .await;
    let document = docs[0]["id"].as_str().unwrap().to_owned();
    let (_, obligations) = call(
        &http,
        slug,
        &token,
        Method::GET,
        &format!("/api/v1/obligations?company_id={company}"),
        None,
    )
    .await;
    let obligation = obligations["items"][0]["id"].as_str().unwrap().to_owned();
    Seeded {
        token,
        client,
        company,
        person,
        registration,
        document,
        obligation,
    }
}

const TABLES: [&str; 9] = [
    "idempotency_keys",
    "clients",
    "client_contacts",
    "companies",
    "company_people",
    "registrations",
    "registration_timeline",
    "document_contents",
    "obligations",
];

async fn suite(mode: IsolationMode, tag: &str) {
    let db = TestDb::new().await;
    let (a_slug, b_slug) = (format!("{tag}-a"), format!("{tag}-b"));
    db.tenant(&a_slug, mode).await;
    db.tenant(&b_slug, mode).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let a = populate(&app, &a_slug).await;
    let b = populate(&app, &b_slug).await;
    // The same Idempotency-Key in two agencies is two keys: each creates its own client.
    let mut created = Vec::new();
    for (slug, token) in [(&a_slug, &a.token), (&b_slug, &b.token)] {
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/clients"))
            .header("x-tenant", slug.as_str())
            .header("idempotency-key", "shared-key-0001")
            .bearer_auth(token)
            .json(&json!({"kind": "organisation", "display_name": "Same Key Traders (Pty) Ltd"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{mode}: {slug}");
        assert!(
            res.headers().get("idempotent-replayed").is_none(),
            "{mode}: {slug}"
        );
        let body: Value = res.json().await.unwrap();
        created.push(body["id"].as_str().unwrap().to_owned());
    }
    assert_ne!(
        created[0], created[1],
        "{mode}: each agency has its own key"
    );

    // The database: A's transaction sees only A's rows of every practice table...
    let ta = app.store.tenancy().resolve(&a_slug).await.unwrap();
    let tb = app.store.tenancy().resolve(&b_slug).await.unwrap();
    isolation::sees_only_its_own(&app.store, &ta, &TABLES, mode).await;
    // ...and cannot write rows carrying B's tenant id.
    let writes = [
        "INSERT INTO idempotency_keys (tenant_id, key, caller, fingerprint, locked_until) VALUES ($1, 'k' || $2::text, 'x', '\\x00', now())",
        "INSERT INTO clients (tenant_id, id, kind, display_name) VALUES ($1, gen_random_uuid(), 'person', 'x' || $2::text)",
        "INSERT INTO client_contacts (tenant_id, id, client_id, full_name) VALUES ($1, gen_random_uuid(), $2::uuid, 'x')",
        "INSERT INTO companies (tenant_id, id, client_id, jurisdiction, company_type, name) VALUES ($1, gen_random_uuid(), $2::uuid, 'ZA', 'private_company', 'x')",
        "INSERT INTO company_people (tenant_id, id, company_id, full_name, id_number, roles) VALUES ($1, gen_random_uuid(), $2::uuid, 'x', '1', '{director}')",
        "INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind) VALUES ($1, gen_random_uuid(), $2::uuid, 'ZA', 'za_annual_return')",
        "INSERT INTO registration_timeline (tenant_id, id, registration_id, action) VALUES ($1, gen_random_uuid(), $2::uuid, 'x')",
        "INSERT INTO document_contents (tenant_id, document_id, content) VALUES ($1, $2::uuid, '\\x00')",
        "INSERT INTO obligations (tenant_id, id, company_id, client_id, kind, period, due_on) VALUES ($1, gen_random_uuid(), $2::uuid, $2::uuid, 'annual_return', 'x', now())",
    ];
    isolation::cannot_write_for(&app.store, &ta, &tb, &b.client, &writes, mode).await;
    // B's rows cannot be changed from A's transaction either (they are not there to change).
    let mut tx = app.store.tenancy().begin(&ta).await.unwrap();
    let changed = tx
        .query("UPDATE registrations SET status = 'cancelled' WHERE id = $1::uuid")
        .bind(&b.registration)
        .execute(tx.conn())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0, "{mode}");
    tx.rollback().await.unwrap();

    // HTTP: every route that names one of A's records answers 404 in B.
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/clients/{}", a.client), None),
        (
            Method::PATCH,
            format!("/api/v1/clients/{}", a.client),
            Some(json!({"notes": "x"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/clients/{}", a.client),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/clients/{}/restore", a.client),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{}/history", a.client),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{}/contacts", a.client),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/clients/{}/contacts", a.client),
            Some(json!({"full_name": "x"})),
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{}", a.company),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/companies/{}", a.company),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{}/restore", a.company),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{}/history", a.company),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{}/people", a.company),
            Some(json!({"full_name": "x", "id_number": "8001015009087", "roles": ["director"]})),
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{}/people/{}/resign", a.company, a.person),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/v1/registrations/{}", a.registration),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/registrations/{}/steps/names", a.registration),
            Some(json!({"names": ["X (Pty) Ltd"]})),
        ),
        (
            Method::POST,
            format!("/api/v1/registrations/{}/validate", a.registration),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/registrations/{}/submit", a.registration),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/registrations/{}/transitions", a.registration),
            Some(json!({"action": "complete"})),
        ),
        (
            Method::POST,
            format!("/api/v1/registrations/{}/assign", a.registration),
            Some(json!({"due_on": "2030-01-01"})),
        ),
        (
            Method::POST,
            format!("/api/v1/registrations/{}/extend", a.registration),
            Some(json!({"reason": "x"})),
        ),
        (
            Method::GET,
            format!("/api/v1/registrations/{}/timeline", a.registration),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/registrations/{}/summary", a.registration),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/registrations/{}/documents", a.registration),
            None,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/registrations/{}/documents/{}",
                a.registration, a.document
            ),
            None,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/registrations/{}/documents/{}",
                b.registration, a.document
            ),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/obligations/{}/status", a.obligation),
            Some(json!({"status": "done"})),
        ),
    ];
    for (method, path, body) in routes {
        let (status, body) = call(&http, &b_slug, &b.token, method.clone(), &path, body).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{mode}: {method} {path} from B: {body}"
        );
    }
    // B's lists hold only B's records.
    for (path, key) in [
        ("/api/v1/clients?q=thabo", "id"),
        ("/api/v1/clients?q=8001015009087", "id"),
        ("/api/v1/companies?q=2024/100200/07", "id"),
        ("/api/v1/registrations", "id"),
        ("/api/v1/registrations?status=approved", "id"),
        ("/api/v1/obligations", "id"),
    ] {
        let (status, page) = call(&http, &b_slug, &b.token, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{mode}: {path}");
        let ids: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[key].as_str().unwrap())
            .collect();
        assert!(!ids.is_empty(), "{mode}: B has its own {path}");
        for own in [&a.client, &a.company, &a.registration, &a.obligation] {
            assert!(
                !ids.contains(&own.as_str()),
                "{mode}: {path} in B lists A's {own}"
            );
        }
    }
    // B's search box finds B's records only, by every field (both agencies hold the same
    // names, ID number, registration number, email and reference).
    for text in [
        "thabo",
        "8001015009087",
        "thabo@shared.example",
        "2024/100200/07",
        "karoo sun",
        "umoya",
        "2026000001",
    ] {
        let path = format!("/api/v1/search?q={}", text.replace(' ', "+"));
        let (status, found) = call(&http, &b_slug, &b.token, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{mode}: {path}: {found}");
        let text_of = found.to_string();
        let own = [&b.client, &b.company, &b.registration];
        assert!(
            own.iter().any(|id| text_of.contains(id.as_str())),
            "{mode}: B finds its own for {path}: {found}"
        );
        for theirs in [&a.client, &a.company, &a.registration] {
            assert!(
                !text_of.contains(theirs.as_str()),
                "{mode}: {path} in B finds A's {theirs}"
            );
        }
    }
    // B's dashboard counts and lists B's work only.
    let (status, board) = call(
        &http,
        &b_slug,
        &b.token,
        Method::GET,
        "/api/v1/dashboard",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{mode}: {board}");
    let totals = &board["totals"];
    assert_eq!(
        (totals["clients"].as_i64(), totals["companies"].as_i64()),
        (Some(2), Some(1)),
        "{mode}: B's totals: {board}"
    );
    let registrations: i64 = totals["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(registrations, 1, "{mode}: {board}");
    let board_text = board.to_string();
    assert!(
        board_text.contains(&b.registration),
        "{mode}: B's activity shows its registration: {board}"
    );
    for theirs in [&a.client, &a.company, &a.registration, &a.obligation] {
        assert!(
            !board_text.contains(theirs.as_str()),
            "{mode}: B's dashboard shows A's {theirs}"
        );
    }
    // A's client is not B's to file for, nor to hang a company on.
    for (path, body) in [
        (
            "/api/v1/registrations",
            json!({"client_id": a.client, "kind": "za_name_reservation"}),
        ),
        (
            "/api/v1/companies",
            json!({"client_id": a.client, "company_type": "private_company", "name": "X (Pty) Ltd", "incorporated_on": "2024-01-02"}),
        ),
        (
            "/api/v1/registrations",
            json!({"client_id": b.client, "company_id": a.company, "kind": "za_annual_return"}),
        ),
    ] {
        let (status, body) = call(&http, &b_slug, &b.token, Method::POST, path, Some(body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{mode}: {path}: {body}"
        );
    }
    // The same registration number and ID number exist in both agencies, independently.
    let res = http
        .client
        .post(app.url("/api/v1/clients/import?dry_run=true"))
        .header("x-tenant", &b_slug)
        .bearer_auth(&b.token)
        .header("content-type", "text/csv")
        .body("display_name,id_number\nLindiwe Dube,8506150123089\n")
        .send()
        .await
        .unwrap();
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["valid"], 1, "{mode}: {report}");
    // Calendar feeds: each agency's address lists its own obligations only.
    for (slug, own, other) in [(&a_slug, &a, &b), (&b_slug, &b, &a)] {
        let (_, feed) = call(
            &http,
            slug,
            &own.token,
            Method::GET,
            "/api/v1/obligations/feed",
            None,
        )
        .await;
        let text = reqwest::get(app.url(feed["path"].as_str().unwrap()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains(&format!("{}@comply360", own.obligation)),
            "{mode}: {slug}'s feed lists its obligation: {text}"
        );
        assert!(
            !text.contains(&other.obligation),
            "{mode}: {slug}'s feed lists none of the other agency's"
        );
    }
    // CIPC credentials are the agency's: A's do not serve B.
    let (status, _) = call(&http, &a_slug, &a.token, Method::PUT, "/api/v1/integrations/cipc", Some(json!({
        "base_url": "http://127.0.0.1:9", "client_id": "a", "username": "a", "password": "a-secret", "subscription_key": "a-key"}))).await;
    assert_eq!(status, StatusCode::OK, "{mode}");
    let (status, body) = call(
        &http,
        &b_slug,
        &b.token,
        Method::GET,
        "/api/v1/companies/lookup?enterprise_number=K2015%2F255566%2F07",
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("cipc_not_configured")),
        "{mode}: {body}"
    );

    // A's records are all still there, unchanged.
    let (status, client) = call(
        &http,
        &a_slug,
        &a.token,
        Method::GET,
        &format!("/api/v1/clients/{}", a.client),
        None,
    )
    .await;
    assert_eq!(
        (status, client["notes"].as_str()),
        (StatusCode::OK, Some("")),
        "{mode}"
    );
    let (_, r) = call(
        &http,
        &a_slug,
        &a.token,
        Method::GET,
        &format!("/api/v1/registrations/{}", a.registration),
        None,
    )
    .await;
    assert_eq!(r["status"], "approved", "{mode}");
}

#[tokio::test]
async fn practice_isolation_pooled() {
    suite(IsolationMode::Pooled, "prac-pool").await;
}

#[tokio::test]
async fn practice_isolation_schema() {
    suite(IsolationMode::Schema, "prac-schema").await;
}

#[tokio::test]
async fn practice_isolation_database() {
    suite(IsolationMode::Database, "prac-db").await;
}
