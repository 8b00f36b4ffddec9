//! Clients in a real browser, at desktop (1280 px) and phone (375 px) widths: an administrator
//! of a new agency sees what to do first, adds a client (a wrong ID number and email refused
//! beside their fields, with the API's own words), edits it, finds it by ID number, deletes and
//! restores it. Every page passes axe-core (no serious or critical violation) and is saved as
//! a screenshot (`target/screenshots/*.png`).

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{browser_sized, chromedriver, click, fill, judge, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use fantoccini::{Client, Locator};

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_adds_edits_finds_deletes_and_restores_a_client() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("karoo", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("karoo", "nomsa@karoo.example", "tenant_admin")
        .await;
    let base = format!("http://karoo.localhost:{}", app.addr.port());

    for width in [1280, 375] {
        let profile = tempfile::tempdir().unwrap();
        let client = browser_sized(driver_port, profile.path(), width, 900).await;
        let first = width == 1280;

        client.goto(&format!("{base}/login")).await.unwrap();
        judge(&client, "login", width).await;
        sign_in(&client, "nomsa@karoo.example", TEST_PASSWORD).await;
        if first {
            // A new agency says what to do first.
            wait_for_text(&client, "Add your first client").await;
            judge(&client, "dashboard-empty", width).await;
            client.goto(&format!("{base}/clients")).await.unwrap();
            wait_for_text(&client, "No clients yet").await;
            judge(&client, "clients-empty", width).await;
            click(
                &client,
                "//main//a[normalize-space()='Add your first client']",
            )
            .await;
        } else {
            wait_for_text(&client, "Dashboard").await;
            judge(&client, "dashboard", width).await;
            client.goto(&format!("{base}/clients/new")).await.unwrap();
        }

        // Wrong ID number and email: refused beside the fields, what was typed kept.
        wait_for_text(&client, "This client is").await;
        fill(&client, "first_names", "Thandiwe").await;
        fill(&client, "surname", if first { "Nkosi" } else { "Dube" }).await;
        fill(&client, "id_number", "8001015009088").await;
        fill(&client, "email", "thandi@").await;
        click(&client, "//button[normalize-space()='Add client']").await;
        wait_for_text(&client, "Correct the fields marked below").await;
        let id_error = text_of(&client, "#id_number-error").await;
        assert!(id_error.contains("check digit"), "{id_error}");
        assert!(!text_of(&client, "#email-error").await.is_empty());
        let kept = client
            .find(Locator::Id("first_names"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("Thandiwe"));
        judge(&client, "client-form-errors", width).await;

        // Corrected: the client's page, with the notice.
        let id_number = if first {
            "8001015009087"
        } else {
            "8506150123089"
        };
        fill(&client, "id_number", id_number).await;
        fill(&client, "email", "thandi@karoo.example").await;
        click(&client, "//button[normalize-space()='Add client']").await;
        wait_for_text(&client, "was added").await;
        judge(&client, "client-page", width).await;

        if first {
            // Edit: the change is saved and in the history.
            click(&client, "//main//a[normalize-space()='Edit']").await;
            wait_for_text(&client, "Edit client").await;
            fill(&client, "phone", "082 555 0123").await;
            click(&client, "//button[normalize-space()='Save changes']").await;
            wait_for_text(&client, "Changes saved.").await;
            let history = text_of(&client, "ol.timeline").await;
            assert!(
                history.contains("updated") && history.contains("phone"),
                "{history}"
            );

            // Delete (confirmed in the dialog) and restore.
            click(&client, "//button[normalize-space()='Delete']").await;
            client.accept_alert().await.unwrap();
            wait_for_text(&client, "was deleted").await;
            judge(&client, "client-deleted", width).await;
            click(&client, "//button[normalize-space()='Restore']").await;
            wait_for_text(&client, "was restored").await;
        }

        // Found by its ID number from the header's search box.
        client.goto(&format!("{base}/")).await.unwrap();
        if first {
            wait_for_text(&client, "Recent activity").await;
            judge(&client, "dashboard-admin", width).await;
        }
        fill(&client, "site-search", id_number).await;
        client
            .find(Locator::Id("site-search"))
            .await
            .unwrap()
            .send_keys("\u{E007}")
            .await
            .unwrap();
        wait_for_text(&client, "matched on id number").await;
        let hits = client
            .find_all(Locator::Css("ul.results li"))
            .await
            .unwrap();
        assert_eq!(hits.len(), 1, "only the client with that ID number");
        judge(&client, "search-results", width).await;
        // The clients list, searched on its own page.
        client
            .goto(&format!("{base}/clients?q=thandiwe"))
            .await
            .unwrap();
        wait_for_text(&client, "Thandiwe").await;
        judge(&client, "clients-list", width).await;

        // A page that does not exist.
        client
            .goto(&format!("{base}/clients/not-a-client"))
            .await
            .unwrap();
        wait_for_text(&client, "Page not found").await;
        judge(&client, "not-found", width).await;
        client.close().await.unwrap();
    }
}
