//! Settings › Odoo in a real browser: connecting refused beside the fields, then saved;
//! "Test connection" shows what the Odoo stand-in answered; a client created afterwards is
//! synced and its page says so; the comparison finds nothing to fix. axe-core clean and
//! screenshots at 375 and 1280 px.

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_integrations::odoo::{OdooProtocol, OdooStandIn, StandInConfig};
use comply360_testkit::browser::{browser_sized, chromedriver, fill, judge, press, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_connects_odoo_tests_it_and_sees_records_synced() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let odoo = OdooStandIn::start(StandInConfig {
        commission_model: true,
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let config = odoo.odoo_config(OdooProtocol::Json2);
    let db = TestDb::new().await;
    db.tenant("umhlanga", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("umhlanga", "zanele@umhlanga.example", "tenant_admin")
        .await;
    let base = format!("http://umhlanga.localhost:{}", app.addr.port());

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 1280, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "zanele@umhlanga.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;
    b.goto(&format!("{base}/settings/odoo")).await.unwrap();
    wait_for_text(&b, "Connect Odoo").await;
    judge(&b, "settings-odoo-empty", 1280).await;
    // Not a web address, no database: said beside each field.
    fill(&b, "base_url", "karoo odoo").await;
    fill(&b, "login", &config.login).await;
    fill(&b, "api_key", config.api_key.expose()).await;
    press(&b, "Save the connection").await;
    let text = wait_for_text(&b, "There is a problem").await;
    assert!(text.contains("must be an http(s) address"), "{text}");
    assert!(text.contains("the database name is required"), "{text}");
    let html = b.source().await.unwrap();
    assert!(html.contains("id=\"base_url-error\"") && html.contains("id=\"database-error\""));
    assert!(
        !html.contains(config.api_key.expose()),
        "the key is never sent back"
    );
    judge(&b, "settings-odoo-refused", 1280).await;
    fill(&b, "base_url", config.base_url.as_str()).await;
    fill(&b, "database", &config.database).await;
    fill(&b, "api_key", config.api_key.expose()).await;
    press(&b, "Save the connection").await;
    wait_for_text(&b, "The Odoo connection is saved").await;
    press(&b, "Test connection").await;
    let text = wait_for_text(&b, "Odoo 19.0 answered").await;
    assert!(
        text.contains("Signed in as admin") && text.contains("custom commission model"),
        "{text}"
    );
    judge(&b, "settings-odoo-tested", 1280).await;

    // A client created now is mirrored, and its page says so.
    let token = app.login("umhlanga", "zanele@umhlanga.example").await;
    let client: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/clients"))
        .header("x-tenant", "umhlanga")
        .bearer_auth(token)
        .json(&json!({"kind": "organisation", "display_name": "Umhlanga Dunes Trust"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    app.run_jobs("umhlanga").await;
    assert_eq!(odoo.records("res.partner").len(), 1);
    b.goto(&format!(
        "{base}/clients/{}",
        client["id"].as_str().unwrap()
    ))
    .await
    .unwrap();
    let text = wait_for_text(&b, "In Odoo").await;
    assert!(
        text.contains("synced") && text.contains("res.partner #"),
        "{text}"
    );
    b.goto(&format!("{base}/settings/odoo")).await.unwrap();
    wait_for_text(&b, "Sync state").await;
    press(&b, "Compare with Odoo").await;
    wait_for_text(
        &b,
        "Comply360 and Odoo agree: 1 record checked, no difference.",
    )
    .await;
    judge(&b, "settings-odoo", 1280).await;
    b.close().await.unwrap();

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 375, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "zanele@umhlanga.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;
    b.goto(&format!("{base}/settings/odoo")).await.unwrap();
    wait_for_text(&b, "Sync state").await;
    judge(&b, "settings-odoo", 375).await;
    b.close().await.unwrap();
}
