//! A person of agency A who edits a URL to agency B's client, registration or user gets 404
//! (never B's data, and nothing of B's changes), in every isolation mode; A's session is no
//! session on B's host.

use crate::support::Visitor;
use comply360_domain::IsolationMode;
use comply360_testkit::{TestDb, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn another_agencys_client_is_not_found_in_every_mode() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let modes = [
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Database,
    ];
    for (i, mode) in modes.into_iter().enumerate() {
        let (a, b) = (format!("iso-a{i}"), format!("iso-b{i}"));
        db.tenant(&a, mode).await;
        db.tenant(&b, modes[(i + 1) % 3]).await;
        let admin_b = app.token_for(&b, "tenant_admin").await;
        let theirs: Value = reqwest::Client::new()
            .post(app.url("/api/v1/clients"))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .json(&json!({"kind": "person", "first_names": "Secret", "surname": "Person", "email": "secret@b.example"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = theirs["id"].as_str().unwrap().to_owned();
        // B's registration for that client, and one of B's people.
        let their_registration: Value = reqwest::Client::new()
            .post(app.url("/api/v1/registrations"))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .json(&json!({"client_id": id, "kind": "za_private_company"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let reg = their_registration["id"].as_str().unwrap().to_owned();
        let their_user = app
            .create_user(&b, &format!("agent@{b}.example"), "agent")
            .await;

        let email = format!("admin@{a}.example");
        app.create_user(&a, &email, "tenant_admin").await;
        let mut visitor = Visitor::new(&app, &a);
        visitor.sign_in(&email).await;
        for path in [
            format!("/clients/{id}"),
            format!("/clients/{id}/edit"),
            format!("/registrations/{reg}"),
            format!("/registrations/{reg}/summary"),
            format!("/registrations/{reg}/steps/company_name"),
        ] {
            let res = visitor.get(&path).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{mode:?} GET {path}");
            assert!(!res.body.contains("Secret"), "{}", res.body);
        }
        for path in [
            format!("/clients/{id}"),
            format!("/clients/{id}/delete"),
            format!("/clients/{id}/restore"),
            format!("/registrations/{reg}/steps/company_name"),
            format!("/registrations/{reg}/act"),
            format!("/registrations/{reg}/assign"),
            format!("/registrations/{reg}/submit"),
        ] {
            let res = visitor
                .post(&path, &[("first_names", "Changed"), ("surname", "By A")])
                .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{mode:?} POST {path}");
        }
        // B's person, changed through A's user pages: not found, and unchanged.
        for path in [
            format!("/settings/users/{their_user}/role"),
            format!("/settings/users/{their_user}/status"),
            format!("/settings/users/{their_user}/unlock"),
        ] {
            let res = visitor
                .post(&path, &[("role", "tenant_admin"), ("status", "disabled")])
                .await;
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY].contains(&res.status),
                "{mode:?} POST {path}: {}",
                res.status
            );
            assert!(
                !res.body.contains(&format!("agent@{b}.example")),
                "{}",
                res.body
            );
        }
        let theirs_now = app
            .state
            .identity
            .get_user(&app.store.tenancy().resolve(&b).await.unwrap(), their_user)
            .await
            .unwrap();
        assert_eq!(
            (theirs_now.role.as_str(), theirs_now.status.as_str()),
            ("agent", "active")
        );

        // A's search never lists B's client.
        let res = visitor.get("/clients?q=secret").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(!res.body.contains("Secret Person"), "{}", res.body);

        // A's cookies on B's host: not signed in there.
        let mut same_cookies = Visitor::new(&app, &b);
        same_cookies.cookies = visitor.cookies.clone();
        let res = same_cookies.get(&format!("/clients/{id}")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{mode:?}");
        assert!(res.location().starts_with("/login"));

        // B's client is as it was.
        let now: Value = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/clients/{id}")))
            .bearer_auth(&admin_b)
            .header("x-tenant", &b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(now["first_names"], "Secret");
        assert!(now["deleted_at"].is_null());
    }
}
