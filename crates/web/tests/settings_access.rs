//! Agency settings over HTTP: an agent sees no Settings section and is refused (403) every
//! settings page and every settings form, token and all; an administrator's forms keep their
//! promises: an API key appears in the creating answer only (`no-store`), never on a page
//! again; the CIPC secrets are never shown back and can be cleared; the brand colour is in the
//! next `/assets/brand.css`; the MFA policy and a custom role are saved through identity.

use crate::support::{Visitor, concrete};
use comply360_domain::IsolationMode;
use comply360_testkit::{TestDb, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn an_agent_sees_no_settings_and_every_settings_page_and_form_is_refused() {
    let db = TestDb::new().await;
    db.tenant("guarded", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("guarded", "sipho@guarded.example", "agent")
        .await;
    app.create_user("guarded", "nomsa@guarded.example", "tenant_admin")
        .await;
    let mut agent = Visitor::new(&app, "guarded");
    agent.sign_in("sipho@guarded.example").await;
    let home = agent.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains(">Settings</a>"), "{}", home.body);
    let mut admin = Visitor::new(&app, "guarded");
    admin.sign_in("nomsa@guarded.example").await;
    assert!(admin.get("/").await.body.contains(">Settings</a>"));

    let (_, table) = comply360_web::pages(&app.state);
    let settings: Vec<_> = table
        .iter()
        .filter(|p| p.path.starts_with("/settings"))
        .collect();
    assert!(settings.len() >= 20, "the settings pages are in the table");
    for page in settings {
        let path = concrete(page.path);
        let res = if page.method == axum::http::Method::POST {
            // With the page's token: refused for the role, not for the form.
            agent
                .post(&path, &[("role", "agent"), ("status", "disabled")])
                .await
        } else {
            agent.get(&path).await
        };
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "{} {path}: {}",
            page.method,
            res.body
        );
        assert!(res.body.contains("Not permitted"), "{path}: {}", res.body);
    }
}

#[tokio::test]
async fn settings_forms_save_through_identity_and_secrets_are_shown_once_or_never() {
    let db = TestDb::new().await;
    db.tenant("forms", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("forms", "nomsa@forms.example", "tenant_admin")
        .await;
    let tenant = app.store.tenancy().resolve("forms").await.unwrap();
    let mut admin = Visitor::new(&app, "forms");
    admin.sign_in("nomsa@forms.example").await;

    // /settings opens the first page the viewer may open.
    let res = admin.get("/settings").await;
    assert_eq!(res.location(), "/settings/users");

    // An API key: in the creating answer only.
    let res = admin
        .post(
            "/settings/api-keys",
            &[("name", "Odoo sync"), ("permission", "clients:read")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.headers["cache-control"], "no-store");
    let at = res.body.find("value=\"c360_").expect("the key is shown") + 7;
    let key = res.body[at..].split('"').next().unwrap().to_owned();
    let again = admin.get("/settings/api-keys").await;
    assert!(again.body.contains("Odoo sync"));
    assert!(!again.body.contains(&key), "the key is never shown again");
    // It works, with what it was given.
    let api = reqwest::Client::new()
        .get(app.url("/api/v1/clients"))
        .header("x-tenant", "forms")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    // A key with no permission: the API's message beside the field.
    let res = admin
        .post("/settings/api-keys", &[("name", "Nothing")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("list at least one permission"),
        "{}",
        res.body
    );

    // CIPC: saved sealed, shown as set, never the secrets; a missing field beside it; cleared.
    let res = admin
        .post(
            "/settings/cipc",
            &[
                ("client_id", "forms-agency"),
                ("username", "filings@forms.example"),
                ("password", ""),
                ("subscription_key", "sub-key-4f1c"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"password-error\""), "{}", res.body);
    assert!(
        !res.body.contains("sub-key-4f1c"),
        "a secret is never sent back"
    );
    let res = admin
        .post(
            "/settings/cipc",
            &[
                ("client_id", "forms-agency"),
                ("username", "filings@forms.example"),
                ("password", "cipc-Portal-pass-91"),
                ("subscription_key", "sub-key-4f1c"),
                ("base_url", "https://api.cipc.co.za"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = admin.get("/settings/cipc").await;
    assert!(page.body.contains("Credentials set on"), "{}", page.body);
    assert!(page.body.contains("forms-agency"));
    assert!(!page.body.contains("cipc-Portal-pass-91") && !page.body.contains("sub-key-4f1c"));
    let mut tx = app.store.tenancy().begin(&tenant).await.unwrap();
    let stored = comply360_store::repo::settings::get(&mut tx, "integrations.cipc")
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        !stored.to_string().contains("cipc-Portal-pass-91"),
        "sealed at rest"
    );
    let res = admin.post("/settings/cipc/clear", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get("/settings/cipc")
            .await
            .body
            .contains("Not set up")
    );

    // Branding: a bad colour refused beside the field; a good one in the next brand.css.
    let res = admin
        .post(
            "/settings/branding",
            &[("display_name", "Forms & Co"), ("primary_color", "green")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("must be a colour in hex"), "{}", res.body);
    let res = admin
        .post(
            "/settings/branding",
            &[("display_name", "Forms & Co"), ("primary_color", "#0B7A3E")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let css = admin.get("/assets/brand.css").await;
    assert!(css.body.contains("--brand:#0b7a3e"), "{}", css.body);
    // The chosen name is the header's and the title's on the next page.
    let next = admin.get("/").await;
    assert!(
        next.body
            .contains("<title>Dashboard · Forms &amp; Co</title>"),
        "{}",
        next.body
    );

    // The MFA policy and CORS origins, through identity; a bad origin refused beside it.
    let res = admin
        .post(
            "/settings/security",
            &[
                ("mfa_required", "all"),
                ("cors_origins", "portal.forms.example"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("id=\"cors_origins-error\""),
        "{}",
        res.body
    );
    let res = admin
        .post(
            "/settings/security",
            &[
                ("mfa_required", "all"),
                ("cors_origins", "https://portal.forms.example/\n"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let now = app.state.identity.security_settings(&tenant).await.unwrap();
    assert_eq!(now.mfa_required, "all");
    assert_eq!(now.cors_origins, ["https://portal.forms.example"]);

    // A custom role from the permission list, given to an invited user.
    let res = admin
        .post(
            "/settings/roles",
            &[
                ("name", "Filing clerk"),
                ("permission", "clients:read"),
                ("permission", "registrations:draft"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = admin
        .post(
            "/settings/users",
            &[("email", "lwazi@forms.example"), ("role", "filing_clerk")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let users = app.state.identity.list_users(&tenant).await.unwrap();
    let lwazi = users
        .iter()
        .find(|u| u.email == "lwazi@forms.example")
        .unwrap();
    assert_eq!(
        (lwazi.role.as_str(), lwazi.status.as_str()),
        ("filing_clerk", "invited")
    );
    // Held, so it cannot be deleted: the refusal is on the roles page.
    let res = admin.post("/settings/roles/filing_clerk/delete", &[]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(
        res.body.contains("give them another role first"),
        "{}",
        res.body
    );
    // The same email again: beside the email field.
    let res = admin
        .post(
            "/settings/users",
            &[("email", "lwazi@forms.example"), ("role", "agent")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("id=\"email-error\""), "{}", res.body);
    // One's own role cannot be changed here either.
    let me = users
        .iter()
        .find(|u| u.email == "nomsa@forms.example")
        .unwrap();
    let res = admin
        .post(
            &format!("/settings/users/{}/status", me.id),
            &[("status", "disabled")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.body.contains("cannot change your own role"),
        "{}",
        res.body
    );
}
