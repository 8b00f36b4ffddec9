//! Tenant isolation of documents in every mode: agency A's transaction sees none of B's rows
//! in any documents table and cannot write rows carrying B's id; every documents route called
//! with A's credentials and B's ids answers as if they did not exist; A's signed link does not
//! open on B's host (api.rs); A's data key cannot open B's objects (vault.rs).

use crate::api::{Agency, Env, env};
use comply360_documents::DocumentSettings;
use comply360_domain::IsolationMode;
use comply360_testkit::documents::pdf_with_text;
use comply360_testkit::isolation;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Seeded {
    client: String,
    document: String,
    registration: String,
    custom_type: String,
}

async fn populate(env: &Env, a: &Agency, tag: &str) -> Seeded {
    let client = env.client(a, "Thandi", "Mokoena", "8001015009087").await;
    let custom_type = format!("share_register_{tag}");
    let res = env
        .http
        .post(env.app.url("/api/v1/document-types"))
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.admin)
        .json(&json!({"code": custom_type, "label": "Share register"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = env
        .http
        .put(
            env.app
                .url(&format!("/api/v1/document-types/{custom_type}/retention")),
        )
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.admin)
        .json(&json!({"years": 7, "basis": "Companies Act s24"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (status, up) = env
        .upload(
            a,
            ("client", &client),
            &custom_type,
            "register.pdf",
            "application/pdf",
            pdf_with_text(&[&["Share register", tag]]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let document = up["id"].as_str().unwrap().to_owned();
    env.processed(a, &document).await;
    let (status, r) = env
        .call(
            a,
            Method::POST,
            "/api/v1/registrations",
            Some(json!({"client_id": client, "kind": "za_private_company"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    Seeded {
        client,
        document,
        registration: r["id"].as_str().unwrap().to_owned(),
        custom_type,
    }
}

const TABLES: [&str; 5] = [
    "documents",
    "document_types",
    "document_retention",
    "document_texts",
    "document_previews",
];

async fn suite(mode: IsolationMode, tag: &str) {
    let env = env(DocumentSettings::default(), None).await;
    let a = env.agency(&format!("{tag}-a"), mode).await;
    let b = env.agency(&format!("{tag}-b"), mode).await;
    let sa = populate(&env, &a, "a").await;
    let sb = populate(&env, &b, "b").await;

    // The database: A sees only its rows, and cannot write B's.
    let ta = env.db.store.tenancy().resolve(&a.slug).await.unwrap();
    let tb = env.db.store.tenancy().resolve(&b.slug).await.unwrap();
    isolation::sees_only_its_own(&env.db.store, &ta, &TABLES, mode).await;
    let writes = [
        "INSERT INTO document_types (tenant_id, code, label) VALUES ($1, 'x' || md5($2::text), 'x')",
        "INSERT INTO document_retention (tenant_id, kind, years, basis) VALUES ($1, 'x' || md5($2::text), 5, 'x')",
        "INSERT INTO document_texts (tenant_id, document_id, method, pages, ocr_pages, content) VALUES ($1, $2::uuid, 'ocr', 1, 1, 'x')",
        "INSERT INTO document_previews (tenant_id, document_id, storage_key, width, height) VALUES ($1, $2::uuid, 'vault:x', 1, 1)",
        "UPDATE documents SET tenant_id = $1 WHERE id = $2::uuid",
    ];
    isolation::cannot_write_for(&env.db.store, &ta, &tb, &sa.document, &writes, mode).await;

    // The routes: B's ids under A's credentials are not found.
    let doc = &sb.document;
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/documents/{doc}"), None),
        (
            Method::GET,
            format!("/api/v1/documents/{doc}/versions"),
            None,
        ),
        (Method::GET, format!("/api/v1/documents/{doc}/file"), None),
        (
            Method::GET,
            format!("/api/v1/documents/{doc}/preview"),
            None,
        ),
        (Method::GET, format!("/api/v1/documents/{doc}/text"), None),
        (Method::POST, format!("/api/v1/documents/{doc}/links"), None),
        (
            Method::POST,
            format!("/api/v1/documents/{doc}/review"),
            Some(json!({"status": "verified", "reason": "looks fine to me"})),
        ),
    ] {
        let (status, body) = env.call(&a, method.clone(), &path, body).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{mode}: {method} {path}: {body}"
        );
        assert_eq!(body["code"], "document_not_found", "{mode}: {path}");
    }
    let res = env
        .http
        .put(env.app.url(&format!("/api/v1/documents/{doc}/legal-hold")))
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.admin)
        .json(&json!({"reason": "not ours to hold"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{mode}: legal hold");
    let (status, list) = env
        .call(
            &a,
            Method::GET,
            &format!("/api/v1/documents?client_id={}", sb.client),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list,
        Value::Array(vec![]),
        "{mode}: B's client lists nothing for A"
    );
    let (status, _) = env
        .call(
            &a,
            Method::GET,
            &format!(
                "/api/v1/registrations/{}/document-requirements",
                sb.registration
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{mode}: requirements");
    // Uploading to B's client from A: the subject is not found, nothing stored.
    let (status, body) = env
        .upload(
            &a,
            ("client", &sb.client),
            "other",
            "x.pdf",
            "application/pdf",
            pdf_with_text(&[&["x"]]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{mode}: {body}");
    assert_eq!(body["errors"][0]["field"], "subject_id");
    let res = env
        .http
        .put(env.app.url(&format!(
            "/api/v1/document-types/{}/retention",
            sb.custom_type
        )))
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.admin)
        .json(&json!({"years": 9, "basis": "not ours"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{mode}: B's type");
    // A's own still work.
    let (status, _) = env
        .call(
            &a,
            Method::GET,
            &format!("/api/v1/documents/{}/file", sa.document),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mode}");
    let (status, reqs) = env
        .call(
            &a,
            Method::GET,
            &format!(
                "/api/v1/registrations/{}/document-requirements",
                sa.registration
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mode}: {reqs}");
    assert!(reqs.as_array().is_some_and(|r| !r.is_empty()), "{reqs}");
}

#[tokio::test]
async fn documents_isolation_pooled() {
    suite(IsolationMode::Pooled, "dociso-pool").await;
}

#[tokio::test]
async fn documents_isolation_schema() {
    suite(IsolationMode::Schema, "dociso-schema").await;
}

#[tokio::test]
async fn documents_isolation_database() {
    suite(IsolationMode::Database, "dociso-db").await;
}
