//! A person of agency A who edits a URL to agency B's company gets 404 on every company page
//! and form, never B's data, in every isolation mode; B's company is unchanged.

use crate::support::Visitor;
use comply360_domain::IsolationMode;
use comply360_testkit::{TestDb, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn another_agencys_company_is_not_found_in_every_mode() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let modes = [
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Database,
    ];
    let api = reqwest::Client::new();
    for (i, mode) in modes.into_iter().enumerate() {
        let (a, b) = (format!("coiso-a{i}"), format!("coiso-b{i}"));
        db.tenant(&a, mode).await;
        db.tenant(&b, modes[(i + 1) % 3]).await;
        let admin_b = app.token_for(&b, "tenant_admin").await;
        let call = |method: reqwest::Method, path: &str, body: Value| {
            api.request(method, app.url(path))
                .bearer_auth(&admin_b)
                .header("x-tenant", &b)
                .json(&body)
        };
        let client: Value = call(
            reqwest::Method::POST,
            "/api/v1/clients",
            json!({"kind": "person", "first_names": "Secret", "surname": "Holder"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let company: Value = call(reqwest::Method::POST, "/api/v1/companies", json!({
                "client_id": client["id"], "company_type": "private_company",
                "name": "Secret Holdings (Pty) Ltd", "registration_number": "2020/123456/07",
                "incorporated_on": "2020-02-03",
                "people": [{"full_name": "Hidden Director", "id_number": "8001015009087", "roles": ["director"]}]}))
            .send().await.unwrap().json().await.unwrap();
        let id = company["id"].as_str().unwrap().to_owned();
        let person = company["people"][0]["id"].as_str().unwrap().to_owned();

        let email = format!("admin@{a}.example");
        app.create_user(&a, &email, "tenant_admin").await;
        // A has a client of its own, so its form is the form (not "first add the client").
        let admin_a = app.token_for(&a, "tenant_admin").await;
        let res = api
            .post(app.url("/api/v1/clients"))
            .bearer_auth(&admin_a)
            .header("x-tenant", &a)
            .json(&json!({"kind": "person", "first_names": "Own", "surname": "Client"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let mut visitor = Visitor::new(&app, &a);
        visitor.sign_in(&email).await;
        let res = visitor.get(&format!("/companies/{id}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{mode:?} GET profile");
        assert!(!res.body.contains("Secret Holdings"), "{}", res.body);
        // B's client id on A's new-company form: not offered, and refused when posted.
        let res = visitor
            .get(&format!(
                "/companies/new?client={}",
                client["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(!res.body.contains("Secret Holder"), "{}", res.body);
        let res = visitor
            .post(
                "/companies",
                &[
                    ("client_id", client["id"].as_str().unwrap()),
                    ("company_type", "private_company"),
                    ("name", "Stolen (Pty) Ltd"),
                    ("status", "proposed"),
                ],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{mode:?} POST /companies"
        );
        assert!(
            res.body.contains("no client with this id in your agency"),
            "{}",
            res.body
        );
        for (path, form) in [
            (
                format!("/companies/{id}/people"),
                vec![
                    ("full_name", "Intruder"),
                    ("id_number", "8506150123089"),
                    ("roles", "director"),
                ],
            ),
            (
                format!("/companies/{id}/people/{person}/resign"),
                vec![("on", "2026-01-01")],
            ),
        ] {
            let res = visitor.post(&path, &form).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{mode:?} POST {path}");
            assert!(!res.body.contains("Secret Holdings"), "{}", res.body);
        }
        // A's list and search never show B's company.
        for path in [
            "/companies",
            "/companies?q=2020%2F123456%2F07",
            "/companies?q=secret",
        ] {
            let res = visitor.get(path).await;
            assert_eq!(res.status, StatusCode::OK);
            assert!(
                !res.body.contains("Secret Holdings"),
                "{path}: {}",
                res.body
            );
        }

        // B's company is as it was.
        let now: Value = call(
            reqwest::Method::GET,
            &format!("/api/v1/companies/{id}"),
            json!(null),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(now["people"].as_array().unwrap().len(), 1, "{now}");
        assert!(now["people"][0]["resigned_on"].is_null(), "{now}");
    }
}
