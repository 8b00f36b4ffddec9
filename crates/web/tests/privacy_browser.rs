//! A client's privacy page in a real browser: the export button, the erasure refused until
//! the client's name is typed (the message beside the field and in the summary), then done
//! with the report (the client kept: FICA, the relationship runs). axe-core clean and
//! screenshots at 1280 and 375 px; another agency's client is a 404. Settings › Documents:
//! the types and their retention, fewer than FICA's 5 years refused beside the field.

use crate::sign_in_browser::sign_in;
use comply360_documents::DocumentSettings;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{browser_sized, chromedriver, fill, judge, press, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, documents_app, test_documents};
use serde_json::json;

async fn client(app: &TestApp, slug: &str, first: &str, surname: &str, id_number: &str) -> String {
    let token = app.token_for(slug, "tenant_admin").await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/clients"))
        .header("x-tenant", slug)
        .bearer_auth(token)
        .json(&json!({"kind": "person", "first_names": first, "surname": surname, "id_number": id_number}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let body: serde_json::Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_privacy_page_exports_and_erases_after_the_name_is_typed() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("umoya", IsolationMode::Pooled).await;
    db.tenant("kloof", IsolationMode::Schema).await;
    let root = tempfile::tempdir().unwrap();
    let docs = test_documents(&db.store, root.path(), None, DocumentSettings::default());
    let app = documents_app(db.store.clone(), docs).await;
    app.create_user("umoya", "lindiwe@umoya.example", "tenant_admin")
        .await;
    let thabo = client(&app, "umoya", "Thabo", "Mokoena", "8001015009087").await;
    let other = client(&app, "kloof", "Sipho", "Dlamini", "7505055123088").await;
    let base = format!("http://umoya.localhost:{}", app.addr.port());

    for width in [1280, 375] {
        let profile = tempfile::tempdir().unwrap();
        let b = browser_sized(driver_port, profile.path(), width, 900).await;
        b.goto(&format!("{base}/login")).await.unwrap();
        sign_in(&b, "lindiwe@umoya.example", TEST_PASSWORD).await;
        wait_for_text(&b, "Dashboard").await;
        b.goto(&format!("{base}/clients/{thabo}/privacy"))
            .await
            .unwrap();
        wait_for_text(&b, "Download the data export").await;
        judge(&b, "privacy", width).await;

        // Not confirmed: the message beside the field and in the summary.
        press(&b, "Erase what may be erased").await;
        let text = wait_for_text(&b, "There is a problem").await;
        let says = "Type the client's name, Thabo Mokoena, to confirm";
        // In the summary and beside the field: twice.
        assert_eq!(text.matches(says).count(), 2, "{text}");
        let html = b.source().await.unwrap();
        assert!(html.contains("field has-error"), "{html}");
        assert!(b.title().await.unwrap().starts_with("Error:"));
        judge(&b, "privacy-refused", width).await;

        fill(&b, "confirm_name", "Thabo Mokoena").await;
        press(&b, "Erase what may be erased").await;
        let text = wait_for_text(&b, "The erasure request is done").await;
        assert!(text.contains("Kept (1)") && text.contains("FICA"), "{text}");
        judge(&b, "privacy-report", width).await;

        // Another agency's client is not found here.
        b.goto(&format!("{base}/clients/{other}/privacy"))
            .await
            .unwrap();
        wait_for_text(&b, "Page not found").await;

        // Settings › Documents: the types with their rules; fewer than FICA's years refused
        // beside the field; a longer rule saved.
        b.goto(&format!("{base}/settings/documents")).await.unwrap();
        wait_for_text(&b, "Document types and how long they are kept").await;
        judge(&b, "settings-documents", width).await;
        fill(&b, "years", "3").await;
        fill(&b, "basis", "Our own policy").await;
        press(&b, "Save the retention rule").await;
        let text = wait_for_text(&b, "There is a problem").await;
        let says = "between 5 (FICA's minimum after the relationship ends) and 100";
        assert_eq!(text.matches(says).count(), 2, "{text}");
        let html = b.source().await.unwrap();
        assert!(html.contains("id=\"years-error\""), "{html}");
        judge(&b, "settings-documents-refused", width).await;
        fill(&b, "years", "7").await;
        press(&b, "Save the retention rule").await;
        wait_for_text(&b, "are now kept 7 years").await;
        b.close().await.unwrap();
    }
}
