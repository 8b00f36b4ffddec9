//! The OpenAPI document (`/api/v1/openapi.json`): complete in both directions against the route
//! table, accepted by an independent validator (`openapi-spec-validator` from PyPI, installed
//! by the test command), and pinned by a snapshot so every change to the API's description
//! shows up in review.

use comply360_api::{Surface, routes};
use comply360_testkit::{TestDb, spawn_app};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The committed document. To accept a reviewed change:
/// `UPDATE_OPENAPI_SNAPSHOT=1 cargo test -p comply360-api openapi`.
fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

async fn served_document() -> (Value, BTreeSet<(String, String)>) {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let table: BTreeSet<(String, String)> = routes(&app.state, Surface::Api)
        .specs()
        .iter()
        .filter(|s| comply360_api::routes::documented(s.path))
        .map(|s| (s.method.as_str().to_ascii_lowercase(), s.path.to_owned()))
        .collect();
    (doc, table)
}

#[tokio::test]
async fn the_document_and_the_route_table_list_the_same_operations() {
    let (doc, table) = served_document().await;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let missing: Vec<_> = table.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes the document leaves out: {missing:?}"
    );
    assert!(extra.is_empty(), "operations no route serves: {extra:?}");
}

#[tokio::test]
async fn an_independent_validator_accepts_the_document() {
    let (doc, _) = served_document().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output();
    let out = match out {
        Ok(out)
            if out.status.success()
                || !String::from_utf8_lossy(&out.stderr).contains("No module named") =>
        {
            out
        }
        _ => {
            assert!(
                !comply360_testkit::ci(),
                "openapi-spec-validator is required under CI=true (scripts/test installs it)"
            );
            eprintln!(
                "skipped: openapi-spec-validator is not installed (scripts/test installs it)"
            );
            return;
        }
    };
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}

#[tokio::test]
async fn the_document_matches_its_reviewed_snapshot() {
    let (doc, _) = served_document().await;
    let text = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
    let path = snapshot_path();
    if std::env::var("UPDATE_OPENAPI_SNAPSHOT").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != text {
        let first = committed
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(text.lines().count()));
        panic!(
            "the OpenAPI document differs from {} from line {}:\n  committed: {}\n  served:    {}\n\
             review the change, then accept it with UPDATE_OPENAPI_SNAPSHOT=1 cargo test -p comply360-api openapi",
            path.display(),
            first + 1,
            committed.lines().nth(first).unwrap_or("(end)"),
            text.lines().nth(first).unwrap_or("(end)")
        );
    }
}

