//! Every page in the table holds to its declared need: not signed in → sent to sign in (and
//! back); signed in without the permission → 403; an agency page on the console's host or a
//! console page on an agency's → 404; a form posted without the token → 403, whoever posts it.

use crate::support::{Visitor, concrete};
use comply360_domain::IsolationMode;
use comply360_identity::{Principal, UserPrincipal};
use comply360_testkit::{TestDb, spawn_app};
use comply360_web::routes::Need;
use reqwest::StatusCode;

#[tokio::test]
async fn every_page_holds_to_its_declared_need() {
    let db = TestDb::new().await;
    db.tenant("gate", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("gate", "ayanda@gate.example", "agent_assistant")
        .await;
    let (_, table) = comply360_web::pages(&app.state);
    assert!(table.len() >= 10, "the table lists the pages");
    // The invoices are staff pages; the pay page is public (its link is the credential).
    let need = |path: &str| table.iter().find(|p| p.path == path).map(|p| p.need);
    assert_eq!(need("/invoices"), Some(Need::Agency("invoices:read")));
    assert_eq!(
        need("/settings/payments"),
        Some(Need::Agency("payments:manage"))
    );
    assert_eq!(need("/pay/{agency}/{token}"), Some(Need::Public));
    assert_eq!(
        need("/settings/plan"),
        Some(Need::Agency("settings:manage"))
    );
    assert_eq!(
        need("/settings/plan/pay/{number}"),
        Some(Need::Agency("settings:manage"))
    );
    assert_eq!(
        need("/billing"),
        Some(Need::Platform("platform:tenants:read"))
    );
    assert_eq!(
        need("/billing/enforce"),
        Some(Need::Platform("platform:tenants:manage"))
    );

    let mut stranger = Visitor::new(&app, "gate");
    let mut assistant = Visitor::new(&app, "gate");
    assistant.sign_in("ayanda@gate.example").await;
    // What the role may, as the RBAC itself says (not a list copied here).
    let tenant = app.store.tenancy().resolve("gate").await.unwrap();
    let principal = Principal::User(UserPrincipal {
        id: uuid::Uuid::nil(),
        role: "agent_assistant".into(),
        session: uuid::Uuid::nil(),
        tenant: Some(tenant.id()),
        restriction: None,
    });
    let mut allowed = std::collections::HashSet::new();
    for (p, _) in comply360_identity::rbac::TENANT_PERMISSIONS {
        if app
            .state
            .identity
            .authorize(&principal, Some(&tenant), p)
            .await
        {
            allowed.insert(*p);
        }
    }
    assert!(allowed.contains("clients:read") && !allowed.contains("clients:write"));
    let may = |need: Need| match need {
        Need::Public | Need::SignedIn => true,
        Need::Agency(p) => allowed.contains(p),
        Need::Platform(_) => false,
    };
    let mut checked = 0;
    for page in &table {
        let path = concrete(page.path);
        if page.method == axum::http::Method::POST {
            // Without its token: refused before anything else, signed in or not.
            for v in [&mut stranger, &mut assistant] {
                let res = v.post_raw(&path, &[("x", "1")]).await;
                assert_eq!(
                    res.status,
                    StatusCode::FORBIDDEN,
                    "POST {path}: {}",
                    res.body
                );
                assert!(
                    res.body.contains("did not come from this site"),
                    "{}",
                    res.body
                );
            }
            checked += 1;
            continue;
        }
        let res = stranger.get(&path).await;
        match page.need {
            Need::Public => assert_ne!(res.status, StatusCode::SEE_OTHER, "GET {path}"),
            _ => {
                assert_eq!(
                    res.status,
                    StatusCode::SEE_OTHER,
                    "GET {path} not signed in"
                );
                assert!(
                    res.location().starts_with("/login"),
                    "GET {path}: {}",
                    res.location()
                );
            }
        }
        let res = assistant.get(&path).await;
        match page.need {
            Need::Platform(_) => assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}"),
            need if !may(need) => {
                assert_eq!(res.status, StatusCode::FORBIDDEN, "GET {path}");
                assert!(res.body.contains("Not permitted"), "{}", res.body);
            }
            // Allowed: the page itself answers (the made-up id is simply not found).
            _ => assert!(
                [StatusCode::OK, StatusCode::NOT_FOUND, StatusCode::SEE_OTHER]
                    .contains(&res.status),
                "GET {path}: {} {}",
                res.status,
                res.body
            ),
        }
        checked += 1;
    }
    assert_eq!(checked, table.len());

    // Sent back after signing in: the page first asked for.
    let res = stranger.get("/clients?q=abc").await;
    assert_eq!(res.location(), "/login?next=%2Fclients%3Fq%3Dabc");
}

#[tokio::test]
async fn agency_pages_do_not_exist_on_the_console_and_unknown_agencies_say_so() {
    let db = TestDb::new().await;
    db.tenant("realm", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let mut console = Visitor::new(&app, "");
    let res = console.get("/login").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Comply360 console"), "{}", res.body);

    let mut nowhere = Visitor::new(&app, "no-such-agency");
    let res = nowhere.get("/login").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(
        res.body.contains("No agency uses this address"),
        "{}",
        res.body
    );
    assert!(
        res.body.contains("Reference:"),
        "the request id is shown: {}",
        res.body
    );

    // A path nothing serves: the HTML page for a browser, the problem for an API client.
    let mut visitor = Visitor::new(&app, "realm");
    let res = visitor.get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("Page not found"), "{}", res.body);
    let api = reqwest::get(app.url("/api/v1/nothing")).await.unwrap();
    assert_eq!(
        api.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
}

#[tokio::test]
async fn pages_allow_no_inline_script_or_style_and_cookies_are_http_only() {
    let db = TestDb::new().await;
    db.tenant("policy", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let mut v = Visitor::new(&app, "policy");
    let res = v.get("/login").await;
    let csp = res.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!res.body.contains("<script>"), "no inline script");
    assert!(!res.body.contains("style="), "no inline style");
    for cookie in res.headers.get_all("set-cookie") {
        let c = cookie.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite="), "{c}");
    }
}
