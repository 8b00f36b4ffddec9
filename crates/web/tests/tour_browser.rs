//! Every main page of an agency with work in it, at desktop (1280 px) and phone (375 px)
//! widths: axe-core finds no serious or critical violation, and each is saved as a screenshot
//! (`target/screenshots/tour-<page>-<width>.png`) to be looked at.

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{
    accessibility_violations, browser_sized, chromedriver, screenshot, wait_for_text,
};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_page_reads_well_at_desktop_and_phone_widths() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("tour", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("tour", "naledi@tour.example", "tenant_admin")
        .await;
    let admin = app.login("tour", "naledi@tour.example").await;
    let api = reqwest::Client::new();
    let post = |path: &'static str, body: Value| {
        api.post(app.url(path))
            .bearer_auth(&admin)
            .header("x-tenant", "tour")
            .json(&body)
            .send()
    };
    let client: Value = post("/api/v1/clients", json!({"first_names": "Johan", "surname": "van der Merwe", "id_number": "8001015009087", "email": "johan@client.example", "phone": "082 555 0123"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let company: Value = post("/api/v1/companies", json!({"client_id": client["id"], "company_type": "private_company", "name": "Van der Merwe Farms (Pty) Ltd", "incorporated_on": today - chrono::Duration::days(3 * 365 + 60), "people": [{"full_name": "Johan van der Merwe", "id_number": "8001015009087", "roles": ["director", "shareholder"], "shares": 100}]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let co = company["id"].as_str().unwrap().to_owned();
    let registration: Value = post("/api/v1/registrations", json!({"client_id": client["id"], "kind": "za_private_company", "steps": {"company_name": {"name_choice": "registration_number"}, "directors": {"directors": [{"full_name": "Johan van der Merwe", "id_number": "8001015009088"}]}}}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (c, r) = (
        client["id"].as_str().unwrap().to_owned(),
        registration["id"].as_str().unwrap().to_owned(),
    );
    // Another agency's client, for the URL a curious person might edit.
    db.tenant("elsewhere", IsolationMode::Database).await;
    let other_admin = app.token_for("elsewhere", "tenant_admin").await;
    let theirs: Value = api
        .post(app.url("/api/v1/clients"))
        .bearer_auth(&other_admin)
        .header("x-tenant", "elsewhere")
        .json(&json!({"first_names": "Private", "surname": "Person"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    let month = today.format("%Y-%m");
    let pages: Vec<(&str, String, &str)> = vec![
        ("dashboard", "/".into(), "Recent activity"),
        ("clients", "/clients".into(), "Johan van der Merwe"),
        ("client", format!("/clients/{c}"), "Van der Merwe Farms"),
        ("client-form", format!("/clients/{c}/edit"), "Edit client"),
        ("companies", "/companies".into(), "Van der Merwe Farms"),
        ("company", format!("/companies/{co}"), "Johan van der Merwe"),
        ("import", "/clients/import".into(), "template"),
        ("registrations", "/registrations".into(), "Private company"),
        (
            "registration-start",
            format!("/registrations/new?client={c}"),
            "What to register",
        ),
        (
            "registration",
            format!("/registrations/{r}"),
            "What you can do",
        ),
        (
            "wizard-directors",
            format!("/registrations/{r}/steps/directors"),
            "Add another person",
        ),
        (
            "wizard-review",
            format!("/registrations/{r}/steps/review"),
            "Check everything",
        ),
        ("calendar", "/calendar?who=all".into(), "Annual return"),
        (
            "calendar-month",
            format!("/calendar?view=month&who=all&month={month}"),
            "Mon",
        ),
        ("search", "/search?q=van".into(), "Van der Merwe"),
        ("account", "/account".into(), "Change your password"),
    ];
    for width in [1280, 375] {
        let profile = tempfile::tempdir().unwrap();
        let browser = browser_sized(driver_port, profile.path(), width, 900).await;
        browser
            .goto(&format!("http://tour.localhost:{}/login", app.addr.port()))
            .await
            .unwrap();
        sign_in(&browser, "naledi@tour.example", TEST_PASSWORD).await;
        wait_for_text(&browser, "Dashboard").await;
        for (name, path, expect) in &pages {
            browser
                .goto(&format!("http://tour.localhost:{}{path}", app.addr.port()))
                .await
                .unwrap();
            wait_for_text(&browser, expect).await;
            let violations = accessibility_violations(&browser).await;
            assert!(
                violations.is_empty(),
                "{name} at {width}px:\n{}",
                violations.join("\n")
            );
            // Nothing wider than the screen: a phone never scrolls sideways.
            let overflow: Value = browser
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                    vec![],
                )
                .await
                .unwrap();
            assert!(
                overflow.as_i64().unwrap_or(0) <= 0,
                "{name} at {width}px is {overflow} px wider than the screen"
            );
            screenshot(&browser, &format!("tour-{name}-{width}")).await;
        }
        // Editing the address to another agency's client: not found, nothing of theirs.
        browser
            .goto(&format!(
                "http://tour.localhost:{}/clients/{theirs}",
                app.addr.port()
            ))
            .await
            .unwrap();
        let page = wait_for_text(&browser, "Page not found").await;
        assert!(!page.contains("Private Person"), "{page}");
        screenshot(&browser, &format!("tour-not-found-{width}")).await;
        browser.close().await.unwrap();
    }
}
