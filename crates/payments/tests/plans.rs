//! The platform's plans: an agency on the Starter plan is refused a fourth user, a 51st
//! registration in a month, Odoo sync and API keys, each with `plan_limit_reached` naming the
//! limit and the plan that lifts it.

use crate::support::env;
use comply360_domain::{IsolationMode, Tier};
use comply360_testkit::{create_tenant_on, http};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn assert_limit(status: StatusCode, problem: &Value, limit: &str, upgrade: &str) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "plan_limit_reached", "{problem}");
    assert_eq!(problem["plan_limit"]["limit"], limit, "{problem}");
    assert_eq!(problem["plan_limit"]["plan"], "Starter");
    assert_eq!(problem["plan_limit"]["upgrade"], upgrade);
    assert!(
        problem["detail"].as_str().unwrap().contains(upgrade),
        "the detail names the upgrade: {problem}"
    );
}

#[tokio::test]
async fn the_starter_plan_refuses_what_it_does_not_include() {
    let env = env().await;
    let slug = "small-agency";
    create_tenant_on(&env.db.store, slug, IsolationMode::Pooled, Tier::Starter).await;
    let app = &env.pa.app;
    app.create_user(slug, "boss@small.example", "tenant_admin")
        .await;
    let admin = app.login(slug, "boss@small.example").await;
    let call = |method: Method, path: &'static str, body: Value| {
        let (http, app, admin) = (&env.http, app, admin.clone());
        async move { http::call(http, app, slug, &admin, method, path, Some(body)).await }
    };

    // Users: the administrator invited at provisioning, the boss, and one invitation fill the
    // three places.
    for who in ["one"] {
        let (status, body) = call(
            Method::POST,
            "/api/v1/users",
            json!({"email": format!("{who}@small.example"), "role": "agent"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, problem) = call(
        Method::POST,
        "/api/v1/users",
        json!({"email": "three@small.example", "role": "agent"}),
    )
    .await;
    assert_limit(status, &problem, "users", "Professional");

    // Features the plan lacks.
    let (status, problem) = call(
        Method::POST,
        "/api/v1/api-keys",
        json!({"name": "sync", "permissions": ["clients:read"]}),
    )
    .await;
    assert_limit(status, &problem, "api_keys", "Professional");
    let (status, problem) = call(Method::PUT, "/api/v1/integrations/odoo",
        json!({"base_url": "https://small.odoo.com", "database": "small", "login": "a@small.example",
               "api_key": "k", "protocol": "json2"})).await;
    assert_limit(status, &problem, "odoo_sync", "Professional");

    // Registrations: 50 this month, then no more.
    let (_, client) = call(
        Method::POST,
        "/api/v1/clients",
        json!({"kind": "person", "first_names": "Lindiwe", "surname": "Mahlangu"}),
    )
    .await;
    let draft = json!({"client_id": client["id"], "kind": "za_private_company"});
    for _ in 0..50 {
        let (status, body) = call(Method::POST, "/api/v1/registrations", draft.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, problem) = call(Method::POST, "/api/v1/registrations", draft.clone()).await;
    assert_limit(status, &problem, "registrations_per_month", "Professional");
    assert_eq!(problem["plan_limit"]["allowed"], 50);
}