/// The contract check (`comply360_testkit::contract`), which every spawned app runs, refuses
/// what the document does not list: an unlisted status, an unlisted problem code, a body its
/// schema refuses. Without this the check could pass everything and prove nothing.
#[tokio::test]
async fn the_contract_check_refuses_undocumented_answers() {
    use axum::http::{Method, StatusCode};
    let (doc, _) = served_document().await;
    let contract = comply360_testkit::contract::Contract::new(doc);
    let problem = |status: u16, code: &str| {
        serde_json::to_vec(&serde_json::json!({
            "type": "https://comply360.dev/problems/x", "title": "x", "status": status,
            "detail": "x", "code": code
        }))
        .unwrap()
    };
    let json = Some("application/json");
    let problem_json = Some("application/problem+json");
    let check = |method: Method, path: &str, status: StatusCode, ty, body: &[u8]| {
        contract.check(&method, path, status, ty, body)
    };

    // What the document allows passes.
    let client = serde_json::json!({
        "id": "0199f1c2-7a3b-7c00-8000-000000000001", "kind": "person", "display_name": "Thabo Mokoena",
        "first_names": "Thabo", "surname": "Mokoena", "email": null, "phone": null,
        "id_number": "8001015009087", "date_of_birth": "1980-01-01", "passport_number": null,
        "passport_country": null, "registration_number": null, "tax_reference": null,
        "address": {}, "notes": "", "assigned_agent_id": null, "external_ref": null,
        "status": "active", "deleted_at": null, "created_at": "2026-05-14T08:00:00Z",
        "updated_at": "2026-05-14T08:00:00Z"
    });
    let id = "/api/v1/clients/0199f1c2-7a3b-7c00-8000-000000000001";
    let ok = check(
        Method::GET,
        id,
        StatusCode::OK,
        json,
        &serde_json::to_vec(&client).unwrap(),
    );
    assert!(matches!(ok, Some(Ok(()))), "{ok:?}");
    let found = check(
        Method::GET,
        id,
        StatusCode::NOT_FOUND,
        problem_json,
        &problem(404, "client_not_found"),
    );
    assert!(matches!(found, Some(Ok(()))), "{found:?}");
    // Pages and files are not checked.
    assert!(
        check(
            Method::GET,
            "/api/docs",
            StatusCode::OK,
            Some("text/html"),
            b"<html>"
        )
        .is_none()
    );

    // A status the operation does not list.
    let teapot = check(
        Method::GET,
        id,
        StatusCode::IM_A_TEAPOT,
        problem_json,
        &problem(418, "teapot"),
    );
    let Some(Err(why)) = teapot else {
        panic!("an unlisted status passed: {teapot:?}")
    };
    assert!(
        why.contains("GET /api/v1/clients/{id}") && why.contains("418") && why.contains("teapot"),
        "{why}"
    );

    // A code not listed under a listed status.
    let code = check(
        Method::GET,
        id,
        StatusCode::NOT_FOUND,
        problem_json,
        &problem(404, "company_not_found"),
    );
    let Some(Err(why)) = code else {
        panic!("an unlisted code passed: {code:?}")
    };
    assert!(
        why.contains("company_not_found") && why.contains("client_not_found"),
        "{why}"
    );

    // A body its schema refuses (a client without its id, a kind that is not text).
    let mut wrong = client.clone();
    wrong.as_object_mut().unwrap().remove("id");
    wrong["kind"] = serde_json::json!(7);
    let shape = check(
        Method::GET,
        id,
        StatusCode::OK,
        json,
        &serde_json::to_vec(&wrong).unwrap(),
    );
    let Some(Err(why)) = shape else {
        panic!("a body the schema refuses passed: {shape:?}")
    };
    assert!(
        why.contains("GET /api/v1/clients/{id}") && why.contains("200") && why.contains("kind"),
        "{why}"
    );

    // The literal path wins over the template (`/companies/lookup` is not `/companies/{id}`).
    let lookup = check(
        Method::GET,
        "/api/v1/companies/lookup",
        StatusCode::NOT_FOUND,
        problem_json,
        &problem(404, "company_not_found"),
    );
    let Some(Err(why)) = lookup else {
        panic!("{lookup:?}")
    };
    assert!(why.contains("GET /api/v1/companies/lookup"), "{why}");
}

/// Every request body's example is valid against the body's own schema.
#[tokio::test]
async fn every_request_example_fits_its_schema() {
    let (doc, _) = served_document().await;
    let refused = comply360_testkit::contract::Contract::new(doc).refused_examples();
    assert!(
        refused.is_empty(),
        "examples their schema refuses:\n{}",
        refused.join("\n")
    );
}

