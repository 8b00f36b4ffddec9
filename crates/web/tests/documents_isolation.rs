//! A person of agency A who edits a URL to agency B's document (or B's registration's filing
//! pack, or uploads naming B's client) gets 404 on every documents page and route, in every
//! isolation mode, and nothing of B's is read or changed.

use crate::support::Visitor;
use comply360_domain::IsolationMode;
use comply360_testkit::documents::pdf_with_text;
use comply360_testkit::{TestDb, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn another_agencys_document_is_not_found_on_every_page_in_every_mode() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let modes = [
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Database,
    ];
    let http = reqwest::Client::new();
    for (i, mode) in modes.into_iter().enumerate() {
        let (a, b) = (format!("diso-a{i}"), format!("diso-b{i}"));
        db.tenant(&a, mode).await;
        db.tenant(&b, modes[(i + 1) % 3]).await;
        let admin_b = app.token_for(&b, "tenant_admin").await;
        let client: Value = http
            .post(app.url("/api/v1/clients"))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .json(&json!({"kind": "person", "first_names": "Secret", "surname": "Holder"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let client_id = client["id"].as_str().unwrap().to_owned();
        let reg: Value = http
            .post(app.url("/api/v1/registrations"))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .json(&json!({"client_id": client_id, "kind": "za_private_company"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let reg = reg["id"].as_str().unwrap().to_owned();
        let pdf = pdf_with_text(&[&["Secret letter of B"]]);
        let form = reqwest::multipart::Form::new()
            .text("subject", "client")
            .text("subject_id", client_id.clone())
            .text("type", "other")
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf.clone())
                    .file_name("secret.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        let up = http
            .post(app.url("/api/v1/documents"))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(up.status(), StatusCode::CREATED);
        let up: Value = up.json().await.unwrap();
        let id = up["id"].as_str().unwrap().to_owned();

        let email = format!("admin@{a}.example");
        app.create_user(&a, &email, "tenant_admin").await;
        let mut visitor = Visitor::new(&app, &a);
        visitor.sign_in(&email).await;
        for path in [
            format!("/documents/{id}"),
            format!("/documents/{id}/preview"),
            format!("/documents/{id}/file"),
            format!("/documents/{id}/text"),
            format!("/registrations/{reg}/document-pack"),
        ] {
            let res = visitor.get(&path).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{mode:?} GET {path}");
            assert!(!res.body.contains("Secret"), "{}", res.body);
        }
        // The status fragment, as htmx asks for it.
        let (status, _, body) = visitor.get_bytes(&format!("/documents/{id}/status")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{mode:?} status");
        assert!(!String::from_utf8_lossy(&body).contains("Secret"));
        for path in [
            format!("/documents/{id}/review"),
            format!("/documents/{id}/hold"),
            format!("/documents/{id}/link"),
        ] {
            let res = visitor
                .post(
                    &path,
                    &[
                        ("status", "verified"),
                        ("reason", "taken over by A"),
                        ("action", "place"),
                        ("hold_reason", "A's subpoena"),
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{mode:?} POST {path}");
            assert!(!res.body.contains("Secret"), "{}", res.body);
        }
        // An upload naming B's client or B's registration: not found, nothing stored.
        for (subject, subject_id) in [("client", &client_id), ("registration", &reg)] {
            let form = reqwest::multipart::Form::new()
                .text("subject", subject)
                .text("subject_id", subject_id.clone())
                .text("type", "other")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(pdf.clone())
                        .file_name("planted.pdf")
                        .mime_str("application/pdf")
                        .unwrap(),
                );
            let res = visitor.post_multipart("/documents/upload", form).await;
            assert_eq!(
                res.status,
                StatusCode::NOT_FOUND,
                "{mode:?} upload to B's {subject}"
            );
        }
        // B's document is as B left it: no review, no hold, one version.
        let d: Value = http
            .get(app.url(&format!("/api/v1/documents/{id}/versions")))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let versions = d.as_array().unwrap();
        assert_eq!(versions.len(), 1, "{d}");
        assert!(versions[0]["review"].is_null() && versions[0]["legal_hold"].is_null());
        let listed: Value = http
            .get(app.url(&format!("/api/v1/documents?client_id={client_id}")))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    }
}
