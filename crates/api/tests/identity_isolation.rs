//! The identity tables and routes keep each tenant's accounts, sessions, tokens, roles and
//! keys to itself, in every isolation mode.

use crate::support::{emailed_token, totp_from};
use comply360_domain::IsolationMode;
use comply360_testkit::http::Http;
use comply360_testkit::isolation;
use comply360_testkit::{TestApp, TestDb, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// Sessions, refresh tokens, a reset token, recovery codes, a custom role and an API key in
/// `slug`; returns (admin token, admin id, refresh token, API key id).
async fn populate(app: &TestApp, slug: &str) -> (String, Uuid, String, String) {
    let http = Http::new(app);
    let email = format!("admin@{slug}.example");
    // The provisioned admin is invited; `user create` activates it.
    let id = app.create_user(slug, &email, "tenant_admin").await;
    let session = http.signed_in(slug, &email).await;
    let token = session["access_token"].as_str().unwrap().to_owned();
    let enrol: Value = http
        .post(Some(slug), "/api/v1/me/mfa/enrol", Some(&token), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let totp = totp_from(&enrol);
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let res = http
        .post(
            Some(slug),
            "/api/v1/me/mfa/confirm",
            Some(&token),
            json!({"code": totp.code_at(now)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = http
        .post(
            Some(slug),
            "/api/v1/auth/password/forgot",
            None,
            json!({"email": email}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert!(
        !emailed_token(app, slug, "password_reset", &email)
            .await
            .is_empty()
    );
    let res = http
        .send(Method::PUT, Some(slug), "/api/v1/roles/reviewer", Some(&token), Some(json!({"name": format!("Reviewer of {slug}"), "permissions": ["registrations:read"]})))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let key: Value = http
        .post(
            Some(slug),
            "/api/v1/api-keys",
            Some(&token),
            json!({"name": "sync", "permissions": ["users:read"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    (
        token,
        id,
        session["refresh_token"].as_str().unwrap().to_owned(),
        key["id"].as_str().unwrap().to_owned(),
    )
}

async fn suite(mode: IsolationMode, tag: &str) {
    let db = TestDb::new().await;
    let (a_slug, b_slug) = (format!("{tag}-a"), format!("{tag}-b"));
    db.tenant(&a_slug, mode).await;
    db.tenant(&b_slug, mode).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let (_a_token, a_admin, a_refresh, a_key) = populate(&app, &a_slug).await;
    let (b_token, _b_admin, _, _) = populate(&app, &b_slug).await;

    let a = app.store.tenancy().resolve(&a_slug).await.unwrap();
    let b = app.store.tenancy().resolve(&b_slug).await.unwrap();
    let tables = [
        "sessions",
        "refresh_tokens",
        "user_tokens",
        "recovery_codes",
        "roles",
        "api_keys",
    ];
    isolation::sees_only_its_own(&app.store, &a, &tables, mode).await;

    // Rows carrying B's tenant id cannot be written from A's transaction.
    let writes = [
        "INSERT INTO sessions (tenant_id, id, user_id) VALUES ($1, gen_random_uuid(), $2::uuid)",
        "INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, expires_at) VALUES ($1, '\\x00', $2::uuid, now())",
        "INSERT INTO user_tokens (tenant_id, token_hash, purpose, user_id, expires_at) VALUES ($1, '\\x00', 'invitation', $2::uuid, now())",
        "INSERT INTO recovery_codes (tenant_id, user_id, code_hash) VALUES ($1, $2::uuid, '\\x00')",
        "INSERT INTO roles (tenant_id, key, name, permissions) VALUES ($1, 'x' || $2::text, 'x', '{}')",
        "INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, permissions) VALUES ($1, $2::uuid, 'x', 'x', '\\x00', '{}')",
    ];
    isolation::cannot_write_for(&app.store, &a, &b, &a_admin.to_string(), &writes, mode).await;

    // Over HTTP: A's refresh token, user, key and role mean nothing in B.
    let res = http
        .post(
            Some(&b_slug),
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": a_refresh}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{mode}");
    let res = http
        .get(
            Some(&b_slug),
            &format!("/api/v1/users/{a_admin}"),
            Some(&b_token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{mode}");
    let res = http
        .send(
            Method::DELETE,
            Some(&b_slug),
            &format!("/api/v1/api-keys/{a_key}"),
            Some(&b_token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{mode}");
    let res = http
        .send(
            Method::PATCH,
            Some(&b_slug),
            &format!("/api/v1/users/{a_admin}"),
            Some(&b_token),
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{mode}");
    let roles: Value = http
        .get(Some(&b_slug), "/api/v1/roles", Some(&b_token))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&format!("Reviewer of {b_slug}").as_str()));
    assert!(
        !names.contains(&format!("Reviewer of {a_slug}").as_str()),
        "{mode}: {names:?}"
    );
    let users: Value = http
        .get(Some(&b_slug), "/api/v1/users", Some(&b_token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !users.to_string().contains(&a_slug),
        "{mode}: B lists none of A's users"
    );
}

#[tokio::test]
async fn identity_is_isolated_pooled() {
    suite(IsolationMode::Pooled, "idp").await;
}

#[tokio::test]
async fn identity_is_isolated_schema() {
    suite(IsolationMode::Schema, "ids").await;
}

#[tokio::test]
async fn identity_is_isolated_database() {
    suite(IsolationMode::Database, "idd").await;
}