/// The document's request examples are not only shaped right: the API accepts them (run
/// against a fresh agency, with the example's ids replaced by real ones). The contract check
/// holds each answer against the document too.
#[tokio::test]
async fn the_request_examples_are_accepted_by_the_api() {
    use comply360_domain::IsolationMode;
    use reqwest::Method;
    let db = TestDb::new().await;
    db.tenant("karoo", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = app.token_for("karoo", "tenant_admin").await;
    let agent = app
        .create_user("karoo", "naledi@karoo.example", "agent")
        .await
        .to_string();
    let client = reqwest::Client::new();
    // Sends the documented example of `method template` to `path`, with ids replaced.
    let send = |method: Method,
                template: &'static str,
                path: String,
                ids: Vec<(&'static str, String)>| {
        let example = &doc["paths"][template][method.as_str().to_ascii_lowercase()]["requestBody"]
            ["content"]["application/json"]["example"];
        assert!(!example.is_null(), "{method} {template} has no example");
        let mut text = example.to_string();
        for (placeholder, id) in ids {
            text = text.replace(placeholder, &id);
        }
        let body: Value = serde_json::from_str(&text).unwrap();
        let req = client
            .request(method.clone(), app.url(&path))
            .header("x-tenant", "karoo")
            .bearer_auth(&admin)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            let answer: Value = res.json().await.unwrap_or(Value::Null);
            assert!(
                status.is_success(),
                "{method} {template} refused its own example {body}: {status} {answer}"
            );
            answer
        }
    };
    const CLIENT: &str = "0199f1c2-7a3b-7c00-8000-0000000000c1";
    const AGENT: &str = "0199f1c2-7a3b-7c00-8000-0000000000a1";

    let c = send(
        Method::POST,
        "/api/v1/clients",
        "/api/v1/clients".into(),
        vec![],
    )
    .await;
    let client_id = c["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/clients/{client_id}");
    send(Method::PATCH, "/api/v1/clients/{id}", path.clone(), vec![]).await;
    send(
        Method::POST,
        "/api/v1/clients/{id}/contacts",
        format!("{path}/contacts"),
        vec![],
    )
    .await;
    let company = send(
        Method::POST,
        "/api/v1/companies",
        "/api/v1/companies".into(),
        vec![(CLIENT, client_id.clone())],
    )
    .await;
    let company = company["id"].as_str().unwrap().to_owned();
    let people = format!("/api/v1/companies/{company}/people");
    let after = send(
        Method::POST,
        "/api/v1/companies/{id}/people",
        people,
        vec![],
    )
    .await;
    let person = after["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["full_name"] == "Naledi Khumalo")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        Method::POST,
        "/api/v1/companies/{id}/people/{person}/resign",
        format!("/api/v1/companies/{company}/people/{person}/resign"),
        vec![],
    )
    .await;
    let r = send(
        Method::POST,
        "/api/v1/registrations",
        "/api/v1/registrations".into(),
        vec![(CLIENT, client_id.clone())],
    )
    .await;
    let r = r["id"].as_str().unwrap().to_owned();
    send(
        Method::PATCH,
        "/api/v1/registrations/{id}/steps/{step}",
        format!("/api/v1/registrations/{r}/steps/directors"),
        vec![],
    )
    .await;
    send(
        Method::POST,
        "/api/v1/registrations/{id}/assign",
        format!("/api/v1/registrations/{r}/assign"),
        vec![(AGENT, agent.clone())],
    )
    .await;
    send(
        Method::POST,
        "/api/v1/users",
        "/api/v1/users".into(),
        vec![],
    )
    .await;
    send(
        Method::PATCH,
        "/api/v1/users/{id}",
        format!("/api/v1/users/{agent}"),
        vec![],
    )
    .await;
    send(
        Method::PUT,
        "/api/v1/roles/{key}",
        "/api/v1/roles/filing_clerk".into(),
        vec![],
    )
    .await;
    send(
        Method::POST,
        "/api/v1/api-keys",
        "/api/v1/api-keys".into(),
        vec![],
    )
    .await;
    send(
        Method::PUT,
        "/api/v1/security",
        "/api/v1/security".into(),
        vec![],
    )
    .await;
    send(
        Method::PUT,
        "/api/v1/integrations/cipc",
        "/api/v1/integrations/cipc".into(),
        vec![],
    )
    .await;

    // The CSV import's example, as a dry run.
    let csv = doc["paths"]["/api/v1/clients/import"]["post"]["requestBody"]["content"]["text/csv"]
        ["example"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = client
        .post(app.url("/api/v1/clients/import?dry_run=true"))
        .header("x-tenant", "karoo")
        .header("content-type", "text/csv")
        .bearer_auth(&admin)
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let report: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["valid"], 1, "{report}");
}
